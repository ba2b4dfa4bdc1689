#!/bin/bash
# tests/api/82-device.sh - `raslog login` (issue 15 item 2): the OAuth 2.0
# device authorization grant (RFC 8628).  A grant's codes, stored hashed;
# authorization_pending, slow_down, approval (by token, and by a web
# session with its CSRF guard), the token it issues and its single use,
# denial, expiry, unknown codes, the per-address cap and the guessing
# limit; then `raslog login` in the background approved through the API
# with another credential of the same person, a session logged with the
# stored token, and `raslog logout`.  Waiting is simulated by moving stored
# times into the past, never by asserting on timing.
. "$(dirname "$0")/../lib.sh"

# mk, req, hdr and j: tests/lib.sh.
blake() { python3 -c "import base64,hashlib,sys; r=base64.urlsafe_b64decode(sys.argv[1]+'='); print(hashlib.blake2b(r, digest_size=32).hexdigest().upper())" "$1"; }
GT=urn:ietf:params:oauth:grant-type:device_code
start_grant() { req POST /api/v1/device/code - '{"client_id":"raslog-cli"}' >/dev/null; DC=$(j 'j["device_code"]'); UC=$(j 'j["user_code"]'); }
poll() { req POST /api/v1/device/token - "{\"device_code\":\"$1\",\"grant_type\":\"$GT\",\"client_id\":\"raslog-cli\"}"; }
waited() { sql "update device_grants set last_poll_at = null"; } # as if the client had waited its interval

start_server --auth-failures 1000 --web web
mk T "Tia Trainee" trainee
mk R "Rob Trainer" trainer
tT=$(token_of "$T"); tR=$(token_of "$R")
today=$(date -u +%F)

# ---- starting a grant -------------------------------------------------------------------
st=$(req POST /api/v1/device/code - '{"client_id":"raslog-cli"}')
check "POST /device/code without a token: 200" "$st" = 200
DC=$(j 'j["device_code"]'); UC=$(j 'j["user_code"]')
check "  ...a 43-character device code" "${#DC}" = 43
check "  ...a user code XXXX-XXXX of the unambiguous alphabet" \
	"$(echo "$UC" | grep -cE '^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$')" = 1
check "  ...verification_uri is the site's #/device page" "$(j 'j["verification_uri"]')" = "$URL/#/device"
check "  ...verification_uri_complete carries the code" "$(j 'j["verification_uri_complete"]')" = "$URL/#/device?user_code=$UC"
check "  ...expires_in 600, interval 5" "$(j 'j["expires_in"]') $(j 'j["interval"]')" = "600 5"
check "  ...Cache-Control: no-store" "$(hdr Cache-Control)" = no-store
check "  ...the device code is stored only as its hash" \
	"$(sql "select count(*) from device_grants where hex(device_hash) = '$(blake "$DC")'")" = 1
check "  ...and neither code appears in the database" \
	"$(sql "select count(*) from device_grants where device_hash = '$DC' or user_code_hash = '$UC' or user_code_hash = '${UC/-/}' or client_id = '$UC'")" = 0
check "  ...audited" "$(grep -c '"event":"device.start","outcome":"ok"' "$WORK/audit.log")" = 1
n0=$(sql "select count(*) from device_grants")
st=$(req POST /api/v1/device/code - '{"client_id":"someone-else"}')
check "another client_id: 400 naming client_id" "$st $(j 'j["errors"][0]["field"]')" = "400 client_id"
st=$(req POST /api/v1/device/code - '{}')
check "no client_id: 400" "$st" = 400
st=$(req POST /api/v1/device/code - '{"client_id":"raslog-cli","scope":"admin"}')
check "a scope other than write: 400" "$st $(j 'j["errors"][0]["field"]')" = "400 scope"
check "  ...and no grant was stored by the refusals" "$(sql "select count(*) from device_grants")" = "$n0"

