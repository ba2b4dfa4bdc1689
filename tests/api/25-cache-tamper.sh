#!/bin/bash
# engine: sqlite (it edits the cache rows with the sqlite3 shell while the server runs; tests/run.sh runs it once)
# 25-cache-tamper.sh - no figure from a cache row the ledger does not back
# (issue 13 item 2, schema/018): each trainee's cached rows (trainee_status,
# trainee_tally) are sealed by BLAKE2b MACs keyed by the cache key file.
# Edited with the sqlite3 shell while the server runs, a tally, a status
# row, a row copied from another trainee, a row added with a plausible
# value, a replaced MAC, or a signed session's minutes: /progress and the
# accreditation list (items and counts) show the ledger's figures, each
# difference is a figures.drift audit event naming trainee and what
# differed, the rows are rebuilt, and `raslog audit` passes afterwards;
# the stuck-trainee report, which picks trainees by their status row, too.
# The list reuses its check, counts and sites while nothing commits: a row
# edited after that, or a trainee added by another process, is seen at once.
# A missing cache key file is a clear start-up error.
. "$(dirname "$0")/../lib.sh"

"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" > "$WORK/people.jsonl" 2>/dev/null
start_server
FAC=$(field "Amelia Hart" token)

# fresh: any write ends a write batch, so no progress reply the server cached before the
# tampering (which it computed from sound rows) is served after it and the rows are read.
fresh() { api POST /api/v1/tokens "$FAC" '{"name":"batch","scope":"read"}' >/dev/null; }
# figures ID: the trainee's progress reply as the faculty see it (sorted keys).
figures() { api GET "/api/v1/trainees/$1/progress" "$FAC" >/dev/null; jget 'json.dumps(j, sort_keys=True)' < "$WORK/body"; }
# list: the accreditation list, items and counts.
list() { api GET "/api/v1/accreditation?limit=200" "$FAC" >/dev/null; jget 'json.dumps(j, sort_keys=True)' < "$WORK/body"; }
audited() { "$RASLOG" --token "$FAC" audit > "$WORK/audit.out" 2>&1; }

api GET "/api/v1/accreditation?limit=200" "$FAC" >/dev/null
T=$(jget '[i["id"] for i in j["items"] if i["status"] == "in_training"][0]' < "$WORK/body")
U=$(jget '[i["id"] for i in j["items"] if i["status"] == "in_training"][1]' < "$WORK/body")
REQ=$(sql "select requirement from trainee_tally where trainee_id = $T and signed > 0 order by requirement limit 1")
SIGNED=$(sql "select signed from trainee_tally where trainee_id = $T and requirement = '$REQ'")
check "setup: two in-training trainees, one with a signed figure" -n "$T$U$REQ$SIGNED"
check "setup: every row was sealed at start-up" "$(sql "select count(*) from trainee_status where length(mac) = 32 and length(tally_mac) = 32")" = \
	"$(sql "select count(*) from trainee_status")"
FT=$(figures "$T"); FU=$(figures "$U"); L=$(list)

