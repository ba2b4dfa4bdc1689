#!/bin/bash
# tests/api/73-programmes.sh - programmes and faculty oversight (issue 17
# items 3 and 4).  On the demo (two programmes), an admin creates a third,
# "Fixture", and puts a new faculty member and new trainees in it; the
# trainees log sessions naming two demo trainers, who sign them with the
# real signing path (statements signed with their keys), so the oversight
# figures of the Fixture faculty come only from this fixture.  The
# expected figures are computed here, independently, from the sessions'
# logged times and the signed_at each statement carries.  Also: programme
# CRUD and refusals, membership history, per-programme reminder thresholds,
# scoping, and the CSV columns.
. "$(dirname "$0")/../lib.sh"
JS="$(cd "$(dirname "$0")/../js" && pwd)"
KEYS="$WORK/keys"
demo_keys # tests/lib.sh: the demo, $WORK/keys, $WORK/people.jsonl; tok ID and pk_of ID
start_server
# Demo: 1 faculty (both programmes), 2 admin, 3..6 trainers, 7.. trainees.
TOKA=$(tok 2); TOKF=$(tok 1)

# ---- programmes --------------------------------------------------------------
api GET /api/v1/programmes "$TOKF" >/dev/null
check "the demo seeds two programmes" "$(jget '",".join(p["name"] for p in j["items"])' <"$WORK/body")" = "START North East,START South West"
st=$(api POST /api/v1/programmes "$TOKA" '{"name":"Fixture","reminder_days":35}')
check "an admin creates a programme (201)" "$st" = 201
P=$(jget 'j["id"]' <"$WORK/body")
n=$(sql "select count(*) from programmes")
for bad in '{}' '{"name":""}' '{"name":"fixture"}' '{"name":"X","reminder_days":-1}' '{"name":"X","reminder_count":"5"}' '{"name":"X","colour":"red"}'; do
	check "POST /programmes $bad is refused (400)" "$(api POST /api/v1/programmes "$TOKA" "$bad")" = 400
done
check "  ...nothing stored" "$(sql "select count(*) from programmes")" = "$n"
check "faculty cannot create one (403)" "$(api POST /api/v1/programmes "$TOKF" '{"name":"Mine"}')" = 403
check "PATCH renames (200)" "$(api PATCH /api/v1/programmes/$P "$TOKA" '{"name":"START Fixture"}')" = 200
check "  ...and GET shows it, thresholds kept" "$(api GET /api/v1/programmes/$P "$TOKF" >/dev/null; jget 'j["name"]+" "+str(j["reminder_days"])+" "+str(j["reminder_count"])' <"$WORK/body")" = "START Fixture 35 None"
check "PATCH of no programme is 404" "$(api PATCH /api/v1/programmes/987654 "$TOKA" '{"name":"Y"}')" = 404

# ---- people of the fixture ------------------------------------------------------
FF=$(add_user "Fiona Fixture" faculty); TOKFF=$(token_of "$FF")
X1=$(add_user "Xena One" trainee); X2=$(add_user "Xavier Two" trainee); X3=$(add_user "Xia Three" trainee)
X4=$(add_user "Xander Idle" trainee); X5=$(add_user "Xu Waiting" trainee)
for u in $FF $X1 $X2 $X3 $X4 $X5; do
	st=$(api PATCH "/api/v1/users/$u" "$TOKA" "{\"programme\":$P}")
	[ "$st" = 200 ] || echo "# PATCH $u: $st $(cat "$WORK/body")"
