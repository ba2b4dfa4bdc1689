#!/bin/bash
# tests/browser/passkeys.sh BIN - passkeys.test.mjs: invitation to passkey
# in headless Chromium with its virtual authenticator, against a raslogd
# whose public_url is http://localhost:PORT (WebAuthn needs a host name as
# RP id, and localhost is a secure context over plain http).  Run by
# tests/browser/run.sh; screenshots and axe reports in tests/out/browser/.
. tests/browser/lib.sh
"$RASLOGD" --db "$DB" init >/dev/null 2>&1 || { echo "not ok 1 - init failed"; exit 1; }
ADMIN=$(token_of "$(add_user "Ada Admin" admin)")
PORT=$(free_port)
printf '[server]\npublic_url = http://localhost:%s\n' "$PORT" >"$WORK/raslog.conf"
serve_at --web web
OUT=${OUT:-tests/out/browser}
mkdir -p "$OUT"
node tests/browser/passkeys.test.mjs "http://localhost:$PORT" "$ADMIN" "$OUT"
st=$?
stop_server
exit $st
