#!/bin/bash
# tests/api/83-oidc.sh - single sign-on with OpenID Connect (issue 15 items
# 1 and 3), driven with curl against tests/oidc/mini-idp.mjs, a small
# provider that signs ID tokens with jose and can be told to get them
# wrong.  The authorization code flow with PKCE from /auth/oidc/start to
# the callback: an invited person's first sign-in (accepting the
# invitation), a second sign-in in the same browser ending the session it
# had, an existing account with an ES256 token, a HEAD that starts no
# flow; and each refusal,
# each a clear page, an audit line, no session and a spent flow: wrong
# audience, several audiences without azp, expired, issued in the future,
# bad signature, unknown key, wrong nonce, wrong issuer, alg none, HS256,
# email_verified false, no email, unknown email, deactivated account, the
# provider's error, a refused code exchange, a replayed callback (state),
# a replayed code, another browser's state, an expired flow.  Then the
# configuration's checks (secret file mode, missing client id).  The real
# provider (oidc-provider) in Chromium is tests/browser/oidc.test.mjs.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../oidc/lib.sh"

if ! command -v node >/dev/null || [ ! -d tests/js/node_modules/jose ]; then
	skip "node or tests/js/node_modules missing (cd tests/js && npm ci)"
	finish
	exit
fi

"$RASLOGD" --db "$DB" init >/dev/null 2>&1 || { echo "# init failed"; exit 1; }
ADMIN_ID=$(add_user "Ada Admin" admin)
ADMIN=$(token_of "$ADMIN_ID")
OLU=$(add_user "Olu Oidc" trainer)
LEFT=$(add_user "Lee Leaver" trainee)
PORT=$(free_port)
URL="http://localhost:$PORT"
CALLBACK="$URL/auth/oidc/callback"
oidc_secret 's3cret with spaces & symbols'
oidc_provider idp mini-idp.mjs raslog-test 's3cret with spaces & symbols' "$CALLBACK"
IDP=$OIDC_URL
mode() { curl -s -X POST --data-binary "$*" "$IDP/mode"; }

conf() { oidc_conf "$IDP" raslog-test "$@"; } # conf [extra lines]: the config with single sign-on
serve() { serve_at --auth-failures "${1:-1000}"; }
conf
serve

# An invitation for someone who has no account yet.
curl -s -o "$WORK/inv.json" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
	--data-binary '{"name":"Ivy Invited","email":"Ivy.Invited@test.raslog.org","roles":["trainee"],"site":"Leeds"}' \
	"$URL/api/v1/invitations"
check "the admin invited Ivy" "$(sql "select count(*) from invitations where accepted_at is null")" = 1

curl -s -o "$WORK/health.json" "$URL/api/v1/health"
check "GET /api/v1/health names the provider for the sign-in button" \
	"$(jget 'j["oidc"]["name"] + " " + j["oidc"]["start"]' <"$WORK/health.json")" = "Test Trust /auth/oidc/start"

# start JAR: GET /auth/oidc/start in the browser JAR; sets AUTHZ (the provider URL) and STARTCODE.
start() {
	STARTCODE=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -c "$1" -b "$1" "$URL/auth/oidc/start")
	AUTHZ=${STARTCODE#* }
	STARTCODE=${STARTCODE%% *}
}
# provider: follows AUTHZ at the provider; sets BACK (the callback URL it sends the browser to).
provider() { BACK=$(curl -s -o "$WORK/idp-answer" -w '%{redirect_url}' "$AUTHZ"); }
# callback JAR [URL]: the browser comes back; the status in CODE, the page in $WORK/page.
callback() {
	CODE=$(curl -s -D "$WORK/hdr" -o "$WORK/page" -w '%{http_code}' -c "$1" -b "$1" "${2:-$BACK}")
}
hdr() { tr -d '\r' <"$WORK/hdr" | sed -n "s/^$1: *//Ip"; }
reason() { sed -n 's/.*<code id="oidc-reason">\([^<]*\)<.*/\1/p' "$WORK/page"; }
session_of() { hdr Set-Cookie | sed -n 's/^raslog_session=\([^;]*\);.*/\1/p' | head -1; }
signin() { # signin JAR: the whole flow
	start "$1"
	provider
	callback "$1"
}

