#!/bin/bash
# engine: sqlite (its subject is the SQLite file itself: it reads or changes it with sqlite3; tests/run.sh runs it once)
# 26-migrate.sh - raslogd migrate (issue 20 item 4): a programme's database
# moves to a new database, keys and all.  The copy has every table's rows,
# the same signed ledger head, and a server on it reports the same figures
# (raslog audit passes, each trainee's progress is the same reply); the
# source is only read.  Refused, changing nothing: a target that exists,
# the same database twice, a source that is not a SQLite file, a source
# that does not exist.  When the suite has a PostgreSQL cluster
# (tests/lib/pg.sh), the same copy is made into a new PostgreSQL database
# and checked the same way.
. "$(dirname "$0")/../lib.sh"

"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" > "$WORK/people.jsonl" 2>/dev/null
FAC=$(field "Amelia Hart" token)
before_src=$(sha256sum "$DB" | cut -d' ' -f1)

# The figures as the server on the source reports them.
start_server
"$RASLOG" --token "$FAC" audit --json > "$WORK/audit-src.json" 2>/dev/null
check "the source audits clean" "$(jget 'j["ok"]' < "$WORK/audit-src.json")" = True
trainees=$(sql "select id from users where roles & 1 <> 0 and curriculum_id is not null order by id")
for t in $trainees; do
	api GET "/api/v1/trainees/$t/progress" "$FAC" >/dev/null
	jget 'j' < "$WORK/body" >> "$WORK/progress-src.json"
done
stop_server

COPY="$WORK/copy.db"
"$RASLOGD" migrate --from "$DB" --to "$COPY" > "$WORK/out" 2>"$WORK/err"
check "migrate to a new SQLite file succeeds" "$?" = 0
check "it says the ledger has the same signed head on both" "$(grep -c 'same signed head on both' "$WORK/out")" = 1
check "the source was only read" "$(sha256sum "$DB" | cut -d' ' -f1)" = "$before_src"
check "the keys came along, private, the same files as the source's" \
	"$(stat -c %a "$COPY.keys")/$(ls "$COPY.keys" | tr '\n' ' ')" = "700/$(ls "$DB.keys" | tr '\n' ' ')"
same_rows=0; tables=0
for tb in $(sqlite3 "$DB" "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"); do
	tables=$((tables + 1))
	[ "$(sqlite3 "$DB" "select count(*) from $tb")" = "$(sqlite3 "$COPY" "select count(*) from $tb")" ] &&
		same_rows=$((same_rows + 1))
done
check "every table has as many rows in the copy ($same_rows of $tables)" "$same_rows" = "$tables"
ledger_sum() { sqlite3 "$1" "select idx, kind, hex(message), hex(public_key), hex(signature) from ledger order by idx" | sha256sum; }
check "the ledger's entries are the same bytes" "$(ledger_sum "$COPY")" = "$(ledger_sum "$DB")"

# A server on the copy reports the same figures, and its ledger verifies.
DB_SRC=$DB; DB=$COPY
start_server
ok "raslog verify passes on the copy" "$RASLOG" --token "$FAC" verify
"$RASLOG" --token "$FAC" audit --json > "$WORK/audit-copy.json" 2>/dev/null
check "the copy audits clean" "$(jget 'j["ok"]' < "$WORK/audit-copy.json")" = True
for t in $trainees; do
	api GET "/api/v1/trainees/$t/progress" "$FAC" >/dev/null
	jget 'j' < "$WORK/body" >> "$WORK/progress-copy.json"
done
check "every trainee's progress is the same reply ($(echo $trainees | wc -w) trainees)" \
	"$(sha256sum < "$WORK/progress-copy.json")" = "$(sha256sum < "$WORK/progress-src.json")"
check "the copy takes writes (a new session)" \
	"$(api POST /api/v1/sessions "$(field "Tomasz Nowak" token)" \
		"{\"date\":\"2026-11-01\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$(sqlite3 "$COPY" "select trainer_id from assignments where trainee_id = $(field "Tomasz Nowak" id) limit 1")}")" = 201
stop_server
DB=$DB_SRC

