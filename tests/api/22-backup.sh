#!/bin/bash
# engine: sqlite (its subject is the SQLite file itself: it reads or changes it with sqlite3; tests/run.sh runs it once)
# 22-backup.sh - backups and restores (issue 6 item 5).
#   - `raslogd backup` while the server serves and takes writes gives a
#     copy that opens, passes integrity_check, and whose ledger verifies
#     (exported from a server started on the copy, checked by the
#     independent tests/js/verify-ledger.mjs);
#   - a bad restore (an older copy put back beside a newer DB.head) makes
#     `raslogd serve` refuse to start, saying the ledger is behind its
#     signed head; restoring the newest copy starts fine.
BIN=${BIN:-build/san/bin}
. tests/lib.sh
# The background writers keep hundreds of sessions pending with one trainer;
# lift the pending cap (50 per trainee per trainer) that would refuse them.
export RASLOG_MAX_PENDING=1000000

mkuser() { # mkuser NAME ROLE -> "id token"
	"$RASLOGD" --db "$DB" user add --name "$1" --email "$(echo "$1" | tr 'A-Z ' 'a-z.')@test.raslog.org" --role "$2" |
		python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["id"], j["token"])'
}
"$RASLOGD" --db "$DB" init 2>"$WORK/init.log" || { echo "# init failed"; cat "$WORK/init.log"; exit 1; }
ok "raslogd demo seeds ledger entries" "$RASLOGD" --db "$DB" demo --keys "$WORK/keys"
read -r trainer trainer_tok <<<"$(mkuser "Backup Trainer" trainer)"
read -r trainee trainee_tok <<<"$(mkuser "Backup Trainee" trainee)"
demo_entries=$(sql 'SELECT count(*) FROM ledger')
check "the demo made ledger entries ($demo_entries)" "$demo_entries" -gt 0
start_server --write-rate 0   # writers as fast as they can: the backup is under test, not the write budget

# revoke_keys N: N log-signed key_revocation ledger entries via the API.
revoke_keys() {
	for _ in $(seq 1 "$1"); do
		api POST /api/v1/keys "$trainer_tok" "$(key_body "$trainer_tok")" >/dev/null
		kid=$(jget 'j["id"]' <"$WORK/body")
		[ "$(api DELETE "/api/v1/keys/$kid" "$trainer_tok")" = 200 ] || return 1
	done
}

# Writers in the background while the backup runs.
python3 - "$URL" "$trainee_tok" "$trainer" "$trainer_tok" "$WORK/stop" <<'EOF' >"$WORK/writers.out" 2>&1 &
import base64, json, os, subprocess, sys, threading, urllib.request
url, ttok, trainer, rtok, stop = sys.argv[1:6]
counts = {"sessions": 0, "revocations": 0}
def call(method, path, tok, body=None):
    req = urllib.request.Request(url + path, method=method, headers={"Authorization": "Bearer " + tok,
        "Content-Type": "application/json"}, data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")
def sessions():
    n = 0
    while not os.path.exists(stop):
        n += 1
        call("POST", "/api/v1/sessions", ttok, {"date": "2026-10-01", "minutes": 30, "activity": "simulator",
             "trainer": int(trainer), "notes": "backup %d" % n})
        counts["sessions"] += 1
def key_body(tok):
    # a fresh key with its proof of possession, made by Node (tests/js/key-proof.mjs)
    uid, srv = call("GET", "/api/v1/me", tok)["id"], call("GET", "/api/v1/health", tok)["public_url"]
    out = subprocess.run(["node", "tests/js/key-proof.mjs", "new", str(uid), srv],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)
def keys():
    while not os.path.exists(stop):
        k = call("POST", "/api/v1/keys", rtok, key_body(rtok))
        call("DELETE", "/api/v1/keys/%d" % k["id"], rtok)
        counts["revocations"] += 1
ts = [threading.Thread(target=f) for f in (sessions, sessions, keys)]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps(counts))
EOF
WPID=$!
sleep 1
ok "raslogd backup while serving and writing" "$RASLOGD" --db "$DB" backup "$WORK/old.db"
sleep 0.5
touch "$WORK/stop"
wait $WPID
echo "# writers during the backup: $(cat "$WORK/writers.out")"
check "the writers ran without errors" "$(grep -c Traceback "$WORK/writers.out")" = 0