# --- honest writes are no drift ---------------------------------------------------
# A claim logged, corrected and withdrawn moves the rows by deltas and reseals them.
TOKU=$(python3 -c "import json
for l in open('$WORK/people.jsonl'):
    p=json.loads(l)
    if p['id']==$U: print(p['token'])")
TRU=$(sql "select trainer_id from sessions where trainee_id = $U order by id desc limit 1")
audit_mark
st=$(api POST /api/v1/sessions "$TOKU" "{\"date\":\"$(date -u -d yesterday +%F)\",\"minutes\":30,\"activity\":\"dry_lab\",\"trainer\":$TRU}")
SU=$(jget 'j.get("id", 0)' < "$WORK/body")
check "setup: a trainee logs a claim (201)" "$st" = 201
st=$(curl -s -o "$WORK/body" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $TOKU" -H 'If-Match: "1-pending"' \
	-H 'Content-Type: application/json' --data-binary '{"minutes":40}' "$URL/api/v1/sessions/$SU")
check "  ...corrects it (200)" "$st" = 200
st=$(curl -s -o "$WORK/body" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $TOKU" -H 'If-Match: "2-pending"' "$URL/api/v1/sessions/$SU")
check "  ...and withdraws it (200 or 204)" "$(case $st in 200|204) echo ok;; *) echo "$st";; esac)" = ok
check "honest writes while serving are never taken for drift" \
	"$(drift_events)" = 0
fresh
FU=$(figures "$U"); L=$(list)
check "  ...and the rows stay sealed" "$(drift_events)" = 0

# --- a tally edited while serving --------------------------------------------------
audit_mark
sql "update trainee_tally set signed = 100000 where trainee_id = $T and requirement = '$REQ'"
fresh
check "a tally edited while serving: /progress shows the ledger's figure" "$(figures "$T")" = "$FT"
check "  ...the drift is an audit event naming trainee and requirement" "$(drift_named "$T" "$REQ")" = 1
check "  ...with the cached 100000 and the ledger's figure" \
	"$(since_mark | grep -c "\"requirement\":\"$REQ\",\"cache\":{\"signed\":100000,.*\"ledger\":{\"signed\":$SIGNED,")" = 1
check "  ...and the row is rebuilt from the ledger" "$(sql "select signed from trainee_tally where trainee_id = $T and requirement = '$REQ'")" = "$SIGNED"
check "  ...so the next reply needs no repair" "$(figures "$T")-$(drift_named "$T" "$REQ")" = "$FT-1"
ok "raslog audit passes afterwards" audited

# --- a row added with a plausible, unsigned value ----------------------------------
audit_mark
NEWREQ=$(sql "select requirement from trainee_tally where trainee_id = $U and requirement not in (select requirement from trainee_tally where trainee_id = $T) limit 1")
if [ -z "$NEWREQ" ]; then NEWREQ=$REQ; sql "delete from trainee_tally where trainee_id = $T and requirement = '$REQ'"; fi
sql "insert into trainee_tally(trainee_id, requirement, signed, pending) values ($T, '$NEWREQ', 50, 0)
	on conflict (trainee_id, requirement) do update set signed = excluded.signed"
fresh
check "a tally row inserted for the trainee changes no figure" "$(figures "$T")" = "$FT"
check "  ...and is named" "$(drift_named "$T" "$NEWREQ")" = 1

# --- rows copied from another trainee ---------------------------------------------
audit_mark
sql "delete from trainee_tally where trainee_id = $T;
	insert into trainee_tally(trainee_id, requirement, signed, pending) select $T, requirement, signed, pending from trainee_tally where trainee_id = $U;
	update trainee_status set (status, modules_met, modules_total, summary, accredited_until, accreditation_index, ledger_through, curriculum_id, mac, tally_mac) =
		(select status, modules_met, modules_total, summary, accredited_until, accreditation_index, ledger_through, curriculum_id, mac, tally_mac
		 from trainee_status where trainee_id = $U) where trainee_id = $T"
fresh
check "rows and seals copied from another trainee: /progress shows the trainee's own ledger figures" "$(figures "$T")" = "$FT"
check "  ...and the drift is named" "$(since_mark | grep -c "\"event\":\"figures.drift\".*\"trainee\":$T,")" -ge 1
check "  ...the other trainee is untouched" "$(figures "$U")" = "$FU"

# --- a seal replaced, values right --------------------------------------------------
audit_mark
sql "update trainee_status set mac = randomblob(32) where trainee_id = $U"
check "a status seal replaced: the list is the ledger's" "$(list)" = "$L"
check "  ...and the broken seal is named (requirement \"mac\")" "$(drift_named "$U" mac)" = 1

# --- the accreditation list: a status edited while serving ------------------------
audit_mark
sql "update trainee_status set status = 'eligible', modules_met = modules_total where trainee_id = $T"
check "a status row edited while serving: the list, items and counts, is the ledger's" "$(list)" = "$L"
check "  ...the status drift is named" "$(drift_named "$T" status)" = 1
check "  ...and modules_met" "$(drift_named "$T" modules_met)" = 1
check "  ...and /progress is the ledger's too" "$(figures "$T")" = "$FT"
sql "update trainee_status set status = 'accredited' where trainee_id = $T"
api GET "/api/v1/accreditation?status=accredited&limit=200" "$FAC" >/dev/null
check "  ...a filter on the edited column does not list the trainee" \
	"$(jget '[i["id"] for i in j["items"] if i["id"] == '"$T"'] + [j["counts"]["accredited"]]' < "$WORK/body")" = \
	"$(jget '[j["counts"]["accredited"]]' <<<"$L")"
sql "delete from trainee_status where trainee_id = $U"
check "a status row deleted while serving: the list still names the trainee" "$(list)" = "$L"
check "  ...and the missing row is named" "$(drift_named "$U" status)" = 1

# --- the list's check, counts and sites are reused only while nothing commits -------
# (the server keeps them per thread at the database's data version: a commit by anyone,
# a shell or another process included, makes the next request check and count again)
L1=$(list)
audit_mark
check "the list asked again with nothing committed between is the same list" "$(list)" = "$L1"
sql "update trainee_status set modules_met = modules_met + 1 where trainee_id = $T"
check "a row edited after the list's check was reused: the list is the ledger's" "$(list)" = "$L1"
check "  ...and the edit is named" "$(drift_named "$T" modules_met)" = 1
sql "update trainee_status set mac = randomblob(32) where trainee_id = $T"
check "a seal replaced after the check was reused: the list is the ledger's" "$(list)" = "$L1"
check "  ...and the broken seal is named" "$(drift_named "$T" mac)" = 1
N0=$(jget 'sum(j["counts"].values())' <<<"$L1")
NEW=$(add_user "Nia Newcomer" trainee --site "Zeta Test Centre")
check "a trainee added by another process (raslogd user add) brings their site to the next list" \
	"$(list | jget '"Zeta Test Centre" in j["sites"]')" = True
FACID=$(field "Amelia Hart" id)
sql "insert into programme_members(user_id, programme_id, from_at)
	select $NEW, programme_id, '2026-01-01T00:00:00Z' from programme_members where user_id = $FACID and until_at is null limit 1"
check "  ...and once in the faculty member's programme (a shell's commit) into its counts" \
	"$(list | jget 'sum(j["counts"].values())')" = $((N0 + 1))
L=$(list)
check "  ...and nothing was taken for drift" "$(since_mark | grep '"event":"figures.drift"' | grep -vc "\"trainee\":$T,")" = 0

