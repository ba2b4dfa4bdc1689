#!/bin/bash
# 29-cache-replay.sh - a cached row put back from an older state (its MACs,
# genuine then, with it) changes nothing that is shown (issue 13 item 2,
# docs/ledger.md "Replay").  The seals bind the trainee's last ledger index
# and their pending claims (count, sum of ids, sum of revisions), so:
#   - rows from before a claim was logged, edited or withdrawn, put back
#     while the server runs: /progress and the accreditation list show the
#     claims as they are, the rows are rebuilt and the drift is named;
#   - rows from an earlier state whose claims are again exactly today's
#     (a claim logged then withdrawn): the seal holds and what they show is
#     what the ledger and the records give now (harmless);
#   - rows from before a revocation (an old "accredited"), put back while
#     serving and again at rest: the list and the faculty digest
#     (raslogd notify --now) count the trainee as the ledger does, and the
#     drift is named (audit log; notify's stderr).
# The rows are copied and put back with plain SQL on either engine.
. "$(dirname "$0")/../lib.sh"

demo_keys # the demo, $WORK/keys, $WORK/people.jsonl; tok ID and pk_of ID
start_server
FAC=$(tok 1); ADM=$(tok 2)
AISHA=9; PRIYA=7
TOKA=$(tok $AISHA)
TRA=$(sql "SELECT trainer_id FROM sessions WHERE trainee_id = $AISHA AND status = 'pending' ORDER BY id LIMIT 1")
check "setup: Aisha (in training) has claims waiting for a trainer" -n "$TRA"
# A faculty member added after serve's start-up pass queued this week's digests: theirs is written later, by notify.
FAY=$(add_user "Fay Faculty" faculty)
check "setup: Fay joins both programmes (200)" "$(api PATCH "/api/v1/users/$FAY" "$ADM" '{"programmes":[1,2]}')" = 200

# fresh: any write ends a write batch, so no reply the server cached before is served after.
fresh() { api POST /api/v1/tokens "$FAC" '{"name":"batch","scope":"read"}' >/dev/null; }
figures() { api GET "/api/v1/trainees/$1/progress" "$FAC" >/dev/null; jget 'json.dumps(j, sort_keys=True)' <"$WORK/body"; }
list() { api GET "/api/v1/accreditation?limit=200" "$FAC" >/dev/null; jget 'json.dumps(j, sort_keys=True)' <"$WORK/body"; }
# save T NAME: a copy of trainee T's cached rows, seals and all; replay T NAME puts it back.
save() {
	sql "DROP TABLE IF EXISTS rs_$2" && sql "DROP TABLE IF EXISTS rt_$2" &&
		sql "CREATE TABLE rs_$2 AS SELECT * FROM trainee_status WHERE trainee_id = $1" &&
		sql "CREATE TABLE rt_$2 AS SELECT * FROM trainee_tally WHERE trainee_id = $1"
}
replay() {
	sql "DELETE FROM trainee_tally WHERE trainee_id = $1" && sql "INSERT INTO trainee_tally SELECT * FROM rt_$2" &&
		sql "UPDATE trainee_status SET (status, modules_met, modules_total, summary, accredited_until,
			accreditation_index, ledger_through, curriculum_id, mac, tally_mac) = (SELECT status, modules_met,
			modules_total, summary, accredited_until, accreditation_index, ledger_through, curriculum_id, mac,
			tally_mac FROM rs_$2) WHERE trainee_id = $1"
}
# chg METHOD SESSION IF-MATCH [BODY] -> HTTP status, as Aisha
chg() { curl -s -o "$WORK/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $TOKA" -H "If-Match: $3" \
	${4:+-H 'Content-Type: application/json' --data-binary "$4"} "$URL/api/v1/sessions/$2"; }

F0=$(figures $AISHA)
ok "setup: Aisha's rows are sealed and current" save $AISHA c0

# ---- a claim logged ----
st=$(api POST /api/v1/sessions "$TOKA" "{\"date\":\"$(date -u -d yesterday +%F)\",\"minutes\":45,\"activity\":\"dry_lab\",\"trainer\":$TRA}")
SID=$(jget 'j.get("id", 0)' <"$WORK/body")
check "Aisha logs a claim (201)" "$st" = 201
fresh
F1=$(figures $AISHA); L1=$(list)
check "  ...which moves a pending figure" "$F1" != "$F0"
ok "  ...(rows saved)" save $AISHA c1
audit_mark
replay $AISHA c0
fresh
check "rows from before the claim put back while serving: /progress shows the claim" "$(figures $AISHA)" = "$F1"
check "  ...the replay is named as drift" "$(drift_named $AISHA)" -ge 1
check "  ...and the list is what it was" "$(list)" = "$L1"
audit_mark
fresh
check "  ...the rows were rebuilt: the next reply needs no repair" "$(figures $AISHA)-$(drift_named $AISHA)" = "$F1-0"

