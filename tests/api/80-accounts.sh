#!/bin/bash
# tests/api/80-accounts.sh - accounts (issue 14): personal access tokens
# (create, list, revoke, read scope, expiry), the operator's token
# commands, the admin's account list and changes (search, PATCH, own
# profile, deactivation of a leaver, the last-admin guard), invitations
# (one use, expiry, resend), and web sessions (cookie flags, CSRF guard,
# idle and absolute time-outs, rotation, sign out and sign out
# everywhere).  Time-outs are tested by moving stored times into the past,
# never by sleeping.
. "$(dirname "$0")/../lib.sh"

# mk, req, hdr and j: tests/lib.sh.
ntokens() { sql "select count(*) from tokens"; }
blake() { python3 -c "import base64,hashlib,sys; r=base64.urlsafe_b64decode(sys.argv[1]+'='); print(hashlib.blake2b(r, digest_size=32).hexdigest())" "$1"; }
# fixture_session (tests/lib.sh): a web session made directly in the database (a second device).

start_server --auth-failures 1000
mk A "Ada Admin" admin
mk F "Fay Faculty" faculty
mk T "Tia Trainee" trainee
mk R "Rob Trainer" trainer
tA=$(token_of "$A"); tF=$(token_of "$F"); tT=$(token_of "$T"); tR=$(token_of "$R")
today=$(date -u +%F)
future=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)

# ---- personal access tokens ------------------------------------------------------------
st=$(req POST /api/v1/tokens "$tT" "{\"name\":\"laptop\",\"scope\":\"write\",\"expires_at\":\"$future\"}")
check "POST /tokens: 201" "$st" = 201
P1=$(j 'j["id"]'); P1tok=$(j 'j["token"]')
check "  ...the token is shown, 46 characters" "${#P1tok}" = 46
check "  ...with its name, scope and expiry" "$(j 'j["name"]+" "+j["scope"]+" "+j["expires_at"]')" = "laptop write $future"
check "  ...Location names it" "$(hdr Location)" = "/api/v1/tokens/$P1"
check "  ...stored hashed: the token is nowhere in the database" "$(sql "select count(*) from tokens where hash = '$P1tok' or name = '$P1tok'")" = 0
st=$(req GET /api/v1/me "$P1tok")
check "the new token authenticates as its owner" "$st $(j 'j["id"]')" = "200 $T"
st=$(req GET /api/v1/tokens "$tT")
check "GET /tokens: 200" "$st" = 200
ok "  ...lists id, name, scope, created_at, last_used_at, expires_at and never a token" python3 -c "
import json; j=json.load(open('$WORK/body'))
t=[x for x in j['items'] if x['id']==$P1][0]
assert set(t) == {'id','name','scope','created_at','last_used_at','expires_at','current'}, t
assert 'rl_' not in json.dumps(j)"
check "  ...only the caller's tokens" "$(j 'len(j["items"])')" = 2
last=""
for i in $(seq 1 40); do
	req GET /api/v1/tokens "$tT" >/dev/null
	last=$(j "[x for x in j['items'] if x['id']==$P1][0]['last_used_at']")
	[ "$last" != None ] && break
	sleep 0.05
done
check "  ...last_used_at is recorded once the token is used" "$last" != None

n=$(ntokens)
for bad in '{"name":"x","scope":"admin"}' '{"scope":"read"}' '{"name":"x","scope":"read","expires_at":"2001-01-01T00:00:00Z"}' \
	'{"name":"x","scope":"read","expires_at":"tomorrow"}' '{"name":"x","scope":"read","colour":"red"}'; do
	st=$(req POST /api/v1/tokens "$tT" "$bad")
	check "POST /tokens $bad: 400" "$st" = 400
done
check "  ...and no token was stored" "$(ntokens)" = "$n"
st=$(req POST /api/v1/tokens "$tT" '{"name":"x","scope":"read","expires_at":"2001-01-01T00:00:00Z"}')
check "  ...a past expires_at is named in errors[]" "$(j 'j["errors"][0]["field"]')" = expires_at