done
check "PATCH {programme} answers with it" "$(jget 'j["programme"]["name"]' <"$WORK/body")" = "START Fixture"
check "a trainee cannot hold two programmes (400)" "$(api PATCH "/api/v1/users/$X1" "$TOKA" "{\"programmes\":[$P,1]}")" = 400
check "an unknown programme is refused (400)" "$(api PATCH "/api/v1/users/$X1" "$TOKA" '{"programme":987654}')" = 400
check "a trainee cannot move themself (403)" "$(api PATCH "/api/v1/users/$X1" "$(token_of "$X1")" '{"programme":1}')" = 403
# A move keeps the history: X2 goes to programme 1 and back.
api PATCH "/api/v1/users/$X2" "$TOKA" '{"programme":1}' >/dev/null
api PATCH "/api/v1/users/$X2" "$TOKA" "{\"programme\":$P}" >/dev/null
api GET "/api/v1/users/$X2/programmes" "$TOKA" >/dev/null
check "the membership history keeps every move" "$(jget '" ".join(str(m["programme"])+("-" if m["until"] else "+") for m in j["items"])' <"$WORK/body")" = "$P- 1- $P+"
api GET "/api/v1/programmes/$P" "$TOKA" >/dev/null
check "the programme counts its members by role" "$(jget 'str(j["members"]["trainees"])+" "+str(j["members"]["faculty"])' <"$WORK/body")" = "5 1"

# ---- the fixture's sessions, signed by demo trainers 3 and 4 ----------------------
NECK=prostatectomy.bladder_neck_dissection
VUA=prostatectomy.vesicourethral_anastomosis
today=$(date -u +%F)
log() { # log TRAINEE TRAINER ROLE STEPS SITE -> session id
	b="{\"date\":\"$today\",\"minutes\":60,\"activity\":\"console_modular\",\"trainer\":$2,\"site\":\"$5\",\"procedure\":\"prostatectomy\""
	[ -n "$3" ] && b="$b,\"role\":\"$3\""
	[ -n "$4" ] && b="$b,\"steps\":$4"
	api POST /api/v1/sessions "$(token_of "$1")" "$b}" >/dev/null
	jget 'j["id"]' <"$WORK/body"
}
cat >"$WORK/stmt.py" <<'PY'
import json, sys, datetime
s = json.load(sys.stdin)
signer, key, decision, offset, role, steps = sys.argv[1:7]
certified = ["id","trainee","trainer","date","minutes","activity","platform","site","procedure","steps","role","notes","created_at"]
at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=int(offset))).strftime("%Y-%m-%dT%H:%M:%SZ")
st = {"v":1,"type":"session_signoff","signer":int(signer),"key":key,"signed_at":at,"decision":decision,
      "session":{k: s[k] for k in certified if s.get(k) is not None}}
