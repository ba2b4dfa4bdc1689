#!/bin/bash
# tests/api/03-bad-input.sh - the bad input catalogue (issue 6 item 3):
# every tests/data/bad-input/NN-name.json is posted raw to /api/v1/sessions
# and must get the status, problem type and field of its NN-name.expect,
# a non-empty detail and title, and leave the sessions table untouched.
. "$(dirname "$0")/../lib.sh"
DATA=$(cd "$(dirname "$0")/../data/bad-input" && pwd)

start_server --auth-failures 1000
add_user "Tia Trainee" trainee >"$WORK/id"; TA=$(cat "$WORK/id")
add_user "Rob Trainer" trainer >"$WORK/id"; RA=$(cat "$WORK/id")
[ "$TA" = 1 ] && [ "$RA" = 2 ] || { echo "not ok - the catalogue needs users 1 (trainee) and 2 (trainer), got $TA $RA"; exit 1; }
tok=$(token_of "$TA")
count() { sql "select count(*) from sessions"; }

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
ok "the server is still healthy" curl -sf "$URL/api/v1/health"
finish