# --- the stuck-trainee report picks in-training trainees by their status row ------
stuck() { api GET "/api/v1/oversight/stuck?days=1" "$FAC" >/dev/null; jget 'json.dumps(sorted(i["trainee"] for i in j["items"]))' < "$WORK/body"; }
# (the demo's activity is all recent, so the report is empty; what matters is that it checks the rows it reads)
S=$(stuck)
audit_mark
E=$(sql "select trainee_id from trainee_status where status <> 'in_training' order by trainee_id limit 1")
sql "update trainee_status set status = 'in_training', modules_met = 0 where trainee_id = $E"
check "a status edited while serving does not change the stuck report" "$(stuck)" = "$S"
check "  ...it checked the rows it picks trainees by: the edit is named and rebuilt" \
	"$(drift_named "$E" status)-$(sql "select status <> 'in_training' from trainee_status where trainee_id = $E")" = 1-1

# --- a signed session's minutes ---------------------------------------------------
sql "update sessions set minutes = 1440 where trainee_id = $T and status = 'signed'"
fresh
check "a signed session's minutes edited: no figure changes (they come from the statement)" "$(figures "$T")" = "$FT"
check "  ...nor the list" "$(list)" = "$L"
ok "raslog audit passes after all of it" audited
ok "  ...and names no difference" grep -q "audited .* trainees" "$WORK/audit.out"

# --- the cache key file ----------------------------------------------------------
stop_server
mv "$DB.keys/cache.key" "$WORK/cache.key"
"$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" > "$WORK/nokey.out" 2>&1
check "without the cache key file the server does not start (exit 1)" "$?" = 1
check "  ...and says which file is missing, in one sentence" \
	"$(grep -c "the cache key file $DB.keys/cache.key is missing" "$WORK/nokey.out")" = 1
mv "$WORK/cache.key" "$DB.keys/cache.key"
audit_mark
start_server
check "with it back the server starts, and finds nothing left to rebuild" "$(drift_events)" = 0
check "  ...and serves the ledger's figures" "$(figures "$T")-$(list)" = "$FT-$L"
finish
