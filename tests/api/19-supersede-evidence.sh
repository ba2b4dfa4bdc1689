#!/bin/bash
# tests/api/19-supersede-evidence.sh - the accreditation names its evidence
# (issue 13 item 2's last sentence; docs/ledger.md, accreditation "v":2):
# the ledger indexes of the statements it relied on and the curriculum's
# content hash.  On the demo programme every accreditation names them and
# they suffice (raslog audit); forged accreditations naming evidence that
# is not the trainee's, or another curriculum, fail raslog verify; one
# naming too little verifies but fails raslog audit; an old "v":1
# accreditation still verifies; the server takes only "v":2.
. "$(dirname "$0")/../lib.sh"

"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" > "$WORK/people.jsonl" 2>/dev/null
start_server
FAC=$(field "Amelia Hart" token); FID=$(field "Amelia Hart" id)
LOGKEY=$(curl -s -H "Authorization: Bearer $FAC" "$URL/api/v1/ledger/key" | jget 'j["public_key"]')
curl -s -H "Authorization: Bearer $FAC" "$URL/api/v1/ledger?count=100000" > "$WORK/export.jsonl"
curl -s -H "Authorization: Bearer $FAC" "$URL/api/v1/ledger/head" > "$WORK/head.json"

/usr/bin/python3 - "$WORK/export.jsonl" > "$WORK/accs" <<'PY'
import json, sys
P = "RASLOG-STATEMENT-v1\n"
entries = [json.loads(l) for l in open(sys.argv[1])]
st = {e["index"]: json.loads(e["message"][len(P):]) for e in entries if "message" in e}
enrol = {}
for i in sorted(st):
    s = st[i]
    if s["type"] == "enrolment":
        enrol[s["trainee"]] = s["curriculum"]["sha256"]
    if s["type"] == "accreditation":
        ev = s.get("evidence", [])
        who = lambda t: t["trainee"] if "trainee" in t else t["import"]["trainee"] if "import" in t else t["session"]["trainee"]
        about = all(who(st[x]) == s["trainee"] for x in ev)
        print(s["v"], s["trainee"], len(ev), ev == sorted(set(ev)), about,
              s["curriculum"].get("sha256") == enrol.get(s["trainee"]))
PY
check "the demo's accreditations ($(wc -l < "$WORK/accs")) are version 2" "$(cut -d' ' -f1 "$WORK/accs" | sort -u)" = 2
check "each names evidence, ascending, all about its trainee, and its trainee's curriculum content" \
	"$(awk '$3 > 0 && $4 == "True" && $5 == "True" && $6 == "True"' "$WORK/accs" | wc -l)" = "$(wc -l < "$WORK/accs")"
ok "raslog verify accepts them" "$RASLOG" verify --file "$WORK/export.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json"
"$RASLOG" audit --file "$WORK/export.jsonl" --log-key "$LOGKEY" --head "$WORK/head.json" --json > "$WORK/off.json"
check "offline audit: every accreditation's evidence meets every requirement (exit 0)" "$?:$(jget \
	'sorted(set(t["accreditation_evidence"]["sufficient"] for t in j["trainees"] if "accreditation_evidence" in t))' \
	< "$WORK/off.json")" = "0:[true]"
"$RASLOG" --token "$FAC" audit > /dev/null 2>&1
check "online audit agrees" "$?" = 0

# Forged accreditations, signed with the faculty key itself, appended to the export.
# forge MUTATION -> the export plus one accreditation of an in-training trainee, in $WORK/forged.jsonl
IN_TRAINING=$(sql "select trainee_id from trainee_status where status = 'in_training' order by trainee_id limit 1")
forge() {
	/usr/bin/python3 - "$WORK/export.jsonl" "$IN_TRAINING" "$FID" "$1" > "$WORK/stmt.json" <<'PY'
import json, sys, datetime
P = "RASLOG-STATEMENT-v1\n"
entries = [json.loads(l) for l in open(sys.argv[1])]
st = {e["index"]: json.loads(e["message"][len(P):]) for e in entries if "message" in e}
trainee, fac, how = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
key = next(s["public_key"] for s in st.values() if s["type"] == "faculty_key" and s["faculty"] == fac)
mine = [i for i in sorted(st) if st[i]["type"] == "session_signoff" and st[i]["decision"] == "confirmed"
        and st[i]["session"]["trainee"] == trainee]
other = [i for i in sorted(st) if st[i]["type"] == "session_signoff" and st[i]["session"]["trainee"] != trainee]
enr = [s for i, s in sorted(st.items()) if s["type"] == "enrolment" and s["trainee"] == trainee][-1]["curriculum"]
cur = {"code": enr["code"], "version": enr["version"], "sha256": enr["sha256"]}
s = {"v": 2, "type": "accreditation", "signer": fac, "key": key, "trainee": trainee, "decision": "accredited",
     "signed_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
     "curriculum": cur, "evidence": mine[:1]}
if how == "other":
    s["evidence"] = sorted(mine[:1] + other[:1])
elif how == "sha":
    s["curriculum"]["sha256"] = "0" * 64
elif how == "v1":
    s["v"] = 1; del s["evidence"]; del s["curriculum"]["sha256"]
print(json.dumps(s))
PY
	node tests/js/sign.mjs "$WORK/keys/user-$FID.key" "$WORK/stmt.json" > "$WORK/signed.json" || return 1
	n=$(wc -l < "$WORK/export.jsonl")
	/usr/bin/python3 - "$WORK/signed.json" "$n" > "$WORK/line" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
msg = "RASLOG-STATEMENT-v1\n" + json.dumps(b["statement"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
print(json.dumps({"index": int(sys.argv[2]), "message": msg, "public_key": b["statement"]["key"], "signature": b["signature"]}))
PY
	cat "$WORK/export.jsonl" "$WORK/line" > "$WORK/forged.jsonl"
}
forge too-little
ok "an accreditation naming too little evidence still verifies (it exists and is the trainee's)" \
	"$RASLOG" verify --file "$WORK/forged.jsonl" --log-key "$LOGKEY"
"$RASLOG" audit --file "$WORK/forged.jsonl" --log-key "$LOGKEY" > "$WORK/out" 2> "$WORK/err"
check "... but raslog audit says it does not meet every requirement (exit 1)" \
	"$?:$(grep -c 'does NOT meet every requirement' "$WORK/out"):$(grep -c 'evidence that does not meet' "$WORK/err")" = "1:1:1"
forge other
"$RASLOG" verify --file "$WORK/forged.jsonl" --log-key "$LOGKEY" > /dev/null 2> "$WORK/err"
check "evidence naming another trainee's sign-off fails raslog verify" \
	"$?:$(grep -c "no sign-off, assessment, module completion or import about trainee $IN_TRAINING" "$WORK/err")" = "1:1"
forge sha
"$RASLOG" verify --file "$WORK/forged.jsonl" --log-key "$LOGKEY" > /dev/null 2> "$WORK/err"
check "another curriculum content hash than the enrolment's fails raslog verify" \
	"$?:$(grep -c 'latest enrolment names' "$WORK/err")" = "1:1"
forge v1
ok "an old version 1 accreditation (no evidence named) still verifies" \
	"$RASLOG" verify --file "$WORK/forged.jsonl" --log-key "$LOGKEY"
st=$(api POST /api/v1/signoffs "$FAC" "$(cat "$WORK/signed.json")")
check "the server takes only version 2: a version 1 accreditation is 400 on statement.v" \
	"$st:$(jget '"statement.v" in json.dumps(j)' < "$WORK/body")" = "400:True"

finish
