#!/bin/bash
# engine: sqlite (its subject is the SQLite file itself: it reads or changes it with sqlite3; tests/run.sh runs it once)
# 20-crash.sh - crash safety (issue 6 item 4).  Concurrent writers POST
# sessions (and a trainer registers and revokes keys, which appends
# log-signed key_revocation entries to the ledger) while the server is
# killed with SIGKILL at random moments and restarted.  Afterwards every
# write that was acknowledged (201 for a session, 200 for a revocation)
# must be in the database exactly as sent, PRAGMA integrity_check must be
# ok, the ledger and its Merkle tree must agree, and the server must start.
#
#   CYCLES=N overrides the number of kill cycles (default 8, RASLOG_LONG=1: 50).
BIN=${BIN:-build/san/bin}
. tests/lib.sh

# Hundreds of sessions stay pending with one trainer here; the pending cap
# (50 per trainee per trainer, tested in 03-bad-input.sh) is not under test.
export RASLOG_MAX_PENDING=1000000
CYCLES=${CYCLES:-$([ "${RASLOG_LONG:-0}" = 1 ] && echo 50 || echo 8)}
WRITERS=${WRITERS:-6}

# mkuser NAME ROLE -> "id token" (add_user's TOKEN_ variable is lost in $(...))
mkuser() {
	"$RASLOGD" --db "$DB" user add --name "$1" --email "$(echo "$1" | tr 'A-Z ' 'a-z.')@test.raslog.org" --role "$2" |
		python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["id"], j["token"])'
}
"$RASLOGD" --db "$DB" init 2>"$WORK/init.log" || { echo "# init failed"; cat "$WORK/init.log"; exit 1; }
read -r trainer trainer_tok <<<"$(mkuser "Crash Trainer" trainer)"
trainees=""
for i in $(seq 1 "$WRITERS"); do
	read -r t tok <<<"$(mkuser "Crash Trainee $i" trainee)"
	trainees="$trainees $t:$tok"
done
ok "users created" test -n "$trainer" -a -n "$trainer_tok"

ACKS="$WORK/acks.log"
KACKS="$WORK/key-acks.log"
: >"$ACKS"
: >"$KACKS"

python3 - "$RASLOGD" "$DB" "$WORK" "$CYCLES" "$trainer" "$trainer_tok" "$ACKS" "$KACKS" $trainees <<'EOF' >"$WORK/driver.out" 2>"$WORK/driver.err"
import base64, http.client, json, os, random, signal, socket, subprocess, sys, threading, time

