#!/bin/bash
# tests/browser/figures.sh BIN - runs figures.test.mjs (the trainee page
# reconciles its figures with the evidence it verified) against raslogd
# serving web/ with the demo; an eligible trainee's page.
BIN=${1:-$BIN}
export BIN
. tests/lib.sh
if [ ! -x /usr/bin/chromium ]; then
	echo "not ok 1 - /usr/bin/chromium is missing (Debian package chromium)"
	exit 1
fi
"$RASLOGD" --db "$DB" demo > "$WORK/people.jsonl" 2>/dev/null
start_server --web web
token() { grep "$1" "$WORK/people.jsonl" | jget 'j["token"]'; }
T=$(sql "select trainee_id from trainee_status where status = 'eligible' order by trainee_id limit 1")
node tests/browser/figures.test.mjs "$URL" "$(token 'Amelia Hart')" "$T" "$DB"
st=$?
stop_server
exit $st