st=$(req DELETE "/api/v1/tokens/$P1" "$tR")
check "DELETE someone else's token: 404" "$st" = 404
st=$(req GET /api/v1/me "$P1tok")
check "  ...and it still works" "$st" = 200
st=$(req DELETE "/api/v1/tokens/$P1" "$tT")
check "DELETE /tokens/{id} by its owner: 200" "$st" = 200
st=$(req GET /api/v1/me "$P1tok")
check "  ...the revoked token is refused: 401" "$st" = 401
st=$(req GET /api/v1/me "$tT")
check "  ...the owner's other token still works (one token, not all)" "$st" = 200
st=$(req DELETE "/api/v1/tokens/$P1" "$tT")
check "  ...revoking it again: 404" "$st" = 404

# Read scope: reads work, the dispatcher refuses every state-changing request.
req POST /api/v1/tokens "$tT" '{"name":"dashboard","scope":"read"}' >/dev/null
RO=$(j 'j["token"]'); ROid=$(j 'j["id"]')
st=$(req GET /api/v1/me "$RO")
check "a read-scope token reads: 200, token_scope read" "$st $(j 'j["token_scope"]')" = "200 read"
st=$(req GET /api/v1/sessions "$RO")
check "  ...GET /sessions: 200" "$st" = 200
nsess=$(sql "select count(*) from sessions")
st=$(req POST /api/v1/sessions "$RO" "{\"date\":\"$today\",\"minutes\":30,\"activity\":\"dry_lab\",\"trainer\":$R}")
check "  ...POST /sessions: 403" "$st" = 403
check "  ...with a sentence about the scope" "$(j '"read" in j["detail"] and j["type"].endswith("read-only-token")')" = True
check "  ...nothing stored" "$(sql "select count(*) from sessions")" = "$nsess"
st=$(req POST /api/v1/tokens "$RO" '{"name":"escalate","scope":"write"}')
check "  ...cannot mint itself a write token: 403" "$st" = 403
st=$(req DELETE "/api/v1/tokens/$ROid" "$RO")
check "  ...DELETE: 403" "$st" = 403
ok "  ...the refusal is audited" grep -q '"reason":"read-only token"' "$WORK/audit.log"

# Expiry: a token past its expires_at is refused (the stored time moved into the past).
req POST /api/v1/tokens "$tT" "{\"name\":\"short\",\"scope\":\"write\",\"expires_at\":\"$future\"}" >/dev/null
EX=$(j 'j["token"]'); EXid=$(j 'j["id"]')
st=$(req GET /api/v1/me "$EX")
check "a token before its expiry: 200" "$st" = 200
sql "update tokens set expires_at = '2001-01-01T00:00:00Z' where id = $EXid"
st=$(req GET /api/v1/me "$EX")
check "  ...after its expiry: 401" "$st" = 401
req GET /api/v1/tokens "$tT" >/dev/null
check "  ...and no longer listed" "$(j "any(x['id']==$EXid for x in j['items'])")" = False

# ---- the operator's token commands -----------------------------------------------------------
out=$("$RASLOGD" --db "$DB" user token "$R" --name "ci" --scope read)
check "raslogd user token --scope read: prints the token and its id" "$(echo "$out" | jget 'str(j["id"])+" "+str(len(j["token"]))')" = "$R 46"
Oid=$(echo "$out" | jget 'j["token_id"]'); Otok=$(echo "$out" | jget 'j["token"]')
check "  ...stored with that scope" "$(sql "select scope from tokens where id = $Oid")" = read
"$RASLOGD" --db "$DB" user revoke-tokens "$R" >"$WORK/cli.out" 2>"$WORK/cli.err"; st=$?
check "raslogd user revoke-tokens without --token-id or --all: usage (2)" "$st" = 2
ok "  ...saying what to choose" grep -q -- '--token-id N for one.*--all for every token' "$WORK/cli.err"
st=$(req GET /api/v1/me "$Otok")
check "  ...and nothing revoked" "$st" = 200
ok "raslogd user revoke-tokens --token-id: one token" "$RASLOGD" --db "$DB" user revoke-tokens "$R" --token-id "$Oid"
check "  ...that one is refused" "$(req GET /api/v1/me "$Otok")" = 401
check "  ...the user's other token still works" "$(req GET /api/v1/me "$tR")" = 200
"$RASLOGD" --db "$DB" user revoke-tokens "$R" --token-id "$Oid" >/dev/null 2>&1; st=$?
check "  ...revoking it again fails" "$st" = 1
"$RASLOGD" --db "$DB" user revoke-tokens "$R" --token-id "$Oid" --all >/dev/null 2>&1; st=$?
check "  ...--token-id with --all: usage (2)" "$st" = 2

