#!/bin/bash
# engine: sqlite (it holds the database's write lock from another process, which only the SQLite file has)
# 33-touch-bound.sh - recording a token's last use never piles up.  Each
# request with a token not used for a while queues a record of use for the
# writer and does not wait for it.  While the writer is held up (here: another
# process holds the write lock; in the field, the start-up check's long
# transaction at full scale, a slow disk) every such request would queue one
# more: 150 MB in four seconds at full scale before the bound.  Now at most
# 64 wait; reads go on being answered meanwhile, and once the writer is free
# the use is recorded.
. "$(dirname "$0")/../lib.sh"

start_server
TRAINEE=$(add_user "Tina Trainee" trainee)
TT=$(token_of "$TRAINEE")
queued() { curl -s "$URL/metrics" | sed -n 's/^raslog_writer_queued \([0-9]*\)$/\1/p'; }

check "nothing waits for the writer at rest" "$(queued)" = 0

# Another process holds the write lock until told to let go (tests/lib.sh:
# at most 8 s, below the writer's 10 s busy timeout, so its first batch is
# still waiting when the queue is read).
hold_write_lock
check "another process holds the write lock" "$(write_lock_held && echo yes)" = yes

# 300 reads with the stale token, one after another on one keep-alive
# connection (one curl for all of them, so a loaded machine still makes far
# more than the bound within the hold), for at most 5 s of it.
: >"$WORK/reads.cfg"
for _ in $(seq 1 300); do
	printf 'url = "%s/api/v1/me"\noutput = "/dev/null"\n' "$URL" >>"$WORK/reads.cfg"
done
timeout 5 "$(type -P curl)" -s -H "Authorization: Bearer $TT" -w '%{http_code}\n' \
	-K "$WORK/reads.cfg" >"$WORK/codes" || true
sent=$(grep -c . "$WORK/codes")
answered=$(grep -c '^200$' "$WORK/codes")
q=$(queued)
release_write_lock
check "every read with a stale token is answered while the writer waits ($answered of $sent)" "$answered" = "$sent"
check "more reads were made than the bound ($sent > 64), so the bound is what is measured" "$sent" -gt 64
check "at most 64 records of use wait for the writer (not one per request: $q)" "$([ -n "$q" ] && [ "$q" -le 66 ] && echo yes)" = yes
check "... and some do wait (the writer is held, not idle: $q)" "$([ -n "$q" ] && [ "$q" -ge 1 ] && echo yes)" = yes

for _ in $(seq 1 100); do [ "$(queued)" = 0 ] && break; sleep 0.1; done
check "the queue drains once the lock is let go" "$(queued)" = 0
api GET /api/v1/me "$TT" >/dev/null
for _ in $(seq 1 100); do
	used=$(sqlite3 "$DB" "select count(*) from tokens where user_id = $TRAINEE and last_used_at is not null")
	[ "$used" -ge 1 ] && break; sleep 0.1
done
check "the token's use is recorded after all" "$used" -ge 1
finish