# ---- polling ------------------------------------------------------------------------------
st=$(poll "$DC")
check "first poll: 400 authorization_pending (RFC 8628 3.5)" "$st $(j 'j["error"]')" = "400 authorization_pending"
check "  ...a JSON OAuth error, not problem+json" "$(hdr Content-Type)" = application/json
st=$(poll "$DC")
check "a poll before the interval is over: slow_down" "$st $(j 'j["error"]')" = "400 slow_down"
check "  ...and the interval grows by 5 seconds" "$(sql "select interval from device_grants where hex(device_hash) = '$(blake "$DC")'")" = 10
st=$(poll "$DC")
check "  ...polling on regardless is slowed again" "$(j 'j["error"]') $(sql "select interval from device_grants where hex(device_hash) = '$(blake "$DC")'")" = "slow_down 15"
waited
st=$(poll "$DC")
check "after the interval: pending again" "$(j 'j["error"]')" = authorization_pending
st=$(req POST /api/v1/device/token - "{\"device_code\":\"$DC\",\"grant_type\":\"authorization_code\"}")
check "another grant_type: unsupported_grant_type" "$st $(j 'j["error"]')" = "400 unsupported_grant_type"
st=$(req POST /api/v1/device/token - "{\"device_code\":\"$DC\",\"grant_type\":\"$GT\",\"client_id\":\"x\"}")
check "another client_id: invalid_client" "$st $(j 'j["error"]')" = "400 invalid_client"
st=$(req POST /api/v1/device/token - "{\"grant_type\":\"$GT\"}")
check "no device_code: invalid_request" "$st $(j 'j["error"]')" = "400 invalid_request"
st=$(poll "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
check "an unknown device code: invalid_grant" "$st $(j 'j["error"]')" = "400 invalid_grant"

# ---- approval -------------------------------------------------------------------------------
st=$(req POST /api/v1/device/approve - "{\"user_code\":\"$UC\",\"approve\":true}")
check "approving needs a signed-in person: 401" "$st" = 401
req POST /api/v1/tokens "$tT" '{"name":"reader","scope":"read"}' >/dev/null; tRead=$(j 'j["token"]')
st=$(req POST /api/v1/device/approve "$tRead" "{\"user_code\":\"$UC\",\"approve\":true}")
check "a read-only token cannot approve (it would mint a write token): 403" "$st $(j 'j["type"]')" = "403 urn:raslog:problem:read-only-token"
st=$(req POST /api/v1/device/approve "$tT" '{"user_code":"BCDF-GHJK","approve":true}')
check "a code nobody is waiting for: 400 on user_code" "$st $(j 'j["errors"][0]["field"]')" = "400 user_code"
st=$(req POST /api/v1/device/approve "$tT" '{"user_code":"ABCD-1234","approve":true}')
check "a code outside the alphabet: 400 on user_code" "$st $(j 'j["errors"][0]["field"]')" = "400 user_code"
st=$(req POST /api/v1/device/approve "$tT" "{\"user_code\":\"$UC\"}")
check "approve missing: 400 on approve" "$st $(j 'j["errors"][0]["field"]')" = "400 approve"
check "  ...the grant is still waiting" "$(sql "select status from device_grants where hex(device_hash) = '$(blake "$DC")'")" = pending
lower=$(echo "${UC/-/ }" | tr A-Z a-z)
st=$(req POST /api/v1/device/approve "$tT" "{\"user_code\":\"$lower\",\"approve\":true}")
check "approval (case and separator ignored): 200" "$st $(j 'j["approved"]')" = "200 True"
check "  ...audited as device.approve by the approver" \
	"$(grep '"event":"device.approve","outcome":"ok"' "$WORK/audit.log" | grep -c "\"user\":$T,")" = 1
st=$(req POST /api/v1/device/approve "$tT" "{\"user_code\":\"$UC\",\"approve\":false}")
check "  ...a code is decided once: 409" "$st $(j 'j["type"]')" = "409 urn:raslog:problem:device-code-used"
ntok=$(sql "select count(*) from tokens where user_id = $T")
waited
st=$(poll "$DC")
check "the next poll: 200 with a bearer access token of scope write" \
	"$st $(j 'j["token_type"]') $(j 'j["scope"]')" = "200 Bearer write"