# Refusals change nothing.
copy_sum=$(sha256sum "$COPY" | cut -d' ' -f1)
"$RASLOGD" migrate --from "$DB" --to "$COPY" > /dev/null 2>"$WORK/err"
check "a target that exists is refused (exit $?)" "$?" != 0
check "saying so in one sentence" "$(grep -c 'already exists' "$WORK/err")/$(wc -l < "$WORK/err")" = "1/1"
check "and the existing target is unchanged" "$(sha256sum "$COPY" | cut -d' ' -f1)" = "$copy_sum"
"$RASLOGD" migrate --from "$DB" --to "$DB" > /dev/null 2>"$WORK/err"
check "the same database twice is refused" "$(grep -c 'same database' "$WORK/err")" = 1
"$RASLOGD" migrate --from "postgresql:///x" --to "$WORK/n.db" > /dev/null 2>"$WORK/err"
check "a source that is not a SQLite file is refused" "$(grep -c 'SQLite database file' "$WORK/err")" = 1
"$RASLOGD" migrate --from "$WORK/missing.db" --to "$WORK/n2.db" > /dev/null 2>"$WORK/err"
check "a missing source is refused ($(head -c 80 "$WORK/err"))" "$(grep -c 'no database' "$WORK/err")" = 1
check "and leaves no target or key directory behind" "$(ls "$WORK" | grep -c '^n2\.db')" = 0
"$RASLOGD" migrate --from "$DB" > /dev/null 2>"$WORK/err"
check "--to is required" "$(grep -c -- '--to' "$WORK/err")" -ge 1

# Into PostgreSQL: the same checks against a new database of a throwaway cluster.
. "$(dirname "$0")/../lib/pg.sh"
if ! pg_available; then
	skip "PostgreSQL 15 is not installed: no migration into it to test"
	finish; exit
fi
chmod 711 "$WORK"
pg_start "$WORK/pg" >/dev/null || { echo "not ok - PostgreSQL did not start"; exit 1; }
pg_createdb raslog
PGURI=$(pg_uri raslog)
"$RASLOGD" --key-dir "$WORK/pg-keys" migrate --from "$DB" --to "$PGURI" > "$WORK/out" 2>"$WORK/err"
check "migrate into PostgreSQL succeeds ($(head -c 120 "$WORK/err"))" "$?" = 0
check "  ...with the same signed head on both" "$(grep -c 'same signed head on both' "$WORK/out")" = 1
same=0
for tb in $(sqlite3 "$DB" "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"); do
	[ "$(sqlite3 "$DB" "select count(*) from $tb")" = "$(pg_psql raslog "select count(*) from $tb")" ] && same=$((same + 1))
done
check "  ...every table has as many rows in PostgreSQL ($same of $tables)" "$same" = "$tables"
check "  ...the ledger's entries are the same bytes" \
	"$(pg_psql raslog "select idx || '|' || kind || '|' || upper(encode(convert_to(message, 'UTF8'), 'hex')) || '|' || upper(encode(public_key, 'hex')) || '|' || upper(encode(signature, 'hex')) from ledger order by idx" | tr '|' '|' | sha256sum)" = \
	"$(sqlite3 "$DB" "select idx || '|' || kind || '|' || hex(message) || '|' || hex(public_key) || '|' || hex(signature) from ledger order by idx" | sha256sum)"
P=$(free_port)
"$RASLOGD" --db "$PGURI" --key-dir "$WORK/pg-keys" serve --listen "127.0.0.1:$P" --write-rate 0 >"$WORK/pg-server.log" 2>&1 &
PGPID=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$P/api/v1/health" >/dev/null && break; sleep 0.05; done
ok "raslog verify passes on the PostgreSQL copy" "$RASLOG" --server "http://127.0.0.1:$P" --token "$FAC" verify
"$RASLOG" --server "http://127.0.0.1:$P" --token "$FAC" audit --json > "$WORK/audit-pg.json" 2>/dev/null
check "  ...it audits clean" "$(jget 'j["ok"]' < "$WORK/audit-pg.json")" = True
rm -f "$WORK/progress-pg.json"
for t in $trainees; do
	curl -s -H "Authorization: Bearer $FAC" "http://127.0.0.1:$P/api/v1/trainees/$t/progress" | jget 'j' >> "$WORK/progress-pg.json"
done
check "  ...every trainee's progress is the same reply" \
	"$(sha256sum < "$WORK/progress-pg.json")" = "$(sha256sum < "$WORK/progress-src.json")"
check "  ...and it takes writes (identity sequences moved past the copied keys)" \
	"$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(field "Tomasz Nowak" token)" -H 'Content-Type: application/json' \
		-d "{\"date\":\"2026-11-01\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$(sqlite3 "$DB" "select trainer_id from assignments where trainee_id = $(field "Tomasz Nowak" id) limit 1")}" \
		"http://127.0.0.1:$P/api/v1/sessions")" = 201
kill -TERM "$PGPID"; wait "$PGPID" 2>/dev/null
"$RASLOGD" --key-dir "$WORK/pg-keys2" migrate --from "$DB" --to "$PGURI" > /dev/null 2>"$WORK/err"
check "a PostgreSQL database that holds data is refused ($(head -c 90 "$WORK/err"))" "$(grep -c 'already holds data' "$WORK/err")" = 1
check "  ...and the keys it would have copied are not left behind" "$(ls "$WORK" | grep -c '^pg-keys2$')" = 0
pg_stop

finish
