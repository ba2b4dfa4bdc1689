#!/bin/bash
# tests/api/93-certificates.sh - e-learning certificates (issue 19 item 3,
# docs/imports.md): a trainee uploads an Open Badges 3.0 credential whose
# eddsa-jcs-2022 proof verifies (signed by Digital Bazaar's library,
# tests/js/make-certificates.mjs), one that cannot be verified (kept,
# marked unverified in the API and the CLI) and an xAPI statement; the same
# file twice and bad files are refused with nothing stored.  A trainer who
# supervises the trainee, or faculty, confirms or rejects each with a
# signed elearning_confirmation; an unassigned trainer and the trainee
# cannot; an unverified one is confirmed only with --unverified-ok, which
# the statement records.  The default curriculum's elearning requirement
# is met only once its certificate is confirmed; raslog verify and raslog
# audit agree, and the audit sees a certificate file changed afterwards.
. "$(dirname "$0")/../lib.sh"
DATA=tests/data/imports

mk() { add_user "$2" "$3" >"$WORK/id" || { echo "# user add failed"; exit 1; }; eval "$1=\$(cat \"\$WORK/id\")"; }
start_server --auth-failures 1000
mk T "Cora Trainee" trainee
mk R "Rex Trainer" trainer
mk R2 "Una Trainer" trainer
mk F "Fern Faculty" faculty
tokT=$(token_of "$T"); tokR=$(token_of "$R"); tokR2=$(token_of "$R2"); tokF=$(token_of "$F")

as() { who=$1; shift; env XDG_DATA_HOME="$WORK/xdg-$who" RASLOG_TOKEN="$(eval echo "\$tok$who")" "$RASLOG" "$@" </dev/null; }
for p in R R2 T; do as "$p" key generate >/dev/null 2>&1; as "$p" key register >/dev/null 2>&1; done
FPK=$(as F key generate 2>/dev/null)
"$RASLOGD" --db "$DB" faculty-key add "$F" "$FPK" >/dev/null 2>&1
as F trainer accredit "$R" --until 2099-12-31 --yes >/dev/null 2>&1
as F trainer accredit "$R2" --until 2099-12-31 --yes >/dev/null 2>&1
st=$(api POST /api/v1/assignments "$tokF" "{\"trainer\":$R,\"trainee\":$T}")
check "setup: faculty assign R to the trainee (201)" "$st" = 201

count() { sql "SELECT count(*) FROM imports"; }
figure() { api GET "/api/v1/trainees/$T/evidence" "$tokF" >/dev/null; jget "[r['signed'] for m in j['modules'] for r in m['requirements'] if r['key']=='$1'][0]" <"$WORK/body"; }
served() { api GET "/api/v1/trainees/$T/progress" "$tokF" >/dev/null; jget "[r['signed'] for m in j['modules'] for r in m['requirements'] if r['key']=='$1'][0]" <"$WORK/body"; }
# upload FILE [TOKEN] [EXTRA JSON MEMBERS] -> status (reply in $WORK/body)
upload() {
	python3 -c 'import json,sys,base64,os
b={"kind":"certificate","filename":os.path.basename(sys.argv[1]),"content_base64":base64.b64encode(open(sys.argv[1],"rb").read()).decode()}
b.update(json.loads(sys.argv[2] or "{}"))
print(json.dumps(b))' "$1" "${3:-}" >"$WORK/upload.json"
	curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "Authorization: Bearer ${2:-$tokT}" \
		-H 'Content-Type: application/json' --data-binary @"$WORK/upload.json" "$URL/api/v1/imports"
}

check "the trainee is enrolled on ras-core version 3" \
	"$(api GET "/api/v1/trainees/$T/progress" "$tokF" >/dev/null; j 'j["curriculum"]["code"]+"-v"+str(j["curriculum"]["version"])')" = ras-core-v3
check "its robotic_literacy/frs_online requirement is kind elearning, naming issuer and achievement" \
	"$(j '[r["kind"]+" "+r["issuer"]+" "+r["achievement"] for m in j["modules"] for r in m["requirements"] if r["key"]=="robotic_literacy/frs_online"][0]')" = \
	"elearning https://www.frsurgery.org https://www.frsurgery.org/achievements/frs-online-modules"

# ------------------------------------------------------------ uploads
as T import certificate "$DATA/badge-verified.json" --trainer "$R" --json >"$WORK/out" 2>"$WORK/err"
check "raslog import certificate (verified OB3): exit 0" "$?" = 0
ID_V=$(jget 'j["id"]' <"$WORK/out")
check "... an open_badge, verified, pending, by the file's SHA-256" \
	"$(jget 'j["certificate"]["kind"]+" "+str(j["verified"])+" "+j["status"]+" "+j["sha256"]' <"$WORK/out")" = \
	"open_badge True pending $(sha256sum "$DATA/badge-verified.json" | cut -c1-64)"
