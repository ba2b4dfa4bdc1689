#!/bin/bash
# tests/api/92-elogbook.sh - eLogbook operating log imports (docs/imports.md)
# against a real server seeded with the demo programme: the sample
# tests/data/imports/elogbook.csv imported, its robotic rows pending
# sessions for the consultant each names (the supervision code as the
# claimed role), one signed by that trainer and counted; the same file
# refused 409; a later export with one more row creates only that row;
# malformed files refused by row and column with nothing stored; the
# subject-access export holds the file; `raslog import elogbook`.
BIN=${BIN:-build/san/bin}
. tests/lib.sh
JS=tests/js
DATA=tests/data/imports

KEYS="$WORK/keys"
demo_keys # tests/lib.sh: the demo, $WORK/keys, $WORK/people.jsonl; tok ID and pk_of ID
start_server

TW=$(field "Dr Tomasz Nowak" id); TOKTW=$(tok "$TW")
DE=$(field "Mr David Ellis" id); TOKDE=$(tok "$DE")
TOKF=$(tok 1)
imports() { sql "SELECT count(*) FROM imports WHERE kind = 'elogbook'"; }
sessions() { sql "SELECT count(*) FROM sessions"; }

# upload FILE [TOKEN] -> status; reply in $WORK/body
upload() {
	python3 -c 'import json,sys,base64,os
print(json.dumps({"kind":"elogbook","filename":os.path.basename(sys.argv[1]),
 "content_base64":base64.b64encode(open(sys.argv[1],"rb").read()).decode()}))' "$1" >"$WORK/upload.json"
	curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "Authorization: Bearer ${2:-$TOKTW}" \
		-H 'Content-Type: application/json' --data-binary @"$WORK/upload.json" "$URL/api/v1/imports"
}

# ------------------------------------------------------------ the sample
robotic=$(python3 -c 'import csv,sys
print(sum(1 for r in csv.DictReader(open(sys.argv[1])) if r["role"].strip().lower() in ("console","bedside","bedside assistant")))' "$DATA/elogbook.csv")
rows=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1]))))' "$DATA/elogbook.csv")
before=$(sessions)
st=$(upload "$DATA/elogbook.csv")
check "elogbook.csv: imported 201" "$st" = 201
check "the import is an eLogbook file of $rows rows, the file's sha256, imported" \
	"$(j 'j["kind"]+" "+j["status"]+" "+str(j["attempts"])+" "+j["sha256"]')" = \
	"elogbook imported $rows $(sha256sum "$DATA/elogbook.csv" | cut -c1-64)"
check "its $robotic robotic rows became sessions (the laparoscopic one did not)" "$(j 'len(j["sessions"])')" = "$robotic"
check "... and exactly those sessions were created" "$(( $(sessions) - before ))" = "$robotic"
ID1=$(j 'j["id"]')
S=$(j '" ".join(str(s) for s in j["sessions"])')
set -- $S; S1=$1
api GET "/api/v1/sessions/$S1" "$TOKTW" >/dev/null
check "row 2: a pending console session, supervision S-TS as the claimed role, for the named consultant" \
	"$(j 'j["status"]+" "+j["activity"]+" "+j["role"]+" "+str(j["trainer"])+" "+j["date"]+" "+str(j["minutes"])+" "+j["platform"]')" = \
	"pending console_full S-TS $DE 2025-01-14 180 davinci_xi"
check "the hospital is the site and the procedure is kept" "$(j 'j["site"]+"|"+j["procedure"]')" = \
	"St James's University Hospital|Robotic radical prostatectomy"
api GET "/api/v1/sessions/$2" "$TOKTW" >/dev/null
check "row 3: a bedside session with role A and the default 60 minutes (the eLogbook has no duration)" \
	"$(j 'j["activity"]+" "+j["role"]+" "+str(j["minutes"])')" = "bedside_assist A 60"
api GET "/api/v1/sessions/$3" "$TOKTW" >/dev/null
check "row 5: the consultant named by email, the quoted procedure with a comma kept" \
	"$(j 'str(j["trainer"])+" "+j["role"]+"|"+j["procedure"]')" = "$DE S-TU|Robotic anterior resection, high tie"

# ------------------------------------------------------------ the trainer signs as usual
api GET "/api/v1/trainees/$TW/progress" "$TOKF" >/dev/null
was=$(j "[r for m in j['modules'] for r in m['requirements'] if r['key']=='console_full/full_cases'][0]['signed']")
curl -s -H "Authorization: Bearer $TOKDE" "$URL/api/v1/sessions/$S1" | python3 -c '
import json, sys, datetime
s = json.load(sys.stdin)
certified = ["id","trainee","trainer","date","minutes","activity","platform","site","procedure","steps","role","notes","created_at"]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
print(json.dumps({"v":1,"type":"session_signoff","signer":int(sys.argv[1]),"key":sys.argv[2],"signed_at":now,
  "decision":"confirmed","role":s["role"],"session":{k: s[k] for k in certified if s.get(k) is not None}}))' \
	"$DE" "$(pk_of "$DE")" >"$WORK/so.json"
node $JS/sign.mjs "$KEYS/user-$DE.key" "$WORK/so.json" >"$WORK/so.signed"
st=$(api POST /api/v1/signoffs "$TOKDE" "$(cat "$WORK/so.signed")")
check "the consultant signs the imported console session (201)" "$st" = 201
api GET "/api/v1/trainees/$TW/progress" "$TOKF" >/dev/null
check "it counts as a full console case" \
	"$(j "[r for m in j['modules'] for r in m['requirements'] if r['key']=='console_full/full_cases'][0]['signed']")" = "$((was + 1))"

