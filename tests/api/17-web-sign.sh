#!/bin/bash
# 17-web-sign.sh - signing on the web, on a phone (issue 16 item 2): the
# "Waiting for me" page in headless Chromium at 390 px and 1280 px
# (tests/browser/websign.test.mjs) makes a non-extractable WebCrypto
# Ed25519 key per device, has it approved (device_key), confirms with the
# trainer's own role, rejects with a reason and signs several together.
# Here, afterwards: the server recorded exactly what the page showed, and
# the ledger those signatures entered is accepted by `raslog verify` and,
# entry by entry, by the OpenSSL recipe of docs/ledger.md section 7.
. tests/lib.sh
if [ ! -x /usr/bin/chromium ]; then
	skip "Chromium is missing (/usr/bin/chromium, Debian package chromium)"
	finish
	exit 0
fi
"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" > "$WORK/people.jsonl" 2>/dev/null
start_server --web web
FAC=$(field "Amelia Hart" token)
ELL=$(field "David Ellis" token); ELLID=$(field "David Ellis" id)
LUK=$(field "Lukas Weber" token)
today=$(date -u +%F)
# Two more sessions naming Ellis, with steps and a claimed role.
STEP=$(sql "SELECT json_extract(steps, '\$[0]') FROM sessions WHERE steps IS NOT NULL AND trainer_id = $ELLID LIMIT 1")
for i in 1 2; do
	st=$(api POST /api/v1/sessions "$LUK" "{\"date\":\"$today\",\"minutes\":$((40 + i)),\"activity\":\"console_modular\",\"platform\":\"davinci_xi\",\"procedure\":\"Robotic radical prostatectomy\",\"steps\":[\"$STEP\"],\"role\":\"S-TS\",\"trainer\":$ELLID}")
	check "setup: Lukas logs session $i with Ellis ($st)" "$st" = 201
done
PENDING=$(sql "SELECT count(*) FROM sessions WHERE trainer_id = $ELLID AND status = 'pending'")
OUT="$WORK/browser"
node tests/browser/websign.test.mjs "$URL" "$ELL" "$WORK/keys/user-$ELLID.key" "$OUT" | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok web-\2/; s/^1\.\.\([0-9]*\)$/# web: 1..\1/'
check "the browser run passed" "${PIPESTATUS[0]}" = 0
R="$OUT/websign.json"

check "every pending session of Ellis was decided on the web ($PENDING)" \
	"$(sql "SELECT count(*) FROM sessions WHERE trainer_id = $ELLID AND status = 'pending'")" = 0
check "  ...one rejected with the reason typed on the phone" \
	"$(sql "SELECT reject_reason FROM sessions WHERE id = $(jget 'j["rejected"][0]["session"]' < "$R")")" = "Not present for this case"
S=$(jget 'j["signed"][0]["session"]' < "$R"); ROLE=$(jget 'j["signed"][0]["role"]' < "$R")
check "the server recorded the trainer's own role for session $S ($ROLE), not the claim" \
	"$(sql "SELECT signed_role FROM sessions WHERE id = $S")" = "$ROLE"
check "the web signatures were made with the two device keys, both introduced by device_key statements" \
	"$(sql "SELECT count(*) FROM ledger WHERE kind = 'device_key' AND subject_id = $ELLID")" = 2
N=$(jget 'len(j["signed"])' < "$R")
check "$N sign-offs and 1 rejection came from the browser" "$N" -ge 3

"$RASLOG" verify --token "$FAC" < /dev/null > "$WORK/verify" 2>&1
check "raslog verify accepts the ledger with the web signatures" "$?-$(grep -c '^verified' "$WORK/verify")" = 0-1

