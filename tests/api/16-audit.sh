#!/bin/bash
# 16-audit.sh - raslog audit (issue 13 item 2): on the demo programme the
# figures recomputed from the signed ledger alone equal the faculty view
# (exit 0); a cached figure edited while serving is not shown (its seal
# fails) and is named as drift; a figure the server shows that the ledger
# does not give (a row sealed by someone holding the cache key) is named
# (trainee, requirement, server, ledger) and exits 1; offline, from
# an export and the log key, the recomputed view is printed (the curriculum
# and each enrolment come from the export's own statements) and equals the
# server's progress reports; a damaged export recomputes nothing.
. "$(dirname "$0")/../lib.sh"

"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" > "$WORK/people.jsonl" 2>/dev/null
start_server
FAC=$(field "Amelia Hart" token)
TRAINEE=$(field "Tomasz Nowak" token)

check "the ledger carries each curriculum version's content" "$(sql "select count(*) from ledger where kind = 'curriculum'")" -ge 1
check "and an enrolment per trainee" "$(sql "select count(*) from ledger where kind = 'enrolment'")" = \
	"$(sql "select count(*) from users where roles & 1 <> 0 and curriculum_id is not null")"
ok "raslog verify reads the new statement kinds" "$RASLOG" --token "$FAC" verify

"$RASLOG" --token "$FAC" audit > "$WORK/audit.out" 2>"$WORK/audit.err"
check "online audit on the demo programme agrees with the server (exit 0)" "$?" = 0
check "it audited every trainee" "$(grep -o 'audited [0-9]* trainees' "$WORK/audit.out")" = \
	"audited $(sql "select count(*) from users where roles & 1 <> 0 and curriculum_id is not null") trainees"
"$RASLOG" --token "$FAC" audit --json > "$WORK/audit.json"
check "--json says ok with no differences" "$(jget '[j["ok"], len(j["differences"])]' < "$WORK/audit.json")" = "[true, 0]"
"$RASLOG" --token "$TRAINEE" audit > /dev/null 2>"$WORK/err"
check "a trainee cannot audit the programme (the accreditation list is faculty's)" "$?" != 0

# A cached figure changed while serving is not shown: its seal (schema/018) fails, so the
# list is answered from rows rebuilt from the ledger, the drift is named, and audit agrees.
T=$(sql "select trainee_id from trainee_status where status = 'in_training' order by trainee_id limit 1")
sql "update trainee_status set status = 'eligible' where trainee_id = $T"
"$RASLOG" --token "$FAC" audit > "$WORK/audit.out" 2>"$WORK/audit.err"
check "audit passes on a cached status tampered while serving (its seal fails: the ledger's is served)" "$?" = 0
check "the tampered status was named as a figures.drift event" \
	"$(grep '"event":"figures.drift"' "$WORK/audit.log" | grep "\"trainee\":$T," | grep -c '"requirement":"status","cache":"eligible","ledger":"in_training"')" = 1

# reseal T: the status row's MAC recomputed with the cache key, as docs/ledger.md (section 9) gives it,
# which only someone holding the key file can do; raslog audit trusts no key of the server's.  The
# key file is beside a SQLite database, in the key directory a PostgreSQL one is given (tests/lib.sh:
# --key-dir $WORK/server-keys); the row is read as a JSON array and the MAC written through `sql`.
if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then
	CACHE_KEY="$WORK/server-keys/cache.key" JSON_ROW=json_build_array
else
	CACHE_KEY="$DB.keys/cache.key" JSON_ROW=json_array
fi
IFS= read -r -d '' RESEAL_PY <<'EOF' || true
import base64, hashlib, json, struct, sys
key = base64.b64decode(json.load(open(sys.argv[1]))["key"])
h = hashlib.blake2b(digest_size=32, key=key)
def put(b):
    h.update(struct.pack("<Q", 2**64 - 1) if b is None else struct.pack("<Q", len(b)) + b)
put(b"raslog-cache-status-v2"); put(sys.argv[2].encode())
# the row's columns, then the trainee's pending claims now: how many, the sum of their ids, the sum of their revisions
for v in json.loads(sys.argv[3]) + json.loads(sys.argv[4]):
    put(None if v is None else str(v).encode())
print(h.hexdigest())
EOF
reseal() {
	rs_row=$(sql "select $JSON_ROW(status, modules_met, modules_total, summary, accredited_until, accreditation_index,
	              ledger_through, curriculum_id) from trainee_status where trainee_id = $1")
	rs_claims=$(sql "select $JSON_ROW(count(*), coalesce(sum(id), 0), coalesce(sum(revision), 0)) from sessions
	                 where trainee_id = $1 and status = 'pending'")
	rs_mac=$(pyrun "$RESEAL_PY" "$CACHE_KEY" "$1" "$rs_row" "$rs_claims")
	if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then rs_mac="decode('$rs_mac', 'hex')"; else rs_mac="X'$rs_mac'"; fi
	sql "update trainee_status set mac = $rs_mac where trainee_id = $1"
}
sql "update trainee_status set status = 'eligible' where trainee_id = $T"
reseal "$T"
"$RASLOG" --token "$FAC" audit > "$WORK/audit.out" 2>"$WORK/audit.err"
check "audit exits 1 on a tampered figure sealed with the cache key" "$?" = 1
check "it names trainee, requirement, server figure and ledger figure" \
	"$(grep -c -P "^$T\tlist.status\t\"eligible\"\t\"in_training\"$" "$WORK/audit.out")" = 1
check "and says how many differ on stderr" "$(grep -c 'differ' "$WORK/audit.err")" = 1
"$RASLOG" --token "$FAC" audit --json > "$WORK/audit.json"
check "--json lists the difference" \
	"$(jget '[[d["trainee"], d["requirement"], d["server"], d["ledger"]] for d in j["differences"]]' < "$WORK/audit.json")" = \
	"[[$T, \"list.status\", \"eligible\", \"in_training\"]]"
sql "update trainee_status set status = 'in_training' where trainee_id = $T"
reseal "$T"
ok "with the row put back and resealed, audit agrees again" "$RASLOG" --token "$FAC" audit

# Offline: the export and the log key alone.
LOGKEY=$(curl -s -H "Authorization: Bearer $FAC" "$URL/api/v1/ledger/key" | jget 'j["public_key"]')
curl -s -H "Authorization: Bearer $FAC" "$URL/api/v1/ledger?count=100000" > "$WORK/export.jsonl"
curl -s -H "Authorization: Bearer $FAC" "$URL/api/v1/ledger/head" > "$WORK/head.json"
ok "offline audit prints the recomputed view" "$RASLOG" audit --file "$WORK/export.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json"
check "with every trainee's status" "$(grep -c '^trainee [0-9]* (ras-' "$WORK/out")" -ge 8
"$RASLOG" audit --file "$WORK/export.jsonl" --log-key "$LOGKEY" --json > "$WORK/offline.json"
compare_offline_view "$WORK/offline.json" "$FAC"
check "the offline view equals the server's progress report for every trainee" \
	"$(sort -u "$WORK/cmp")" = same
sed '0,/"minutes\\":[0-9]*/s//"minutes\\":1441/' "$WORK/export.jsonl" > "$WORK/bad.jsonl"
"$RASLOG" audit --file "$WORK/bad.jsonl" --log-key "$LOGKEY" > "$WORK/out" 2>"$WORK/err"
check "a changed export recomputes nothing (exit 1, the bad entry named)" "$?-$(grep -c 'does not verify' "$WORK/err")" = "1-1"
finish
