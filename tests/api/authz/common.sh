# tests/api/authz/common.sh - sourced by the authorization matrix suites
# (tests/api/02-authz-read.sh, 02-authz-write.sh, 02-authz-cookie.sh; issue
# 6 item 1, issue 14 item 6): the fixture, the matrix of expected statuses
# and the loop that checks its cells.  Each suite runs its own server, so
# the three run side by side.
. "$(dirname "$0")/../lib.sh"

count() { sql "select count(*) from sessions"; }
# req METHOD PATH AUTH [BODY [extra curl args...]]: status echoed, body in $WORK/body, headers in
# $WORK/hdr.  AUTH: a token, "-" for none, or "cookie:SID:CSRF" (a web session: the cookie, this
# site's Origin (REQ_ORIGIN if set) and, unless CSRF is "-", the X-CSRF-Token header, as the web
# page sends them).
req() {
	rq_m=$1; rq_p=$2; rq_a=$3; shift 3
	rq_args=(-s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$rq_m")
	case "$rq_a" in
	-) ;;
	cookie:*)
		rq_a=${rq_a#cookie:}
		rq_args+=(-b "raslog_session=${rq_a%%:*}" -H "Origin: ${REQ_ORIGIN:-$URL}")
		[ "${rq_a#*:}" != - ] && rq_args+=(-H "X-CSRF-Token: ${rq_a#*:}")
		;;
	*) rq_args+=(-H "Authorization: Bearer $rq_a") ;;
	esac
	if [ $# -gt 0 ]; then
		[ "$1" != - ] && rq_args+=(-H 'Content-Type: application/json' --data-binary "$1")
		shift
	fi
	curl "${rq_args[@]}" "$@" "$URL$rq_p"
}
# cell METHOD PATH AUTH [BODY]: one matrix request, as req, without a process: sets st (status),
# ct (Content-Type), rid (X-Request-Id) and www (WWW-Authenticate).  The suite's python3 helper
# (tests/lib.sh) sends it with the headers curl sends (a curl start cost ~35 ms of CPU, and the
# three matrix suites make thousands of cells); without the helper, curl sends it.
CELL_UA="User-Agent: curl/$(curl --version | sed -n '1s/^curl \([^ ]*\).*/\1/p')"
cell() {
	cl_h=("Host: ${URL#http://}" "$CELL_UA" "Accept: */*")
	case "$3" in
	-) ;;
	cookie:*)
		cl_a=${3#cookie:}
		cl_h+=("Cookie: raslog_session=${cl_a%%:*}" "Origin: ${REQ_ORIGIN:-$URL}")
		[ "${cl_a#*:}" != - ] && cl_h+=("X-CSRF-Token: ${cl_a#*:}")
		;;
	*) cl_h+=("Authorization: Bearer $3") ;;
	esac
	cl_body=""; cl_has=0
	if [ $# -gt 3 ] && [ "$4" != - ]; then cl_body=$4; cl_has=1; cl_h+=("Content-Type: application/json"); fi
	if ! pyh cell - "$1" "$URL$2" "$cl_body" "$cl_has" "$WORK/body" "$WORK/hdr" "${#cl_h[@]}" "${cl_h[@]}" >"$WORK/cell"; then
		req "$@" -w '%{http_code}\t%{content_type}\t%header{x-request-id}\t%header{www-authenticate}\n' >"$WORK/cell"
	fi
	IFS=$'\t' read -r st ct rid www <"$WORK/cell"
}

# web_session USER_ID -> "cookie:SID:CSRF", a web session as sign-in makes it (made in the
# database by tests/lib.sh's fixture_session; sign-in itself is tested in 80-accounts and 81-passkeys).
web_session() {
	ws_sid=$(fixture_session "$1")
	ws_csrf=$(curl -s -b "raslog_session=$ws_sid" "$URL/api/v1/me" | jget 'j["csrf_token"]')
	echo "cookie:$ws_sid:$ws_csrf"
}

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
# Authorization), bad (unknown token), rev (revoked token).  Cookie callers
# (02-authz-cookie.sh, and the reads in 02-authz-read.sh) are the same
# people signed in to the web page, with a wrong cookie as "bad" and a
# signed-out session as "rev"; a cell marked c=NNN answers NNN to a cookie
# caller (the token's status is written before it).
# Path placeholders: {S} T's session, {T} T's user id, {R} R's user id, {TKEY} a key that T
# registers just before the cell, {TTOK} a token T creates just before the
# cell, {INV} a pending invitation, {AID} an assignment of T2 to R that
# faculty make just before the cell.  Body: - none, SESSION a valid session
# naming R, KEY a fresh public key, EMPTY {}, TOKEN a read token request,
# NAME {"name": T's own name}, INVITE an invitation, ASSIGN an assignment of
# T2 to R2 (faculty make it; an admin then finds it made: 409), ERASE a
# text erasure's {"reason"} (entry 1 holds no free text: 404 for those who may erase).
# PATCH/DELETE /sessions/{id} without If-Match answer 428 to any trainee
# before the session is looked up (so T2 learns nothing); with If-Match
# (404 for T2, 403, 409, 412) they are covered by tests/api/13-corrections.sh.
# POST /session/logout and /session/logout-all sign a cookie caller out: each
# of their cookie cells gets a web session of its own.
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
DELETE /api/v1/ledger/entries/1/text       ERASE    403 403 403 403 404 404 401  401 401
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
POST   /api/v1/session/logout              -        400,c=200 400,c=200 400,c=200 400,c=200 400,c=200 400,c=200 401 401 401
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

