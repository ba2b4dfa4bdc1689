# tests/run-step.sh - sourced by tests/run.sh (and by each of its parallel
# workers): run_step NAME CMD... runs one step of the suite with its output
# in $OUT/NAME.log, counts its TAP lines, prints one PASS/FAIL line and
# keeps the outcome in $OUT/NAME.status for the summary (steps run side by
# side, so no shell variable can carry it).
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
