#!/bin/bash
# tests/browser/admin.sh BIN - runs admin.test.mjs (the admin screen and the
# oversight page at 390 and 1280 px) against raslogd serving web/ with the demo.
. tests/browser/demo.sh
export OUT=${OUT:-tests/out/browser}
mkdir -p "$OUT"
node tests/browser/admin.test.mjs "$URL" "$(token 'Programme Administrator')" "$(token 'Amelia Hart')"
st=$?
stop_server
exit $st
