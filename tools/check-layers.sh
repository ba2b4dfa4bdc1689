#!/bin/sh
# tools/check-layers.sh - the build's check of core/'s layers.
#
# core/ is layered, lowest first:
#   base    buffers, errors, JSON reading, codes, embedded files, key files
#   store   the database, migrations, key files of the server, the outbox
#   ledger  canonical JSON, Merkle tree, ledger appends, verification, writer
#   domain  sessions, curricula, progress, sign-offs, accounts, imports
#   render  CSV and PDF exports, portfolio, credentials
#   app     use cases that compose the layers below (database set-up)
# A file may include headers of its own layer and of the layers below,
# never above; core never includes server/ or cli/, nor an HTTP or
# terminal library (it knows nothing of either).  Prints every breach and
# exits 1 if there is one.  Usage: check-layers.sh [SOURCE_ROOT]
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2
rank() {
	case $1 in
	base) echo 0 ;; store) echo 1 ;; ledger) echo 2 ;; domain) echo 3 ;;
	render) echo 4 ;; app) echo 5 ;; *) echo 99 ;;
	esac
}
bad=0
for f in core/*/*.c core/*/*.h; do
	layer=$(echo "$f" | cut -d/ -f2)
	r=$(rank "$layer")
	if [ "$r" = 99 ]; then
		echo "$f: core/$layer/ is not a layer named in tools/check-layers.sh" >&2; bad=1; continue
	fi
	for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
		case $inc in
		*/*) dep=${inc%%/*} ;;
		*) echo "$f: includes \"$inc\": name core headers by their layer (\"base/buf.h\")" >&2; bad=1; continue ;;
		esac
		d=$(rank "$dep")
		if [ "$d" = 99 ]; then
			echo "$f: includes \"$inc\", outside core's layers" >&2; bad=1
		elif [ "$d" -gt "$r" ]; then
			echo "$f: $layer/ includes \"$inc\" from $dep/, a layer above it" >&2; bad=1
		fi
	done
	if grep -Eq '^[[:space:]]*#[[:space:]]*include[[:space:]]*<(microhttpd|curl/|termios|ncurses)' "$f"; then
		echo "$f: core includes an HTTP or terminal library" >&2; bad=1
	fi
done
exit $bad
