#!/bin/bash
# tests/api/11-checkpoint.sh - GET /api/v1/ledger/checkpoint, the signed tree
# head as a C2SP tlog-checkpoint signed note, checked by code nobody at
# raslog wrote: Go's golang.org/x/mod/sumdb/note (signature, key id, key
# name) and sumdb/tlog (inclusion and consistency proofs, RFC 6962 hashing)
# from Debian's golang-golang-x-mod-dev, built offline in GOPATH mode by
# tests/go/checkpoint.  Go is required (tools/deps.sh installs it): without
# it this test fails rather than skips.  Run as a trainee, so the entry
# proven is a redacted one and the proofs are shown to work for everyone.
BIN=${BIN:-build/san/bin}
. tests/lib.sh

GOSRC=/usr/share/gocode
if ! command -v go >/dev/null 2>&1 || [ ! -d "$GOSRC/src/golang.org/x/mod/sumdb/note" ]; then
	tap 1 "Go and golang.org/x/mod (Debian: golang-go golang-golang-x-mod-dev; tools/deps.sh) are installed"
	finish; exit 1
fi
mkdir -p "$WORK/gocache"
# GOPATH mode (GO111MODULE=off) finds Debian's sources under /usr/share/gocode/src; nothing is downloaded.
gobuild() { (cd tests/go/checkpoint && env GO111MODULE=off GOPATH="$GOSRC" GOCACHE="$WORK/gocache" GOFLAGS= \
	GOPROXY=off go build -o "$WORK/checkpoint" .); }
ok "tests/go/checkpoint builds offline against Debian's golang.org/x/mod" gobuild

demo_keys # tests/lib.sh: the demo, $WORK/keys, $WORK/people.jsonl; tok ID and pk_of ID
start_server
TOKME=$(tok 7); TOKTR=$(tok 3)

api GET /api/v1/ledger/head "$TOKME" >/dev/null; cp "$WORK/body" "$WORK/old-head.json"
# One more entry (a trainer revokes a key: a log-signed key_revocation) so there is a consistency to prove.
api GET /api/v1/keys "$TOKTR" >/dev/null
KID=$(jget '[k for k in (j["items"] if isinstance(j, dict) else j) if not k.get("revoked_at")][0]["id"]' <"$WORK/body")
st=$(api DELETE /api/v1/keys/$KID "$TOKTR")
check "a trainer revokes key $KID (the ledger grows)" "$st" = 200 -o "$st" = 204

api GET /api/v1/ledger/head "$TOKME" >/dev/null; cp "$WORK/body" "$WORK/head.json"
N=$(jget 'j["tree_size"]' <"$WORK/head.json"); OLDN=$(jget 'j["tree_size"]' <"$WORK/old-head.json")
check "the head grew from $OLDN to $N" "$N" -gt "$OLDN"
api GET /api/v1/ledger/key "$TOKME" >/dev/null; cp "$WORK/body" "$WORK/key.json"
VKEY=$(jget 'j["note_verifier_key"]' <"$WORK/key.json")
ORIGIN=$(jget 'j["origin"]' <"$WORK/key.json")
check "/ledger/key names the origin: the listen address until public_url exists ($ORIGIN)" "$ORIGIN" = "127.0.0.1:$PORT"
ok "the verifier key is <origin>+<key id>+base64(0x01 || the log key), key id = SHA-256(origin || 0x0A || 0x01 || key)[:4]" \
	python3 - "$WORK/key.json" <<'PY'
import base64, hashlib, json, sys
k = json.load(open(sys.argv[1]))
name, kid, key = k["note_verifier_key"].split("+", 2)  # the base64 may hold "+" too
raw = base64.b64decode(key)
assert name == k["origin"] and raw == b"\x01" + base64.b64decode(k["public_key"]), k
assert kid == hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex(), kid
PY

curl -s -D "$WORK/hdr" -o "$WORK/checkpoint.txt" -H "Authorization: Bearer $TOKME" "$URL/api/v1/ledger/checkpoint"
check "GET /ledger/checkpoint answers text/plain" "$(grep -ci '^content-type: text/plain' "$WORK/hdr")" = 1
check "its first line is the origin, its second the tree size $N" \
	"$(sed -n 1p "$WORK/checkpoint.txt")|$(sed -n 2p "$WORK/checkpoint.txt")" = "$ORIGIN|$N"

