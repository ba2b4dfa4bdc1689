#!/bin/bash
# tests/api/10-ledger.sh - signed sign-offs, the ledger and its verifiers,
# against a real server on loopback seeded with the demo programme.
#
# Tamper tests: forged signature, a key not registered to the signer, a
# revoked key, an expired trainer, self-sign, replay onto another record,
# a second sign-off, a session row edited in SQLite after sign-off, a
# truncated export, a rewritten export, a history rewritten and re-signed
# by a compromised log (caught only by a previously saved head), and the
# append-only triggers.  Signatures are made by tests/js/sign.mjs (Node
# crypto + npm canonicalize), never by raslog's C code, and the export is
# re-verified with Node (tests/js/verify-ledger.mjs) and OpenSSL as well as
# with `raslog verify`.
BIN=${BIN:-build/san/bin}
. tests/lib.sh
JS=tests/js

KEYS="$WORK/keys"
demo_keys # tests/lib.sh: the demo, $WORK/keys, $WORK/people.jsonl; tok ID and pk_of ID
start_server

# Trainers are users 3..6 in the demo (keys written to $KEYS/user-ID.key).
T1=3; T2=4; T3=5; T4=6
TOK1=$(tok $T1); TOK3=$(tok $T3); TOK4=$(tok $T4)
# Faculty (user 1) read the whole ledger unredacted (tests/api/14-ledger-private.sh covers the others).
TOKF=$(tok 1)

# pending SESSION-LIST: ids of sessions pending for the trainer whose token is $1
pending() {
	curl -s -H "Authorization: Bearer $1" "$URL/api/v1/sessions?limit=200" |
		python3 -c 'import json,sys; j=json.load(sys.stdin); me=int(sys.argv[1]); print(" ".join(str(s["id"]) for s in j["items"] if s["status"]=="pending" and s["trainer"]==me))' "$2"
}

# statement TOKEN SIGNER KEY SESSION_ID [ID_OVERRIDE] -> a session_signoff statement for the session as recorded
statement() {
	curl -s -H "Authorization: Bearer $1" "$URL/api/v1/sessions/$4" | python3 -c '
import json, sys, datetime
s = json.load(sys.stdin)
certified = ["id","trainee","trainer","date","minutes","activity","platform","site","procedure","steps","role","notes","created_at"]
sess = {k: s[k] for k in certified if s.get(k) is not None}
if len(sys.argv) > 3: sess["id"] = int(sys.argv[3])
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
print(json.dumps({"v":1,"type":"session_signoff","signer":int(sys.argv[1]),"key":sys.argv[2],"signed_at":now,"decision":"confirmed","session":sess}))
' "$2" "$3" ${5:-}
}

# post TOKEN BODY -> status; reply in $WORK/body
post() { api POST /api/v1/signoffs "$1" "$2"; }
ptype() { python3 -c 'import json; print(json.load(open("'"$WORK/body"'")).get("type","").split("/")[-1].split(":")[-1])'; }

