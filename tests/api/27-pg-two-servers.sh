#!/bin/bash
# 27-pg-two-servers.sh - two raslogd processes serve one PostgreSQL
# database at once (issue 20 item 2).
#
# Writers log sessions and revoke keys (log-signed ledger entries) through
# server A and server B alternately, concurrently.  Afterwards: one dense
# ledger holding every acknowledged write; every signed tree head either
# server wrote extends the one before it (each head verifies against the
# same prefix of the final ledger: tests/js/verify-ledger.mjs); `raslog
# verify` passes through both servers, which report the same head.  A
# reply cached by server A is dropped when B commits (LISTEN/NOTIFY): a
# session logged through B shows in A's progress reply at once, not after
# the cache's minute.  Skipped when PostgreSQL is not installed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib/pg.sh"

if ! pg_available; then
	skip "PostgreSQL 15 is not installed: no second server to test"
	finish; exit
fi
export RASLOG_MAX_PENDING=1000000
chmod 711 "$WORK"
pg_start "$WORK/pg" || { echo "not ok - PostgreSQL did not start"; exit 1; }
pg_createdb raslog
URI=$(pg_uri raslog)
KEYS="$WORK/keys"
raslogd() { "$RASLOGD" --db "$URI" --key-dir "$KEYS" "$@"; }
ok "raslogd init on PostgreSQL" raslogd init
raslogd demo --keys "$WORK/people-keys" > "$WORK/people.jsonl" 2>/dev/null
FAC=$(field "Amelia Hart" token)
TRAINEE=$(field "Tomasz Nowak" token)
TRAINEE_ID=$(field "Tomasz Nowak" id)
TRAINER=$(pg_psql raslog "select trainer_id from assignments where trainee_id = $TRAINEE_ID limit 1")
TRAINER_TOK=$(tok "$TRAINER")

serve() { # serve NAME -> URL_<NAME>, PID_<NAME>
	p=$(free_port)
	# ("$RASLOGD" itself, not the function: $! is then the server, not a subshell that would
	# leave it running when killed.)
	"$RASLOGD" --db "$URI" --key-dir "$KEYS" serve --listen "127.0.0.1:$p" --write-rate 0 >"$WORK/server-$1.log" 2>&1 &
	eval "PID_$1=$!; URL_$1=http://127.0.0.1:$p"
	for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$p/api/v1/health" >/dev/null && return 0; sleep 0.05; done
	return 1
}
ok "server A starts" serve A
ok "server B starts on the same database" serve B

# A's cached progress reply is dropped when B commits.
pending() { curl -s -H "Authorization: Bearer $FAC" "$1/api/v1/trainees/$TRAINEE_ID/progress" |
	jget 'sum(r["pending"] for m in j["modules"] for r in m["requirements"] if isinstance(r.get("pending"), int))'; }
p0=$(pending "$URL_A"); p0b=$(pending "$URL_A")
check "A serves the trainee's progress (pending $p0, twice the same)" "$p0" = "$p0b"
st=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $TRAINEE" -H 'Content-Type: application/json' \
	-d "{\"date\":\"2026-11-02\",\"minutes\":45,\"activity\":\"simulator\",\"trainer\":$TRAINER}" "$URL_B/api/v1/sessions")
check "a session logged through B (HTTP $st)" "$st" = 201
for _ in $(seq 1 40); do p1=$(pending "$URL_A"); [ "$p1" != "$p0" ] && break; sleep 0.05; done
check "A's progress shows it within two seconds ($p0 -> $p1 pending minutes)" "$p1" -gt "$p0"

# Writers through both servers at once.
python3 - "$URL_A" "$URL_B" "$TRAINEE" "$TRAINER" "$TRAINER_TOK" "$WORK/acked" <<'PY' >"$WORK/writers.out" 2>&1
import json, subprocess, sys, threading, urllib.request
a, b, ttok, trainer, rtok, acked = sys.argv[1:7]
lock = threading.Lock(); out = open(acked, "w"); errors = []
def call(url, method, path, tok, body=None):
    req = urllib.request.Request(url + path, method=method, headers={"Authorization": "Bearer " + tok,
        "Content-Type": "application/json"}, data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read() or b"{}")
def record(kind, key, value):
    with lock: out.write(json.dumps({"kind": kind, "key": key, "value": value}) + "\n"); out.flush()
def sessions(tag, n):
    for i in range(n):
        url = a if i % 2 == 0 else b
        note = "two servers %s %d" % (tag, i)
        try:
            st, j = call(url, "POST", "/api/v1/sessions", ttok, {"date": "2026-10-01", "minutes": 30,
                         "activity": "simulator", "trainer": int(trainer), "notes": note})
            record("session", j["id"], note)
        except Exception as e: errors.append(repr(e))
