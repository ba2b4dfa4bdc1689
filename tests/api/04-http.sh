#!/bin/bash
# engine: sqlite (HTTP framing, limits and promptness are the front end's, which do not depend on the storage engine; tests/run.sh runs it once, on SQLite, to keep make test inside its time)
# tests/api/04-http.sh - HTTP hardening against the real raslogd over raw
# sockets (issue 6 items 2 and 8): ambiguous framing (two Content-Length
# headers, Content-Length with Transfer-Encoding) gets 400 and a closed
# connection, an oversized Content-Length gets 413 before the body is read,
# stalled clients do not block others, failed token attempts are rate
# limited (429 + Retry-After), and the audit log has one line per write
# and per refused authorization, carrying the reply's X-Request-Id.
#
# test-runs-alone: it checks that health answers promptly while slow
# clients attack, so tests/run.sh runs it with nothing beside it.
. "$(dirname "$0")/../lib.sh"

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
mk TB "Tom Trainee" trainee # (add_user sets $tok: take TA's token after it)
tok=$(token_of "$TA")
today=$(date -u +%F)
body="{\"date\":\"$today\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$RA}"
len=${#body}
# Control: a well-formed chunked request is read and stored.
r=$(printf 'POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' \
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
# libmicrohttpd 0.9.75 itself takes a bare LF as a line end and joins a folded
# line to the previous value ("Content-Length:" + " N" is N to it); raslogd's
# framing guard (server/guard.c) refuses them before libmicrohttpd reads them.
for h in "Content-Length : $ilen" "Content-Length\t: $ilen" "Content-Length: 0\r\n Content-Length: $ilen" "Content-Length: $ilen, $ilen" "Content-Length: +$ilen" \
	"Transfer-Encoding: chunked, chunked" "Transfer-Encoding: identity" \
	"Content-Length:\r\n $ilen" "Content-Length:\r\n\t$ilen" "X-Note: a\r\n b\r\nContent-Length: $ilen" \
	"X-Note: 1\nContent-Length: $ilen" "Content-Length: $ilen\n" "X-Note: a\rb\r\nContent-Length: $ilen" \
	"X-Note: a\x00b\r\nContent-Length: $ilen" "X-Note: a\x01b\r\nContent-Length: $ilen" "X-Note: a\x7fb\r\nContent-Length: $ilen"; do
	r=$(printf "POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer $tok\r\n$h\r\n\r\n$inner" | raw)
	check "[$h] with a request in the body: 400 ($r)" "${r% *}" = 400
	check "  ...the connection is closed and no second reply came" "${r#* }/$(grep -c 'HTTP/1' "$WORK/raw.extra")" = 1/0
done
# Whole requests with bare LF line ends, a bad request line, an escaped NUL or
# control character in the target, and a bare LF in chunked framing.
for req in 'GET /api/v1/health HTTP/1.1\nHost: t\n\n' 'GET /api/v1/health HTTP/1.1\nHost: t\r\n\r\n' \
	'GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\n' 'GET  /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n' \
	'GET /api/v1/health HTTP/1.2\r\nHost: t\r\n\r\n' 'GET /api/v1/he alth HTTP/1.1\r\nHost: t\r\n\r\n' \
	'GET /api/v1/health%%00.html HTTP/1.1\r\nHost: t\r\n\r\n' 'GET /api/v1/sessions/1%%00 HTTP/1.1\r\nHost: t\r\n\r\n' \
	'GET /api/v1/health?x=%%0a HTTP/1.1\r\nHost: t\r\n\r\n' 'GET /api/v1/health%%1 HTTP/1.1\r\nHost: t\r\n\r\n' \
	"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer $tok\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n$chunk\n$body\r\n0\r\n\r\n" \
	"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer $tok\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n$chunk\r\n$body\n0\r\n\r\n" \
	"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer $tok\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n$chunk\r\n$body\r\n0\r\n X: y\r\n\r\n"; do
	r=$(printf "$req$inner" | raw)
	shown=$(printf '%s' "$req" | cut -c1-60)
	check "[$shown] then a second request: 400 ($r)" "${r% *}" = 400
	check "  ...problem type bad-framing, the connection closed, no second reply" \
		"$(rawtype)/${r#* }/$(grep -c 'HTTP/1' "$WORK/raw.extra")" = "urn:raslog:problem:bad-framing/1/0"
done
ok "each refusal is one audit line with its reason" python3 -c "
import json
lines = [json.loads(l) for l in open('$WORK/audit.log') if '\"event\":\"http\"' in l]
reasons = ' '.join(l['reason'] for l in lines)
assert len(lines) >= 20 and 'bare LF' in reasons and 'obs-fold' in reasons and 'NUL' in reasons, lines"
# Control: a request after a good one on the same connection is still read (keep-alive, pipelining).
r=$(printf 'GET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\nGET /api/v1/health HTTP/1.1\r\nHost: t\r\n\r\n' | raw)
check "control: two pipelined requests: 200 and a second reply ($r)" "${r% *}/$(grep -c 'HTTP/1.1 200' "$WORK/raw.extra")" = 200/1
r=$(printf 'GET /api/v1/health?note=a%%20b HTTP/1.1\r\nHost: t\r\nX-Note: caf\xc3\xa9 \t ok\r\n\r\n' | raw)
check "control: an escaped space, UTF-8 and a tab in a value are fine: 200 ($r)" "${r% *}" = 200
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
sql "select id from sessions" >"$WORK/session-ids"
ok "every stored session has its session.create ok audit line" python3 -c "
import json
ids = {json.loads(l).get('session') for l in open('$WORK/audit.log') if '\"session.create\"' in l and '\"ok\"' in l}
rows = open('$WORK/session-ids').read().split()
assert {int(r) for r in rows} == ids, (rows, ids)"

# ---- 405 Allow, 415 ------------------------------------------------------------------------
st=$(curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X POST "$URL/api/v1/health")
check "POST /api/v1/health: 405 ($st)" "$st" = 405
check "  ...with Allow: GET, HEAD" "$(tr -d '\r' <"$WORK/hdr" | sed -n 's/^Allow: //Ip')" = "GET, HEAD"
st=$(curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X DELETE -H "Authorization: Bearer $tok" "$URL/api/v1/sessions")
check "DELETE /api/v1/sessions: 405 ($st)" "$st" = 405
check "  ...with Allow listing GET, HEAD and POST" "$(tr -d '\r' <"$WORK/hdr" | sed -n 's/^Allow: //Ip')" = "POST, GET, HEAD"
st=$(curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X PUT "$URL/index.html")
check "PUT on a web page: 405 with Allow: GET, HEAD ($st)" \
	"$st/$(tr -d '\r' <"$WORK/hdr" | sed -n 's/^Allow: //Ip')" = "405/GET, HEAD"
n0=$(count)
for ct in "text/plain" "application/x-www-form-urlencoded" "application/jsonp" "application/json-patch+json" ""; do
	st=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $tok" -H "Content-Type: $ct" \
		--data-binary "$body" "$URL/api/v1/sessions")
	check "a JSON body sent as '${ct:-no Content-Type}': 415 ($st)" "$st" = 415
	check "  ...problem unsupported-media-type" "$(python3 -c "import json; print(json.load(open('$WORK/body'))['type'])")" \
		= urn:raslog:problem:unsupported-media-type
done
check "  ...and none was stored" "$(count)" = "$n0"
for ct in "application/json; charset=utf-8" "Application/JSON"; do
	st=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $tok" -H "Content-Type: $ct" \
		--data-binary "$body" "$URL/api/v1/sessions")
	check "control: '$ct' is JSON: 201 ($st)" "$st" = 201
done

# ---- slow clients: deadlines, per-address cap, the reserve ----------------------------------
# A small server: 40 connections, 12 per address, 8 kept in reserve, 3 s to send a head.
stop_server
start_server --max-connections 40 --max-per-address 12 --reserve 8 --head-timeout 3 --body-timeout 3
cat >"$WORK/slow.py" <<'PY'
# slow.py PORT SECONDS ADDR:COUNT...: from each ADDR open COUNT connections, send part
# of a request, then one byte a second; print one JSON line per connection
# {"addr", "opened" (accepted and kept), "lasted" (seconds until the server closed it, or null)}.
import json, select, socket, sys, time
port, secs = int(sys.argv[1]), float(sys.argv[2])
conns = []
for spec in sys.argv[3:]:
    addr, n = spec.split(":")
    for i in range(int(n)):
        s = socket.socket()
        s.bind((addr, 0))
        s.connect(("127.0.0.1", port))
        part = [b"GET /api/v1/health HTTP/1.1\r\nHost: t\r\nX-Slow: ",
                b"POST /api/v1/sessions HTTP/1.1\r\nHost: t\r\nContent-Length: 50\r\n\r\n{",
                b"GET /api/v1/hea"][i % 3]
        s.sendall(part)
        conns.append({"s": s, "addr": addr, "t0": time.time(), "end": None})
open(sys.argv[0] + ".ready", "w").write("ready\n")
deadline = time.time() + secs
while time.time() < deadline and any(c["end"] is None for c in conns):
    live = [c for c in conns if c["end"] is None]
    r, _, _ = select.select([c["s"] for c in live], [], [], 1.0)
    for c in live:
        if c["s"] in r:
            try:
                d = c["s"].recv(4096)
            except OSError:
                d = b""
            if not d:
                c["end"] = time.time()
                continue
        try:
            c["s"].send(b"x")  # a byte a second: an idle timer would never fire
        except OSError:
            c["end"] = c["end"] or time.time()
for c in conns:
    lasted = None if c["end"] is None else round(c["end"] - c["t0"], 2)
    print(json.dumps({"addr": c["addr"], "lasted": lasted}))
PY
# Per address: 16 connections from one address, 12 are kept, the rest closed at once.
python3 "$WORK/slow.py" "$PORT" 8 127.0.0.6:16 >"$WORK/slow1.out"
ok "one address gets at most 12 connections: the others are closed at once" python3 -c "
import json
c = [json.loads(l) for l in open('$WORK/slow1.out')]
quick = [x for x in c if x['lasted'] is not None and x['lasted'] < 1]
assert len(c) == 16 and len(quick) == 4, c"
ok "  ...and the 12 kept are closed by the 3 s head deadline, though they send a byte a second" python3 -c "
import json
c = [json.loads(l) for l in open('$WORK/slow1.out')]
kept = [x for x in c if x['lasted'] is None or x['lasted'] >= 1]
assert len(kept) == 12 and all(x['lasted'] is not None and 2.5 <= x['lasted'] <= 5 for x in kept), kept"
# Four addresses, 12 slow connections each: more than the server takes.  Health
# and a signed-in user are still served while they hold on.
rm -f "$WORK/slow.py.ready"
python3 "$WORK/slow.py" "$PORT" 10 127.0.0.2:12 127.0.0.3:12 127.0.0.4:12 127.0.0.5:12 >"$WORK/slow2.out" &
SLOW=$!
i=0; while [ ! -f "$WORK/slow.py.ready" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
check "48 slow connections opened from 127.0.0.2-5" -f "$WORK/slow.py.ready"
for i in 1 2 3; do
	st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$URL/api/v1/health")
	check "while they hold on, health answers within the 3 s bound ($st)" "$st" = 200
	st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Authorization: Bearer $tok" "$URL/api/v1/me")
	check "  ...and so does a signed-in user ($st)" "$st" = 200
	sleep 0.5
done
wait "$SLOW"
ok "every slow connection was closed within the head deadline (plus the watchdog's tick)" python3 -c "
import json
c = [json.loads(l) for l in open('$WORK/slow2.out')]
assert len(c) == 48 and all(x['lasted'] is not None and x['lasted'] <= 4.5 for x in c), c"
ok "  ...and to keep 8 of 40 free, the longest waiting were shut down before their deadline" python3 -c "
import json
c = [json.loads(l) for l in open('$WORK/slow2.out')]
assert len([x for x in c if x['lasted'] < 2.5]) >= 8, c"
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$URL/api/v1/health")
check "afterwards the server answers as before ($st)" "$st" = 200

# ---- per-user write rate ---------------------------------------------------------------------
stop_server
start_server --write-rate 5
tok2=$(token_of "$TB")
for i in 1 2 3 4 5; do
	st=$(api POST /api/v1/sessions "$tok" "$body")
	check "write $i of a budget of 5: 201 ($st)" "$st" = 201
done
st=$(curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $tok" \
	-H 'Content-Type: application/json' --data-binary "$body" "$URL/api/v1/sessions")
check "the 6th write in a burst: 429 ($st)" "$st" = 429
ra=$(tr -d '\r' <"$WORK/hdr" | sed -n 's/^Retry-After: //Ip')
check "  ...with Retry-After in seconds, 1 to 12 at 5 a minute ($ra)" "$(echo "$ra" | grep -cE '^[0-9]+$')/${ra:-0}" = "1/${ra:-0}" -a "${ra:-0}" -ge 1 -a "${ra:-0}" -le 12
ok "  ...as a rate-limited problem" python3 -c "
import json; j=json.load(open('$WORK/body')); assert j['type']=='urn:raslog:problem:rate-limited' and j['status']==429, j"
st=$(api DELETE /api/v1/keys/999999 "$tok")
check "  ...a DELETE is a write too: 429 ($st)" "$st" = 429
st=$(api GET /api/v1/sessions "$tok")
check "  ...reads still answer ($st)" "$st" = 200
st=$(api POST /api/v1/sessions "$tok2" "$body")
check "  ...and another user's write is not affected: 201 ($st)" "$st" = 201
ok "  ...and the audit log records the refusal" grep -q '"event":"write","outcome":"rate-limited"' "$WORK/audit.log"

# ---- failed sign-ins: the credential is locked, the address slowed -------------------------------
stop_server
start_server --auth-failures 5
for i in 1 2 3 4 5; do
	st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer rl_bad_$i" "$URL/api/v1/me")
	check "bad token $i of 5: 401" "$st" = 401
done
st=$(curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer rl_bad_6" "$URL/api/v1/me")
check "the 6th bad token from that address: 429" "$st" = 429
ra=$(tr -d '\r' <"$WORK/hdr" | sed -n 's/^Retry-After: //Ip')
check "  ...with Retry-After in seconds ($ra)" "$(echo "$ra" | grep -cE '^[0-9]+$')" = 1
check "  ...between 1 and 60" "${ra:-0}" -ge 1 -a "${ra:-0}" -le 60
ok "  ...as a rate-limited problem" python3 -c "
import json; j=json.load(open('$WORK/body')); assert j['type']=='urn:raslog:problem:rate-limited' and j['status']==429 and j['detail'], j"
st=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/me")
check "  ...no token at all from that address: 429 too" "$st" = 429
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$URL/api/v1/me")
check "  ...but a valid token from the same address still works: 200 ($st)" "$st" = 200
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	--data-binary "$body" "$URL/api/v1/sessions")
check "  ...for writes too: 201 ($st)" "$st" = 201
st=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")
check "  ...and health answers" "$st" = 200
ok "  ...and the audit log records the rate limiting" grep -q '"outcome":"rate-limited"' "$WORK/audit.log"
# One credential failing from several addresses is locked everywhere.
for a in 2 3 4 5 6; do
	st=$(curl -s -o /dev/null -w '%{http_code}' --interface "127.0.0.$a" -H "Authorization: Bearer rl_stolen" "$URL/api/v1/me")
	check "the same bad token from 127.0.0.$a: 401 ($st)" "$st" = 401
done
st=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.7 -H "Authorization: Bearer rl_stolen" "$URL/api/v1/me")
check "  ...the 6th try from a fresh address: 429, the token is locked ($st)" "$st" = 429
st=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.7 -H "Authorization: Bearer rl_other" "$URL/api/v1/me")
check "  ...while another bad token from that address is only refused: 401 ($st)" "$st" = 401

finish
