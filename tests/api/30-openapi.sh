#!/bin/bash
# engine: sqlite (the route table against the OpenAPI description, which do not depend on the storage engine; tests/run.sh runs it once, on SQLite, to keep make test inside its time)
# tests/api/30-openapi.sh - the OpenAPI 3.1 description (issue 8 item 5):
# web/openapi.json lints clean with @redocly/cli (rules in
# tests/js/redocly.yaml), the server serves it at /api/v1/openapi.json
# without a token, and tests/js/openapi-check.mjs finds every route of
# server/routes.c in it and validates real replies (demo data, valid and
# invalid writes, 400/401/403/404/405/409 problems) against its schemas
# with ajv.  Nothing is fetched from the network.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JS="$ROOT/tests/js"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false

if [ ! -f "$JS/node_modules/@redocly/cli/bin/cli.js" ] || [ ! -d "$JS/node_modules/ajv" ] || ! command -v node >/dev/null; then
	skip "node or tests/js/node_modules missing (cd tests/js && npm ci)"
	finish
	exit
fi

# ---- lint ----------------------------------------------------------------------
(cd "$ROOT" && node "$JS/node_modules/@redocly/cli/bin/cli.js" lint --config "$JS/redocly.yaml" \
	--format stylish web/openapi.json) >"$WORK/lint.log" 2>&1
st=$?
check "redocly lint web/openapi.json: no errors" "$st" = 0
[ "$st" = 0 ] || sed 's/^/#   /' "$WORK/lint.log" | head -30
nwarn=$(grep -c ' warning ' "$WORK/lint.log")
check "redocly lint web/openapi.json: no warnings ($nwarn)" "$nwarn" = 0
[ "$nwarn" = 0 ] || grep ' warning ' "$WORK/lint.log" | head -10 | sed 's/^/#   /'
ok "web/openapi.json is JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$ROOT/web/openapi.json"

# ---- the route table against the description (raslogd check-routes, which the build runs) ----
ok "raslogd check-routes: server/routes.c and the embedded web/openapi.json agree" "$RASLOGD" check-routes
# drifted NAME PYTHON EXPECTED: a copy of web/openapi.json changed by PYTHON (d is the
# description) is refused, exit 1, with a line on stderr containing EXPECTED.
drifted() {
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2; json.dump(d, open(sys.argv[2], 'w'))" \
		"$ROOT/web/openapi.json" "$WORK/drift.json"
	"$RASLOGD" check-routes --file "$WORK/drift.json" >/dev/null 2>"$WORK/drift.err"
	st=$?
	check "check-routes refuses $1 (exit 1, naming it)" "$st:$(grep -cF -- "$3" "$WORK/drift.err")" = "1:1"
	[ "$st" = 1 ] || sed 's/^/#   /' "$WORK/drift.err"
}
drifted "a description without GET /sites" "del d['paths']['/api/v1/sites']['get']" \
	"GET /api/v1/sites is in server/routes.c but not in"
drifted "an operation no route serves" "d['paths']['/api/v1/sites']['delete'] = {'responses': {}}" \
	"DELETE /api/v1/sites is in $WORK/drift.json but not in server/routes.c"
drifted "GET /me described as needing no credentials" "d['paths']['/api/v1/me']['get']['security'] = []" \
	"GET /api/v1/me: server/routes.c needs credentials"
drifted "POST /signoffs described as open to trainees too" \
	"d['paths']['/api/v1/signoffs']['post']['x-raslog-roles'] = ['trainee', 'trainer', 'faculty']" \
	"POST /api/v1/signoffs: server/routes.c limits it to trainer, faculty, $WORK/drift.json's x-raslog-roles to trainee, trainer, faculty"
drifted "GET /accreditation described without its role" "del d['paths']['/api/v1/accreditation']['get']['x-raslog-roles']" \
	"GET /api/v1/accreditation: server/routes.c limits it to faculty, $WORK/drift.json's x-raslog-roles to no role (absent)"
drifted "an unknown role" "d['paths']['/api/v1/sites']['get']['x-raslog-roles'] = ['dean']" \
	"GET /api/v1/sites: $WORK/drift.json's x-raslog-roles is not a list"
drifted "POST /sessions described without its body" "del d['paths']['/api/v1/sessions']['post']['requestBody']" \
	"POST /api/v1/sessions: server/routes.c takes a JSON body"
printf '{"paths": ' >"$WORK/broken.json"
"$RASLOGD" check-routes --file "$WORK/broken.json" >/dev/null 2>"$WORK/drift.err"
check "check-routes refuses a file that is not JSON with one sentence" \
	"$?:$(wc -l <"$WORK/drift.err"):$(grep -c 'is not JSON' "$WORK/drift.err")" = "1:1:1"

# ---- the running server --------------------------------------------------------------
"$RASLOGD" --db "$DB" demo >"$WORK/people.jsonl" 2>"$WORK/demo.log" || { echo "# demo failed"; cat "$WORK/demo.log"; exit 1; }
start_server --auth-failures 1000

st=$(curl -s -o "$WORK/served.json" -w '%{http_code}' "$URL/api/v1/openapi.json")
check "GET /api/v1/openapi.json without a token: 200" "$st" = 200
ok "the served description is the one in web/openapi.json (embedded at build time)" cmp "$WORK/served.json" "$ROOT/web/openapi.json"
st=$(curl -s -o "$WORK/static.json" -w '%{http_code}' "$URL/openapi.json")
check "GET /openapi.json (static copy): 200" "$st" = 200

node "$JS/openapi-check.mjs" "$URL" "$WORK/people.jsonl" >"$WORK/check.tap" 2>&1
st=$?
# Renumber the script's TAP lines into this file's plan.
while IFS= read -r line; do
	case "$line" in
	"ok "*) tap 0 "$(echo "$line" | sed 's/^ok [0-9]* - //')" ;;
	"not ok "*) tap 1 "$(echo "$line" | sed 's/^not ok [0-9]* - //')" ;;
	"#"*) echo "$line" ;;
	"1.."*) ;;
	*) echo "# $line" ;;
	esac
done <"$WORK/check.tap"
check "openapi-check.mjs exited 0" "$st" = 0

finish
