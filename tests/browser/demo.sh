# tests/browser/demo.sh - sourced first by the browser runners that drive
# the demo programme (run.sh, admin.sh, figures.sh) with their BIN
# argument: tests/browser/lib.sh, the demo seeded and raslogd serving web/
# on $URL; token NAME gives a demo person's token.
. tests/browser/lib.sh
"$RASLOGD" --db "$DB" demo > "$WORK/people.jsonl" 2>/dev/null
start_server --web web
token() { grep "$1" "$WORK/people.jsonl" | jget 'j["token"]'; }
