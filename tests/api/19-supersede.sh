#!/bin/bash
# tests/api/19-supersede.sh - signed records are never edited (issue 16
# item 1, the signed half; docs/ledger.md rule 9): a trainer corrects their
# own assessment or module completion with a new statement naming it in
# "supersedes", and the signer (or faculty) withdraws a sign-off,
# assessment or module completion with a signoff_withdrawal.  Figures
# follow (the old one counts nowhere, a withdrawn session is pending again,
# in the trainer's queue and the trainee's history); another trainer cannot
# supersede someone else's record, nothing is superseded or withdrawn twice;
# raslog verify and raslog audit (online, and offline from the export) agree.
. "$(dirname "$0")/../lib.sh"

start_server --auth-failures 1000
mk T "Tia Trainee" trainee
mk R "Rob Trainer" trainer
mk R2 "Ria Trainer" trainer
mk F "Fay Faculty" faculty
tokT=$(token_of "$T"); tokR=$(token_of "$R"); tokR2=$(token_of "$R2"); tokF=$(token_of "$F")
yesterday=$(date -u -d yesterday +%F)

# Each person's signing key in a directory of their own.
as() { who=$1; shift; env XDG_DATA_HOME="$WORK/xdg-$who" RASLOG_TOKEN="$(eval echo "\$tok$who")" "$RASLOG" "$@" </dev/null; }
for p in R R2; do as "$p" key generate >/dev/null 2>&1; as "$p" key register >/dev/null 2>&1; done
FPK=$(as F key generate 2>/dev/null)
"$RASLOGD" --db "$DB" faculty-key add "$F" "$FPK" >/dev/null 2>&1
as F trainer accredit "$R" --until 2099-12-31 --yes >/dev/null 2>&1
as F trainer accredit "$R2" --until 2099-12-31 --yes >/dev/null 2>&1

logs() { # logs TRAINER MINUTES -> session id
	api POST /api/v1/sessions "$tokT" "{\"date\":\"$yesterday\",\"minutes\":$2,\"activity\":\"simulator\",\"trainer\":$1}" >/dev/null
	jget 'j["id"]' <"$WORK/body"
}
idx() { jget 'j["ledger_index"]' <"$WORK/out"; }
# progress: the full report from the ledger (/evidence); figure: the served figure (/progress, from the caches)
progress() { api GET "/api/v1/trainees/$T/evidence" "$tokF" >/dev/null; jget "$1" <"$WORK/body"; }
figure() { api GET "/api/v1/trainees/$T/evidence" "$tokF" >/dev/null; jget "[r['signed'] for m in j['modules'] for r in m['requirements'] if r['key']=='$1'][0]" <"$WORK/body"; }
status_of() { api GET "/api/v1/sessions/$1" "$tokT" >/dev/null; jget 'j["status"]' <"$WORK/body"; }

S=$(logs "$R" 90)
as R sign "$S" --yes --json >"$WORK/out" 2>/dev/null
SO=$(idx)
check "setup: R signs session $S (ledger index $SO)" -n "$SO"
vr1=$(figure simulator_proficiency/vr_time)
check "setup: its 90 minutes count" "$vr1" = 90

# ---- an assessment corrected by its signer -------------------------------------------
as R assess --session "$S" --tool gears --scores 2,2,2,2,2,2 --yes --json >"$WORK/out" 2>/dev/null
A1=$(idx)
check "R assesses session $S (ledger index $A1)" -n "$A1"
check "the progress report lists it" "$(progress '[a["ledger_index"] for a in j["assessments"]]')" = "[$A1]"
as R assess --session "$S" --tool gears --scores 3,3,3,3,3,3 --yes >/dev/null 2>"$WORK/err"
check "a second assessment without --supersedes is refused (exit 1), saying how to correct" \
	"$?:$(grep -c -- '--supersedes' "$WORK/err")" = "1:1"
