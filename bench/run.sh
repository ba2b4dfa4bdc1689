#!/bin/sh
# run.sh - the benchmark harness behind `make bench` (see bench/README.md).
#
# Builds the bench programs, runs every scenario BENCH_RUNS times against
# raslog and against its baselines in the same run (the machine is shared
# and noisy, so only ratios measured side by side mean anything), appends
# one line per measurement to bench/out/raw.txt, and has bench/report.py
# turn those into bench/out/results.json and a table.
#
# Settings (environment):
#   BENCH_RUNS=3          runs per measurement; the report takes the median
#   BENCH_DURATION=5      seconds per wrk run
#   BENCH_CONNECTIONS=64  wrk connections;  BENCH_THREADS=2  wrk threads
#   BENCH_SCALE=default   or "full" for the big data set
#   BENCH_TRAINEES=N, BENCH_SESSIONS=M  override the scale's data set
#   BENCH_ONLY="1 5"      run only these scenarios
#   BENCH_PORT=18700      first of the loopback ports used
#   BENCH_TMPDIR=DIR      where the temporary databases go (default $TMPDIR
#                         or /tmp; it must be a real disk for FULL to mean
#                         anything, not tmpfs)
#   BENCH_KEEP=1          keep the temporary directory (logs, databases)
#   BENCH_RASLOGD=FILE    the raslogd to measure (default bin/raslogd)
#   BENCH_SEEDED=DIR      keep the seeded data set in DIR and reuse it
#                         (seeded there the first time, copied after)
#
# Measurement lines in raw.txt:  MEASURE RUN key=value ...
# Skipped work:                   skip MEASURE reason...
set -u

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
BENCH=$ROOT/bench
OUT=$BENCH/out
RAW=$OUT/raw.txt
RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-5}
CONNS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_THREADS:-2}
SCALE=${BENCH_SCALE:-default}
ONLY=${BENCH_ONLY:-}
PORT_BASE=${BENCH_PORT:-18700}
RASLOGD=${BENCH_RASLOGD:-$ROOT/bin/raslogd}
# Scenario 1 logs thousands of sessions per trainee with one trainer; the
# pending cap (50 per trainee per trainer) would turn them into 409s.
export RASLOG_MAX_PENDING=${RASLOG_MAX_PENDING:-1000000}
# wrk's connections all come from 127.0.0.1 and write as fast as they can:
# lift raslogd's per-address connection cap and its per-user write budget,
# which exist for clients that are not a benchmark.
SERVE_FLAGS="--max-per-address 100000 --write-rate 0"

if [ "$SCALE" = full ]; then
	PROGRESS_TRAINEES=10000
	PROGRESS_SESSIONS=1000000
else
	PROGRESS_TRAINEES=1000
	PROGRESS_SESSIONS=100000
fi
# BENCH_TRAINEES / BENCH_SESSIONS override the scale's data set (a shared,
# loaded machine may not seed the full million in the time it has).
PROGRESS_TRAINEES=${BENCH_TRAINEES:-$PROGRESS_TRAINEES}
PROGRESS_SESSIONS=${BENCH_SESSIONS:-$PROGRESS_SESSIONS}
# Polls of GET /health (10 ms apart) before a server counts as failed to
# start: raslogd answered only after its start-up check of every cached figure
# (it runs in the background since issue 18; the older raslogd one may measure does not).
START_TRIES=6000
[ "$SCALE" = full ] && START_TRIES=30000
LOG_TRAINEES=16   # scenario 1: a mix of trainees ...
LOG_TRAINERS=4    # ... and the trainers they name

