#!/bin/bash
# tests/api/01-sessions.sh - POST/GET /api/v1/sessions against the real
# raslogd: the happy path, every validation rule (issue 2 item 6) with the
# field named in "errors" and nothing stored, filters, cursor pagination,
# and the visibility rules (trainee: own; trainer: naming them; faculty: all).
. "$(dirname "$0")/../lib.sh"

# mk (tests/lib.sh): add_user in this shell (so TOKEN_<id> survives), id into VAR.
count() { sql "select count(*) from sessions"; }
# req METHOD PATH TOKEN [BODY]: like api, headers in $WORK/hdr.
req() {
	m=$1; p=$2; t=$3; shift 3
	if [ $# -gt 0 ]; then
		curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" \
			-H 'Content-Type: application/json' --data-binary "$1" "$URL$p"
	else
		curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" "$URL$p"
	fi
}
# problem_ok STATUS [FIELD]: the reply in $WORK/body/hdr is a complete problem with that field.
problem_ok() {
	python3 - "$1" "${2:--}" "$WORK/body" "$(hdr Content-Type)" "$(hdr X-Request-Id)" <<'PY'
import json, sys
status, field, path, ctype, rid = sys.argv[1:]
j = json.load(open(path))
errs = []
if ctype != "application/problem+json": errs.append("content type %r" % ctype)
if j.get("status") != int(status): errs.append("status member %r" % j.get("status"))
if not str(j.get("type", "")).startswith("urn:raslog:problem:"): errs.append("type %r" % j.get("type"))
for k in ("title", "detail", "request_id"):
    if not isinstance(j.get(k), str) or not j.get(k): errs.append("no " + k)
if j.get("request_id") != rid: errs.append("request_id %r != X-Request-Id %r" % (j.get("request_id"), rid))
if field != "-" and field not in [e.get("field") for e in j.get("errors", [])]:
    errs.append("field %s not in errors %r" % (field, j.get("errors")))
if errs: print("; ".join(errs)); sys.exit(1)
PY
}

start_server --auth-failures 1000
mk TA "Tia Trainee" trainee
mk TB "Ben Trainee" trainee
mk RA "Rob Trainer" trainer
mk RB "Ria Trainer" trainer
mk FA "Fay Faculty" faculty
mk TR "Dual Role" trainee,trainer
tokA=$(token_of "$TA"); tokB=$(token_of "$TB"); tokRA=$(token_of "$RA"); tokRB=$(token_of "$RB")
tokF=$(token_of "$FA"); tokTR=$(token_of "$TR")

today=$(date -u +%F)
tomorrow=$(date -u -d tomorrow +%F)

# ---- happy path --------------------------------------------------------------
full="{\"date\":\"$today\",\"minutes\":90,\"activity\":\"console_modular\",\"platform\":\"da Vinci Xi\",
 \"site\":\"North Skills Lab\",\"procedure\":\"Robotic prostatectomy\",\"steps\":[\"bladder_neck\",\"vua\"],
 \"role\":\"S-TS\",\"trainer\":$RA,\"notes\":\"first console session\"}"
st=$(req POST /api/v1/sessions "$tokA" "$full")
check "POST /sessions with every field: 201" "$st" = 201
S1=$(jget 'j["id"]' <"$WORK/body")
check "the new session is pending" "$(jget 'j["status"]' <"$WORK/body")" = pending
check "Location names the new session" "$(hdr Location)" = "/api/v1/sessions/$S1"
check "the reply has a request id" -n "$(hdr X-Request-Id)"
ok "the record echoes what was sent (platform label mapped to its code)" python3 -c "
import json,sys; j=json.load(open('$WORK/body'))
want={'trainee':$TA,'trainer':$RA,'date':'$today','minutes':90,'activity':'console_modular','platform':'davinci_xi',
 'site':'North Skills Lab','procedure':'Robotic prostatectomy','steps':['bladder_neck','vua'],'role':'S-TS',
 'notes':'first console session','signoff':None}
bad={k:(j.get(k),v) for k,v in want.items() if j.get(k)!=v}
assert not bad, bad
assert j['created_at'].endswith('Z') and j['trainee_name']=='Tia Trainee' and j['trainer_name']=='Rob Trainer'"
cp "$WORK/body" "$WORK/created.json"
created_etag=$(hdr ETag)
st=$(req GET "/api/v1/sessions/$S1" "$tokA")
check "GET /sessions/{id} by its trainee: 200" "$st" = 200
ok "GET returns the record POST returned (less its warnings)" python3 -c "
import json; c = json.load(open('$WORK/created.json')); assert isinstance(c.pop('warnings'), list)
assert json.load(open('$WORK/body')) == c"
# POST builds its record from what it stored, GET reads it back: the same bytes, and the same ETag.
ok "POST's record is GET's byte for byte, its warnings last" python3 -c "
import re; c = open('$WORK/created.json').read().strip(); g = open('$WORK/body').read().strip()
m = re.fullmatch(r'(.*),\"warnings\":\[.*\]\}', c, re.S)
assert m and m.group(1) + '}' == g, (c, g)"
check "GET's ETag is POST's" "$(hdr ETag)" = "$created_etag"
check "the database holds one session" "$(count)" = 1

minimal() { # minimal TRAINER [DATE] [MINUTES]
	echo "{\"date\":\"${2:-$today}\",\"minutes\":${3:-30},\"activity\":\"simulator\",\"trainer\":$1}"
}
st=$(req POST /api/v1/sessions "$tokA" "$(minimal "$RA" 2024-02-29 1)")
check "leap day 2024-02-29 and minutes 1 accepted" "$st" = 201
st=$(req POST /api/v1/sessions "$tokA" "$(minimal "$RA" 2000-02-29 1440)")
check "2000-02-29 and minutes 1440 accepted" "$st" = 201
st=$(req POST /api/v1/sessions "$tokTR" "$(minimal "$RA")")
check "a trainee who is also a trainer may log with another trainer" "$st" = 201

# ---- validation: every rule, the field named, nothing stored ------------------
# One case per line: FIELD|BODY ; BODY may use @T@ (trainer), @ME@, @TB@ (not a trainer).
n_before=$(count)
while IFS='|' read -r field body; do
	[ -z "$field" ] && continue
	case "$field" in \#*) continue ;; esac
	body=$(echo "$body" | sed "s/@T@/$RA/g; s/@ME@/$TA/g; s/@TB@/$TB/g; s/@TODAY@/$today/g; s/@TOMORROW@/$tomorrow/g")
	st=$(req POST /api/v1/sessions "$tokA" "$body")
	desc="refused: $(echo "$body" | cut -c1-90)"
	if [ "$st" = 400 ] && out=$(problem_ok 400 "$field"); then tap 0 "$desc -> 400 naming $field"; else
		tap 1 "$desc -> 400 naming $field"; echo "#   got $st: ${out:-} $(head -c 400 "$WORK/body")"; fi
	check "  ...and nothing stored" "$(count)" = "$n_before"
done <<'EOF'
# unknown and server-owned members
colour|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"colour":"red"}
Minutes|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"Minutes":30}
# required members
date|{"minutes":30,"activity":"simulator","trainer":@T@}
minutes|{"date":"@TODAY@","activity":"simulator","trainer":@T@}
activity|{"date":"@TODAY@","minutes":30,"trainer":@T@}
trainer|{"date":"@TODAY@","minutes":30,"activity":"simulator"}
date|{"date":"","minutes":30,"activity":"simulator","trainer":@T@}
minutes|{"date":"@TODAY@","minutes":null,"activity":"simulator","trainer":@T@}
# wrong types
date|{"date":20260101,"minutes":30,"activity":"simulator","trainer":@T@}
activity|{"date":"@TODAY@","minutes":30,"activity":5,"trainer":@T@}
activity|{"date":"@TODAY@","minutes":30,"activity":["simulator"],"trainer":@T@}
platform|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"platform":true}
site|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"site":{}}
notes|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"notes":42}
steps|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"steps":"vua"}
steps[1]|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"steps":["vua",7]}
steps[0]|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"steps":["Bad Step"]}
trainer|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":"@T@"}
trainer|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":true}
role|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"role":1}
# minutes outside 1..1440 or not an integer
minutes|{"date":"@TODAY@","minutes":0,"activity":"simulator","trainer":@T@}
minutes|{"date":"@TODAY@","minutes":1441,"activity":"simulator","trainer":@T@}
minutes|{"date":"@TODAY@","minutes":-30,"activity":"simulator","trainer":@T@}
minutes|{"date":"@TODAY@","minutes":1.5,"activity":"simulator","trainer":@T@}
minutes|{"date":"@TODAY@","minutes":30.0,"activity":"simulator","trainer":@T@}
minutes|{"date":"@TODAY@","minutes":"90","activity":"simulator","trainer":@T@}
minutes|{"date":"@TODAY@","minutes":9223372036854775807,"activity":"simulator","trainer":@T@}
# integers out of range for ids
trainer|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":0}
trainer|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":-3}
# dates
date|{"date":"2026-02-30","minutes":30,"activity":"simulator","trainer":@T@}
date|{"date":"2025-13-01","minutes":30,"activity":"simulator","trainer":@T@}
date|{"date":"2023-02-29","minutes":30,"activity":"simulator","trainer":@T@}
date|{"date":"2025-04-31","minutes":30,"activity":"simulator","trainer":@T@}
date|{"date":"2025-00-10","minutes":30,"activity":"simulator","trainer":@T@}
date|{"date":"@TOMORROW@","minutes":30,"activity":"simulator","trainer":@T@}
date|{"date":"2999-01-01","minutes":30,"activity":"simulator","trainer":@T@}
date|{"date":"not-a-date","minutes":30,"activity":"simulator","trainer":@T@}
date|{"date":"2025-1-01","minutes":30,"activity":"simulator","trainer":@T@}
date|{"date":"2025-01-01T10:00:00Z","minutes":30,"activity":"simulator","trainer":@T@}
# unknown codes
activity|{"date":"@TODAY@","minutes":30,"activity":"surfing","trainer":@T@}
activity|{"date":"@TODAY@","minutes":30,"activity":"Simulator","trainer":@T@}
role|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"role":"X"}
role|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"role":"s-ts"}
platform|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"platform":"Enterprise D"}
# lengths
procedure|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"procedure":"PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP"}
steps|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"steps":["a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a","a"]}
site|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@T@,"site":"bad\u0001site"}
# the trainer: not a trainer, nonexistent, yourself
trainer|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@TB@}
trainer|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":999999}
trainer|{"date":"@TODAY@","minutes":30,"activity":"simulator","trainer":@ME@}
EOF

