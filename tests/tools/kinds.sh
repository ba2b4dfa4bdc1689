#!/bin/bash
# tests/tools/kinds.sh - schema/kinds.json is the one table of statement
# kinds (issue 13 item 5): web/js/kinds.js is exactly what tools/gen-kinds.sh
# makes of it, the web page's checker reads it (tests/js/kinds-check.mjs), a
# drifted copy is caught, and the generator refuses a file it cannot read
# rather than guess.  (The C table is generated at build time into
# $(BUILD)/gen/kinds_table.c, whose _Static_assert holds it to the order of
# enum rl_kind_id.)
. "$(dirname "$0")/fixtures/preamble.sh"
GEN=tools/gen-kinds.sh SRC=schema/kinds.json

generated_is web/js/kinds.js
sh tools/gen-kinds.sh c schema/kinds.json >"$tmp/kinds.c"; tap $? "the C table generates"
[ "$(grep -c '^	{ "' "$tmp/kinds.c")" = "$(grep -c '"name": ' schema/kinds.json)" ]; tap $? "one C row per kind"
grep -q '_Static_assert(RL_K_FACULTY_KEY == 0 && ' "$tmp/kinds.c"; tap $? "the C table asserts the order of enum rl_kind_id"

node tests/js/kinds-check.mjs . >"$tmp/check.out"; st=$?
sed 's/^/# /' "$tmp/check.out"
tap $st "kinds.js and the web page's checker agree with kinds.json (tests/js/kinds-check.mjs)"

# A copy whose kinds.json says device_key is signed by faculty only: kinds.js is now stale.
mkdir -p "$tmp/r/schema" "$tmp/r/web/js"
cp web/js/*.js "$tmp/r/web/js/"
sed 's|"name": "device_key", "id": "RL_K_DEVICE_KEY", "signer": "self_or_faculty"|"name": "device_key", "id": "RL_K_DEVICE_KEY", "signer": "faculty"|' schema/kinds.json >"$tmp/r/schema/kinds.json"
node tests/js/kinds-check.mjs "$tmp/r" >"$tmp/drift.out"; st=$?
[ $st = 1 ] && grep -q '^not ok .*kind device_key' "$tmp/drift.out"
tap $? "a signer changed in kinds.json alone is reported as drift of kinds.js"
sh tools/gen-kinds.sh js "$tmp/r/schema/kinds.json" | cmp -s - web/js/kinds.js
[ $? = 1 ]; tap $? "... and kinds.js no longer matches the generator"
# A trainer kind made a faculty one in kinds.js too: keyChain follows the table.
sh tools/gen-kinds.sh js "$tmp/r/schema/kinds.json" >"$tmp/r/web/js/kinds.js"
sed -i 's|"name": "assessment", "id": "RL_K_ASSESSMENT", "signer": "trainer"|"name": "assessment", "id": "RL_K_ASSESSMENT", "signer": "faculty"|' "$tmp/r/schema/kinds.json"
sh tools/gen-kinds.sh js "$tmp/r/schema/kinds.json" >"$tmp/r/web/js/kinds.js"
node tests/js/kinds-check.mjs "$tmp/r" >"$tmp/follow.out"; st=$?
[ $st = 0 ] && grep -q '^ok .*keyChain passes over a assessment statement (signer faculty)' "$tmp/follow.out"
tap $? "verify.js dispatches by the generated table (an assessment made a faculty kind is no longer key-chained)"

refuse "an unknown signer class" '0,/"signer": "trainer", "subject": "trainee"/s//"signer": "anyone", "subject": "trainee"/' '"signer" is not'
refuse "a kind twice" 's|"name": "enrolment"|"name": "curriculum"|' 'kind "curriculum" twice'
refuse "a backslash in a value" 's|accredits the trainee unless revoked|accredits \\\\ the trainee|' 'a backslash'
refuse "a member missing" 's|, "public": true, "figures": null },$| },|' 'expected "public"'
refuse "a stray line" 's|^\t"kinds": \[|\t"kinds": [ 1,|' 'not in the layout'
finish