# ---- the flow -------------------------------------------------------------------------------
start "$WORK/jar1"
check "start answers 302" "$STARTCODE" = 302
q() { python3 -c "import sys,urllib.parse as u; print(u.parse_qs(u.urlparse(sys.argv[1]).query).get(sys.argv[2],[''])[0])" "$AUTHZ" "$1"; }
check "to the provider's authorization endpoint" "${AUTHZ%%\?*}" = "$IDP/authorize"
check "authorization request: code flow, our client, redirect_uri = public_url + /auth/oidc/callback" \
	"$(q response_type) $(q client_id) $(q redirect_uri)" = "code raslog-test $CALLBACK"
check "PKCE S256 with a 43-character challenge; scope openid email" \
	"$(q code_challenge_method) ${#AUTHZ} $(q code_challenge | wc -c) $(q scope)" = "S256 ${#AUTHZ} 44 openid email profile"
check "state and nonce are 43 base64url characters and differ" \
	"$(q state | grep -cE '^[A-Za-z0-9_-]{43}$')$(q nonce | grep -cE '^[A-Za-z0-9_-]{43}$')$([ "$(q state)" != "$(q nonce)" ] && echo y)" = "11y"
ck=$(grep raslog_oidc "$WORK/jar1" | awk '{print $7}')
check "the pre-session cookie is HttpOnly and scoped to /auth/oidc" \
	"$(grep -c '^#HttpOnly_localhost.*/auth/oidc.*raslog_oidc' "$WORK/jar1")" = 1
check "no state, nonce, verifier or browser secret stored in the clear" \
	"$(sql "select count(*) from oidc_flows where length(state_hash) = 32 and length(browser_hash) = 32 and used_at is null")" = 1
ok "the state is stored only as its BLAKE2b hash" sh -c "! sqlite3 '$DB' .dump | grep -q -e '$(q state)' -e '$ck'"

# Ivy, invited, signs in for the first time (her address differs in case).
mode ok ivy.invited@test.raslog.org
provider
check "the provider sends the browser back to the callback with code and state" "${BACK%%\?*}" = "$CALLBACK"
FIRST_BACK=$BACK
callback "$WORK/jar1"
check "the callback answers 303 to the page" "$CODE $(hdr Location)" = "303 /"
SID=$(session_of)
check "a web session cookie is set" "${#SID}" = 43
check "the pre-session cookie is cleared" "$(hdr Set-Cookie | grep -c '^raslog_oidc=;.*Max-Age=0')" = 1
curl -s -o "$WORK/me.json" -b "raslog_session=$SID" "$URL/api/v1/me"
check "the session is Ivy's" "$(jget 'j["name"] + " " + j["auth"]' <"$WORK/me.json")" = "Ivy Invited session"
check "her invitation was accepted by the sign-in" "$(sql "select count(*) from invitations where accepted_at is not null")" = 1
check "and the token the acceptance made is revoked (she signs in with the provider)" \
	"$(sql "select count(*) from tokens t join users u on u.id = t.user_id where u.name = 'Ivy Invited' and t.revoked_at is null")" = 0
check "the flow is spent with outcome ok" "$(sql "select outcome from oidc_flows where used_at is not null")" = ok
# Signing in again in the same browser (its cookie jar holds her session) ends that session: the id rotates.
signin "$WORK/jar1"
SID2=$(session_of)
check "a second sign-in in the same browser: 303 with a new session id" \
	"$CODE ${#SID2} $([ "$SID2" != "$SID" ] && echo new)" = "303 43 new"
check "  ...and the session the browser had is ended" \
	"$(curl -s -o /dev/null -w '%{http_code}' -b "raslog_session=$SID" "$URL/api/v1/me") $(sql "select count(*) from web_sessions where ended_at is null")" = "401 1"