# ---- account list and changes ---------------------------------------------------------------
st=$(req GET /api/v1/users "$tA")
check "GET /users as admin: 200, everyone" "$st $(j 'len(j["items"])')" = "200 4"
st=$(req GET "/api/v1/users?q=TIA" "$tA")
check "  ...?q= searches names, case-insensitively" "$(j '[x["id"] for x in j["items"]]')" = "[$T]"
st=$(req GET "/api/v1/users?q=fay.faculty%40" "$tA")
check "  ...and e-mails" "$(j '[x["id"] for x in j["items"]]')" = "[$F]"
st=$(req GET "/api/v1/users?q=%25" "$tA")
check "  ...a % in q is a literal, not a wildcard" "$(j 'len(j["items"])')" = 0
st=$(req GET "/api/v1/users?role=trainer" "$tA")
check "  ...?role=trainer" "$(j '[x["id"] for x in j["items"]]')" = "[$R]"
st=$(req GET "/api/v1/users?limit=2" "$tA")
check "  ...paged: 2 and a cursor" "$(j 'len(j["items"])') $(j 'j["next_cursor"] is not None')" = "2 True"
st=$(req GET "/api/v1/users?limit=2&cursor=$(j 'j["next_cursor"]')" "$tA")
check "  ...page 2: the other 2" "$(j 'len(j["items"])') $(j 'j["next_cursor"]')" = "2 None"
check "GET /users as faculty: 200" "$(req GET /api/v1/users "$tF")" = 200
check "GET /users as trainee: 403" "$(req GET /api/v1/users "$tT")" = 403
check "GET /users?role=boss: 400" "$(req GET "/api/v1/users?role=boss" "$tA")" = 400
check "GET /users?active=maybe: 400" "$(req GET "/api/v1/users?active=maybe" "$tA")" = 400

st=$(req PATCH "/api/v1/users/$T" "$tA" '{"site":"Freeman Hospital","roles":["trainee","trainer"],"gmc":"7654321"}')
check "PATCH /users/{id} as admin: 200" "$st" = 200
check "  ...site, roles and gmc changed" "$(j 'j["site"]+" "+",".join(j["roles"])+" "+j["gmc"]')" = "Freeman Hospital trainee,trainer 7654321"
check "  ...and stored" "$(sql "select site || ' ' || roles from users where id = $T")" = "Freeman Hospital 3"
st=$(req PATCH "/api/v1/users/$T" "$tT" '{"name":"Tia T. Trainee","email":"tia.t@test.raslog.org"}')
check "a user PATCHes their own name and email: 200" "$st $(j 'j["name"]')" = "200 Tia T. Trainee"
st=$(req PATCH "/api/v1/users/$T" "$tT" '{"roles":["admin"]}')
check "  ...but not their own roles: 403" "$st" = 403
check "  ...nothing changed" "$(sql "select roles from users where id = $T")" = 3
st=$(req PATCH "/api/v1/users/$R" "$tT" '{"name":"Bob"}')
check "a non-admin PATCHing someone else: 403" "$st" = 403
st=$(req PATCH "/api/v1/users/$T" "$tA" '{"curriculum":"ras-core"}')
check "PATCH curriculum: 400 naming it (a signed enrolment, later)" "$st $(j 'j["errors"][0]["field"]')" = "400 curriculum"
for bad in '{}' '{"email":"not-an-email"}' '{"gmc":"12"}' '{"roles":[]}' '{"roles":["boss"]}' '{"active":"no"}' '{"colour":"red"}'; do
	check "PATCH $bad: 400" "$(req PATCH "/api/v1/users/$T" "$tA" "$bad")" = 400
done
st=$(req PATCH "/api/v1/users/$T" "$tA" '{"email":"fay.faculty@test.raslog.org"}')
check "PATCH an e-mail another account has: 400 naming email" "$st $(j 'j["errors"][0]["field"]')" = "400 email"
check "PATCH /users/987654: 404" "$(req PATCH /api/v1/users/987654 "$tA" '{"name":"X"}')" = 404
ok "changes are audited" grep -q '"event":"user.update","outcome":"ok"' "$WORK/audit.log"