AT=$(j 'j["access_token"]'); ATID=$(j 'j["token_id"]')
check "  ...Cache-Control: no-store" "$(hdr Cache-Control)" = no-store
check "  ...a new personal access token of the approver" "$(sql "select count(*) from tokens where user_id = $T")" = $((ntok + 1))
check "  ...named for the day, scope write" "$(sql "select name || ' ' || scope from tokens where id = $ATID")" = "raslog login on $today write"
check "  ...audited as device.token" "$(grep -c "\"event\":\"device.token\",\"outcome\":\"ok\".*\"subject\":$T,\"token\":$ATID" "$WORK/audit.log")" = 1
st=$(req GET /api/v1/me "$AT")
check "the token authenticates as the approver" "$st $(j 'j["id"]')" = "200 $T"
st=$(req POST /api/v1/sessions "$AT" "{\"date\":\"$today\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$R}")
check "  ...and may log a session" "$st" = 201
waited
st=$(poll "$DC")
check "the device code is single-use: invalid_grant" "$st $(j 'j["error"]')" = "400 invalid_grant"
check "  ...and no second token was issued" "$(sql "select count(*) from tokens where user_id = $T")" = $((ntok + 1))

# ---- approval from a web session ------------------------------------------------------------
start_grant
SID=$(fixture_session "$T")
req GET /api/v1/me "cookie:$SID" >/dev/null; CSRF=$(j 'j["csrf_token"]')
st=$(req POST /api/v1/device/approve "cookie:$SID" "{\"user_code\":\"$UC\",\"approve\":true}" -H "Origin: $URL")
check "approval by a web session without the CSRF token: 403" "$st $(j 'j["type"]')" = "403 urn:raslog:problem:csrf"
st=$(req POST /api/v1/device/approve "cookie:$SID" "{\"user_code\":\"$UC\",\"approve\":true}" -H "Origin: http://evil.example" -H "X-CSRF-Token: $CSRF")
check "  ...from another site: 403" "$st $(j 'j["type"]')" = "403 urn:raslog:problem:cross-site"
check "  ...and the grant still waits" "$(sql "select status from device_grants where hex(device_hash) = '$(blake "$DC")'")" = pending
st=$(req POST /api/v1/device/approve "cookie:$SID" "{\"user_code\":\"$UC\",\"approve\":true}" -H "Origin: $URL" -H "X-CSRF-Token: $CSRF")
check "  ...with Origin and X-CSRF-Token: 200" "$st" = 200
check "  ...audited as approved via the session" "$(grep '"event":"device.approve","outcome":"ok"' "$WORK/audit.log" | grep -c '"via":"session"')" = 1
st=$(poll "$DC")
check "  ...and the client receives a token of that person" "$st" = 200
st=$(req GET /api/v1/me "$(j 'j["access_token"]')")
check "  ...(it authenticates as them)" "$(j 'j["id"]')" = "$T"

# ---- denial, expiry -------------------------------------------------------------------------
start_grant
st=$(req POST /api/v1/device/approve "$tR" "{\"user_code\":\"$UC\",\"approve\":false}")
check "denial: 200 approved false" "$st $(j 'j["approved"]')" = "200 False"
check "  ...audited as device.deny" "$(grep -c '"event":"device.deny","outcome":"ok"' "$WORK/audit.log")" = 1
ntok=$(sql "select count(*) from tokens")
st=$(poll "$DC")
check "  ...the client is told access_denied" "$st $(j 'j["error"]')" = "400 access_denied"
check "  ...and no token was issued" "$(sql "select count(*) from tokens")" = "$ntok"
start_grant
sql "update device_grants set expires_at = '2000-01-01T00:00:00Z' where hex(device_hash) = '$(blake "$DC")'"
st=$(poll "$DC")
check "an expired grant: expired_token" "$st $(j 'j["error"]')" = "400 expired_token"
st=$(req POST /api/v1/device/approve "$tT" "{\"user_code\":\"$UC\",\"approve\":true}")
check "  ...and its code can no longer be approved: 409" "$st $(j 'j["type"]')" = "409 urn:raslog:problem:device-code-expired"
check "  ...and no token was issued" "$(sql "select count(*) from tokens")" = "$ntok"

# ---- raslog login / logout -------------------------------------------------------------------
CFG="$WORK/xdg"
mkdir -p "$CFG/raslog"
printf '# my settings\n' >"$CFG/raslog/config"
XDG_CONFIG_HOME="$CFG" "$RASLOG" login --server "$URL" >"$WORK/login.out" 2>"$WORK/login.err" &
LOGIN_PID=$!
code=""
for i in $(seq 1 200); do
	code=$(sed -n 's/^    \([B-Z]\{4\}-[B-Z]\{4\}\)$/\1/p' "$WORK/login.out")
	[ -n "$code" ] && break
	sleep 0.05
