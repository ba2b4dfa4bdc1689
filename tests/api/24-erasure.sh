#!/bin/bash
# tests/api/24-erasure.sh - free text out of the signed statements (issue 13
# item 3): a rejection reason and a session's notes are committed to by
# "<name>_commit":"sha256:"+hex(SHA-256(salt||text)) in a version 2
# statement (signed here by tests/js/sign.mjs, Node's crypto, not raslog's)
# and kept with their salt beside the entry; the server refuses embedded
# text and a text that does not match its commitment; those who may see
# the entry get text and salt (ledger entries, the export, the session),
# everyone else never does; the commitments are recomputed here in Python.
# Erasure (DELETE /ledger/entries/{n}/text by an administrator, raslogd
# erase-text by the operator) removes text and salt from the database,
# keeps every signature and the root, shows the text as erased, changes
# no figure, and is audited; raslog verify and raslog audit pass before
# and after, and fail on a wrong text.
. "$(dirname "$0")/../lib.sh"
[ -n "${KEEP_WORK:-}" ] && trap 'stop_server' EXIT && echo "# work: $WORK"

demo_keys # tests/lib.sh: the demo, $WORK/keys, $WORK/people.jsonl; tok ID and pk_of ID
start_server
FAC=$(tok 1); ADM=$(tok 2)
ptype() { jget 'j.get("type","")' < "$WORK/body"; }
pdetail() { jget 'j.get("detail","")' < "$WORK/body"; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
size() { sql "select count(*) from ledger"; }

# Trainer TR with a key file, a trainee TE of theirs with a pending session, and another trainee OT elsewhere.
read -r TR TE <<<"$(sql "select trainer_id, trainee_id from sessions where status = 'pending' and trainer_id = 3 limit 1" | tr '|' ' ')"
OT=$(sql "select id from users where roles & 1 <> 0 and id not in (select trainee_id from sessions where trainer_id = $TR) order by id limit 1")
TOKTR=$(tok "$TR"); TOKTE=$(tok "$TE"); TOKOT=$(tok "$OT")
TRKEY=$(sql "select public_key from keys where user_id = $TR" | head -1)
TRKEY=$(pk_of "$TR")
check "setup: trainer $TR, their trainee $TE, and trainee $OT who is not theirs" "-n $TE -a -n $OT -a -n $TRKEY" = "-n $TE -a -n $OT -a -n $TRKEY"

# The trainee logs a session with notes naming the trainer.
NOTES="Port placement slow; patient NHS no. omitted. Reflective note $(date +%s%N)"
yesterday=$(date -u -d yesterday +%F)
st=$(api POST /api/v1/sessions "$TOKTE" "{\"date\":\"$yesterday\",\"minutes\":45,\"activity\":\"console_modular\",\"procedure\":\"Robotic prostatectomy\",\"role\":\"S-TS\",\"trainer\":$TR,\"notes\":\"$NOTES\"}")
check "setup: the trainee logs a session with notes (201)" "$st" = 201
SN=$(jget 'j["id"]' < "$WORK/body")
# The trainee corrects it once before the sign-off: the version replaced, notes and all, is kept (session_revisions).
st=$(curl -s -o "$WORK/body" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $TOKTE" -H 'If-Match: "1-pending"' \
	-H 'Content-Type: application/json' --data-binary '{"minutes":50}' "$URL/api/v1/sessions/$SN")
check "setup: the trainee corrects the session once (200)" "$st" = 200
check "setup: its first version, notes included, is kept in session_revisions" \
	"$(sql "select count(*) from session_revisions where session_id = $SN and instr(fields, 'Reflective note') > 0")" = 1
REJ=$(sql "select id from sessions where status = 'pending' and trainer_id = $TR and trainee_id = $TE and id <> $SN limit 1")

stmt() { # stmt SESSION DECISION [REASON]
	python3 - "$TR" "$TRKEY" "$(now)" "$(certified "$1")" "$2" "${3:-}" <<'PY'
import json, sys
tr, key, at, sess, dec, reason = sys.argv[1:7]
s = {"v": 1, "type": "session_signoff", "signer": int(tr), "key": key, "signed_at": at,
     "decision": dec, "session": json.loads(sess)}
if reason:
    s["reason"] = reason
print(json.dumps(s))
PY
}
sign() { # sign STATEMENT [env...] -> body on stdout
	printf '%s' "$1" > "$WORK/stmt.json"
	node tests/js/sign.mjs "$WORK/keys/user-$TR.key" "$WORK/stmt.json"
}

# ---- refusals: embedded text, a text that does not match --------------------------
before=$(size)
st=$(api POST /api/v1/signoffs "$TOKTR" "$(RASLOG_SIGN_EMBED=1 sign "$(stmt "$REJ" rejected "Not at the console")")")
check "a version 1 statement embedding a rejection reason: 400 naming statement.reason" \
	"$st-$(jget '[e["field"] for e in j.get("errors",[])]' < "$WORK/body")" = '400-["statement.reason"]'
check "  ...saying to commit to it" "$(jget 'j["errors"][0]["message"]' < "$WORK/body" | grep -c 'commit to it')" = 1
sign "$(stmt "$REJ" rejected "Not at the console")" > "$WORK/signed.json"
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); b["texts"]["reason"]["text"]="Something else"; print(json.dumps(b))' "$WORK/signed.json" > "$WORK/wrong.json"
st=$(api POST /api/v1/signoffs "$TOKTR" "$(cat "$WORK/wrong.json")")
check "a text that does not match its commitment: 400 naming texts" \
	"$st-$(jget '[e["field"] for e in j.get("errors",[])]' < "$WORK/body")" = '400-["texts"]'
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); del b["texts"]; print(json.dumps(b))' "$WORK/signed.json" > "$WORK/none.json"
st=$(api POST /api/v1/signoffs "$TOKTR" "$(cat "$WORK/none.json")")
check "a commitment without its text: 400" "$st" = 400
NHS=$(python3 -c 'print("Patient 943 476 5919 seen")')
st=$(api POST /api/v1/signoffs "$TOKTR" "$(sign "$(stmt "$REJ" rejected "$NHS")")")
check "a committed reason holding an NHS number is still refused (400 statement.reason)" \
	"$st-$(jget '[e["field"] for e in j.get("errors",[])]' < "$WORK/body")" = '400-["statement.reason"]'
