#!/bin/bash
# tests/api/84-account-ratelimit.sh - sign-in attempts are rate limited per
# account as well as per address (issue 14 item 6): 84-account-ratelimit.mjs
# against a raslogd behind a trusted proxy (so each request can come from
# its own address) with --auth-failures 3; then the audit line of the
# account's 429.
. "$(dirname "$0")/../lib.sh"

if ! command -v node >/dev/null; then
	skip "node is missing"
	finish
	exit
fi
"$RASLOGD" --db "$DB" init >/dev/null 2>&1 || { echo "# init failed"; exit 1; }
ADMIN=$(token_of "$(add_user "Ada Admin" admin)")
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
ORIGIN="http://localhost:$PORT"
printf '[server]\npublic_url = %s\n' "$ORIGIN" >"$WORK/raslog.conf"
serve_at --trusted-proxy 127.0.0.1 --auth-failures 3
node_tap tests/api/84-account-ratelimit.mjs "$URL" "$ORIGIN" "$ADMIN"
check "the account's 429 is audited with the person and reason account" \
	"$(grep '"event":"signin","outcome":"rate-limited"' "$WORK/audit.log" | grep -c '"reason":"account"')" = 1
finish