# The last active admin.
st=$(req PATCH "/api/v1/users/$A" "$tA" '{"active":false}')
check "deactivating the last active admin: 409" "$st" = 409
check "  ...with a clear sentence" "$(j '"last active admin" in j["detail"]')" = True
st=$(req PATCH "/api/v1/users/$A" "$tA" '{"roles":["faculty"]}')
check "removing the last admin's admin role: 409" "$st" = 409
check "  ...still an active admin" "$(sql "select roles || '' || active from users where id = $A")" = 81

# ---- invitations -------------------------------------------------------------------------------
invite() { req POST /api/v1/invitations "$tA" "$1"; }
code_of() { j 'j["url"].rsplit("/", 1)[1]'; }
check "POST /invitations as trainee: 403" "$(req POST /api/v1/invitations "$tT" '{"name":"X","email":"x@y.org","roles":["trainee"]}')" = 403
st=$(invite '{"name":"Una New","email":"una.new@nhs.net","roles":["trainee"],"site":"Freeman Hospital","curriculum":"ras-core"}')
check "POST /invitations: 201" "$st" = 201
I1=$(j 'j["id"]'); C1=$(code_of)
check "  ...a link built from the server's address" "$(j 'j["url"].startswith("'"$URL"'/#/invitation/")')" = True
ok "  ...expiring in 7 days" python3 -c "
import json, datetime; j=json.load(open('$WORK/body'))
e=datetime.datetime.strptime(j['expires_at'], '%Y-%m-%dT%H:%M:%SZ'); d=e-datetime.datetime.utcnow()
assert datetime.timedelta(days=6, hours=23) < d <= datetime.timedelta(days=7), d"
check "  ...the code is stored hashed" "$(sql "select CASE WHEN upper(hex(code_hash)) = upper('$(blake "$C1")') THEN 1 ELSE 0 END from invitations where id = $I1")" = 1
check "inviting the same e-mail again while pending: 409" "$(invite '{"name":"Una","email":"UNA.NEW@nhs.net","roles":["trainee"]}')" = 409
check "inviting an e-mail that has an account: 409" "$(invite '{"name":"Fay","email":"fay.faculty@test.raslog.org","roles":["trainee"]}')" = 409
for bad in '{"name":"X","email":"x@y.org","roles":["trainee"],"expires_in_days":0}' \
	'{"name":"X","email":"x@y.org","roles":["trainee"],"expires_in_days":31}' \
	'{"name":"X","email":"nope","roles":["trainee"]}' '{"name":"X","email":"x@y.org"}' \
	'{"name":"X","email":"x@y.org","roles":["trainee"],"curriculum":"no-such"}'; do
	check "POST /invitations $bad: 400" "$(invite "$bad")" = 400
done
invite '{"name":"X","email":"x@y.org","roles":["trainee"],"curriculum":"no-such"}' >/dev/null
loaded=$(sql "select group_concat(code, ' and ') from (select distinct code from curricula order by code) as c")
check "  ...an unknown curriculum's message lists the loaded ones ($loaded)" \
	"$(j 'j["errors"][0]["message"]')" = "no curriculum 'no-such' is loaded; the loaded ones are $(sql "select group_concat(code, ', ') from (select distinct code from curricula order by code) as c" | sed 's/, \([^,]*\)$/ and \1/')"
st=$(req GET /api/v1/invitations "$tA")
check "GET /invitations: the pending one" "$st $(j '[x["email"] for x in j["items"]]')" = '200 ["una.new@nhs.net"]'

# Acceptance: no token needed; a cookie and, until passkeys, a token.
st=$(req POST /api/v1/invitations/accept - "{\"code\":\"$C1\"}" -H 'User-Agent: test-browser/1.0')
check "POST /invitations/accept: 201" "$st" = 201
U=$(j 'j["user"]["id"]'); Utok=$(j 'j["token"]'); Ucsrf=$(j 'j["csrf_token"]')
check "  ...the account has the invitation's name, roles, site and curriculum" \
	"$(j 'j["user"]["name"]+"|"+",".join(j["user"]["roles"])+"|"+j["user"]["site"]+"|"+j["user"]["curriculum"]')" = "Una New|trainee|Freeman Hospital|ras-core"
