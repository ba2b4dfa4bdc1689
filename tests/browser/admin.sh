#!/bin/bash
# tests/browser/admin.sh BIN - runs admin.test.mjs (the admin screen and the
# oversight page at 390 and 1280 px) against raslogd serving web/ with the demo.
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
export OUT=${OUT:-tests/out/browser}
mkdir -p "$OUT"
node tests/browser/admin.test.mjs "$URL" "$(token 'Programme Administrator')" "$(token 'Amelia Hart')"
st=$?
stop_server
exit $st
