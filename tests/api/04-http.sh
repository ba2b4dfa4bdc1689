#!/bin/bash
# tests/api/04-http.sh - HTTP hardening against the real raslogd over raw
# sockets (issue 6 items 2 and 8): ambiguous framing (two Content-Length
# headers, Content-Length with Transfer-Encoding) gets 400 and a closed
# connection, an oversized Content-Length gets 413 before the body is read,
# stalled clients do not block others, failed token attempts are rate
# limited (429 + Retry-After), and the audit log has one line per write
# and per refused authorization, carrying the reply's X-Request-Id.
. "$(dirname "$0")/../lib.sh"

mk() { add_user "$2" "$3" >"$WORK/id" || { echo "# user add failed"; exit 1; }; eval "$1=\$(cat \"\$WORK/id\")"; }
count() { sql "select count(*) from sessions"; }

# raw.py PORT: sends stdin as one raw request; prints "STATUS CLOSED" and
# the headers (lower-cased) then the body to $WORK/raw.*.  CLOSED is 1 when
# the server closed the connection after its reply, 0 if it kept it open.
cat >"$WORK/raw.py" <<'PY'
import socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
data = sys.stdin.buffer.read()
s = socket.create_connection(("127.0.0.1", port), timeout=5)
try:
    s.sendall(data)
except (BrokenPipeError, ConnectionResetError):
    pass
buf = b""
def more():
    global buf
    try:
        c = s.recv(65536)
    except (ConnectionResetError, socket.timeout):
        c = b""
    buf += c
    return c
while b"\r\n\r\n" not in buf:
    if not more():
        break
head, _, body = buf.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
status = lines[0].split()[1] if lines and len(lines[0].split()) > 1 else "000"
hdrs = {}
for l in lines[1:]:
    k, _, v = l.partition(":")
    hdrs[k.strip().lower()] = v.strip()
n = int(hdrs.get("content-length", "0"))
while len(body) < n:
    c = more()
    if not c:
        break
    body = buf.partition(b"\r\n\r\n")[2]
extra = body[n:]
body = body[:n]
# Closed?  The peer's FIN (or reset) shows as an empty read within 3 s.
s.settimeout(3)
closed = 0
try:
    c = s.recv(65536)
    extra += c
    closed = 1 if not c else 0
except ConnectionResetError:
    closed = 1
except socket.timeout:
    closed = 0
if closed == 0 or extra:
    # Anything more (a second, smuggled reply) is reported too.
    pass
open(out + ".hdr", "w").write("\n".join("%s: %s" % kv for kv in hdrs.items()) + "\n")
open(out + ".body", "wb").write(body)
open(out + ".extra", "wb").write(extra)
print(status, closed)
PY
raw() { python3 "$WORK/raw.py" "$PORT" "$WORK/raw"; }
rawhdr() { sed -n "s/^$1: //p" "$WORK/raw.hdr" | head -1; }
rawtype() { python3 -c "import json; print(json.load(open('$WORK/raw.body'))['type'])" 2>/dev/null; }

