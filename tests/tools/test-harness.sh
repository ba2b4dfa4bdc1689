#!/bin/bash
# tests/tools/test-harness.sh - the parts of make test's own machinery that
# a wrong edit would break quietly (issue 20 item 5):
#   - tests/run-step.sh: a step's outcome and seconds land in NAME.status
#     and NAME.secs (tests/out/times.txt is made from them), a failing step
#     is counted as failed, and the pool's job names (api-pg/, browser-pg);
#   - tests/lib/pg.sh's shared cluster for the PostgreSQL pass: a suite's
#     database is a copy of the template database (pg-test-compat.sql
#     loaded), apart from every other suite's, dropped at the end; a suite
#     never stops the run's cluster;
#   - tests/lib/sql.sh runs a statement on either engine (the browser tests').
. "$(dirname "$0")/fixtures/preamble.sh"

OUT=$tmp/out
mkdir -p "$OUT"
. tests/run-step.sh
run_step "api/x-pass" sh -c 'echo "ok 1 - a"; echo "ok 2 - b"' >"$tmp/line"
[ "$(cat "$OUT/api/x-pass.status")" = 0 ] && grep -q 'PASS  api/x-pass .* 2 checks' "$tmp/line"
tap $? "run_step: a passing step: status 0 and its checks counted ($(sed 's/  */ /g' "$tmp/line"))"
secs=$(cat "$OUT/api/x-pass.secs")
case "$secs" in '' | *[!0-9]*) false ;; *) true ;; esac
tap $? "run_step: its seconds in NAME.secs ($secs)"
run_step "api/x-fail" sh -c 'echo "ok 1 - a"; echo "not ok 2 - b"' >/dev/null
[ "$(cat "$OUT/api/x-fail.status")" = 1 ] && [ -f "$OUT/api/x-fail.secs" ]
tap $? "run_step: a step with a 'not ok' fails, and has its seconds too"
run_step "api/x-exit" sh -c 'echo "ok 1 - a"; exit 3' >/dev/null
[ "$(cat "$OUT/api/x-exit.status")" = 1 ]
tap $? "run_step: a step that exits non-zero fails although every line said ok"
names=$(for j in sqlite:tests/api/01-sessions.sh postgresql:tests/api/01-sessions.sh postgresql:tests/cli/cli.sh \
	browser:sqlite browser:postgresql fuzz:short; do job_name "$j"; done | tr '\n' ' ')
[ "$names" = "api/01-sessions api-pg/01-sessions cli-pg/cli browser browser-pg fuzz " ]
tap $? "job_name: the pool's steps are named as the summary and times.txt show them ($names)"

picked=$(for j in api/01-sessions api-pg/01-sessions cli-pg/cli browser browser-pg fuzz; do
	RASLOG_TEST_ONLY='^(api-pg|cli-pg)/|^browser-pg$' wanted "$j" && echo "$j"; done | tr '\n' ' ')
[ "$picked" = "api-pg/01-sessions cli-pg/cli browser-pg " ] && (unset RASLOG_TEST_ONLY; wanted fuzz)
tap $? "wanted: RASLOG_TEST_ONLY picks steps by name ($picked), and without it every step runs"

# tests/lib/sql.sh on SQLite.
sqlite3 "$tmp/t.db" "create table t(x integer); insert into t values (41)"
sh tests/lib/sql.sh "$tmp/t.db" "update t set x = x + 1"
[ "$(sh tests/lib/sql.sh "$tmp/t.db" "select x from t")" = 42 ]
tap $? "tests/lib/sql.sh runs a statement on a SQLite file"

. tests/lib/pg.sh
if ! pg_available; then
	echo "ok $((n + 1)) # SKIP PostgreSQL 15 is not installed"; n=$((n + 1))
	finish
fi
# The run's cluster, as tests/run.sh starts it.
# (Beside $tmp, not in it: the server runs as nobody when the caller is root.)
pg_dir=$(mktemp -u "${TMPDIR:-/tmp}/raslog-pg.XXXXXX")
trap 'pg_stop; rm -rf "$tmp"' EXIT
if ! pg_shared_start "$pg_dir" >"$tmp/pg.log" 2>&1; then
	tap 1 "pg_shared_start: the run's cluster starts"; sed 's/^/#   /' "$tmp/pg.log"; finish
fi
tap 0 "pg_shared_start: the run's cluster starts, with its template database"
shared=$PG_DIR
# Two suites' databases, each in a shell of its own as a suite is.
suite() { # suite NAME SQL: what tests/lib.sh does for a suite in the pass, then SQL on its database
	bash -c '. tests/lib/pg.sh; pg_shared_createdb "$1" "$2" || exit 1
		psql_out=$(pg_psql "$2" "$3") || exit 1; echo "$psql_out"
		pg_stop' _ "$shared" "$1" "$2"
}
out=$(suite t_a "select instr('abc', 'c'); create table mine(x integer); insert into mine values (1)")
[ "$out" = 3 ]
tap $? "a suite's database has tests/lib/pg-test-compat.sql's functions (instr: $out)"
out=$(suite t_b "select count(*) from pg_tables where tablename = 'mine'")
[ "$out" = 0 ]
tap $? "another suite's database does not see the first one's table (a copy of the template, not of it)"
[ -S "$shared/.s.PGSQL.5432" ] && pg_psql postgres "select 1" >/dev/null 2>&1
tap $? "pg_stop in a suite leaves the run's cluster running"
bash -c '. tests/lib/pg.sh; PG_DIR=$1; pg_shared_dropdb t_a' _ "$shared"
out=$(pg_psql postgres "select string_agg(datname, ',' order by datname) from pg_database where datname like 't\_%'")
[ "$out" = t_b ]
tap $? "pg_shared_dropdb drops the suite's database and no other ($out left)"
# tests/lib/sql.sh on a postgresql:// URI.
[ "$(sh tests/lib/sql.sh "$(pg_uri t_b)" "select instr('xyz', 'z')")" = 3 ]
tap $? "tests/lib/sql.sh runs a statement on a PostgreSQL database given by its URI"
pg_stop
[ ! -d "$shared" ]
tap $? "tests/run.sh's pg_stop stops the run's cluster and removes it"
finish
