#!/bin/bash
# tests/tools/schema-equivalence.sh - the PostgreSQL migrations
# (schema/postgresql/NNN_*.sql) build the same schema as the SQLite ones
# (schema/NNN_*.sql): the same migration numbers, the same tables, columns
# with corresponding types and NOT NULL, keys, unique constraints and
# indexes, foreign keys, and the same append-only tables refusing UPDATE,
# DELETE and an insert over an existing row on both engines
# (tests/tools/schema_compare.py).  A schema changed on one side only is
# reported by name.  Skips when PostgreSQL is not installed.
set -u
cd "$(dirname "$0")/../.." || exit 1
n=0; bad=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; bad=1; fi; }
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3
. tests/lib/pg-throwaway.sh
if ! pg_have; then
	echo "1..0 # SKIP PostgreSQL is not installed (Debian: apt-get install postgresql), so its schema cannot be compared"
	exit 0
fi
tmp=$(mktemp -d); trap 'tw_pg_stop; rm -rf "$tmp"' EXIT

nums() { for f in "$1"/[0-9][0-9][0-9]_*.sql; do basename "$f" | cut -c1-3; done; }
[ "$(nums schema)" = "$(nums schema/postgresql)" ]
tap $? "schema/postgresql has a migration for each number schema/ has ($(nums schema | tail -1) of them)"

tw_pg_start "$tmp" || { echo "# $(cat "$tmp"/pg/*.log 2>/dev/null | tail -5)"; tap 1 "a throwaway PostgreSQL cluster starts"; echo "1..$n"; exit 1; }
load() { # load DB: every PostgreSQL migration in order, each in one transaction as raslogd applies them
	tw_psql -d postgres -c "CREATE DATABASE $1" || return 1
	for f in schema/postgresql/[0-9][0-9][0-9]_*.sql; do
		PGDATABASE=$1 tw_psql -1 -f "$f" >/dev/null 2>"$tmp/load.err" || { echo "# $f: $(head -3 "$tmp/load.err")"; return 1; }
	done
}
load equiv; tap $? "the PostgreSQL migrations apply in order, each in one transaction"

PGDATABASE=equiv "$PY" tests/tools/schema_compare.py schema >"$tmp/compare.out"; st=$?
sed "s/^/# /" "$tmp/compare.out"
grep -q '^not ok' "$tmp/compare.out" && st=1
tap $st "the SQLite and PostgreSQL schemas are equivalent"

# The comparison names a difference: a copy of the PostgreSQL schema drifted seven ways.
load drift && PGDATABASE=drift tw_psql -c "ALTER TABLE users ALTER COLUMN gmc SET NOT NULL" \
	-c "ALTER TABLE sessions ALTER COLUMN notes TYPE bytea USING convert_to(notes, 'UTF8')" \
	-c "DROP INDEX sessions_pending" -c "DROP TRIGGER ledger_no_delete ON ledger" \
	-c "ALTER TABLE tokens DROP CONSTRAINT tokens_hash_key" -c "ALTER TABLE meta ADD COLUMN extra text" \
	-c "ALTER TABLE outbox DROP CONSTRAINT outbox_state_check" -c "ALTER TABLE outbox ADD CHECK (state IN ('queued', 'sent'))"
tap $? "a drifted copy of the PostgreSQL schema"
PGDATABASE=drift "$PY" tests/tools/schema_compare.py schema >"$tmp/drift.out"; st=$?
sed 's/^/# drift: /' "$tmp/drift.out" | grep '^# drift: #\|not ok'
check_drift() { grep -qF -- "$1" "$tmp/drift.out"; tap $? "drift named: $1"; }
[ $st = 1 ]; tap $? "the comparison fails on the drifted copy"
check_drift "users.gmc: NOT NULL in PostgreSQL only"
check_drift "sessions.notes: type TEXT in SQLite wants text, PostgreSQL has bytea"
check_drift "sessions: index sessions_pending (trainee_id, trainer_id, id, revision, status WHERE status='pending') differs or is missing in PostgreSQL"
check_drift "ledger: append-only in SQLite only"
check_drift "tokens: UNIQUE (hash) only in SQLite"
check_drift "meta.extra: only in PostgreSQL"
check_drift "outbox: CHECK state='queued'orstate='sending'orstate='sent'orstate='failed' only in SQLite"

echo "1..$n"
exit $bad
