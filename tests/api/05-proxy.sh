#!/bin/bash
# engine: sqlite (proxy headers, the rate limit and the audit trail are the front end's, which do not depend on the storage engine; tests/run.sh runs it once, on SQLite, to keep make test inside its time)
# 05-proxy.sh - behind a reverse proxy: with --trusted-proxy 127.0.0.1 the
# rate limit and the audit trail see the X-Forwarded-For client, so one
# client's failed sign-ins do not lock out another; without the flag the
# header is ignored (a client cannot dodge the limit by forging it).
. tests/lib.sh
start_server --trusted-proxy 127.0.0.1 --auth-failures 3
# A different bad token each time: one token failing too often is locked from
# every address (04-http.sh), and this is about the addresses.
bad() { curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $1" -H "Authorization: Bearer rl_bad_$RANDOM$RANDOM" "$URL/api/v1/me"; }
for i in 1 2 3; do bad 203.0.113.7 >/dev/null; done
check "the 4th failure from client A is rate-limited (429)" "$(bad 203.0.113.7)" = 429
check "client B behind the same proxy is not locked out (401)" "$(bad 198.51.100.9)" = 401
check "the audit trail records the forwarded client" "$(grep -c '"ip":"203.0.113.7"' "$WORK/audit.log")" -ge 3
stop_server
start_server --auth-failures 3
for i in 1 2 3; do bad 203.0.113.7 >/dev/null; done
check "without --trusted-proxy a forged X-Forwarded-For does not dodge the limit" "$(bad 198.51.100.9)" = 429
finish