as R assess --session "$S" --tool gears --scores 4,4,4,5,4,4 --supersedes "$A1" --yes --json >"$WORK/out" 2>"$WORK/err"
A2=$(idx)
check "R corrects it with --supersedes $A1 (ledger index $A2)" -n "$A2"
check "the statement names the one it supersedes" \
	"$(api GET "/api/v1/ledger/entries/$A2" "$tokF" >/dev/null; jget 'j["statement"]["supersedes"]' <"$WORK/body")" = "$A1"
check "the CLI said so in words" "$(grep -c "replaces my assessment at ledger index $A1" "$WORK/err")" = 1
check "only the correction counts: the report lists it alone, with the new total" \
	"$(progress '[[a["ledger_index"], a["total"]] for a in j["assessments"]]')" = "[[$A2, 25]]"
check "the record table holds the correction alone" \
	"$(sql "select group_concat(ledger_index) from assessments where session_id = $S")" = "$A2"
check "the superseded entry is still in the ledger" \
	"$(api GET "/api/v1/ledger/entries/$A1" "$tokF" >/dev/null; jget 'j["statement"]["type"]' <"$WORK/body")" = assessment

# another trainer cannot supersede it; nothing is superseded twice
S2=$(logs "$R2" 30)
as R2 sign "$S2" --yes >/dev/null 2>&1
before=$(sql "select count(*) from ledger")
as R2 assess --session "$S2" --tool gears --scores 5,5,5,5,5,5 --supersedes "$A2" --yes >/dev/null 2>"$WORK/err"
check "R2 superseding R's assessment: refused (exit 1)" "$?" = 1
check "... because only its signer corrects it" "$(grep -c 'only its signer corrects it' "$WORK/err")" = 1
as R assess --session "$S" --tool gears --scores 5,5,5,5,5,5 --supersedes "$A1" --yes >/dev/null 2>"$WORK/err"
check "superseding $A1 a second time: refused" "$?" = 1
check "... it was already superseded at $A2" "$(grep -c "already superseded at ledger index $A2" "$WORK/err")" = 1
as R assess --session "$S" --tool gears --scores 5,5,5,5,5,5 --supersedes "$SO" --yes >/dev/null 2>"$WORK/err"
check "--supersedes naming a session sign-off: refused, holds no assessment" "$(grep -c 'holds no assessment' "$WORK/err")" = 1
api POST /api/v1/signoffs "$tokR" '{"statement":{"v":1,"type":"assessment","supersedes":"7"},"signature":"x"}' >/dev/null
check "a non-integer supersedes: 400 naming the member" "$(jget '"statement.supersedes" in json.dumps(j)' <"$WORK/body")" = True
check "none of these wrote to the ledger" "$(sql "select count(*) from ledger")" = "$before"

# ---- a module completion corrected ------------------------------------------------------
as R module complete --trainee "$T" --module robotic_literacy --yes --json >"$WORK/out" 2>/dev/null
M1=$(idx)
check "R signs module robotic_literacy (ledger index $M1)" "$(figure robotic_literacy/certificate)" = 1
as R module complete --trainee "$T" --module robotic_literacy --supersedes "$M1" --yes --json >"$WORK/out" 2>/dev/null
M2=$(idx)
check "R corrects it (ledger index $M2): still one completion" "$(figure robotic_literacy/certificate)" = 1
check "the evidence is the correction" \
	"$(progress "[e['ledger_index'] for m in j['modules'] for r in m['requirements'] if r['key']=='robotic_literacy/certificate' for e in r['evidence']]")" = "[$M2]"

# ---- withdrawals -------------------------------------------------------------------------
as R signoff withdraw "$SO" --reason "signed the wrong session" --yes >/dev/null 2>"$WORK/err"
check "withdrawing a sign-off whose session has a counting assessment: refused, naming it" \
	"$?:$(grep -c "ledger index $A2" "$WORK/err")" = "1:1"