say() { printf '%s\n' "bench: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in wrk curl cc make; do
	command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (make deps)"
done
# The real interpreter, not a shim that would add its own start-up to the peer's.
PYTHON=$(${PYTHON:-python3} -c 'import sys; print(sys.executable)') ||
	die "python3 is not installed"

mkdir -p "$OUT" || exit 1
make --no-print-directory -s -C "$BENCH" >&2 || die "could not build bench/out/bare"
# seed, presign and sodium-verify link raslog's core library (scenarios 2, 3, 4, 7).
TOOLS=0
if [ -f "$ROOT/build/release/libraslog.a" ]; then
	make --no-print-directory -s -C "$BENCH" raslog-tools >&2 && TOOLS=1
fi
S2_RATE=${BENCH_S2_RATE:-25000}   # pre-signed bodies per second of each scenario-2 run
S9_RATE=${BENCH_S9_RATE:-5000}    # the same for scenario 9's sign-off ingest

TMP=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/raslog-bench.XXXXXX") ||
	die "cannot make a temporary directory"
STARTED=""   # names of the servers running now, for cleanup

cleanup() {
	for c_name in $STARTED; do
		stop_server "$c_name" quiet
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "kept $TMP"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

: > "$RAW"
{
	echo "meta date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "meta runs=$RUNS duration_s=$DURATION connections=$CONNS wrk_threads=$WRK_THREADS scale=$SCALE trainees=$PROGRESS_TRAINEES sessions=$PROGRESS_SESSIONS"
	echo "meta tmp_fs=$(df -PT "$TMP" | awk 'NR==2 {print $2}')"
	echo "meta commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "meta load_start=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)"
} >> "$RAW"

record() { echo "$*" >> "$RAW"; }
skip() {
	measure=$1
	shift
	record "skip $measure $*"
	say "skipped $measure: $*"
}
wants() {
	[ -z "$ONLY" ] && return 0
	for o_s in $ONLY; do [ "$o_s" = "$1" ] && return 0; done
	return 1
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# --- servers -------------------------------------------------------------

# start_server NAME PORT CMD...: starts CMD in the background, waits until
# GET /api/v1/health answers 200, and records the cold start (spawn to first
# answer; polled every 10 ms with curl, whose start-up counts too) under s6.NAME.
start_server() {
	ss_name=$1
	ss_port=$2
	shift 2
	if curl -s -o /dev/null "http://127.0.0.1:$ss_port/" 2>/dev/null; then
		say "port $ss_port is already in use (set BENCH_PORT)"
		return 1
	fi
	INSTANCE=$((INSTANCE + 1))
	echo "$INSTANCE" > "$TMP/$ss_name.instance"
	ss_t0=$(now_ms)
	"$@" > "$TMP/$ss_name.log" 2>&1 &
	ss_pid=$!
	echo "$ss_pid" > "$TMP/$ss_name.pid"
	echo "$ss_port" > "$TMP/$ss_name.port"
	STARTED="$STARTED $ss_name"
	ss_tries=0
	until curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$ss_port/api/v1/health"; do
		if ! kill -0 "$ss_pid" 2>/dev/null; then
			say "$ss_name exited before answering; its log:"
			tail -n 20 "$TMP/$ss_name.log" >&2
			rm -f "$TMP/$ss_name.pid"
			STARTED=$(echo "$STARTED" | sed "s/ $ss_name\$//; s/ $ss_name / /")
			return 1
		fi
		ss_tries=$((ss_tries + 1))
		if [ "$ss_tries" -gt "$START_TRIES" ]; then
			say "$ss_name did not answer on port $ss_port within $((START_TRIES / 100)) s or more"
			stop_server "$ss_name" quiet
			return 1
		fi
		sleep 0.01
	done
	record "s6.$ss_name $INSTANCE cold_start_ms=$(( $(now_ms) - ss_t0 ))"
}

INSTANCE=0   # counts server starts; names the s6 measurements

# wait_checked NAME: waits (up to 5 minutes) for raslogd's start-up check
# of the cached figures to say how it ended, so that a scenario measuring
# steady-state writes does not share the cores with the check's one pass
# over every trainee (scenario 2's pending database: ~10 s).  The check's
# cost is the cold start's (scenario 6), not the ingest's.
wait_checked() {
	wc_tries=0
	until grep -q 'start-up check: \|cannot start the start-up check' "$TMP/$1.log" 2>/dev/null; do
		wc_tries=$((wc_tries + 1))
		if [ "$wc_tries" -gt 3000 ]; then
			say "$1: the start-up check did not end within 5 minutes; measuring anyway"
			return 0
		fi
		sleep 0.1
	done
}

# stop_server NAME [quiet]: records the peak resident memory of the whole
# run (VmHWM) under s6.NAME, then stops it with SIGTERM (SIGKILL after 10 s).
stop_server() {
	st_name=$1
	[ -f "$TMP/$st_name.pid" ] || return 0
	st_pid=$(cat "$TMP/$st_name.pid")
	rm -f "$TMP/$st_name.pid"
	STARTED=$(echo "$STARTED" | sed "s/ $st_name\$//; s/ $st_name / /")
	if [ "${2:-}" != quiet ]; then
		st_hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$st_pid/status" 2>/dev/null)
		[ -n "$st_hwm" ] && record "s6.$st_name $(cat "$TMP/$st_name.instance")" \
			"peak_rss_mib=$(awk "BEGIN {printf \"%.1f\", $st_hwm / 1024}")"
	fi
	kill -TERM "$st_pid" 2>/dev/null
	st_i=0
	while kill -0 "$st_pid" 2>/dev/null && [ "$st_i" -lt 500 ]; do
		sleep 0.02
		st_i=$((st_i + 1))
	done
	if kill -0 "$st_pid" 2>/dev/null; then
		say "$st_name ignored SIGTERM; killing it"
		kill -KILL "$st_pid" 2>/dev/null
	fi
	wait "$st_pid" 2>/dev/null
	return 0
}

port_of() { cat "$TMP/$1.port"; }
# alias_port NAME ALIAS...: measurements named ALIAS go to server NAME.
alias_port() {
	ap_name=$1
	shift
	for ap_a in "$@"; do cp "$TMP/$ap_name.port" "$TMP/$ap_a.port"; done
}

# run_wrk MEASURE RUN CREDS SCRIPT URL [CONNECTIONS [SECONDS]]: one wrk run;
# appends its RESULT line (see bench/lua/common.lua) to raw.txt.
run_wrk() {
	w_measure=$1 w_run=$2 w_creds=$3 w_script=$4 w_url=$5
	w_conns=${6:-$CONNS}
	w_secs=${7:-$DURATION}
	w_threads=$WRK_THREADS
	[ "$w_conns" -lt "$w_threads" ] && w_threads=$w_conns
	w_log="$TMP/wrk.$w_measure.$w_run.log"
	BENCH_CREDS=$w_creds BENCH_BODIES="${BODIES_DIR:-$TMP/s2}/bodies.$w_run" BENCH_THREADS_TOTAL=$w_threads wrk -t"$w_threads" -c"$w_conns" -d"${w_secs}s" --timeout 10s \
		-s "$BENCH/lua/$w_script" "$w_url" > "$w_log" 2>&1
	w_line=$(grep '^RESULT ' "$w_log" | tail -n 1)
	if [ -z "$w_line" ]; then
		say "wrk gave no result for $w_measure (run $w_run):"
		tail -n 5 "$w_log" >&2
		[ "$w_run" = warmup ] || record "$w_measure $w_run failed=1"
		return 1
	fi
	[ "$w_run" = warmup ] && return 0
	record "$w_measure $w_run ${w_line#RESULT }"
	say "$w_measure run $w_run: ${w_line#RESULT }"
}

# db_size MEASURE FILE: checkpoints the database and records its size per
# million rows of its sessions table.
db_size() {
	"$PYTHON" - "$2" >> "$RAW" <<EOF || say "could not measure the size of $2"
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
n = c.execute("SELECT count(*) FROM sessions").fetchone()[0]
c.close()
size = os.path.getsize(sys.argv[1])
if n:
    print("$1 1 sessions=%d bytes=%d mib_per_million=%.1f" % (n, size, size / n * 1e6 / 1048576))
EOF
}

# --- raslog --------------------------------------------------------------

raslog_missing() {
	[ -x "$RASLOGD" ] && return 1
	return 0
}

# raslog_skip MEASURE REASON: skips a raslog measurement, for REASON or,
# first of all, because there is no raslogd to measure.
raslog_skip() {
	if raslog_missing; then
		skip "$1" "bin/raslogd not built"
	else
		skip "$1" "$2"
	fi
}

# raslog_user DB CREDS KIND ARGS...: `raslogd user add`, appending the new
# account to the credentials file in bench/lua/common.lua's format.
raslog_user() {
	u_db=$1 u_creds=$2 u_kind=$3
	shift 3
	u_json=$("$RASLOGD" --db "$u_db" user add "$@" 2>>"$TMP/raslog-setup.log") || return 1
	u_id=$(printf '%s' "$u_json" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p')
	u_token=$(printf '%s' "$u_json" | sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
	[ -n "$u_id" ] || { say "raslogd user add printed no id: $u_json"; return 1; }
	[ "$u_kind" = trainer ] && u_token=-
	echo "$u_kind $u_id ${u_token:--}" >> "$u_creds"
}

# raslog_setup DB CREDS TRAINEES TRAINERS: a fresh database with one
# faculty member, the trainers and the trainees.
raslog_setup() {
	rs_db=$1 rs_creds=$2
	echo "# raslogd credentials: kind id token" > "$rs_creds"
	"$RASLOGD" --db "$rs_db" init > "$TMP/raslog-setup.log" 2>&1 || return 1
	raslog_user "$rs_db" "$rs_creds" faculty --name "Bench Faculty" \
		--email faculty@bench.invalid --role faculty || return 1
	rs_i=1
	while [ "$rs_i" -le "$4" ]; do
		raslog_user "$rs_db" "$rs_creds" trainer --name "Bench Trainer $rs_i" \
			--email "trainer$rs_i@bench.invalid" --role trainer || return 1
		rs_i=$((rs_i + 1))
	done
	rs_i=1
	while [ "$rs_i" -le "$3" ]; do
		raslog_user "$rs_db" "$rs_creds" trainee --name "Bench Trainee $rs_i" \
			--email "trainee$rs_i@bench.invalid" --role trainee \
			--site "Leeds Robotics Skills Lab" || return 1
		rs_i=$((rs_i + 1))
	done
}

# --- scenarios -----------------------------------------------------------

# script_for NAME DEFAULT: the wrk script for server NAME ($SCRIPT_NAME if set).
script_for() {
	eval "sf_s=\${SCRIPT_$1:-}"
	echo "${sf_s:-$2}"
}

# seeded_db: the scale data set of scenarios 3, 4 and 7, seeded once by
# bench/out/seed through raslog's own code path into $TMP/seeded/raslog.db
# (credentials in raslog.creds); records s7.raslog_seed.  Fails if the
# seeder could not be built or failed.
#
# With BENCH_SEEDED=DIR the data set is kept in DIR and reused: a DIR that
# holds one (seed.settings, written last) is copied instead of seeded, a
# DIR that holds none is seeded first (the seeding measured as usual),
# then copied; either way the scenarios run on the copy, so DIR stays as
# the seeder left it.  A DIR seeded for another scale is refused.
SEEDED=0
SEEDED_DIR=${BENCH_SEEDED:-}
seed_into() {
	si_dir=$1
	mkdir -p "$si_dir" || return 1
	say "seeding $PROGRESS_TRAINEES trainees, $PROGRESS_SESSIONS signed sessions (bench/out/seed)"
	# The seeder's progress (a line a second) is shown as it comes and kept in seed.log.
	sd_line=$( { "$BENCH/out/seed" --db "$si_dir/raslog.db" --trainees "$PROGRESS_TRAINEES" \
		--sessions "$PROGRESS_SESSIONS" --creds-out "$si_dir/raslog.creds" \
		--keys-out "$si_dir/raslog.keys" 2>&1 >&3 | tee "$si_dir/seed.log" >&2; } 3>&1 |
		grep '^RESULT ')
	[ -n "$sd_line" ] || { say "the seeder failed"; return 1; }
	record "s7.raslog_seed 1 ${sd_line#RESULT }"
	echo "$sd_line" > "$si_dir/seed.result"
}
seeded_db() {
	[ "$SEEDED" = 1 ] && return 0
	[ "$SEEDED" = failed ] && return 1
	SEEDED=failed
	[ "$TOOLS" = 1 ] || [ -n "$SEEDED_DIR" ] || { say "bench/out/seed not built (needs build/release/libraslog.a)"; return 1; }
	if [ -z "$SEEDED_DIR" ]; then
		seed_into "$TMP/seeded" || return 1
	else
		sd_want="trainees=$PROGRESS_TRAINEES sessions=$PROGRESS_SESSIONS"
		if [ ! -f "$SEEDED_DIR/seed.settings" ]; then
			[ "$TOOLS" = 1 ] || { say "bench/out/seed not built (needs build/release/libraslog.a)"; return 1; }
			[ -e "$SEEDED_DIR/raslog.db" ] && { say "$SEEDED_DIR has a raslog.db but no seed.settings: a seeding that did not finish? Remove it"; return 1; }
			seed_into "$SEEDED_DIR" || return 1
			echo "$sd_want commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
				> "$SEEDED_DIR/seed.settings"
		else
			sd_have=$(cat "$SEEDED_DIR/seed.settings")
			case "$sd_have" in
			"$sd_want "*|"$sd_want") ;;
			*) say "$SEEDED_DIR was seeded with '$sd_have', not '$sd_want' (BENCH_SCALE / BENCH_TRAINEES / BENCH_SESSIONS)"; return 1 ;;
			esac
			skip s7.raslog_seed "reused the data set of BENCH_SEEDED ($sd_have;" \
				"its seeding: $(sed 's/^RESULT //' "$SEEDED_DIR/seed.result" 2>/dev/null))"
		fi
		say "copying the seeded data set from $SEEDED_DIR"
		record "meta seeded_from=$SEEDED_DIR"
		mkdir -p "$TMP/seeded" &&
			cp -a --reflink=auto "$SEEDED_DIR"/raslog.* "$TMP/seeded/" || { say "could not copy $SEEDED_DIR"; return 1; }
	fi
	db_size s6.raslog_seeded_db "$TMP/seeded/raslog.db"
	SEEDED=1
}

# Interleaves the runs of several servers (round 1 of each, round 2 of
# each, ...) so that a slow moment of the machine hits them all alike.
# rounds MEASURE_PREFIX SCRIPT PATH CONNECTIONS NAME:CREDS...
rounds() {
	r_prefix=$1 r_script=$2 r_path=$3 r_conns=$4
	shift 4
	for r_pair in "$@"; do   # warm-up: page cache, WAL file, first allocations
		run_wrk "$r_prefix.${r_pair%%:*}" warmup "${r_pair#*:}" "$(script_for "${r_pair%%:*}" "$r_script")" \
			"http://127.0.0.1:$(port_of "${r_pair%%:*}")$r_path" "$r_conns" 1 || true
	done
	r_run=1
	while [ "$r_run" -le "$RUNS" ]; do
		for r_pair in "$@"; do
			run_wrk "$r_prefix.${r_pair%%:*}" "$r_run" "${r_pair#*:}" "$(script_for "${r_pair%%:*}" "$r_script")" \
				"http://127.0.0.1:$(port_of "${r_pair%%:*}")$r_path" "$r_conns" || true
		done
		r_run=$((r_run + 1))
	done
}

# 1. Session logging: POST /api/v1/sessions against the bare program
# (FULL, NORMAL), the Python peer and raslog.
scenario_1() {
	say "scenario 1: session logging, $RUNS x ${DURATION}s, $CONNS connections"
	dir=$TMP/s1
	mkdir -p "$dir"
	s1_raslog=0
	# The bare program checks no token; it still gets the same requests.
	{
		i=1
		while [ "$i" -le "$LOG_TRAINEES" ]; do echo "trainee $i bare-token-$i"; i=$((i + 1)); done
		i=1
		while [ "$i" -le "$LOG_TRAINERS" ]; do echo "trainer $((100 + i)) -"; i=$((i + 1)); done
	} > "$dir/bare.creds"
	set --
	start_server bare_full "$PORT_BASE" "$BENCH/out/bare" --port "$PORT_BASE" \
		--db "$dir/bare-full.db" --sync full && set -- "$@" "bare_full:$dir/bare.creds"
	start_server bare_normal "$((PORT_BASE + 1))" "$BENCH/out/bare" --port "$((PORT_BASE + 1))" \
		--db "$dir/bare-normal.db" --sync normal && set -- "$@" "bare_normal:$dir/bare.creds"
	start_server peer "$((PORT_BASE + 2))" "$PYTHON" "$BENCH/peers/peer.py" \
		--port "$((PORT_BASE + 2))" --db "$dir/peer.db" --seed-trainees "$LOG_TRAINEES" \
		--seed-trainers "$LOG_TRAINERS" --seed-sessions 0 --creds-out "$dir/peer.creds" &&
		set -- "$@" "peer:$dir/peer.creds"
	if raslog_missing; then
		skip s1.raslog "bin/raslogd not built"
	elif ! raslog_setup "$dir/raslog.db" "$dir/raslog.creds" "$LOG_TRAINEES" "$LOG_TRAINERS"; then
		skip s1.raslog "raslogd init or user add failed: $(tail -n 1 "$TMP/raslog-setup.log")"
	elif start_server raslog "$((PORT_BASE + 3))" "$RASLOGD" --db "$dir/raslog.db" serve $SERVE_FLAGS \
		--listen "127.0.0.1:$((PORT_BASE + 3))"; then
		set -- "$@" "raslog:$dir/raslog.creds"
		s1_raslog=1
	else
		skip s1.raslog "raslogd serve did not answer GET /api/v1/health"
	fi
	rounds s1 post-sessions.lua /api/v1/sessions "$CONNS" "$@"
	for s1_name in bare_full bare_normal peer raslog; do
		stop_server "$s1_name"
	done
	db_size s6.bare_full_db "$dir/bare-full.db"
	db_size s6.peer_db "$dir/peer.db"
	[ "$s1_raslog" = 1 ] && db_size s6.raslog_db "$dir/raslog.db"
}

# 2. Signed sign-off ingest.  The baselines are the bare program with one
# Ed25519 verify per request; raslog needs pre-signed statements.
scenario_2() {
	say "scenario 2: signed sign-off ingest"
	dir=$TMP/s2
	mkdir -p "$dir"
	cp "$TMP/s1/bare.creds" "$dir/bare.creds" 2>/dev/null ||
		printf 'trainee 1 bare-token-1\ntrainer 101 -\n' > "$dir/bare.creds"
	set --
	start_server bare_full_verify "$PORT_BASE" "$BENCH/out/bare" --port "$PORT_BASE" \
		--db "$dir/bare-full.db" --sync full --verify &&
		set -- "$@" "bare_full_verify:$dir/bare.creds"
	start_server bare_normal_verify "$((PORT_BASE + 1))" "$BENCH/out/bare" \
		--port "$((PORT_BASE + 1))" --db "$dir/bare-normal.db" --sync normal --verify &&
		set -- "$@" "bare_normal_verify:$dir/bare.creds"
	# raslog: a database with enough pending sessions for every run
	# (S2_RATE a second), signed off just before the rounds by
	# bench/out/presign (signed_at = now: the server allows 10 minutes of
	# skew), split so that every run sends bodies no run sent before.  The
	# baselines get post-sessions.lua's bodies (their verify is over a
	# statement-sized message of their own).
	if raslog_missing; then
		skip s2.raslog "bin/raslogd not built"
	elif [ "$TOOLS" != 1 ]; then
		skip s2.raslog "bench/out/seed and presign not built (needs build/release/libraslog.a)"
	else
		s2_per_run=$((S2_RATE * DURATION))
		s2_total=$((S2_RATE + RUNS * s2_per_run))
		say "seeding $s2_total pending sessions and pre-signing their sign-offs"
		if "$BENCH/out/seed" --db "$dir/raslog.db" --trainees 100 --sessions 0 --pending "$s2_total" \
			--creds-out "$dir/raslog.creds" --keys-out "$dir/raslog.keys" > /dev/null 2> "$dir/seed.log" &&
			"$BENCH/out/presign" --db "$dir/raslog.db" --keys "$dir/raslog.keys" > "$dir/bodies" 2>> "$dir/seed.log"; then
			head -n "$S2_RATE" "$dir/bodies" > "$dir/bodies.warmup"
			s2_i=1
			while [ "$s2_i" -le "$RUNS" ]; do
				tail -n +"$((S2_RATE + (s2_i - 1) * s2_per_run + 1))" "$dir/bodies" |
					head -n "$s2_per_run" > "$dir/bodies.$s2_i"
				s2_i=$((s2_i + 1))
			done
			rm -f "$dir/bodies"
			if start_server raslog "$((PORT_BASE + 3))" "$RASLOGD" --db "$dir/raslog.db" serve $SERVE_FLAGS \
				--listen "127.0.0.1:$((PORT_BASE + 3))"; then
				wait_checked raslog
				set -- "$@" "raslog:$dir/raslog.creds"
			else
				skip s2.raslog "raslogd serve did not answer GET /api/v1/health"
			fi
		else
			skip s2.raslog "seeding or pre-signing failed: $(tail -n 1 "$dir/seed.log")"
		fi
	fi
	SCRIPT_raslog=post-signoffs.lua
	rounds s2 post-sessions.lua /api/v1/sessions "$CONNS" "$@"
	SCRIPT_raslog=
	stop_server bare_full_verify
	stop_server bare_normal_verify
	stop_server raslog
}

# sql_baseline DB: the plain SQL aggregates over the signed sessions,
# timed in a loop with Python's sqlite3 (prepared once, results fetched):
# per trainee (what progress needs, cycling through the trainees) as
# s3.sql_aggregate, and over everyone (what the list needs) as
# s3.sql_aggregate_all.  BENCH_RUNS runs of about BENCH_DURATION/2 s each.
sql_baseline() {
	"$PYTHON" - "$1" "$RUNS" "$DURATION" >> "$RAW" <<'EOF' || say "the SQL baseline failed"
import sqlite3, sys, time
db, runs, dur = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) / 2
c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
ids = [r[0] for r in c.execute("SELECT DISTINCT trainee_id FROM sessions")]
one = ("SELECT trainee_id, activity, sum(minutes), count(*) FROM sessions "
       "WHERE status = 'signed' AND trainee_id = ? GROUP BY 1, 2")
allq = ("SELECT trainee_id, activity, sum(minutes), count(*) FROM sessions "
        "WHERE status = 'signed' GROUP BY 1, 2")
def loop(name, q, args):
    for run in range(1, runs + 1):
        lat, t0, i = [], time.perf_counter(), 0
        while time.perf_counter() - t0 < dur or len(lat) < 5:
            a = time.perf_counter()
            c.execute(q, args(i)).fetchall()
            lat.append((time.perf_counter() - a) * 1000)
            i += 1
        lat.sort()
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
        print("%s %d rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d errors=0 non2xx=0"
              % (name, run, len(lat) / (time.perf_counter() - t0), p(.5), p(.9), p(.99), lat[-1], len(lat)))
loop("s3.sql_aggregate", one, lambda i: (ids[(i * 7919) % len(ids)],))
loop("s3.sql_aggregate_all", allq, lambda i: ())
EOF
}

# 3. Reads: progress and the accreditation list at scale.
scenario_3() {
	say "scenario 3: reads at $PROGRESS_TRAINEES trainees, $PROGRESS_SESSIONS signed sessions"
	#   s3.raslog_progress_c1 / _c64      get-progress.lua, 1 and $CONNS connections
	#   s3.raslog_accreditation_c1        GET /api/v1/accreditation (first page)
	#   s3.raslog_accreditation_filtered  a filtered page (status and site)
	#   s3.raslog_accreditation_writes    the first page with a commit every 0.5 s
	#   s3.sql_aggregate, _all            the plain SQL aggregates over the same sessions
	if ! seeded_db; then
		raslog_skip s3.raslog_progress_c1 "the bulk seeder (scenario 7) did not run"
		return 0
	fi
	dir=$TMP/seeded
	sql_baseline "$dir/raslog.db"
	raslog_missing && { skip s3.raslog_progress_c1 "bin/raslogd not built"; return 0; }
	start_server raslog "$((PORT_BASE + 3))" "$RASLOGD" --db "$dir/raslog.db" serve $SERVE_FLAGS \
		--listen "127.0.0.1:$((PORT_BASE + 3))" ||
		{ skip s3.raslog_progress_c1 "raslogd serve did not answer GET /api/v1/health"; return 0; }
	alias_port raslog raslog_progress_c1 raslog_progress_c64 raslog_accreditation_c1 raslog_accreditation_filtered
	rounds s3 get-progress.lua / 1 "raslog_progress_c1:$dir/raslog.creds"
	rounds s3 get-progress.lua / "$CONNS" "raslog_progress_c64:$dir/raslog.creds"
	rounds s3 get-url.lua /api/v1/accreditation 1 "raslog_accreditation_c1:$dir/raslog.creds"
	rounds s3 get-url.lua "/api/v1/accreditation?status=in_training&site=Bristol%20Surgical%20Simulation%20Centre" 1 \
		"raslog_accreditation_filtered:$dir/raslog.creds"
	# The first page again while something commits every half second (a
	# token made): every commit empties the list's per-thread memo, so this
	# is what a page costs on a server in use.
	alias_port raslog raslog_accreditation_writes
	trickle_start "$(port_of raslog)" "$dir/raslog.creds" $(( (1 + RUNS * DURATION) * 2 + 20 ))
	rounds s3 get-url.lua /api/v1/accreditation 1 "raslog_accreditation_writes:$dir/raslog.creds"
	trickle_stop
	stop_server raslog
}

# trickle_start PORT CREDS N: in the background, the faculty member of
# CREDS makes and revokes a read token every 0.5 s, N times at most
# (trickle_stop ends it sooner); each is a commit.  The writes made are
# counted in $TMP/trickle.count.
trickle_start() {
	tk_tok=$(awk '$1 == "faculty" {print $3; exit}' "$2")
	echo 0 > "$TMP/trickle.count"
	(
		tk_i=0
		while [ "$tk_i" -lt "$3" ] && [ ! -f "$TMP/trickle.stop" ]; do
			# made and revoked at once (two commits), so the faculty member's live tokens stay few
			tk_id=$(curl -sf --max-time 5 -X POST -H "Authorization: Bearer $tk_tok" \
				-H 'Content-Type: application/json' --data '{"name":"bench-trickle","scope":"read"}' \
				"http://127.0.0.1:$1/api/v1/tokens" | sed -n 's/.*"id"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p')
			[ -n "$tk_id" ] && curl -sf -o /dev/null --max-time 5 -X DELETE -H "Authorization: Bearer $tk_tok" \
				"http://127.0.0.1:$1/api/v1/tokens/$tk_id" && tk_i=$((tk_i + 1)) && echo "$tk_i" > "$TMP/trickle.count"
			sleep 0.5
		done
	) &
	TRICKLE_PID=$!
}
trickle_stop() {
	touch "$TMP/trickle.stop"
	wait "$TRICKLE_PID" 2>/dev/null
	rm -f "$TMP/trickle.stop"
	record "s3.trickle 1 writes=$(cat "$TMP/trickle.count")"
}

# 4. Ledger proofs and offline verification at 1,000,000 entries.
scenario_4() {
	say "scenario 4: ledger"
	# The ledger of scenario 7's data set (one entry per session plus the
	# set-up statements; 1,000,000+ at full scale).  Head, inclusion proof of
	# the middle entry and consistency proof from half the tree to all of
	# it, one connection (s4.raslog_head_c1, _proof_c1, _consistency_c1);
	# offline `raslog verify` of the JSONL export (s4.raslog_verify) against
	# libsodium verifying the same signatures on 2 threads (s4.sodium_verify).
	if ! seeded_db; then
		raslog_skip s4.raslog_head_c1 "the bulk seeder (scenario 7) did not run"
		return 0
	fi
	dir=$TMP/seeded
	s4_size=$("$PYTHON" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM ledger").fetchone()[0])' "$dir/raslog.db")
	s4_i=1
	while [ "$s4_i" -le "$RUNS" ]; do
		s4_line=$("$BENCH/out/sodium-verify" --db "$dir/raslog.db" --threads 2 | grep '^RESULT ')
		[ -n "$s4_line" ] && record "s4.sodium_verify $s4_i ${s4_line#RESULT }" &&
			say "s4.sodium_verify run $s4_i: ${s4_line#RESULT }"
		s4_i=$((s4_i + 1))
	done
	raslog_missing && { skip s4.raslog_head_c1 "bin/raslogd not built"; return 0; }
	s4_port=$((PORT_BASE + 3))
	start_server raslog "$s4_port" "$RASLOGD" --db "$dir/raslog.db" serve $SERVE_FLAGS --listen "127.0.0.1:$s4_port" ||
		{ skip s4.raslog_head_c1 "raslogd serve did not answer GET /api/v1/health"; return 0; }
	alias_port raslog raslog_head_c1 raslog_proof_c1 raslog_consistency_c1
	rounds s4 get-url.lua /api/v1/ledger/head 1 "raslog_head_c1:$dir/raslog.creds"
	rounds s4 get-url.lua "/api/v1/ledger/proof?index=$((s4_size / 2))" 1 "raslog_proof_c1:$dir/raslog.creds"
	rounds s4 get-url.lua "/api/v1/ledger/consistency?first=$((s4_size / 2))&second=$s4_size" 1 \
		"raslog_consistency_c1:$dir/raslog.creds"
	if [ -x "$ROOT/bin/raslog" ] && "$ROOT/bin/raslog" verify --help > /dev/null 2>&1; then
		s4_tok=$(awk '$1 == "faculty" {print $3; exit}' "$dir/raslog.creds")
		: > "$dir/ledger.jsonl"   # the export, 100,000 entries a request (the server's page limit)
		s4_from=0
		while [ "$s4_from" -lt "$s4_size" ]; do
			curl -sf -H "Authorization: Bearer $s4_tok" \
				"http://127.0.0.1:$s4_port/api/v1/ledger?from=$s4_from&count=100000" >> "$dir/ledger.jsonl" || break
			s4_from=$((s4_from + 100000))
		done
		s4_key=$(curl -sf -H "Authorization: Bearer $s4_tok" "http://127.0.0.1:$s4_port/api/v1/ledger/key" |
			sed -n 's/.*"public_key"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
		s4_n=$(wc -l < "$dir/ledger.jsonl")
		s4_i=1
		while [ "$s4_i" -le "$RUNS" ]; do
			s4_t0=$(date +%s%N)
			if "$ROOT/bin/raslog" verify --file "$dir/ledger.jsonl" --log-key "$s4_key" > "$TMP/verify.log" 2>&1; then
				s4_ns=$(( $(date +%s%N) - s4_t0 ))
				record "s4.raslog_verify $s4_i entries=$s4_n seconds=$(awk "BEGIN {printf \"%.3f\", $s4_ns / 1e9}")" \
					"per_s=$(awk "BEGIN {printf \"%.1f\", $s4_n / ($s4_ns / 1e9)}")"
			else
				record "s4.raslog_verify $s4_i failed=1"
				say "raslog verify failed: $(tail -n 1 "$TMP/verify.log")"
			fi
			s4_i=$((s4_i + 1))
		done
		# raslog audit --file: verifies the export, then recomputes every
		# trainee's figures from it (once; its peak RSS too).
		s4_t0=$(date +%s%N)
		if /usr/bin/time -f 'peak_rss_kib=%M' -o "$TMP/audit.time" "$ROOT/bin/raslog" audit --file "$dir/ledger.jsonl" \
			--log-key "$s4_key" --json > "$TMP/audit.json" 2> "$TMP/audit.log"; then
			s4_ns=$(( $(date +%s%N) - s4_t0 ))
			s4_kib=$(sed -n 's/^peak_rss_kib=//p' "$TMP/audit.time")
			record "s4.raslog_audit 1 entries=$s4_n seconds=$(awk "BEGIN {printf \"%.3f\", $s4_ns / 1e9}")" \
				"per_s=$(awk "BEGIN {printf \"%.1f\", $s4_n / ($s4_ns / 1e9)}")" \
				"peak_rss_mib=$(awk "BEGIN {printf \"%.1f\", ${s4_kib:-0} / 1024}")"
			say "raslog audit --file: $s4_n entries in $(awk "BEGIN {printf \"%.1f\", $s4_ns / 1e9}") s"
		else
			record "s4.raslog_audit 1 failed=1"
			say "raslog audit failed: $(tail -n 1 "$TMP/audit.log")"
		fi
	else
		skip s4.raslog_verify "bin/raslog verify not built"
	fi
	stop_server raslog
}

# 5. The Python peer: logging is measured in scenario 1 (s1.peer); here
# its progress reads over the same data set as scenario 3.
scenario_5() {
	say "scenario 5: peer progress at $PROGRESS_TRAINEES trainees, $PROGRESS_SESSIONS signed sessions"
	dir=$TMP/s5
	mkdir -p "$dir"
	if start_server peer_progress "$((PORT_BASE + 2))" "$PYTHON" "$BENCH/peers/peer.py" \
		--port "$((PORT_BASE + 2))" --db "$dir/peer.db" \
		--seed-trainees "$PROGRESS_TRAINEES" --seed-sessions "$PROGRESS_SESSIONS" \
		--creds-out "$dir/peer.creds"; then
		rounds s5 get-progress.lua / "$CONNS" "peer_progress:$dir/peer.creds"
		stop_server peer_progress
	fi
	# raslog's figure is s3.raslog_progress_c64 (scenario 3).
}

# 6. Resources.  Cold start and peak RSS are recorded for every server the
# harness starts (start_server / stop_server); database sizes by db_size.
scenario_6() {
	# Peak RSS of raslogd through the run is the highest VmHWM of every
	# raslogd the harness started (s6.raslog, one run per start; with
	# BENCH_SCALE=full, scenarios 3 and 4 serve the full data set), and the
	# seeded database's size is s6.raslog_seeded_db: nothing more to do.
	:
}

# 7. Seeding the full data set.
scenario_7() {
	# bench/out/seed (see seed.c): recorded by seeded_db as s7.raslog_seed;
	# scenarios 3 and 4 already ran it when they were selected.
	seeded_db || skip s7.raslog_seed "the seeder could not be built or failed"
}

# 8. The derived tables are caches of the ledger: `raslogd rebuild` drops
# and recomputes them from the seeded ledger (statements/s as it prints
# them, and its peak RSS).
scenario_8() {
	if ! seeded_db; then
		raslog_skip s8.raslog_rebuild "the bulk seeder (scenario 7) did not run"
		return 0
	fi
	raslog_missing && { skip s8.raslog_rebuild "bin/raslogd not built"; return 0; }
	say "scenario 8: raslogd rebuild of $PROGRESS_TRAINEES trainees' caches"
	# The servers of scenarios 3 and 4 wrote to this file for minutes: its WAL
	# is folded in first, outside the timed part, so the figure is the
	# rebuild's own work and not the file's history (session 9 found the
	# 87,613 -> 55,776 statements/s fall there, with the same writes).
	sqlite3 "$TMP/seeded/raslog.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1 ||
		say "could not checkpoint $TMP/seeded/raslog.db before the rebuild"
	if /usr/bin/time -f 'peak_rss_kib=%M' -o "$TMP/rebuild.time" "$RASLOGD" --db "$TMP/seeded/raslog.db" rebuild \
		> "$TMP/rebuild.log" 2>&1; then
		# "... (N entries; M statements about them read) in S s, R statements/s"
		r8_line=$(tail -n 1 "$TMP/rebuild.log")
		say "$r8_line"
		r8_st=$(printf '%s' "$r8_line" | sed -n 's/.*; \([0-9]*\) statements about them read) in \([0-9.]*\) s.*/\1 \2/p')
		r8_kib=$(sed -n 's/^peak_rss_kib=//p' "$TMP/rebuild.time")
		set -- $r8_st
		if [ $# = 2 ]; then
			record "s8.raslog_rebuild 1 statements=$1 seconds=$2" \
				"per_s=$(awk "BEGIN {printf \"%.1f\", $1 / ($2 > 0 ? $2 : 1)}")" \
				"peak_rss_mib=$(awk "BEGIN {printf \"%.1f\", ${r8_kib:-0} / 1024}")"
		else
			record "s8.raslog_rebuild 1 failed=1"
		fi
	else
		record "s8.raslog_rebuild 1 failed=1"
		say "raslogd rebuild failed: $(tail -n 1 "$TMP/rebuild.log")"
	fi
}

# 9. The engines (issue 20 item 6): session logging and progress reads on
# raslog over SQLite and over PostgreSQL, one raslogd and two raslogd on
# the same PostgreSQL database (half the connections each, at once), in
# the same run, so the ratios compare like with like.  The PostgreSQL
# cluster is a throwaway one on a Unix socket (tests/lib/pg.sh), fsync and
# synchronous_commit on: the same durability as SQLite's FULL.
scenario_9() {
	raslog_missing && { skip s9.raslog "bin/raslogd not built"; return 0; }
	. "$ROOT/tests/lib/pg.sh"
	pg_available || { skip s9.pg "PostgreSQL 15 is not installed"; return 0; }
	say "scenario 9: SQLite and PostgreSQL, one and two raslogd, $RUNS x ${DURATION}s"
	dir=$TMP/s9
	mkdir -p "$dir"
	chmod 711 "$TMP"   # the cluster runs as an unprivileged user below it
	pg_start "$dir/pg" >/dev/null 2>&1 || { skip s9.pg "PostgreSQL did not start"; return 0; }
	pg_createdb raslog
	s9_uri=$(pg_uri raslog)
	printf '#!/bin/sh\nexec "%s" --key-dir "%s" "$@"\n' "$RASLOGD" "$dir/pg-keys" > "$dir/raslogd-pg"
	chmod +x "$dir/raslogd-pg"
	raslog_setup "$dir/raslog.db" "$dir/sqlite.creds" "$LOG_TRAINEES" "$LOG_TRAINERS" ||
		{ skip s9.raslog "raslogd init failed"; pg_stop; return 0; }
	s9_real=$RASLOGD
	RASLOGD="$dir/raslogd-pg"
	raslog_setup "$s9_uri" "$dir/pg.creds" "$LOG_TRAINEES" "$LOG_TRAINERS"
	s9_ok=$?
	RASLOGD=$s9_real
	[ "$s9_ok" = 0 ] || { skip s9.pg "raslogd init on PostgreSQL failed: $(tail -n 1 "$TMP/raslog-setup.log")"; pg_stop; return 0; }
	start_server sqlite "$PORT_BASE" "$RASLOGD" --db "$dir/raslog.db" serve $SERVE_FLAGS \
		--listen "127.0.0.1:$PORT_BASE"
	start_server pg "$((PORT_BASE + 1))" "$dir/raslogd-pg" --db "$s9_uri" serve $SERVE_FLAGS \
		--listen "127.0.0.1:$((PORT_BASE + 1))"
	start_server pg_b "$((PORT_BASE + 2))" "$dir/raslogd-pg" --db "$s9_uri" serve $SERVE_FLAGS \
		--listen "127.0.0.1:$((PORT_BASE + 2))"
	alias_port sqlite sqlite_progress
	alias_port pg pg_progress
	rounds s9.log post-sessions.lua /api/v1/sessions "$CONNS" "sqlite:$dir/sqlite.creds" "pg:$dir/pg.creds"
	s9_two log post-sessions.lua /api/v1/sessions "$dir/pg.creds"
	rounds s9.progress get-progress.lua / "$CONNS" "sqlite_progress:$dir/sqlite.creds" "pg_progress:$dir/pg.creds"
	s9_two progress get-progress.lua / "$dir/pg.creds"
	for s9_name in sqlite pg pg_b; do stop_server "$s9_name"; done
	s9_signoffs "$dir"
	pg_stop
}

# s9_signoffs DIR: scenario 2's sign-off ingest on SQLite, on PostgreSQL
# with one raslogd and with two (s9.signoff.*).  One data set of pending
# sessions is seeded into SQLite by bench/out/seed and copied into a
# second PostgreSQL database by `raslogd migrate`, so both engines hold
# the same sessions, keys and tokens; bench/out/presign signs every
# pending session's sign-off just before the runs.  Each run sends bodies
# no run on the same database sent: SQLite and PostgreSQL-one get the same
# slices (their databases are distinct), the two-server runs the slices
# after those, each half to one server.  BENCH_S9_RATE bodies a second
# of each run (default 5,000: above what either engine ingests here).
s9_signoffs() {
	sg_dir=$1/signoff
	mkdir -p "$sg_dir"
	[ "$TOOLS" = 1 ] || { skip s9.signoff "bench/out/seed and presign not built (needs build/release/libraslog.a)"; return 0; }
	sg_per_run=$((S9_RATE * DURATION))
	sg_total=$((S9_RATE + 2 * RUNS * sg_per_run))
	say "scenario 9: seeding $sg_total pending sessions, copying them into PostgreSQL, pre-signing their sign-offs"
	if ! "$BENCH/out/seed" --db "$sg_dir/raslog.db" --trainees 100 --sessions 0 --pending "$sg_total" \
		--creds-out "$sg_dir/raslog.creds" --keys-out "$sg_dir/raslog.keys" > /dev/null 2> "$sg_dir/seed.log"; then
		skip s9.signoff "seeding failed: $(tail -n 1 "$sg_dir/seed.log")"
		return 0
	fi
	pg_createdb raslog_signoff
	sg_uri=$(pg_uri raslog_signoff)
	# its own key directory: migrate copies the source's key files into a new one
	printf '#!/bin/sh\nexec "%s" --key-dir "%s" "$@"\n' "$RASLOGD" "$sg_dir/pg-keys" > "$sg_dir/raslogd-pg"
	chmod +x "$sg_dir/raslogd-pg"
	sg_t0=$(now_ms)
	if ! "$sg_dir/raslogd-pg" migrate --from "$sg_dir/raslog.db" --to "$sg_uri" > "$sg_dir/migrate.log" 2>&1; then
		skip s9.signoff "raslogd migrate into PostgreSQL failed: $(tail -n 1 "$sg_dir/migrate.log")"
		return 0
	fi
	say "migrated into PostgreSQL in $(( ($(now_ms) - sg_t0) / 1000 )) s"
	if ! "$BENCH/out/presign" --db "$sg_dir/raslog.db" --keys "$sg_dir/raslog.keys" > "$sg_dir/bodies" 2>> "$sg_dir/seed.log"; then
		skip s9.signoff "pre-signing failed: $(tail -n 1 "$sg_dir/seed.log")"
		return 0
	fi
	# one/bodies.{warmup,1..RUNS} for SQLite and PostgreSQL with one raslogd,
	# two_a/ and two_b/bodies.{1..RUNS} for the two raslogd (half each).
	mkdir -p "$sg_dir/one" "$sg_dir/two_a" "$sg_dir/two_b"
	head -n "$S9_RATE" "$sg_dir/bodies" > "$sg_dir/one/bodies.warmup"
	sg_i=1
	while [ "$sg_i" -le "$RUNS" ]; do
		tail -n +"$((S9_RATE + (sg_i - 1) * sg_per_run + 1))" "$sg_dir/bodies" |
			head -n "$sg_per_run" > "$sg_dir/one/bodies.$sg_i"
		tail -n +"$((S9_RATE + (RUNS + sg_i - 1) * sg_per_run + 1))" "$sg_dir/bodies" |
			head -n "$sg_per_run" > "$sg_dir/two.$sg_i"
		awk -v a="$sg_dir/two_a/bodies.$sg_i" -v b="$sg_dir/two_b/bodies.$sg_i" \
			'{ print > (NR % 2 ? a : b) }' "$sg_dir/two.$sg_i"
		rm -f "$sg_dir/two.$sg_i"
		sg_i=$((sg_i + 1))
	done
	rm -f "$sg_dir/bodies"
	set --
	# The same server names as above (stopped by now): s9.signoff.sqlite, .pg, .pg_two.
	start_server sqlite "$PORT_BASE" "$RASLOGD" --db "$sg_dir/raslog.db" serve $SERVE_FLAGS \
		--listen "127.0.0.1:$PORT_BASE" && set -- "$@" "sqlite:$sg_dir/raslog.creds"
	start_server pg "$((PORT_BASE + 1))" "$sg_dir/raslogd-pg" --db "$sg_uri" serve $SERVE_FLAGS \
		--listen "127.0.0.1:$((PORT_BASE + 1))" && set -- "$@" "pg:$sg_dir/raslog.creds"
	start_server pg_b "$((PORT_BASE + 2))" "$sg_dir/raslogd-pg" --db "$sg_uri" serve $SERVE_FLAGS \
		--listen "127.0.0.1:$((PORT_BASE + 2))"
	BODIES_DIR=$sg_dir/one
	rounds s9.signoff post-signoffs.lua /api/v1/signoffs "$CONNS" "$@"
	BODIES_DIR=
	s9_two signoff post-signoffs.lua /api/v1/signoffs "$sg_dir/raslog.creds" "$sg_dir/two_a" "$sg_dir/two_b"
	for sg_name in sqlite pg pg_b; do stop_server "$sg_name"; done
}

# s9_two WHAT SCRIPT PATH CREDS [BODIES_A BODIES_B]: both PostgreSQL
# servers at once, half the connections each (and, for sign-offs, each its
# own half of the bodies); records s9.WHAT.pg_two with the summed rate and
# the worse p99 of the two.
s9_two() {
	t_half=$((CONNS / 2))
	t_run=1
	while [ "$t_run" -le "$RUNS" ]; do
		( BODIES_DIR=${5:-}; run_wrk "s9.$1.pg_two_a" "$t_run" "$4" "$2" "http://127.0.0.1:$(port_of pg)$3" "$t_half" ) &
		t_pa=$!
		( BODIES_DIR=${6:-}; run_wrk "s9.$1.pg_two_b" "$t_run" "$4" "$2" "http://127.0.0.1:$(port_of pg_b)$3" "$t_half" ) &
		t_pb=$!
		wait "$t_pa" "$t_pb"   # not the servers, which are background jobs too
		t_a=$(grep "^s9.$1.pg_two_a $t_run " "$RAW" | tail -n 1)
		t_b=$(grep "^s9.$1.pg_two_b $t_run " "$RAW" | tail -n 1)
		record "s9.$1.pg_two $t_run $(printf '%s\n%s\n' "$t_a" "$t_b" | awk '
			{ for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "rps") rps += kv[2];
			  if (kv[1] == "p99_ms" && kv[2] > p99) p99 = kv[2] } }
			END { printf "rps=%.1f p99_ms=%.3f", rps, p99 }')"
		t_run=$((t_run + 1))
	done
}

raslog_missing && skip raslog "bin/raslogd not built"
started=$(now_ms)
for scenario in 1 2 3 4 5 6 7 8 9; do
	if wants "$scenario"; then
		"scenario_$scenario"
	else
		record "skip s$scenario. not selected by BENCH_ONLY"
	fi
done
say "done in $(( ($(now_ms) - started) / 1000 )) s"
record "meta total_s=$(( ($(now_ms) - started) / 1000 )) load_end=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)"
"$PYTHON" "$BENCH/report.py" "$RAW" "$OUT/results.json"
