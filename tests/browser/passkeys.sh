#!/bin/bash
# tests/browser/passkeys.sh BIN - passkeys.test.mjs: invitation to passkey
# in headless Chromium with its virtual authenticator, against a raslogd
# whose public_url is http://localhost:PORT (WebAuthn needs a host name as
# RP id, and localhost is a secure context over plain http).  Run by
# tests/browser/run.sh; screenshots and axe reports in tests/out/browser/.
BIN=${1:-$BIN}
export BIN
. tests/lib.sh
if [ ! -x /usr/bin/chromium ]; then
	echo "not ok 1 - /usr/bin/chromium is missing (Debian package chromium; make test installs it as root)"
	exit 1
fi
"$RASLOGD" --db "$DB" init >/dev/null 2>&1 || { echo "not ok 1 - init failed"; exit 1; }
ADMIN=$(token_of "$(add_user "Ada Admin" admin)")
PORT=$(free_port)
printf '[server]\npublic_url = http://localhost:%s\n' "$PORT" >"$WORK/raslog.conf"
RASLOG_CONFIG="$WORK/raslog.conf" "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" --web web \
	--audit "$WORK/audit.log" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/api/v1/health" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
		echo "not ok 1 - the server did not start"; sed 's/^/#   /' "$WORK/server.log"; exit 1
	fi
	sleep 0.05
done
OUT=${OUT:-tests/out/browser}
mkdir -p "$OUT"
node tests/browser/passkeys.test.mjs "http://localhost:$PORT" "$ADMIN" "$OUT"
st=$?
stop_server
exit $st