cookie=$(hdr Set-Cookie)
echo "# Set-Cookie: $(echo "$cookie" | sed 's/=[^;]*/=.../')"
S1=$(echo "$cookie" | sed -n 's/^raslog_session=\([^;]*\);.*/\1/p')
check "  ...sets the session cookie" "${#S1}" = 43
ok "  ...HttpOnly" sh -c "echo '$cookie' | grep -q '; HttpOnly'"
ok "  ...SameSite=Strict" sh -c "echo '$cookie' | grep -q '; SameSite=Strict'"
ok "  ...Path=/" sh -c "echo '$cookie' | grep -q '; Path=/'"
ok "  ...not Secure over plain http" sh -c "! echo '$cookie' | grep -qi secure"
st=$(req GET /api/v1/me "$Utok")
check "GET /me returns the documented curriculum (the enrolment's code)" "$st $(j 'j.get("curriculum")')" = "200 ras-core"
st=$(req GET /api/v1/me "$tA")
check "  ...and none for an admin on no curriculum" "$st $(j '"curriculum" in j')" = "200 False"
check "  ...the session id is stored hashed" "$(sql "select count(*) from web_sessions where hex(hash) = upper('$(blake "$S1")') and user_id = $U")" = 1
check "  ...the token works" "$(req GET /api/v1/me "$Utok")" = 200
st=$(req POST /api/v1/invitations/accept - "{\"code\":\"$C1\"}")
check "accepting the same code again: 410" "$st" = 410
check "  ...saying it was used" "$(j '"already used" in j["detail"]')" = True
check "  ...no second account" "$(sql "select count(*) from users where email = 'una.new@nhs.net'")" = 1
check "an unknown code: 400 naming code" "$(req POST /api/v1/invitations/accept - '{"code":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}') $(j 'j["errors"][0]["field"]')" = "400 code"
check "a malformed code: 400" "$(req POST /api/v1/invitations/accept - '{"code":"x"}')" = 400
req GET /api/v1/invitations "$tA" >/dev/null
check "the accepted invitation is no longer pending" "$(j 'len(j["items"])')" = 0

# Expired, and resent.
invite '{"name":"Vic Late","email":"vic.late@nhs.net","roles":["trainer"],"expires_in_days":1}' >/dev/null
I2=$(j 'j["id"]'); C2=$(code_of)
sql "update invitations set expires_at = '2001-01-01T00:00:00Z' where id = $I2"
st=$(req POST /api/v1/invitations/accept - "{\"code\":\"$C2\"}")
check "an expired code: 410" "$st" = 410
check "  ...saying it expired" "$(j '"expired" in j["detail"]')" = True
check "  ...no account" "$(sql "select count(*) from users where email = 'vic.late@nhs.net'")" = 0
req GET /api/v1/invitations "$tA" >/dev/null
check "  ...listed as expired" "$(j "[x['expired'] for x in j['items'] if x['id']==$I2]")" = "[true]"
st=$(req POST "/api/v1/invitations/$I2/resend" "$tA")
check "POST /invitations/{id}/resend: 200, a new link" "$st" = 200
C3=$(code_of)
check "  ...with a new code" "$C3" != "$C2"
check "  ...the old code is dead" "$(req POST /api/v1/invitations/accept - "{\"code\":\"$C2\"}")" = 400
check "  ...the new one works" "$(req POST /api/v1/invitations/accept - "{\"code\":\"$C3\"}")" = 201
check "resending an accepted invitation: 409" "$(req POST "/api/v1/invitations/$I2/resend" "$tA")" = 409
check "resending no such invitation: 404" "$(req POST /api/v1/invitations/987654/resend "$tA")" = 404

