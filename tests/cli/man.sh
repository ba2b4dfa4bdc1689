#!/bin/bash
# engine: sqlite (the man pages against the command tables, which do not depend on the storage engine; tests/run.sh runs it once, on SQLite, to keep make test inside its time)
# man.sh - the man pages' synopses, --help and the parsers come from one
# set of command tables (cli/optspec.h): the synopsis in man/raslog.1 and
# man/raslogd.8 must be what the programs' --help-man prints, and a page
# that drifts from the tables (an option missing, as 'serve
# --trusted-proxy' once was from 'raslogd --help') must fail.
#
#   tests/cli/man.sh BIN_DIR        (default $BIN)
set -eu

BIN=${1:-${BIN:-}}
[ -n "$BIN" ] || { echo "usage: tests/cli/man.sh BIN_DIR" >&2; exit 2; }
BIN=$(cd "$BIN" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/raslog-man.XXXXXX")
trap 'rm -rf "$T"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"

n=0
failed=0
check() {
	n=$((n + 1))
	if eval "$2"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}

check "the man pages' synopses are the programs' command tables (tools/man-synopsis.sh --check)" \
	'tools/man-synopsis.sh --check "$BIN" 2>"$T/err"'

# A page missing one option of the tables fails the check, naming the page.
mkdir -p "$T/man"
cp man/raslog.1 "$T/man/"
grep -v 'trusted\\-proxy' man/raslogd.8 >"$T/man/raslogd.8"
check "a synopsis without 'serve --trusted-proxy' fails the check, naming raslogd.8" \
	'! MAN_DIR="$T/man" tools/man-synopsis.sh --check "$BIN" 2>"$T/err" && grep -q "raslogd.8" "$T/err"'
sed 's/^\.OP \\-\\-steps a,b$//' man/raslog.1 >"$T/man/raslog.1"
cp man/raslogd.8 "$T/man/"
check "a synopsis without 'sign --steps' fails the check, naming raslog.1" \
	'! MAN_DIR="$T/man" tools/man-synopsis.sh --check "$BIN" 2>"$T/err" && grep -q "raslog.1" "$T/err"'

"$BIN/raslogd" --help >"$T/out" 2>&1
check "raslogd --help lists serve --trusted-proxy" 'grep -q -- "--trusted-proxy ADDR" "$T/out"'
for c in init serve "user add" "user token" "user revoke-tokens" "faculty-key add" demo backup notify check-routes; do
	# shellcheck disable=SC2086
	rc=0
	"$BIN/raslogd" $c --help >"$T/out" 2>"$T/err" || rc=$?
	check "raslogd $c --help prints its usage on stdout and exits 0" '[ $rc -eq 0 ] && grep -q "^usage: raslogd $c" "$T/out" && [ ! -s "$T/err" ]'
done
rc=0
"$BIN/raslogd" --db "$T/x.db" serve --bogus >"$T/out" 2>"$T/err" || rc=$?
check "raslogd serve with an unknown option exits 2 with one sentence" \
	'[ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^raslogd: serve: unknown option" "$T/err"'
rc=0
"$BIN/raslogd" --db "$T/x.db" user frob >"$T/out" 2>"$T/err" || rc=$?
check "raslogd user frob exits 2 naming the user commands" '[ $rc -eq 2 ] && grep -q "add, token, revoke-tokens" "$T/err"'

# Every option of every raslog command is in its --help and in the man page.
"$BIN/raslog" --help-man | sed 's/\\-/-/g' >"$T/gen"
check "raslog --help-man covers every command of 'raslog --help'" \
	'(for c in $("$BIN/raslog" --help | sed -n "s/^  \([a-z-]*\) .*/\1/p"); do grep -q "^\.SY \"raslog $c" "$T/gen" || exit 1; done)'
# Every command is declared in a table (none still hand-parsed with getopt,
# whose synopsis was a bare '[ OPTIONS ]'), and every option its synopsis
# shows is in its --help.
check "every raslog command's synopsis comes from its table (no bare [ OPTIONS ])" '! grep -q "OPTIONS" "$T/gen"'
awk '/^\.SY "raslog / { sub(/^\.SY "raslog /, ""); sub(/"$/, ""); cmd = $0; next }
	/^\.(OP|BI) / { o = $2; gsub(/"/, "", o); print cmd "\t" o }' "$T/gen" >"$T/opts"
check "--help-man lists raslog audit's --file, --log-key, --head and --json" \
	'for o in --file --log-key --head --json; do grep -q "^audit	$o\$" "$T/opts" || exit 1; done'
missing=
for c in $(cut -f1 "$T/opts" | sort -u | tr ' ' '+'); do
	c=${c//+/ }
	# shellcheck disable=SC2086
	"$BIN/raslog" $c --help >"$T/out" 2>&1 || true
	for o in $(awk -F'\t' -v c="$c" '$1 == c { print $2 }' "$T/opts"); do
		grep -q -- "$o" "$T/out" || missing="$missing $c:$o"
	done
done
check "every raslog command's --help lists every option of its synopsis ($(wc -l <"$T/opts") pairs)" \
	'[ -s "$T/opts" ] && [ -z "$missing" ] || { echo "# missing:$missing"; false; }'
rc=0
"$BIN/raslog" audit --head h.json >"$T/out" 2>"$T/err" || rc=$?
check "raslog audit --head without --file exits 2 with one sentence" \
	'[ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q "^raslog: audit: --head works only with --file" "$T/err"'
rc=0
"$BIN/raslog" audit --file x.jsonl >"$T/out" 2>"$T/err" || rc=$?
check "raslog audit --file without --log-key exits 2 naming --log-key" \
	'[ $rc -eq 2 ] && grep -q "^raslog: audit: --file needs --log-key" "$T/err"'
rc=0
"$BIN/raslog" audit extra >"$T/out" 2>"$T/err" || rc=$?
check "raslog audit with an argument exits 2" '[ $rc -eq 2 ] && grep -q "unexpected argument .extra." "$T/err"'
"$BIN/raslog" help sign >"$T/out" 2>&1
check "raslog help sign is raslog sign --help" 'grep -q "^usage: raslog sign" "$T/out" && grep -q -- "--steps" "$T/out"'

echo "1..$n"
[ "$failed" -eq 0 ]
