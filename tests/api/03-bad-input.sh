#!/bin/bash
# tests/api/03-bad-input.sh - the bad input catalogue (issue 6 item 3):
# every tests/data/bad-input/NN-name.json is posted raw to /api/v1/sessions
# and must get the status, problem type and field of its NN-name.expect,
# a non-empty detail and title, and leave the sessions table untouched.
. "$(dirname "$0")/../lib.sh"
DATA=$(cd "$(dirname "$0")/../data/bad-input" && pwd)

# A low pending cap (RASLOG_MAX_PENDING, default 50) keeps the cap test quick.
RASLOG_MAX_PENDING=3 start_server --auth-failures 1000
add_user "Tia Trainee" trainee >"$WORK/id"; TA=$(cat "$WORK/id")
add_user "Rob Trainer" trainer >"$WORK/id"; RA=$(cat "$WORK/id")
[ "$TA" = 1 ] && [ "$RA" = 2 ] || { echo "not ok - the catalogue needs users 1 (trainee) and 2 (trainer), got $TA $RA"; exit 1; }
tok=$(token_of "$TA")
count() { sql "select count(*) from sessions"; }
ledger_size() { sql "select count(*) from ledger"; }

post_file() { # post_file FILE: status echoed, body in $WORK/body
	curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $tok" \
		-H 'Content-Type: application/json' --data-binary "@$1" "$URL/api/v1/sessions"
}

# Control: the base body the cases are made from is accepted, so each case
# is refused for its own reason only.
printf '{"date":"2025-06-01","minutes":30,"activity":"simulator","trainer":2}' >"$WORK/control.json"
st=$(post_file "$WORK/control.json")
check "control: the catalogue's base body is accepted (201)" "$st" = 201
before=$(count)

cases=0
for f in "$DATA"/[0-9]*.json; do
	name=$(basename "$f" .json)
	exp="$DATA/$name.expect"
	[ -f "$exp" ] || { tap 1 "$name: no $name.expect"; continue; }
	read -r want_status want_type want_field <"$exp"
	cases=$((cases + 1))
	st=$(post_file "$f")
	why=$(python3 - "$WORK/body" "$st" "$want_status" "$want_type" "$want_field" <<'PY'
import json, sys
path, st, want_st, want_type, want_field = sys.argv[1:]
if st != want_st:
    print("status %s, wanted %s: %s" % (st, want_st, open(path, "rb").read()[:200])); sys.exit()
try:
    j = json.load(open(path))
except Exception as e:
    print("reply is not JSON: %s" % e); sys.exit()
p = []
if j.get("type") != "urn:raslog:problem:" + want_type: p.append("type %r" % j.get("type"))
if j.get("status") != int(want_st): p.append("status member %r" % j.get("status"))
for k in ("title", "detail", "request_id"):
    if not isinstance(j.get(k), str) or not j[k].strip(): p.append("empty " + k)
fields = [e.get("field") for e in j.get("errors", [])]
if want_field != "-" and want_field not in fields: p.append("field %s not in %r" % (want_field, fields))
if want_type == "malformed-json" and not all(isinstance(j.get(k), int) for k in ("line", "column", "position")):
    p.append("no line/column/position")
if p: print("; ".join(p) + " | detail: " + str(j.get("detail"))[:160])
PY
)
	n=$(count)
	[ "$n" = "$before" ] || why="$why; sessions count $n, was $before"
	if [ -z "$why" ]; then tap 0 "$name: $want_status $want_type $want_field"
	else tap 1 "$name: $want_status $want_type $want_field"; echo "#   $why"; fi
done
echo "# $cases bad inputs checked"
check "the catalogue has at least 30 cases ($cases)" "$cases" -ge 30
check "nothing was stored by any of them" "$(count)" = "$before"

# problem STATUS TYPE FIELD: the last reply is that problem+json naming FIELD ("-": none).
problem() {
	python3 - "$WORK/body" "$@" <<'PY'
import json, sys
path, st, typ, field = sys.argv[1:]
try:
    j = json.load(open(path))
except Exception as e:
    print("reply is not JSON: %s" % e); sys.exit(1)
p = []
if j.get("status") != int(st): p.append("status %r" % j.get("status"))
if j.get("type") != "urn:raslog:problem:" + typ: p.append("type %r" % j.get("type"))
if not isinstance(j.get("detail"), str) or not j["detail"].strip(): p.append("no detail")
fields = [e.get("field") for e in j.get("errors", [])]
if field != "-" and field not in fields: p.append("field %s not in %r" % (field, fields))
if p: print("; ".join(p) + " | " + json.dumps(j)[:300]); sys.exit(1)
PY
}

