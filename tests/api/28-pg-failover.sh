#!/bin/bash
# 28-pg-failover.sh - losing the PostgreSQL primary loses no acknowledged
# write (issue 20 item 3).
#
# A primary and a synchronous standby (streaming replication,
# synchronous_standby_names), raslogd pointed at both with libpq's
# multi-host URI and target_session_attrs=read-write; writers log sessions
# and revoke keys (log-signed ledger entries) through the API; mid-load the
# primary's postmaster is SIGKILLed and the standby promoted.  raslogd finds
# the new primary by itself.  Then: every write that was acknowledged (201)
# is on the new primary, with its content; the ledger is dense, its head
# signed and `raslog verify` passes; raslogd took writes after the
# promotion.  Skipped when PostgreSQL is not installed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../lib/pg.sh"

if ! pg_available; then
	skip "PostgreSQL 15 is not installed: no failover to test"
	finish; exit
fi
export RASLOG_MAX_PENDING=1000000
chmod 711 "$WORK"   # the clusters run as an unprivileged user under it
PSQL="$PG_BIN/psql"

# The primary, made to wait for the standby's flush before acknowledging a commit.
pg_start "$WORK/p" || { echo "not ok - the primary did not start"; exit 1; }
P=$PG_DIR
cat >>"$P/data/postgresql.conf" <<CONF
wal_level = replica
max_wal_senders = 4
synchronous_standby_names = 'standby1'
CONF
pg_as_owner "$PG_BIN/pg_ctl" -D "$P/data" -w restart -l "$P/server.log" >/dev/null
# The standby: a base backup of the primary that follows it, on its own socket.
S="$WORK/s"
mkdir -m 0700 "$S"; [ "$(id -u)" = 0 ] && chown nobody: "$S"
ok "pg_basebackup makes the standby" pg_as_owner "$PG_BIN/pg_basebackup" \
	-d "host=$P user=raslog application_name=standby1" -D "$S/data" -X stream -R
echo "unix_socket_directories = '$S'" >>"$S/data/postgresql.conf"
pg_track "$S" # (stopped at the end, or by tests/lib.sh's cleanup on the way out)
ok "the standby starts" pg_as_owner "$PG_BIN/pg_ctl" -D "$S/data" -l "$S/server.log" -w -t 30 start
for _ in $(seq 1 100); do
	[ "$("$PSQL" -X -At -h "$P" -U raslog -d postgres -c "select sync_state from pg_stat_replication where application_name = 'standby1'")" = sync ] && break
	sleep 0.1
done
check "the standby is synchronous" \
	"$("$PSQL" -X -At -h "$P" -U raslog -d postgres -c "select sync_state from pg_stat_replication")" = sync
"$PG_BIN/createdb" -h "$P" -U raslog raslog

URI="postgresql:///raslog?host=$P,$S&user=raslog&target_session_attrs=read-write&connect_timeout=2"
KEYS="$WORK/keys"
raslogd() { "$RASLOGD" --db "$URI" --key-dir "$KEYS" "$@"; }
ok "raslogd init on PostgreSQL" raslogd init
mk() { raslogd user add --name "$1" --email "$2@test.raslog.org" --role "$3" | jget '"%s %s" % (j["id"], j["token"])'; }
read -r trainer trainer_tok <<<"$(mk "Failover Trainer" ft trainer)"
read -r trainee trainee_tok <<<"$(mk "Failover Trainee" fe trainee)"
raslogd user assign --trainee "$trainee" --trainer "$trainer" >/dev/null 2>&1 || true

PORT=$(free_port); URL="http://127.0.0.1:$PORT"; export RASLOG_SERVER="$URL"
"$RASLOGD" --db "$URI" --key-dir "$KEYS" serve --listen "127.0.0.1:$PORT" --write-rate 0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do curl -sf "$URL/api/v1/health" >/dev/null && break; sleep 0.05; done
check "raslogd serves on the primary" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/health")" = 200

# Writers: sessions from two threads, key revocations from a third; each
# acknowledged write is recorded with what must be found afterwards.
python3 - "$URL" "$trainee_tok" "$trainer" "$trainer_tok" "$WORK/stop" "$WORK/acked" <<'PY' >"$WORK/writers.out" 2>&1 &
import json, os, subprocess, sys, threading, time, urllib.error, urllib.request
url, ttok, trainer, rtok, stop, acked = sys.argv[1:7]
lock = threading.Lock()
out = open(acked, "w")
failed = {"n": 0}
def call(method, path, tok, body=None):
    req = urllib.request.Request(url + path, method=method, headers={"Authorization": "Bearer " + tok,
        "Content-Type": "application/json"}, data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req, timeout=15) as r:
        return r.status, json.loads(r.read() or b"{}")
def record(kind, key, value):
    with lock:
        out.write(json.dumps({"kind": kind, "key": key, "value": value, "t": time.time()}) + "\n"); out.flush()