check "nothing was appended by any refusal" "$(size)" = "$before"

# ---- accepted: a rejection with a reason, a confirmation of a session with notes --
st=$(api POST /api/v1/signoffs "$TOKTR" "$(cat "$WORK/signed.json")")
check "the rejection signed as version 2 with its reason beside it: 201" "$st" = 201
IR=$(jget 'j["ledger_index"]' < "$WORK/body")
check "the rejection mail quotes the reason (outbox)" \
	"$(sql "select count(*) from outbox where idempotency_key = 'decision:$IR' and instr(body, 'Not at the console') > 0")" = 1
REASON_SALT=$(jget 'j["texts"]["reason"]["salt"]' < "$WORK/signed.json")
st=$(api POST /api/v1/signoffs "$TOKTR" "$(sign "$(stmt "$SN" confirmed)")")
check "the confirmation of the session with notes: 201" "$st" = 201
IN=$(jget 'j["ledger_index"]' < "$WORK/body")
check "  ...the 201's statement commits to the notes and embeds none" \
	"$(jget '[j["statement"]["v"], "notes" in j["statement"]["session"], j["statement"]["session"]["notes_commit"][:7]]' < "$WORK/body")" = '[2, false, "sha256:"]'
check "the signed message in the ledger holds neither text" \
	"$(sql "select count(*) from ledger where idx in ($IR, $IN) and (instr(message, 'Not at the console') > 0 or instr(message, 'Reflective note') > 0)")" = 0

