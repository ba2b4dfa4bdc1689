#!/bin/sh
# tests/run.sh BUILD_DIR - runs every layer of the suite against the
# programs in BUILD_DIR/bin (the sanitizer build) and ends with one
# summary line.  Layers: C unit tests, the JCS cross-check, the shell
# suites in tests/api and tests/cli (real server on loopback, real CLI
# and curl), the browser tests, and short fuzz runs.
set -u
BUILD=${1:-build/san}
BIN="$BUILD/bin"
export BIN
OUT=tests/out
mkdir -p "$OUT"

. tests/run-step.sh
suite_start=$(date +%s)
find "$OUT" -name '*.status' -delete

echo "raslog test suite (programs from $BIN)"

# Node packages for the cross-checks and the browser tests: only from the lock file.
if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
	(cd tests/js && npm ci --no-audit --no-fund --loglevel=error) >"$OUT/npm-ci.log" 2>&1 ||
		{ echo "  npm ci failed; see $OUT/npm-ci.log"; }
fi

# test_pg runs the PostgreSQL engine against a throwaway cluster
# (tests/lib/pg.sh) when PostgreSQL 15 is installed; without it, it skips.
. tests/lib/pg.sh
if pg_available && pg_start "$(mktemp -u "${TMPDIR:-/tmp}/raslog-pg.XXXXXX")" >"$OUT/pg-unit.log" 2>&1 &&
	pg_createdb raslog_unit >>"$OUT/pg-unit.log" 2>&1; then
	RASLOG_TEST_PG_URI=$(pg_uri raslog_unit)
	export RASLOG_TEST_PG_URI
elif pg_available; then
	echo "  PostgreSQL is installed but its test cluster did not start: see $OUT/pg-unit.log"
	echo "not ok 1 - the PostgreSQL test cluster starts" >>"$OUT/pg-unit.log"
fi
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_step "unit/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
done
pg_stop
unset RASLOG_TEST_PG_URI
if [ -x "$BUILD/tests/jcs_tool" ]; then
	run_step "jcs-cross" sh -c "node tests/js/jcs-cross.mjs $BUILD/tests/jcs_tool && echo 'ok 1 - jcs cross-check'"
fi
# The shell suites, $JOBS at a time (default 2: each suite runs its own
# servers on free loopback ports in its own temp directory).  A suite
# whose file says "# test-runs-alone" (it measures promptness under an
# attack) runs afterwards with nothing beside it.
JOBS=${RASLOG_TEST_JOBS:-2}
alone=""
together=""
for t in tests/tools/*.sh tests/api/*.sh tests/cli/*.sh; do
	[ -f "$t" ] || continue
	if grep -q '^# test-runs-alone' "$t"; then alone="$alone $t"; else together="$together $t"; fi
done
export OUT
for t in $together; do echo "$t"; done |
	xargs -P "$JOBS" -I{} sh -c '. tests/run-step.sh; run_step "$(suite_name {})" bash {}'
for t in $alone; do
	run_step "$(suite_name "$t")" bash "$t"
done
# The API and CLI suites again on PostgreSQL (issue 20), when it is
# installed: RASLOG_TEST_ENGINE=postgresql gives each suite a new database
# in a throwaway cluster of its own (tests/lib/pg.sh).  A suite whose
# subject is the SQLite file itself says "# engine: sqlite" and runs once;
# 27-pg-* and 28-pg-* are PostgreSQL's own and ran above.
if pg_available; then
	for t in tests/api/*.sh tests/cli/*.sh; do
		grep -q '^# engine: sqlite' "$t" && continue
		case "$t" in tests/api/*-pg-*) continue ;; esac
		echo "$t"
	done | RASLOG_TEST_ENGINE=postgresql xargs -P "$JOBS" -I{} sh -c \
		'. tests/run-step.sh; run_step "$(suite_name {} | sed "s|^api/|api-pg/|; s|^cli/|cli-pg/|")" bash {}'
fi
if [ -f tests/browser/run.sh ]; then
	run_step "browser" bash tests/browser/run.sh "$BIN"
fi
if [ "${RASLOG_LONG:-0}" = 1 ] && [ -f tests/valgrind.sh ]; then
	run_step "valgrind" bash tests/valgrind.sh
fi
if [ -f tests/fuzz/run.sh ]; then
	run_step "fuzz" sh tests/fuzz/run.sh short
fi

passed=0
failed=0
failures=""
for f in $(find "$OUT" -name '*.status' | sort); do
	name=${f#"$OUT/"}; name=${name%.status}
	if [ "$(cat "$f")" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures $name"; fi
done
total=$((passed + failed))
if [ "$failed" = 0 ]; then
	echo "raslog tests: PASS - $passed of $total suites passed ($(( $(date +%s) - suite_start ))s)"
	exit 0
fi
echo "raslog tests: FAIL - $failed of $total suites failed:$failures"
exit 1
