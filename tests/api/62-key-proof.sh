#!/bin/bash
# 62-key-proof.sh - registering a key needs proof of possession: POST
# /api/v1/keys carries a signature by the new key over "RASLOG-KEY-PROOF-v1\n"
# || JCS({"key","server","user"}) (made here by Node, tests/js/key-proof.mjs).
# Someone who has only another person's public key cannot register it; a
# proof for another user or another server is refused; the owner can still
# register their key; `raslog key register` sends the proof.
. tests/lib.sh
start_server
V=$(add_user "Vera Victim" trainee,trainer); tok_V=$(token_of "$V")
M=$(add_user "Mal Mallory" trainee); tok_M=$(token_of "$M")
SRV=$(curl -s "$URL/api/v1/health" | jget 'j["public_url"]')
newkey() { node -e 'const c=require("crypto");const {privateKey,publicKey}=c.generateKeyPairSync("ed25519");
const seed=privateKey.export({format:"der",type:"pkcs8"}).subarray(16);const pk=publicKey.export({format:"der",type:"spki"}).subarray(12);
console.log(Buffer.concat([seed,pk]).toString("base64")+" "+pk.toString("base64"))'; }
set -- $(newkey); SK_V=$1; PK_V=$2      # Vera's key pair
set -- $(newkey); SK_M=$1; PK_M=$2      # Mal's own key pair
ptype() { jget 'j["type"].split(":")[-1]' <"$WORK/body"; }

st=$(api POST /api/v1/keys "$tok_M" "{\"public_key\":\"$PK_V\"}")
check "Vera's public key without a proof: 400 naming the proof ($st)" "$st-$(jget 'j["errors"][0]["field"]' <"$WORK/body")" = "400-proof"
st=$(api POST /api/v1/keys "$tok_M" "$(node tests/js/key-proof.mjs "$SK_M" "$M" "$SRV" --key "$PK_V")")
check "Vera's public key with a proof signed by Mal's own key: 422 bad-key-proof" "$st-$(ptype)" = 422-bad-key-proof
check "  ...and the problem says only the key's holder can register it" \
	"$(grep -c 'holder of the private key' "$WORK/body")" = 1
st=$(api POST /api/v1/keys "$tok_M" "{\"public_key\":\"$PK_V\",\"proof\":\"$(head -c 64 /dev/urandom | base64 -w0)\"}")
check "Vera's public key with random signature bytes: 422" "$st-$(ptype)" = 422-bad-key-proof
st=$(api POST /api/v1/keys "$tok_M" "{\"public_key\":\"$PK_V\",\"proof\":\"not base64\"}")
check "a proof that is not a 64-byte base64 signature: 400" "$st-$(jget 'j["errors"][0]["field"]' <"$WORK/body")" = "400-proof"
# A proof Vera made for herself, replayed by Mal.
node tests/js/key-proof.mjs "$SK_V" "$V" "$SRV" >"$WORK/vera-proof.json"
st=$(api POST /api/v1/keys "$tok_M" "$(cat "$WORK/vera-proof.json")")
check "Vera's own proof replayed by Mal (it names Vera): 422" "$st-$(ptype)" = 422-bad-key-proof
st=$(api POST /api/v1/keys "$tok_V" "$(node tests/js/key-proof.mjs "$SK_V" "$V" https://other.example.org)")
check "a proof naming another server: 422" "$st-$(ptype)" = 422-bad-key-proof
check "nothing was registered by the refused attempts" "$(sql "SELECT count(*) FROM keys")" = 0
st=$(api POST /api/v1/keys "$tok_V" "$(cat "$WORK/vera-proof.json")")
check "Vera registers her key with her proof: 201" "$st" = 201
check "  ...to Vera" "$(jget 'str(j["user"])+" "+j["public_key"]' <"$WORK/body")" = "$V $PK_V"
st=$(api POST /api/v1/keys "$tok_V" "$(cat "$WORK/vera-proof.json")")
check "replaying the proof only meets the same key again: 409" "$st-$(ptype)" = 409-key-exists
st=$(api POST /api/v1/keys "$tok_M" "$(node tests/js/key-proof.mjs "$SK_M" "$M" "$SRV")")
check "Mal registers his own key with his proof: 201" "$st" = 201
st=$(api POST /api/v1/keys "$tok_M" "{\"public_key\":\"$PK_M\",\"proof\":\"x\",\"user\":$V}")
check "an unknown member (user) is refused: 400" "$st" = 400
stop_server

# The CLI signs the proof with the key on this computer (sealed: with its passphrase),
# against the server's configured public URL.
PUB=https://raslog.example.org
start_server --public-url "$PUB"
W=$(add_user "Walt Wright" trainer); tok_W=$(token_of "$W")
export XDG_DATA_HOME="$WORK/data" RASLOG_TOKEN="$tok_W"
printf 'pass phrase\n' >"$WORK/pass"
"$RASLOG" key generate --passphrase-file "$WORK/pass" >"$WORK/pk" 2>/dev/null
"$RASLOG" key register >"$WORK/out" 2>"$WORK/err" </dev/null
check "raslog key register with a sealed key and no passphrase: exit 1, says how to give one" \
	"$?-$(grep -c RASLOG_PASSPHRASE "$WORK/err")" = 1-1
"$RASLOG" key register --passphrase-file "$WORK/pass" --json >"$WORK/out" 2>"$WORK/err"
check "raslog key register --passphrase-file registers the key (proof against $PUB)" \
	"$?-$(jget 'j["public_key"]' <"$WORK/out")" = "0-$(cat "$WORK/pk")"
check "  ...as Walt's" "$(sql "SELECT user_id FROM keys WHERE id = $(jget 'j["id"]' <"$WORK/out")")" = "$W"
finish
