#!/bin/bash
# tests/tools/layers.sh - the build's layer rule (tools/check-layers.sh):
# today's core/ passes, and a copy with each kind of breach is refused
# with a sentence naming the file and the include (or the line of a store
# function that reads a failure after resetting the statement).
. "$(dirname "$0")/fixtures/preamble.sh"

sh tools/check-layers.sh . 2>"$tmp/err"; tap $? "core/ as it is keeps the layer rule"

breach() { # breach NAME FILE LINE EXPECTED_MESSAGE_PART
	rm -rf "$tmp/src"; mkdir -p "$tmp/src"; cp -r core "$tmp/src/"
	printf "%s\n" "$3" >>"$tmp/src/core/$2"
	if sh tools/check-layers.sh "$tmp/src" 2>"$tmp/err"; then tap 1 "$1: refused"; return; fi
	grep -qF "$4" "$tmp/err"; tap $? "$1: the message names it ($(head -1 "$tmp/err"))"
}
breach "base includes domain" base/buf.c '#include "domain/sessions.h"' 'base/ includes "domain/sessions.h" from domain/, a layer above it'
breach "store includes ledger" store/db.h '#include "ledger/ledger.h"' 'store/ includes "ledger/ledger.h"'
breach "a bare header name" domain/progress.c '#include "util.h"' 'name core headers by their layer'
breach "core includes server" render/export.c '#include "../../server/server.h"' 'outside core'"'"'s layers'
breach "core includes libmicrohttpd" domain/users.c '#include <microhttpd.h>' 'an HTTP or terminal library'
breach "SQL in a domain file" domain/certificates.c 'static void f(struct rl_db *db) { (void)rl_db_stmt(db, "SELECT 1", NULL); }' 'domain/certificates.c: runs SQL outside core/store/'
breach "a column read in render" render/portfolio.c 'static long g(struct rl_stmt *st) { return rl_col_int64(st, 0); }' 'render/portfolio.c: runs SQL outside core/store/'
breach "a store failure read after the reset" store/tally_rows.c $'static int h(struct rl_db *db, struct rl_stmt *st, struct rl_error *err)\n{\n\tint rc = rl_step(st);\n\n\trl_reset(st);\n\treturn rc == RL_DONE ? 0 : rl_db_fail(db, err, "x");\n}' 'store/tally_rows.c:'
grep -q "rl_db_fail after rl_reset" "$tmp/err"; tap $? "... the sentence says what is wrong"
# read first, then reset; or reset, then a new step that failed: both kept
rm -rf "$tmp/src"; mkdir -p "$tmp/src"; cp -r core "$tmp/src/"
printf '%s\n' 'static int h(struct rl_db *db, struct rl_stmt *st, struct rl_error *err)' '{' '	int rc = rl_step(st), r;' '' \
	'	r = rc == RL_DONE ? 0 : rl_db_fail(db, err, "x");' '	rl_reset(st);' '	if (rl_step(st) != RL_DONE)' '		r = rl_db_fail(db, err, "y");' '	rl_reset(st);' '	return r;' '}' \
	>>"$tmp/src/core/store/tally_rows.c"
sh tools/check-layers.sh "$tmp/src" 2>"$tmp/err"; tap $? "a store failure read before the reset (or after a new step) is kept"
rm -rf "$tmp/src"; mkdir -p "$tmp/src/core/misc"; cp -r core/base "$tmp/src/core/"; echo '#include "base/buf.h"' >"$tmp/src/core/misc/x.c"
sh tools/check-layers.sh "$tmp/src" 2>"$tmp/err"; [ $? = 1 ] && grep -q "not a layer" "$tmp/err"; tap $? "an unknown directory in core/ is refused"
finish
