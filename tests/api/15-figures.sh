#!/bin/bash
# 15-figures.sh - every figure is a function of the signed ledger (issue 13
# items 1-3): `raslogd rebuild` drops and recomputes the caches and gives
# identical figures for every trainee of the demo programme; tampering with
# a cache (trainee_tally, trainee_status) or a signed record row
# (sessions.minutes) with the sqlite3 shell changes no figure served at
# rest (the start-up check rebuilds the cache and names the drift in the
# audit log); while serving, the progress reply is the cached tallies
# (issue 18: O(requirements)) only while their seals hold (schema/018), so
# a tally tampered then is not served: the reply is the ledger's figure,
# the rows are rebuilt and the drift named, and `raslog audit` passes; the
# evidence report, eligibility and accreditation read the ledger anyway
# (tests/api/25-cache-tamper.sh has the other cases).
. "$(dirname "$0")/../lib.sh"

"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" > "$WORK/people.jsonl" 2>/dev/null
start_server
FAC=$(field "Amelia Hart" token); FACID=$(field "Amelia Hart" id)
FACKEY=$(field "Amelia Hart" public_key)

# snapshot NAME: every trainee's progress report and the accreditation list, as the faculty see them.
snapshot() {
	api GET "/api/v1/accreditation?limit=200" "$FAC" >/dev/null
	cp "$WORK/body" "$WORK/$1.list"
	: > "$WORK/$1.progress"
	: > "$WORK/$1.evidence"
	for id in $(jget '" ".join(str(i["id"]) for i in j["items"])' < "$WORK/$1.list"); do
		api GET "/api/v1/trainees/$id/progress" "$FAC" >/dev/null
		jget 'json.dumps(j, sort_keys=True)' < "$WORK/body" >> "$WORK/$1.progress"
		api GET "/api/v1/trainees/$id/evidence" "$FAC" >/dev/null
		jget 'json.dumps(j, sort_keys=True)' < "$WORK/body" >> "$WORK/$1.evidence"
	done
}
same() { cmp -s "$WORK/$1.progress" "$WORK/$2.progress" && cmp -s "$WORK/$1.evidence" "$WORK/$2.evidence" &&
	cmp -s "$WORK/$1.list" "$WORK/$2.list"; }

# Every write of the demo kept the caches up to date by deltas (core/domain/tally.c):
# the start-up check, a full recompute from the ledger, found them equal.
check "the caches kept up to date by deltas are the ledger's (no drift at start-up)" \
	"$(grep -c figures.drift "$WORK/audit.log")" = 0
snapshot before
api GET /api/v1/sites "$FAC" >/dev/null; cp "$WORK/body" "$WORK/before.sites"
TRAINEES=$(jget 'len(j["items"])' < "$WORK/before.list")
check "the demo programme lists its trainees" "$TRAINEES" -ge 8
# An in-training trainee with a signed session, to tamper with.
T=$(jget '[i["id"] for i in j["items"] if i["status"] == "in_training"][0]' < "$WORK/before.list")
SID=$(sql "select id from sessions where trainee_id = $T and status = 'signed' order by id limit 1")
REQ=$(sql "select requirement from trainee_tally where trainee_id = $T and signed > 0 order by requirement limit 1")
SIGNED=$(sql "select signed from trainee_tally where trainee_id = $T and requirement = '$REQ'")
check "the trainee has a signed session and a signed figure" -n "$SID$REQ"
# pdf NAME: the trainee's portfolio PDF as text (its figures and evidence), less the times it names and its link (the port changes).
pdf() { req_to GET "/api/v1/trainees/$T/export?format=pdf" "$FAC" "$WORK/$1.pdf" >/dev/null &&
	pdftotext "$WORK/$1.pdf" - | grep -v '[0-9][0-9]:[0-9][0-9]\|^Verify: ' >"$WORK/$1.pdf.txt"; }
pdf before
check "the trainee's portfolio PDF lists their ledger evidence" "$(grep -c '^#[0-9]' "$WORK/before.pdf.txt")" -ge 1

# --- rebuild ---------------------------------------------------------------
stop_server
sql "update trainee_tally set signed = signed + 7; delete from trainee_status where trainee_id = $T"
"$RASLOGD" --db "$DB" rebuild > "$WORK/rebuild.out" 2>&1
check "raslogd rebuild succeeds and reports its rate" "$(grep -c 'statements/s' "$WORK/rebuild.out")" = 1
sed 's/^/# /' "$WORK/rebuild.out"
check "the rebuilt tally is the ledger's" "$(sql "select signed from trainee_tally where trainee_id = $T and requirement = '$REQ'")" = "$SIGNED"
check "the rebuilt list row is back" "$(sql "select count(*) from trainee_status where trainee_id = $T")" = 1
start_server
snapshot rebuilt
ok "a rebuild gives identical figures for every trainee and the same accreditation list" same before rebuilt
check "nothing drifted after a rebuild" "$(grep -c figures.drift "$WORK/audit.log")" = 0

