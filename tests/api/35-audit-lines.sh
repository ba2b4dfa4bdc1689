#!/bin/bash
# 35-audit-lines.sh - when the audit trail's lines are written (session
# 12): the replies to a batch of group-committed writes are built together
# and their lines written together (server/http.c's resumer), so this
# checks what that must keep.  Writes sent at once on many connections:
# each reply's line is in the audit log by the time the client has read
# the reply (a line written after its reply would be missing), every line
# is whole JSON, one per request, none lost after a clean stop; refused
# writes in the same burst keep their own lines.  The line's strings are
# escaped as JSON (quotes, backslashes; control characters in a path are
# refused before), text beyond ASCII kept as UTF-8, and a path that is not
# UTF-8 written as null.
. "$(dirname "$0")/../lib.sh"

export RASLOG_MAX_PENDING=1000 # the burst leaves 192 sessions pending with one trainer
start_server
TRAINEE=$(add_user "Tina Trainee" trainee)
TRAINER=$(add_user "Tom Trainer" trainer)
TT=$(token_of "$TRAINEE")

# 16 connections, keep-alive, 15 writes each (one in five refused 400), all at once.
python3 - "$PORT" "$TT" "$TRAINER" "$WORK/audit.log" >"$WORK/burst.out" 2>&1 <<'EOF'
import http.client, json, sys, threading
port, token, trainer, log = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
results, lock = [], threading.Lock()

def lines_of(path):
    with open(path, "rb") as f:
        return f.read()

def worker(k):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(15):
        if i % 5 == 4:
            body = json.dumps({"date": "2026-01-05", "minutes": 0, "activity": "simulator", "trainer": trainer})
        else:
            body = json.dumps({"date": "2026-01-05", "minutes": 1 + k * 15 + i, "activity": "simulator",
                               "trainer": trainer})
        c.request("POST", "/api/v1/sessions", body,
                  {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        rid = r.getheader("X-Request-Id")
        # The reply is read: its line must be in the log already.
        present = ('"request_id":"%s"' % rid).encode() in lines_of(log)
        with lock:
            results.append((rid, r.status, present))
    c.close()

ts = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps(results))
EOF
check "the burst ran" "$?" = 0
RESULTS=$(tail -n 1 "$WORK/burst.out")
count() { python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$RESULTS" "$1"; }
check "240 writes answered: 192 stored (201), 48 refused (400)" \
	"$(count 'len(r), sum(s == 201 for _, s, _ in r), sum(s == 400 for _, s, _ in r)')" = "(240, 192, 48)"
check "each reply's audit line was in the log when the client had read the reply" \
	"$(count 'sum(not p for _, _, p in r)')" = 0

stop_server
check "after a clean stop: every line of the log is one whole JSON object" \
	"$(python3 -c 'import json,sys
n = 0
for line in open(sys.argv[1], "rb"):
    assert line.endswith(b"\n"), line
    json.loads(line)
    n += 1
print("ok", n > 0)' "$WORK/audit.log")" = "ok True"
check "one session.create line per request id, with the reply's status" \
	"$(python3 -c 'import json,sys
r = json.loads(sys.argv[2])
got = {}
for line in open(sys.argv[1]):
    j = json.loads(line)
    if j.get("event") == "session.create":
        got.setdefault(j["request_id"], []).append(j["status"])
print(all(got.get(rid) == [s] for rid, s, _ in r), len(got))' "$WORK/audit.log" "$RESULTS")" = "True 240"
check "the stored sessions are those the log says were stored" \
	"$(sql "select count(*) from sessions where trainee_id = $TRAINEE")" = 192

# Strings in a line: a refused request's path, as the server read it (its escapes decoded).
start_server
audit_mark
curl -s -o /dev/null "$URL/api/v1/a%22b%5Cc%20d"
curl -s -o /dev/null "$URL/api/v1/caf%C3%A9"
curl -s -o /dev/null "$URL/api/v1/bad%FFbyte"
since_mark >"$WORK/paths"
check "quote and backslash escaped, the line valid JSON" \
	"$(python3 -c 'import json,sys; print([json.loads(l)["path"] for l in open(sys.argv[1])][0] == "/api/v1/a\"b\\c d")' "$WORK/paths")" = True
ok "  ...as jansson writes them" grep -qF '"path":"/api/v1/a\"b\\c d"' "$WORK/paths"
check "UTF-8 beyond ASCII kept" \
	"$(python3 -c 'import json,sys; print([json.loads(l)["path"] for l in open(sys.argv[1])][1] == "/api/v1/caf\u00e9")' "$WORK/paths")" = True
check "a path that is not UTF-8: null" \
	"$(python3 -c 'import json,sys; print([json.loads(l)["path"] for l in open(sys.argv[1])][2])' "$WORK/paths")" = None
finish
