#!/bin/bash
# engine: sqlite (the matrix checks route access rules, which do not depend on the storage engine; tests/run.sh runs it once, on SQLite, to keep make test inside its time)
# tests/api/02-authz-read.sh - the authorization matrix, its reading half
# (issue 6 item 1, issue 14 item 6): every GET row of the matrix in
# tests/api/authz/common.sh against token callers and against the same
# people signed in with a web session cookie; every route of
# server/routes.c has a row; 401/403/404 replies do not let a caller
# enumerate users or records; a user's record shows each caller only what
# their role needs.  The state-changing rows: 02-authz-write.sh (tokens)
# and 02-authz-cookie.sh (cookies, with the CSRF guard).
. "$(dirname "$0")/authz/common.sh"

run_matrix read token
cookie_callers
run_matrix read cookie
routes=$(grep -c '^	{ "' server/routes.c)
echo "# matrix: $cells cells over $routes routes in server/routes.c"
ok "every route of server/routes.c has a row in the matrix" python3 -c "
import re, sys
table = [l.split()[:2] for l in sys.argv[2].splitlines() if l.strip() and not l.startswith('#')]
missing = []
for m, pat in re.findall(r'^\t\{ \"([A-Z]+)\",\s*\"([^\"]+)\"', open(sys.argv[1]).read(), re.M):
    rx = '^' + re.escape(pat).replace(re.escape('{id}'), r'(\{[A-Z]+\}|[0-9]+)') + r'(\?.*)?$'
    if not any(tm == m and re.match(rx, tp) for tm, tp in table):
        missing.append(m + ' ' + pat)
assert not missing, missing" server/routes.c "$MATRIX"

# ---- no enumeration through 401/403/404 ---------------------------------------
# same_problem FILE_A FILE_B: same status, type and title (detail may name the id).
same_problem() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("status", "type", "title"):
    assert a.get(k) == b.get(k), (k, a.get(k), b.get(k))
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
PY
}
pair() { # pair DESC TOKEN PATH_REAL PATH_MISSING [METHOD]
	st1=$(req "${5:-GET}" "$3" "$2"); cp "$WORK/body" "$WORK/a.json"
	st2=$(req "${5:-GET}" "$4" "$2"); cp "$WORK/body" "$WORK/b.json"
	check "$1: same status ($st1 / $st2)" "$st1" = "$st2"
	ok "$1: same problem type and title" same_problem "$WORK/a.json" "$WORK/b.json"
}
pair "another trainee's session vs no such session" "$tok_T2" "/api/v1/sessions/$S" "/api/v1/sessions/987654"
pair "unsupervised trainee's session vs none (trainer)" "$tok_R2" "/api/v1/sessions/$S" "/api/v1/sessions/987654"
pair "another trainee's progress vs no such trainee" "$tok_T2" "/api/v1/trainees/$T/progress" "/api/v1/trainees/987654/progress"
pair "an unsupervised trainee's progress vs none" "$tok_R2" "/api/v1/trainees/$T/progress" "/api/v1/trainees/987654/progress"
pair "an unsupervised trainee's evidence vs none" "$tok_R2" "/api/v1/trainees/$T/evidence" "/api/v1/trainees/987654/evidence"
pair "another trainee's export vs no such trainee" "$tok_T2" "/api/v1/trainees/$T/export" "/api/v1/trainees/987654/export"
pair "another trainee's export vs a user who is no trainee" "$tok_T2" "/api/v1/trainees/$T/export" "/api/v1/trainees/$F/export"
pair "an unsupervised trainer asking for the export vs no such trainee" "$tok_R2" "/api/v1/trainees/$T/export" "/api/v1/trainees/987654/export"
st=$(req GET "/api/v1/trainees/$T/export" "$tok_R")
check "T's own trainer asking for T's export is told who may export (403, not 'not visible')" \
	"$st|$(jget 'j["detail"]' <"$WORK/body")" = "403|only trainee $T themself and faculty may export their records; as their trainer you see their progress at /api/v1/trainees/$T/progress"