as R2 signoff withdraw "$A2" --reason "not mine" --yes >/dev/null 2>"$WORK/err"
check "another trainer (not faculty) cannot withdraw R's assessment (exit 4, forbidden)" "$?:$(grep -c 'only its signer or faculty' "$WORK/err")" = "4:1"
as R signoff withdraw "$A2" --reason "assessed the wrong case" --yes --json >"$WORK/out" 2>/dev/null
W1=$(idx)
check "R withdraws their assessment $A2 (ledger index $W1)" -n "$W1"
check "no assessment counts any more" "$(progress 'len(j["assessments"])')" = 0
as R signoff withdraw "$A2" --reason "again" --yes >/dev/null 2>"$WORK/err"
check "withdrawing it twice: refused" "$?:$(grep -c "already withdrawn at ledger index $W1" "$WORK/err")" = "1:1"
as R signoff withdraw "$SO" --reason "signed the wrong session" --yes --json >"$WORK/out" 2>"$WORK/err"
W2=$(idx)
check "R withdraws the sign-off of session $S (ledger index $W2)" -n "$W2"
check "the CLI said the session returns to pending" "$(grep -c 'returns to pending' "$WORK/err")" = 1
check "its minutes count no more" "$(figure simulator_proficiency/vr_time)" = $((vr1 - 90 + 30))
check "the session is pending again" "$(status_of "$S")" = pending
check "... and counts as a pending claim" "$(progress "[p['session'] for p in j['pending']]" | grep -c "$S")" = 1
api GET "/api/v1/sessions?waiting_for_me=1" "$tokR" >/dev/null
check "it is back in R's queue" "$(jget "[s['id'] for s in j['items']].count($S)" <"$WORK/body")" = 1
api GET "/api/v1/sessions?trainee=$T" "$tokT" >/dev/null
check "and in the trainee's history" "$(jget "[s['status'] for s in j['items'] if s['id']==$S]" <"$WORK/body")" = '["pending"]'
as R signoff withdraw "$SO" --reason "again" --yes >/dev/null 2>"$WORK/err"
check "withdrawing the sign-off twice: refused" "$?" = 1
as R sign "$S" --yes --json >"$WORK/out" 2>/dev/null
SO2=$(idx)
check "R signs the session again (ledger index $SO2): it counts once" \
	"$SO2:$(figure simulator_proficiency/vr_time)" = "$SO2:$((vr1 + 30))"

# Faculty withdraw another trainer's sign-off; a trainer who did not sign it cannot.
SO3=$(sql "select signoff_index from sessions where id = $S2")
as R signoff withdraw "$SO3" --reason "not mine" --yes >/dev/null 2>&1
check "R cannot withdraw R2's sign-off (exit 4)" "$?" = 4
as F signoff withdraw "$SO3" --reason "logged against the wrong trainee" --yes >/dev/null 2>&1
check "faculty withdraw R2's sign-off" "$?:$(status_of "$S2")" = "0:pending"
check "and its 30 minutes count no more" "$(figure simulator_proficiency/vr_time)" = 90

# ---- the verifier and the audit ------------------------------------------------------------
ok "raslog verify accepts the corrections" as F verify
as F audit >"$WORK/audit.out" 2>&1
check "online audit agrees with the server" "$?" = 0
LOGKEY=$(curl -s -H "Authorization: Bearer $tokF" "$URL/api/v1/ledger/key" | jget 'j["public_key"]')
curl -s -H "Authorization: Bearer $tokF" "$URL/api/v1/ledger?count=100000" >"$WORK/export.jsonl"
curl -s -H "Authorization: Bearer $tokF" "$URL/api/v1/ledger/head" >"$WORK/head.json"
"$RASLOG" audit --file "$WORK/export.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" --json >"$WORK/offline.json"
check "offline audit of the export verifies" "$?" = 0
api GET "/api/v1/trainees/$T/evidence" "$tokF" >/dev/null
/usr/bin/python3 - "$WORK/offline.json" "$WORK/body" "$T" >"$WORK/cmp" <<'PY'
import json, sys
off = {t["trainee"]: t["report"] for t in json.load(open(sys.argv[1]))["trainees"]}
srv = json.load(open(sys.argv[2]))
led = off[int(sys.argv[3])]
def view(r):
    return (r["status"], {q["key"]: q["signed"] for m in r["modules"] for q in m["requirements"]})