# The OpenSSL recipe (docs/ledger.md section 7) on each web-signed entry: the entry's own key.
if command -v openssl >/dev/null; then
	good=0; total=0
	for idx in $(jget '" ".join(str(x["ledger_index"]) for x in j["signed"] + j["rejected"]) + " " + " ".join(str(x) for x in j["device_keys"])' < "$R"); do
		total=$((total + 1))
		api GET "/api/v1/ledger/entries/$idx" "$FAC" > /dev/null
		jget 'j["public_key"]' < "$WORK/body" > "$WORK/pk.b64"
		{ printf '302a300506032b6570032100' | xxd -r -p; base64 -d "$WORK/pk.b64"; } > "$WORK/pk.der"
		openssl pkey -pubin -inform DER -in "$WORK/pk.der" -out "$WORK/pk.pem" 2>/dev/null
		python3 -c 'import json,sys; sys.stdout.write(json.load(open(sys.argv[1]))["message"])' "$WORK/body" > "$WORK/entry.msg"
		jget 'j["signature"]' < "$WORK/body" | base64 -d > "$WORK/entry.sig"
		openssl pkeyutl -verify -pubin -inkey "$WORK/pk.pem" -rawin -in "$WORK/entry.msg" -sigfile "$WORK/entry.sig" > /dev/null 2>&1 &&
			good=$((good + 1))
	done
	check "OpenSSL verifies every web-made signature over its message ($good of $total)" "$good-$total" = "$total-$total"
	check "  ...and the messages start with the statement prefix" "$(head -c 19 "$WORK/entry.msg")" = "RASLOG-STATEMENT-v1"
else
	skip "openssl is missing"
fi
# A normal rotation: the phone's key is revoked and faculty re-accredit Ellis with a new key
# (superseding).  The faculty view of Lukas, whose sessions were signed with the old keys,
# raises no alarm: the page follows the chain as raslog verify does (issue 13 item 7).
PHONE_ID=$(jget 'j["phone_key_id"]' < "$R")
check "the phone's key was revoked on the web page, with a key_revocation in the ledger" \
	"$(sql "SELECT CASE WHEN revoked_index IS NOT NULL THEN 1 ELSE 0 END FROM keys WHERE id = $PHONE_ID")-$(sql "SELECT count(*) FROM ledger WHERE kind = 'key_revocation' AND subject_id = $ELLID")" = 1-1
NEWSK=$(node -e 'const c=require("crypto");const {privateKey,publicKey}=c.generateKeyPairSync("ed25519");
const seed=privateKey.export({format:"der",type:"pkcs8"}).subarray(16);const pk=publicKey.export({format:"der",type:"spki"}).subarray(12);
console.log(Buffer.concat([seed,pk]).toString("base64"))')
api POST /api/v1/keys "$ELL" "$(key_body "$ELL" "$NEWSK")" > /dev/null
NEWPK=$(jget 'j["public_key"]' < "$WORK/body")
FACID=$(field "Amelia Hart" id); FACKEY=$(field "Amelia Hart" public_key)
LIVE=$(sql "SELECT max(ledger_index) FROM trainer_accreditations WHERE trainer_id = $ELLID")
python3 - "$FACID" "$FACKEY" "$ELLID" "$NEWPK" "$today" "$LIVE" > "$WORK/acc.json" <<'PY'
import json, sys, datetime
f, fk, t, pk, today, live = sys.argv[1:]
print(json.dumps({"v": 1, "type": "trainer_accreditation", "signer": int(f), "key": fk,
	"signed_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
	"trainer": int(t), "trainer_key": pk, "valid_from": today, "valid_until": "2099-12-31", "supersedes": int(live)}))
PY
node tests/js/sign.mjs "$WORK/keys/user-$FACID.key" "$WORK/acc.json" > "$WORK/signed.json"
st=$(api POST /api/v1/signoffs "$FAC" "$(cat "$WORK/signed.json")")
check "faculty re-accredit Ellis with a new key, superseding ($st)" "$st" = 201
"$RASLOG" verify --token "$FAC" < /dev/null > "$WORK/verify" 2>&1
check "raslog verify still passes after the rotation" "$?-$(grep -c '^verified' "$WORK/verify")" = 0-1
LUKID=$(field "Lukas Weber" id)
node tests/browser/websign.test.mjs --trainee "$URL" "$FAC" "$LUKID" "$OUT" | sed 's/^\(not \)\{0,1\}ok \([0-9]*\)/\1ok chain-\2/; s/^1\.\.\([0-9]*\)$/# chain: 1..\1/'
check "the web checker follows the key chain after the rotation" "${PIPESTATUS[0]}" = 0
finish