done
check "raslog login prints a code" "-n \"$code\""
check "  ...and the address to enter it at" "$(grep -c "^    $URL/#/device\$" "$WORK/login.out")" = 1
check "  ...and the address that carries the code" "$(grep -c "$URL/#/device?user_code=$code" "$WORK/login.out")" = 1
# Approved with another credential of the same person (their first token).
st=$(req POST /api/v1/device/approve "$tT" "{\"user_code\":\"$code\",\"approve\":true}")
check "  ...approved through the API: 200" "$st" = 200
lrc=""
for i in $(seq 1 600); do
	if ! kill -0 "$LOGIN_PID" 2>/dev/null; then wait "$LOGIN_PID"; lrc=$?; break; fi
	sleep 0.05
done
[ -z "$lrc" ] && { kill "$LOGIN_PID" 2>/dev/null; wait "$LOGIN_PID" 2>/dev/null; lrc=timeout; }
check "raslog login exits 0 once approved" "$lrc" = 0
sed 's/^/#   /' "$WORK/login.err"
check "  ...says who is signed in" "$(grep -c "^Signed in to $URL as Tia Trainee <tia.trainee@test.raslog.org> (trainee).\$" "$WORK/login.out")" = 1
check "  ...stores the config file with mode 0600" "$(stat -c %a "$CFG/raslog/config")" = 600
check "  ...keeping the lines it does not own" "$(head -1 "$CFG/raslog/config")" = "# my settings"
check "  ...recording the server" "$(grep -c "^server = $URL\$" "$CFG/raslog/config")" = 1
LT=$(sed -n 's/^token = //p' "$CFG/raslog/config")
LTID=$(sql "select token_id from device_grants where status = 'issued' order by id desc limit 1")
check "  ...and the token" "${#LT}" = 46
ok "a session is logged with the stored token and server (no flags, no environment)" \
	env -u RASLOG_SERVER -u RASLOG_TOKEN XDG_CONFIG_HOME="$CFG" "$RASLOG" log --date "$today" --minutes 45 \
	--activity simulator --trainer "$R"
check "  ...by the person who approved" "$(sql "select count(*) from sessions where trainee_id = $T and minutes = 45")" = 1
ok "raslog logout succeeds" env -u RASLOG_SERVER -u RASLOG_TOKEN XDG_CONFIG_HOME="$CFG" "$RASLOG" logout
check "  ...says which token it revoked" "$(grep -c "^Revoked token $LTID on $URL.\$" "$WORK/out")" = 1
check "  ...the token is revoked on the server" "$(sql "select CASE WHEN revoked_at IS NOT NULL THEN 1 ELSE 0 END from tokens where id = $LTID")" = 1
st=$(req GET /api/v1/me "$LT")
check "  ...and no longer works" "$st" = 401
check "  ...it is gone from the file, the rest stays" "$(grep -c '^token' "$CFG/raslog/config") $(grep -c '^# my settings$' "$CFG/raslog/config")" = "0 1"
env -u RASLOG_SERVER -u RASLOG_TOKEN XDG_CONFIG_HOME="$CFG" "$RASLOG" me >/dev/null 2>"$WORK/err"
check "  ...so raslog me now says there is no token (exit 4)" "$? $(grep -c 'no token is set' "$WORK/err")" = "4 1"

# A denied login exits 4 and stores nothing.
XDG_CONFIG_HOME="$CFG" "$RASLOG" login >"$WORK/login2.out" 2>"$WORK/login2.err" &
LOGIN_PID=$!
code=""
for i in $(seq 1 200); do
	code=$(sed -n 's/^    \([B-Z]\{4\}-[B-Z]\{4\}\)$/\1/p' "$WORK/login2.out")
	[ -n "$code" ] && break
	sleep 0.05
done
req POST /api/v1/device/approve "$tT" "{\"user_code\":\"$code\",\"approve\":false}" >/dev/null
lrc=""
for i in $(seq 1 600); do
	if ! kill -0 "$LOGIN_PID" 2>/dev/null; then wait "$LOGIN_PID"; lrc=$?; break; fi
	sleep 0.05