# Replays: the same answer again (with the browser's cookie), and the same code in a new flow.
callback "$WORK/jar1x" "$FIRST_BACK"
check "the callback without the browser's cookie: 401 oidc-state-unknown" "$CODE $(reason)" = "401 oidc-state-unknown"
printf 'localhost\tFALSE\t/auth/oidc\tFALSE\t0\traslog_oidc\t%s\n' "$ck" >"$WORK/jar-replay"
callback "$WORK/jar-replay" "$FIRST_BACK"
check "a replayed callback (same state, same browser): 401 oidc-state-used" "$CODE $(reason)" = "401 oidc-state-used"
check "the replay's page says so" "$(grep -c 'already used' "$WORK/page")" = 1
check "the replay set no session" "$(session_of)" = ""
OLD_CODE=$(python3 -c "import sys,urllib.parse as u; print(u.parse_qs(u.urlparse(sys.argv[1]).query)['code'][0])" "$FIRST_BACK")
start "$WORK/jar2"
NEWSTATE=$(q state)
ck2=$(grep raslog_oidc "$WORK/jar2" | awk '{print $7}')
callback "$WORK/jar2" "$CALLBACK?code=$OLD_CODE&state=$NEWSTATE"
check "a replayed code in a new flow: the provider refuses it, 401 oidc-token-refused" "$CODE $(reason)" = "401 oidc-token-refused"
printf 'localhost\tFALSE\t/auth/oidc\tFALSE\t0\traslog_oidc\t%s\n' "$ck2" >"$WORK/jar-replay2"
callback "$WORK/jar-replay2" "$CALLBACK?code=$OLD_CODE&state=$NEWSTATE"
check "that refused flow is spent too: 401 oidc-state-used" "$CODE $(reason)" = "401 oidc-state-used"

# Another browser's state: started in jar3, answered in jar4.
start "$WORK/jar3"
provider
start "$WORK/jar4"
callback "$WORK/jar4"
check "a state started in another browser: 401 oidc-state-unknown" "$CODE $(reason)" = "401 oidc-state-unknown"
callback "$WORK/jar3"
check "the browser that started it can still finish (nothing was spent)" "$CODE" = 303

# An existing account, ES256.
mode es256 olu.oidc@test.raslog.org
signin "$WORK/jar5"
check "an existing account signs in (ES256 ID token): 303" "$CODE" = 303
curl -s -o "$WORK/me.json" -b "raslog_session=$(session_of)" "$URL/api/v1/me"
check "as Olu" "$(jget 'j["id"]' <"$WORK/me.json")" = "$OLU"

# ---- refusals ---------------------------------------------------------------------------------
refused() { # refused MODE EMAIL STATUS REASON DESCRIPTION
	mode "$1" "$2"
	signin "$WORK/jar-$1"
	check "$5: $3 $4" "$CODE $(reason)" = "$3 $4"
	check "$5: no session cookie" "$(session_of)" = ""
	check "$5: a page, not a problem document" "$(hdr Content-Type | grep -c '^text/html')" = 1
}
refused wrong-aud olu.oidc@test.raslog.org 401 oidc-audience "wrong audience"
refused multi-aud olu.oidc@test.raslog.org 401 oidc-audience "several audiences without azp"
refused expired olu.oidc@test.raslog.org 401 oidc-expired "expired ID token"
refused future olu.oidc@test.raslog.org 401 oidc-issued-at "ID token issued in the future"
refused bad-sig olu.oidc@test.raslog.org 401 oidc-signature "bad signature (a key the provider does not publish)"
refused unknown-kid olu.oidc@test.raslog.org 401 oidc-unknown-key "a kid the provider does not publish"
refused wrong-nonce olu.oidc@test.raslog.org 401 oidc-nonce "wrong nonce"
refused wrong-iss olu.oidc@test.raslog.org 401 oidc-issuer "wrong issuer"
refused none olu.oidc@test.raslog.org 401 oidc-algorithm "alg none"
refused hs256 olu.oidc@test.raslog.org 401 oidc-algorithm "HS256 keyed with the client secret"
refused unverified olu.oidc@test.raslog.org 401 oidc-email-unverified "email_verified false"
refused no-email olu.oidc@test.raslog.org 401 oidc-no-email "no email claim"
refused ok nobody@test.raslog.org 403 oidc-unknown-email "unknown email (no self-registration)"
refused deny olu.oidc@test.raslog.org 401 oidc-provider-error "the provider's error"
check "the provider's error is on the page" "$(grep -c 'access_denied' "$WORK/page")" = 1
refused token-error olu.oidc@test.raslog.org 401 oidc-token-refused "the token endpoint refuses"
curl -s -o /dev/null -X PATCH -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
	--data-binary '{"active":false}' "$URL/api/v1/users/$LEFT"