# A dual-role user naming themselves as trainer.
st=$(req POST /api/v1/sessions "$tokTR" "$(minimal "$TR")")
check "a trainer-trainee naming themselves as trainer: 400" "$st" = 400
ok "  ...naming the trainer field" problem_ok 400 trainer
check "  ...and nothing stored" "$(count)" = "$n_before"

# All the problems of one body are listed, not just the first.
st=$(req POST /api/v1/sessions "$tokA" '{"date":"2025-02-30","minutes":0,"activity":"x","trainer":0,"zz":1}')
ok "every bad field of one body is listed" python3 -c "
import json; f={e['field'] for e in json.load(open('$WORK/body'))['errors']}
assert {'date','minutes','activity','trainer','zz'} <= f, f"
check "  ...and nothing stored" "$(count)" = "$n_before"
ok "the detail names the first bad field" python3 -c "
import json; j=json.load(open('$WORK/body')); assert 'zz' in j['detail'] or 'date' in j['detail'], j['detail']"

# Bad JSON: 400 with the position.
st=$(req POST /api/v1/sessions "$tokA" '{"date":"2025-01-01","minutes":30,')
check "truncated JSON: 400" "$st" = 400
ok "  ...a problem with line, column and position" python3 -c "
import json; j=json.load(open('$WORK/body'))
assert j['type']=='urn:raslog:problem:malformed-json' and all(isinstance(j.get(k),int) for k in ('line','column','position')), j"
check "  ...and nothing stored" "$(count)" = "$n_before"