# A fresh libsodium-style secret key (seed || public key) and its public key, from Node.
newkey() { node -e 'const c=require("crypto");const {privateKey,publicKey}=c.generateKeyPairSync("ed25519");
const seed=privateKey.export({format:"der",type:"pkcs8"}).subarray(16);const pk=publicKey.export({format:"der",type:"spki"}).subarray(12);
console.log(Buffer.concat([seed,pk]).toString("base64")+" "+pk.toString("base64"))'; }

api GET /api/v1/ledger/head "$TOK1" >/dev/null; cp "$WORK/body" "$WORK/old-head.json"
api GET /api/v1/ledger/key "$TOK1" >/dev/null
LOGKEY=$(jget 'j["public_key"]' <"$WORK/body")

# receipt_ok REPLY... ENTRY...: each sign-off reply's inclusion_proof shows its entry (GET
# /ledger/entries/I, in the same order) under the root of the tree_head it names (RFC 9162 2.1.3.2)
receipt_ok() { python3 - "$@" <<'PY'
import base64, hashlib, json, sys
H = lambda b: hashlib.sha256(b).digest()
n = (len(sys.argv) - 1) // 2
for r, e in zip(sys.argv[1:1 + n], sys.argv[1 + n:]):
    r = json.load(open(r)); e = json.load(open(e))
    leaf = H(b"\0" + e["message"].encode() + base64.b64decode(e["signature"]) + base64.b64decode(e["public_key"]))
    p = r["inclusion_proof"]; root = bytes.fromhex(r["tree_head"]["root_hash"])
    assert p["leaf_hash"] == leaf.hex(), "leaf hash differs"
    fn, sn, h = p["leaf_index"], p["tree_size"] - 1, leaf
    assert p["tree_size"] == r["tree_head"]["tree_size"] and fn == r["ledger_index"]
    for c in map(bytes.fromhex, p["hashes"]):
        assert sn != 0
        if fn & 1 or fn == sn:
            h = H(b"\1" + c + h)
            while not fn & 1 and fn != 0:
                fn >>= 1; sn >>= 1
        else:
            h = H(b"\1" + h + c)
        fn >>= 1; sn >>= 1
    assert sn == 0 and h == root, "root differs (entry %d)" % r["ledger_index"]
PY
}

set -- $(pending "$TOK1" $T1); S1=$1; S2=$2; S3=$3
check "the demo leaves three sessions pending for trainer $T1" -n "$S3"

# ---- an accepted sign-off, signed by Node, with an inclusion proof that verifies
statement "$TOK1" $T1 "$(pk_of $T1)" "$S1" >"$WORK/s1.json"
node $JS/sign.mjs "$KEYS/user-$T1.key" "$WORK/s1.json" >"$WORK/s1.signed"
st=$(post "$TOK1" "$(cat "$WORK/s1.signed")")
check "a sign-off signed with Node crypto + canonicalize is accepted (201)" "$st" = 201
IDX1=$(jget 'j["ledger_index"]' <"$WORK/body")
check "the reply names the ledger index" -n "$IDX1"
cp "$WORK/body" "$WORK/s1.reply"
api GET /api/v1/ledger/entries/$IDX1 "$TOK1" >/dev/null; cp "$WORK/body" "$WORK/entry1.json"
ok "the inclusion proof in the reply verifies against the signed head's root" \
	receipt_ok "$WORK/s1.reply" "$WORK/entry1.json"

st=$(post "$TOK1" "$(cat "$WORK/s1.signed")")
check "a second sign-off of the same session is refused (409)" "$st" = 409

# ---- forged signature: one byte flipped
statement "$TOK1" $T1 "$(pk_of $T1)" "$S2" >"$WORK/s2.json"
node $JS/sign.mjs "$KEYS/user-$T1.key" "$WORK/s2.json" >"$WORK/s2.signed"
python3 - "$WORK/s2.signed" >"$WORK/s2.forged" <<'PY'
import base64, json, sys
b = json.load(open(sys.argv[1])); s = bytearray(base64.b64decode(b["signature"])); s[5] ^= 1
b["signature"] = base64.b64encode(bytes(s)).decode(); print(json.dumps(b))
PY
st=$(post "$TOK1" "$(cat "$WORK/s2.forged")")
check "a forged signature (one byte flipped) is refused: 422 bad-signature" "$st:$(ptype)" = "422:bad-signature"

# ---- a key not registered to the signer: trainer T2's key, T1's statement
statement "$TOK1" $T1 "$(pk_of $T2)" "$S2" >"$WORK/s2k.json"
st=$(post "$TOK1" "$(node $JS/sign.mjs "$KEYS/user-$T2.key" "$WORK/s2k.json")")
check "a statement signed with a key not registered to the signer: 422 unknown-key" "$st:$(ptype)" = "422:unknown-key"

# ---- replay: a valid statement for S2 posted again with session.id changed to S3
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); b["statement"]["session"]["id"]=int(sys.argv[2]); print(json.dumps(b))' \
	"$WORK/s2.signed" "$S3" >"$WORK/replay1"
st=$(post "$TOK1" "$(cat "$WORK/replay1")")
check "replay onto another session (id changed after signing): 422 bad-signature" "$st:$(ptype)" = "422:bad-signature"
statement "$TOK1" $T1 "$(pk_of $T1)" "$S2" "$S3" >"$WORK/replay2.json"
st=$(post "$TOK1" "$(node $JS/sign.mjs "$KEYS/user-$T1.key" "$WORK/replay2.json")")
check "S2's record re-signed for session S3: 422 statement-mismatch" "$st:$(ptype)" = "422:statement-mismatch"

