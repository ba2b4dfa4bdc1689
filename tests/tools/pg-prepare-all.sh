#!/bin/bash
# tests/tools/pg-prepare-all.sh - every SQL statement in core/,
# server/ and bench/ is one PostgreSQL accepts: on a throwaway cluster holding
# schema/postgresql/*.sql, tests/tools/pg_prepare_all.py extracts each
# statement from the preprocessed C sources and PREPAREs it (parse and
# type check, as the libpq engine's PQprepare does), reporting each one
# refused with PostgreSQL's reason.  A second run over a file of
# statements SQLite alone accepts shows that the check catches them.
# Skips when PostgreSQL is not installed.  SQLite's own engine
# (core/store/sqlite.c, its PRAGMAs), the PostgreSQL engine's own queries
# (postgres.c) and raslogd migrate's reading of a SQLite source's
# catalogue (copy.c) are not checked.
set -u
cd "$(dirname "$0")/../.." || exit 1
n=0; bad=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=1; fi; }
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
. tests/lib/pg-throwaway.sh
if ! pg_have; then
	echo "1..0 # SKIP PostgreSQL is not installed (Debian: apt-get install postgresql), so the SQL cannot be checked against it"
	exit 0
fi
tmp=$(mktemp -d); trap 'tw_pg_stop; rm -rf "$tmp"' EXIT
BUILD=${BUILD:-build/san}
PKGS="sqlite3 libsodium libmicrohttpd jansson libcurl libqrencode zlib libfido2 libcbor openssl"
pkg-config --exists inih 2>/dev/null && PKGS="$PKGS inih" && DEFS=-DRASLOG_HAVE_INIH
CPPFLAGS="-std=c11 -D_GNU_SOURCE -Icore -I$BUILD/gen $(pkg-config --cflags $PKGS 2>/dev/null) ${DEFS:-}"
export CPPFLAGS

tw_pg_start "$tmp" || { tap 1 "a throwaway PostgreSQL cluster starts"; echo "1..$n"; exit 1; }
export PGDATABASE=raslog
ok=0
for f in schema/postgresql/[0-9][0-9][0-9]_*.sql; do
	tw_psql -1 -f "$f" >/dev/null 2>"$tmp/load.err" || { echo "# $f: $(head -3 "$tmp/load.err")"; ok=1; break; }
done
tap $ok "the PostgreSQL schema loads"

sources=$(ls core/*/*.c server/*.c bench/*.c | grep -v -e '^core/store/sqlite\.c$' -e '^core/store/postgres\.c$' -e '^core/store/copy\.c$')
"$PY" tests/tools/pg_prepare_all.py $sources >"$tmp/all.out"; st=$?
grep '^not ok' "$tmp/all.out" | sed 's/^not ok [0-9]* - /# refused: /'
grep '^#' "$tmp/all.out"
count=$(grep -c '^ok ' "$tmp/all.out")
[ $st = 0 ] && [ "$count" -gt 150 ]
tap $? "PostgreSQL prepares every SQL statement of core/ and server/ ($count of them)"

# The check itself: statements PostgreSQL refuses or reads differently are named.
cat >"$tmp/sqlite_only.c" <<'CEOF'
#define FLAG "(roles & 1)"
static const char *const q[] = {
	"INSERT OR IGNORE INTO curricula(code, version, title, definition, loaded_at) VALUES (?,?,?,?,?)",
	"SELECT id FROM users WHERE " FLAG " ORDER BY id",
	"SELECT json_extract(substr(message, 21), '$.v') FROM ledger WHERE idx = ?",
	"SELECT id, revoked_at IS NOT NULL FROM keys WHERE user_id = ?",
	"SELECT id FROM outbox WHERE (?2 OR next_attempt_at <= ?1)",
	"SELECT trainer_id, name FROM sessions s JOIN users u ON u.id = s.trainer_id GROUP BY s.trainer_id",
	"SELECT min(300, interval + 1) FROM device_grants",
	"SELECT count(*) FROM ledger_texts WHERE ledger_index = ?1 AND (?2 IS NULL OR member = ?2)",
};
CEOF
"$PY" tests/tools/pg_prepare_all.py "$tmp/sqlite_only.c" >"$tmp/bad.out"; st=$?
sed 's/^/# check: /' "$tmp/bad.out" | grep -v '^# check: #   '
[ $st = 1 ] && [ "$(grep -c '^not ok' "$tmp/bad.out")" = 8 ]
tap $? "each of 8 statements only SQLite accepts is reported"
grep -q 'sqlite_only.c:3: PostgreSQL refuses: syntax error at or near "OR"' "$tmp/bad.out"
tap $? "a refusal names the file, the line and PostgreSQL's reason"
grep -q 'column 1 (?column?) is a boolean' "$tmp/bad.out"
tap $? "a boolean result column is reported (it reads as t or f, not 1 or 0)"
grep -q 'parameter $2 is used as a boolean' "$tmp/bad.out"
tap $? "an integer flag parameter used as a boolean is reported"

echo "1..$n"
exit $bad
