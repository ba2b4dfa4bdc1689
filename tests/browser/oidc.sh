#!/bin/bash
# tests/browser/oidc.sh BIN - oidc.test.mjs: single sign-on in headless
# Chromium through a real OpenID provider (npm oidc-provider, run on
# loopback by tests/oidc/provider.mjs), against a raslogd whose public_url
# is http://localhost:PORT and whose oidc_issuer is that provider.  Run by
# tests/browser/run.sh; screenshots and axe reports in tests/out/browser/.
. tests/browser/lib.sh
. tests/oidc/lib.sh
"$RASLOGD" --db "$DB" init >/dev/null 2>&1 || { echo "not ok 1 - init failed"; exit 1; }
ADMIN=$(token_of "$(add_user "Ada Admin" admin)")
PORT=$(free_port)
oidc_secret browser-test-secret
# The provider's accounts: olu (invited by the test), stranger (never invited), unverified.
oidc_provider idp provider.mjs raslog-browser browser-test-secret "http://localhost:$PORT/auth/oidc/callback" \
	olu=olu.adeyemi@test.raslog.org stranger=stranger@elsewhere.example \
	unverified=ada.admin@test.raslog.org,unverified
oidc_conf "$OIDC_URL" raslog-browser
serve_at --web web
OUT=${OUT:-tests/out/browser}
mkdir -p "$OUT"
node tests/browser/oidc.test.mjs "http://localhost:$PORT" "$ADMIN" "$OUT"
st=$?
# The audit log has one line per sign-in through the provider, and each refusal with its reason.
n_ok=$(grep '"event":"signin","outcome":"ok"' "$WORK/audit.log" | grep -c '"method":"oidc"')
n_no=$(grep '"event":"signin","outcome":"refused"' "$WORK/audit.log" | grep '"method":"oidc"' | grep -c -e oidc-unknown-email -e oidc-email-unverified)
if [ "$n_ok:$n_no" = "2:2" ]; then echo "# audit: 2 SSO sign-ins, 2 refusals"; else
	echo "not ok - the audit log has 2 SSO sign-ins and 2 refusals (got $n_ok:$n_no)"; st=1; fi
stop_server
exit $st