# texts_ok FILE INDEX PATH TEXT: the entry's texts[PATH] matches TEXT and the statement's commitment (Python's hashlib)
texts_ok() {
	python3 - "$@" <<'PY'
import hashlib, json, sys
f, idx, path, want = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
for l in open(f):
    e = json.loads(l)
    if e.get("index") == idx:
        break
else:
    sys.exit("no entry %d" % idx)
st = json.loads(e["message"].split("\n", 1)[1])
t = e["texts"][path]
parent = st["session"] if path == "session.notes" else st
name = path.split(".")[-1]
c = "sha256:" + hashlib.sha256(bytes.fromhex(t["salt"]) + t["text"].encode()).hexdigest()
assert st["v"] == 2 and name not in parent, st
assert t["text"] == want, (t["text"], want)
assert parent[name + "_commit"] == c, (parent[name + "_commit"], c)
PY
}
api GET "/api/v1/ledger/entries/$IN" "$TOKTE" >/dev/null; printf '%s\n' "$(cat "$WORK/body")" > "$WORK/e.jsonl"
ok "the trainee's GET /ledger/entries/$IN gives the notes and salt, matching the commitment" texts_ok "$WORK/e.jsonl" "$IN" session.notes "$NOTES"
api GET "/api/v1/ledger?from=0&count=100000" "$FAC" >/dev/null; cp "$WORK/body" "$WORK/full.jsonl"
ok "faculty's export gives the rejection reason and salt, matching" texts_ok "$WORK/full.jsonl" "$IR" reason "Not at the console"
api GET "/api/v1/sessions/$SN" "$TOKTE" >/dev/null
check "GET /sessions/{id} gives the sign-off's texts (notes, salt)" \
	"$(jget 'j["signoff"]["texts"]["session.notes"]["text"] == j["notes"]' < "$WORK/body")" = True
api GET "/api/v1/trainees/$TE/export" "$TOKTE" >/dev/null
check "the trainee's export (GET /trainees/{id}/export) carries text and salt" \
	"$(grep -c "$REASON_SALT" "$WORK/body")" = 1
api GET "/api/v1/ledger?from=0&count=100000" "$TOKOT" >/dev/null; cp "$WORK/body" "$WORK/other.jsonl"
check "another trainee's export has the entries redacted: neither text nor salt" \
	"$(grep -c -e "$REASON_SALT" -e 'Reflective note' -e 'Not at the console' "$WORK/other.jsonl")-$(grep -c "\"index\":$IR,\"leaf_hash\"" "$WORK/other.jsonl")" = 0-1
st=$(api GET "/api/v1/ledger/entries/$IN" "$TOKOT")
check "  ...and their GET /ledger/entries/$IN is the redacted line" "$(grep -c -e salt -e text "$WORK/body")-$(grep -c leaf_hash "$WORK/body")" = 0-1

api GET /api/v1/ledger/key "$FAC" >/dev/null; LOGKEY=$(jget 'j["public_key"]' < "$WORK/body")
api GET /api/v1/ledger/head "$FAC" >/dev/null; cp "$WORK/body" "$WORK/head.json"
ok "raslog verify passes with the texts" "$RASLOG" verify --file "$WORK/full.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json"
check "  ...and says the texts match their commitments" "$(grep -c '2 free texts match their commitments, 0 erased' "$WORK/out")" = 1
ok "node verify-ledger.mjs checks the texts too" node tests/js/verify-ledger.mjs "$WORK/full.jsonl" "$WORK/head.json" "$LOGKEY"
ok "the web page's checker (web/js/verify.js) checks the texts" node tests/js/check-export.mjs "$WORK/full.jsonl" "$WORK/head.json" "$LOGKEY"
check "  ...both match" "$(grep -c '2 texts match, 0 erased' "$WORK/out")" = 1
sed "s/Not at the console/Not at the consolE/" "$WORK/full.jsonl" > "$WORK/wrong.jsonl"
"$RASLOG" verify --file "$WORK/wrong.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" > /dev/null 2>"$WORK/err"
check "a wrong text fails raslog verify, naming the entry and the commitment" \
	"$?-$(grep -c "entry $IR is bad: the text of \"reason\" does not match" "$WORK/err")" = 1-1