# ---- signed statements: checked before anything reads them (issue 11 items 4, 5; issue 13)
# Each is refused on its members' shape, before the signature is looked at,
# so a placeholder key and signature do; user 2 is a trainer.
rtok=$(token_of "$RA")
Z32=$(python3 -c 'import base64; print(base64.b64encode(bytes(32)).decode())')
Z64=$(python3 -c 'import base64; print(base64.b64encode(bytes(64)).decode())')
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
YESTERDAY=$(date -u -d yesterday +%Y-%m-%d)
common="\"v\":1,\"signer\":2,\"key\":\"$Z32\",\"signed_at\":\"$NOW\""
lbefore=$(ledger_size)
while IFS='|' read -r want field name stmt; do
	[ -n "$want" ] || continue
	st=$(api POST /api/v1/signoffs "$rtok" "{\"statement\":{$common,$stmt},\"signature\":\"$Z64\"}")
	why=$( [ "$st" = "$want" ] || echo "status $st"; problem "$want" validation "$field")
	[ "$(ledger_size)" = "$lbefore" ] || why="$why; the ledger grew"
	[ "$(count)" = "$before" ] || why="$why; sessions changed"
	if [ -z "$why" ]; then tap 0 "statement $name: $want $field"
	else tap 1 "statement $name: $want $field"; echo "#   $why"; fi
done <<STATEMENTS
400|statement.scores[0]|GEARS score 4294967301 (2^32+5) not stored as 5|"type":"assessment","trainee":1,"session":1,"tool":"gears","scores":[4294967301,4,4,4,4,4]
400|statement.scores[2]|GEARS score -4294967291|"type":"assessment","trainee":1,"session":1,"tool":"gears","scores":[4,4,-4294967291,4,4,4]
400|statement.scores[5]|GEARS score 2^63-1|"type":"assessment","trainee":1,"session":1,"tool":"gears","scores":[4,4,4,4,4,9223372036854775807]
400|statement.scores[1]|GEARS score 6 out of range|"type":"assessment","trainee":1,"session":1,"tool":"gears","scores":[4,6,4,4,4,4]
400|statement.scores[0]|GEARS score 4.0 (a real)|"type":"assessment","trainee":1,"session":1,"tool":"gears","scores":[4.0,4,4,4,4,4]
400|statement.session|session id 2^32+1.0 (a real)|"type":"assessment","trainee":1,"session":4294967297.0,"tool":"gears","scores":[4,4,4,4,4,4]
400|statement.trainee|trainee id as a string|"type":"assessment","trainee":"1","session":1,"tool":"gears","scores":[4,4,4,4,4,4]
400|statement.trainee|trainee id 0|"type":"module_completion","trainee":0,"module":"m"
400|statement.subject|subject id -4294967295|"type":"revocation","subject":-4294967295,"accreditation_index":3,"reason":"r"
400|statement.session.id|session id 0|"type":"session_signoff","decision":"confirmed","session":{"id":0}
400|statement.steps[2]|a step listed twice at sign-off|"type":"session_signoff","decision":"confirmed","session":{"id":1},"steps":["docking","suturing","docking"]
400|statement.reason|rejection reason with an NHS number|"type":"session_signoff","decision":"rejected","session":{"id":1},"reason":"wrong patient 943 476 5919"
400|statement.reason|revocation reason with an NHS number|"type":"revocation","subject":1,"accreditation_index":3,"reason":"complaint re 4010232137"
400|statement.accreditation_index|accreditation index -1|"type":"revocation","subject":1,"accreditation_index":-1,"reason":"r"
400|statement.valid_until|trainee accreditation already expired|"type":"accreditation","trainee":1,"decision":"accredited","valid_until":"$YESTERDAY"
400|statement.valid_until|trainer accreditation already expired|"type":"trainer_accreditation","trainer":2,"trainer_key":"$Z32","valid_from":"2024-01-01","valid_until":"$YESTERDAY"
400|statement.valid_from|trainer accreditation from 1999|"type":"trainer_accreditation","trainer":2,"trainer_key":"$Z32","valid_from":"1999-12-31","valid_until":"2099-12-31"
400|statement.supersedes|a correction naming ledger index -1|"type":"assessment","trainee":1,"session":1,"tool":"gears","scores":[4,4,4,4,4,4],"supersedes":-1
400|statement.signoff_index|a withdrawal naming index 1.5 (a real)|"type":"signoff_withdrawal","trainee":1,"signoff_index":1.5,"reason":"r"
400|statement.reason|withdrawal reason with an NHS number|"type":"signoff_withdrawal","trainee":1,"signoff_index":1,"reason":"wrong patient 943 476 5919"
400|statement.session.trainee|a sign-off whose session names no trainee|"type":"session_signoff","decision":"confirmed","session":{"id":1}
400|statement.decision|a sign-off deciding neither confirmed nor rejected|"type":"session_signoff","decision":"maybe","session":{"id":1,"trainee":1}
400|statement.scores|an assessment without scores|"type":"assessment","trainee":1,"session":1,"tool":"gears"
400|statement.type|an unknown statement type|"type":"assesment","trainee":1,"session":1,"tool":"gears","scores":[4,4,4,4,4,4]
400|statement.import.verified|a certificate's verified as a string|"type":"elearning_confirmation","decision":"confirmed","import":{"id":1,"trainee":1,"issuer":"x","achievement":"y","verified":"no"}
STATEMENTS