# ---- the web session ------------------------------------------------------------------------------
st=$(req GET /api/v1/me "cookie:$S1")
check "GET /me with the cookie: 200, auth session" "$st $(j 'j["id"]') $(j 'j["auth"]')" = "200 $U session"
check "  ...returns the same CSRF token as sign-in" "$(j 'j["csrf_token"]')" = "$Ucsrf"
check "  ...and no Set-Cookie (rotation happens at sign-in only)" "$(hdr Set-Cookie)" = ""
body='{"name":"from the browser","scope":"read"}'
n=$(ntokens)
st=$(req POST /api/v1/tokens "cookie:$S1" "$body" -H "Origin: $URL")
check "cookie + POST without X-CSRF-Token: 403" "$st $(j 'j["type"]')" = "403 urn:raslog:problem:csrf"
st=$(req POST /api/v1/tokens "cookie:$S1" "$body" -H "Origin: $URL" -H "X-CSRF-Token: $(echo "$Ucsrf" | tr 'A-Za-z' 'B-ZAb-za')")
check "cookie + POST with a wrong X-CSRF-Token: 403" "$st" = 403
st=$(req POST /api/v1/tokens "cookie:$S1" "$body" -H "Origin: http://evil.example" -H "X-CSRF-Token: $Ucsrf")
check "cookie + POST from a cross-site Origin (with the token): 403" "$st $(j 'j["type"]')" = "403 urn:raslog:problem:cross-site"
st=$(req POST /api/v1/tokens "cookie:$S1" "$body" -H "Sec-Fetch-Site: cross-site" -H "X-CSRF-Token: $Ucsrf")
check "cookie + POST with Sec-Fetch-Site: cross-site: 403" "$st" = 403
st=$(req POST /api/v1/tokens "cookie:$S1" "$body" -H "X-CSRF-Token: $Ucsrf")
check "cookie + POST with neither Origin nor Sec-Fetch-Site: 403" "$st" = 403
check "  ...none of them stored anything" "$(ntokens)" = "$n"
st=$(req POST /api/v1/tokens "cookie:$S1" "$body" -H "Origin: $URL" -H "X-CSRF-Token: $Ucsrf")
check "cookie + same Origin + X-CSRF-Token: 201" "$st" = 201
st=$(req POST /api/v1/tokens "cookie:$S1" "$body" -H "Sec-Fetch-Site: same-origin" -H "X-CSRF-Token: $Ucsrf")
check "cookie + Sec-Fetch-Site: same-origin + X-CSRF-Token: 201" "$st" = 201
st=$(req POST /api/v1/tokens "$Utok" "$body" -H "Origin: http://evil.example")
check "a bearer token needs no CSRF token: 201" "$st" = 201
ok "CSRF refusals are audited" grep -q '"reason":"missing or wrong CSRF token"' "$WORK/audit.log"

st=$(req GET /api/v1/web-sessions "cookie:$S1")
check "GET /web-sessions: mine, the current one marked" "$st $(j '[[x["current"], x["user_agent"]] for x in j["items"]]')" = '200 [[true, "test-browser/1.0"]]'

# Idle and absolute time-outs.
S2=$(fixture_session "$U")
check "a second device's session works" "$(req GET /api/v1/me "cookie:$S2")" = 200
sql "update web_sessions set last_seen_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-31 minutes') where hex(hash) = upper('$(blake "$S2")')"
check "  ...idle for 31 minutes: 401" "$(req GET /api/v1/me "cookie:$S2")" = 401
S2=$(fixture_session "$U")
sql "update web_sessions set expires_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 minutes') where hex(hash) = upper('$(blake "$S2")')"
check "  ...past its absolute time-out: 401" "$(req GET /api/v1/me "cookie:$S2")" = 401
ok "a refused session is audited" grep -q '"reason":"bad session"' "$WORK/audit.log"

# Sign out everywhere: every web session of the user ends, tokens do not.
S2=$(fixture_session "$U")
check "setup: two live sessions" "$(req GET /api/v1/web-sessions "cookie:$S1") $(j 'len(j["items"])')" = "200 2"
st=$(req POST /api/v1/session/logout-all "cookie:$S1" - -H "Origin: $URL")
check "logout-all without the CSRF token: 403" "$st" = 403
st=$(req POST /api/v1/session/logout-all "cookie:$S1" - -H "Origin: $URL" -H "X-CSRF-Token: $Ucsrf")
check "POST /session/logout-all: 200, both live ones (and the timed-out ones) ended" "$st $(j 'j["ended"] >= 2')" = "200 True"
ok "  ...clears the cookie" sh -c "echo '$(hdr Set-Cookie)' | grep -q 'raslog_session=;.*Max-Age=0'"
check "  ...this session: 401" "$(req GET /api/v1/me "cookie:$S1")" = 401
check "  ...the other device's session: 401" "$(req GET /api/v1/me "cookie:$S2")" = 401
check "  ...the token still works" "$(req GET /api/v1/me "$Utok")" = 200

