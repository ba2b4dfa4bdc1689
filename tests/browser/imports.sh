#!/bin/bash
# tests/browser/imports.sh BIN - runs imports.test.mjs (a trainee uploads a
# certificate and a simulator file from their page; their trainer confirms
# and countersigns them, signing in the browser) against raslogd serving
# web/ with the demo.
. tests/browser/demo.sh
# Aisha Bello and the trainer faculty assigned to her.
T=$(grep 'Aisha Bello' "$WORK/people.jsonl" | jget 'j["id"]')
TR=$(sql "select trainer_id from assignments where trainee_id = $T order by id limit 1")
TRTOK=$(python3 -c "import json,sys
for l in open(sys.argv[1]):
    p=json.loads(l)
    if p['id']==int(sys.argv[2]): print(p['token'])" "$WORK/people.jsonl" "$TR")
node tests/browser/imports.test.mjs "$URL" "$(token 'Amelia Hart')" "${OUT:-tests/out/browser}" "$(token 'Aisha Bello')" "$TRTOK" "$WORK/keys/user-$TR.key"
st=$?
stop_server
exit $st
