#!/bin/bash
# tests/tools/codes.sh - schema/codes.json is the one source of the
# vocabularies: web/js/vocab.js is exactly what tools/gen-codes.sh makes of
# it, openapi.json's enums and the docs' lists agree with it
# (tests/js/codes-check.mjs), a drifted copy is caught, and the generator
# refuses a file it cannot read rather than guess.  (The C tables are
# generated at build time; tests/unit/test_codes.c compares them with
# codes.json.)
. "$(dirname "$0")/fixtures/preamble.sh"
GEN=tools/gen-codes.sh SRC=schema/codes.json

generated_is web/js/vocab.js
sh tools/gen-codes.sh c schema/codes.json >"$tmp/codes.c"; tap $? "the C tables generate"
[ "$(grep -c '{ NULL, NULL },' "$tmp/codes.c")" = 4 ]; tap $? "four C tables, each NULL-terminated"

node tests/js/codes-check.mjs . >"$tmp/check.out"; st=$?
sed 's/^/# /' "$tmp/check.out"
tap $st "openapi.json enums, docs/api.md, docs/curricula.md and man/raslog.1 agree with codes.json"

# A copy whose codes.json gains a platform: every copy is now stale.
mkdir -p "$tmp/r/schema" "$tmp/r/web" "$tmp/r/docs" "$tmp/r/man"
cp web/openapi.json "$tmp/r/web/"; cp docs/api.md docs/curricula.md "$tmp/r/docs/"; cp man/raslog.1 "$tmp/r/man/"
sed 's|{ "code": "box_trainer", "label": "Box trainer (no robot)" }|&,\n\t\t{ "code": "new_robot", "label": "New robot" }|' schema/codes.json >"$tmp/r/schema/codes.json"
node tests/js/codes-check.mjs "$tmp/r" >"$tmp/drift.out"; st=$?
[ $st = 1 ] && grep -q '^not ok .*Platform enum' "$tmp/drift.out" && grep -q '^not ok .*platform list' "$tmp/drift.out"
tap $? "a platform added to codes.json alone is reported as drift in openapi.json and docs/api.md"
sh tools/gen-codes.sh js "$tmp/r/schema/codes.json" | cmp -s - web/js/vocab.js
[ $? = 1 ]; tap $? "... and vocab.js no longer matches the generator"

refuse "a quote in a label" 's|"Dry lab"|"Dry \\"lab\\""|' 'not in the layout'
refuse "an unknown table" 's|"platform": \[|"platforms": [|' 'unknown table "platforms"'
refuse "a code twice" 's|"code": "wet_lab"|"code": "dry_lab"|' 'code "dry_lab" twice'
refuse "a missing table" '/"user_role"/,/\]/d' 'a table is missing'
finish
