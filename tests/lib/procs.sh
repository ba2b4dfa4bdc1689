# tests/lib/procs.sh - which servers a test started, found by a mark in the environment every
# process inherits (sourced; bash or sh): tests/lib.sh's cleanup stops the raslogd of its suite
# (RASLOG_TEST_WORK), tests/run-step.sh fails a step that left a raslogd or a PostgreSQL
# cluster running (RASLOG_STEP_TAG).  Found so however the server was started: as $! of a
# subshell, a wrapper's child, an orphan whose parent was killed.
#
#   tagged_procs NAME=VALUE COMM...   # "PID COMMAND LINE", one a line, of each running process
#                                     # named COMM whose environment holds NAME=VALUE
tagged_procs() {
	tp_mark=$1; shift
	tp_files=""
	for tp_d in /proc/[0-9]*; do
		{ IFS= read -r tp_c <"$tp_d/comm"; } 2>/dev/null || continue
		case " $* " in *" $tp_c "*) tp_files="$tp_files $tp_d/environ" ;; esac
	done
	[ -n "$tp_files" ] || return 0
	# (One grep over every candidate's environment, its entries NUL-separated: a tr and a grep for
	# each postgres process on the machine cost each step's end a second of CPU on a busy box.)
	for tp_f in $(grep -lszxF -- "$tp_mark" $tp_files); do
		tp_d=${tp_f%/environ}
		echo "${tp_d#/proc/} $(tr '\0' ' ' <"$tp_d/cmdline" 2>/dev/null)"
	done
}
