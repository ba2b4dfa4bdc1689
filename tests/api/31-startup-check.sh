#!/bin/bash
# 31-startup-check.sh - raslogd serves while its start-up check of the
# cached figures runs (issue 18): the check runs in the background, and
# readers rely on the seals every read checks, not on the check having
# been.  The check's test hook (RASLOGD_TEST_CHECK_HOLD, server/cmd_serve.c)
# holds it back before its first batch, so what is asserted here happens,
# deterministically, before the check has looked at any trainee:
#   - the server answers (health, a progress read, the list, a write);
#   - a row tampered with at rest is caught by the first read of it (the
#     reply is the ledger's figures, the drift is named, the row rebuilt);
#   - once let go, the check names the drift of a row no reader touched,
#     rebuilds it and says so on stderr, and does not name the one the
#     reader already repaired a second time.
. "$(dirname "$0")/../lib.sh"

demo_keys
start_server
FAC=$(tok 1)
AISHA=9; PRIYA=7
check "setup: the start-up check of a fresh start has ended and said so" \
	"$(grep -c '^raslogd: start-up check: the cached figures of [0-9]* trainees match the signed ledger' "$WORK/server.log")" = 1
figures() { api GET "/api/v1/trainees/$1/progress" "$FAC" >/dev/null; jget 'json.dumps(j, sort_keys=True)' <"$WORK/body"; }
list() { api GET "/api/v1/accreditation?limit=200" "$FAC" >/dev/null; jget 'json.dumps(j, sort_keys=True)' <"$WORK/body"; }
drifts() { grep '"event":"figures.drift"' "$WORK/audit.log" | grep -c "\"trainee\":$1,"; }
FA=$(figures $AISHA); FP=$(figures $PRIYA); L0=$(list)
REQ=$(sql "SELECT requirement FROM trainee_tally WHERE trainee_id = $AISHA AND signed > 0 ORDER BY requirement LIMIT 1")
SIGNED=$(sql "SELECT signed FROM trainee_tally WHERE trainee_id = $AISHA AND requirement = '$REQ'")
PSTATUS=$(sql "SELECT status FROM trainee_status WHERE trainee_id = $PRIYA")
check "setup: Aisha has a signed tally and Priya a status row" "-n $REQ -a -n $SIGNED -a -n $PSTATUS"
stop_server

# Tampered at rest: a tally of Aisha's, the status row of Priya's.
sql "UPDATE trainee_tally SET signed = signed + 50 WHERE trainee_id = $AISHA AND requirement = '$REQ'"
sql "UPDATE trainee_status SET status = 'in_training', modules_met = 0 WHERE trainee_id = $PRIYA"
: >"$WORK/audit.log"
export RASLOGD_TEST_CHECK_HOLD="$WORK/check-go"
rm -f "$RASLOGD_TEST_CHECK_HOLD"
start_server
check "the server answers while its start-up check is held back" \
	"$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")" = 200
check "  ...and the check has not ended (nothing said on stderr)" "$(grep -c 'start-up check' "$WORK/server.log")" = 0
check "a read of the tampered trainee shows the ledger's figures, not the tampered tally" "$(figures $AISHA)" = "$FA"
check "  ...names the drift (figures.drift)" "$(drifts $AISHA)" -ge 1
check "  ...and rebuilt the row from the ledger" \
	"$(sql "SELECT signed FROM trainee_tally WHERE trainee_id = $AISHA AND requirement = '$REQ'")" = "$SIGNED"
A_DRIFTS=$(drifts $AISHA)
check "the accreditation list shows the ledger's status of the other tampered trainee" "$(list)" = "$L0"
TRA=$(sql "SELECT trainer_id FROM sessions WHERE trainee_id = $AISHA ORDER BY id LIMIT 1")
st=$(api POST /api/v1/sessions "$(tok $AISHA)" "{\"date\":\"$(date -u -d yesterday +%F)\",\"minutes\":30,\"activity\":\"dry_lab\",\"trainer\":$TRA}")
check "a write is answered while the check is held back (201)" "$st" = 201
check "  ...and the check still has not run" "$(grep -c 'start-up check' "$WORK/server.log")" = 0

# Let the check go: it goes through every trainee and says what it found.
sql "UPDATE trainee_status SET modules_met = 0, status = 'in_training' WHERE trainee_id = $PRIYA"
touch "$RASLOGD_TEST_CHECK_HOLD"
wait_startup_check
unset RASLOGD_TEST_CHECK_HOLD
check "once let go, the check ends and says drift was rebuilt" \
	"$(grep -c '^raslogd: start-up check: [0-9]* cached figures\? differed from the signed ledger' "$WORK/server.log")" = 1
check "  ...naming the row no reader had touched since" \
	"$(grep '"event":"figures.drift"' "$WORK/audit.log" | grep "\"trainee\":$PRIYA," | grep -c '"requirement":"status"')" -ge 1
check "  ...which it rebuilt" "$(sql "SELECT status FROM trainee_status WHERE trainee_id = $PRIYA")" = "$PSTATUS"
check "  ...and not the row a reader had already repaired" "$(drifts $AISHA)" = "$A_DRIFTS"
check "Priya's figures are the ledger's" "$(figures $PRIYA)" = "$FP"
finish