def sessions(tag):
    n = 0
    while not os.path.exists(stop):
        n += 1
        note = "failover %s %d" % (tag, n)
        try:
            st, j = call("POST", "/api/v1/sessions", ttok, {"date": "2026-10-01", "minutes": 30,
                         "activity": "simulator", "trainer": int(trainer), "notes": note})
            if st == 201:
                record("session", j["id"], note)
        except Exception:
            failed["n"] += 1; time.sleep(0.05)
def keys():
    uid = call("GET", "/api/v1/me", rtok)[1]["id"]
    srv = call("GET", "/api/v1/health", rtok)[1]["public_url"]
    while not os.path.exists(stop):
        try:
            body = json.loads(subprocess.run(["node", "tests/js/key-proof.mjs", "new", str(uid), srv],
                              capture_output=True, text=True, check=True).stdout)
            st, k = call("POST", "/api/v1/keys", rtok, body)
            st, _ = call("DELETE", "/api/v1/keys/%d" % k["id"], rtok)
            if st == 200:
                record("revocation", k["id"], body["public_key"])
        except Exception:
            failed["n"] += 1; time.sleep(0.05)
ts = [threading.Thread(target=sessions, args=("a",)), threading.Thread(target=sessions, args=("b",)),
      threading.Thread(target=keys)]
for t in ts: t.start()
for t in ts: t.join()
print(json.dumps({"failed_requests": failed["n"]}))
PY
WPID=$!
# Let writes land on the primary first: at least 20 acknowledged (at most 60 s;
# a loaded machine takes longer than an idle one), then a moment more.
for _ in $(seq 1 600); do
	[ "$(wc -l < "$WORK/acked" 2>/dev/null || echo 0)" -ge 20 ] && break
	sleep 0.1
done
sleep 1
before=$(wc -l < "$WORK/acked")
check "writes were acknowledged before the failover ($before)" "$before" -gt 0
# SIGKILL the primary's postmaster (its backends exit when they see it gone), promote the standby.
kill -9 "$(head -1 "$P/data/postmaster.pid")"
killed_at=$(date +%s.%N)
ok "the standby is promoted" pg_as_owner "$PG_BIN/pg_ctl" -D "$S/data" -w -t 30 promote
# It inherited synchronous_standby_names from the primary; with no standby
# left it would wait for one forever, so it stops asking, as Patroni's
# synchronous_mode (not strict) does.
ok "the new primary stops waiting for a standby" "$PSQL" -X -q -h "$S" -U raslog -d postgres \
	-c "ALTER SYSTEM SET synchronous_standby_names = ''" -c "SELECT pg_reload_conf()"
# Keep writing until raslogd has taken a few writes on the new primary (at most 30 s).
for _ in $(seq 1 60); do
	python3 -c 'import json,sys; sys.exit(0 if sum(1 for l in open(sys.argv[1]) if json.loads(l)["t"] > float(sys.argv[2])) >= 5 else 1)' \
		"$WORK/acked" "$killed_at" && break
	sleep 0.5
done
touch "$WORK/stop"
wait $WPID
echo "# writers: $(cat "$WORK/writers.out")"
after=$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["t"] > float(sys.argv[2])))' \
	"$WORK/acked" "$killed_at")
check "raslogd took writes on the new primary after the promotion ($after)" "$after" -gt 0
[ "$after" -gt 0 ] || sed 's/^/#   server: /' "$WORK/server.log" | tail -15

# Every acknowledged write is on the new primary.
"$PSQL" -X -At -h "$S" -U raslog -d raslog -c "select id, notes from sessions" >"$WORK/sessions.txt"
"$PSQL" -X -At -h "$S" -U raslog -d raslog -c "select message from ledger where kind = 'key_revocation'" >"$WORK/revocations.txt"
python3 - "$WORK/acked" "$WORK/sessions.txt" "$WORK/revocations.txt" >"$WORK/lost" <<'PY'
import json, sys
acked = [json.loads(l) for l in open(sys.argv[1])]
sessions = dict(l.rstrip("\n").split("|", 1) for l in open(sys.argv[2]) if "|" in l)
revocations = open(sys.argv[3]).read()
lost = [a for a in acked if (a["kind"] == "session" and sessions.get(str(a["key"])) != a["value"]) or
        (a["kind"] == "revocation" and a["value"] not in revocations)]
print(len(acked), len(lost))
for a in lost[:5]: print("# lost:", json.dumps(a))
PY
read -r nacked nlost < <(head -1 "$WORK/lost")
sed -n '2,$p' "$WORK/lost"
check "every acknowledged write survived the failover ($nacked acknowledged, $nlost lost)" "$nlost" = 0
check "the ledger is dense" \
	"$("$PSQL" -X -At -h "$S" -U raslog -d raslog -c "select count(*) = coalesce(max(idx) + 1, 0) from ledger")" = t
ok "raslog verify passes against the promoted standby" "$RASLOG" --token "$trainer_tok" verify

stop_pid "$SERVER_PID"; SERVER_PID=""
check "no sanitizer report from raslogd" "$(grep -c 'Sanitizer\|runtime error' "$WORK/server.log")" = 0
pg_stop_all
finish
