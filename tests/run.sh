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
passed=0
failed=0
failures=""

record() { # record NAME STATUS
	if [ "$2" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures $1"; fi
}

run_step() { # run_step NAME CMD...: output to tests/out/NAME.log, TAP counted
	name=$1; shift
	start=$(date +%s)
	mkdir -p "$(dirname "$OUT/$name.log")"
	"$@" >"$OUT/$name.log" 2>&1
	st=$?
	n_ok=$(grep -c '^ok ' "$OUT/$name.log")
	n_bad=$(grep -c '^not ok ' "$OUT/$name.log")
	secs=$(( $(date +%s) - start ))
	if [ $st = 0 ] && [ "$n_bad" = 0 ]; then
		printf '  PASS  %-28s %4s checks %4ss\n' "$name" "$n_ok" "$secs"
		record "$name" 0
	else
		printf '  FAIL  %-28s %4s ok, %s not ok (exit %s) - see %s\n' "$name" "$n_ok" "$n_bad" "$st" "$OUT/$name.log"
		grep -E '^not ok|ERROR|error:|FAIL' "$OUT/$name.log" | head -8 | sed 's/^/        /'
		record "$name" 1
	fi
}

echo "raslog test suite (programs from $BIN)"

# Node packages for the cross-checks and the browser tests: only from the lock file.
if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
	(cd tests/js && npm ci --no-audit --no-fund --loglevel=error) >"$OUT/npm-ci.log" 2>&1 ||
		{ echo "  npm ci failed; see $OUT/npm-ci.log"; }
fi

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_step "unit/$(basename "$t")" env CMOCKA_MESSAGE_OUTPUT=TAP "$t"
done
if [ -x "$BUILD/tests/jcs_tool" ]; then
	run_step "jcs-cross" sh -c "node tests/js/jcs-cross.mjs $BUILD/tests/jcs_tool && echo 'ok 1 - jcs cross-check'"
fi
for t in tests/tools/*.sh tests/api/*.sh tests/cli/*.sh; do
	[ -f "$t" ] || continue
	run_step "$(echo "$t" | sed 's|tests/||; s|\.sh$||')" bash "$t"
done
if [ -f tests/browser/run.sh ]; then
	run_step "browser" bash tests/browser/run.sh "$BIN"
fi
if [ "${RASLOG_LONG:-0}" = 1 ] && [ -f tests/valgrind.sh ]; then
	run_step "valgrind" bash tests/valgrind.sh
fi
if [ -f tests/fuzz/run.sh ]; then
	run_step "fuzz" sh tests/fuzz/run.sh short
fi

total=$((passed + failed))
if [ "$failed" = 0 ]; then
	echo "raslog tests: PASS - $passed of $total suites passed"
	exit 0
fi
echo "raslog tests: FAIL - $failed of $total suites failed:$failures"
exit 1
