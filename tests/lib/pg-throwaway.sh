# tests/lib/pg-throwaway.sh - a throwaway PostgreSQL cluster for the
# schema checks in tests/tools (sourced): initdb in a temporary directory
# (UTF8, C.UTF-8 as raslog's schema requires), run as an unprivileged user
# (postgres, or nobody, when the caller is root), listening only on a Unix
# socket in that directory.  (The engine's suites use tests/lib/pg.sh.)
#
#   . tests/lib/pg-throwaway.sh
#   pg_have || { echo "skip"; ...; }
#   tw_pg_start DIR     # sets PGHOST, PGPORT, PGUSER; database "raslog"
#   tw_psql -c '...'    # psql on it, stopping at the first error
#   tw_pg_stop
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

pg_have() { [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && command -v psql >/dev/null; }

tw_as() { # runs a command as the cluster's owner
	if [ "$(id -u)" = 0 ]; then setpriv --reuid="$TW_PG_USER" --regid="$(id -g "$TW_PG_USER")" --clear-groups -- "$@"
	else "$@"; fi
}

tw_pg_start() { # tw_pg_start DIR
	TW_PG_DIR=$1/pg
	TW_PG_USER=$(id -un)
	if [ "$(id -u)" = 0 ]; then
		if id postgres >/dev/null 2>&1; then TW_PG_USER=postgres; else TW_PG_USER=nobody; fi
	fi
	mkdir -p "$TW_PG_DIR" && chmod 755 "$1" && chown "$TW_PG_USER" "$TW_PG_DIR" || return 1
	# The C locale: text sorts by code point as SQLite's BINARY collation does.
	tw_as "$PG_BIN/initdb" -D "$TW_PG_DIR/data" -U raslog --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync \
		>"$TW_PG_DIR/initdb.log" 2>&1 ||
		tw_as "$PG_BIN/initdb" -D "$TW_PG_DIR/data" -U raslog --auth=trust --encoding=UTF8 --no-locale --no-sync \
		>"$TW_PG_DIR/initdb.log" 2>&1 || return 1
	tw_as "$PG_BIN/pg_ctl" -D "$TW_PG_DIR/data" -l "$TW_PG_DIR/server.log" -w \
		-o "-c listen_addresses='' -c unix_socket_directories='$TW_PG_DIR' -c fsync=off -p 5432" start >/dev/null 2>&1 || return 1
	export PGHOST=$TW_PG_DIR PGPORT=5432 PGUSER=raslog
	psql -q -X -d postgres -c 'CREATE DATABASE raslog' >/dev/null || return 1
	export PGDATABASE=raslog
}

tw_psql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

tw_pg_stop() {
	[ -n "${TW_PG_DIR:-}" ] && [ -d "$TW_PG_DIR/data" ] &&
		tw_as "$PG_BIN/pg_ctl" -D "$TW_PG_DIR/data" -m immediate stop >/dev/null 2>&1
	TW_PG_DIR=""
}
