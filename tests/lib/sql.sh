#!/bin/sh
# tests/lib/sql.sh DB SQL - runs one SQL statement on a suite's database,
# on whichever engine holds it: DB is a SQLite file (the sqlite3 shell) or
# a postgresql:// URI (psql, rows printed unaligned as the sqlite3 shell
# prints them).  For test programs that are not shell (the browser tests
# in Node); a shell suite has tests/lib.sh's sql.  On PostgreSQL the
# database is a suite's, with tests/lib/pg-test-compat.sql loaded.
case "$1" in
postgresql://* | postgres://*)
	exec "${PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" ;;
*)
	exec sqlite3 "$1" "$2" ;;
esac