check "... issuer (its did:key), achievement, completion date and result as read" \
	"$(jget 'j["certificate"]["issuer"][:16]+" "+j["certificate"]["achievement"]+" "+j["certificate"]["completed_on"]+" "+j["certificate"]["result"]' <"$WORK/out")" = \
	"did:key:z6MknpKi https://academy.example/achievements/ras-101 2025-02-01 awarded"
as T import certificate "$DATA/badge-verified.json" >"$WORK/out" 2>&1
check "the same file again: refused (exit 1) as a duplicate" "$?:$(grep -c 'already imported' "$WORK/out")" = "1:1"

st=$(upload "$DATA/badge-unverified.json")
check "POST /imports kind certificate (OB3 under a did:web key): 201" "$st" = 201
ID_U=$(j 'j["id"]')
check "... kept and marked unverified, with the reason" \
	"$(j 'str(j["verified"])+" "+str(j["certificate"]["verified"])+" | "+j["certificate"]["verification"]')" = \
	"False False | its key is not a did:key (other methods need the network to resolve)"
check "... no trainer named: null" "$(j 'j["trainer"]')" = None
st=$(upload "$DATA/xapi-passed.json")
check "an xAPI passed statement: 201, kind xapi, unverified, result with its score" \
	"$st $(j 'j["certificate"]["kind"]+" "+str(j["verified"])+" "+j["certificate"]["result"]')" = "201 xapi False passed, score 92%"
ID_X=$(j 'j["id"]')
as T imports >"$WORK/out" 2>&1
check "raslog imports marks the unverified ones UNVERIFIED" "$(grep -c 'UNVERIFIED' "$WORK/out")" = 2
as T imports --json >/dev/null 2>&1
as R import confirm "$ID_U" --yes >"$WORK/out" 2>&1
check "confirming an unverified certificate without --unverified-ok: refused (exit 1), saying UNVERIFIED" \
	"$?:$(grep -c 'UNVERIFIED' "$WORK/out")" = "1:1"

# ------------------------------------------------------------ bad files store nothing
n0=$(count)
printf '\x89PNG\r\n\x1a\n\x00\x00junk' >"$WORK/junk.json"
st=$(upload "$WORK/junk.json")
check "binary junk: 400 problem+json" "$st" = 400
echo '{"type":["VerifiableCredential"],"credentialSubject":{"achievement":{"id":"x"}},"validFrom":"2025-01-01T00:00:00Z"}' >"$WORK/noissuer.json"
st=$(upload "$WORK/noissuer.json")
check "a credential with no issuer: 400 naming issuer" "$st $(j '" ".join(f["field"] for f in j["errors"])')" = "400 issuer"
python3 -c 'import json; x=json.load(open("'"$DATA"'/xapi-passed.json")); x["verb"]["id"]="http://adlnet.gov/expapi/verbs/attempted"; print(json.dumps(x))' >"$WORK/attempted.json"
st=$(upload "$WORK/attempted.json")
check "an xAPI statement that only attempted: 400 naming verb" "$st $(j '" ".join(f["field"] for f in j["errors"])')" = "400 verb"
python3 -c 'import json; x=json.load(open("'"$DATA"'/xapi-passed.json")); x["timestamp"]="2099-01-01T00:00:00Z"; print(json.dumps(x))' >"$WORK/future.json"
st=$(upload "$WORK/future.json")
check "a completion date in the future: 400 naming completed_on" "$st $(j '" ".join(f["field"] for f in j["errors"])')" = "400 completed_on"
python3 -c 'import json; x=json.load(open("'"$DATA"'/xapi-passed.json")); x["pad"]="x"*300000; print(json.dumps(x))' >"$WORK/big.json"
st=$(upload "$WORK/big.json")
check "a certificate over 256 KiB: 413" "$st" = 413
st=$(upload "$DATA/xapi-passed.json" "$tokT" '{"format":"csv"}')
check "format other than json: 400" "$st" = 400
st=$(upload "$DATA/xapi-passed.json" "$tokT" "{\"trainer\":$T}")
check "naming myself as the trainer: 400" "$st" = 400
st=$(upload "$DATA/xapi-passed.json" "$tokT" "{\"trainer\":$R2}")
check "naming a trainer who does not supervise me: 400 naming trainer" "$st $(j '" ".join(f["field"] for f in j["errors"])')" = "400 trainer"
check "nothing was stored from any of them" "$(count)" = "$n0"

# ------------------------------------------------------------ who may see and confirm
st=$(api GET /api/v1/imports/$ID_U "$tokR")
check "the assigned trainer reads the certificate (no trainer named on it)" "$st" = 200
check "... and finds it in their pending list" \
	"$(api GET '/api/v1/imports?status=pending' "$tokR" >/dev/null; j "sorted(i['id'] for i in j['items'])")" = "[$ID_V, $ID_U, $ID_X]"
