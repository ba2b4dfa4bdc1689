#!/bin/bash
# 18-device-keys.sh - keys per device (issue 16 item 3).  Faculty accredit
# the trainer with their first key; a further key (another computer, a
# phone's browser) is registered by its owner with proof of possession and
# becomes trusted by a device_key statement signed with a key already
# trusted for the same person (`raslog key approve ID`) or by faculty; an
# unapproved key, or one approved by an untrusted key or by another
# trainer, signs nothing; revoking a key stops it from that ledger index on
# while what it signed before stays valid; `raslog verify` follows the
# chain.  Other statements are signed with Node's crypto (tests/js/sign.mjs).
. tests/lib.sh
. tests/api/fixtures/signers.sh
T=$(add_user "Tess Device" trainer); tokT=$(token_of "$T")
ptype() { jget 'j.get("type","").split(":")[-1]' < "$WORK/body"; }
newkey() { node -e 'const c=require("crypto");const {privateKey,publicKey}=c.generateKeyPairSync("ed25519");
const seed=privateKey.export({format:"der",type:"pkcs8"}).subarray(16);const pk=publicKey.export({format:"der",type:"spki"}).subarray(12);
console.log(Buffer.concat([seed,pk]).toString("base64")+" "+pk.toString("base64"))'; }
# a session Lukas logs with Tess; prints its id
session() {
	api POST /api/v1/sessions "$LUK" "{\"date\":\"$today\",\"minutes\":30,\"activity\":\"dry_lab\",\"trainer\":$T}" >/dev/null
	jget 'j["id"]' < "$WORK/body"
}
confirm() { # confirm SECRET KEY SESSION
	post "$tokT" "$1" "$(stmt session_signoff "$T" "$2" decision='"confirmed"' session="$(certified "$3")")"
}
key_id() { api GET /api/v1/keys "$tokT" >/dev/null; jget "[k['id'] for k in j['items'] if k['public_key']=='$1'][0]" < "$WORK/body"; }

# Tess's first key: made and registered by the CLI, accredited by faculty.
export XDG_DATA_HOME="$WORK/tess" RASLOG_TOKEN="$tokT"
K1=$("$RASLOG" key generate </dev/null 2>/dev/null)
"$RASLOG" key register </dev/null >/dev/null 2>&1
check "setup: Tess's CLI key is registered" -n "$(key_id "$K1")"
# The same key as a 64-byte libsodium secret (seed || public key), for tests/js/sign.mjs.
SK1=$(python3 -c 'import json,sys,base64; print(base64.b64encode(base64.b64decode(json.load(open(sys.argv[1]))["seed"])+base64.b64decode(sys.argv[2])).decode())' "$WORK/tess/raslog/signing.key" "$K1")
st=$(post "$FAC" "$WORK/keys/user-$FACID.key" "$(stmt trainer_accreditation "$FACID" "$FACKEY" trainer="$T" trainer_key="\"$K1\"" valid_from="\"$today\"" valid_until='"2099-12-31"')")
check "faculty accredit Tess with her first key: 201 ($st)" "$st" = 201

# A second device: registered with proof of possession, not yet trusted.
set -- $(newkey); SK2=$1; K2=$2
st=$(api POST /api/v1/keys "$tokT" "$(key_body "$tokT" "$SK2")")
check "Tess registers a second device's key: 201" "$st" = 201
ID2=$(jget 'j["id"]' < "$WORK/body")
S1=$(session)
st=$(confirm "$SK2" "$K2" "$S1")
check "the unapproved key cannot sign a session: 422 not-accredited ($st)" "$st-$(ptype)" = 422-not-accredited
check "  ...the problem names device keys" "$(grep -c 'device_key' "$WORK/body")" = 1
check "  ...and the session is still pending" "$(sql "SELECT status FROM sessions WHERE id = $S1")" = pending

# An untrusted key cannot approve another key; another trainer cannot approve Tess's key.
set -- $(newkey); SK3=$1; K3=$2
api POST /api/v1/keys "$tokT" "$(key_body "$tokT" "$SK3")" >/dev/null
ID3=$(jget 'j["id"]' < "$WORK/body")
st=$(post "$tokT" "$SK3" "$(stmt device_key "$T" "$K3" user="$T" public_key="\"$K2\"")")
check "an approval signed by an unapproved key of the same person: 422 not-accredited ($st)" "$st-$(ptype)" = 422-not-accredited
st=$(post "$ELL" "$WORK/keys/user-$ELLID.key" "$(stmt device_key "$ELLID" "$ELLKEY" user="$T" public_key="\"$K2\"")")
check "an approval of Tess's key by another (accredited) trainer: 422 not-accredited ($st)" "$st-$(ptype)" = 422-not-accredited
set -- $(newkey); SKX=$1; KX=$2
st=$(post "$tokT" "$SK1" "$(stmt device_key "$T" "$K1" user="$T" public_key="\"$KX\"")")
check "approving a key nobody registered: 400 on statement.public_key ($st)" \
	"$st-$(jget 'j["errors"][0]["field"]' < "$WORK/body")" = "400-statement.public_key"
check "nothing entered the ledger for the refused approvals" "$(sql "SELECT count(*) FROM ledger WHERE kind = 'device_key'")" = 0

# raslog key approve: signed with the CLI key, already trusted through the accreditation.
"$RASLOG" key approve "$ID2" --yes > "$WORK/out" 2> "$WORK/err"
check "raslog key approve ID2 --yes: exit 0, says approved" "$?-$(grep -c "approved key $ID2" "$WORK/out")" = 0-1
check "  ...one device_key in the ledger, about Tess, naming the key" \
	"$(sql "SELECT count(*) FROM ledger WHERE kind = 'device_key' AND subject_id = $T AND instr(message, '$K2') > 0")" = 1
api GET /api/v1/keys "$tokT" >/dev/null
check "  ...GET /keys shows the key's device_index" \
	"$(jget "[k.get('device_index') is not None for k in j['items'] if k['id']==$ID2][0]" < "$WORK/body")" = True
"$RASLOG" key list > "$WORK/out" 2>&1
check "  ...and raslog key list shows it approved" "$(grep -c "^$ID2 .*approved" "$WORK/out")" = 1
"$RASLOG" key approve "$ID2" --yes > "$WORK/out" 2> "$WORK/err"
check "approving it again: exit 1, already approved" "$?-$(grep -c 'already approved' "$WORK/err")" = 1-1
st=$(post "$tokT" "$SK1" "$(stmt device_key "$T" "$K1" user="$T" public_key="\"$K2\"")")
check "  ...and the API refuses a second device_key for it: 409 already-approved" "$st-$(ptype)" = 409-already-approved
"$RASLOG" key approve > "$WORK/out" 2> "$WORK/err"
check "raslog key approve without an id: exit 2, says which key to approve" "$?-$(grep -c 'say which key' "$WORK/err")" = 2-1
"$RASLOG" key approve abc > "$WORK/out" 2> "$WORK/err"
check "raslog key approve abc: exit 2" "$?" = 2
"$RASLOG" key approve 999999 --yes > "$WORK/out" 2> "$WORK/err"
check "raslog key approve of an unknown key id: exit 1, one sentence" "$?-$(wc -l < "$WORK/err")" = 1-1

st=$(confirm "$SK2" "$K2" "$S1")
check "the approved second key signs a session: 201 ($st)" "$st" = 201
IDX_BEFORE=$(jget 'j["ledger_index"]' < "$WORK/body")

# A key approved by the approved second key (the chain goes on), and one approved by faculty.
st=$(post "$tokT" "$SK2" "$(stmt device_key "$T" "$K2" user="$T" public_key="\"$K3\"")")
check "a key approved by the second (approved) device key: 201 ($st)" "$st" = 201
set -- $(newkey); SK4=$1; K4=$2
api POST /api/v1/keys "$tokT" "$(key_body "$tokT" "$SK4")" >/dev/null
st=$(post "$FAC" "$WORK/keys/user-$FACID.key" "$(stmt device_key "$FACID" "$FACKEY" user="$T" public_key="\"$K4\"")")
check "faculty approve a further key of Tess: 201 ($st)" "$st" = 201
S2=$(session)
st=$(confirm "$SK4" "$K4" "$S2")
check "  ...which signs: 201" "$st" = 201

# Revoking the second key: it signs nothing from then on; what it signed stays valid.
st=$(api DELETE "/api/v1/keys/$ID2" "$tokT")
check "Tess revokes the second device's key: 200" "$st" = 200
S3=$(session)
st=$(confirm "$SK2" "$K2" "$S3")
check "the revoked key cannot sign: 422 key-revoked ($st)" "$st-$(ptype)" = 422-key-revoked
st=$(confirm "$SK3" "$K3" "$S3")
check "the key it approved before its revocation still signs: 201 ($st)" "$st" = 201
check "the session it signed before stays signed" "$(sql "SELECT status || '-' || signoff_index FROM sessions WHERE id = $S1")" = "signed-$IDX_BEFORE"

# raslog verify follows the chain; and refuses a ledger where an untrusted key approves one.
"$RASLOG" verify --json --token "$FAC" < /dev/null > "$WORK/verify" 2>&1
check "raslog verify (faculty: every entry) passes with device keys, approvals and a revocation" \
	"$?-$(jget 'j["statements"]["device_key"]' < "$WORK/verify" 2>/dev/null)" = 0-3
"$RASLOG" verify --json < /dev/null > "$WORK/verify-t" 2>&1
check "  ...and so does Tess's (device keys are public entries, like accreditations)" \
	"$?-$(jget 'j["statements"]["device_key"]' < "$WORK/verify-t" 2>/dev/null)" = 0-3
"$RASLOG" ledger export > "$WORK/export.jsonl" 2>/dev/null
api GET /api/v1/ledger/head "$tokT" >/dev/null; cp "$WORK/body" "$WORK/head.json"
LOGKEY=$(curl -s -H "Authorization: Bearer $tokT" "$URL/api/v1/ledger/key" | jget 'j["public_key"]')
node tests/js/verify-ledger.mjs "$WORK/export.jsonl" "$WORK/head.json" "$LOGKEY" > "$WORK/out" 2>&1
check "the Node recipe verifies the export with device keys" "$?-$(grep -c OK "$WORK/out")" = 0-1

# The Node recipe for the key chain (tests/js/key-chain.mjs, docs/ledger.md section 2) agrees,
# and refuses the same ledger with one more entry: a device_key signed by a key nobody trusted.
"$RASLOG" ledger export --token "$FAC" > "$WORK/full.jsonl" 2>/dev/null
node tests/js/key-chain.mjs "$WORK/full.jsonl" "$LOGKEY" > "$WORK/out" 2>&1; kc=$?; [ $kc = 0 ] || sed "s/^/#   key-chain: /" "$WORK/out" | head -5; (exit $kc)
check "key-chain.mjs follows the chain: OK with 3 keys per device" "$?-$(grep -c '(3 per device): OK' "$WORK/out")" = 0-1
set -- $(newkey); SKY=$1; KY=$2
stmt device_key "$T" "$KX" user="$T" public_key="\"$KY\"" > "$WORK/forged.json"
node tests/js/sign.mjs "$SKX" "$WORK/forged.json" > "$WORK/forged-signed.json"
python3 - "$WORK/forged-signed.json" "$KX" "$(wc -l < "$WORK/full.jsonl")" >> "$WORK/full.jsonl" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
msg = "RASLOG-STATEMENT-v1\n" + json.dumps(b["statement"], sort_keys=True, separators=(",", ":"))
print(json.dumps({"index": int(sys.argv[3]), "message": msg, "public_key": sys.argv[2], "signature": b["signature"]}))
PY
node tests/js/key-chain.mjs "$WORK/full.jsonl" "$LOGKEY" > "$WORK/out" 2>&1
check "  ...and names the device_key signed by an untrusted key" "$?-$(grep -c 'neither' "$WORK/out")" = 1-1
finish
