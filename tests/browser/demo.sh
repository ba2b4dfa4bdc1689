# tests/browser/demo.sh - sourced first by the browser runners that drive
# the demo programme (run.sh, admin.sh, figures.sh, imports.sh) with their
# BIN argument: tests/browser/lib.sh, the demo seeded (each person's
# signing key in $WORK/keys/user-ID.key, each person a line of
# $WORK/people.jsonl) and raslogd serving web/ on $URL; token NAME gives a
# demo person's token.
#
# Seeding costs seconds of the sanitizer build, so run.sh (which sets
# demo_keep_seed=1 before sourcing this) keeps a copy of the freshly seeded
# demo in $WORK/demo-seed and exports RASLOG_BROWSER_SEED; the runners it
# starts after its own test (admin.sh, figures.sh, imports.sh) start from a copy of
# that: the SQLite file with its head and key files, or on PostgreSQL a
# database made from the seeded one as its template (createdb -T) with the
# server's key directory.  A runner started alone seeds its own.
. tests/browser/lib.sh
# demo_seed_usable: whether RASLOG_BROWSER_SEED is a seed this engine can start from.
demo_seed_usable() {
	[ -n "${RASLOG_BROWSER_SEED:-}" ] && [ -f "$RASLOG_BROWSER_SEED/people.jsonl" ] || return 1
	if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then
		[ -n "${RASLOG_TEST_PG_DIR:-}" ] && [ -f "$RASLOG_BROWSER_SEED/pgdb" ]
	else
		[ -f "$RASLOG_BROWSER_SEED/raslog.db" ]
	fi
}
if demo_seed_usable; then
	cp -R "$RASLOG_BROWSER_SEED/keys" "$RASLOG_BROWSER_SEED/people.jsonl" "$WORK/"
	if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then
		cp -R "$RASLOG_BROWSER_SEED/server-keys" "$WORK/"
		pg_shared_dropdb "$PG_DB" &&
			"$PG_BIN/createdb" -h "$PG_DIR" -U raslog -T "$(cat "$RASLOG_BROWSER_SEED/pgdb")" "$PG_DB" ||
			{ echo "not ok 1 - a copy of the seeded demo database"; exit 1; }
	else
		# The database with whatever beside it shares its name (raslog.db.head, raslog.db.keys/).
		cp -R "$RASLOG_BROWSER_SEED"/raslog.db* "$WORK/"
	fi
else
	mkdir -p "$WORK/keys"
	"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" >"$WORK/people.jsonl" 2>"$WORK/demo.log" ||
		{ echo "not ok 1 - raslogd demo"; sed 's/^/#   /' "$WORK/demo.log"; exit 1; }
	if [ "${demo_keep_seed:-0}" = 1 ]; then
		# Kept before anyone changes it (the server is not started yet).
		RASLOG_BROWSER_SEED="$WORK/demo-seed"
		mkdir -p "$RASLOG_BROWSER_SEED"
		cp -R "$WORK/keys" "$WORK/people.jsonl" "$RASLOG_BROWSER_SEED/"
		if [ "$RASLOG_TEST_ENGINE" = postgresql ] && [ -n "${RASLOG_TEST_PG_DIR:-}" ]; then
			cp -R "$WORK/server-keys" "$RASLOG_BROWSER_SEED/"
			"$PG_BIN/createdb" -h "$PG_DIR" -U raslog -T "$PG_DB" "${PG_DB}_seed" &&
				echo "${PG_DB}_seed" >"$RASLOG_BROWSER_SEED/pgdb"
		elif [ "$RASLOG_TEST_ENGINE" != postgresql ]; then
			cp -R "$WORK"/raslog.db* "$RASLOG_BROWSER_SEED/"
		fi
		export RASLOG_BROWSER_SEED
	fi
fi
start_server --web web
token() { grep "$1" "$WORK/people.jsonl" | jget 'j["token"]'; }