raslogd, db, work, cycles, trainer, ttoken, acks, kacks = sys.argv[1:9]
cycles = int(cycles)
trainees = [a.split(":", 1) for a in sys.argv[9:]]
lock = threading.Lock()
ackf = open(acks, "a")
kackf = open(kacks, "a")
stats = {"posted": 0, "acked": 0, "failed": 0, "revoked": 0, "starts": 0}

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def request(port, method, path, token, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        h = {"Authorization": "Bearer " + token}
        if body is not None:
            h["Content-Type"] = "application/json"
        c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()

def writer(port, stop, tid, tok, cyc):
    n = 0
    while not stop.is_set():
        n += 1
        note = "crash c%d t%s n%d %s" % (cyc, tid, n, os.urandom(6).hex())
        body = {"date": "2026-10-01", "minutes": 1 + n % 600, "activity": "simulator",
                "trainer": int(trainer), "notes": note}
        try:
            st, data = request(port, "POST", "/api/v1/sessions", tok, body)
        except Exception:
            with lock: stats["failed"] += 1
            continue
        with lock:
            stats["posted"] += 1
            if st == 201:
                sid = json.loads(data)["id"]
                ackf.write("%d\t%s\n" % (sid, note)); ackf.flush()
                stats["acked"] += 1

# Fresh keys with their proofs of possession, made by Node (tests/js/key-proof.mjs) in one go:
# every server of the run has the same public URL, so the proofs do not depend on its port.
PUBLIC_URL = "http://raslog.crash.test"
key_bodies = [json.loads(l) for l in subprocess.run(
    ["node", "tests/js/key-proof.mjs", "new", trainer, PUBLIC_URL, "--count", "400"],
    capture_output=True, text=True, check=True).stdout.splitlines()]

def key_body(port):
    with lock:
        return key_bodies.pop() if key_bodies else None

def keyer(port, stop):
    while not stop.is_set():
        body = key_body(port)
        if body is None:
            break
        try:
            st, data = request(port, "POST", "/api/v1/keys", ttoken, body)
            if st != 201:
                continue
            kid = json.loads(data)["id"]
            st, data = request(port, "DELETE", "/api/v1/keys/%d" % kid, ttoken)
        except Exception:
            continue
        if st == 200:
            with lock:
                kackf.write("%d\n" % kid); kackf.flush()
                stats["revoked"] += 1

def start():
    port = free_port()
    log = open(os.path.join(work, "server.log"), "a")
    p = subprocess.Popen([raslogd, "--db", db, "serve", "--listen", "127.0.0.1:%d" % port,
                          "--public-url", PUBLIC_URL, "--audit", os.path.join(work, "audit.log"),
                          "--write-rate", "0"], stdout=log, stderr=log)  # durability under load, not the write budget
    for _ in range(400):
        if p.poll() is not None:
            sys.exit("server exited on start (%s)" % p.returncode)
        try:
            if request(port, "GET", "/api/v1/health", "x")[0] == 200:
                stats["starts"] += 1
                return p, port
        except Exception:
            pass
        time.sleep(0.05)
    p.kill(); sys.exit("server did not answer /health")

rng = random.Random(int(os.environ.get("CRASH_SEED", str(os.getpid()))))
kills = 0
for cyc in range(cycles):
    p, port = start()
    stop = threading.Event()
    ts = [threading.Thread(target=writer, args=(port, stop, tid, tok, cyc)) for tid, tok in trainees]
    ts.append(threading.Thread(target=keyer, args=(port, stop)))
    for t in ts: t.start()
    time.sleep(rng.uniform(0.3, 1.5))
    p.send_signal(signal.SIGKILL)
    p.wait()
    kills += 1
    stop.set()
    for t in ts: t.join()
print(json.dumps(dict(stats, kills=kills)))
EOF
rc=$?
ok "driver ran $CYCLES kill cycles" test $rc = 0
[ $rc = 0 ] || sed 's/^/#   /' "$WORK/driver.err" | tail -5
echo "# driver: $(cat "$WORK/driver.out")"
kills=$(jget 'j["kills"]' <"$WORK/driver.out" 2>/dev/null || echo 0)
check "SIGKILLed the server $CYCLES times" "$kills" = "$CYCLES"
if grep -q "ERROR: \(Address\|Leak\|Undefined\)Sanitizer\|runtime error:" "$WORK/server.log"; then
	tap 1 "no sanitizer report from the killed servers"; grep -m5 "ERROR\|runtime error" "$WORK/server.log" | sed 's/^/#   /'
else tap 0 "no sanitizer report from the killed servers"; fi

# The database as the last SIGKILL left it (WAL and all), before any restart.
check "integrity_check ok after the last kill" "$(sql 'PRAGMA integrity_check')" = ok

nacks=$(wc -l <"$ACKS")
check "some writes were acknowledged ($nacks)" "$nacks" -gt 0
sql "SELECT id || char(9) || notes FROM sessions" | sort >"$WORK/stored"
sort "$ACKS" >"$WORK/acked"
missing=$(comm -23 "$WORK/acked" "$WORK/stored" | wc -l)
check "every acknowledged session is stored with its note ($nacks checked, $missing missing)" "$missing" = 0
[ "$missing" = 0 ] || comm -23 "$WORK/acked" "$WORK/stored" | head -5 | sed 's/^/#   missing: /'
dups=$(sql "SELECT count(*) - count(DISTINCT notes) FROM sessions")
check "no session stored twice" "$dups" = 0

nkacks=$(wc -l <"$KACKS")
klost=0
while read -r kid; do
	[ "$(sql "SELECT revoked_index IS NOT NULL FROM keys WHERE id=$kid")" = 1 ] || klost=$((klost + 1))
done <"$KACKS"
check "every acknowledged key revocation is stored ($nkacks checked, $klost missing)" "$klost" = 0

check "ledger count == max(idx)+1" "$(sql 'SELECT count(*) = coalesce(max(idx),-1)+1 FROM ledger')" = 1
check "every ledger entry has its Merkle leaf" \
	"$(sql 'SELECT count(*) FROM merkle_nodes WHERE level=0')" = "$(sql 'SELECT count(*) FROM ledger')"
check "no signed tree head beyond the ledger" \
	"$(sql 'SELECT coalesce(max(tree_size),0) <= (SELECT count(*) FROM ledger) FROM tree_heads')" = 1
nledger=$(sql 'SELECT count(*) FROM ledger')
check "revocations reached the ledger ($nledger entries)" "$nledger" -ge "$nkacks"

start_server
check "the server starts again after $kills kills" -n "$SERVER_PID"
st=$(api GET /api/v1/ledger/head "$trainer_tok")
size=$(jget 'j.get("tree_size")' <"$WORK/body" 2>/dev/null)
check "ledger head answers after restart (tree_size $size)" "$st" = 200 -a "$size" = "$nledger"
t1=${trainees# }; t1=${t1%% *}; tid=${t1%%:*}; ttok=${t1#*:}
st=$(api POST /api/v1/sessions "$ttok" "{\"date\":\"2026-10-01\",\"minutes\":60,\"activity\":\"simulator\",\"trainer\":$trainer}")
check "writes work after the last restart" "$st" = 201
echo "# kill cycles: $kills, acknowledged session writes checked: $nacks, acknowledged revocations checked: $nkacks"
finish