refused ok lee.leaver@test.raslog.org 403 oidc-account-deactivated "a deactivated account"
check "no account was made for the unknown address" "$(sql "select count(*) from users where email = 'nobody@test.raslog.org'")" = 0

# Every flow that came back is spent, refused or not: only the one jar4 started and dropped is not.
check "every flow that came back to the callback is spent, whatever its outcome" \
	"$(sql "select count(*) from oidc_flows where used_at is null")" = 1
# An expired flow.
mode ok olu.oidc@test.raslog.org
start "$WORK/jar6"
provider
sql "update oidc_flows set expires_at = '2000-01-01T00:00:00Z' where used_at is null"
callback "$WORK/jar6"
check "a flow older than ten minutes: 401 oidc-state-expired" "$CODE $(reason)" = "401 oidc-state-expired"
callback "$WORK/jar6" "$CALLBACK?state=x&code=y"
check "a malformed state: 401 oidc-state-unknown" "$CODE $(reason)" = "401 oidc-state-unknown"

# The audit has one line per callback.
A="$WORK/audit.log"
check "successful SSO sign-ins are audited with the person" \
	"$(grep '"event":"signin","outcome":"ok"' "$A" | grep '"method":"oidc"' | grep -c '"subject":[1-9]')" = 4
check "Ivy's sign-in is audited as accepting her invitation" "$(grep -c '"invitation_accepted":true' "$A")" = 1
for r in oidc-audience oidc-expired oidc-issued-at oidc-signature oidc-unknown-key oidc-nonce oidc-issuer oidc-algorithm \
	oidc-email-unverified oidc-no-email oidc-unknown-email oidc-provider-error oidc-token-refused \
	oidc-account-deactivated oidc-state-used oidc-state-unknown oidc-state-expired; do
	check "a refused SSO sign-in is audited: $r" \
		"$(grep '"event":"signin","outcome":"refused"' "$A" | grep '"method":"oidc"' | grep -c "\"reason\":\"$r\"")" -ge 1
done
ok "no e-mail address, code, state or ID token in the audit log" \
	sh -c "! grep -q -i -e 'test.raslog.org' -e '$OLD_CODE' -e 'eyJ' '$A'"

# An address may hold only so many unfinished flows (each is a row): the 31st is refused, stored nothing.
sql "delete from oidc_flows where used_at is null"
for i in $(seq 1 30); do curl -s -o /dev/null "$URL/auth/oidc/start"; done
st=$(curl -s -I -o /dev/null -D "$WORK/hdr" -w '%{http_code}' "$URL/auth/oidc/start")
check "HEAD /auth/oidc/start (a link preview): 200, no cookie, no flow, even with the address's flows used up" \
	"$st $(hdr Set-Cookie | wc -l) $(hdr Location | wc -l) $(sql "select count(*) from oidc_flows where used_at is null")" = "200 0 0 30"
code=$(curl -s -o "$WORK/page" -w '%{http_code}' "$URL/auth/oidc/start")
check "the 31st unfinished sign-in from one address: 429 oidc-too-many-flows" "$code $(reason)" = "429 oidc-too-many-flows"
check "and it stored no flow" "$(sql "select count(*) from oidc_flows where used_at is null")" = 30

