#!/bin/bash
# 50-portfolio.sh - the PDF portfolio: rendered by the real server from the
# demo programme, checked with poppler (pdftotext for the words that must
# be there, pdftoppm that every page renders), and its access rules.
. tests/lib.sh
"$RASLOGD" --db "$DB" demo > "$WORK/people.jsonl" 2>/dev/null
PROGRAMME="Wessex robotic surgery programme – 2026"
start_server --programme-name "$PROGRAMME"
FAC=$(field "Amelia Hart" token)
TR=$(field "Priya Raman" token); TRID=$(field "Priya Raman" id)
OTHER=$(field "Mei Chen" token)
sql "update users set gmc='7654321' where id=$TRID"

st=$(req_to GET "/api/v1/trainees/$TRID/export?format=pdf" "$FAC" "$WORK/p.pdf")
check "faculty get the portfolio PDF (200)" "$st" = 200
check "the reply is a PDF" "$(head -c 5 "$WORK/p.pdf")" = "%PDF-"
pdftotext "$WORK/p.pdf" "$WORK/p.txt" 2>"$WORK/pdftotext.err"
check "pdftotext reads it without a warning (a valid ToUnicode map): '$(head -c 120 "$WORK/pdftotext.err")'" ! -s "$WORK/pdftotext.err"
check "the PDF names the configured programme" "$(grep -cxF "$PROGRAMME" "$WORK/p.txt")" = 1
check "the PDF carries the trainee's GMC number" "$(grep -c '^GMC number: 7654321$' "$WORK/p.txt")" = 1
check "the PDF names signers, never 'user N'" "$(grep -c '^user [0-9]' "$WORK/p.txt")" = 0
check "  ...and shows the trainer who signed most of the evidence" "$(grep -c "^Mr David Ellis$" "$WORK/p.txt")" -ge 5
check "the PDF names the trainee" "$(grep -c 'Dr Priya Raman' "$WORK/p.txt")" -ge 1
check "the PDF has the module summary" "$(grep -c 'Console modular training' "$WORK/p.txt")" -ge 1
check "the PDF says the status" "$(grep -c 'Status: accredited' "$WORK/p.txt")" = 1
check "the PDF lists ledger evidence" "$(grep -c '^#[0-9]' "$WORK/p.txt")" -ge 20
check "the PDF carries the verification URL" "$(grep -c "Verify: http://127.0.0.1:$PORT/#/trainee/$TRID" "$WORK/p.txt")" = 1
# The page routes "#/NAME/PARAM" (web/app.js parseHash); the link's route must be one of its ROUTES.
route=$(sed -n "s|^Verify: http://127.0.0.1:$PORT/#/\([a-z]*\)/$TRID\$|\1|p" "$WORK/p.txt")
check "the verify link's route '#/$route/' is a route of the web page" -n "$route" -a "$(grep -cE "^[[:space:]]+$route: \{" web/app.js)" = 1
rm -f "$WORK"/page-*.png
pdftoppm -png -r 50 "$WORK/p.pdf" "$WORK/page" 2>/dev/null
pages=$(ls "$WORK"/page-*.png 2>/dev/null | wc -l)
check "every page renders to PNG ($pages pages)" "$pages" -ge 1
mkdir -p tests/out/portfolio && cp "$WORK"/page-*.png tests/out/portfolio/ 2>/dev/null
st=$(req_to GET "/api/v1/trainees/$TRID/export?format=pdf" "$TR" /dev/null)
check "a trainee gets their own portfolio" "$st" = 200
st=$(req_to GET "/api/v1/trainees/$TRID/export?format=pdf" "$OTHER" "$WORK/b")
check "another trainee gets 404" "$st" = 404
st=$(req_to GET "/api/v1/trainees/$TRID/export?format=docx" "$FAC" "$WORK/b")
check "an unknown format is a 400 naming the field" "$st-$(jget 'j["errors"][0]["field"]' < "$WORK/b")" = "400-format"

# CSV: RFC 4180 with formula neutralisation.
st=$(req_to GET "/api/v1/trainees/$TRID/export?format=csv" "$TR" "$WORK/e.csv")
check "CSV export 200" "$st" = 200
check "CSV has the header row" "$(head -1 "$WORK/e.csv" | cut -d, -f1-3)" = "session_id,date,activity"
rows=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$WORK/e.csv")
nsess=$(sql "select count(*) from sessions where trainee_id=$TRID")
check "one CSV row per session ($rows = $nsess)" "$rows" = "$nsess"
TRAINER=$(sql "select id from users where roles & 2 <> 0 limit 1")
api POST /api/v1/sessions "$TR" "{\"date\":\"2026-01-05\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$TRAINER,\"notes\":\"=HYPERLINK(\\\"http://x\\\")\",\"site\":\"@evil\"}" >/dev/null
curl -s -H "Authorization: Bearer $TR" "$URL/api/v1/trainees/$TRID/export?format=csv" -o "$WORK/e2.csv"
check "a cell starting with = is neutralised" "$(grep -c "\"'=HYPERLINK" "$WORK/e2.csv")" = 1
check "a cell starting with @ is neutralised" "$(grep -c "\"'@evil\"" "$WORK/e2.csv")" = 1
# The accreditation list's site filter matches trainees' home sites, and the
# list offers exactly those as `sites` (the page's options): a session logged
# at another location is no option, and every option finds its trainees.
api GET "/api/v1/accreditation?limit=1" "$FAC" >/dev/null
offered=$(jget '"|".join(j["sites"])' <"$WORK/body")
check "accreditation offers the trainees' home sites ($offered)" \
	"$offered" = "$(sql "select group_concat(site, '|') from (select distinct site from users where roles & 1 <> 0 and coalesce(site, '') <> '' order by site) as s")"
check "  ...not a session's location ('@evil', where a session above was logged)" \
	"$(sql "select count(*) from sessions where site = '@evil'")-$(echo "$offered" | grep -c '@evil')" = 1-0
echo "$offered" | tr '|' '\n' | while read -r site; do
	q=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$site")
	api GET "/api/v1/accreditation?site=$q&limit=200" "$FAC" >/dev/null
	echo "$site|$(jget 'str(len(j["items"]) > 0 and all(r["site"] == "'"$site"'" for r in j["items"]))' <"$WORK/body")"
done >"$WORK/site-filter"
check "  ...and filtering on each offered site finds trainees of that site only" "$(grep -vc '|True$' "$WORK/site-filter")-$(wc -l <"$WORK/site-filter")" = "0-$(echo "$offered" | tr '|' '\n' | wc -l)"
st=$(req_to GET "/api/v1/trainees/$TRID/export?format=json" "$TR" "$WORK/e.json")
check "JSON subject access export has sessions, progress and ledger entries" \
	"$st-$(jget '",".join(k for k in ("person","sessions","progress","ledger_entries") if k in j)' < "$WORK/e.json")" = \
	"200-person,sessions,progress,ledger_entries"
finish
