#!/bin/bash
# tests/browser/figures.sh BIN - runs figures.test.mjs (the trainee page
# reconciles its figures with the evidence it verified) against raslogd
# serving web/ with the demo; an eligible trainee's page.
. tests/browser/demo.sh
T=$(sql "select trainee_id from trainee_status where status = 'eligible' order by trainee_id limit 1")
node tests/browser/figures.test.mjs "$URL" "$(token 'Amelia Hart')" "$T" "$DB"
st=$?
stop_server
exit $st