st=$(api GET /api/v1/imports/$ID_U "$tokR2")
check "an unassigned trainer gets 404" "$st" = 404
check "... and an empty pending list" "$(api GET '/api/v1/imports?status=pending' "$tokR2" >/dev/null; j 'len(j["items"])')" = 0

check "before any confirmation the elearning requirement counts 0" "$(figure robotic_literacy/frs_online)" = 0
as R2 import confirm "$ID_U" --unverified-ok --yes >"$WORK/out" 2>&1
check "an unassigned trainer's confirmation: refused (exit 1)" "$?" = 1
as T import confirm "$ID_U" --unverified-ok --yes >"$WORK/out" 2>&1; rc=$?
check "the trainee confirming their own certificate: refused (exit $rc): trainers and faculty sign" \
	"$rc:$(grep -c 'needs the trainer or faculty role' "$WORK/out")" = "4:1"
check "neither wrote to the ledger or changed the import" \
	"$(sql "SELECT status FROM imports WHERE id=$ID_U") $(sql "SELECT count(*) FROM ledger WHERE kind='elearning_confirmation'")" = "pending 0"

# The server's own check, with a statement signed outside the CLI (Node): unverified without unverified_ok.
# R's signing key file holds the seed and the public key; sign.mjs takes seed || public key in base64.
KEYFILE_R=$(find "$WORK/xdg-R" -name signing.key | head -1)
KEY_R=$(python3 -c 'import json,base64,sys; k=json.load(open(sys.argv[1])); print(base64.b64encode(base64.b64decode(k["seed"])+base64.b64decode(k["public_key"])).decode())' "$KEYFILE_R")
PK_R=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["public_key"])' "$KEYFILE_R")
stmt() { # stmt ID DECISION [EXTRA] -> the statement for import ID as the server holds it
	api GET "/api/v1/imports/$1" "$tokR" >/dev/null
	python3 -c 'import json,sys,datetime
i=json.load(open(sys.argv[1])); c=i["certificate"]
now=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
st={"v":1,"type":"elearning_confirmation","signer":int(sys.argv[2]),"key":sys.argv[3],"signed_at":now,"decision":sys.argv[4],
 "import":{"id":i["id"],"trainee":i["trainee"],"kind":i["kind"],"sha256":i["sha256"],"attempts_sha256":i["attempts_sha256"],
 "certificate_kind":c["kind"],"issuer":c["issuer"],"achievement":c["achievement"],"completed_on":c["completed_on"],"verified":c["verified"]}}
st.update(json.loads(sys.argv[5] or "{}"))
print(json.dumps(st))' "$WORK/body" "$R" "$PK_R" "$2" "${3:-}" >"$WORK/stmt.json"
}
stmt "$ID_U" confirmed
node tests/js/sign.mjs "$KEY_R" "$WORK/stmt.json" >"$WORK/stmt.signed" 2>"$WORK/sign.err"
st=$(api POST /api/v1/signoffs "$tokR" "$(cat "$WORK/stmt.signed")")
check "the server refuses an unverified confirmation without unverified_ok: 409 unverified-certificate" \
	"$st $(j 'j["type"].split(":")[-1]')" = "409 unverified-certificate"
stmt "$ID_V" confirmed '{"unverified_ok":true}'
node tests/js/sign.mjs "$KEY_R" "$WORK/stmt.json" >"$WORK/stmt.signed" 2>>"$WORK/sign.err"
st=$(api POST /api/v1/signoffs "$tokR" "$(cat "$WORK/stmt.signed")")
check "... and unverified_ok on a verified one: 400" "$st" = 400
stmt "$ID_V" confirmed '{"import":{"id":'"$ID_V"'}}'
node tests/js/sign.mjs "$KEY_R" "$WORK/stmt.json" >"$WORK/stmt.signed" 2>>"$WORK/sign.err"
st=$(api POST /api/v1/signoffs "$tokR" "$(cat "$WORK/stmt.signed")")
# The import member lacks what the certificate holds: refused as a 400 naming the missing members by path.
check "... and a statement that does not commit to the certificate as held: refused (400, statement.import.* named)" \
	"$st $(j '"statement.import." in json.dumps(j.get("errors", j))')" = "400 True"

