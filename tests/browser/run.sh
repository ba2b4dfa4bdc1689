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
node tests/browser/browser.test.mjs "$URL" "$(token 'Amelia Hart')" "$(token 'Aisha Bello')" "$OUT" "$(token 'David Ellis')" 8>&-
st=$?
stop_server
cpu_note browser
# Passkeys: invitation to passkey with Chromium's virtual authenticator (its own server, public_url on localhost).
echo "# passkeys.test.mjs"
OUT="$OUT" bash tests/browser/passkeys.sh "$BIN" 8>&- | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok passkeys-\2/; s/^1\.\.\([0-9]*\)$/# passkeys: 1..\1/'
pst=${PIPESTATUS[0]}
cpu_note passkeys
[ "$pst" = 0 ] || st=1
# Single sign-on through a real OpenID provider (oidc-provider on loopback).
echo "# oidc.test.mjs"
OUT="$OUT" bash tests/browser/oidc.sh "$BIN" 8>&- | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok oidc-\2/; s/^1\.\.\([0-9]*\)$/# oidc: 1..\1/'
ost=${PIPESTATUS[0]}
cpu_note oidc
[ "$ost" = 0 ] || st=1
# The admin screen and the oversight page at 390 and 1280 px (their own server on the demo).
echo "# admin.test.mjs"
OUT="$OUT" bash tests/browser/admin.sh "$BIN" 8>&- | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok admin-\2/; s/^1\.\.\([0-9]*\)$/# admin: 1..\1/'
ast=${PIPESTATUS[0]}
cpu_note admin
[ "$ast" = 0 ] || st=1
# The trainee page reconciles its figures with the verified evidence (its own server on the demo).
echo "# figures.test.mjs"
OUT="$OUT" bash tests/browser/figures.sh "$BIN" 8>&- | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok figures-\2/; s/^1\.\.\([0-9]*\)$/# figures: 1..\1/'
fst=${PIPESTATUS[0]}
cpu_note figures
[ "$fst" = 0 ] || st=1
# Imports on the web page: a trainee uploads, their trainer confirms in the browser (its own server on the demo).
echo "# imports.test.mjs"
OUT="$OUT" bash tests/browser/imports.sh "$BIN" 8>&- | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok imports-\2/; s/^1\.\.\([0-9]*\)$/# imports: 1..\1/'
ist=${PIPESTATUS[0]}
cpu_note imports
[ "$ist" = 0 ] || st=1
# The seeded demo's database on PostgreSQL (the cluster is the run's, so it is dropped here).
[ -f "${RASLOG_BROWSER_SEED:-}/pgdb" ] && pg_shared_dropdb "$(cat "$RASLOG_BROWSER_SEED/pgdb")"
# The shared Chromium closes (and its CPU time is counted with this script's).
exec 8>&-
kill -TERM "$CHROMIUM_PID" 2>/dev/null
wait "$CHROMIUM_PID" 2>/dev/null
exit $st
