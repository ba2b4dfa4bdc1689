# tests/lib.sh - shared helpers for the shell test scripts (sourced).
#
#   BIN=build/san/bin; . tests/lib.sh
#   start_server            # temp database, free loopback port: sets URL, DB, WORK
#   add_user NAME ROLE      # prints the new user's id; token in TOKEN_<id>
#   ok "description" CMD... / check "description" test-expression
#   finish                  # prints the plan, exits non-zero on any failure
#
# Output is TAP, so tests/run.sh can count passes and failures.

set -u
: "${BIN:?set BIN to the directory holding raslogd and raslog}"
RASLOGD="$BIN/raslogd"
RASLOG="$BIN/raslog"
TESTS_RUN=0
TESTS_FAILED=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/raslog-test.XXXXXX")
DB="$WORK/raslog.db"
# The helpers below run python3 (standard library only) hundreds of times a
# suite; a pyenv shim first on PATH costs about a second a start, Debian's
# interpreter a tenth of that.
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	mkdir -p "$WORK/.python" && ln -s /usr/bin/python3 "$WORK/.python/python3" && PATH="$WORK/.python:$PATH"
fi
# One long-lived python3 a suite (tests/lib/pyhelper.py) answers jget and
# the other small Python helpers below: a request is a loopback connection
# bash makes itself (/dev/tcp), so it costs no process where a python3 start
# cost ~80 ms of CPU, hundreds of times a suite (issue 20 item 5).  Where it
# does not run (RASLOG_TEST_PYHELPER=0, or it failed to start) they run
# python3 as before.  Its port and secret: PYH_PORT, PYH_SECRET.
PYH_PORT=""; PYH_SECRET=""; PYH_PID=""
if [ "${RASLOG_TEST_PYHELPER:-1}" = 1 ]; then
	# (Its first line, on a pipe: no polling for it.)
	exec {pyh_fd}< <(exec python3 -I "${BASH_SOURCE[0]%/*}/lib/pyhelper.py" </dev/null 2>"$WORK/pyhelper.log")
	PYH_PID=$!
	read -r PYH_PORT PYH_SECRET <&"$pyh_fd"
	exec {pyh_fd}<&-
	[ -n "$PYH_PORT" ] || echo "# tests/lib/pyhelper.py did not start: python3 for each helper call"