done
[ -z "$lrc" ] && { kill "$LOGIN_PID" 2>/dev/null; wait "$LOGIN_PID" 2>/dev/null; lrc=timeout; }
check "a denied raslog login exits 4" "$lrc" = 4
check "  ...saying it was denied" "$(grep -c "the sign-in with the code $code was denied" "$WORK/login2.err")" = 1
check "  ...and stores no token" "$(grep -c '^token' "$CFG/raslog/config")" = 0

# ---- approval in Chromium -------------------------------------------------------------------------
if [ -x /usr/bin/chromium ] && command -v node >/dev/null; then
	XDG_CONFIG_HOME="$CFG" "$RASLOG" login >"$WORK/login3.out" 2>"$WORK/login3.err" &
	LOGIN_PID=$!
	code=""
	for i in $(seq 1 200); do
		code=$(sed -n 's/^    \([B-Z]\{4\}-[B-Z]\{4\}\)$/\1/p' "$WORK/login3.out")
		[ -n "$code" ] && break
		sleep 0.05
	done
	start_grant
	decided=$(grep -c '"event":"device.\(approve\|deny\)","outcome":"ok"' "$WORK/audit.log")
	ok "in Chromium, #/device approves the CLI's code and denies another" node tests/browser/device.test.mjs "$URL" "$tT" "$code" "$UC"
	sed 's/^/#   /' "$WORK/out"
	lrc=""
	for i in $(seq 1 600); do
		if ! kill -0 "$LOGIN_PID" 2>/dev/null; then wait "$LOGIN_PID"; lrc=$?; break; fi
		sleep 0.05
	done
	[ -z "$lrc" ] && { kill "$LOGIN_PID" 2>/dev/null; wait "$LOGIN_PID" 2>/dev/null; lrc=timeout; }
	check "  ...raslog login completes" "$lrc" = 0
	ok "  ...and the CLI logs a session with its stored token" \
		env -u RASLOG_SERVER -u RASLOG_TOKEN XDG_CONFIG_HOME="$CFG" "$RASLOG" log --date "$today" --minutes 55 \
		--activity simulator --trainer "$R"
	check "  ...as the person signed in in the browser" "$(sql "select count(*) from sessions where trainee_id = $T and minutes = 55")" = 1
	waited
	st=$(poll "$DC")
	check "  ...and the code denied in the browser polls access_denied" "$st $(j 'j["error"]')" = "400 access_denied"
	check "  ...both decisions audited" \
		"$(grep -c '"event":"device.\(approve\|deny\)","outcome":"ok"' "$WORK/audit.log")" = $((decided + 2))
else
	skip "approval in Chromium: /usr/bin/chromium or node is missing"
fi

# ---- limits -------------------------------------------------------------------------------------
live=$(sql "select count(*) from device_grants where status <> 'issued' and expires_at > strftime('%Y-%m-%dT%H:%M:%SZ','now')")
codes=""
for i in $(seq "$live" 20); do codes="$codes $(req POST /api/v1/device/code - '{"client_id":"raslog-cli"}')"; done
check "one address may hold 20 waiting grants; the 21st is refused with 429" "$(echo $codes | tr ' ' '\n' | sort | uniq -c | tr -s ' ' | tr '\n' ';')" = " $((20 - live)) 200; 1 429;"
check "  ...with Retry-After" "-n \"$(hdr Retry-After)\""
stop_server
start_server --auth-failures 3
for i in 1 2 3; do req POST /api/v1/device/approve "$tT" '{"user_code":"BBBB-BBBB","approve":true}' >/dev/null; done
st=$(req POST /api/v1/device/approve "$tT" '{"user_code":"BBBB-BBBB","approve":true}')
check "guessing user codes counts as failed sign-ins: rate-limited (429)" "$st" = 429
stop_server
printf '[server]\npublic_url = https://raslog.example.org\n' >"$WORK/raslogd.conf"
RASLOG_CONFIG="$WORK/raslogd.conf" start_server
sql "delete from device_grants"
req POST /api/v1/device/code - '{"client_id":"raslog-cli"}' >/dev/null
check "with public_url configured, verification_uri is on the public site" "$(j 'j["verification_uri"]')" = "https://raslog.example.org/#/device"

finish
