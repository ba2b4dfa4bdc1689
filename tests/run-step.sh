# tests/run-step.sh - sourced by tests/run.sh (and by each of its parallel
# workers): run_step NAME CMD... runs one step of the suite with its output
# in $OUT/NAME.log, counts its TAP lines, prints one PASS/FAIL line and
# keeps the outcome in $OUT/NAME.status and its seconds in $OUT/NAME.secs
# for the summary and tests/out/times.txt (steps run side by side, so no
# shell variable can carry them).
run_step() {
	name=$1; shift
	start=$(date +%s)
	mkdir -p "$(dirname "$OUT/$name.log")"
	# A step that hangs fails after RASLOG_STEP_TIMEOUT seconds instead of holding the suite.
	timeout "${RASLOG_STEP_TIMEOUT:-900}" "$@" >"$OUT/$name.log" 2>&1
	st=$?
	[ $st = 124 ] && echo "not ok - the step did not finish within ${RASLOG_STEP_TIMEOUT:-900} s" >>"$OUT/$name.log"
	n_ok=$(grep -c '^ok ' "$OUT/$name.log")
	n_bad=$(grep -c '^not ok ' "$OUT/$name.log")
	secs=$(( $(date +%s) - start ))
	echo "$secs" >"$OUT/$name.secs"
	if [ $st = 0 ] && [ "$n_bad" = 0 ]; then
		printf '  PASS  %-28s %4s checks %4ss\n' "$name" "$n_ok" "$secs"
		echo 0 >"$OUT/$name.status"
	else
		printf '  FAIL  %-28s %4s ok, %s not ok (exit %s) - see %s\n%s\n' "$name" "$n_ok" "$n_bad" "$st" \
			"$OUT/$name.log" "$(grep -E '^not ok|ERROR|error:|FAIL' "$OUT/$name.log" | head -8 | sed 's/^/        /')"
		echo 1 >"$OUT/$name.status"
	fi
}

# suite_name tests/api/01-sessions.sh -> api/01-sessions
suite_name() { echo "$1" | sed 's|tests/||; s|\.sh$||'; }

# A step of tests/run.sh's pool, KIND:ARG -
#   sqlite:tests/api/01-sessions.sh      api/01-sessions
#   postgresql:tests/api/01-sessions.sh  api-pg/01-sessions, a database in the
#                                        run's cluster ($PG_SHARED_DIR)
#   browser:sqlite, browser:postgresql   browser, browser-pg
#   fuzz:short                           fuzz
job_name() {
	case "$1" in
	sqlite:*) suite_name "${1#sqlite:}" ;;
	postgresql:*) suite_name "${1#postgresql:}" | sed 's|^api/|api-pg/|; s|^cli/|cli-pg/|' ;;
	browser:sqlite) echo browser ;;
	browser:postgresql) echo browser-pg ;;
	fuzz:*) echo fuzz ;;
	esac
}
run_job() {
	case "$1" in
	sqlite:*) run_step "$(job_name "$1")" bash "${1#sqlite:}" ;;
	postgresql:*) run_step "$(job_name "$1")" env RASLOG_TEST_ENGINE=postgresql RASLOG_TEST_PG_DIR="$PG_SHARED_DIR" \
		bash "${1#postgresql:}" ;;
	browser:*) run_step "$(job_name "$1")" env RASLOG_TEST_ENGINE="${1#browser:}" RASLOG_TEST_PG_DIR="$PG_SHARED_DIR" \
		bash tests/browser/run.sh "$BIN" ;;
	fuzz:*) run_step fuzz sh tests/fuzz/run.sh "${1#fuzz:}" ;;
	esac
}

# wanted NAME: whether the step runs - every step, unless RASLOG_TEST_ONLY
# (an extended regular expression over step names) picks some, e.g.
# RASLOG_TEST_ONLY='^(api-pg|cli-pg)/|^browser-pg$' sh tests/run.sh build/san
wanted() { [ -z "${RASLOG_TEST_ONLY:-}" ] || echo "$1" | grep -Eq -- "$RASLOG_TEST_ONLY"; }
