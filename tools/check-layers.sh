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
# terminal library (it knows nothing of either).  SQL lives in store/
# alone: a file of another layer neither prepares statements nor binds or
# reads their columns (rl_db_stmt, rl_db_prepare, rl_db_exec, rl_bind_*,
# rl_col_*, rl_step); it calls store/'s functions, which take and return
# typed values.  In store/, a function that reports a failed step reads
# the failure before it resets the statement: no rl_db_fail after an
# rl_reset unless a step comes between (rl_db_finish in sql.h does both in
# that order).  Prints every breach and exits 1 if there is one.  Usage: check-layers.sh [SOURCE_ROOT]
set -u
cd "${1:-$(dirname "$0")/..}" || exit 2
# One awk over every file (a process or two per file and include made
# this check take seconds, and make test runs it seven times).
printf '%s\n' core/*/*.c core/*/*.h | awk '
function rank(l) {
	if (l == "base") return 0; if (l == "store") return 1; if (l == "ledger") return 2
	if (l == "domain") return 3; if (l == "render") return 4; if (l == "app") return 5
	return 99
}
function err(m) { print m > "/dev/stderr"; bad = 1 }
{
	f = $0; split(f, p, "/"); layer = p[2]; r = rank(layer)
	if (r == 99) { err(f ": core/" layer "/ is not a layer named in tools/check-layers.sh"); next }
	lib = 0; sql = 0; n = 0; last = ""
	while ((getline line < f) > 0) {
		n++
		if (layer == "store" && f ~ /\.c$/) {
			if (line ~ /^}/) last = ""
			s = line
			while (match(s, /(rl_reset|rl_step_id|rl_try_step|rl_step|rl_db_fail)[[:space:]]*\(/)) {
				w = substr(s, RSTART, RLENGTH); sub(/[[:space:]]*\($/, "", w)
				if (w == "rl_db_fail" && last == "rl_reset")
					err(f ":" n ": rl_db_fail after rl_reset reads a failure the reset may have cleared (end the run with rl_db_finish)")
				else if (w != "rl_db_fail") last = w
				s = substr(s, RSTART + RLENGTH)
			}
		}
		if (layer != "store" && line ~ /(^|[^A-Za-z0-9_])(rl_db_stmt|rl_db_prepare|rl_db_exec|rl_bind_[a-z0-9_]+|rl_col_[a-z0-9_]+|rl_step|rl_step_id|rl_try_step)[[:space:]]*\(/) sql = 1
		if (line ~ /^[[:space:]]*#[[:space:]]*include[[:space:]]*<(microhttpd|curl\/|termios|ncurses)/) lib = 1
		if (line !~ /^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"]*"/) continue
		inc = line; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc)
		if (index(inc, "/") == 0) { err(f ": includes \"" inc "\": name core headers by their layer (\"base/buf.h\")"); continue }
		dep = substr(inc, 1, index(inc, "/") - 1); d = rank(dep)
		if (d == 99) err(f ": includes \"" inc "\", outside core'"'"'s layers")
		else if (d > r) err(f ": " layer "/ includes \"" inc "\" from " dep "/, a layer above it")
	}
	close(f)
	if (lib) err(f ": core includes an HTTP or terminal library")
	if (sql) err(f ": runs SQL outside core/store/ (move the query into a store/ function)")
}
END { exit bad }'