def keys(n):
    uid = call(a, "GET", "/api/v1/me", rtok)[1]["id"]
    public = {u: call(u, "GET", "/api/v1/health", rtok)[1]["public_url"] for u in (a, b)}
    for i in range(n):
        url = a if i % 2 == 0 else b
        try:
            # the proof of possession names the server it is sent to
            body = json.loads(subprocess.run(["node", "tests/js/key-proof.mjs", "new", str(uid), public[url]],
                              capture_output=True, text=True, check=True).stdout)
            st, k = call(url, "POST", "/api/v1/keys", rtok, body)
            st, _ = call(b if url == a else a, "DELETE", "/api/v1/keys/%d" % k["id"], rtok)
            record("revocation", k["id"], body["public_key"])
        except Exception as e: errors.append(repr(e))
ts = [threading.Thread(target=sessions, args=(t, 60)) for t in "abc"] + [threading.Thread(target=keys, args=(12,)) for _ in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps({"errors": len(errors), "first": errors[:3]}))
PY
echo "# writers: $(cat "$WORK/writers.out")"
check "every write through either server was acknowledged" "$(jget 'j["errors"]' < "$WORK/writers.out")" = 0
check "all $(wc -l < "$WORK/acked") of them (180 sessions, 24 revocations)" "$(wc -l < "$WORK/acked")" = 204

pg_psql raslog "select id, notes from sessions" >"$WORK/sessions.txt"
pg_psql raslog "select message from ledger where kind = 'key_revocation'" >"$WORK/revocations.txt"
lost=$(python3 - "$WORK/acked" "$WORK/sessions.txt" "$WORK/revocations.txt" <<'PY'
import json, sys
acked = [json.loads(l) for l in open(sys.argv[1])]
sessions = dict(l.rstrip("\n").split("|", 1) for l in open(sys.argv[2]) if "|" in l)
rev = open(sys.argv[3]).read()
print(sum(1 for a in acked if (a["kind"] == "session" and sessions.get(str(a["key"])) != a["value"]) or
          (a["kind"] == "revocation" and a["value"] not in rev)))
PY
)
check "every acknowledged write is in the one database ($lost missing)" "$lost" = 0
check "one dense ledger" "$(pg_psql raslog "select count(*) = max(idx) + 1 from ledger")" = t
check "the heads' sizes only grow, in the order they were signed" \
	"$(pg_psql raslog "select count(*) from (select tree_size, lag(tree_size) over (order by timestamp, tree_size) as prev from tree_heads) h where prev >= tree_size")" = 0

# Each of a sample of heads verifies against the same prefix of the final ledger.
curl -sf -H "Authorization: Bearer $FAC" "$URL_A/api/v1/ledger?count=100000" >"$WORK/export.jsonl"
curl -sf -H "Authorization: Bearer $FAC" "$URL_A/api/v1/ledger/key" >"$WORK/key.json"
logkey=$(jget 'j.get("public_key") or j.get("key")' <"$WORK/key.json")
pg_psql raslog "select tree_size, encode(root_hash, 'hex'), timestamp, translate(encode(signature, 'base64'), E'\\n', '') from tree_heads
	order by tree_size" | awk 'NR % 7 == 1' | tail -8 >"$WORK/heads.txt"
good=0; n=0
while IFS='|' read -r size root ts sig; do
	n=$((n + 1))
	printf '{"tree_size":%s,"root_hash":"%s","timestamp":"%s","signature":"%s"}\n' "$size" "$root" "$ts" "$(echo "$sig" | tr -d '\n ')" >"$WORK/h.json"
	head -n "$size" "$WORK/export.jsonl" >"$WORK/prefix.jsonl"
	node tests/js/verify-ledger.mjs "$WORK/prefix.jsonl" "$WORK/h.json" "$logkey" >/dev/null 2>&1 && good=$((good + 1))
done <"$WORK/heads.txt"
check "each sampled signed head ($good of $n) is a prefix of the one ledger" "$good" = "$n"
ok "raslog verify through A" "$RASLOG" --server "$URL_A" --token "$FAC" verify
ok "raslog verify through B" "$RASLOG" --server "$URL_B" --token "$FAC" verify
check "both servers report the same head" \
	"$(curl -s -H "Authorization: Bearer $FAC" "$URL_A/api/v1/ledger/head")" = "$(curl -s -H "Authorization: Bearer $FAC" "$URL_B/api/v1/ledger/head")"
"$RASLOG" --server "$URL_B" --token "$FAC" audit >"$WORK/audit.out" 2>&1
rc=$?; check "raslog audit through B agrees with the ledger" "$rc" = 0; [ "$rc" = 0 ] || sed "s/^/#   /" "$WORK/audit.out" | head -8

for s in A B; do
	eval "stop_pid \$PID_$s"
	check "no sanitizer report from server $s" "$(grep -c 'Sanitizer\|runtime error' "$WORK/server-$s.log")" = 0
done
pg_stop
finish