node tests/js/verify-ledger.mjs "$WORK/wrong.jsonl" "$WORK/head.json" "$LOGKEY" > /dev/null 2>"$WORK/err"
check "  ...and the Node verifier" "$?-$(grep -c 'does not match' "$WORK/err")" = 1-1
"$RASLOG" audit --file "$WORK/wrong.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" > /dev/null 2>"$WORK/err"
check "  ...and raslog audit --file, which recomputes nothing from it" "$?-$(grep -c 'does not match' "$WORK/err")" = 1-1
node tests/js/check-export.mjs "$WORK/wrong.jsonl" "$WORK/head.json" "$LOGKEY" > /dev/null 2>"$WORK/err"
check "  ...and the web page's checker" "$?-$(grep -c "entry $IR: the text of reason does not match" "$WORK/err")" = 1-1
# docs/ledger.md section 7, step 5: the OpenSSL recipe for a commitment, run as written there.
grep "\"index\":$IR," "$WORK/full.jsonl" > "$WORK/entryN.jsonl"
got=$({ jq -r '.texts.reason.salt' "$WORK/entryN.jsonl" | xxd -r -p; jq -j '.texts.reason.text' "$WORK/entryN.jsonl"; } |
  openssl dgst -sha256 -r | cut -c1-64)
want=$(jq -r '.message | sub("^RASLOG-STATEMENT-v1\n"; "") | fromjson | .reason_commit' "$WORK/entryN.jsonl")
check "the OpenSSL recipe of docs/ledger.md recomputes the commitment" "sha256:$got" = "$want"
ok "raslog audit agrees with the server before erasure" "$RASLOG" --token "$FAC" audit

# ---- erasure ----------------------------------------------------------------------
api GET "/api/v1/trainees/$TE/progress" "$FAC" >/dev/null; jget 'j' < "$WORK/body" > "$WORK/fig.before"
ROOT=$(jget 'j["root_hash"]' < "$WORK/head.json")
NOTES_SALT=$(sql "select salt from ledger_texts where ledger_index = $IN")
st=$(api DELETE "/api/v1/ledger/entries/$IN/text" "$TOKTR" '{"reason":"patient identifier"}')
check "the trainer cannot erase a text (403)" "$st" = 403
st=$(api DELETE "/api/v1/ledger/entries/$IN/text" "$ADM" '{}')
check "erasing needs a reason (400)" "$st-$(jget '[e["field"] for e in j.get("errors",[])]' < "$WORK/body")" = '400-["reason"]'
st=$(api DELETE "/api/v1/ledger/entries/$IN/text" "$ADM" '{"reason":"a patient identifier typed by mistake","member":"session.notes"}')
check "an administrator erases the notes (200)" "$st-$(jget 'j["erased"]' < "$WORK/body")" = '200-["session.notes"]'
st=$(api DELETE "/api/v1/ledger/entries/$IN/text" "$ADM" '{"reason":"again"}')
check "erasing it again: 409 already-erased" "$st-$(ptype)" = "409-urn:raslog:problem:already-erased"
check "the erasure is in the audit log, without the text" \
	"$(grep '"event":"ledger.text.erase"' "$WORK/audit.log" | grep '"outcome":"ok"' | grep -c "\"ledger_index\":$IN")-$(grep -c 'Reflective note' "$WORK/audit.log")" = 1-0
check "the session's earlier version kept no notes either" \
	"$(sql "select count(*) from session_revisions where session_id = $SN and instr(fields, 'notes') > 0")-$(sql "select count(*) from session_revisions where session_id = $SN")" = 0-1