if decision == "rejected": st["reason"] = "not as described"
if role: st["role"] = role
if steps: st["steps"] = json.loads(steps)
print(json.dumps(st))
PY
sign() { # sign SESSION TRAINER DECISION OFFSET_S [ROLE] [STEPS_JSON] -> status; the statement's signed_at = now + OFFSET_S
	api GET "/api/v1/sessions/$1" "$(tok "$2")" >/dev/null
	python3 "$WORK/stmt.py" "$2" "$(pk_of "$2")" "$3" "$4" "${5:-}" "${6:-}" <"$WORK/body" >"$WORK/st.json"
	node "$JS/sign.mjs" "$KEYS/user-$2.key" "$WORK/st.json" >"$WORK/st.signed"
	python3 -c "import json; print(json.load(open('$WORK/st.json'))['signed_at'])" >>"$WORK/signed_at.$1"
	api POST /api/v1/signoffs "$(tok "$2")" "$(cat "$WORK/st.signed")"
}
S1=$(log $X1 3 S-TS "[\"$NECK\",\"$VUA\"]" "Leeds Robotics Skills Lab")
S2=$(log $X1 3 P "[\"$NECK\"]" "Leeds Robotics Skills Lab")
S3=$(log $X2 3 S-TS "[\"$NECK\",\"$VUA\"]" "Bristol Surgical Simulation Centre")
S4=$(log $X2 4 "" "" "Bristol Surgical Simulation Centre")
S5=$(log $X3 4 A "[\"$VUA\"]" "Leeds Robotics Skills Lab")
S6=$(log $X3 4 S-TS "[\"$VUA\"]" "Leeds Robotics Skills Lab")
S7=$(log $X1 4 S-TS "[\"$NECK\"]" "Leeds Robotics Skills Lab")
S8=$(log $X2 3 P "[\"$NECK\"]" "Leeds Robotics Skills Lab")
S9=$(log $X5 3 P "[\"$NECK\"]" "Leeds Robotics Skills Lab")
check "setup: nine sessions logged" "$(echo $S1 $S2 $S3 $S4 $S5 $S6 $S7 $S8 $S9 | wc -w)" = 9
check "S1 signed as claimed (agree)" "$(sign $S1 3 confirmed 60 S-TS "[\"$NECK\",\"$VUA\"]")" = 201
check "S2 signed with another role (disagree)" "$(sign $S2 3 confirmed 120 S-TU "[\"$NECK\"]")" = 201
check "S3 signed with fewer steps (disagree)" "$(sign $S3 3 confirmed 180 S-TS "[\"$NECK\"]")" = 201
check "S4 signed, no role or steps either side (not compared)" "$(sign $S4 4 confirmed 30)" = 201
check "S5 signed as claimed (agree)" "$(sign $S5 4 confirmed 240 A "[\"$VUA\"]")" = 201
check "S6 rejected (decided, not compared)" "$(sign $S6 4 rejected 90)" = 201
# S7, S8, S9 stay pending.  The clock, simulated: X4 joined 40 days ago and never had anything signed;
# X5 joined 33 days ago and logged S9 then (over the global 30 days, under the programme's 35).
sql "update users set created_at = '$(date -u -d '-40 days' +%Y-%m-%dT%H:%M:%SZ)' where id = $X4"
sql "update users set created_at = '$(date -u -d '-33 days' +%Y-%m-%dT%H:%M:%SZ)' where id = $X5"
sql "update sessions set created_at = '$(date -u -d '-33 days' +%Y-%m-%dT%H:%M:%SZ)' where id = $S9"

# ---- expected figures, computed here -------------------------------------------------
for s in $S1 $S2 $S3 $S4 $S5 $S6; do
	printf '%s %s %s\n' "$s" "$(sql "select trainer_id || ' ' || created_at from sessions where id = $s")" "$(cat "$WORK/signed_at.$s")"
done >"$WORK/decided.txt"
expected_trainers=$(python3 - "$WORK/decided.txt" <<'PY'
import sys, math, datetime
t = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
by = {}
for line in open(sys.argv[1]):
    sid, trainer, created, signed = line.split()
    by.setdefault(int(trainer), []).append(int((t(signed) - t(created)).total_seconds()))
waiting = {3: 1, 4: 1}   # S8 (trainer 3) and S7 (trainer 4); S9 (trainer 3) too:
waiting[3] += 1
def rank(v, p):
    v = sorted(v); return v[max(1, math.ceil(p * len(v) / 100)) - 1]
out = []
for tr in sorted(by, key=lambda k: (-waiting.get(k, 0), k)):
    out.append(f"{tr}:{waiting.get(tr,0)}:{len(by[tr])}:{rank(by[tr],50)}:{rank(by[tr],90)}")
print(" ".join(out))
PY
)
api GET /api/v1/oversight/trainers "$TOKFF" >/dev/null
got=$(jget '" ".join("%d:%d:%d:%d:%d" % (r["trainer"], r["waiting"], r["decided"], r["median_seconds"], r["p90_seconds"]) for r in j["items"])' <"$WORK/body")
check "per trainer: waiting, decided, median and p90 as computed here ($expected_trainers)" "$got" = "$expected_trainers"

api GET /api/v1/oversight/agreement "$TOKFF" >/dev/null
cp "$WORK/body" "$WORK/agreement.json"
# Compared: S1 (agree), S2 (role differs), S3 (steps differ), S5 (agree); S4 names nothing, S6 is a rejection.
check "overall agreement: 2 of 4" "$(jget '"%d/%d" % (j["overall"]["agreed"], j["overall"]["compared"])' <"$WORK/agreement.json")" = "2/4"
check "per trainer: 3 agrees on 1 of 3, 4 on 1 of 1" \
	"$(jget '" ".join("%d:%d/%d" % (g["trainer"]["id"], g["agreed"], g["compared"]) for g in sorted(j["by_trainer"], key=lambda g: g["trainer"]["id"]))' <"$WORK/agreement.json")" = "3:1/3 4:1/1"