start_server --auth-failures 1000
mk TA "Tia Trainee" trainee
mk RA "Rob Trainer" trainer
tok=$(token_of "$TA")
today=$(date -u +%F)
body="{\"date\":\"$today\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$RA}"
len=${#body}
# Control: a well-formed chunked request is read and stored.
r=$(printf 'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' \
	"$tok" "$len" "$body" | raw)
check "control: a chunked POST is read and stored: 201 ($r)" "${r% *}" = 201
n0=$(count)

# Control: a plain keep-alive request is answered and the connection stays open,
# so "closed" below really means the server closed it.
r=$(printf 'GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n' | raw)
check "control: a plain request gets 200 on a connection left open ($r)" "$r" = "200 0"

# ---- framing --------------------------------------------------------------------
r=$(printf 'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nContent-Length: %d\r\n\r\n%s' \
	"$tok" "$len" "$len" "$body" | raw)
check "two equal Content-Length headers: 400 ($r)" "${r% *}" = 400
check "  ...and the connection is closed" "${r#* }" = 1
check "  ...problem type bad-framing" "$(rawtype)" = urn:raslog:problem:bad-framing
check "  ...with a request id" -n "$(rawhdr x-request-id)"
r=$(printf 'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nContent-Length: 2\r\nContent-Length: %d\r\n\r\n%s' \
	"$tok" "$len" "$body" | raw)
check "two different Content-Length headers: 400 ($r)" "${r% *}" = 400
check "  ...and the connection is closed" "${r#* }" = 1
# Content-Length plus chunked, with a smuggled second request in the body.
chunk=$(printf '%x' "$len")
r=$(printf 'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n%s\r\n%s\r\n0\r\n\r\nGET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n' \
	"$tok" "$chunk" "$body" | raw)
check "Content-Length with Transfer-Encoding: chunked: 400 ($r)" "${r% *}" = 400
check "  ...and the connection is closed" "${r#* }" = 1
check "  ...and no smuggled second reply" "$(grep -c 'HTTP/1' "$WORK/raw.extra")" = 0
r=$(printf 'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nTransfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n%s' \
	"$tok" "$len" "$body" | raw)
check "Transfer-Encoding before Content-Length: 400 ($r)" "${r% *}" = 400
check "  ...and the connection is closed" "${r#* }" = 1
# Header lines libmicrohttpd misreads, each hiding a second request in the body:
# whitespace before the colon, a folded (obs-fold) Content-Length, a
# Content-Length that is not plain digits.
inner='GET /api/v1/smuggled HTTP/1.1\r\nHost: t\r\n\r\n'
ilen=$(printf "$inner" | wc -c)
for h in "Content-Length : $ilen" "Content-Length\t: $ilen" "Content-Length: 0\r\n Content-Length: $ilen" "Content-Length: $ilen, $ilen" "Content-Length: +$ilen" \
	"Transfer-Encoding: chunked, chunked" "Transfer-Encoding: identity"; do
	r=$(printf "POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer $tok\r\n$h\r\n\r\n$inner" | raw)
	check "[$h] with a request in the body: 400 ($r)" "${r% *}" = 400
	check "  ...the connection is closed and no second reply came" "${r#* }/$(grep -c 'HTTP/1' "$WORK/raw.extra")" = 1/0
done
check "no framing attack stored a session" "$(count)" = "$n0"

# ---- size limit ----------------------------------------------------------------
start=$(date +%s%N)
r=$(printf 'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nContent-Length: 70000\r\n\r\n{"date":' "$tok" | raw)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "Content-Length 70000 (over 64 KiB): 413 before the body arrives ($r)" "${r% *}" = 413
check "  ...problem type too-large" "$(rawtype)" = urn:raslog:problem:too-large
check "  ...and the connection is closed" "${r#* }" = 1
check "  ...answered promptly (${ms} ms)" "$ms" -lt 4500
r=$(printf 'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nContent-Length: 65537\r\n\r\n' "$tok" | raw)
check "Content-Length 65537: 413 ($r)" "${r% *}" = 413
# A body over the limit sent chunked (no Content-Length) is cut off at 64 KiB too.
python3 -c "
import sys; b=b'{\"notes\":\"' + b'x'*70000 + b'\"}'
sys.stdout.buffer.write(b'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer $tok\r\nTransfer-Encoding: chunked\r\n\r\n')
for i in range(0, len(b), 8192):
    c=b[i:i+8192]; sys.stdout.buffer.write(b'%x\r\n' % len(c) + c + b'\r\n')
sys.stdout.buffer.write(b'0\r\n\r\n')" >"$WORK/chunked.req"
r=$(raw <"$WORK/chunked.req")
check "a 70 KB chunked body: 413 ($r)" "${r% *}" = 413
# Exactly at the limit is read (and refused for its content, not its size).
python3 -c "
import sys; pad=65536-len(b'{\"notes\":\"\"}'); sys.stdout.buffer.write(b'{\"notes\":\"' + b'x'*pad + b'\"}')" >"$WORK/64k.json"
st=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary "@$WORK/64k.json" "$URL/api/v1/sessions")
check "a body of exactly 64 KiB is read: 400 validation, not 413 ($st)" "$st" = 400
check "nothing stored by the size tests" "$(count)" = "$n0"

# ---- slow clients ----------------------------------------------------------------
# 12 connections send half a request each and stall; others must still be served.
python3 - "$PORT" "$WORK/stall.ready" <<'PY' &
import socket, sys, time
port = int(sys.argv[1]); socks = []
for i in range(12):
    s = socket.create_connection(("127.0.0.1", port))
    if i % 3 == 0:
        s.sendall(b"GET /api/v1/hea")                                      # half a request line
    elif i % 3 == 1:
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\nX-Slow: ")  # half the headers
    else:
        s.sendall(b"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Length: 500\r\n\r\n{\"da")  # half a body
    socks.append(s)
open(sys.argv[2], "w").write("ready\n")
time.sleep(8)
PY
STALL_PID=$!
i=0; while [ ! -f "$WORK/stall.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "12 stalled clients connected" -f "$WORK/stall.ready"
sleep 0.3
for i in 1 2 3; do
	t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "$URL/api/v1/health")
	check "while clients stall, another client is served within a second ($t s)" \
		"$(echo "$t" | awk '$1 == 200 && $2 < 1.0 { print "yes" }')" = yes
done
t=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 -H "Authorization: Bearer $tok" \
	-H 'Content-Type: application/json' --data-binary "$body" "$URL/api/v1/sessions")