# --- tamper at rest --------------------------------------------------------
stop_server
sql "update trainee_tally set signed = 100000 where trainee_id = $T and requirement = '$REQ'"
sql "update trainee_status set status = 'eligible', modules_met = modules_total where trainee_id = $T"
OTHER=$(sql "select trainee_id || '|' || requirement from trainee_tally where trainee_id <> $T and signed > 0 order by 1 limit 1")
sql "delete from trainee_tally where trainee_id = ${OTHER%%|*} and requirement = '${OTHER#*|}'"
sql "update trainee_status set ledger_through = 0, curriculum_id = NULL where trainee_id = ${OTHER%%|*}"
sql "update sessions set minutes = 1440 where id = $SID"
sql "update users set curriculum_id = (select id from curricula where id <> users.curriculum_id limit 1) where id = $T"
start_server
snapshot tampered
ok "after tampering at rest every figure served is unchanged" same before tampered
pdf tampered
pdf_same() { diff "$WORK/before.pdf.txt" "$WORK/$1.pdf.txt" >&2; }
ok "  ...and the trainee's portfolio PDF too" pdf_same tampered
drift() { python3 - "${DRIFT_LOG:-$WORK/audit.log}" "$@" <<'EOF'
import json, sys
want = sys.argv[2:]
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("event") != "figures.drift":
        continue
    got = [str(e.get("trainee")), str(e.get("requirement")), json.dumps(e.get("cache")), json.dumps(e.get("ledger"))]
    if all(w == "*" or w == g for w, g in zip(want, got)):
        sys.exit(0)
sys.exit(1)
EOF
}
ok "the tampered tally is named as drift: trainee, requirement, cache 100000, ledger value" \
	drift "$T" "$REQ" "{\"signed\": 100000, \"pending\": $(sql "select pending from trainee_tally where trainee_id = $T and requirement = '$REQ'")}" "*"
ok "the tampered status is named as drift" drift "$T" status '"eligible"' '"in_training"'
ok "the deleted tally row is named as drift (cache null)" drift "${OTHER%%|*}" "${OTHER#*|}" null "*"
ok "the tampered ledger_through (what the tallies are kept from) is named as drift" drift "${OTHER%%|*}" ledger_through 0 "*"
ok "the tampered curriculum_id (what the accreditation list joins) is named as drift" drift "${OTHER%%|*}" curriculum_id null "*"
check "the cache was rebuilt from the ledger" "$(sql "select signed from trainee_tally where trainee_id = $T and requirement = '$REQ'")" = "$SIGNED"
check "the drift is said on stderr" "$(grep -c 'differed from the signed ledger' "$WORK/server.log")" = 1

# Eligibility does not follow the tampered record: faculty cannot accredit the trainee.
CUR=$(jget 'j["curriculum"]' < <(api GET "/api/v1/trainees/$T/progress" "$FAC" >/dev/null; cat "$WORK/body"))
python3 -c 'import json,sys,datetime; c=json.loads(sys.argv[2]); print(json.dumps({"v":2,"type":"accreditation","trainee":int(sys.argv[1]),"curriculum":{"code":c["code"],"version":c["version"]},"decision":"accredited","signer":int(sys.argv[3]),"key":sys.argv[4],"signed_at":datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}))' \
	"$T" "$CUR" "$FACID" "$FACKEY" > "$WORK/stmt.json"
node tests/js/sign.mjs "$WORK/keys/user-$FACID.key" "$WORK/stmt.json" > "$WORK/acc.json"
st=$(api POST /api/v1/signoffs "$FAC" "$(cat "$WORK/acc.json")")
check "accrediting the tampered trainee is refused as not eligible (409)" "$st-$(jget 'j["type"]' < "$WORK/body")" = "409-urn:raslog:problem:not-eligible"
st=$(api GET "/api/v1/trainees/$T/export?format=credential" "$FAC")
check "no credential for the tampered trainee (409)" "$st" = 409

# --- tamper while serving ----------------------------------------------------
MARK=$(wc -l < "$WORK/audit.log")
sql "update trainee_tally set signed = 100000 where trainee_id = $T and requirement = '$REQ'"
sql "update sessions set minutes = 1440 where trainee_id = $T and status = 'signed'"
api GET "/api/v1/trainees/$T/evidence" "$FAC" >/dev/null
jget 'json.dumps(j, sort_keys=True)' < "$WORK/body" > "$WORK/live.json"
check "while serving, the evidence report (the ledger's figures) ignores the tampered rows" \
	"$(grep -c -F -x -f "$WORK/live.json" "$WORK/before.evidence")" = 1
# A refused write still ends a write batch, so no progress reply cached before the tampering is served after it.
st=$(api POST /api/v1/signoffs "$FAC" "$(cat "$WORK/acc.json")")
check "accrediting on a tally tampered while serving is refused too (409)" "$st" = 409
"$RASLOG" --token "$FAC" audit > "$WORK/audit.out" 2> "$WORK/audit.err"
check "raslog audit passes on a tally tampered while serving (its seal fails: the ledger's figure is served)" "$?" = 0
tail -n +$((MARK + 1)) "$WORK/audit.log" > "$WORK/audit.live"
DRIFT_LOG="$WORK/audit.live"
ok "and the tampered tally was named as drift while serving: trainee, requirement, cache 100000" \
	drift "$T" "$REQ" "{\"signed\": 100000, \"pending\": $(sql "select pending from trainee_tally where trainee_id = $T and requirement = '$REQ'")}" "*"
unset DRIFT_LOG
check "and rebuilt from the ledger" "$(sql "select signed from trainee_tally where trainee_id = $T and requirement = '$REQ'")" = "$SIGNED"
api GET /api/v1/sites "$FAC" >/dev/null
ok "and the per-site report (signed minutes) comes from the ledger, not the session rows" cmp -s "$WORK/before.sites" "$WORK/body"
check "the per-site report counts the demo's signed minutes" "$(jget 'sum(r["signed_minutes"] for s in j["items"] for r in s["rows"])' < "$WORK/body")" -gt 0
stop_server
MARK=$(wc -l < "$WORK/audit.log")
start_server
check "the next start finds nothing left to rebuild" "$(tail -n +$((MARK + 1)) "$WORK/audit.log" | grep -c figures.drift)" = 0
snapshot restarted
ok "and every figure is the ledger's again" same before restarted
finish