fi
# poll_pause SECONDS: a pause between two tries of a polling loop, a read that times out on a pipe
# nothing writes to (sleep cost a process a pause, and the server start-up waits poll every 50 ms).
exec {rl_pause_fd}<> <(:)
poll_pause() { read -rt "$1" -u "$rl_pause_fd" _ || true; }
# pyh MODE PID FIELD...: one request to the helper (tests/lib/pyhelper.py says what MODE, PID and
# the fields are); its output and error output printed and its exit status in pyh_st, or status 1
# and nothing done when there is no helper or it cannot read PID's standard input.
pyh() {
	[ -n "$PYH_PORT" ] || return 1
	{ exec {pyh_fd}<>"/dev/tcp/127.0.0.1/$PYH_PORT"; } 2>/dev/null || return 1
	printf '%s\0' "$PYH_SECRET" "$@" >&"$pyh_fd"
	pyh_st=""; pyh_out=""; pyh_err=""; pyh_kind=""
	IFS= read -r -d '' -u "$pyh_fd" pyh_st
	case $pyh_st in '' | fallback) exec {pyh_fd}>&-; return 1 ;; esac
	IFS= read -r -d '' -u "$pyh_fd" pyh_err
	IFS= read -r -N 1 -u "$pyh_fd" pyh_kind
	if [ "$pyh_kind" = r ]; then cat <&"$pyh_fd"; else
		IFS= read -r -d '' -u "$pyh_fd" pyh_out
		printf '%s' "$pyh_out"
	fi
	exec {pyh_fd}>&-
	[ -z "$pyh_err" ] || printf '%s' "$pyh_err" >&2
}
# pyrun CODE ARG...: what `python3 -c CODE ARG...` prints and its exit status, the code run by
# the helper with an empty standard input (pyrun_in: the caller's).
pyrun() { pr_code=$1; shift; pyh py - "$PWD" -c "$#" "$pr_code" "$@" && return "$pyh_st"; command python3 -c "$pr_code" "$@"; }
pyrun_in() { pr_code=$1; shift; pyh py "$BASHPID" "$PWD" -c "$#" "$pr_code" "$@" && return "$pyh_st"; command python3 -c "$pr_code" "$@"; }
# curl, as the suites and the helpers below write it (curl -s [-f] [-X METHOD] [-H HEADER]...
# [-b NAME=VALUE] [-D FILE] [-o FILE] [-w FORMAT] [--data-binary BODY] http://...), sent by the
# helper with the same bytes, leaving the same files, printing the same and with the same exit
# status (tests/lib/pyhelper.py's curl; tests/tools/test-harness.sh compares them): a curl start
# cost ~30 ms of CPU, and a suite made hundreds.  Any other form of the command (another option,
# a header curl would treat apart, an @file body, a URL curl would rewrite) runs curl itself.
curl() {
	[ -n "$PYH_PORT" ] || { command curl "$@"; return; }
	cu_s=0 cu_f=0 cu_m="" cu_o="" cu_d="" cu_w="" cu_b="" cu_body="" cu_has=0 cu_url="" cu_h=() cu_ok=1
	cu_args=("$@")
	while [ $# -gt 0 ] && [ $cu_ok = 1 ]; do
		case $1 in
		-s) cu_s=1 ;;
		-sf | -fs) cu_s=1 cu_f=1 ;;
		-f) cu_f=1 ;;
		-X | -o | -D | -w | -H | -b | --data-binary)
			if [ $# -lt 2 ]; then cu_ok=0; break; fi
			case $1 in
			-X) cu_m=$2 ;;
			-o) cu_o=$2 ;;
			-D) cu_d=$2 ;;
			-w) cu_w=$2 ;;
			-b) cu_b=$2 ;;
			--data-binary) cu_body=$2 cu_has=1 ;;
			-H)
				# A header curl sends as written: "Name: value", not one of its own nor a removal.
				case ${2%%:*} in
				[Hh][Oo][Ss][Tt] | [Uu][Ss][Ee][Rr]-[Aa][Gg][Ee][Nn][Tt] | [Aa][Cc][Cc][Ee][Pp][Tt] | [Cc][Oo][Oo][Kk][Ii][Ee] | \
					[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-[Ll][Ee][Nn][Gg][Tt][Hh] | [Ee][Xx][Pp][Ee][Cc][Tt] | \
					[Tt][Rr][Aa][Nn][Ss][Ff][Ee][Rr]-[Ee][Nn][Cc][Oo][Dd][Ii][Nn][Gg] | [Cc][Oo][Nn][Nn][Ee][Cc][Tt][Ii][Oo][Nn]) cu_ok=0 ;;
				esac
				[[ $2 =~ ^[A-Za-z0-9_-]+:\ *[^\ ] ]] || cu_ok=0
				cu_h+=("$2") ;;
			esac
			shift ;;
		http://*) [ -z "$cu_url" ] && cu_url=$1 || cu_ok=0 ;;
		*) cu_ok=0 ;;
		esac
		shift
	done
	# (Silent only; -b with a cookie, not a file; files written where the caller means them.)
	[ $cu_s = 1 ] && [ -n "$cu_url" ] && [ "$cu_o" != - ] && [ "$cu_d" != - ] && [ "$cu_m" != HEAD ] || cu_ok=0
	[ -z "$cu_b" ] || [[ $cu_b == *=* ]] || cu_ok=0
	[ -z "$cu_o" ] || [[ $cu_o == /* ]] || cu_o=$PWD/$cu_o
	[ -z "$cu_d" ] || [[ $cu_d == /* ]] || cu_d=$PWD/$cu_d
	if [ $cu_ok = 1 ]; then
		[ -z "$cu_b" ] || cu_h=("Cookie: $cu_b" "${cu_h[@]}")
		pyh curl - "$cu_m" "$cu_url" "$cu_body" "$cu_has" "$cu_o" "$cu_d" "$cu_w" "$cu_f" "${#cu_h[@]}" "${cu_h[@]}" &&
			return "$pyh_st"
	fi
	command curl "${cu_args[@]}"
}
# python3 -c CODE ARG... and python3 - ARG... (the program on standard input), as the suites
# write them, run by the helper too, unless the code uses what a process of its own would keep
# apart (the environment, the working directory, processes, sockets, threads, signals, time,
# binary output): that runs python3 itself, as does any other form of the command.
py_own_process() {
	case $1 in
	*socket* | *thread* | *subprocess* | *signal* | *fork* | *os.exec* | *_exit* | *select* | *serve* | \
	*http* | *urllib* | *environ* | *getenv* | *chdir* | *system\(* | *popen* | *input\(* | *while\ True* | \
	*asyncio* | *buffer* | *sleep* | *time.time* | *monotonic* | *atexit* | *fileinput* | *sys.path* | \
	*sys.modules* | *fileno* | *fdopen* | *os.dup* | *open\([012]* | */dev/* | */proc/* | *getpid* | \
	*multiprocessing* | *getpass* | *resource* | *faulthandler* | *breakpoint* | *pdb* | *sys.std*.reconfigure*) return 0 ;;
	esac
	return 1
}
python3() {
	case ${1:-} in
	-c)
		[ $# -ge 2 ] && ! py_own_process "$2" || { command python3 "$@"; return; }
		p3_code=$2; shift 2
		case $p3_code in *stdin*) p3_in=$BASHPID ;; *) p3_in=- ;; esac
		pyh py "$p3_in" "$PWD" -c "$#" "$p3_code" "$@" && return "$pyh_st"
		command python3 -c "$p3_code" "$@" ;;
	-)
		shift
		IFS= read -r -d '' p3_code || true
		if ! py_own_process "$p3_code" && pyh py - "$PWD" - "$#" "$p3_code" "$@"; then return "$pyh_st"; fi
		command python3 - "$@" <<<"$p3_code" ;;
	*) command python3 "$@" ;;
	esac
}
SERVER_PID=""
# RASLOG_TEST_ENGINE=postgresql: the suite's database is a new PostgreSQL
# database (PG_DB) in a throwaway cluster of its own (tests/lib/pg.sh), DB
# its URI, and RASLOGD a wrapper adding --key-dir $WORK/server-keys (a URI
# has no file to keep the keys beside; $WORK/keys is what some suites give
# demo --keys for the people's keys).  With RASLOG_TEST_PG_DIR (tests/run.sh's
# PostgreSQL pass: one cluster for every suite, see pg_shared_start) the
# database is a copy of that cluster's template database instead, dropped
# at the end: createdb takes a fraction of a second, a cluster seconds.
RASLOG_TEST_ENGINE=${RASLOG_TEST_ENGINE:-sqlite}
# A suite whose subject is the SQLite file itself says "# engine: sqlite"
# (tests/run.sh runs it once): it runs on SQLite whatever engine is asked.
grep -q '^# engine: sqlite' "$0" 2>/dev/null && RASLOG_TEST_ENGINE=sqlite
PG_DB=""
if [ "$RASLOG_TEST_ENGINE" = postgresql ] && [ -n "${RASLOG_TEST_PG_DIR:-}" ]; then
	. tests/lib/pg.sh
	PG_DB="t_${WORK##*.}"
	pg_shared_createdb "$RASLOG_TEST_PG_DIR" "$PG_DB" ||
		{ echo "# no database in the shared PostgreSQL cluster $RASLOG_TEST_PG_DIR"; rm -rf "$WORK"; exit 1; }
	DB=$(pg_uri "$PG_DB")
elif [ "$RASLOG_TEST_ENGINE" = postgresql ]; then
	. tests/lib/pg.sh
	PG_DB=raslog
	pg_start "$(mktemp -u "${TMPDIR:-/tmp}/raslog-pg.XXXXXX")" && pg_createdb raslog ||
		{ echo "# no PostgreSQL cluster for RASLOG_TEST_ENGINE=postgresql"; rm -rf "$WORK"; pg_stop; exit 1; }
	DB=$(pg_uri raslog)
	pg_psql raslog "$(cat tests/lib/pg-test-compat.sql)" >/dev/null ||
		{ echo "# cannot load tests/lib/pg-test-compat.sql"; rm -rf "$WORK"; pg_stop; exit 1; }
fi
if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then
	printf '#!/bin/sh\nexec "%s" --key-dir "%s" "$@"\n' "$RASLOGD" "$WORK/server-keys" >"$WORK/raslogd"
	chmod 0755 "$WORK/raslogd"
	RASLOGD="$WORK/raslogd"
fi
# Whether the suite's database has been made (raslogd init).
db_exists() {
	if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then [ -d "$WORK/server-keys" ]; else [ -f "$DB" ]; fi
}
# LeakSanitizer cannot run under ptrace-less sandboxes reliably; keep ASan's other checks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Every process this suite starts carries RASLOG_TEST_WORK (its own temp directory) in its
# environment, so cleanup finds each raslogd it started however it was started: one whose $! was
# a subshell's (a shell function or a pipeline run with &), one left behind when that subshell
# was killed, one whose PID no variable kept.  tests/run-step.sh checks the same of each step.
export RASLOG_TEST_WORK="$WORK"
. "${BASH_SOURCE[0]%/*}/lib/procs.sh"
# stop_pid PID [LOG]: stops the server started as PID and every process under it (when PID is a
# subshell or a wrapper, the raslogd it started is its child: that gets the SIGTERM, and the
# subshell ends with it), waits for it, and with LOG fails the suite when LOG holds a
# sanitizer report.
pid_tree() { for pt_c in $(pgrep -P "$1"); do pid_tree "$pt_c"; echo "$pt_c"; done; }
# wait_gone PID TRIES: waits until PID has ended, polling TRIES times at most (0.05 s apart).
wait_gone() {
	wg_i=0
	while kill -0 "$1" 2>/dev/null && [ $wg_i -lt "$2" ]; do wg_i=$((wg_i + 1)); poll_pause 0.05; done
}
stop_pid() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
	sp_kids=$(pid_tree "$1")
	if [ -n "$sp_kids" ]; then kill -TERM $sp_kids 2>/dev/null; else kill -TERM "$1"; fi
	wait "$1" 2>/dev/null
	# (A process under PID that outlived it, its parent gone: it is no child to wait for.)
	for sp_k in $sp_kids; do wait_gone "$sp_k" 600; done
	if [ -n "${2:-}" ] && grep -q "ERROR: \(Address\|Leak\|Undefined\)Sanitizer\|runtime error:" "$2" 2>/dev/null; then
		echo "not ok - the server reported a sanitizer error:"; sed 's/^/#   /' "$2" | head -40
		TESTS_FAILED=$((TESTS_FAILED + 1))
	fi
}
# stop_strays: stops every raslogd this suite started that is still running (cleanup's last
# word on servers: on every way out of the suite, a failed assertion's exit included).
stop_strays() {
	ss_pids=$(tagged_procs "RASLOG_TEST_WORK=$WORK" raslogd | cut -d' ' -f1)
	[ -n "$ss_pids" ] || return 0
	echo "# stopping raslogd left running by the suite: $(echo $ss_pids)"
	kill -TERM $ss_pids 2>/dev/null
	for ss_p in $ss_pids; do
		wait_gone "$ss_p" 200
		kill -KILL "$ss_p" 2>/dev/null
	done
}

cleanup() {
	stop_server
	stop_strays
	# (Every cluster the suite started, this file's or a suite's own: pg_stop alone stops the last.)
	[ "$(type -t pg_stop_all)" != function ] || pg_stop_all
	[ -z "$PYH_PID" ] || { kill "$PYH_PID" 2>/dev/null; wait "$PYH_PID" 2>/dev/null; }
	if [ -n "${RASLOG_TEST_PG_DIR:-}" ] && [ -n "$PG_DB" ]; then pg_shared_dropdb "$PG_DB"; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

tap() { # tap STATUS DESCRIPTION
	TESTS_RUN=$((TESTS_RUN + 1))
	if [ "$1" = 0 ]; then
		echo "ok $TESTS_RUN - $2"
	else
		TESTS_FAILED=$((TESTS_FAILED + 1))
		echo "not ok $TESTS_RUN - $2"
	fi
}

ok() { # ok DESCRIPTION CMD... : passes when CMD succeeds
	d=$1; shift
	if "$@" >"$WORK/out" 2>"$WORK/err"; then tap 0 "$d"; else
		tap 1 "$d"; sed 's/^/#   /' "$WORK/err" | head -5; fi
}

check() { # check DESCRIPTION EXPR... : passes when [ EXPR ] holds
	d=$1; shift
	if [ "$@" ]; then tap 0 "$d"; else tap 1 "$d"; echo "#   failed: [ $* ]"; fi
}

skip() { TESTS_RUN=$((TESTS_RUN + 1)); echo "ok $TESTS_RUN # SKIP $1"; }

free_port() {
	pyrun 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start_server() { # start_server [extra serve flags...]
	db_exists || "$RASLOGD" --db "$DB" init 2>"$WORK/init.log" || { echo "# init failed"; cat "$WORK/init.log"; exit 1; }
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
	# The per-user write budget (600 a minute) depends on how fast this
	# machine runs the suite, so functional suites serve without it; 04-http
	# tests it with an explicit --write-rate, which comes later and wins.
	"$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" --audit "$WORK/audit.log" --write-rate 0 "$@" \
		>"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	wait_healthy
	[ -n "${RASLOGD_TEST_CHECK_HOLD:-}${RASLOGD_TEST_CHECK_PAUSE:-}" ] || wait_startup_check
	export RASLOG_SERVER="$URL"
}

# wait_healthy: waits until the raslogd started as $SERVER_PID (its output in
# $WORK/server.log) answers on 127.0.0.1:$PORT; ends the test if it dies or
# does not answer.
wait_healthy() {
	wh_i=0
	until curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1; do
		wh_i=$((wh_i + 1))
		if [ $wh_i -gt 200 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "# server did not start:"; sed 's/^/#   /' "$WORK/server.log"; exit 1
		fi
		poll_pause 0.05
	done
}

# wait_startup_check: waits until the raslogd started as $SERVER_PID has said
# on stderr ($WORK/server.log) that its start-up check of the cached figures,
# which runs in the background while it serves (issue 18), has ended, so a
# suite reads the drift it names and the rows it repaired as before.
# start_server and serve_at call it, unless RASLOGD_TEST_CHECK_HOLD or
# RASLOGD_TEST_CHECK_PAUSE (the check's test hooks, server/cmd_serve.c)
# holds the check back.
wait_startup_check() {
	wc_i=0
	# (The log read with bash alone: grep -q '^raslogd: start-up check' cost a process a try.)
	until { wc_l=""; while IFS= read -r wc_l && [[ $wc_l != "raslogd: start-up check"* ]]; do :; done <"$WORK/server.log"
		[[ $wc_l == "raslogd: start-up check"* ]]; } 2>/dev/null; do
		wc_i=$((wc_i + 1))
		if [ $wc_i -gt 2400 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "# the start-up check did not end:"; sed 's/^/#   /' "$WORK/server.log" | tail -20; exit 1
		fi
		poll_pause 0.05
	done
}

# serve_at [FLAG...]: raslogd serve on 127.0.0.1:$PORT, a port chosen before
# (free_port) so that $WORK/raslog.conf, its configuration, can name it
# (public_url = http://localhost:PORT for passkeys and single sign-on); the
# audit log in $WORK/audit.log.  Waits until it answers.
serve_at() {
	RASLOG_CONFIG="$WORK/raslog.conf" "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" \
		--audit "$WORK/audit.log" "$@" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	wait_healthy
	[ -n "${RASLOGD_TEST_CHECK_HOLD:-}${RASLOGD_TEST_CHECK_PAUSE:-}" ] || wait_startup_check
}

stop_server() {
	stop_pid "$SERVER_PID" "$WORK/server.log"
	SERVER_PID=""
}

add_user() { # add_user NAME ROLES [extra flags] -> prints id; token_of ID gives the token
	n=$1; r=$2; shift 2
	email=$(echo "$n" | tr 'A-Z ' 'a-z.')"@test.raslog.org"
	out=$("$RASLOGD" --db "$DB" user add --name "$n" --email "$email" --role "$r" "$@") || return 1
	id=$(echo "$out" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
	tok=$(echo "$out" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
	# TOKEN_<id> for callers in this shell; the file for those in a $(...) subshell.
	eval "TOKEN_$id=\$tok"
	echo "$id $tok" >> "$WORK/tokens"
	echo "$id"
}

# (token_of reads the file with bash alone: the sed -n "s/^ID //p" it was cost a process a call.)
token_of() { while read -r to_id to_tok || [ -n "$to_id" ]; do [ "$to_id" != "$1" ] || printf '%s\n' "$to_tok"; done <"$WORK/tokens"; }

# api METHOD PATH TOKEN [BODY] -> body in $WORK/body, status echoed
api() {
	m=$1; p=$2; t=$3; shift 3
	if [ $# -gt 0 ]; then
		curl -s -o "$WORK/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" \
			-H 'Content-Type: application/json' --data-binary "$1" "$URL$p"
	else
		curl -s -o "$WORK/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" "$URL$p"
	fi
}

# req_to METHOD PATH TOKEN OUT [BODY] -> status echoed; body in OUT, response
# headers in $WORK/headers.  TOKEN "" or - sends no Authorization header; a
# BODY is sent as JSON.  The one request helper for replies kept in a file
# of their own (a PDF, a CSV, two replies to compare).
req_to() {
	rt_m=$1; rt_p=$2; rt_t=$3; rt_o=$4; shift 4
	rt_auth=(); rt_body=()
	[ -n "$rt_t" ] && [ "$rt_t" != - ] && rt_auth=(-H "Authorization: Bearer $rt_t")
	[ $# -gt 0 ] && rt_body=(-H 'Content-Type: application/json' --data-binary "$1")
	curl -s -D "$WORK/headers" -o "$rt_o" -w '%{http_code}' -X "$rt_m" "${rt_auth[@]}" "${rt_body[@]}" "$URL$rt_p"
}

# jget EXPR < json : python expression over the parsed value j
# (The helper evaluates EXPR as this python3 program would, on the same standard input.)
jget() {
	pyh jget "$BASHPID" "$1" && return "$pyh_st"
	command python3 -c "import json,sys; j=json.load(sys.stdin); v=$1; print(v if not isinstance(v,(dict,list)) else json.dumps(v))"
}

sql() {
	# (On SQLite a SELECT is answered by the helper as sqlite3 would answer it: no process.)
	if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then pg_psql "$PG_DB" "$1"; else
		pyh sqlite - "$DB" "$1" && return "$pyh_st"
		sqlite3 "$DB" "$1"
	fi
}

# compare_offline_view OFFLINE_JSON TOKEN: for every trainee of `raslog audit --file ... --json`'s
# output, "same" or "differ ID" (one line each, into $WORK/cmp) against the server's progress
# report for them as TOKEN's caller sees it: status, modules met, each module's status and each
# requirement's signed figure and target.
compare_offline_view() {
	: > "$WORK/cmp"
	IFS= read -r -d '' cov_py <<'PY' || true
import json, sys
off = {t["trainee"]: t["report"] for t in json.load(open(sys.argv[1]))["trainees"]}
srv = json.load(open(sys.argv[2]))
led = off[int(sys.argv[3])]
def view(r):
    return (r["status"], r["modules_met"], [(m["id"], m["status"] if m["status"] in ("met", "blocked") else "unmet",
            [(q["key"], q["signed"], q["target"]) for q in m["requirements"]]) for m in r["modules"]])
print("same" if view(srv) == view(led) else "differ %s" % sys.argv[3])
PY
	for cov_id in $(jget '" ".join(str(t["trainee"]) for t in j["trainees"])' < "$1"); do
		api GET "/api/v1/trainees/$cov_id/progress" "$2" >/dev/null
		pyrun "$cov_py" "$1" "$WORK/body" "$cov_id" >> "$WORK/cmp"
	done
}

# key_body TOKEN [SECRET_KEY|KEYFILE|new]: a POST /api/v1/keys body, {"public_key","proof"}, whose
# proof of possession (tests/js/key-proof.mjs) names the token's user and the server's public URL.
key_body() {
	kb_uid=$(curl -s -H "Authorization: Bearer $1" "$URL/api/v1/me" | jget 'j["id"]' 2>/dev/null)
	kb_uid=${kb_uid:-1} # not signed in: any id (the request is refused before the proof is read)
	kb_srv=$(curl -s "$URL/api/v1/health" | jget 'j["public_url"]')
	# (The helper's long-lived Node prints the body as node would: no Node start a key.)
	pyh node - "$PWD" tests/js/key-proof.mjs 3 "${2:-new}" "$kb_uid" "$kb_srv" && return "$pyh_st"
	node tests/js/key-proof.mjs "${2:-new}" "$kb_uid" "$kb_srv"
}

finish() {
	stop_server
	echo "1..$TESTS_RUN"
	[ "$TESTS_FAILED" = 0 ]
}

# demo_keys: seeds the demo programme, each person's signing key in
# $WORK/keys/user-ID.key and each person as a JSON line (id, name, token,
# public_key...) in $WORK/people.jsonl; ends the test if it fails.
demo_keys() {
	mkdir -p "$WORK/keys"
	"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" >"$WORK/people.jsonl" 2>"$WORK/demo.log" ||
		{ echo "# demo failed"; cat "$WORK/demo.log"; exit 1; }
}
# field NAME MEMBER: the member (token, id, public_key...) of the demo person whose line of
# $WORK/people.jsonl holds NAME, e.g. FAC=$(field "Amelia Hart" token).
field() { grep "$1" "$WORK/people.jsonl" | jget "j[\"$2\"]"; }
# tok ID, pk_of ID: demo person ID's token and public key (people.jsonl).
tok() { pyrun "import json
for l in open('$WORK/people.jsonl'):
    p=json.loads(l)
    if p['id']==$1: print(p['token'])"; }
pk_of() { pyrun "import json
for l in open('$WORK/people.jsonl'):
    p=json.loads(l)
    if p['id']==$1: print(p['public_key'])"; }

# mk VAR NAME ROLES: adds a user and sets VAR to their id (token_of gives the token).
mk() { add_user "$2" "$3" >"$WORK/id" || { echo "# user add failed"; exit 1; }; eval "$1=\$(cat \"\$WORK/id\")"; }
# req METHOD PATH AUTH [BODY|-] [extra curl args...] -> status echoed; reply in
# $WORK/body, its headers in $WORK/hdr.  AUTH is a token, "cookie:SID" or "-".
req() {
	m=$1; p=$2; a=$3; shift 3
	args=(-s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$m")
	case "$a" in
	-) ;;
	cookie:*) args+=(-b "raslog_session=${a#cookie:}") ;;
	*) args+=(-H "Authorization: Bearer $a") ;;
	esac
	if [ $# -gt 0 ]; then
		[ "$1" != - ] && args+=(-H 'Content-Type: application/json' --data-binary "$1")
		shift
	fi
	curl "${args[@]}" "$@" "$URL$p"
}
# hdr NAME: the first header NAME of the last req (case-insensitive); j EXPR: jget on its reply.
# (hdr reads the file with bash alone: it was three processes a call.)
hdr() {
	while IFS= read -r hd_l || [ -n "$hd_l" ]; do
		hd_l=${hd_l//$'\r'/}
		[[ ${hd_l,,} == "${1,,}:"* ]] || continue
		hd_l=${hd_l:${#1}+1}
		printf '%s\n' "${hd_l#"${hd_l%%[! ]*}"}"
		return 0
	done <"$WORK/hdr"
}
j() { jget "$1" <"$WORK/body"; }

# certified SESSION_ID [TOKEN]: the session's certified fields (what a sign-off
# statement carries) as TOKEN (default $FAC, the suite's faculty) sees them.
certified() {
	api GET "/api/v1/sessions/$1" "${2:-$FAC}" >/dev/null
	pyrun 'import json,sys
j=json.load(open(sys.argv[1]))
keys=["id","trainee","trainer","date","minutes","activity","platform","site","procedure","steps","role","notes","created_at"]
print(json.dumps({k:j[k] for k in keys if j.get(k) is not None}))' "$WORK/body"
}

# fixture_session USER_ID: a web session of that user made directly in the
# database (as if signed in on another device); prints the cookie value.
fixture_session() { # fixture_session USER_ID -> prints the cookie value
	# A web session row made as sign-in makes one (hash = BLAKE2b-256 of the
	# cookie's 32 bytes), on either engine.
	IFS= read -r -d '' fs_py <<'PY' || true
import base64, hashlib, os, datetime
raw = os.urandom(32)
now = datetime.datetime.now(datetime.timezone.utc)
f = lambda t: t.strftime('%Y-%m-%dT%H:%M:%SZ')
print(base64.urlsafe_b64encode(raw).decode().rstrip('='), hashlib.blake2b(raw, digest_size=32).hexdigest(),
      f(now), f(now + datetime.timedelta(hours=12)))
PY
	fs_row=$(pyrun "$fs_py")
	set -- "$1" $fs_row
	if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then fs_hash="decode('$3', 'hex')"; else fs_hash="X'$3'"; fi
	sql "insert into web_sessions(user_id, hash, created_at, last_seen_at, expires_at) values ($1, $fs_hash, '$4', '$4', '$5')" >/dev/null
	echo "$2"
}

# node_tap SCRIPT ARGS...: runs a Node script whose TAP lines go first in this
# suite (numbered from 1, ending with "# next N", the next number); its lines
# are printed, its count and failures become this suite's, and a script that
# fails without a "not ok" counts as one failure.
node_tap() {
	node "$@" >"$WORK/node.out" 2>&1
	nt_st=$?
	grep -v '^# next' "$WORK/node.out"
	TESTS_RUN=$(sed -n 's/^# next //p' "$WORK/node.out")
	TESTS_RUN=${TESTS_RUN:-0}
	TESTS_FAILED=$(grep -c '^not ok' "$WORK/node.out")
	[ $nt_st = 0 ] || [ "$TESTS_FAILED" -gt 0 ] || { TESTS_FAILED=1; echo "# the node script failed (exit $nt_st)"; }
}

# hold_write_lock: another process (python3's sqlite3) takes the SQLite database's write lock
# (BEGIN IMMEDIATE) and holds it until release_write_lock, or at most 8 s: below the server's
# 10 s busy timeout, so what waits for the lock is still waiting while a suite looks.  Returns
# once the lock is held (status 1 if it never was); write_lock_held says whether it still is.
# SQLite only: a PostgreSQL database has no file lock to hold.
hold_write_lock() {
	rm -f "$WORK/lock-held" "$WORK/lock-release" "$WORK/lock-let-go"
	command python3 - "$DB" "$WORK/lock-held" "$WORK/lock-release" "$WORK/lock-let-go" <<'PY' &
import sqlite3, sys, time, os
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
end = time.monotonic() + 8
while time.monotonic() < end and not os.path.exists(sys.argv[3]):
    time.sleep(0.02)
open(sys.argv[4], "w").close()
c.execute("ROLLBACK")
PY
	LOCK_HOLDER=$!
	for _ in $(seq 1 200); do [ -e "$WORK/lock-held" ] && break; sleep 0.02; done
	[ -e "$WORK/lock-held" ]
}
write_lock_held() { [ -e "$WORK/lock-held" ] && [ ! -e "$WORK/lock-let-go" ]; }
release_write_lock() { touch "$WORK/lock-release"; wait "$LOCK_HOLDER"; }

# audit_mark, then since_mark: the lines the server's audit log ($WORK/audit.log) gained since
# the mark; drift_events: how many of them are figures.drift events; drift_named T [REQUIREMENT]:
# how many of those name trainee T (and REQUIREMENT).
audit_mark() { MARK=$(wc -l <"$WORK/audit.log"); }
since_mark() { tail -n +$((MARK + 1)) "$WORK/audit.log"; }
drift_events() { since_mark | grep -c '"event":"figures.drift"'; }
drift_named() { since_mark | grep '"event":"figures.drift"' | grep "\"trainee\":$1," | grep -c "\"requirement\":\"${2:-}"; }