# ---- query parameters: checked arithmetic, never an overflow (issue 11 item 6)
st=$(req_to GET "/api/v1/ledger?from=9223372036854775807&count=100000" "$tok" "$WORK/body")
check "ledger export from 2^63-1 with the largest count: 200 and no entries (the end is clamped)" \
	"$st:$(wc -c <"$WORK/body")" = "200:0"
st=$(req_to GET "/api/v1/ledger?from=9223372036854775807" "$tok" "$WORK/body")
check "ledger export from 2^63-1 with the default count: 200" "$st" = 200
while read -r path field; do
	st=$(api GET "$path" "$tok")
	if [ "$st" = 400 ] && problem 400 validation "$field" >"$WORK/why"; then tap 0 "GET $path: 400 naming $field"
	else tap 1 "GET $path: 400 naming $field (got $st)"; sed 's/^/#   /' "$WORK/why"; fi
done <<'QUERIES'
/api/v1/ledger?from=9223372036854775808 from
/api/v1/ledger?from=-1 from
/api/v1/ledger?from=0&count=100001 count
/api/v1/ledger?count=0 count
/api/v1/ledger?from=1e3 from
/api/v1/ledger/proof?index=9223372036854775808 index
/api/v1/ledger/proof?index=0&tree_size=99999999999999999999 tree_size
/api/v1/ledger/consistency?first=9223372036854775808 first
/api/v1/ledger/consistency?first=1&second=-9223372036854775808 second
/api/v1/sessions?cursor=9223372036854775808 cursor
/api/v1/sessions?limit=4294967297 limit
/api/v1/sessions?trainee=0x10 trainee
QUERIES
for path in "/api/v1/ledger/proof?index=9223372036854775807&tree_size=9223372036854775807" \
	"/api/v1/ledger/consistency?first=9223372036854775807&second=9223372036854775807"; do
	st=$(api GET "$path" "$tok")
	if [ "$st" = 400 ] && problem 400 bad-range - >"$WORK/why"; then tap 0 "GET $path: 400 bad-range"
	else tap 1 "GET $path: 400 bad-range (got $st)"; sed 's/^/#   /' "$WORK/why"; fi
done
st=$(api GET "/api/v1/sessions?cursor=9223372036854775807&limit=200" "$tok")
check "sessions from the largest cursor: 200" "$st" = 200
check "no query stored anything" "$(count):$(ledger_size)" = "$before:$lbefore"

# ---- the pending cap (issue 11 item 11): 3 here through RASLOG_MAX_PENDING, 50 by default
body='{"date":"2025-06-02","minutes":30,"activity":"simulator","trainer":2}'
for i in 2 3; do
	st=$(api POST /api/v1/sessions "$tok" "$body")
	check "pending session $i of 3 with trainer 2 is accepted" "$st" = 201
done
n=$(count)
st=$(api POST /api/v1/sessions "$tok" "$body")
check "a 4th pending session with the same trainer is refused 409" "$st" = 409
ok "the 409 is problem+json too-many-pending" problem 409 too-many-pending -
check "the 409 says what to do (ask the trainer to sign or reject)" \
	"$(jget 'j["detail"]' <"$WORK/body" | grep -c 'sign or reject')" = 1
check "the 409 names the pending count and the cap" "$(jget '[j["pending"], j["max_pending"]]' <"$WORK/body")" = "[3, 3]"
check "nothing was stored by the refused session" "$(count)" = "$n"
(add_user "Tom Trainer" trainer) >"$WORK/id"; T3=$(cat "$WORK/id") # a subshell: add_user sets tok
st=$(api POST /api/v1/sessions "$tok" "{\"date\":\"2025-06-02\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$T3}")
check "the cap is per trainer: a session with another trainer is accepted" "$st" = 201
sql "UPDATE sessions SET status = 'rejected' WHERE id = (SELECT min(id) FROM sessions WHERE trainer_id = 2)"
st=$(api POST /api/v1/sessions "$tok" "$body")
check "once the trainer decides one, the trainee may log again" "$st" = 201
ok "the server is still healthy" curl -sf "$URL/api/v1/health"
finish
