# tests/run-step.sh - sourced by tests/run.sh (and by each of its parallel
# workers): run_step NAME CMD... runs one step of the suite with its output
# in $OUT/NAME.log, counts its TAP lines, prints one PASS/FAIL line and
# keeps the outcome in $OUT/NAME.status, its seconds in $OUT/NAME.secs and
# the CPU seconds (user + system) of its processes in $OUT/NAME.cpu for the
# summary and tests/out/times.txt (steps run side by side, so no shell
# variable can carry them).
run_step() {
	name=$1; shift
	start=$(date +%s)
	mkdir -p "$(dirname "$OUT/$name.log")"
	# A step that hangs fails after RASLOG_STEP_TIMEOUT seconds instead of holding the suite.
	# (In a subshell of its own, whose `times` then gives the CPU time of the step's processes:
	# those waited for, which is all of them but a daemon that outlives its step.)
	# Every process of the step carries RASLOG_STEP_TAG in its environment: step_strays finds a
	# raslogd or a PostgreSQL cluster the step left running (a server a suite did not stop),
	# which fails the step.
	rs_tag="$name.$$.$start"
	(
		RASLOG_STEP_TAG=$rs_tag timeout "${RASLOG_STEP_TIMEOUT:-900}" "$@" >"$OUT/$name.log" 2>&1
		rs_st=$?
		times >"$OUT/$name.times"
		exit $rs_st
	)
	st=$?
	if [ -n "$(step_strays "$rs_tag")" ]; then
		# (One that is still stopping gets a moment.)
		rs_i=0
		while [ $rs_i -lt 20 ] && [ -n "$(step_strays "$rs_tag")" ]; do sleep 0.1; rs_i=$((rs_i + 1)); done
		rs_left=$(step_strays "$rs_tag")
		if [ -n "$rs_left" ]; then
			echo "not ok - the step left servers running (now killed):" >>"$OUT/$name.log"
			echo "$rs_left" | sed 's/^/#   /' >>"$OUT/$name.log"
			kill -KILL $(echo "$rs_left" | cut -d' ' -f1) 2>/dev/null
			[ $st != 0 ] || st=1
		fi
	fi
	awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); printf "%.1f\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' \
		"$OUT/$name.times" >"$OUT/$name.cpu"
	rm -f "$OUT/$name.times"
	[ $st = 124 ] && echo "not ok - the step did not finish within ${RASLOG_STEP_TIMEOUT:-900} s" >>"$OUT/$name.log"
	n_ok=$(grep -c '^ok ' "$OUT/$name.log")
	n_bad=$(grep -c '^not ok ' "$OUT/$name.log")
	secs=$(( $(date +%s) - start ))
	echo "$secs" >"$OUT/$name.secs"
	if [ $st = 0 ] && [ "$n_bad" = 0 ]; then
		printf '  PASS  %-28s %4s checks %4ss  cpu %6ss\n' "$name" "$n_ok" "$secs" "$(cat "$OUT/$name.cpu")"
		echo 0 >"$OUT/$name.status"
	else
		printf '  FAIL  %-28s %4s ok, %s not ok (exit %s) - see %s\n%s\n' "$name" "$n_ok" "$n_bad" "$st" \
			"$OUT/$name.log" "$(grep -E '^not ok|ERROR|error:|FAIL' "$OUT/$name.log" | head -8 | sed 's/^/        /')"
		echo 1 >"$OUT/$name.status"
	fi
}

# step_strays TAG: the raslogd and the PostgreSQL postmasters (a suite's own cluster) run_step's
# tag TAG marks that still run (tests/lib/procs.sh).  (A cluster's other processes are the
# postmaster's children, named "postgres: ...".)
. tests/lib/procs.sh
step_strays() { tagged_procs "RASLOG_STEP_TAG=$1" raslogd postgres | grep -v "^[0-9]* postgres: "; }

# suite_name tests/api/01-sessions.sh -> api/01-sessions
suite_name() { echo "$1" | sed 's|tests/||; s|\.sh$||'; }

# A step of tests/run.sh's pool, KIND:ARG -
#   sqlite:tests/api/01-sessions.sh      api/01-sessions
#   postgresql:tests/api/01-sessions.sh  api-pg/01-sessions, a database in the
#                                        run's cluster ($PG_SHARED_DIR)
#   browser:sqlite, browser:postgresql   browser, browser-pg
#   fuzz:short                           fuzz
#   unit:all                             unit/test_x for each C unit test, one after another
#   jcs:cross                            jcs-cross
job_name() {
	case "$1" in
	sqlite:*) suite_name "${1#sqlite:}" ;;
	postgresql:*) suite_name "${1#postgresql:}" | sed 's|^api/|api-pg/|; s|^cli/|cli-pg/|' ;;
	browser:sqlite) echo browser ;;
	browser:postgresql) echo browser-pg ;;
	fuzz:*) echo fuzz ;;
	unit:*) echo unit ;;
	jcs:*) echo jcs-cross ;;
	esac
}
# unit_steps: the C unit tests' step names (unit/test_x), from $BUILD/tests.
unit_steps() {
	for us_t in "$BUILD"/tests/test_*; do
		[ -x "$us_t" ] && echo "unit/$(basename "$us_t")"
	done
}
run_job() {
	case "$1" in
	sqlite:*) run_step "$(job_name "$1")" bash "${1#sqlite:}" ;;
	postgresql:*) run_step "$(job_name "$1")" env RASLOG_TEST_ENGINE=postgresql RASLOG_TEST_PG_DIR="$PG_SHARED_DIR" \
		bash "${1#postgresql:}" ;;
	browser:*) run_step "$(job_name "$1")" env RASLOG_TEST_ENGINE="${1#browser:}" RASLOG_TEST_PG_DIR="$PG_SHARED_DIR" \
		bash tests/browser/run.sh "$BIN" ;;
	fuzz:*) run_step fuzz sh tests/fuzz/run.sh "${1#fuzz:}" ;;
	unit:*)
		for rj_u in $(unit_steps); do
			wanted "$rj_u" || continue
			run_step "$rj_u" env CMOCKA_MESSAGE_OUTPUT=TAP RASLOG_TEST_PG_URI="${RASLOG_UNIT_PG_URI:-}" \
				"$BUILD/tests/${rj_u#unit/}"
		done ;;
	jcs:*) run_step jcs-cross sh -c "node tests/js/jcs-cross.mjs $BUILD/tests/jcs_tool && echo 'ok 1 - jcs cross-check'" ;;
	esac
}

# step_secs NAME: the seconds step NAME took in the last run ($OUT/times.txt), else in the clean
# run tests/step-seconds.txt keeps ($RASLOG_STEP_SECONDS); for unit, its steps' (unit/test_x)
# together.  Nothing, and status 1, when neither names it.
step_secs() {
	for ss_f in "$OUT/times.txt" "${RASLOG_STEP_SECONDS:-tests/step-seconds.txt}"; do
		awk -v n="$1" '(n == "unit" ? $2 ~ /^unit\// : $2 == n) { t += $1; f = 1 } END { if (f) print t; exit !f }' \
			"$ss_f" 2>/dev/null && return 0
	done
	return 1
}

# wanted NAME: whether the step runs - every step, unless RASLOG_TEST_ONLY
# (an extended regular expression over step names) picks some, e.g.
# RASLOG_TEST_ONLY='^(api-pg|cli-pg)/|^browser-pg$' sh tests/run.sh build/san
wanted() { [ -z "${RASLOG_TEST_ONLY:-}" ] || echo "$1" | grep -Eq -- "$RASLOG_TEST_ONLY"; }
