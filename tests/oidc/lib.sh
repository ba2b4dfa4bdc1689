# tests/oidc/lib.sh - starting a test OpenID provider and a raslogd that
# signs in through it, for tests/api/83-oidc.sh (tests/oidc/mini-idp.mjs)
# and tests/browser/oidc.sh (tests/oidc/provider.mjs, oidc-provider).
# Sourced after tests/lib.sh (WORK, DB, RASLOGD, SERVER_PID, cleanup).
#
#   PORT=$(free_port)
#   oidc_secret 'the client secret'          # $WORK/oidc-secret, mode 600
#   oidc_provider idp mini-idp.mjs CLIENT_ID SECRET CALLBACK; IDP=$OIDC_URL
#   oidc_conf "$IDP" CLIENT_ID [extra config lines...]
#   serve_at [raslogd serve flags...]       # tests/lib.sh
#
# A provider that does not start ends the test with a TAP "Bail out!"
# and its log.  Every provider started is stopped at exit.

OIDC_PIDS=""
trap 'oidc_stop; cleanup' EXIT

# Stops every provider oidc_provider started.
oidc_stop() {
	local p
	for p in $OIDC_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	OIDC_PIDS=""
}

# oidc_secret TEXT: the client secret in $WORK/oidc-secret (mode 600, as raslogd requires).
oidc_secret() {
	printf '%s\n' "$1" >"$WORK/oidc-secret"
	chmod 600 "$WORK/oidc-secret"
}

# oidc_provider NAME SCRIPT ARGS...: node tests/oidc/SCRIPT ARGS in the
# background, its output in $WORK/NAME.log; waits for its "listening PORT"
# line and sets OIDC_URL to its issuer, http://127.0.0.1:PORT.
oidc_provider() {
	local name=$1 script=$2 pid i=0
	shift 2
	node "tests/oidc/$script" "$@" >"$WORK/$name.log" 2>&1 &
	pid=$!
	OIDC_PIDS="$OIDC_PIDS $pid"
	until grep -q '^listening' "$WORK/$name.log"; do
		i=$((i + 1))
		if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "Bail out! the OpenID provider $script did not start"
			sed 's/^/#   /' "$WORK/$name.log"
			exit 1
		fi
		sleep 0.05
	done
	OIDC_URL="http://127.0.0.1:$(sed -n 's/^listening //p' "$WORK/$name.log")"
}

# oidc_conf ISSUER CLIENT_ID [LINE...]: $WORK/raslog.conf with single sign-on
# through ISSUER (named "Test Trust", the secret in $WORK/oidc-secret),
# public_url http://localhost:$PORT, and any further lines of [server].
oidc_conf() {
	local issuer=$1 client=$2
	shift 2
	{
		printf '[server]\npublic_url = http://localhost:%s\noidc_issuer = %s\noidc_name = Test Trust\n' "$PORT" "$issuer"
		printf 'oidc_client_id = %s\noidc_client_secret_file = %s\n' "$client" "$WORK/oidc-secret"
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$WORK/raslog.conf"
}
