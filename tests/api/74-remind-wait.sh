#!/bin/bash
# 74-remind-wait.sh - raslogd serve's reminder and digest passes wait for its
# start-up check of the cached figures (issue 18).  Both are write
# transactions; at full scale the reminder pass is a long one and the check
# writes batch after batch, so whichever came second could wait past its
# busy timeout and fail with "database is locked" (the pass, or the check
# stopped).  Now the passes start once the check has ended, and stderr says
# so.  The check's test hook (RASLOGD_TEST_CHECK_HOLD, server/cmd_serve.c)
# holds it back: no reminder is queued while it is held, although one is
# due; let go, the check ends and the reminder is queued at once (not at the
# mailer's next round a minute later).
. "$(dirname "$0")/../lib.sh"

start_server
TRAINEE=$(add_user "Tess Trainee" trainee)
TRAINER=$(add_user "Ed Trainer" trainer)
TT=$(token_of "$TRAINEE")
for i in 1 2; do
	st=$(api POST /api/v1/sessions "$TT" "{\"date\":\"$(date -u -d "-$i days" +%F)\",\"minutes\":45,\"activity\":\"simulator\",\"trainer\":$TRAINER}")
	[ "$st" = 201 ] || echo "# logging failed: $st $(cat "$WORK/body")"
done
stop_server
check "2 sessions wait for the trainer" "$(sql "SELECT count(*) FROM sessions WHERE status = 'pending'")" = 2

# Reminders after 1 waiting session; no relay: the reminder is queued, not sent.
printf '[server]\nreminder_waiting = 1\n' >"$WORK/remind.conf"
export RASLOGD_TEST_CHECK_HOLD="$WORK/check-go"
rm -f "$RASLOGD_TEST_CHECK_HOLD"
RASLOG_CONFIG="$WORK/remind.conf" start_server
said() { grep -c "$1" "$WORK/server.log"; }
for _ in $(seq 200); do [ "$(said 'passes wait until the cached figures')" -ge 1 ] && break; sleep 0.05; done
check "stderr says the passes wait for the start-up check" "$(said '^raslogd: the reminder and digest passes wait until the cached figures have been checked at start')" = 1
check "... and no reminder is queued while the check is held (one is due)" "$(sql "SELECT count(*) FROM outbox")" = 0
check "the server answers meanwhile" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")" = 200

touch "$RASLOGD_TEST_CHECK_HOLD"
wait_startup_check
for _ in $(seq 200); do [ "$(sql "SELECT count(*) FROM outbox")" -ge 1 ] && break; sleep 0.05; done
check "once the check has ended the reminder is queued, for the trainer" \
	"$(sql "SELECT idempotency_key FROM outbox")" = "reminder:$TRAINER:$(date -u +%F)"
for _ in $(seq 100); do [ "$(said 'figures have been checked: the reminder')" -ge 1 ] && break; sleep 0.05; done
check "stderr says the passes ran after the check" \
	"$(said '^raslogd: the cached figures have been checked: the reminder and digest passes ran (1 reminder, 0 digests queued)')" = 1
check "neither the passes nor the check failed" "$(said 'pass failed\|start-up check: stopped')" = 0
stop_server
unset RASLOGD_TEST_CHECK_HOLD
finish