check "per site: Bristol 0 of 1, Leeds 2 of 3" \
	"$(jget '" ".join("%s:%d/%d" % (g["site"].split()[0], g["agreed"], g["compared"]) for g in j["by_site"])' <"$WORK/agreement.json")" = "Bristol:0/1 Leeds:2/3"
# Steps: NECK named in S1, S2, S3 (always on both sides); VUA in S1 (both), S3 (trainee only), S5 (both).
check "per step: bladder neck 3 of 3, anastomosis 2 of 3" \
	"$(jget '" ".join("%s:%d/%d" % (g["step"].split(".")[1], g["agreed"], g["compared"]) for g in j["by_step"])' <"$WORK/agreement.json")" = "bladder_neck_dissection:3/3 vesicourethral_anastomosis:2/3"
check "per programme: START Fixture 2 of 4" \
	"$(jget '" ".join("%s:%d/%d" % (g["programme"]["name"], g["agreed"], g["compared"]) for g in j["by_programme"])' <"$WORK/agreement.json")" = "START Fixture:2/4"
check "the disagreements listed: S2 (role) and S3 (steps)" \
	"$(jget '" ".join("%d:%s%s" % (d["session"], "r" if not d["role_agrees"] else "", "s" if not d["steps_agree"] else "") for d in j["disagreements"])' <"$WORK/agreement.json")" = "$S2:r $S3:s"

api GET /api/v1/oversight/stuck "$TOKFF" >/dev/null
check "stuck at the programme's 35 days: X4 only (joined 40 days ago, nothing signed)" \
	"$(jget '" ".join("%d:%s" % (r["trainee"], ",".join(r["reasons"])) for r in j["items"])' <"$WORK/body")" = "$X4:no-signed-activity"
api GET "/api/v1/oversight/stuck?days=30" "$TOKFF" >/dev/null
check "stuck at 30 days: X4, and X5 (joined 33 days ago, a session waiting 33)" \
	"$(jget '" ".join("%d:%s" % (r["trainee"], ",".join(r["reasons"])) for r in j["items"])' <"$WORK/body")" = "$X4:no-signed-activity $X5:no-signed-activity,pending-too-long"
check "?days=0 is refused (400)" "$(api GET "/api/v1/oversight/stuck?days=0" "$TOKFF")" = 400

# ---- scope ---------------------------------------------------------------------------
api GET /api/v1/oversight/agreement "$TOKF" >/dev/null
check "the demo's faculty (not in START Fixture) see none of the fixture's disagreements" \
	"$(jget 'len([d for d in j["disagreements"] if d["session"] in ('$S2', '$S3')])' <"$WORK/body")" = 0
api GET /api/v1/oversight/trainers "$TOKF" >/dev/null
check "  ...nor its waiting sessions" "$(jget 'sum(r["waiting"] for r in j["items"])' <"$WORK/body")" = "$(sql "select count(*) from sessions where status = 'pending' and trainee_id between 7 and 14")"
api GET /api/v1/accreditation "$TOKFF" >/dev/null
check "the Fixture faculty's accreditation view holds exactly its five trainees" "$(jget 'sorted(x["id"] for x in j["items"])' <"$WORK/body")" = "[$X1, $X2, $X3, $X4, $X5]"
api GET /api/v1/sites "$TOKFF" >/dev/null
check "the sites report counts only the fixture's signed sessions (S1-S5)" "$(jget 'sum(r["sessions"] for s in j["items"] for r in s["rows"])' <"$WORK/body")" = 5
IDX=$(sql "select signoff_index from sessions where id = $S2")
api GET "/api/v1/ledger/entries/$IDX" "$TOKF" >/dev/null
check "faculty of another programme get S2's sign-off redacted in the ledger" "$(jget '"message" in j' <"$WORK/body")" = False
api GET "/api/v1/ledger/entries/$IDX" "$TOKFF" >/dev/null
check "  ...the Fixture faculty get it whole" "$(jget '"message" in j' <"$WORK/body")" = True
check "faculty of another programme cannot export X1's records (404)" "$(api GET "/api/v1/trainees/$X1/export" "$TOKF")" = 404
check "  ...the Fixture faculty can (200)" "$(api GET "/api/v1/trainees/$X1/export" "$TOKFF")" = 200
check "faculty of another programme cannot read X1's progress (404)" "$(api GET "/api/v1/trainees/$X1/progress" "$TOKF")" = 404
check "  ...the Fixture faculty can (200)" "$(api GET "/api/v1/trainees/$X1/progress" "$TOKFF")" = 200