# Sign out of one session; sign-in rotates the id.
S3=$(fixture_session "$U")
st=$(req POST /api/v1/session/logout "$Utok")
check "POST /session/logout with a bearer token: 400" "$st" = 400
csrf3=$(req GET /api/v1/me "cookie:$S3" >/dev/null; j 'j["csrf_token"]')
st=$(req POST /api/v1/session/logout "cookie:$S3" - -H "Sec-Fetch-Site: same-origin" -H "X-CSRF-Token: $csrf3")
check "POST /session/logout: 200" "$st" = 200
check "  ...the session is over" "$(req GET /api/v1/me "cookie:$S3")" = 401
S4=$(fixture_session "$U")
invite '{"name":"Wes West","email":"wes.west@nhs.net","roles":["trainee"]}' >/dev/null
C4=$(code_of)
st=$(req POST /api/v1/invitations/accept "cookie:$S4" "{\"code\":\"$C4\"}")
S5=$(hdr Set-Cookie | sed -n 's/^raslog_session=\([^;]*\);.*/\1/p')
check "signing in from a browser that had a session: a new session id" "$st ${#S5}" = "201 43"
check "  ...different from the old one" "$S5" != "$S4"
check "  ...the old one is ended" "$(req GET /api/v1/me "cookie:$S4")" = 401

# ---- deactivating a leaver -------------------------------------------------------------------------
S6=$(fixture_session "$T")
check "setup: the trainee has a live session" "$(req GET /api/v1/me "cookie:$S6")" = 200
st=$(req POST /api/v1/sessions "$tT" "{\"date\":\"$today\",\"minutes\":40,\"activity\":\"dry_lab\",\"trainer\":$R}")
check "setup: the trainee logs a session" "$st" = 201
nT=$(sql "select count(*) from sessions where trainee_id = $T")
st=$(req PATCH "/api/v1/users/$T" "$tA" '{"active":false}')
check "PATCH active:false: 200" "$st $(j 'j["active"]')" = "200 False"
check "  ...reports what it revoked" "$(j 'j["revoked"] >= 3')" = True
check "  ...the trainee's token: 401" "$(req GET /api/v1/me "$tT")" = 401
check "  ...their read token: 401" "$(req GET /api/v1/me "$RO")" = 401
check "  ...their web session: 401" "$(req GET /api/v1/me "cookie:$S6")" = 401
check "  ...no live token or session is left" "$(sql "select (select count(*) from tokens where user_id = $T and revoked_at is null) + (select count(*) from web_sessions where user_id = $T and ended_at is null)")" = 0
check "  ...their records are kept" "$(sql "select count(*) from sessions where trainee_id = $T")" = "$nT"
check "  ...listed as deactivated" "$(req GET "/api/v1/users?active=false" "$tA") $(j '[x["id"] for x in j["items"]]')" = "200 [$T]"
out=$("$RASLOGD" --db "$DB" user token "$T" 2>&1); st=$?
check "  ...the operator cannot issue them a token" "$st" = 1
ok "  ...audited" grep -q '"event":"user.deactivate","outcome":"ok"' "$WORK/audit.log"
st=$(req PATCH "/api/v1/users/$T" "$tA" '{"active":true}')
check "PATCH active:true reactivates: 200" "$st $(j 'j["active"]')" = "200 True"
check "  ...old tokens stay revoked" "$(req GET /api/v1/me "$tT")" = 401
ok "  ...a new one can be issued" "$RASLOGD" --db "$DB" user token "$T"

# With a second admin, the first may step down.
check "make Fay an admin too" "$(req PATCH "/api/v1/users/$F" "$tA" '{"roles":["faculty","admin"]}')" = 200
st=$(req PATCH "/api/v1/users/$A" "$tA" '{"roles":["faculty"]}')
check "  ...now Ada may drop the admin role: 200" "$st" = 200
st=$(req PATCH "/api/v1/users/$F" "$tF" '{"active":false}')
check "  ...and Fay, the last admin again, cannot deactivate herself: 409" "$st" = 409

# ---- audit --------------------------------------------------------------------------------------------
for e in token.create token.revoke invitation.create invitation.resend invitation.accept signin signout signout.everywhere user.reactivate; do
	ok "audit line for $e" grep -q "\"event\":\"$e\",\"outcome\":\"ok\"" "$WORK/audit.log"
done
ok "audit line for a refused invitation" grep -q '"event":"invitation.accept","outcome":"refused"' "$WORK/audit.log"
ok "no secret is in the audit log" sh -c "! grep -q -e '$C1' -e '$S1' -e '$Utok' '$WORK/audit.log'"

finish