st=$(post "$TOK1" "$(cat "$WORK/s2.signed")")
check "the genuine S2 sign-off is still accepted afterwards (201)" "$st" = 201

# ---- many sign-offs at once: the writer takes them in one batch or a few, and every
# reply's receipt (tree_head and inclusion_proof, made from the batch's Merkle nodes in
# memory) must verify: the proof against the root of the head it names, the leaf against
# the entry, and the head's log signature (checked below with OpenSSL)
# (every session pending for T2, and all but one of T3's and T4's, which the tests below use)
MANY=0
for tr in $T2 $T3 $T4; do
	set -- $(pending "$(tok $tr)" $tr)
	[ "$tr" = "$T2" ] || shift
	for s in "$@"; do
		MANY=$((MANY + 1))
		statement "$(tok $tr)" $tr "$(pk_of $tr)" "$s" >"$WORK/many.$MANY.json"
		node $JS/sign.mjs "$KEYS/user-$tr.key" "$WORK/many.$MANY.json" >"$WORK/many.$MANY.signed"
		echo "$(tok $tr)" >"$WORK/many.$MANY.token"
	done
done
check "the demo leaves sessions pending to sign at once ($MANY)" "$MANY" -ge 4
PIDS=
for i in $(seq 1 $MANY); do
	curl -s -o "$WORK/many.$i.reply" -w '%{http_code}\n' -X POST -H "Authorization: Bearer $(cat "$WORK/many.$i.token")" \
		-H 'Content-Type: application/json' --data-binary "@$WORK/many.$i.signed" "$URL/api/v1/signoffs" >"$WORK/many.$i.status" &
	PIDS="$PIDS $!"
done
wait $PIDS # (not a bare wait: the server runs in the background too)
check "all $MANY sign-offs posted at once are accepted (201 each)" "$(cat "$WORK"/many.*.status | sort -u)" = 201
for i in $(seq 1 $MANY); do
	api GET /api/v1/ledger/entries/$(jget 'j["ledger_index"]' <"$WORK/many.$i.reply") "$TOKF" >/dev/null
	cp "$WORK/body" "$WORK/many.$i.entry"
done
ok "every reply's inclusion proof verifies against the root of the head it names" \
	receipt_ok $(for i in $(seq 1 $MANY); do echo "$WORK/many.$i.reply"; done) \
	$(for i in $(seq 1 $MANY); do echo "$WORK/many.$i.entry"; done)
for i in $(seq 1 $MANY); do jget 'json.dumps(j["tree_head"], sort_keys=True)' <"$WORK/many.$i.reply"; done |
	sort -u >"$WORK/many.heads" # the heads to check with the log key below

# ---- expired trainer: T3's accreditation made to cover only past dates
sql "UPDATE trainer_accreditations SET valid_from = '2019-01-01', valid_until = '2020-01-01' WHERE trainer_id = $T3"
set -- $(pending "$TOK3" $T3); S4=$1
statement "$TOK3" $T3 "$(pk_of $T3)" "$S4" >"$WORK/s4.json"
st=$(post "$TOK3" "$(node $JS/sign.mjs "$KEYS/user-$T3.key" "$WORK/s4.json")")
check "a trainer whose accreditation has expired: 422 not-accredited" "$st:$(ptype)" = "422:not-accredited"

# ---- revoked key: T4 revokes their own key, then signs
api GET /api/v1/keys "$TOK4" >/dev/null
KID=$(python3 -c 'import json; j=json.load(open("'"$WORK/body"'")); j=j.get("items",j); print(j[0]["id"])')
st=$(api DELETE /api/v1/keys/$KID "$TOK4")
check "DELETE /api/v1/keys/$KID revokes the key (200)" "$st" = 200
set -- $(pending "$TOK4" $T4); S5=$1
statement "$TOK4" $T4 "$(pk_of $T4)" "$S5" >"$WORK/s5.json"
st=$(post "$TOK4" "$(node $JS/sign.mjs "$KEYS/user-$T4.key" "$WORK/s5.json")")
check "a statement signed with a revoked key: 422 key-revoked" "$st:$(ptype)" = "422:key-revoked"

