#!/bin/bash
# 63-audit.sh - every refused or failed request is exactly one audit line
# with its real outcome and status (serve --audit FILE): 401, 403 and 404
# (other people's records included) and 429 are "refused", other 4xx
# "invalid", 5xx "failed" (see 21-disk.sh); a handler that logs "ok" but
# answers with an error (format=bogus export, a credential export answering
# 404 or 409) does not get to say "ok"; successful reads are not audited.
. tests/lib.sh
"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" > "$WORK/people.jsonl" 2>/dev/null
start_server --auth-failures 1000
ACC=$(field "Priya Raman" token); ACCID=$(field "Priya Raman" id)
ELIG=$(field "Tomasz Nowak" token); ELIGID=$(field "Tomasz Nowak" id)
FAC=$(field "Amelia Hart" token)
# A session of Priya's, which Tomasz may not see.
S=$(sql "SELECT id FROM sessions WHERE trainee_id = $ACCID LIMIT 1")

aud() { # aud TOKEN|- METHOD PATH [BODY]: prints "STATUS REQUEST_ID"
	auth=()
	[ "$1" != - ] && auth=(-H "Authorization: Bearer $1")
	curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$2" "${auth[@]}" \
		-H 'Content-Type: application/json' ${4:+--data-binary "$4"} "$URL$3" >"$WORK/st"
	echo "$(cat "$WORK/st") $(tr -d '\r' <"$WORK/hdr" | sed -n 's/^X-Request-Id: //Ip')"
}
line() { # line RID EVENT OUTCOME STATUS: exactly one audit line with that request id, and it says so
	python3 - "$WORK/audit.log" "$@" <<'PY'
import json, sys
path, rid, event, outcome, status = sys.argv[1:6]
mine = [json.loads(l) for l in open(path) if json.loads(l).get("request_id") == rid]
assert len(mine) == 1, "%d lines for %s: %r" % (len(mine), rid, mine)
l = mine[0]
assert (l.get("event"), l.get("outcome"), str(l.get("status"))) == (event, outcome, status), l
PY
}
case_() { # case_ DESCRIPTION WANT_STATUS EVENT OUTCOME TOKEN METHOD PATH [BODY]
	d=$1; want=$2; ev=$3; oc=$4; shift 4
	set -- $(aud "$@")
	check "$d: $want" "$1" = "$want"
	ok "  ...one audit line: $ev $oc $want" line "$2" "$ev" "$oc" "$want"
}

case_ "another trainee's session" 404 "GET /api/v1/sessions/{id}" refused "$ELIG" GET "/api/v1/sessions/$S"
case_ "a session that does not exist" 404 "GET /api/v1/sessions/{id}" refused "$ELIG" GET /api/v1/sessions/987654
case_ "another trainee's progress" 404 "GET /api/v1/trainees/{id}/progress" refused "$ELIG" GET "/api/v1/trainees/$ACCID/progress"
case_ "another trainee's export" 404 export refused "$ELIG" GET "/api/v1/trainees/$ACCID/export"
case_ "another trainee's credential export" 404 export refused "$ELIG" GET "/api/v1/trainees/$ACCID/export?format=credential"
case_ "an export in a bogus format" 400 export invalid "$ACC" GET "/api/v1/trainees/$ACCID/export?format=bogus"
case_ "a credential export of a trainee not accredited" 409 export invalid "$ELIG" GET "/api/v1/trainees/$ELIGID/export?format=credential"
case_ "a trainee on a faculty route" 403 authorization refused "$ELIG" GET /api/v1/accreditation
case_ "a trainee listing someone else's keys" 403 "GET /api/v1/keys" refused "$ELIG" GET "/api/v1/keys?user=$ACCID"
case_ "no token" 401 auth refused - GET /api/v1/me
case_ "a bad token" 401 auth refused rl_not_a_token GET /api/v1/sessions
case_ "a malformed query parameter" 400 "GET /api/v1/sessions" invalid "$ELIG" GET "/api/v1/sessions?limit=abc"
case_ "a body that is not JSON" 400 "POST /api/v1/keys" invalid "$ELIG" POST /api/v1/keys '{"public_key":'
case_ "an unknown API resource" 404 request refused "$ELIG" GET /api/v1/nothing-here
case_ "a method a route does not allow" 405 request invalid "$ELIG" PUT /api/v1/me
case_ "a key registration without its proof" 400 key.register invalid "$ELIG" POST /api/v1/keys "{\"public_key\":\"$(field "Tomasz Nowak" public_key)\"}"
set -- $(aud "$ELIG" GET /api/v1/sessions)
check "a successful read: 200" "$1" = 200
ok "  ...is not audited" sh -c "! grep -q '\"request_id\":\"$2\"' '$WORK/audit.log'"
set -- $(aud "$ELIG" POST /api/v1/keys "$(key_body "$ELIG")")
check "a key registration with its proof: 201" "$1" = 201
ok "  ...one audit line: key.register ok 201" line "$2" key.register ok 201

stop_server
start_server --auth-failures 2
for i in 1 2; do aud rl_bad_$i GET /api/v1/me >/dev/null; done
set -- $(aud rl_bad_3 GET /api/v1/me)
check "a rate-limited address: 429" "$1" = 429
python3 - "$WORK/audit.log" "$2" <<'PY' >"$WORK/out" 2>&1
import json, sys
mine = [json.loads(l) for l in open(sys.argv[1]) if json.loads(l).get("request_id") == sys.argv[2]]
assert len(mine) == 1 and mine[0]["status"] == 429 and mine[0]["outcome"] in ("refused", "rate-limited"), mine
PY
tap $? "  ...one audit line, refused (rate-limited) with status 429"
ok "no request has two audit lines, and every line is one JSON object with a status" python3 -c "
import json
ls = [json.loads(l) for l in open('$WORK/audit.log')]
ids = [l['request_id'] for l in ls]
assert len(ids) == len(set(ids)) and all(isinstance(l.get('status'), int) for l in ls), ls"
finish
