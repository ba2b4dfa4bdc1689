#!/bin/bash
# engine: sqlite (its subject is the SQLite file itself: it reads or changes it with sqlite3; tests/run.sh runs it once)
# 21-disk.sh - the database on a full filesystem (issue 6 item 4).  The
# database lives on a 2 MB tmpfs; a filler file takes the rest of the
# space.  Writes must then get 503 with problem type storage-full (or
# storage-unavailable) and a clear detail, store nothing, reads must keep
# working, and writes must succeed again once the filler is gone.
# Needs mount(8) for tmpfs (root, as in CI); otherwise it prints a SKIP.
BIN=${BIN:-build/san/bin}
. tests/lib.sh

MNT="$WORK/fs"
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=2m tmpfs "$MNT" 2>"$WORK/mount.err"; then
	skip "cannot mount a tmpfs for the full-disk test: $(head -1 "$WORK/mount.err")"
	finish
	exit 0
fi
trap 'stop_server; [ -n "${KEEP:-}" ] && cp -r "$WORK" "$KEEP"; umount "$MNT" 2>/dev/null; rm -rf "$WORK"' EXIT
DB="$MNT/raslog.db"

mkuser() { # mkuser NAME ROLE -> "id token"
	"$RASLOGD" --db "$DB" user add --name "$1" --email "$(echo "$1" | tr 'A-Z ' 'a-z.')@test.raslog.org" --role "$2" |
		python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["id"], j["token"])'
}
"$RASLOGD" --db "$DB" init 2>"$WORK/init.log" || { echo "# init failed"; cat "$WORK/init.log"; exit 1; }
read -r trainer trainer_tok <<<"$(mkuser "Disk Trainer" trainer)"
read -r trainee trainee_tok <<<"$(mkuser "Disk Trainee" trainee)"
start_server

n=0
post() { # post -> status; a note of a few hundred bytes so pages fill quickly
	n=$((n + 1))
	api POST /api/v1/sessions "$trainee_tok" \
		"{\"date\":\"2026-10-01\",\"minutes\":60,\"activity\":\"simulator\",\"trainer\":$trainer,\"notes\":\"disk test $n $(printf '%0400d' 0)\"}"
}
check "a write works before the disk fills" "$(post)" = 201

# Fill the filesystem.  A WAL can reuse frames it already owns, so keep
# writing until one fails, counting the rows before that write.
dd if=/dev/zero of="$MNT/filler" bs=4k >/dev/null 2>&1
check "the filler took the free space" "$(df -k --output=avail "$MNT" | tail -1 | tr -d ' ')" -lt 8
st=201
tries=0
while [ "$st" = 201 ] && [ $tries -lt 2000 ]; do
	before=$(sql "SELECT count(*) FROM sessions")
	st=$(post)
	tries=$((tries + 1))
done
echo "# first refused write after $tries attempts on the full disk"
check "a write on the full disk gets 503 (got $st)" "$st" = 503
type=$(jget 'j.get("type","")' <"$WORK/body")
detail=$(jget 'j.get("detail","")' <"$WORK/body")
echo "# problem: $type: $detail"
case "$type" in *storage-full | *storage-unavailable) r=0 ;; *) r=1 ;; esac
tap $r "problem type is storage-full or storage-unavailable ($type)"
case "$detail" in *"nothing was stored"*) r=0 ;; *) r=1 ;; esac
tap $r "the detail says nothing was stored"
check "the refused write stored nothing" "$(sql 'SELECT count(*) FROM sessions')" = "$before"
check "a second write is refused too" "$(post)" = 503
check "still nothing stored" "$(sql 'SELECT count(*) FROM sessions')" = "$before"
ok "each refused write is one audit line: session.create, outcome failed, status 503" python3 -c "
import json
lines = [json.loads(l) for l in open('$WORK/audit.log')]
bad = [l for l in lines if l.get('status') == 503]
assert len(bad) == 2 and all((l['event'], l['outcome']) == ('session.create', 'failed') for l in bad), bad
ids = [l['request_id'] for l in lines]
assert len(ids) == len(set(ids)), 'a request with two audit lines'"

st=$(api GET /api/v1/sessions "$trainee_tok")
cnt=$(jget 'len(j.get("items", j.get("sessions", [])))' <"$WORK/body" 2>/dev/null)
check "GET /sessions works while the disk is full ($st, $cnt items)" "$st" = 200
check "GET /health works while the disk is full" "$(api GET /api/v1/health x)" = 200

rm -f "$MNT/filler"
check "the next write after space returns gets 201" "$(post)" = 201
check "and it is stored" "$(sql 'SELECT count(*) FROM sessions')" = "$((before + 1))"
check "integrity_check ok" "$(sql 'PRAGMA integrity_check')" = ok
finish