# ---- self-sign: a trainee who is also a trainer signs their own session
TR=$(curl -s -H "Authorization: Bearer $TOK1" "$URL/api/v1/sessions/$S3" | jget 'j["trainee"]')
TOKTR=$(tok "$TR")
sql "UPDATE users SET roles = roles | 2 WHERE id = $TR"
set -- $(newkey); SKTR=$1; PKTR=$2
st=$(api POST /api/v1/keys "$TOKTR" "$(key_body "$TOKTR" "$SKTR")")
check "the trainee-trainer registers a key (201)" "$st" = 201
statement "$TOKTR" "$TR" "$PKTR" "$S3" >"$WORK/self.json"
st=$(post "$TOKTR" "$(node $JS/sign.mjs "$SKTR" "$WORK/self.json")")
check "a trainee signing off their own session: 422 self-sign or 404 ($st:$(ptype))" \
	"$st:$(ptype)" = "422:self-sign" -o "$st" = 404

# ---- a session row changed in SQLite after sign-off
sql "UPDATE sessions SET minutes = minutes + 30 WHERE id = $S1" 2>"$WORK/sqlerr"
api GET /api/v1/sessions/$S1 "$TOK1" >/dev/null; cp "$WORK/body" "$WORK/s1.now"
api GET /api/v1/ledger/entries/$IDX1 "$TOK1" >/dev/null; cp "$WORK/body" "$WORK/entry1.now"
ok "the ledger's signed statement and the server's session $S1 now differ in minutes" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["statement"]["session"]; b = json.load(open(sys.argv[2]))
assert a["minutes"] != b["minutes"], (a["minutes"], b["minutes"])
diff = [k for k in a if a[k] != b.get(k)]
assert diff == ["minutes"], diff
' "$WORK/entry1.now" "$WORK/s1.now"

# ---- the export and the head, verified three ways
api GET "/api/v1/ledger?from=0&count=100000" "$TOKF" >/dev/null; cp "$WORK/body" "$WORK/export.jsonl"
api GET /api/v1/ledger/head "$TOKF" >/dev/null; cp "$WORK/body" "$WORK/head.json"
N=$(wc -l <"$WORK/export.jsonl")
check "the head covers the whole export ($N entries)" "$(jget 'j["tree_size"]' <"$WORK/head.json")" = "$N"
ok "Node (tests/js/verify-ledger.mjs, node:crypto only) verifies the export against the head" \
	node $JS/verify-ledger.mjs "$WORK/export.jsonl" "$WORK/head.json" "$LOGKEY"

# OpenSSL: one entry and the head, with the raw log/entry keys as SPKI PEM.
ossl_verify() { # ossl_verify PUBKEY_B64 SIGNATURE_B64 DATAFILE
	{ echo "-----BEGIN PUBLIC KEY-----"; { printf '302a300506032b6570032100' | xxd -r -p; echo "$1" | base64 -d; } | base64; echo "-----END PUBLIC KEY-----"; } >"$WORK/pub.pem"
	echo "$2" | base64 -d >"$WORK/sig.bin"
	openssl pkeyutl -verify -pubin -inkey "$WORK/pub.pem" -rawin -in "$3" -sigfile "$WORK/sig.bin" >/dev/null
}
python3 -c 'import json,sys; e=json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2])]); open(sys.argv[3],"wb").write(e["message"].encode()); print(e["public_key"], e["signature"])' \
	"$WORK/export.jsonl" "$IDX1" "$WORK/msg.bin" >"$WORK/ks"
read -r EPK ESIG <"$WORK/ks"
ok "OpenSSL verifies entry $IDX1's Ed25519 signature" ossl_verify "$EPK" "$ESIG" "$WORK/msg.bin"
python3 -c '
import json, sys
h = json.load(open(sys.argv[1])); sig = h.pop("signature")
# the head holds only ASCII strings and integers, so sorted compact JSON is its JCS
open(sys.argv[2], "wb").write(b"RASLOG-TREE-HEAD-v1\n" + json.dumps(h, sort_keys=True, separators=(",", ":")).encode())
print(sig)' "$WORK/head.json" "$WORK/head.bin" >"$WORK/hsig"
ok "OpenSSL verifies the tree head's signature with the log key" ossl_verify "$LOGKEY" "$(cat "$WORK/hsig")" "$WORK/head.bin"
n=0
while read -r hd; do
	n=$((n + 1))
	printf '%s\n' "$hd" >"$WORK/many.head.json"
	python3 -c '