# Roles: only trainees log.
st=$(req POST /api/v1/sessions "$tokRA" "$(minimal "$RB")")
check "a trainer (not a trainee) cannot log a session: 403" "$st" = 403
ok "  ...as a problem" problem_ok 403
st=$(req POST /api/v1/sessions "$tokF" "$(minimal "$RA")")
check "faculty cannot log a session: 403" "$st" = 403
check "  ...and nothing stored" "$(count)" = "$n_before"

# ---- visibility ---------------------------------------------------------------
st=$(req POST /api/v1/sessions "$tokB" "$(minimal "$RB")")
check "trainee B logs a session with trainer B: 201" "$st" = 201
S2=$(jget 'j["id"]' <"$WORK/body")
missing=$((S2 + 100000))

same_shape() { # same_shape FILE_A FILE_B: same status/type/title/keys; detail differs only by the id
	python3 - "$1" "$2" "$S2" "$missing" <<'PY'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("type", "title", "status"):
    assert a[k] == b[k], (k, a[k], b[k])
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
assert a["detail"].replace(sys.argv[3], "N") == b["detail"].replace(sys.argv[4], "N"), (a["detail"], b["detail"])
PY
}
st=$(req GET "/api/v1/sessions/$S2" "$tokA")
check "trainee A cannot GET trainee B's session: 404" "$st" = 404
cp "$WORK/body" "$WORK/hidden.json"
st=$(req GET "/api/v1/sessions/$missing" "$tokA")
check "a nonexistent session: 404" "$st" = 404
ok "  ...with the same problem as a hidden one (no enumeration)" same_shape "$WORK/hidden.json" "$WORK/body"
ok "  ...and a leak-free detail" sh -c "! grep -q 'Ben' '$WORK/hidden.json'"