check "neither the text nor its salt is left in the database" \
	"$(sqlite3 "$DB" .dump | grep -c -e "$NOTES_SALT" -e 'Reflective note')" = 0
api GET "/api/v1/ledger/entries/$IN" "$TOKTE" >/dev/null
check "the entry now shows the notes as erased" "$(jget 'list(j["texts"]["session.notes"].keys())' < "$WORK/body")" = '["erased_at"]'
api GET "/api/v1/sessions/$SN" "$TOKTE" >/dev/null
check "the session has no notes any more, its sign-off says erased" \
	"$(jget '["notes" in j, "erased_at" in j["signoff"]["texts"]["session.notes"]]' < "$WORK/body")" = '[false, true]'
api GET "/api/v1/trainees/$TE/progress" "$FAC" >/dev/null; jget 'j' < "$WORK/body" > "$WORK/fig.after"
ok "no figure changed" cmp "$WORK/fig.before" "$WORK/fig.after"

# The operator erases the rejection reason.
"$RASLOGD" --db "$DB" erase-text "$IR" --reason "asked by the trainee" > "$WORK/op.json" 2>"$WORK/err"
check "raslogd erase-text erases the rejection reason and prints the audit record" \
	"$?-$(jget '[j["event"], j["by"], j["erased"]]' < "$WORK/op.json")" = '0-["ledger.text.erase", "operator", ["reason"]]'
check "  ...and the session's copy of the reason" "$(sql "select coalesce(reject_reason, 'none') from sessions where id = $REJ")" = none
check "  ...and the rejection mail's copy (outbox)" \
	"$(sql "select count(*) from outbox where idempotency_key = 'decision:$IR' and instr(body, 'Not at the console') = 0")" = 1
check "neither reason nor notes is left anywhere in the database" \
	"$(sqlite3 "$DB" .dump | grep -c -e 'Not at the console' -e 'Reflective note')" = 0
"$RASLOGD" --db "$DB" erase-text 0 --reason "x" > /dev/null 2>"$WORK/err"
check "erase-text on an entry without free text fails with one sentence" "$?-$(grep -c 'has no free text' "$WORK/err")" = 1-1

api GET "/api/v1/ledger?from=0&count=100000" "$FAC" >/dev/null; cp "$WORK/body" "$WORK/after.jsonl"
api GET /api/v1/ledger/head "$FAC" >/dev/null; cp "$WORK/body" "$WORK/head2.json"
check "the root is unchanged" "$(jget 'j["root_hash"]' < "$WORK/head2.json")" = "$ROOT"
ok "raslog verify passes after erasure" "$RASLOG" verify --file "$WORK/after.jsonl" --log-key "$LOGKEY" --head "$WORK/head2.json"
check "  ...counting both texts as erased" "$(grep -c '0 free texts match their commitments, 2 erased' "$WORK/out")" = 1
ok "node verify-ledger.mjs passes after erasure" node tests/js/verify-ledger.mjs "$WORK/after.jsonl" "$WORK/head2.json" "$LOGKEY"
ok "the web page's checker passes after erasure" node tests/js/check-export.mjs "$WORK/after.jsonl" "$WORK/head2.json" "$LOGKEY"
check "  ...showing both texts erased" "$(grep -c '0 texts match, 2 erased' "$WORK/out")" = 1
ok "raslog verify against the server passes" "$RASLOG" --token "$FAC" verify
ok "raslog audit still agrees with the server" "$RASLOG" --token "$FAC" audit

# The web page's reconciliation (web/js/figures.js) from the statements alone, for every trainee (issue 13 item 7).
ok "the web page's recomputed figures equal the server's for every trainee, erased texts and all" node tests/js/figures-check.mjs "$URL" "$FAC"
ok "  ...and a report with one figure inflated is named" node tests/js/figures-check.mjs "$URL" "$FAC" inflate
finish