# ---- the claim edited (one more revision, same claims otherwise) ----
st=$(chg PATCH "$SID" '"1-pending"' '{"minutes":60}')
check "Aisha corrects the claim (200)" "$st" = 200
fresh
F2=$(figures $AISHA); L2=$(list)
check "  ...which moves the pending figure again" "$F2" != "$F1"
ok "  ...(rows saved)" save $AISHA c2
audit_mark
replay $AISHA c1
fresh
check "rows from before the edit put back: /progress shows the edit" "$(figures $AISHA)" = "$F2"
check "  ...named as drift" "$(drift_named $AISHA)" -ge 1
check "  ...and the list is what it was" "$(list)" = "$L2"

# ---- the claim withdrawn: the claims are again those of c0 ----
st=$(chg DELETE "$SID" '"2-pending"')
check "Aisha withdraws the claim (200 or 204)" "$(case $st in 200|204) echo ok;; *) echo "$st";; esac)" = ok
fresh
F3=$(figures $AISHA); L3=$(list)
check "  ...so her figures are those from before the claim" "$F3" = "$F0"
audit_mark
replay $AISHA c2
fresh
check "rows from before the withdrawal put back: /progress does not show the withdrawn claim" "$(figures $AISHA)" = "$F3"
check "  ...named as drift" "$(drift_named $AISHA)" -ge 1
check "  ...and the list is what it is" "$(list)" = "$L3"
audit_mark
replay $AISHA c0
fresh
check "rows from before the claim, whose claims are today's again: shown as they are, and true" \
	"$(figures $AISHA)-$(list)" = "$F3-$L3"
check "  ...their seal holds: nothing to name (harmless)" "$(drift_named $AISHA)" = 0

# ---- an old accreditation brought back after its revocation ----
ok "setup: Priya's rows saved while she is accredited" save $PRIYA a0
check "setup: ...her status row says so" "$(sql "SELECT status FROM rs_a0")" = accredited
ACCINDEX=$(sql "SELECT accreditation_index FROM rs_a0")
python3 -c 'import json,sys,datetime; print(json.dumps({"v":1,"type":"revocation","subject":int(sys.argv[1]),"accreditation_index":int(sys.argv[2]),"reason":"Revoked to test a replay","signer":1,"key":sys.argv[3],"signed_at":datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}))' \
	"$PRIYA" "$ACCINDEX" "$(pk_of 1)" >"$WORK/stmt.json"
node tests/js/sign.mjs "$WORK/keys/user-1.key" "$WORK/stmt.json" >"$WORK/revoke.json"
check "faculty revoke Priya's accreditation (201)" "$(api POST /api/v1/signoffs "$FAC" "$(cat "$WORK/revoke.json")")" = 201
fresh
L4=$(list); P4=$(figures $PRIYA)
ELIGIBLE=$(jget 'j["counts"]["eligible"]' <<<"$L4")
check "  ...she is eligible again" "$(jget 'j["status"]' <<<"$P4")" = eligible
audit_mark
replay $PRIYA a0
check "the accredited row put back while serving: the list is the ledger's" "$(list)" = "$L4"
check "  ...and /progress" "$(figures $PRIYA)" = "$P4"
check "  ...named as drift (status accredited, ledger eligible)" \
	"$(since_mark | grep -c "\"trainee\":$PRIYA,\"requirement\":\"status\",\"cache\":\"accredited\",\"ledger\":\"eligible\"")" = 1
stop_server

# ...and at rest, just before the weekly digest is written.
replay $PRIYA a0
"$RASLOGD" --db "$DB" notify --now --public-url https://raslog.example.org/ >"$WORK/n.json" 2>"$WORK/n.err"
check "notify --now writes Fay's digest" "$(jget 'j["digests_queued"]' <"$WORK/n.json")" = 1
WEEK=$(date -u +%G-W%V)
sql "SELECT body FROM outbox WHERE idempotency_key = 'digest:$FAY:$WEEK'" >"$WORK/digest.txt"
check "the digest counts Priya among the eligible, as the ledger does ($ELIGIBLE in all)" \
	"$(grep -c "^Eligible and awaiting accreditation, in all: $ELIGIBLE " "$WORK/digest.txt")" = 1
check "  ...and named the replayed row as drift, on stderr" \
	"$(grep -c "figures.drift.*\"trainee\":$PRIYA,\"requirement\":\"status\",\"cache\":\"accredited\",\"ledger\":\"eligible\"" "$WORK/n.err")" = 1
check "  ...and rebuilt it" "$(sql "SELECT status FROM trainee_status WHERE trainee_id = $PRIYA")" = eligible
finish