import json, sys
h = json.load(open(sys.argv[1])); sig = h.pop("signature")
open(sys.argv[2], "wb").write(b"RASLOG-TREE-HEAD-v1\n" + json.dumps(h, sort_keys=True, separators=(",", ":")).encode())
print(sig)' "$WORK/many.head.json" "$WORK/many.head.bin" >"$WORK/many.hsig"
	ok "OpenSSL verifies the log signature of head $n named by the sign-offs posted at once" \
		ossl_verify "$LOGKEY" "$(cat "$WORK/many.hsig")" "$WORK/many.head.bin"
done <"$WORK/many.heads"
check "the sign-offs posted at once named at least one head" "$n" -ge 1

export RASLOG_TOKEN="$TOKF"
if [ -x "$RASLOG" ]; then
	ok "raslog verify (against the server) passes: the ledger itself is intact" "$RASLOG" verify
	ok "raslog verify --file --log-key --head --previous-head passes offline" \
		"$RASLOG" verify --file "$WORK/export.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" --previous-head "$WORK/old-head.json"
	grep -q "^verified $N entries; root [0-9a-f]\{64\} matches the signed tree head of " "$WORK/out"
	check "it prints 'verified N entries; root ... matches the signed tree head of ...'" $? = 0

	head -n $((N - 3)) "$WORK/export.jsonl" >"$WORK/truncated.jsonl"
	"$RASLOG" verify --file "$WORK/truncated.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" >"$WORK/out" 2>"$WORK/err"
	check "a truncated export fails (exit 1)" $? = 1
	grep -q "entry $((N - 3)) is bad: .*covers $N: entries $((N - 3))\.\.$((N - 1)) are missing" "$WORK/err"
	check "... naming the missing tail ($(head -c 160 "$WORK/err"))" $? = 0

	K=$((N / 2))
	python3 -c '
import json, sys
ls = open(sys.argv[1]).read().splitlines(); k = int(sys.argv[2])
e = json.loads(ls[k]); e["message"] = e["message"].replace("\"v\":1", "\"v\":1 ", 1).replace("\"minutes\":", "\"minutes\":1", 1)
ls[k] = json.dumps(e, sort_keys=True, separators=(",", ":")); print("\n".join(ls))' "$WORK/export.jsonl" "$K" >"$WORK/rewritten.jsonl"
	"$RASLOG" verify --file "$WORK/rewritten.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" >"$WORK/out" 2>"$WORK/err"
	check "an export with one message changed fails (exit 1)" $? = 1
	grep -q "^raslog: entry $K is bad: " "$WORK/err"
	check "... naming entry $K ($(head -c 120 "$WORK/err"))" $? = 0

	"$RASLOG" verify --file "$WORK/export.jsonl" --log-key "$LOGKEY" --head "$WORK/old-head.json" >"$WORK/out" 2>"$WORK/err"
	check "the export against the old head (another tree size) fails" $? = 1

	# A compromised log swaps two sign-offs of the same trainer (indexes are not
	# signed), re-signs a head with its log key: every signature still verifies.
	# the log key lives in its own file beside the database (never in it)
	LOGSK=$(python3 -c 'import base64,json,sys; k=json.load(open(sys.argv[1])); print((base64.b64decode(k["seed"]) + base64.b64decode(k["public_key"])).hex())' "$DB.keys/log.key" 2>/dev/null)
	if [ -n "$LOGSK" ]; then
		node --input-type=module - "$WORK/export.jsonl" "$LOGSK" "$WORK/history.jsonl" "$WORK/history-head.json" <<'JS'
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import canonicalize from './tests/js/node_modules/canonicalize/lib/canonicalize.js';
const [exp, skhex, outExport, outHead] = process.argv.slice(2);
const lines = readFileSync(exp, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const H = (...p) => { const h = createHash('sha256'); p.forEach((x) => h.update(x)); return h.digest(); };
// swap the first two consecutive session sign-offs by the same key
let i = lines.findIndex((e, k) => k + 1 < lines.length && e.public_key === lines[k + 1].public_key && e.message.includes('"session_signoff"') && lines[k + 1].message.includes('"session_signoff"'));
[lines[i], lines[i + 1]] = [lines[i + 1], lines[i]];
lines.forEach((e, k) => { e.index = k; });
const leaves = lines.map((e) => H(Buffer.from([0]), Buffer.from(e.message), Buffer.from(e.signature, 'base64'), Buffer.from(e.public_key, 'base64')));
const mth = (l) => { if (l.length === 1) return l[0]; let k = 1; while (k * 2 < l.length) k *= 2; return H(Buffer.from([1]), mth(l.slice(0, k)), mth(l.slice(k))); };
const head = { root_hash: mth(leaves).toString('hex'), timestamp: '2030-01-01T00:00:00Z', tree_size: lines.length };
const key = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(skhex, 'hex').subarray(0, 32)]), format: 'der', type: 'pkcs8' });
head.signature = sign(null, Buffer.from('RASLOG-TREE-HEAD-v1\n' + canonicalize(head)), key).toString('base64');
writeFileSync(outExport, lines.map((e) => JSON.stringify(e)).join('\n') + '\n');
writeFileSync(outHead, JSON.stringify(head));
JS
		ok "a history rewritten and re-signed by the log itself passes on its own" \
			"$RASLOG" verify --file "$WORK/history.jsonl" --log-key "$LOGKEY" --head "$WORK/history-head.json"
		"$RASLOG" verify --file "$WORK/history.jsonl" --log-key "$LOGKEY" --head "$WORK/history-head.json" \
			--previous-head "$WORK/old-head.json" >"$WORK/out" 2>"$WORK/err"
		check "... but not against the previously saved head (exit 1)" $? = 1
		grep -q "rewritten" "$WORK/err"
		check "... which says the log was rewritten ($(head -c 120 "$WORK/err"))" $? = 0
	else
		skip "log secret key not readable from $DB.keys/log.key; cannot simulate a compromised log"
	fi

	"$RASLOG" verify --json >"$WORK/out" 2>"$WORK/err"
	check "raslog verify --json reports ok" "$(jget 'j["ok"]' <"$WORK/out")" = True