as R import confirm "$ID_U" --unverified-ok --yes --json >"$WORK/out" 2>"$WORK/err"
check "the assigned trainer confirms the unverified OB3 with --unverified-ok (exit 0)" "$?" = 0
IDX_U=$(jget 'j["ledger_index"]' <"$WORK/out")
api GET "/api/v1/ledger/entries/$IDX_U" "$tokF" >/dev/null
check "the statement records unverified_ok and commits to hash, issuer, achievement, date, verified" \
	"$(j 'j["statement"]["type"]+" "+str(j["statement"]["unverified_ok"])+" "+j["statement"]["import"]["sha256"]+" "+j["statement"]["import"]["issuer"]+" "+j["statement"]["import"]["achievement"]+" "+j["statement"]["import"]["completed_on"]+" "+str(j["statement"]["import"]["verified"])')" = \
	"elearning_confirmation True $(sha256sum "$DATA/badge-unverified.json" | cut -c1-64) https://www.frsurgery.org https://www.frsurgery.org/achievements/frs-online-modules 2025-03-03 False"
check "the requirement is met once confirmed (the ledger's figure)" "$(figure robotic_literacy/frs_online)" = 1
check "... and the served figure (the caches)" "$(served robotic_literacy/frs_online)" = 1
figure robotic_literacy/frs_online >/dev/null
check "its evidence names the confirmation and the certificate" \
	"$(j '[[e["type"],e["ledger_index"],e["verified"]] for m in j["modules"] for r in m["requirements"] if r["key"]=="robotic_literacy/frs_online" for e in r["evidence"]]')" = \
	"[[\"elearning\", $IDX_U, false]]"

as F import confirm "$ID_V" --yes --json >"$WORK/out" 2>"$WORK/err"
check "faculty confirm the verified OB3 (exit 0)" "$?" = 0
check "... with no unverified_ok in the statement" \
	"$(api GET "/api/v1/ledger/entries/$(jget 'j["ledger_index"]' <"$WORK/out")" "$tokF" >/dev/null; j '"unverified_ok" in j["statement"]')" = False
check "a certificate of another achievement counts nowhere" "$(figure robotic_literacy/frs_online)" = 1
as R import reject "$ID_X" --reason "the course is not on the programme's list" --yes >"$WORK/out" 2>&1
check "the assigned trainer rejects the xAPI certificate with a reason (exit 0)" "$?" = 0
check "the imports' states" "$(sql "SELECT group_concat(status, ' ') FROM (SELECT status FROM imports WHERE id IN ($ID_V,$ID_U,$ID_X) ORDER BY id) AS i")" = "signed signed rejected"
as R import confirm "$ID_U" --unverified-ok --yes >"$WORK/out" 2>&1
check "a second decision is refused (exit 1)" "$?:$(grep -c 'already' "$WORK/out")" = "1:1"
as R sign-import "$ID_X" --yes >"$WORK/out" 2>&1
check "sign-import is the same path (already decided: exit 1)" "$?" = 1

# ------------------------------------------------------------ verify and audit
curl -s -H "Authorization: Bearer $tokF" "$URL/api/v1/ledger" >"$WORK/ledger.jsonl"
LOGKEY=$(curl -s -H "Authorization: Bearer $tokF" "$URL/api/v1/ledger/key" | jget 'j["public_key"]')
ok "raslog verify accepts the ledger with elearning_confirmation statements" "$RASLOG" verify --file "$WORK/ledger.jsonl" --log-key "$LOGKEY"
"$RASLOG" verify --file "$WORK/ledger.jsonl" --log-key "$LOGKEY" --json >"$WORK/out" 2>/dev/null
check "verify counts the three elearning_confirmation statements" "$(jget 'j["statements"]["elearning_confirmation"]' <"$WORK/out")" = 3
"$RASLOG" --token "$tokF" audit >"$WORK/audit.out" 2>"$WORK/audit.err"
check "raslog audit agrees with the server (exit 0)" "$?" = 0
"$RASLOG" audit --file "$WORK/ledger.jsonl" --log-key "$LOGKEY" --json >"$WORK/offline.json" 2>"$WORK/audit.err"
check "the offline audit (the export alone) recomputes the elearning requirement as met" \
	"$(jget "[r['signed'] for t in j['trainees'] if t['trainee']==$T for m in t['report']['modules'] for r in m['requirements'] if r['key']=='robotic_literacy/frs_online'][0]" <"$WORK/offline.json")" = 1
if [ "$RASLOG_TEST_ENGINE" = postgresql ]; then
	sql "UPDATE imports SET content = convert_to('{\"changed\":true}', 'UTF8') WHERE id = $ID_U"
else
	sql "UPDATE imports SET content = CAST('{\"changed\":true}' AS BLOB) WHERE id = $ID_U"
fi
"$RASLOG" --token "$tokF" audit >"$WORK/audit.out" 2>"$WORK/audit.err"
check "a certificate file changed after confirming: raslog audit exits 1 naming it" \
	"$?:$(grep -c "import:$ID_U.sha256" "$WORK/audit.out")" = "1:1"
finish