# Rate limit: refused SSO sign-ins count against the address.
stop_server
serve 3
mode wrong-aud olu.oidc@test.raslog.org
for i in 1 2 3; do signin "$WORK/jar-rl$i"; done
start "$WORK/jar-rl4"
check "after 3 refused SSO sign-ins the address gets 429" "$STARTCODE" = 429
stop_server

# A provider that takes the client secret only in the form (client_secret_post).
oidc_provider idp2 mini-idp.mjs raslog-test 's3cret with spaces & symbols' "$CALLBACK" post
IDP2=$OIDC_URL
sed -i "s#^oidc_issuer = .*#oidc_issuer = $IDP2#" "$WORK/raslog.conf"
sql "delete from oidc_flows where used_at is null" # the 30 unfinished flows above
serve
curl -s -X POST --data-binary "ok olu.oidc@test.raslog.org" "$IDP2/mode"
signin "$WORK/jar-post"
check "a provider offering only client_secret_post: the secret goes in the form, 303" "$CODE" = 303
stop_server

# ---- configuration -----------------------------------------------------------------------------
chmod 644 "$WORK/oidc-secret"
RASLOG_CONFIG="$WORK/raslog.conf" "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" >/dev/null 2>"$WORK/err"
check "a client secret file others can read is refused (exit 2)" "$?:$(grep -c 'chmod 600' "$WORK/err")" = "2:1"
chmod 600 "$WORK/oidc-secret"
printf '[server]\noidc_issuer = %s\n' "$IDP" >"$WORK/half.conf"
RASLOG_CONFIG="$WORK/half.conf" "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" >/dev/null 2>"$WORK/err"
check "oidc_issuer without oidc_client_id is refused (exit 2)" "$?:$(grep -c 'oidc_client_id' "$WORK/err")" = "2:1"
printf '[server]\noidc_issuer = http://idp.example.org\n' >"$WORK/bad.conf"
RASLOG_CONFIG="$WORK/bad.conf" "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" >/dev/null 2>"$WORK/err"
check "an http:// issuer off this machine is refused (exit 2)" "$?:$(grep -c 'https://' "$WORK/err")" = "2:1"
printf '[server]\n' >"$WORK/plain.conf"
RASLOG_CONFIG="$WORK/plain.conf" "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" \
	--oidc-issuer http://idp.example.org --oidc-client-id x >/dev/null 2>"$WORK/err"
check "the same through --oidc-issuer is refused (exit 2)" "$?:$(grep -c 'https://' "$WORK/err")" = "2:1"
RASLOG_CONFIG="$WORK/plain.conf" "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" --oidc-issuer "$IDP" \
	--oidc-client-id raslog-test --oidc-client-secret-file "$WORK/oidc-secret" --oidc-name "Flag Trust" \
	>"$WORK/server.log" 2>&1 &
SERVER_PID=$!
until curl -sf "http://127.0.0.1:$PORT/api/v1/health" >"$WORK/health.json" 2>/dev/null; do sleep 0.05; done
check "the --oidc-* flags configure single sign-on without a config file's keys" \
	"$(jget 'j["oidc"]["name"]' <"$WORK/health.json")" = "Flag Trust"
stop_server
RASLOG_CONFIG="$WORK/plain.conf" "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" \
	--audit "$WORK/audit.log" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
until curl -sf "http://127.0.0.1:$PORT/api/v1/health" >"$WORK/health.json" 2>/dev/null; do sleep 0.05; done
check "without single sign-on, health has no oidc member" "$(jget '"oidc" in j' <"$WORK/health.json")" = False
code=$(curl -s -o "$WORK/page" -w '%{http_code}' "http://127.0.0.1:$PORT/auth/oidc/start")
check "and /auth/oidc/start answers 404 with a page" "$code:$(grep -c 'not set up' "$WORK/page")" = "404:1"
finish