COPY="$WORK/old.db"
check "the backup passes integrity_check" "$(sqlite3 "$COPY" 'PRAGMA integrity_check')" = ok
copy_entries=$(sqlite3 "$COPY" 'SELECT count(*) FROM ledger')
check "the backup's ledger is dense ($copy_entries entries)" \
	"$(sqlite3 "$COPY" 'SELECT count(*) = max(idx)+1 FROM ledger')" = 1
check "the backup's Merkle leaves match its ledger" \
	"$(sqlite3 "$COPY" 'SELECT count(*) FROM merkle_nodes WHERE level=0')" = "$copy_entries"
check "the backup holds sessions written while serving" "$(sqlite3 "$COPY" 'SELECT count(*) FROM sessions')" -gt 0

# Verify the copy's ledger: serve a scratch copy of it on another port.
mkdir -p "$WORK/verify"
cp "$COPY" "$WORK/verify/raslog.db"
cp -r "$COPY.keys" "$WORK/verify/raslog.db.keys"   # backup OUT writes the keys to OUT.keys/
VPORT=$(free_port)
"$RASLOGD" --db "$WORK/verify/raslog.db" serve --listen "127.0.0.1:$VPORT" >"$WORK/verify/server.log" 2>&1 &
VPID=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$VPORT/api/v1/health" >/dev/null && break; sleep 0.05; done
V="http://127.0.0.1:$VPORT/api/v1"
curl -sf -H "Authorization: Bearer $trainer_tok" "$V/ledger?count=100000" >"$WORK/verify/export.jsonl"
curl -sf -H "Authorization: Bearer $trainer_tok" "$V/ledger/head" >"$WORK/verify/head.json"
curl -sf -H "Authorization: Bearer $trainer_tok" "$V/ledger/key" >"$WORK/verify/key.json"
kill -TERM $VPID; wait $VPID 2>/dev/null
logkey=$(jget 'j.get("public_key") or j.get("key")' <"$WORK/verify/key.json")
check "the copy's head covers its whole ledger" \
	"$(jget 'j["tree_size"]' <"$WORK/verify/head.json")" = "$copy_entries"
if [ -x "$RASLOG" ] && "$RASLOG" verify --help 2>&1 | grep -q -- --file; then
	ok "raslog verify accepts the copy's ledger" "$RASLOG" verify --file "$WORK/verify/export.jsonl" \
		--head "$WORK/verify/head.json" --log-key "$logkey"
fi
if command -v node >/dev/null; then
	ok "verify-ledger.mjs: the copy's ledger and head verify" \
		node tests/js/verify-ledger.mjs "$WORK/verify/export.jsonl" "$WORK/verify/head.json" "$logkey"
	sed 's/^/#   /' "$WORK/out"
else
	skip "node is not installed: cannot run verify-ledger.mjs"
fi

# More ledger entries after the backup: the live DB.head moves past the copy.
ok "three more key revocations after the backup" revoke_keys 3
st=$(api GET /api/v1/ledger/head "$trainer_tok")
live=$(jget 'j["tree_size"]' <"$WORK/body")
check "the live head ($live) is ahead of the backup ($copy_entries)" "$live" -gt "$copy_entries"
stop_server
check "DB.head records the live head" "$(jget 'j["tree_size"]' <"$DB.head")" = "$live"
ok "a backup of the newest state" "$RASLOGD" --db "$DB" backup "$WORK/new.db"

# Bad restore: the older copy back in place, DB.head kept.
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$COPY" "$DB"
PORT=$(free_port)
timeout 20 "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" >"$WORK/refuse.log" 2>&1
rc=$?
sed 's/^/#   /' "$WORK/refuse.log" | head -3
check "serve refuses to start on an older copy (exit $rc)" "$rc" != 0 -a "$rc" != 124
ok "the refusal says the ledger is behind its signed head" grep -qi "ledger is behind its signed head" "$WORK/refuse.log"
ok "and names the counts ($copy_entries < $live)" grep -q "$copy_entries ledger entries.*$live" "$WORK/refuse.log"
check "the refusal did not touch DB.head" "$(jget 'j["tree_size"]' <"$DB.head")" = "$live"

# Good restore: the newest copy starts and serves the same head.
rm -f "$DB" "$DB-wal" "$DB-shm"
cp "$WORK/new.db" "$DB"
start_server --write-rate 0   # writers as fast as they can: the backup is under test, not the write budget
api GET /api/v1/ledger/head "$trainer_tok" >/dev/null
check "restoring the newest backup serves the same head" "$(jget 'j["tree_size"]' <"$WORK/body")" = "$live"
finish