else
	skip "bin/raslog is not built; raslog verify checks skipped"
fi

# ---- consistency between the old head and the new one
OLDN=$(jget 'j["tree_size"]' <"$WORK/old-head.json")
api GET "/api/v1/ledger/consistency?first=$OLDN&second=$N" "$TOK1" >/dev/null; cp "$WORK/body" "$WORK/cons.json"
ok "the consistency proof from $OLDN to $N entries verifies against both heads' roots" python3 - "$WORK/old-head.json" "$WORK/head.json" "$WORK/cons.json" <<'PY'
import hashlib, json, sys
o, n, p = (json.load(open(f)) for f in sys.argv[1:4])
H = lambda *b: hashlib.sha256(b"".join(b)).digest()
first, second = o["tree_size"], n["tree_size"]
r1, r2 = bytes.fromhex(o["root_hash"]), bytes.fromhex(n["root_hash"])
proof = [bytes.fromhex(h) for h in p["hashes"]]
assert p["first"] == first and p["second"] == second
assert 0 < first < second
if first & (first - 1) == 0:
    proof = [r1] + proof
fn, sn = first - 1, second - 1
while fn & 1:
    fn >>= 1; sn >>= 1
fr = sr = proof[0]
for c in proof[1:]:
    assert sn != 0
    if fn & 1 or fn == sn:
        fr = H(b"\1", c, fr); sr = H(b"\1", c, sr)
        while not fn & 1 and fn != 0:
            fn >>= 1; sn >>= 1
    else:
        sr = H(b"\1", sr, c)
    fn >>= 1; sn >>= 1
assert fr == r1 and sr == r2 and sn == 0
PY

# ---- the ledger is append-only
sqlite3 "$DB" "UPDATE ledger SET message = 'x' WHERE idx = 0" 2>/dev/null
check "SQLite refuses UPDATE on the ledger" $? != 0
sqlite3 "$DB" "DELETE FROM ledger WHERE idx = 0" 2>/dev/null
check "SQLite refuses DELETE FROM ledger" $? != 0
check "the ledger still has $N entries" "$(sql 'SELECT count(*) FROM ledger')" = "$N"

finish
