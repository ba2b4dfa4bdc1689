#!/bin/sh
# tests/fuzz/run.sh [short|long] - builds the libFuzzer targets with clang
# into build/fuzz/ and runs each one: short (make test) 3 s per target,
# two at a time; long (make fuzz) 10 minutes per target.  FUZZ_TIME=S
# overrides the seconds per target.  Every run first replays all of the
# target's seeds (libFuzzer reads the whole corpus before it counts
# time), so the short run still proves each target builds and survives
# its corpus; its seconds after that are a smoke run (it had 8 s, the
# suite's pool packs tighter with 3), the depth is make fuzz's.  Seeds come from tests/fuzz/corpus/<t>/
# (committed); new inputs go to build/fuzz/corpus/<t>/; crashes to
# build/fuzz/artifacts/.  Output is TAP with the execution counts.
set -u
MODE=${1:-short}
case "$MODE" in
short) SECS=${FUZZ_TIME:-3} ;;
long) SECS=${FUZZ_TIME:-600} ;;
*) echo "usage: $0 [short|long]" >&2; exit 2 ;;
esac
CC=${FUZZ_CC:-clang}
TARGETS=${FUZZ_TARGETS:-"fuzz_jsonin fuzz_session fuzz_statement fuzz_router fuzz_import fuzz_recompute fuzz_oidc fuzz_optspec fuzz_programme fuzz_texts fuzz_stmt fuzz_jcs fuzz_verify_line fuzz_jcs_flat"}
OUT=build/fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# Compiler flags and libraries as the Makefile has them (it grows), else pkg-config.
mkvar() {
	f=$(mktemp); printf 'print-%%: ; @echo $($*)\n' >"$f"
	make --no-print-directory -s -f Makefile -f "$f" "print-$1" 2>/dev/null; rm -f "$f"
}
PKG_CFLAGS=$(mkvar PKG_CFLAGS)
LIBS=$(mkvar LDLIBS)
[ -n "$LIBS" ] || LIBS="$(pkg-config --libs sqlite3 libpq libsodium libmicrohttpd jansson libcurl) -pthread -lm"
[ -n "$PKG_CFLAGS" ] || PKG_CFLAGS=$(pkg-config --cflags sqlite3 libpq libsodium libmicrohttpd jansson libcurl)
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 $SAN -Icore -Iserver -I$OUT/gen $PKG_CFLAGS"
PLAIN_CFLAGS="-std=c11 -D_GNU_SOURCE -O0 -Icore -Iserver -I$OUT/gen $PKG_CFLAGS"
# lld links an ASan binary in half the time of the default linker.
LDFLAGS=""
command -v ld.lld >/dev/null && LDFLAGS="-fuse-ld=lld"
n=0

tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

if ! command -v "$CC" >/dev/null; then
	echo "ok 1 # SKIP $CC is not installed"; echo "1..1"; exit 0
fi
mkdir -p "$OUT/obj/core" "$OUT/obj-plain/server" "$OUT/artifacts" "$OUT/log"

# The embedded schema and data, through the Makefile's own rule.
for g in embedded codes_tables kinds_table; do
	make --no-print-directory -s BUILD="$OUT" "$OUT/gen/$g.c" >/dev/null || { tap 1 "generate $OUT/gen/$g.c"; echo "1..$n"; exit 1; }
done