st=$(req GET "/api/v1/sessions/$S1" "$tokRA"); check "trainer A sees a session naming them" "$st" = 200
st=$(req GET "/api/v1/sessions/$S2" "$tokRA"); check "trainer A cannot see trainer B's session: 404" "$st" = 404
cp "$WORK/body" "$WORK/hidden.json"
st=$(req GET "/api/v1/sessions/$missing" "$tokRA")
ok "  ...same problem as a nonexistent id" same_shape "$WORK/hidden.json" "$WORK/body"
st=$(req GET "/api/v1/sessions/$S1" "$tokRB"); check "trainer B cannot see trainer A's session: 404" "$st" = 404
st=$(req GET "/api/v1/sessions/$S1" "$tokB"); check "trainee B cannot see trainee A's session: 404" "$st" = 404
st=$(req GET "/api/v1/sessions/$S1" "$tokF"); check "faculty sees trainee A's session" "$st" = 200
st=$(req GET "/api/v1/sessions/$S2" "$tokF"); check "faculty sees trainee B's session" "$st" = 200

# list_check TOKEN QUERY PYTHON-CONDITION-ON-items: the full list holds only visible rows
list_check() {
	st=$(req GET "/api/v1/sessions?limit=200$2" "$1")
	[ "$st" = 200 ] || { echo "status $st" >&2; return 1; }
	python3 -c "
import json,sys; j=json.load(open('$WORK/body')); items=j['items']; ids={i['id'] for i in items}
assert j['next_cursor'] is None, j['next_cursor']
assert $3, [(i['id'], i['trainee'], i['trainer'], i['status']) for i in items]"
}
ok "trainee A's list: only own sessions, S1 in it" list_check "$tokA" "" "all(i['trainee']==$TA for i in items) and $S1 in ids and len(items)==3"
ok "trainee B's list: only S2" list_check "$tokB" "" "ids=={$S2}"
ok "trainee A filtering on trainee B: empty" list_check "$tokA" "&trainee=$TB" "items==[]"
ok "trainer A's list: only sessions naming them" list_check "$tokRA" "" "all(i['trainer']==$RA for i in items) and $S1 in ids and $S2 not in ids"
ok "trainer B's list: only S2" list_check "$tokRB" "" "ids=={$S2}"
ok "trainer A filtering on trainee B: empty" list_check "$tokRA" "&trainee=$TB" "items==[]"
total=$(count)
ok "faculty's list: every session" list_check "$tokF" "" "len(items)==$total and {$S1,$S2}<=ids"
ok "faculty filtering on trainee A: only A's" list_check "$tokF" "&trainee=$TA" "len(items)==3 and all(i['trainee']==$TA for i in items)"
ok "status=pending: all pending" list_check "$tokF" "&status=pending" "len(items)==$total and all(i['status']=='pending' for i in items)"
ok "status=signed: none yet" list_check "$tokF" "&status=signed" "items==[]"
ok "trainee + status filters combine" list_check "$tokF" "&trainee=$TB&status=pending" "ids=={$S2}"
for q in "status=done" "limit=0" "limit=201" "limit=x" "trainee=abc" "cursor=-1"; do
	st=$(req GET "/api/v1/sessions?$q" "$tokF")
	field=${q%%=*}
	if [ "$st" = 400 ] && problem_ok 400 "$field" >/dev/null; then tap 0 "GET /sessions?$q: 400 naming $field"
	else tap 1 "GET /sessions?$q: 400 naming $field"; echo "#   got $st $(cat "$WORK/body")"; fi
done

# ---- cursor pagination ----------------------------------------------------------
for i in $(seq 1 9); do
	req POST /api/v1/sessions "$tokB" "$(minimal "$RB" "" "$((i + 10))")" >/dev/null
