#!/bin/bash
# tests/api/14-ledger-private.sh - the private ledger, still publicly
# checkable: GET /ledger and /ledger/entries/{n} give an entry's content only
# to callers who may see the person it is about (the trainee, a trainer who
# supervised them or signed it, faculty), the redacted line
# {"index":N,"leaf_hash":"<hex>"} to everyone else; keys and trainer
# accreditations are shown to every signed-in user.  A redacted export still
# verifies (raslog verify, tests/js/verify-ledger.mjs, the web page's
# checker), proofs work for everyone, and a tampered leaf hash is caught.
# Expected visibility is computed here from the statements themselves, in
# Python, not asked of the server.
BIN=${BIN:-build/san/bin}
. tests/lib.sh
JS=tests/js

demo_keys # tests/lib.sh: the demo, $WORK/keys, $WORK/people.jsonl; tok ID and pk_of ID
start_server

# Demo: 1 faculty, 2 admin, 3..6 trainers, 7.. trainees.
TOKF=$(tok 1); TOKA=$(tok 2); TR=3; TOKTR=$(tok $TR); ME=7; TOKME=$(tok $ME)

export_as() { # export_as TOKEN FILE
	api GET "/api/v1/ledger?from=0&count=100000" "$1" >/dev/null && cp "$WORK/body" "$2"
}
export_as "$TOKF" "$WORK/full.jsonl"
export_as "$TOKME" "$WORK/trainee.jsonl"
export_as "$TOKTR" "$WORK/trainer.jsonl"
export_as "$TOKA" "$WORK/admin.jsonl"
api GET /api/v1/ledger/head "$TOKME" >/dev/null; cp "$WORK/body" "$WORK/head.json"
api GET /api/v1/ledger/key "$TOKME" >/dev/null; LOGKEY=$(jget 'j["public_key"]' <"$WORK/body")
N=$(wc -l <"$WORK/full.jsonl")
check "faculty get every one of the $N entries in full" "$(grep -c leaf_hash "$WORK/full.jsonl")" = 0
check "the head covers the $N entries" "$(jget 'j["tree_size"]' <"$WORK/head.json")" = "$N"

SUPERVISED=$(sql "SELECT group_concat(DISTINCT trainee_id) FROM sessions WHERE trainer_id = $TR")

# visible FULL MINE ME SEES : each line of MINE is the FULL line when the
# entry is about someone in SEES (comma list), signed by ME, or public, and
# otherwise exactly {"index","leaf_hash"} with the entry's true leaf hash.
visible() {
	python3 - "$@" <<'PY'
import base64, hashlib, json, sys
full = [json.loads(l) for l in open(sys.argv[1])]
mine = open(sys.argv[2]).read().splitlines()
me = int(sys.argv[3]); sees = {int(x) for x in sys.argv[4].split(",") if x}
stmts = [json.loads(e["message"].split("\n", 1)[1]) for e in full]
def subject(s):
    t = s["type"]
    if t in ("faculty_key", "key_revocation", "trainer_accreditation", "curriculum", "device_key"):
        return None
    if t == "revocation":
        return None if stmts[s["accreditation_index"]]["type"] == "trainer_accreditation" else s["subject"]
    if t == "session_signoff":
        return s["session"]["trainee"]
    if t in ("simulator_import", "elearning_confirmation"):
        return s["import"]["trainee"]
    return s["trainee"]
assert len(mine) == len(full), (len(mine), len(full))
shown = hidden = own = 0
for e, s, line in zip(full, stmts, mine):
    subj = subject(s)
    see = subj is None or subj in sees or s.get("signer") == me
    if see:
        assert line == json.dumps(e, sort_keys=True, separators=(",", ":")), ("should be full", e["index"], line[:80])
        shown += 1
        own += subj == me
    else:
        leaf = hashlib.sha256(b"\0" + e["message"].encode() + base64.b64decode(e["signature"]) + base64.b64decode(e["public_key"])).hexdigest()
        want = '{"index":%d,"leaf_hash":"%s"}' % (e["index"], leaf)
        assert line == want, ("should be redacted", e["index"], line[:80], want)
        hidden += 1
assert hidden > 0 and shown > 0, (shown, hidden)
print(shown, hidden, own)
PY
}
ok "a trainee gets their own entries and the public ones in full, every other entry redacted to its leaf hash" \
	visible "$WORK/full.jsonl" "$WORK/trainee.jsonl" $ME $ME
read -r SHOWN HIDDEN OWN <"$WORK/out"
check "... ($SHOWN shown, $HIDDEN redacted, $OWN about the trainee)" "${OWN:-0}" -gt 0
ok "a trainer gets the entries of the trainees they supervised ($SUPERVISED) and their own, the rest redacted" \
	visible "$WORK/full.jsonl" "$WORK/trainer.jsonl" $TR "$SUPERVISED"
ok "an admin who is not faculty sees only the public entries (as with the records)" \
	visible "$WORK/full.jsonl" "$WORK/admin.jsonl" 2 ""