# Library objects: core and the embedded files with the sanitizers and
# libFuzzer's coverage (the code the targets run), and the server without
# main.c and router.c built plain, -O0 and uninstrumented: only fuzz_router
# links it, for the route table and the functions router.c names, and it
# runs nothing of it (it includes router.c itself, instrumented, for
# match()); a plain object compiles in about a third of the time.
# Rebuilt when the source or any header is newer.
core_srcs=$(ls core/*/*.c "$OUT/gen/embedded.c" "$OUT/gen/codes_tables.c" "$OUT/gen/kinds_table.c")
server_srcs=$(ls server/*.c | grep -v -e '^server/main\.c$' -e '^server/router\.c$')
obj_of() { echo "$OUT/obj/$(echo "$1" | sed "s|^$OUT/||; s|\.c$|.o|")"; }
plain_of() { echo "$OUT/obj-plain/$(echo "$1" | sed 's|\.c$|.o|')"; }
stale() { [ ! -f "$2" ] || [ "$1" -nt "$2" ] || [ -n "$(find core server -name '*.h' -newer "$2" 2>/dev/null | head -1)" ]; }
{
	for s in $core_srcs; do o=$(obj_of "$s"); stale "$s" "$o" && echo "fuzz $s $o"; done
	for s in $server_srcs; do o=$(plain_of "$s"); stale "$s" "$o" && echo "plain $s $o"; done
} | xargs -r -n 3 -P 2 sh -c 'mkdir -p "$(dirname "$3")" && if [ "$1" = fuzz ]; then '"$CC $CFLAGS -fsanitize=fuzzer-no-link"' -c "$2" -o "$3"; else '"$CC $PLAIN_CFLAGS"' -c "$2" -o "$3"; fi' sh \
	2>"$OUT/log/build.log"
# Archives, so each target links only the objects it needs.
rm -f "$OUT/libcore.a" "$OUT/libserver.a"
# Only the objects of today's sources, never a stale one of a moved file.
ar rcs "$OUT/libcore.a" $(for s in $core_srcs; do obj_of "$s"; done)
ar rcs "$OUT/libserver.a" $(for s in $server_srcs; do plain_of "$s"; done)
objs="$OUT/libserver.a $OUT/libcore.a"

build_ok=""
for t in $TARGETS; do
	if $CC $CFLAGS $LDFLAGS -fsanitize=fuzzer -Itests/fuzz -o "$OUT/$t" "tests/fuzz/$t.c" $objs $LIBS 2>>"$OUT/log/build.log"; then
		build_ok="$build_ok $t"
	else
		tap 1 "$t: build failed (see $OUT/log/build.log)"
		tail -5 "$OUT/log/build.log" | sed 's/^/#   /'
	fi
done

run_one() { # run_one TARGET: runs it, output to $OUT/log/TARGET.log
	t=$1
	mkdir -p "$OUT/corpus/$t"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$OUT/$t" -max_total_time="$SECS" -max_len=4096 -timeout=30 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t-" \
		"$OUT/corpus/$t" "tests/fuzz/corpus/$t" >"$OUT/log/$t.log" 2>&1
	echo $? >"$OUT/log/$t.rc"
}

report() { # report TARGET
	t=$1
	rc=$(cat "$OUT/log/$t.rc")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/log/$t.log" | tail -1)
	[ -n "$execs" ] || execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$OUT/log/$t.log" | tail -1)
	seeds=$(ls "tests/fuzz/corpus/$t" 2>/dev/null | wc -l)
	if [ "$rc" = 0 ] && ! grep -q 'INITED cov' "$OUT/log/$t.log"; then
		tap 1 "$t: ended without replaying its seeds (no INITED line in $OUT/log/$t.log)"
	elif [ "$rc" = 0 ]; then
		tap 0 "$t: ${execs:-0} executions (its $seeds seeds, then ${SECS}s of fuzzing), no crash"
	else
		tap 1 "$t: crashed after ${execs:-?} executions (exit $rc; see $OUT/log/$t.log, $OUT/artifacts/)"
		grep -E 'ERROR|runtime error|mismatch|SUMMARY|deadly signal' "$OUT/log/$t.log" | head -6 | sed 's/^/#   /'
	fi
}

# Two at a time in short mode (2 cores); one after another in long mode.
set -- $build_ok
while [ $# -gt 0 ]; do
	if [ "$MODE" = short ] && [ $# -ge 2 ]; then
		run_one "$1" & p1=$!
		run_one "$2"
		wait $p1
		report "$1"; report "$2"
		shift 2
	else
		run_one "$1"; report "$1"; shift
	fi
done
rm -rf /tmp/raslog-fuzz.*
echo "1..$n"
