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
# (A run of some steps, RASLOG_TEST_ONLY, keeps the others' last seconds for times.txt.)
[ -z "${RASLOG_TEST_ONLY:-}" ] && find "$OUT" \( -name '*.secs' -o -name '*.cpu' \) -delete

echo "raslog test suite (programs from $BIN)"

# Every suite's temp files (tests/lib.sh's WORK: SQLite files, keys, logs;
# the PostgreSQL clusters and their template) in a directory of this run on
# a tmpfs, when TMPDIR does not name a place and /dev/shm is one: the suites
# write and fsync thousands of SQLite files, and on a disk each fsync waits
# for it (on this VM the most expensive of system calls).  Nothing checks a
# file reached the disk (a killed process's writes are in the kernel all the
# same); 21-disk mounts a tmpfs of its own.  Removed at the end of the run.
# Only a tmpfs with 2 GiB free or more: a container's /dev/shm is often
# 64 MiB, which the suites would fill.
RUN_TMP=""
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
	[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] &&
	[ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')" -ge 2097152 ] 2>/dev/null &&
	RUN_TMP=$(mktemp -d /dev/shm/raslog-run.XXXXXX); then
	chmod 1777 "$RUN_TMP" # (as /tmp: PostgreSQL runs as nobody under root)
	TMPDIR=$RUN_TMP
	export TMPDIR
fi

# python3 is Debian's for every step, as tests/lib.sh makes it for a suite:
# a pyenv shim first on PATH costs a second or more a start (a bash script
# that execs a dozen processes), and the steps that are not suites (the
# tests of tests/tools: test-harness runs python3 dozens of times) ran it.
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	mkdir -p "$OUT/.python" && ln -sf /usr/bin/python3 "$OUT/.python/python3" && PATH="$PWD/$OUT/.python:$PATH"
	export PATH
fi

# Node packages for the cross-checks and the browser tests: only from the lock file.
if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
	(cd tests/js && npm ci --no-audit --no-fund --loglevel=error) >"$OUT/npm-ci.log" 2>&1 ||
		{ echo "  npm ci failed; see $OUT/npm-ci.log"; }
fi

# PostgreSQL (when PostgreSQL 15 is installed): one throwaway cluster
# (tests/lib/pg.sh) for the whole run.  test_pg gets a database in it; in
# the PostgreSQL pass below, every suite gets a new database copied from
# its template database (tests/lib.sh with RASLOG_TEST_PG_DIR), which costs
# a fraction of a second where a cluster of its own cost seconds.
. tests/lib/pg.sh
PG_SHARED_DIR=""
if pg_available; then
	pg_dir=$(mktemp -u "${TMPDIR:-/tmp}/raslog-pg.XXXXXX")
	if pg_shared_start "$pg_dir" >"$OUT/pg-unit.log" 2>&1 && pg_createdb raslog_unit >>"$OUT/pg-unit.log" 2>&1; then
		PG_SHARED_DIR=$pg_dir
		# (The unit tests' RASLOG_TEST_PG_URI: tests/run-step.sh's unit job sets it for them alone.)
		RASLOG_UNIT_PG_URI=$(pg_uri raslog_unit)
		export RASLOG_UNIT_PG_URI
	else
		echo "  PostgreSQL is installed but its test cluster did not start: see $OUT/pg-unit.log"
		echo "not ok 1 - the PostgreSQL test cluster starts" >>"$OUT/pg-unit.log"
		echo 1 >"$OUT/pg-unit.status"
	fi
fi
export PG_SHARED_DIR BUILD
# One pool of steps, $JOBS at a time (default 3: the PostgreSQL
# suites wait on fsync more than they use a core): the browser suite on
# both engines and the short fuzz run first (the longest steps; fuzz runs
# for fixed seconds), then the C unit tests (one job: one after the other,
# as they share a PostgreSQL database; they ran alone before the pool, a
# core idle), the JCS cross-check, the shell suites in tests/tools, tests/api and
# tests/cli on SQLite, and the API and CLI suites again on PostgreSQL
# (issue 20), longest first by the last run's tests/out/times.txt.  Each
# suite runs its own servers on free loopback ports in its own temp
# directory.  A suite whose subject is the SQLite file itself (or whose
# checks do not depend on the engine) says "# engine: sqlite" and runs
# once; 27-pg-* and 28-pg-* are PostgreSQL's own and run in the SQLite
# list.  A suite whose file says "# test-runs-alone" (it measures
# promptness under an attack) runs afterwards with nothing beside it.
JOBS=${RASLOG_TEST_JOBS:-3}
alone=""
jobs=""
[ -f tests/browser/run.sh ] && jobs="browser:sqlite"
[ -f tests/browser/run.sh ] && [ -n "$PG_SHARED_DIR" ] && jobs="$jobs browser:postgresql"
[ -f tests/fuzz/run.sh ] && jobs="$jobs fuzz:short"
jobs="$jobs unit:all"
[ -x "$BUILD/tests/jcs_tool" ] && jobs="$jobs jcs:cross"
for t in tests/tools/*.sh tests/api/*.sh tests/cli/*.sh; do
	[ -f "$t" ] || continue
	if grep -q '^# test-runs-alone' "$t"; then alone="$alone $t"; else jobs="$jobs sqlite:$t"; fi
done
if [ -n "$PG_SHARED_DIR" ]; then
	for t in tests/api/*.sh tests/cli/*.sh; do
		grep -q '^# engine: sqlite' "$t" && continue
		case "$t" in tests/api/*-pg-*) continue ;; esac
		jobs="$jobs postgresql:$t"
	done
fi
# Longest first by step_secs (tests/run-step.sh): the last run's seconds
# per step (tests/out/times.txt, read before this run rewrites it), else a
# clean run's kept in the tree (tests/step-seconds.txt: a clean clone, as
# CI's, has no last run); the browser and fuzz steps first of all, then
# the unit tests, when neither names them.
order() {
	for j in $jobs; do
		n=$(job_name "$j")
		s=$(step_secs "$n")
		case "$j" in
		browser:* | fuzz:*) s=${s:-1000} ;;
		unit:*) # its steps' seconds together
			s=${s:-500}
			unit_steps | while read -r u; do wanted "$u" && echo "$s $j" && break; done
			continue ;;
		esac
		wanted "$n" && echo "${s:-0} $j"
	done | sort -s -k1,1nr | cut -d' ' -f2
}
export OUT
order | xargs -P "$JOBS" -I{} sh -c '. tests/run-step.sh; run_job {}'
for t in $alone; do
	wanted "$(suite_name "$t")" || continue
	run_step "$(suite_name "$t")" bash "$t"
done
pg_stop
if [ "${RASLOG_LONG:-0}" = 1 ] && [ -f tests/valgrind.sh ]; then
	run_step "valgrind" bash tests/valgrind.sh
fi
[ -n "$RUN_TMP" ] && rm -rf "$RUN_TMP"

# Where the time went: every step's seconds, longest first, and its CPU seconds (user + system).
find "$OUT" -name '*.secs' | sort | while read -r f; do
	name=${f#"$OUT/"}; name=${name%.secs}
	echo "$(cat "$f") $name $(cat "$OUT/$name.cpu" 2>/dev/null || echo -)"
done | sort -k1,1nr >"$OUT/times.txt"
echo "  slowest steps (all in $OUT/times.txt):"
head -10 "$OUT/times.txt" | awk '{ printf "    %5ss  %-28s cpu %6ss\n", $1, $2, $3 }'
echo "  the most CPU:"
sort -k3,3nr "$OUT/times.txt" | head -5 | awk '{ printf "    %6ss  %s\n", $3, $2 }'
awk '{ c += $3 } END { printf "  CPU (user + system) of all steps: %.0f s\n", c }' "$OUT/times.txt"

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