# A redacted entry for the trainee, its inclusion proof, and the consistency proof.
api GET "/api/v1/ledger?from=0&count=$N" "$TOKME" >/dev/null; cp "$WORK/body" "$WORK/export.jsonl"
K=$(python3 -c 'import json,sys; print(next(i for i, l in enumerate(open(sys.argv[1])) if "leaf_hash" in json.loads(l)))' "$WORK/export.jsonl")
sed -n "$((K + 1))p" "$WORK/export.jsonl" >"$WORK/entry.json"
F=$(python3 -c 'import json,sys; print(next(i for i, l in enumerate(open(sys.argv[1])) if "message" in json.loads(l)))' "$WORK/export.jsonl")
sed -n "$((F + 1))p" "$WORK/export.jsonl" >"$WORK/full-entry.json"
api GET "/api/v1/ledger/proof?index=$K&tree_size=$N" "$TOKME" >/dev/null; cp "$WORK/body" "$WORK/proof.json"
api GET "/api/v1/ledger/proof?index=$F&tree_size=$N" "$TOKME" >/dev/null; cp "$WORK/body" "$WORK/full-proof.json"
api GET "/api/v1/ledger/consistency?first=$OLDN&second=$N" "$TOKME" >/dev/null; cp "$WORK/body" "$WORK/cons.json"

run() { "$WORK/checkpoint" "$@"; }
ok "Go note.Open verifies the checkpoint; its size and root are the head's; tlog.CheckRecord proves redacted entry $K; tlog.CheckTree proves $OLDN -> $N" \
	run "$WORK/checkpoint.txt" "$VKEY" "$WORK/head.json" "$WORK/entry.json" "$WORK/proof.json" "$WORK/old-head.json" "$WORK/cons.json"
sed 's/^/# /' "$WORK/out"
ok "... and entry $F, a full one, from its own message, signature and key (tlog.RecordHash)" \
	run "$WORK/checkpoint.txt" "$VKEY" "$WORK/head.json" "$WORK/full-entry.json" "$WORK/full-proof.json" "$WORK/old-head.json" "$WORK/cons.json"

# The Go side can fail: a changed size, another key name, a wrong leaf, the old head as the new.
sed "2s/.*/$((N + 1))/" "$WORK/checkpoint.txt" >"$WORK/bad-size.txt"
run "$WORK/bad-size.txt" "$VKEY" "$WORK/head.json" "$WORK/entry.json" "$WORK/proof.json" "$WORK/old-head.json" "$WORK/cons.json" >/dev/null 2>"$WORK/err"
rc=$?
check "a checkpoint with its size changed fails note.Open ($(head -c 100 "$WORK/err"))" "$rc:$(grep -c 'note.Open' "$WORK/err")" = "1:1"
OTHERKEY=$(python3 -c 'import base64,hashlib,sys; raw=b"\x01"+bytes(range(32)); n=sys.argv[1]; print(n+"+"+hashlib.sha256(n.encode()+b"\n"+raw).digest()[:4].hex()+"+"+base64.b64encode(raw).decode())' "$ORIGIN")
run "$WORK/checkpoint.txt" "$OTHERKEY" "$WORK/head.json" "$WORK/entry.json" "$WORK/proof.json" "$WORK/old-head.json" "$WORK/cons.json" >/dev/null 2>&1
check "another key under the same name does not verify it" $? = 1
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); h=e["leaf_hash"]; e["leaf_hash"]=("1" if h[0]=="0" else "0")+h[1:]; print(json.dumps(e))' "$WORK/entry.json" >"$WORK/bad-entry.json"
run "$WORK/checkpoint.txt" "$VKEY" "$WORK/head.json" "$WORK/bad-entry.json" "$WORK/proof.json" "$WORK/old-head.json" "$WORK/cons.json" >/dev/null 2>"$WORK/err"
rc=$?
check "a changed leaf hash fails tlog.CheckRecord" "$rc:$(grep -c CheckRecord "$WORK/err")" = "1:1"
run "$WORK/checkpoint.txt" "$VKEY" "$WORK/old-head.json" "$WORK/entry.json" "$WORK/proof.json" "$WORK/old-head.json" "$WORK/cons.json" >/dev/null 2>&1
check "the checkpoint is not the old head" $? = 1

finish