# Entries one at a time: someone else's is redacted (200, not 404); one's own is full.
read -r OTHER MINE <<<"$(python3 -c '
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
print(next(e["index"] for e in ls if "leaf_hash" in e), next(e["index"] for e in ls if "message" in e and "\"trainee\":'$ME'" in e["message"]))' "$WORK/trainee.jsonl")"
st=$(api GET /api/v1/ledger/entries/$OTHER "$TOKME")
check "entries/$OTHER (about another trainee) answers 200 to the trainee" "$st" = 200
check "... with exactly its redacted line" "$(cat "$WORK/body")" = "$(sed -n "$((OTHER + 1))p" "$WORK/trainee.jsonl")"
st=$(api GET /api/v1/ledger/entries/$OTHER "$TOKF")
check "faculty get entries/$OTHER in full, with the parsed statement" "$st:$(jget '"statement" in j and "message" in j' <"$WORK/body")" = "200:True"
st=$(api GET /api/v1/ledger/entries/$MINE "$TOKME")
check "the trainee gets their own entries/$MINE in full" "$st:$(jget 'j["statement"]["type"] != ""' <"$WORK/body")" = "200:True"
st=$(api GET /api/v1/ledger/entries/$((N + 5)) "$TOKME")
check "an entry past the end is still 404" "$st" = 404

# Verification of the redacted export.
ok "raslog verify --file passes on the trainee's redacted export" \
	"$RASLOG" verify --file "$WORK/trainee.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json"
grep -q "^verified $N entries ($HIDDEN of them redacted for you: .*matches the signed tree head" "$WORK/out"
check "... and says how many were redacted ($(head -c 140 "$WORK/out"))" $? = 0
RASLOG_TOKEN="$TOKME" "$RASLOG" verify --json >"$WORK/out" 2>"$WORK/err"
check "raslog verify against the server with the trainee's token passes, --json counting $HIDDEN redacted" \
	"$(jget '(j["ok"], j["redacted"], j["entries"])' <"$WORK/out")" = "(True, $HIDDEN, $N)"
ok "Node's independent verifier (verify-ledger.mjs) accepts the redacted export" \
	node $JS/verify-ledger.mjs "$WORK/trainee.jsonl" "$WORK/head.json" "$LOGKEY"
ok "the web page's checker (web/js/verify.js checkExport) accepts it" \
	node $JS/check-export.mjs "$WORK/trainee.jsonl" "$WORK/head.json" "$LOGKEY"
grep -q "$HIDDEN redacted" "$WORK/out"
check "... counting $HIDDEN redacted" $? = 0

# A tampered leaf hash (one hex digit changed) breaks the root.
python3 - "$WORK/trainee.jsonl" "$OTHER" >"$WORK/tampered.jsonl" <<'PY'
import sys
ls = open(sys.argv[1]).read().splitlines(); k = int(sys.argv[2])
h = ls[k][-66:-2]
ls[k] = ls[k][:-66] + ("0" if h[0] != "0" else "1") + h[1:] + '"}'
print("\n".join(ls))
PY
"$RASLOG" verify --file "$WORK/tampered.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" >"$WORK/out" 2>"$WORK/err"
check "raslog verify fails on a tampered redacted leaf hash (exit 1)" $? = 1
grep -q "is not the root .* of the signed tree head" "$WORK/err"
check "... naming the root mismatch ($(head -c 140 "$WORK/err"))" $? = 0
node $JS/check-export.mjs "$WORK/tampered.jsonl" "$WORK/head.json" "$LOGKEY" >/dev/null 2>&1
check "the web page's checker fails on it too" $? = 1
node $JS/verify-ledger.mjs "$WORK/tampered.jsonl" "$WORK/head.json" "$LOGKEY" >/dev/null 2>&1
check "verify-ledger.mjs fails on it too" $? = 1
sed "$((OTHER + 1))s/}\$/,\"extra\":1}/" "$WORK/trainee.jsonl" >"$WORK/extra.jsonl"
"$RASLOG" verify --file "$WORK/extra.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" >"$WORK/out" 2>"$WORK/err"
check "a redacted line with another member is refused, naming entry $OTHER" "$?:$(grep -c "entry $OTHER is bad: a redacted line holds exactly" "$WORK/err")" = "1:1"

# Proofs work for everyone: the inclusion of a redacted entry, from its leaf hash alone.
st=$(api GET "/api/v1/ledger/proof?index=$OTHER&tree_size=$N" "$TOKME")
check "the trainee gets the inclusion proof of entry $OTHER" "$st" = 200
ok "... which leads from the redacted leaf hash to the signed root" python3 - "$WORK/body" "$WORK/head.json" "$WORK/trainee.jsonl" "$OTHER" <<'PY'
import hashlib, json, sys
p = json.load(open(sys.argv[1])); head = json.load(open(sys.argv[2]))
k = int(sys.argv[4]); leaf = bytes.fromhex(json.loads(open(sys.argv[3]).read().splitlines()[k])["leaf_hash"])
H = lambda *b: hashlib.sha256(b"".join(b)).digest()
fn, sn, r = k, head["tree_size"] - 1, leaf
for h in (bytes.fromhex(x) for x in p["hashes"]):
    if fn & 1 or fn == sn:
        r = H(b"\1", h, r)
        while not fn & 1 and fn != 0:
            fn >>= 1; sn >>= 1
    else:
        r = H(b"\1", r, h)
    fn >>= 1; sn >>= 1
assert sn == 0 and r.hex() == head["root_hash"], (r.hex(), head["root_hash"])
PY
st=$(api GET "/api/v1/ledger/consistency?first=1&second=$N" "$TOKME")
check "the trainee gets a consistency proof" "$st" = 200

finish
