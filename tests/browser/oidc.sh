#!/bin/bash
# tests/browser/oidc.sh BIN - oidc.test.mjs: single sign-on in headless
# Chromium through a real OpenID provider (npm oidc-provider, run on
# loopback by tests/oidc/provider.mjs), against a raslogd whose public_url
# is http://localhost:PORT and whose oidc_issuer is that provider.  Run by
# tests/browser/run.sh; screenshots and axe reports in tests/out/browser/.
BIN=${1:-$BIN}
export BIN
. tests/lib.sh
if [ ! -x /usr/bin/chromium ]; then
	echo "not ok 1 - /usr/bin/chromium is missing (Debian package chromium; make test installs it as root)"
	exit 1
fi
"$RASLOGD" --db "$DB" init >/dev/null 2>&1 || { echo "not ok 1 - init failed"; exit 1; }
ADMIN=$(token_of "$(add_user "Ada Admin" admin)")
PORT=$(free_port)
printf 'browser-test-secret\n' >"$WORK/oidc-secret"
chmod 600 "$WORK/oidc-secret"
# The provider's accounts: olu (invited by the test), stranger (never invited), unverified.
node tests/oidc/provider.mjs raslog-browser browser-test-secret "http://localhost:$PORT/auth/oidc/callback" \
	olu=olu.adeyemi@test.raslog.org stranger=stranger@elsewhere.example \
	unverified=ada.admin@test.raslog.org,unverified >"$WORK/idp.log" 2>&1 &
IDP_PID=$!
trap 'kill $IDP_PID 2>/dev/null; cleanup' EXIT
i=0
until grep -q '^listening' "$WORK/idp.log"; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$IDP_PID" 2>/dev/null; then
		echo "not ok 1 - the OpenID provider did not start"; sed 's/^/#   /' "$WORK/idp.log"; exit 1
	fi
	sleep 0.05
done
IDP="http://127.0.0.1:$(sed -n 's/^listening //p' "$WORK/idp.log")"
{
	printf '[server]\npublic_url = http://localhost:%s\noidc_issuer = %s\noidc_name = Test Trust\n' "$PORT" "$IDP"
	printf 'oidc_client_id = raslog-browser\noidc_client_secret_file = %s\n' "$WORK/oidc-secret"
} >"$WORK/raslog.conf"
RASLOG_CONFIG="$WORK/raslog.conf" "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" --web web \
	--audit "$WORK/audit.log" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
		echo "not ok 1 - the server did not start"; sed 's/^/#   /' "$WORK/server.log"; exit 1
	fi
	sleep 0.05
done
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
