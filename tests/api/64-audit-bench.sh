#!/bin/bash
# 64-audit-bench.sh - raslog audit on the bench data set (issue 13's tests):
# bench/seed builds a programme through the server's own code path (many
# trainees, every session signed by a trainer, signed heads per batch), a
# different shape from the demo's; the online audit agrees with the server
# for every trainee, and the offline audit of the export alone recomputes
# every trainee's figures equal to the server's progress reports.
# engine: sqlite
# (bench/seed writes a SQLite file; the audit itself is engine-blind and runs on both engines in 16-audit.)
. tests/lib.sh
LIB="$(dirname "$BIN")/libraslog.a"
[ -f "$LIB" ] || { echo "1..0 # SKIP no $LIB"; exit 0; }
SAN=""
nm "$LIB" 2>/dev/null | grep -q __asan_ && SAN="-fsanitize=address,undefined"
make -s -C bench OUT="$WORK/bench" RASLOG_LIB="$(pwd)/$LIB" CFLAGS="-O1 -g $SAN" "$WORK/bench/seed" >"$WORK/build.log" 2>&1
ok "bench/seed builds against the library under test" test -x "$WORK/bench/seed"
"$WORK/bench/seed" --db "$DB" --trainees 60 --trainers 6 --sessions 3000 --batch 500 --creds-out "$WORK/creds" \
	>"$WORK/seed.out" 2>"$WORK/seed.err"
check "the seeder signs 3,000 sessions for 60 trainees through the sign-off path" \
	"$?-$(grep -o 'sessions=[0-9]*' "$WORK/seed.out" | tail -1)" = "0-sessions=3000"
FAC=$(awk '$1 == "faculty" { print $3 }' "$WORK/creds")
start_server

"$RASLOG" --token "$FAC" audit > "$WORK/audit.out" 2>"$WORK/audit.err"
check "online audit of the bench programme agrees with the server (exit 0)" "$?" = 0
check "it audited all 60 trainees" "$(grep -o 'audited [0-9]* trainees' "$WORK/audit.out")" = "audited 60 trainees"

LOGKEY=$(curl -s -H "Authorization: Bearer $FAC" "$URL/api/v1/ledger/key" | jget 'j["public_key"]')
curl -s -H "Authorization: Bearer $FAC" "$URL/api/v1/ledger?count=100000" > "$WORK/export.jsonl"
check "the export holds every entry" "$(wc -l < "$WORK/export.jsonl")" -gt 3000
"$RASLOG" audit --file "$WORK/export.jsonl" --log-key "$LOGKEY" --json > "$WORK/offline.json" 2>"$WORK/err"
check "offline audit of the export alone succeeds" "$?" = 0
compare_offline_view "$WORK/offline.json" "$FAC"
check "the offline view covers all 60 trainees" "$(wc -l < "$WORK/cmp")" = 60
check "and equals the server's progress report for every one" "$(sort -u "$WORK/cmp")" = same
check "the bench programme has figures to compare (some signed minutes counted)" \
	"$(jget 'sum(q["signed"] for t in j["trainees"] for m in t["report"]["modules"] for q in m["requirements"]) > 0' < "$WORK/offline.json")" = True
finish