done
paginate() { # paginate TOKEN LIMIT: every page's ids, one per line, into $WORK/pages
	: >"$WORK/pages"
	cursor=""; pages=0
	while :; do
		st=$(req GET "/api/v1/sessions?limit=$2$cursor" "$1")
		[ "$st" = 200 ] || { echo "page status $st" >&2; return 1; }
		jget '"\n".join(str(i["id"]) for i in j["items"])' <"$WORK/body" | grep . >>"$WORK/pages"
		n=$(jget 'len(j["items"])' <"$WORK/body")
		[ "$n" -le "$2" ] || { echo "page of $n > limit" >&2; return 1; }
		c=$(jget 'j["next_cursor"]' <"$WORK/body")
		pages=$((pages + 1))
		[ "$c" = None ] && break
		cursor="&cursor=$c"
		[ $pages -lt 100 ] || return 1
	done
}
for who in B F; do
	eval "tok=\$tok$who"
	paginate "$tok" 3
	req GET "/api/v1/sessions?limit=200" "$tok" >/dev/null
	jget '"\n".join(str(i["id"]) for i in j["items"])' <"$WORK/body" >"$WORK/all"
	ok "pagination ($who, limit 3): the pages together are the full list, in order" cmp "$WORK/pages" "$WORK/all"
	check "  ...no duplicates" "$(sort "$WORK/pages" | uniq -d | wc -l)" = 0
	check "  ...more than one page ($pages)" "$pages" -gt 1
done
check "trainee B's 10 sessions paginate to 4 pages of 3" "$(paginate "$tokB" 3 && echo "$pages/$(wc -l <"$WORK/pages")")" = "4/10"
paginate "$tokB" 5
check "limit 5 over exactly 10 sessions: 3 pages at most, 10 ids" "$(wc -l <"$WORK/pages")" = 10

# The procedure's limit is 120 characters (code points), not bytes: 120 two-byte
# and 120 four-byte characters are accepted, 121 are refused naming the count.
proc() { printf "%${2}s" | sed "s/ /$1/g"; }
body=$(minimal "$RA" | sed "s|}\$|,\"procedure\":\"$(proc é 120)\"}|")
st=$(req POST /api/v1/sessions "$tokA" "$body")
check "a procedure of 120 'é' (240 bytes) is accepted (201)" "$st|$(jget 'len(j["procedure"])' <"$WORK/body")" = "201|120"
body=$(minimal "$RA" | sed "s|}\$|,\"procedure\":\"$(proc 🤖 120)\"}|")
st=$(req POST /api/v1/sessions "$tokA" "$body")
check "a procedure of 120 four-byte characters (480 bytes) is accepted (201)" "$st" = 201
n_before=$(count)
body=$(minimal "$RA" | sed "s|}\$|,\"procedure\":\"$(proc é 121)\"}|")
st=$(req POST /api/v1/sessions "$tokA" "$body")
check "a procedure of 121 'é' is refused naming the field and the count" \
	"$st|$(jget 'j["errors"][0]["field"]+": "+j["errors"][0]["message"]' <"$WORK/body")" = "400|procedure: must be at most 120 characters long (this is 121)"
check "  ...and nothing stored" "$(count)" = "$n_before"

# Many writes at once: every one is committed, answered 201 with its own
# record, and the replies' request ids differ (the writer hands its done
# jobs to the thread that resumes their connections, server/http.c).
n_before=$(count)
python3 - "$URL" "$tokB" "$(minimal "$RB")" >"$WORK/burst" <<'PY'
import sys, threading, urllib.request
url, tok, body = sys.argv[1], sys.argv[2], sys.argv[3].encode()
out, lock = [], threading.Lock()
def post():
    rq = urllib.request.Request(url + "/api/v1/sessions", data=body, method="POST",
                                headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(rq, timeout=30) as r:
            rec = (r.status, r.headers["X-Request-Id"], r.headers["Location"])
    except Exception as e:
        rec = (getattr(e, "code", 0), "", "")
    with lock:
        out.append(rec)
ts = [threading.Thread(target=post) for _ in range(24)]
for t in ts: t.start()
for t in ts: t.join()
print(len(out), sum(1 for o in out if o[0] == 201), len({o[1] for o in out if o[1]}), len({o[2] for o in out if o[2]}))
PY
check "24 writes at once: 24 answers, all 201, 24 request ids and 24 sessions named ($(cat "$WORK/burst"))" "$(cat "$WORK/burst")" = "24 24 24 24"
check "  ...and 24 sessions stored" "$(count)" = "$((n_before + 24))"

finish