# the offline view is the progress report (figures and statuses), not the evidence: no assessments list
print("same" if view(led) == view(srv) and "assessments" not in led else "differ %r %r" % (view(led), view(srv)))
PY
check "offline figures equal the server's" "$(cat "$WORK/cmp")" = same

# The Node recipe for the key chain (docs/ledger.md section 2) follows the corrections too.
node tests/js/key-chain.mjs "$WORK/export.jsonl" "$LOGKEY" >"$WORK/kc.out" 2>&1
check "key-chain.mjs accepts the corrections" "$?" = 0
python3 - "$WORK/export.jsonl" "$A2" "$R2" >"$WORK/forged.jsonl" <<'PY'
import json, sys
# The superseding assessment, claimed by another trainer: its signature breaks (the signer is signed).
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["index"] == int(sys.argv[2]):
        e["message"] = e["message"].replace('"signer":', '"signer":%s,"x":' % sys.argv[3], 1)
    print(json.dumps(e, separators=(",", ":")))
PY
"$RASLOG" verify --file "$WORK/forged.jsonl" --log-key "$LOGKEY" >/dev/null 2>"$WORK/err"
check "a supersession re-attributed to another trainer fails raslog verify at that entry" \
	"$?:$(grep -c "entry $A2 is bad" "$WORK/err")" = "1:1"

# The web page's checker (web/js/verify.js) verifies the corrections the progress report names
# and fails an evidence row they retired, whatever the server lists.
api GET "/api/v1/trainees/$T/evidence" "$tokF" >/dev/null
cp "$WORK/body" "$WORK/progress.json"
node tests/js/check-corrections.mjs "$WORK/progress.json" "$WORK/export.jsonl" "$A1" "$A2" "$SO2" >"$WORK/cc.out" 2>"$WORK/cc.err"
check "the page verifies every correction the report names" \
	"$?:$(grep -c '^retired ' "$WORK/cc.out")" = "0:$(jget 'len(j["corrections"])' <"$WORK/progress.json")"
check "... the superseded assessment, were it shown, fails" "$(grep -c "^$A1 failed: .*superseded at ledger entry $A2" "$WORK/cc.out")" = 1
check "... the withdrawn one too" "$(grep -c "^$A2 failed: .*withdrawn at ledger entry $W1" "$WORK/cc.out")" = 1
check "... the new sign-off counts" "$(grep -c "^$SO2 counts" "$WORK/cc.out")" = 1
/usr/bin/python3 - "$WORK/progress.json" "$A2" <<'PY' >"$WORK/lie.json"
import json, sys
p = json.load(open(sys.argv[1]))
p["corrections"] = [{"ledger_index": c["ledger_index"], "retires": int(sys.argv[2]) if c["retires"] != int(sys.argv[2]) else c["retires"]} for c in p["corrections"]]
print(json.dumps(p))
PY
node tests/js/check-corrections.mjs "$WORK/lie.json" "$WORK/export.jsonl" >/dev/null 2>&1
check "a report naming a correction for an entry it does not retire: the page says it does not verify" "$?" = 1

# A withdrawal taken out of the export: the signed head no longer matches.
grep -v "\"index\":$W2," "$WORK/export.jsonl" >"$WORK/cut.jsonl"
"$RASLOG" verify --file "$WORK/cut.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" >/dev/null 2>&1
check "an export without the withdrawal fails raslog verify" "$?" = 1

finish