# fill PATH: the path with its placeholders replaced (making what {TTOK}, {TKEY} and {AID} need).
fill() {
	pth=${1//\{S\}/$S}; pth=${pth//\{T\}/$T}; pth=${pth//\{R\}/$R}; pth=${pth//\{INV\}/$INV}
	pth=${pth//\{IMP\}/$IMP}; pth=${pth//\{PA\}/$PA}
	case $pth in
	*'{TTOK}'*)
		req POST /api/v1/tokens "$tok_T" '{"name":"matrix","scope":"read"}' >/dev/null
		pth=${pth//\{TTOK\}/$(jget 'j["id"]' <"$WORK/body")} ;;
	*'{TKEY}'*)
		req POST /api/v1/keys "$tok_T" "$(key_body "$tok_T")" >/dev/null
		pth=${pth//\{TKEY\}/$(jget 'j["id"]' <"$WORK/body")} ;;
	*'{AID}'*)
		req POST /api/v1/assignments "$tok_F" "{\"trainer\":$R,\"trainee\":$T2}" >/dev/null
		req GET "/api/v1/assignments?trainer=$R&trainee=$T2" "$tok_F" >/dev/null
		pth=${pth//\{AID\}/$(jget 'j["items"][0]["id"]' <"$WORK/body")} ;;
	esac
}

# set_body NAME TOKEN: bd = the request body a matrix row names ("-": none); a KEY's proof of
# possession names the user of TOKEN (the caller's token, whichever way the caller signs in).
nbody=0
set_body() {
	nbody=$((nbody + 1))
	case "$1" in
	-) bd=- ;;
	ASSIGN) bd="{\"trainer\":$R2,\"trainee\":$T2}" ;;
	SESSION) bd=$session_body ;;
	KEY) bd=$(key_body "$2") ;;
	EMPTY) bd='{}' ;;
	TOKEN) bd='{"name":"matrix","scope":"read"}' ;;
	NAME) bd='{"name":"Tia Trainee"}' ;;
	INVITE) bd='{"name":"Ivy Invited","email":"ivy@test.raslog.org","roles":["trainee"]}' ;;
	IMPORT) bd=$(import_body) ;;
	PROG) bd="{\"name\":\"Matrix $$-$nbody\"}" ;;
	PDAYS) bd='{"reminder_days":20}' ;;
	ERASE) bd='{"reason":"matrix"}' ;;
	esac
}

# run_matrix WHICH KIND: checks the cells of the rows WHICH (read: GET; write: the others; all)
# for callers of KIND (token: Authorization: Bearer; cookie: web sessions, in $ck_<caller>).
cells=0
run_matrix() {
	which=$1; kind=$2
	while read -r method path body e_T e_T2 e_R e_R2 e_F e_A e_none e_bad e_rev; do
		case "$method" in ''|\#*) continue ;; esac
		case "$which:$method" in read:GET|write:[!G]*|all:*) ;; *) continue ;; esac
		for c in $callers; do
			eval "want=\$e_$c"
			if [ "$kind" = cookie ]; then
				[ "$c" = none ] && continue # no credential at all: the token run's column
				case $want in *,c=*) want=${want#*,c=} ;; esac
				case $path in /api/v1/session/logout*)
					case $c in bad|rev) ;; *) eval "ck_$c=\$(web_session \"\$$c\")" ;; esac ;;
				esac
				eval "auth=\$ck_$c"
			else
				want=${want%%,c=*}
				eval "auth=\$tok_$c"
			fi
			fill "$path"
			eval "set_body \"\$body\" \"\$tok_$c\""
			cell "$method" "$pth" "$auth" "$bd"
			cells=$((cells + 1))
			why=""
			[ "$st" = "$want" ] || why="got $st"
			if [ -z "$why" ] && [ "$st" -ge 400 ]; then
				# The device token endpoint answers OAuth error objects (RFC 6749 5.2), as its clients expect.
				want_ct=application/problem+json
				[ "$path" = /api/v1/device/token ] && want_ct=application/json
				# Single sign-on's routes are pages a browser lands on: they answer HTML that says what went wrong.
				case $path in /auth/oidc/*) want_ct="text/html; charset=utf-8" ;; esac
				[ "$ct" = "$want_ct" ] || why="content type $ct"
				[ "$st" = 401 ] && [ "${www#Bearer}" = "$www" ] && why="no WWW-Authenticate"
			fi
			[ -n "$rid" ] || why="$why no X-Request-Id"
			if [ -z "$why" ]; then tap 0 "$method $path as $c ($kind): $want"; else
				tap 1 "$method $path as $c ($kind): $want"; echo "#   $why: $(head -c 300 "$WORK/body")"; fi
			# Signing out (everywhere) ended the caller's sessions: a new one for the next rows.
			case $kind:$path:$c in cookie:/api/v1/session/logout*:bad|cookie:/api/v1/session/logout*:rev) ;;
			cookie:/api/v1/session/logout*) eval "ck_$c=\$(web_session \"\$$c\")" ;;
			esac
		done
	done <<<"$MATRIX"
	echo "# matrix ($which, $kind): $cells cells so far"
}

# cookie_callers: a web session for each signed-in caller; "bad" an unknown session id and
# "rev" one that was signed out (ck_<caller> = cookie:SID:CSRF).
cookie_callers() {
	for c in T T2 R R2 F A; do eval "ck_$c=\$(web_session \"\$$c\")"; done
	ck_bad="cookie:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	ck_rev=$(web_session "$V")
	st=$(req GET /api/v1/me "$ck_rev")
	check "setup: V's web session works before sign-out (token revocation leaves it)" "$st" = 200
	st=$(req POST /api/v1/session/logout "$ck_rev")
	check "setup: V signs out of it" "$st" = 200
}
