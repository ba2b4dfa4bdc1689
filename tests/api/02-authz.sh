#!/bin/bash
# tests/api/02-authz.sh - the authorization matrix (issue 6 item 1): every
# route of server/routes.c against every kind of caller, with the expected
# status of each cell written down below; server-owned fields cannot be set
# by a client; 401/403/404 replies do not let a caller enumerate users or
# records.
. "$(dirname "$0")/../lib.sh"

mk() { add_user "$2" "$3" >"$WORK/id" || { echo "# user add failed"; exit 1; }; eval "$1=\$(cat \"\$WORK/id\")"; }
count() { sql "select count(*) from sessions"; }
req() { # req METHOD PATH TOKEN|- [BODY]: status echoed, body in $WORK/body, headers in $WORK/hdr
	m=$1; p=$2; t=$3; shift 3
	auth=()
	[ "$t" != - ] && auth=(-H "Authorization: Bearer $t")
	if [ $# -gt 0 ]; then
		curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$m" "${auth[@]}" \
			-H 'Content-Type: application/json' --data-binary "$1" "$URL$p"
	else
		curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$m" "${auth[@]}" "$URL$p"
	fi
}
hdr() { tr -d '\r' <"$WORK/hdr" | sed -n "s/^$1: *//Ip" | head -1; }

start_server --auth-failures 1000
mk T "Tia Trainee" trainee         # the record owner
mk T2 "Ben Trainee" trainee        # another trainee
mk R "Rob Trainer" trainer         # supervises T (named on T's session)
mk R2 "Ria Trainer" trainer        # supervises nobody
mk F "Fay Faculty" faculty
mk A "Ada Admin" admin
mk V "Val Revoked" trainee,trainer,faculty,admin # every role, but its token is revoked
tok_T=$(token_of "$T"); tok_T2=$(token_of "$T2"); tok_R=$(token_of "$R"); tok_R2=$(token_of "$R2")
tok_F=$(token_of "$F"); tok_A=$(token_of "$A"); tok_none=-
tok_bad="rl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
tok_rev=$(token_of "$V")
today=$(date -u +%F)
session_body="{\"date\":\"$today\",\"minutes\":45,\"activity\":\"dry_lab\",\"trainer\":$R}"

st=$(req GET /api/v1/me "$tok_rev")
check "the soon-revoked token works before revocation" "$st" = 200
ok "raslogd user revoke-tokens --all" "$RASLOGD" --db "$DB" user revoke-tokens "$V" --all
st=$(req POST /api/v1/sessions "$tok_T" "$session_body")
check "setup: trainee T logs a session naming trainer R" "$st" = 201
S=$(jget 'j["id"]' <"$WORK/body")
# import_body: a one-attempt simulator file naming R, different each time (no duplicate 409).
import_body() { printf '{"kind":"simulator","trainer":%s,"filename":"m.csv","content":"platform,exercise,attempt_at,duration_s,score_pct,passed\\nsim_mimic,Ring %s,2025-01-01T10:00:00Z,60,90,true\\n"}' "$R" "$(date +%s%N)"; }
req POST /api/v1/imports "$tok_T" "$(import_body)" >/dev/null
IMP=$(jget 'j["id"]' <"$WORK/body")
# Two revoked keys put entries 0 and 1 in the ledger, so the ledger routes have something to show.
for i in 1 2; do
	req POST /api/v1/keys "$tok_T" "$(key_body "$tok_T")" >/dev/null
	req DELETE "/api/v1/keys/$(jget 'j["id"]' <"$WORK/body")" "$tok_T" >/dev/null
done
check "setup: the ledger holds 2 entries besides the curricula and enrolments" \
	"$(sql "select count(*) from ledger where kind not in ('curriculum', 'enrolment')")" = 2
st=$(req POST /api/v1/invitations "$tok_A" '{"name":"Ned New","email":"ned@test.raslog.org","roles":["trainee"]}')
check "setup: an invitation to resend" "$st" = 201
INV=$(jget 'j["id"]' <"$WORK/body")

# Programmes: T, T2, R and F are in programme PA; T3 and F2 in programme PB.
# Faculty act only on their own programmes' trainees (checked after the matrix).
mk T3 "Tom Trainee" trainee
mk F2 "Flo Faculty" faculty
tok_T3=$(token_of "$T3"); tok_F2=$(token_of "$F2")
req POST /api/v1/programmes "$tok_A" '{"name":"START North East"}' >/dev/null
PA=$(jget 'j["id"]' <"$WORK/body")
req POST /api/v1/programmes "$tok_A" '{"name":"START London"}' >/dev/null
PB=$(jget 'j["id"]' <"$WORK/body")
for u in $T $T2 $R $F; do req PATCH "/api/v1/users/$u" "$tok_A" "{\"programme\":$PA}" >/dev/null; done
for u in $T3 $F2; do req PATCH "/api/v1/users/$u" "$tok_A" "{\"programme\":$PB}" >/dev/null; done
check "setup: two programmes, six members" "$(sql 'select count(*) from programme_members where until_at is null')" = 6

# ---- the matrix -------------------------------------------------------------
# Columns: T (own record), T2 (another trainee), R (trainer supervising T),
# R2 (trainer not supervising T), F (faculty), A (admin only), none (no
# Authorization), bad (unknown token), rev (revoked token).
# Path placeholders: {S} T's session, {T} T's user id, {R} R's user id, {TKEY} a key that T
# registers just before the cell, {TTOK} a token T creates just before the
# cell, {INV} a pending invitation, {AID} an assignment of T2 to R that
# faculty make just before the cell.  Body: - none, SESSION a valid session
# naming R, KEY a fresh public key, EMPTY {}, TOKEN a read token request,
# NAME {"name": T's own name}, INVITE an invitation, ASSIGN an assignment of
# T2 to R2 (faculty make it; an admin then finds it made: 409).
# PATCH/DELETE /sessions/{id} without If-Match answer 428 to any trainee
# before the session is looked up (so T2 learns nothing); with If-Match
# (404 for T2, 403, 409, 412) they are covered by tests/api/13-corrections.sh.
MATRIX=$(cat <<'EOF'
# method path                              body     T   T2  R   R2  F   A   none bad rev
GET    /api/v1/health                      -        200 200 200 200 200 200 200  200 200
GET    /api/v1/openapi.json                -        200 200 200 200 200 200 200  200 200
GET    /api/v1/me                          -        200 200 200 200 200 200 401  401 401
POST   /api/v1/sessions                    SESSION  201 201 403 403 403 403 401  401 401
GET    /api/v1/sessions                    -        200 200 200 200 200 200 401  401 401
GET    /api/v1/sessions/{S}                -        200 404 200 404 200 404 401  401 401
PATCH  /api/v1/sessions/{S}                EMPTY    428 428 403 403 403 403 401  401 401
DELETE /api/v1/sessions/{S}                -        428 428 403 403 403 403 401  401 401
GET    /api/v1/users/{T}                   -        200 200 200 200 200 200 401  401 401
GET    /api/v1/trainers                    -        200 200 200 200 200 200 401  401 401
GET    /api/v1/trainers/{R}/credential     -        409 409 409 409 409 409 401  401 401
GET    /api/v1/keys                        -        200 200 200 200 200 200 401  401 401
GET    /api/v1/keys?user={T}               -        200 403 403 403 200 403 401  401 401
POST   /api/v1/keys                        KEY      201 201 201 201 201 201 401  401 401
DELETE /api/v1/keys/{TKEY}                 -        200 404 404 404 200 404 401  401 401
POST   /api/v1/signoffs                    EMPTY    403 403 400 400 400 403 401  401 401
GET    /api/v1/trainees/{T}/progress       -        200 404 200 404 200 404 401  401 401
GET    /api/v1/trainees/{T}/evidence       -        200 404 200 404 200 404 401  401 401
GET    /api/v1/trainees/{T}/export         -        200 404 403 404 200 404 401  401 401
GET    /api/v1/accreditation               -        403 403 403 403 200 403 401  401 401
GET    /api/v1/sites                       -        403 403 403 403 200 403 401  401 401
GET    /api/v1/curricula                   -        200 200 200 200 200 200 401  401 401
GET    /api/v1/assessment-tools            -        200 200 200 200 200 200 401  401 401
GET    /api/v1/ledger                      -        200 200 200 200 200 200 401  401 401
GET    /api/v1/ledger/entries/0            -        200 200 200 200 200 200 401  401 401
GET    /api/v1/ledger/entries/1            -        200 200 200 200 200 200 401  401 401
GET    /api/v1/ledger/head                 -        200 200 200 200 200 200 401  401 401
GET    /api/v1/ledger/key                  -        200 200 200 200 200 200 401  401 401
GET    /api/v1/ledger/proof?index=0&tree_size=2        - 200 200 200 200 200 200 401 401 401
GET    /api/v1/ledger/consistency?first=1&second=2     - 200 200 200 200 200 200 401 401 401
GET    /api/v1/ledger/checkpoint           -        200 200 200 200 200 200 401  401 401
GET    /api/v1/credentials/status      -        200 200 200 200 200 200 200  200 200
GET    /api/v1/outbox                      -        403 403 403 403 403 200 401  401 401
GET    /api/v1/tokens                      -        200 200 200 200 200 200 401  401 401
POST   /api/v1/tokens                      TOKEN    201 201 201 201 201 201 401  401 401
DELETE /api/v1/tokens/{TTOK}               -        200 404 404 404 404 404 401  401 401
GET    /api/v1/users                       -        403 403 403 403 200 200 401  401 401
PATCH  /api/v1/users/{T}                   NAME     200 403 403 403 403 200 401  401 401
GET    /api/v1/invitations                 -        403 403 403 403 403 200 401  401 401
POST   /api/v1/invitations                 INVITE   403 403 403 403 403 201 401  401 401
POST   /api/v1/invitations/accept          EMPTY    400 400 400 400 400 400 400  400 400
POST   /api/v1/invitations/{INV}/resend    -        403 403 403 403 403 200 401  401 401
POST   /api/v1/session/logout              -        400 400 400 400 400 400 401  401 401
POST   /api/v1/session/logout-all          -        200 200 200 200 200 200 401  401 401
GET    /api/v1/web-sessions                -        200 200 200 200 200 200 401  401 401
DELETE /api/v1/web-sessions/987654         -        404 404 404 404 404 404 401  401 401
GET    /api/v1/assignments                 -        200 200 200 200 200 200 401  401 401
GET    /api/v1/assignments?trainee={T}     -        200 200 200 200 200 200 401  401 401
POST   /api/v1/assignments                 ASSIGN   403 403 403 403 201 409 401  401 401
DELETE /api/v1/assignments/{AID}           -        403 403 403 403 200 200 401  401 401
GET    /api/v1/me/notifications            -        200 200 200 200 200 200 401  401 401
PUT    /api/v1/me/notifications            EMPTY    400 400 400 400 400 400 401  401 401
POST   /api/v1/imports                     IMPORT   201 201 403 403 403 403 401  401 401
GET    /api/v1/imports                     -        200 200 200 200 200 200 401  401 401
GET    /api/v1/imports/{IMP}               -        200 404 200 404 200 404 401  401 401
GET    /api/v1/passkeys                    -        200 200 200 200 200 200 401  401 401
DELETE /api/v1/passkeys/987654             -        404 404 404 404 404 404 401  401 401
POST   /api/v1/passkeys/register/options   -        200 200 200 200 200 200 401  401 401
POST   /api/v1/passkeys/register           EMPTY    400 400 400 400 400 400 401  401 401
POST   /api/v1/passkeys/login/options      -        200 200 200 200 200 200 200  200 200
POST   /api/v1/passkeys/login              EMPTY    400 400 400 400 400 400 400  400 400
POST   /api/v1/device/code                 EMPTY    400 400 400 400 400 400 400  400 400
POST   /api/v1/device/token                EMPTY    400 400 400 400 400 400 400  400 400
POST   /api/v1/device/approve              EMPTY    400 400 400 400 400 400 401  401 401
# single sign-on is not configured here: 404 pages for everyone (tests/api/83-oidc.sh has the rest)
GET    /auth/oidc/start                    -        404 404 404 404 404 404 404  404 404
GET    /auth/oidc/callback                 -        404 404 404 404 404 404 404  404 404
GET    /api/v1/programmes                  -        200 200 200 200 200 200 401  401 401
POST   /api/v1/programmes                  PROG     403 403 403 403 403 201 401  401 401
GET    /api/v1/programmes/{PA}             -        200 200 200 200 200 200 401  401 401
PATCH  /api/v1/programmes/{PA}             PDAYS    403 403 403 403 403 200 401  401 401
GET    /api/v1/users/{T}/programmes        -        200 404 404 404 200 200 401  401 401
GET    /api/v1/oversight/trainers          -        403 403 403 403 200 403 401  401 401
GET    /api/v1/oversight/agreement         -        403 403 403 403 200 403 401  401 401
GET    /api/v1/oversight/stuck             -        403 403 403 403 200 403 401  401 401
# not routes: unknown resource, wrong method (no auth is needed to learn either)
GET    /api/v1/nope                        -        404 404 404 404 404 404 404  404 404
PUT    /api/v1/sessions                    EMPTY    405 405 405 405 405 405 405  405 405
EOF
)
callers="T T2 R R2 F A none bad rev"
cells=0
while read -r method path body e_T e_T2 e_R e_R2 e_F e_A e_none e_bad e_rev; do
	case "$method" in ''|\#*) continue ;; esac
	for c in $callers; do
		eval "want=\$e_$c; tok=\$tok_$c"
		pth=$(echo "$path" | sed "s/{S}/$S/g; s/{T}/$T/g; s/{R}/$R/g; s/{INV}/$INV/g; s/{IMP}/$IMP/g; s/{PA}/$PA/g")
		if echo "$pth" | grep -q '{TTOK}'; then
			req POST /api/v1/tokens "$tok_T" '{"name":"matrix","scope":"read"}' >/dev/null
			pth=$(echo "$pth" | sed "s/{TTOK}/$(jget 'j["id"]' <"$WORK/body")/")
		fi
		if echo "$pth" | grep -q '{TKEY}'; then
			req POST /api/v1/keys "$tok_T" "$(key_body "$tok_T")" >/dev/null
			pth=$(echo "$pth" | sed "s/{TKEY}/$(jget 'j["id"]' <"$WORK/body")/")
		fi
		if echo "$pth" | grep -q '{AID}'; then
			req POST /api/v1/assignments "$tok_F" "{\"trainer\":$R,\"trainee\":$T2}" >/dev/null
			req GET "/api/v1/assignments?trainer=$R&trainee=$T2" "$tok_F" >/dev/null
			pth=$(echo "$pth" | sed "s/{AID}/$(jget 'j["items"][0]["id"]' <"$WORK/body")/")
		fi
		case "$body" in
		-) st=$(req "$method" "$pth" "$tok") ;;
		ASSIGN) st=$(req "$method" "$pth" "$tok" "{\"trainer\":$R2,\"trainee\":$T2}") ;;
		SESSION) st=$(req "$method" "$pth" "$tok" "$session_body") ;;
		KEY) st=$(req "$method" "$pth" "$tok" "$(key_body "$tok")") ;;
		EMPTY) st=$(req "$method" "$pth" "$tok" '{}') ;;
		TOKEN) st=$(req "$method" "$pth" "$tok" '{"name":"matrix","scope":"read"}') ;;
		NAME) st=$(req "$method" "$pth" "$tok" '{"name":"Tia Trainee"}') ;;
		INVITE) st=$(req "$method" "$pth" "$tok" '{"name":"Ivy Invited","email":"ivy@test.raslog.org","roles":["trainee"]}') ;;
		IMPORT) st=$(req "$method" "$pth" "$tok" "$(import_body)") ;;
		PROG) st=$(req "$method" "$pth" "$tok" "{\"name\":\"Matrix $(date +%s%N)\"}") ;;
		PDAYS) st=$(req "$method" "$pth" "$tok" '{"reminder_days":20}') ;;
		esac
		cells=$((cells + 1))
		why=""
		[ "$st" = "$want" ] || why="got $st"
		if [ -z "$why" ] && [ "$st" -ge 400 ]; then
			# The device token endpoint answers OAuth error objects (RFC 6749 5.2), as its clients expect.
			want_ct=application/problem+json
			[ "$path" = /api/v1/device/token ] && want_ct=application/json
			# Single sign-on's routes are pages a browser lands on: they answer HTML that says what went wrong.
			case $path in /auth/oidc/*) want_ct="text/html; charset=utf-8" ;; esac
			[ "$(hdr Content-Type)" = "$want_ct" ] || why="content type $(hdr Content-Type)"
			[ "$st" = 401 ] && ! hdr WWW-Authenticate | grep -q Bearer && why="no WWW-Authenticate"
		fi
		[ -n "$(hdr X-Request-Id)" ] || why="$why no X-Request-Id"
		if [ -z "$why" ]; then tap 0 "$method $path as $c: $want"; else
			tap 1 "$method $path as $c: $want"; echo "#   $why: $(head -c 300 "$WORK/body")"; fi
	done
done <<<"$MATRIX"
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

# ---- programme scoping ----------------------------------------------------------
# F2 is faculty of programme PB: T (programme PA) is out of reach, answered as if T did not exist.
for p in "/api/v1/sessions/$S" "/api/v1/trainees/$T/progress" "/api/v1/trainees/$T/export" "/api/v1/users/$T/programmes"; do
	check "faculty of another programme: GET $p is 404" "$(req GET "$p" "$tok_F2")" = 404
	check "  ...and faculty of T's programme: 200" "$(req GET "$p" "$tok_F")" = 200
done
pair_list() { # pair_list DESC PATH JQ: T's id is in F's answer and not in F2's
	req GET "$2" "$tok_F" >/dev/null; a=$(jget "$3" <"$WORK/body")
	req GET "$2" "$tok_F2" >/dev/null; b=$(jget "$3" <"$WORK/body")
	check "$1: faculty of T's programme see T" "$(echo " $a " | grep -c " $T ")" = 1
	check "$1: faculty of another programme do not" "$(echo " $b " | grep -c " $T ")" = 0
}
pair_list "GET /sessions" /api/v1/sessions '" ".join(str(x["trainee"]) for x in j["items"])'
pair_list "GET /accreditation" /api/v1/accreditation '" ".join(str(x["id"]) for x in j["items"])'
pair_list "GET /users" /api/v1/users '" ".join(str(x["id"]) for x in j["items"])'
req GET /api/v1/accreditation "$tok_F2" >/dev/null
check "faculty of PB see T3 on the accreditation view" "$(jget '" ".join(str(x["id"]) for x in j["items"])' <"$WORK/body")" = "$T3"
st=$(req POST /api/v1/assignments "$tok_F2" "{\"trainer\":$R2,\"trainee\":$T}")
check "faculty of another programme cannot assign T to a trainer: 403" "$st" = 403
check "  ...nothing stored" "$(sql "select count(*) from assignments where trainee_id = $T and trainer_id = $R2")" = 0

# ---- server-owned fields ------------------------------------------------------
n=$(count)
for f in id status trainee signed_by created_at signed_at signoff ledger_index trainee_name updated_at; do
	case $f in
	id|trainee|signed_by|ledger_index) v=$T ;;
	status) v='"signed"' ;;
	signoff) v='{"decision":"confirmed"}' ;;
	*) v="\"2026-01-01T00:00:00Z\"" ;;
	esac
	b="{\"date\":\"$today\",\"minutes\":45,\"activity\":\"dry_lab\",\"trainer\":$R,\"$f\":$v}"
	st=$(req POST /api/v1/sessions "$tok_T" "$b")
	if [ "$st" = 400 ] && python3 -c "
import json,sys; j=json.load(open('$WORK/body')); assert [e['field'] for e in j['errors']] == ['$f'], j" 2>/dev/null
	then tap 0 "server-owned field $f in POST /sessions: 400 naming it"
	else tap 1 "server-owned field $f in POST /sessions: 400 naming it"; echo "#   got $st $(cat "$WORK/body")"; fi
	check "  ...nothing stored" "$(count)" = "$n"
done
check "no stored session is anything but pending and T's or T2's" \
	"$(sql "select count(*) from sessions where status <> 'pending' or trainee_id not in ($T, $T2) or signed_by is not null")" = 0

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

# The matrix did not trip the failure limit, and the refusals are audited.
ok "refused authorizations are in the audit log" grep -q '"event":"authorization","outcome":"refused"' "$WORK/audit.log"
ok "refused tokens are in the audit log" grep -q '"event":"auth","outcome":"refused"' "$WORK/audit.log"
ok "nothing was rate-limited" sh -c "! grep -q rate-limited '$WORK/audit.log'"

finish