req POST /api/v1/keys "$tok_R" "$(key_body "$tok_R")" >/dev/null
rkey=$(jget 'j["id"]' <"$WORK/body")
pair "revoking someone else's key vs no such key" "$tok_T2" "/api/v1/keys/$rkey" "/api/v1/keys/987654" DELETE
pair "listing someone else's keys vs a nonexistent user's" "$tok_T2" "/api/v1/keys?user=$T" "/api/v1/keys?user=987654"
check "  ...and R's key is still live" "$(sql "select count(*) from keys where id = $rkey and revoked_at is null")" = 1

# 401: a revoked token, an unknown token and a malformed one are indistinguishable.
req GET /api/v1/me "$tok_rev" >/dev/null; cp "$WORK/body" "$WORK/rev.json"
req GET /api/v1/me "$tok_bad" >/dev/null; cp "$WORK/body" "$WORK/bad.json"
req GET /api/v1/me "garbage" >/dev/null; cp "$WORK/body" "$WORK/junk.json"
ok "401 for a revoked token and an unknown one: identical but for the request id" python3 -c "
import json; a=json.load(open('$WORK/rev.json')); b=json.load(open('$WORK/bad.json')); c=json.load(open('$WORK/junk.json'))
for x in (a,b,c): x.pop('request_id')
assert a == b == c, (a, b, c)"
ok "a revoked user's token cannot reach even an admin-free route" sh -c "[ \$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $tok_rev' $URL/api/v1/sessions) = 401 ]"
# 403 on a role-only route says the role, not whether anything exists.
req GET /api/v1/accreditation "$tok_T" >/dev/null; cp "$WORK/body" "$WORK/a.json"
req GET /api/v1/sites "$tok_T" >/dev/null
ok "403 problems have the same type and title on every faculty route" same_problem "$WORK/a.json" "$WORK/body"
# A query on another trainee is answered as an empty list, exactly as for a nonexistent one.
req GET "/api/v1/sessions?trainee=$T" "$tok_T2" >/dev/null; cp "$WORK/body" "$WORK/a.json"
req GET "/api/v1/sessions?trainee=987654" "$tok_T2" >/dev/null
ok "listing another trainee's sessions = listing a nonexistent trainee's" cmp "$WORK/a.json" "$WORK/body"

# A user's record gives each caller only what their role needs: id, name, roles and site for
# everyone; e-mail and GMC number only to the person themself, admin and faculty (/me too).
G=$(add_user "Gina Gmc" trainee --gmc 7654321 --site "St Elsewhere"); tok_G=$(token_of "$G")
personal() { # personal TOKEN: "STATUS email gmc" of GET /users/{G}, or "STATUS - -" when hidden
	st=$(req GET "/api/v1/users/$G" "$1")
	echo "$st $(jget 'j.get("email","-")+" "+j.get("gmc","-")+" "+j["name"]+" "+",".join(j["roles"])+" "+j.get("site","")' <"$WORK/body")"
}
full="gina.gmc@test.raslog.org 7654321 Gina Gmc trainee St Elsewhere"
bare="- - Gina Gmc trainee St Elsewhere"
check "the person themself sees their e-mail and GMC number" "$(personal "$tok_G")" = "200 $full"
check "faculty see them" "$(personal "$tok_F")" = "200 $full"
check "an admin sees them" "$(personal "$tok_A")" = "200 $full"
check "another trainee sees name, roles and site only" "$(personal "$tok_T2")" = "200 $bare"
check "a trainer sees name, roles and site only" "$(personal "$tok_R")" = "200 $bare"
req GET /api/v1/me "$tok_G" >/dev/null
check "/me has the caller's own e-mail and GMC number" "$(jget 'j["email"]+" "+j["gmc"]' <"$WORK/body")" = "gina.gmc@test.raslog.org 7654321"
req GET /api/v1/trainers "$tok_T" >/dev/null
ok "the trainers list carries no e-mail or GMC number" python3 -c "
import json; j=json.load(open('$WORK/body')); assert j['items'] and all(not ({'email','gmc'} & set(t)) for t in j['items']), j"

ok "refused authorizations are in the audit log" grep -q '"event":"authorization","outcome":"refused"' "$WORK/audit.log"
ok "refused tokens are in the audit log" grep -q '"event":"auth","outcome":"refused"' "$WORK/audit.log"
ok "nothing was rate-limited" sh -c "! grep -q rate-limited '$WORK/audit.log'"

finish