# ---- CSV ----------------------------------------------------------------------------------
csv() { curl -s -H "Authorization: Bearer $TOKFF" "$URL$1"; }
check "trainers CSV columns" "$(csv '/api/v1/oversight/trainers?format=csv' | head -1 | tr -d '\r')" = "trainer,name,waiting,oldest_waiting_since,decided,median_seconds,p90_seconds"
check "  ...one row per trainer" "$(csv '/api/v1/oversight/trainers?format=csv' | tail -n +2 | wc -l)" = 2
check "agreement CSV columns" "$(csv '/api/v1/oversight/agreement?format=csv' | head -1 | tr -d '\r')" = "group,key,compared,agreed,rate"
check "  ...its overall row" "$(csv '/api/v1/oversight/agreement?format=csv' | sed -n 2p | tr -d '\r')" = "overall,all,4,2,0.5000"
check "disagreements CSV columns" "$(csv '/api/v1/oversight/agreement?format=csv&part=disagreements' | head -1 | tr -d '\r')" = \
	"session,ledger_index,signed_at,trainee,trainee_name,trainer,site,programme,claimed_role,signed_role,claimed_steps,signed_steps"
check "  ...two rows" "$(csv '/api/v1/oversight/agreement?format=csv&part=disagreements' | tail -n +2 | wc -l)" = 2
check "stuck CSV columns" "$(csv '/api/v1/oversight/stuck?format=csv' | head -1 | tr -d '\r')" = \
	"trainee,name,programme,last_signed_at,oldest_pending_since,days_since_signed,waiting,threshold_days,reasons"
check "sites CSV columns" "$(csv '/api/v1/sites?format=csv' | head -1 | tr -d '\r')" = "site,month,activity,platform,signed_minutes,sessions,trainees,trainers"
check "a bad format is 400" "$(api GET '/api/v1/oversight/stuck?format=xml' "$TOKFF")" = 400

# ---- per-programme reminder thresholds --------------------------------------------------------
# Trainer 6 (demo, South West) is put in START Fixture alone with reminder_count 1: two sessions waiting remind them.
api PATCH "/api/v1/users/6" "$TOKA" "{\"programmes\":[$P]}" >/dev/null
"$RASLOGD" --db "$DB" notify --now >/dev/null 2>&1
before=$(sql "select count(*) from outbox where idempotency_key like 'reminder:6:%'")
S10=$(log $X3 6 "" "" "Leeds Robotics Skills Lab"); S11=$(log $X4 6 "" "" "Leeds Robotics Skills Lab")
"$RASLOGD" --db "$DB" notify --now >/dev/null 2>&1
check "two waiting, the global threshold 25: no reminder" "$(sql "select count(*) from outbox where idempotency_key like 'reminder:6:%'")" = "$before"
api PATCH "/api/v1/programmes/$P" "$TOKA" '{"reminder_count":1}' >/dev/null
"$RASLOGD" --db "$DB" notify --now >/dev/null 2>&1
check "the programme's threshold 1: trainer 6 is reminded" "$(sql "select count(*) from outbox where idempotency_key like 'reminder:6:%'")" = "$((before + 1))"
finish