# ------------------------------------------------------------ nothing twice
n_imp=$(imports); n_s=$(sessions)
st=$(upload "$DATA/elogbook.csv")
check "the same file again is refused 409 duplicate-import" "$st $(j 'j["type"].split(":")[-1]')" = "409 duplicate-import"
check "... creating nothing" "$(imports) $(sessions)" = "$n_imp $n_s"
# A later export: the same rows (one written differently, 2025-01-14 for 14/01/2025) and one new row.
{ sed 's#^14/01/2025#2025-01-14#' "$DATA/elogbook.csv"; echo '11/02/2025,Robotic radical prostatectomy,St James'"'"'s University Hospital,P,Mr David Ellis,console,200,davinci_xi'; } >"$WORK/later.csv"
st=$(upload "$WORK/later.csv")
check "a later export is imported (201)" "$st" = 201
check "only its new row became a session (a stable row key)" "$(j 'len(j["sessions"])') $(( $(sessions) - n_s ))" = "1 1"

# ------------------------------------------------------------ malformed files
n_imp=$(imports); n_s=$(sessions)
bad() { # bad DESCRIPTION CONTENT WANT-ROW WANT-COLUMN
	printf '%s' "$2" >"$WORK/bad.csv"
	st=$(upload "$WORK/bad.csv")
	got=$(j '" ".join(str(e["row"])+":"+e["column"] for e in j.get("row_errors",[]))')
	check "$1: refused 400 naming row $3 column $4" "$st $(echo "$got" | tr ' ' '\n' | grep -cx "$3:$4")" = "400 1"
}
H='date,procedure,hospital,supervision,consultant,role'
FUT=$(date -u -d '+3 days' +%Y-%m-%d)
bad "a column raslog does not keep (patient details stay out)" "$H,patient_name
2025-01-01,Robotic radical prostatectomy,LGI,P,Mr David Ellis,console,J Smith
" 1 patient_name
bad "a missing required column" "date,procedure,supervision,role
2025-01-01,Robotic radical prostatectomy,P,console
" 1 consultant
bad "an unknown supervision code" "$H
2025-01-01,Robotic radical prostatectomy,LGI,X,Mr David Ellis,console
" 2 supervision
bad "a date in the future" "$H
$FUT,Robotic radical prostatectomy,LGI,P,Mr David Ellis,console
" 2 date
bad "a date that is not a date" "$H
2025-13-40,Robotic radical prostatectomy,LGI,P,Mr David Ellis,console
" 2 date
bad "a consultant who is not a raslog trainer" "$H
2025-01-01,Robotic radical prostatectomy,LGI,P,Mr David Ellis,console
2025-01-02,Robotic radical prostatectomy,LGI,P,Dr Nobody,console
" 3 consultant
LONG=$(printf 'H%.0s' $(seq 1 150))
bad "a hospital longer than a session's site (120): named by its eLogbook column" "$H
2025-01-01,Robotic radical prostatectomy,$LONG,P,Mr David Ellis,console
" 2 hospital
bad "formula injection in the procedure" "$H
2025-01-01,=1+2,LGI,P,Mr David Ellis,console
" 2 procedure
bad "a row with more cells than the header" "$H
2025-01-01,Robotic radical prostatectomy,LGI,P,Mr David Ellis,console,extra
" 2 "(row)"
printf 'date,procedure\n2025-01-01,Robotic\0prostatectomy\n' >"$WORK/bin.csv"
st=$(upload "$WORK/bin.csv")
check "a NUL byte (binary junk) is refused at its line" "$st $(j 'j["row_errors"][0]["row"]')" = "400 2"
python3 -c 'import sys; sys.stdout.write("x"*(10<<20))' >"$WORK/huge.csv"
st=$(upload "$WORK/huge.csv")
check "a 10 MB file is refused 413" "$st" = 413
check "nothing was stored from any malformed file (no import, no session)" "$(imports) $(sessions)" = "$n_imp $n_s"
st=$(api POST /api/v1/imports "$TOKTW" '{"kind":"elogbook","trainer":3,"filename":"x.csv","content":"a"}')
check "an eLogbook upload naming one trainer is refused (a consultant per row)" "$st" = 400

# ------------------------------------------------------------ the subject-access export
st=$(req_to GET "/api/v1/trainees/$TW/export?format=json" "$TOKTW" "$WORK/sar.json")
check "the subject-access export holds both eLogbook files as uploaded" "$st $(python3 -c '
import json, sys, base64, hashlib
j = json.load(open(sys.argv[1]))
print(sorted(hashlib.sha256(base64.b64decode(i["content_base64"])).hexdigest() for i in j["imports"] if i["kind"] == "elogbook")
      == sorted([sys.argv[2], sys.argv[3]]))' "$WORK/sar.json" "$(sha256sum "$DATA/elogbook.csv" | cut -c1-64)" "$(sha256sum "$WORK/later.csv" | cut -c1-64)")" = "200 True"

# ------------------------------------------------------------ the CLI
AB=$(field "Dr Aisha Bello" id)
export RASLOG_TOKEN=$(tok "$AB")
ok "raslog import elogbook uploads a file" "$RASLOG" import elogbook "$DATA/elogbook.csv" --json
check "it prints the import record with the sessions created" "$(jget 'j["kind"]+" "+str(len(j["sessions"]))' <"$WORK/out")" = "elogbook $robotic"
printf '%s\n2025-01-01,Robotic radical prostatectomy,LGI,Q,Mr David Ellis,console\n' "$H" >"$WORK/cli-bad.csv"
"$RASLOG" import elogbook "$WORK/cli-bad.csv" >"$WORK/out" 2>"$WORK/err"; rc=$?
check "raslog import elogbook of a bad file exits 1 naming row 2, column supervision" "$rc $(grep -c 'row 2, column supervision' "$WORK/err")" = "1 1"
unset RASLOG_TOKEN

finish
