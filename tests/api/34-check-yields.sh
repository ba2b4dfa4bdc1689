#!/bin/bash
# engine: sqlite (it holds the database's write lock from another process, which only the SQLite file has)
# 34-check-yields.sh - the start-up check of the cached figures gives way to
# the requests beside it (issue 18): at full scale, while it ran, the ledger
# head's p99 at one connection was 1.5-3.5 ms instead of 0.2 ms, and a
# writer that held the write lock for longer than the busy timeout (the
# weekly digest, 38 s) made the check give up.  Now:
#   - the check's thread, named raslogd-check, runs under SCHED_IDLE (any
#     other thread woken on its core runs at once) and 10 nicer than the server, while
#     the request threads keep the server's priority;
#   - a batch whose rows are right is checked in a read transaction: the
#     check ends while another process holds the write lock.
. "$(dirname "$0")/../lib.sh"

demo_keys
start_server
stop_server
export RASLOGD_TEST_CHECK_HOLD="$WORK/check-go"
rm -f "$RASLOGD_TEST_CHECK_HOLD"
start_server
unset RASLOGD_TEST_CHECK_HOLD

# nice is the 19th field of /proc/PID/task/TID/stat, the 17th after the ") " ending the name.
nice_of() { sed 's/.*) //' "$1/stat" | awk '{print $17}'; }
CHECK_TASK=""
for t in /proc/"$SERVER_PID"/task/*; do
	[ "$(cat "$t/comm" 2>/dev/null)" = raslogd-check ] && CHECK_TASK=$t
done
check "the start-up check runs on a thread named raslogd-check" -n "$CHECK_TASK"
# The server runs at the niceness this suite was started with (a `nice make test` too); the check 10 nicer, 19 at most.
BASE_NICE=$(nice)
WANT_NICE=$((BASE_NICE + 10 > 19 ? 19 : BASE_NICE + 10))
check "  ...at nice $WANT_NICE, 10 nicer than the server's $BASE_NICE" "$(nice_of "$CHECK_TASK")" = "$WANT_NICE"
# policy is the 41st field of stat, the 39th after the name: SCHED_IDLE is 5.
policy_of() { sed 's/.*) //' "$1/stat" | awk '{print $39}'; }
check "  ...under SCHED_IDLE" "$(policy_of "$CHECK_TASK")" = 5
check "  ...while the server's main thread keeps SCHED_OTHER" "$(policy_of "/proc/$SERVER_PID/task/$SERVER_PID")" = 0
check "  ...while the server's main thread keeps nice $BASE_NICE" "$(nice_of "/proc/$SERVER_PID/task/$SERVER_PID")" = "$BASE_NICE"

# Another process holds the write lock (at most 8 s, below the 10 s busy
# timeout after which a check that needed the lock would have given up).
hold_write_lock
check "another process holds the write lock" "$(write_lock_held && echo yes)" = yes
touch "$WORK/check-go"
for _ in $(seq 1 120); do
	grep -q '^raslogd: start-up check' "$WORK/server.log" && break
	sleep 0.05
done
ended=$(grep -c '^raslogd: start-up check: the cached figures of [0-9]* trainees match the signed ledger' "$WORK/server.log")
still=$(write_lock_held && echo yes)
release_write_lock
check "the check of rows that are right ends while the write lock is held elsewhere" "$ended" = 1
check "  ...the lock was still held when it ended" "$still" = yes
check "the server answers after it" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")" = 200
finish
