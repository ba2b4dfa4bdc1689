#!/bin/bash
# tests/browser/run.sh BIN - the web page in headless Chromium against the
# real raslogd serving web/ with the demo programme: faculty, trainee and
# trainer flows, in-browser signature checks, axe-core scans; then
# passkeys.sh (invitation to passkey with the virtual authenticator) and
# oidc.sh (single sign-on through oidc-provider).  Screenshots,
# axe reports and the printed portfolio land in tests/out/browser/
# (tests/out/browser-pg/ on PostgreSQL).
# The demo is seeded once; admin.sh, figures.sh and imports.sh start from copies of it (demo.sh).
demo_keep_seed=1
. tests/browser/demo.sh
# RASLOG_TEST_ENGINE=postgresql (tests/run.sh's browser-pg): every server of
# this run on PostgreSQL (tests/lib.sh), its files apart, so both can run at once.
if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then OUT=tests/out/browser-pg; else OUT=tests/out/browser; fi
rm -rf "$OUT" && mkdir -p "$OUT"
# cpu_note PART: a TAP comment with the CPU seconds (user, system) this run's processes have used so far.
# (times runs in this shell: the second line is its waited-for children's.)
cpu_note() { times >"$WORK/times"; tail -1 "$WORK/times" | awk -v p="$1" '{ printf "# cpu after %s: user %s system %s\n", p, $1, $2 }'; }
# One Chromium for every test of this run (tests/browser/chromium.mjs; each test
# connects to it through RASLOG_CHROMIUM_CDP) instead of one started and stopped
# per test.  Its input is a pipe this script holds open (fd 8, closed for the
# tests): when the script ends, however it ends, the browser closes.
cport=$(free_port)
mkfifo "$WORK/chromium.in"
node tests/browser/chromium.mjs "$cport" <"$WORK/chromium.in" >"$WORK/chromium.log" 2>&1 &
CHROMIUM_PID=$!
exec 8>"$WORK/chromium.in"
for _ in $(seq 600); do
	grep -q '^ready' "$WORK/chromium.log" && break
	kill -0 "$CHROMIUM_PID" 2>/dev/null || break
	sleep 0.1
done
if grep -q '^ready' "$WORK/chromium.log"; then
	export RASLOG_CHROMIUM_CDP="http://127.0.0.1:$cport"
else
	echo "# the shared Chromium did not start (each test starts its own):"; sed 's/^/#   /' "$WORK/chromium.log"
fi
# The parts of this run: RASLOG_BROWSER_PARTS, else every part on SQLite and on PostgreSQL
# (browser-pg) only those whose pages reach a store path no PostgreSQL suite covers: figures
# (tests/browser/README.md says why each other part runs on SQLite only, and which API and
# CLI suites on PostgreSQL cover its routes).
if [ -n "${RASLOG_BROWSER_PARTS:-}" ]; then parts=$RASLOG_BROWSER_PARTS
elif [ "$RASLOG_TEST_ENGINE" = postgresql ]; then parts="figures"
else parts="main passkeys oidc admin figures imports"; fi
echo "# parts: $parts"
wants() { case " $parts " in *" $1 "*) return 0 ;; esac; return 1; }
st=0
if wants main; then
	node tests/browser/browser.test.mjs "$URL" "$(token 'Amelia Hart')" "$(token 'Aisha Bello')" "$OUT" "$(token 'David Ellis')" 8>&-
	st=$?
fi
stop_server
cpu_note browser
# part NAME: tests/browser/NAME.sh (with its NAME.test.mjs), its checks numbered NAME-N, when it is one of the parts.
part() {
	wants "$1" || return 0
	echo "# $1.test.mjs"
	OUT="$OUT" bash "tests/browser/$1.sh" "$BIN" 8>&- | sed "s/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok $1-\2/; s/^1\.\.\([0-9]*\)\$/# $1: 1..\1/"
	pt_st=${PIPESTATUS[0]}
	cpu_note "$1"
	[ "$pt_st" = 0 ] || st=1
}
# Passkeys: invitation to passkey with Chromium's virtual authenticator (its own server, public_url on localhost).
part passkeys
# Single sign-on through a real OpenID provider (oidc-provider on loopback).
part oidc
# The admin screen and the oversight page at 390 and 1280 px (their own server on the demo).
part admin
# The trainee page reconciles its figures with the verified evidence (its own server on the demo).
part figures
# Imports on the web page: a trainee uploads, their trainer confirms in the browser (its own server on the demo).
part imports
# The seeded demo's database on PostgreSQL (the cluster is the run's, so it is dropped here).
[ -f "${RASLOG_BROWSER_SEED:-}/pgdb" ] && pg_shared_dropdb "$(cat "$RASLOG_BROWSER_SEED/pgdb")"
# The shared Chromium closes (and its CPU time is counted with this script's).
exec 8>&-
kill -TERM "$CHROMIUM_PID" 2>/dev/null
wait "$CHROMIUM_PID" 2>/dev/null
exit $st
