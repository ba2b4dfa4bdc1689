#!/bin/sh
# tools/man-synopsis.sh [--check] BIN_DIR - the SYNOPSIS of man/raslog.1
# and man/raslogd.8 made from the programs' own command tables
# ('raslog --help-man', 'raslogd --help-man'), which also make the
# parser and --help: the lines between the BEGIN and END SYNOPSIS
# comments are replaced.  With --check nothing is written; it exits 1,
# naming the page, when a page's synopsis differs from its program's
# tables (tests/cli/man.sh runs it).
set -eu
check=0
if [ "${1:-}" = "--check" ]; then
	check=1
	shift
fi
BIN=${1:?usage: tools/man-synopsis.sh [--check] BIN_DIR}
MAN=${MAN_DIR:-man}
status=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/man-synopsis.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for pair in raslog:raslog.1 raslogd:raslogd.8; do
	prog=${pair%%:*}
	page="$MAN/${pair#*:}"
	"$BIN/$prog" --help-man >"$tmp/gen"
	grep -q '^\.\\" BEGIN SYNOPSIS' "$page" || { echo "$page: no BEGIN SYNOPSIS comment" >&2; exit 1; }
	awk -v gen="$tmp/gen" '
		/^\.\\" BEGIN SYNOPSIS/ { print; while ((getline line < gen) > 0) print line; skip = 1; next }
		/^\.\\" END SYNOPSIS/ { skip = 0 }
		!skip { print }
	' "$page" >"$tmp/page"
	if cmp -s "$page" "$tmp/page"; then
		continue
	fi
	if [ $check = 1 ]; then
		echo "$page: its synopsis differs from '$prog --help-man' (run tools/man-synopsis.sh $BIN):" >&2
		diff "$page" "$tmp/page" | head -20 >&2 || true
		status=1
	else
		cp "$tmp/page" "$page"
		echo "rewrote the synopsis of $page"
	fi
done
exit $status