check "  ...and a write completes within a second ($t s)" "$(echo "$t" | awk '$1 == 201 && $2 < 1.0 { print "yes" }')" = yes
kill "$STALL_PID" 2>/dev/null; wait "$STALL_PID" 2>/dev/null
n0=$(count)

# ---- audit trail -----------------------------------------------------------------------
# request ids of a write, a refused authorization (403), a bad token (401), a refused write (400)
aud() { # aud TOKEN METHOD PATH [BODY]: prints "STATUS REQUEST_ID"
	curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1" \
		-H 'Content-Type: application/json' ${4:+--data-binary "$4"} "$URL$3" >"$WORK/st"
	echo "$(cat "$WORK/st") $(tr -d '\r' <"$WORK/hdr" | sed -n 's/^X-Request-Id: //Ip')"
}
audit_line() { # audit_line RID EVENT OUTCOME [USER]: exactly one line with that id, and it matches
	python3 - "$WORK/audit.log" "$@" <<'PY'
import json, sys
path, rid, event, outcome = sys.argv[1:5]
user = sys.argv[5] if len(sys.argv) > 5 else None
lines = [json.loads(l) for l in open(path) if l.strip()]
mine = [l for l in lines if l.get("request_id") == rid]
assert len(mine) == 1, "%d lines for %s: %r" % (len(mine), rid, mine)
l = mine[0]
assert (l.get("event"), l.get("outcome")) == (event, outcome), l
if user: assert str(l.get("user")) == user, l
assert l.get("time") and l.get("ip") == "127.0.0.1" and l.get("path"), l
PY
}
set -- $(aud "$tok" POST /api/v1/sessions "$body")
check "audit: a write answered 201" "$1" = 201
ok "  ...one audit line session.create ok with the user and the reply's X-Request-Id" audit_line "$2" session.create ok "$TA"
set -- $(aud "$(token_of "$RA")" POST /api/v1/sessions "$body")
check "audit: a trainer logging a session is refused 403" "$1" = 403
ok "  ...one audit line authorization refused with its request id" audit_line "$2" authorization refused "$RA"
ok "  ...and the problem's request_id is the header's" python3 -c "
import json; assert json.load(open('$WORK/body'))['request_id'] == '$2'"
set -- $(aud "rl_not_a_token" GET /api/v1/me)
check "audit: a bad token is refused 401" "$1" = 401
ok "  ...one audit line auth refused with its request id" audit_line "$2" auth refused
set -- $(aud "$tok" POST /api/v1/sessions '{"minutes":0}')
check "audit: an invalid write is refused 400" "$1" = 400
ok "  ...one audit line session.create invalid" audit_line "$2" session.create invalid "$TA"
set -- $(aud "$tok" GET /api/v1/sessions)
check "a read answers 200" "$1" = 200
ok "  ...and is not audited" python3 -c "
import json; assert not [l for l in open('$WORK/audit.log') if json.loads(l).get('request_id') == '$2']"
ok "every audit line is one JSON object with a request id" python3 -c "
import json
for l in open('$WORK/audit.log'):
    o = json.loads(l); assert isinstance(o, dict) and len(o['request_id']) == 16, l"
ok "every stored session has its session.create ok audit line" python3 -c "
import json, subprocess
ids = {json.loads(l).get('session') for l in open('$WORK/audit.log') if '\"session.create\"' in l and '\"ok\"' in l}
rows = subprocess.run(['sqlite3', '$DB', 'select id from sessions'], capture_output=True, text=True).stdout.split()
assert {int(r) for r in rows} == ids, (rows, ids)"

# ---- rate limit on failed tokens ------------------------------------------------------------
stop_server
start_server --auth-failures 5
for i in 1 2 3 4 5; do
	st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer rl_bad_$i" "$URL/api/v1/me")
	check "bad token $i of 5: 401" "$st" = 401
done
st=$(curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer rl_bad_6" "$URL/api/v1/me")
check "the 6th bad token: 429" "$st" = 429
ra=$(tr -d '\r' <"$WORK/hdr" | sed -n 's/^Retry-After: //Ip')
check "  ...with Retry-After in seconds ($ra)" "$(echo "$ra" | grep -cE '^[0-9]+$')" = 1
check "  ...between 1 and 60" "${ra:-0}" -ge 1 -a "${ra:-0}" -le 60
ok "  ...as a rate-limited problem" python3 -c "
import json; j=json.load(open('$WORK/body')); assert j['type']=='urn:raslog:problem:rate-limited' and j['status']==429 and j['detail'], j"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$URL/api/v1/me")
check "  ...the blocked address is refused even with a good token" "$st" = 429
st=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")
check "  ...while health (no auth) still answers" "$st" = 200
ok "  ...and the audit log records the rate limiting" grep -q '"outcome":"rate-limited"' "$WORK/audit.log"

finish
