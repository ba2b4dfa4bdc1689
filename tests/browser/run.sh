#!/bin/bash
# tests/browser/run.sh BIN - the web page in headless Chromium against the
# real raslogd serving web/ with the demo programme: faculty, trainee and
# trainer flows, in-browser signature checks, axe-core scans; then
# passkeys.sh (invitation to passkey with the virtual authenticator) and
# oidc.sh (single sign-on through oidc-provider).  Screenshots,
# axe reports and the printed portfolio land in tests/out/browser/
# (tests/out/browser-pg/ on PostgreSQL).
. tests/browser/demo.sh
# RASLOG_TEST_ENGINE=postgresql (tests/run.sh's browser-pg): every server of
# this run on PostgreSQL (tests/lib.sh), its files apart, so both can run at once.
if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then OUT=tests/out/browser-pg; else OUT=tests/out/browser; fi
rm -rf "$OUT" && mkdir -p "$OUT"
node tests/browser/browser.test.mjs "$URL" "$(token 'Amelia Hart')" "$(token 'Aisha Bello')" "$OUT" "$(token 'David Ellis')"
st=$?
stop_server
# Passkeys: invitation to passkey with Chromium's virtual authenticator (its own server, public_url on localhost).
echo "# passkeys.test.mjs"
OUT="$OUT" bash tests/browser/passkeys.sh "$BIN" | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok passkeys-\2/; s/^1\.\.\([0-9]*\)$/# passkeys: 1..\1/'
pst=${PIPESTATUS[0]}
[ "$pst" = 0 ] || st=1
# Single sign-on through a real OpenID provider (oidc-provider on loopback).
echo "# oidc.test.mjs"
OUT="$OUT" bash tests/browser/oidc.sh "$BIN" | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok oidc-\2/; s/^1\.\.\([0-9]*\)$/# oidc: 1..\1/'
ost=${PIPESTATUS[0]}
[ "$ost" = 0 ] || st=1
# The admin screen and the oversight page at 390 and 1280 px (their own server on the demo).
echo "# admin.test.mjs"
OUT="$OUT" bash tests/browser/admin.sh "$BIN" | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok admin-\2/; s/^1\.\.\([0-9]*\)$/# admin: 1..\1/'
ast=${PIPESTATUS[0]}
[ "$ast" = 0 ] || st=1
# The trainee page reconciles its figures with the verified evidence (its own server on the demo).
echo "# figures.test.mjs"
OUT="$OUT" bash tests/browser/figures.sh "$BIN" | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok figures-\2/; s/^1\.\.\([0-9]*\)$/# figures: 1..\1/'
fst=${PIPESTATUS[0]}
[ "$fst" = 0 ] || st=1
# Imports on the web page: a trainee uploads, their trainer confirms in the browser (its own server on the demo).
echo "# imports.test.mjs"
OUT="$OUT" bash tests/browser/imports.sh "$BIN" | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok imports-\2/; s/^1\.\.\([0-9]*\)$/# imports: 1..\1/'
ist=${PIPESTATUS[0]}
[ "$ist" = 0 ] || st=1
exit $st
