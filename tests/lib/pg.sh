# tests/lib/pg.sh - a throwaway PostgreSQL 15 cluster for one test suite
# (sourced; bash or sh).
#
#   . tests/lib/pg.sh
#   pg_available || skip...   # whether PostgreSQL 15's programs are installed
#   pg_start DIR              # initdb DIR/data and start it; DIR must not exist
#   pg_createdb NAME          # a new empty database in it
#   pg_uri NAME               # postgresql:///NAME?host=DIR&user=raslog
#   pg_psql NAME SQL          # runs SQL, prints rows unaligned (psql -At)
#   pg_stop                   # stops the cluster and deletes DIR
#   pg_track DIR              # a cluster at DIR started otherwise (pg_ctl), for pg_stop_all
#   pg_stop_all               # stops every cluster this shell started and has not stopped
#                             # (tests/lib.sh's cleanup: on every way out of a suite)
#
# One cluster for a whole pass of suites (tests/run.sh; a new database is
# much cheaper than a new cluster):
#   pg_shared_start DIR       # pg_start DIR, plus the template database
#                             # raslog_test_template (tests/lib/pg-test-compat.sql loaded)
#   pg_shared_createdb DIR NAME   # in a suite: database NAME, a copy of the
#                             # template, in the running cluster at DIR
#   pg_shared_dropdb NAME     # drops it (at the suite's end)
#
# Each cluster is a copy of a template cluster initdb made once
# (RASLOG_PG_TEMPLATE, default $TMPDIR/raslog-pg-template-15-UID).
#
# The cluster listens only on a Unix socket in DIR (no TCP port, so suites
# running side by side cannot collide), trusts local connections as the
# superuser "raslog", and runs with fsync off but synchronous_commit on: a
# commit has reached the kernel (WAL written) before it is acknowledged, so
# a killed postmaster or raslogd (20-crash, 28-pg-failover) loses nothing
# committed; only a crash of the machine would, which no test makes of a
# throwaway cluster.  (fsync on cost the PostgreSQL pass its fsync waits.)
# PostgreSQL refuses to run as root, so as root the server runs as nobody,
# which owns DIR.  PG_BIN may point at another installation's bin directory.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
# (Sourced again, by a suite after tests/lib.sh, it forgets no cluster already started.)
PG_DIR=${PG_DIR-}
PG_STARTED=${PG_STARTED-} # the directories of the clusters pg_start started (or pg_track named), not yet stopped

pg_available() {
	[ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] && [ -x "$PG_BIN/psql" ]
}

# Runs a server-side program as the cluster's owner.
pg_as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

# initdb takes seconds on a busy machine; copying a cluster made once is
# quick.  The template (made by the first suite that needs it, renamed
# into place so suites side by side never see half of one) is never
# started itself.
PG_TEMPLATE=${RASLOG_PG_TEMPLATE:-${TMPDIR:-/tmp}/raslog-pg-template-15-$(id -u)}
pg_template() {
	[ -f "$PG_TEMPLATE/data/PG_VERSION" ] && return 0
	pgt_tmp="$PG_TEMPLATE.$$.tmp"
	rm -rf "$pgt_tmp"
	mkdir -m 0700 "$pgt_tmp" || return 1
	[ "$(id -u)" = 0 ] && chown nobody: "$pgt_tmp"
	# --no-sync: only initdb's own files (the server runs with fsync off too, above).
	if ! pg_as_owner "$PG_BIN/initdb" -D "$pgt_tmp/data" --auth=trust -U raslog -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$pgt_tmp/initdb.log" 2>&1; then
		echo "# initdb failed:" >&2; sed 's/^/#   /' "$pgt_tmp/initdb.log" >&2
		rm -rf "$pgt_tmp"
		return 1
	fi
	# Another suite may have won the race: then keep its template.
	mv -T "$pgt_tmp" "$PG_TEMPLATE" 2>/dev/null || rm -rf "$pgt_tmp"
	[ -f "$PG_TEMPLATE/data/PG_VERSION" ]
}

pg_start() { # pg_start DIR
	PG_DIR=$1
	if ! pg_available; then
		echo "# PostgreSQL 15 is not installed ($PG_BIN/initdb missing)" >&2
		return 1
	fi
	mkdir -m 0700 "$PG_DIR" || return 1
	[ "$(id -u)" = 0 ] && chown nobody: "$PG_DIR"
	pg_track "$PG_DIR"
	pg_template || return 1
	cp -a "$PG_TEMPLATE/data" "$PG_DIR/data" || return 1
	cat >>"$PG_DIR/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
unix_socket_permissions = 0700
fsync = off
synchronous_commit = on
shared_buffers = 16MB
max_connections = ${PG_MAX_CONNECTIONS:-100}
log_min_messages = warning
EOF
	if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 start \
		>"$PG_DIR/pg_ctl.log" 2>&1; then
		echo "# PostgreSQL did not start:" >&2; sed 's/^/#   /' "$PG_DIR/server.log" >&2
		return 1
	fi
}

pg_createdb() { # pg_createdb NAME
	"$PG_BIN/createdb" -h "$PG_DIR" -U raslog "$1"
}

pg_uri() { # pg_uri NAME
	echo "postgresql:///$1?host=$PG_DIR&user=raslog"
}

pg_psql() { # pg_psql NAME SQL
	"$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$PG_DIR" -U raslog -d "$1" -c "$2"
}

pg_shared_start() { # pg_shared_start DIR
	PG_MAX_CONNECTIONS=${PG_MAX_CONNECTIONS:-300} pg_start "$1" && pg_createdb raslog_test_template &&
		pg_psql raslog_test_template "$(cat tests/lib/pg-test-compat.sql)" >/dev/null
}

PG_SHARED_AT=${PG_SHARED_AT-} # the run's cluster a suite has its database in (pg_shared_createdb)
pg_shared_createdb() { # pg_shared_createdb DIR NAME
	PG_DIR=$1
	PG_SHARED_AT=$1
	"$PG_BIN/createdb" -h "$PG_DIR" -U raslog -T raslog_test_template "$2"
}

pg_shared_dropdb() { # pg_shared_dropdb NAME
	"$PG_BIN/dropdb" -h "${PG_SHARED_AT:-$PG_DIR}" -U raslog --if-exists --force "$1"
}

pg_track() { # pg_track DIR
	case " $PG_STARTED " in *" $1 "*) ;; *) PG_STARTED="$PG_STARTED $1" ;; esac
}

# pg_stop_dir DIR: stops the cluster at DIR and deletes DIR.
# (A suite in a shared cluster never stops it: tests/run.sh does.)
pg_stop_dir() {
	[ -n "$1" ] && [ "$1" != "$PG_SHARED_AT" ] || return 0
	if [ -d "$1/data" ]; then
		pg_as_owner "$PG_BIN/pg_ctl" -D "$1/data" -m immediate -w stop >/dev/null 2>&1
	fi
	rm -rf "$1"
	psd_left=""
	for psd_d in $PG_STARTED; do [ "$psd_d" = "$1" ] || psd_left="$psd_left $psd_d"; done
	PG_STARTED=$psd_left
}

pg_stop() {
	[ -n "$PG_DIR" ] || return 0
	[ "$PG_DIR" != "$PG_SHARED_AT" ] || return 0
	pg_stop_dir "$PG_DIR"
	PG_DIR=""
}

pg_stop_all() {
	for psa_d in $PG_STARTED; do pg_stop_dir "$psa_d"; done
	PG_DIR=""
}
