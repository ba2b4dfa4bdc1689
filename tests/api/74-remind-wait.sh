#!/bin/bash
# 74-remind-wait.sh - nothing waits for raslogd serve's start-up check of the
# cached figures (issue 18), and a starved check holds nothing others need.
# The check runs under SCHED_IDLE, so a busy server can starve it for
# minutes.  Its test hook RASLOGD_TEST_CHECK_PAUSE (server/cmd_serve.c)
# stops it where a starved check spends its time, computing a trainee's
# figures, and while it is stopped there:
#   - the mailer's reminder pass runs and queues the reminder that is due
#     (the passes once waited for the whole check);
#   - it holds no snapshot: on SQLite a write is checkpointed out of the WAL
#     to the end (wal_checkpoint(TRUNCATE) is not busy), on PostgreSQL no
#     connection sits idle in a transaction;
#   - writes are answered.
# Let go, the check rewrites a row that differs through the writer (the
# passes' writer too): neither it nor the passes failed.
. "$(dirname "$0")/../lib.sh"

start_server
TRAINEE=$(add_user "Tess Trainee" trainee)
TRAINER=$(add_user "Ed Trainer" trainer)
OTHER=$(add_user "Otto Other" trainee)
TT=$(token_of "$TRAINEE")
log_session() { # log_session DAYS_AGO [TOKEN]
	api POST /api/v1/sessions "${2:-$TT}" "{\"date\":\"$(date -u -d "-$1 days" +%F)\",\"minutes\":45,\"activity\":\"simulator\",\"trainer\":$TRAINER}"
}
for i in 1 2; do
	st=$(log_session $i)
	[ "$st" = 201 ] || echo "# logging failed: $st $(cat "$WORK/body")"
done
log_session 1 "$(token_of "$OTHER")" >/dev/null
stop_server
check "3 sessions wait for the trainer" "$(sql "SELECT count(*) FROM sessions WHERE status = 'pending'")" = 3
# A cached figure that differs from the ledger, for the check to rewrite once let go: of a trainee
# checked after the one it pauses at, whom no write below touches.
MET=$(sql "SELECT modules_met FROM trainee_status WHERE trainee_id = $OTHER")
sql "UPDATE trainee_status SET modules_met = modules_met + 3 WHERE trainee_id = $OTHER"

# Reminders after 1 waiting session; no relay: the reminder is queued, not sent.
printf '[server]\nreminder_waiting = 1\n' >"$WORK/remind.conf"
export RASLOGD_TEST_CHECK_PAUSE="$WORK/check-go"
rm -f "$RASLOGD_TEST_CHECK_PAUSE"
RASLOG_CONFIG="$WORK/remind.conf" start_server
said() { grep -c "$1" "$WORK/server.log"; }
for _ in $(seq 400); do [ "$(said 'RASLOGD_TEST_CHECK_PAUSE: the start-up check waits')" -ge 1 ] && break; poll_pause 0.05; done
check "the check is paused before a trainee's figures" "$(said "RASLOGD_TEST_CHECK_PAUSE: the start-up check waits before a trainee's figures")" = 1
for _ in $(seq 400); do [ "$(sql "SELECT count(*) FROM outbox")" -ge 1 ] && break; poll_pause 0.05; done
check "the reminder pass ran while the check is paused: the reminder is queued, for the trainer" \
	"$(sql "SELECT DISTINCT idempotency_key FROM outbox")" = "reminder:$TRAINER:$(date -u +%F)"
check "  ...and the check has not ended" "$(said '^raslogd: start-up check:')" = 0
check "a write is answered meanwhile (201)" "$(log_session 3)" = 201
if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then
	check "no connection to the database sits idle in a transaction (the paused check holds no snapshot)" \
		"$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'")" = 0
else
	# (busy|frames in the WAL|frames checkpointed: 0|0|0 once the WAL is checkpointed and emptied.)
	check "the WAL checkpoints to its end and is emptied (the paused check holds no snapshot)" \
		"$(sqlite3 -cmd '.timeout 2000' "$DB" 'PRAGMA wal_checkpoint(TRUNCATE)')" = "0|0|0"
fi
check "  ...and the check is still paused" "$(said '^raslogd: start-up check:')" = 0

touch "$RASLOGD_TEST_CHECK_PAUSE"
wait_startup_check
check "let go, the check rewrote the figure that differed (through the writer)" \
	"$(said '^raslogd: start-up check: [0-9]* cached figures\? differed from the signed ledger')":"$(sql "SELECT modules_met FROM trainee_status WHERE trainee_id = $OTHER")" = "1:$MET"
check "neither the passes nor the check failed" "$(said 'pass failed\|start-up check: stopped')" = 0
stop_server
unset RASLOGD_TEST_CHECK_PAUSE
finish
