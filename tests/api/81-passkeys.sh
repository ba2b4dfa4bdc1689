#!/bin/bash
# tests/api/81-passkeys.sh - passkeys (issue 14, item 2) against a real
# raslogd whose public_url is http://localhost:PORT (RP id "localhost"):
# the ceremonies and every refusal through the software authenticator in
# 81-passkeys.mjs, then what the database and the audit log kept, and the
# rate limit on passkey sign-in.  The real browser's side is
# tests/browser/passkeys.test.mjs.
. "$(dirname "$0")/../lib.sh"

"$RASLOGD" --db "$DB" init >/dev/null 2>&1 || { echo "# init failed"; exit 1; }
ADMIN_ID=$(add_user "Ada Admin" admin)
ADMIN=$(token_of "$ADMIN_ID")
# start_server picks the port; public_url must name it, so serve here with a config file.
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
ORIGIN="http://localhost:$PORT"
printf '[server]\npublic_url = %s\n' "$ORIGIN" >"$WORK/raslog.conf"
serve() { serve_at --auth-failures "$1"; }
serve 100

node_tap tests/api/81-passkeys.mjs "$URL" "$ORIGIN" "$ADMIN" 0

# What was stored: hashes and public keys, never a challenge in the clear.
check "challenges are stored hashed (32-byte BLAKE2b), each used at most once" \
	"$(sql "select count(*) from webauthn_challenges where length(hash) <> 32")" = 0
check "the ES256 key is stored as x||y (64 bytes), the EdDSA key as 32" \
	"$(sql "select group_concat(k) from (select cose_alg || ':' || length(public_key) as k from passkeys order by id) as p")" = "-8:32"
check "the deactivated person's remaining passkey is disabled" \
	"$(sql "select count(*) from passkeys where disabled_at is null")" = 0
check "one user handle for the person, 32 random bytes" "$(sql "select count(*) || ':' || max(length(handle)) from webauthn_users")" = "1:32"

# The audit log: registrations, removals, sign-ins and their refusals.
A="$WORK/audit.log"
check "registrations are audited" "$(grep -c '"event":"passkey.register","outcome":"ok"' "$A")" = 2
check "refused registrations are audited with the reason" \
	"$(grep '"event":"passkey.register","outcome":"refused"' "$A" | grep -c '"reason":"passkey-origin"')" = 1
check "removal and its refusal are audited" \
	"$(grep -c '"event":"passkey.remove","outcome":"ok"' "$A"):$(grep -c '"event":"passkey.remove","outcome":"refused"' "$A")" = "1:2"
check "passkey sign-ins are audited with the person" \
	"$(grep '"event":"signin","outcome":"ok"' "$A" | grep -c '"method":"passkey"')" = 4
for reason in passkey-challenge passkey-origin passkey-rp-id passkey-user-verification passkey-signature \
	passkey-counter passkey-unknown passkey-user-handle passkey-disabled; do
	check "a refused sign-in is audited: $reason" \
		"$(grep '"event":"signin","outcome":"refused"' "$A" | grep -c "\"reason\":\"$reason\"")" -ge 1
done
ok "no client data, signature or CSRF token in the audit log" sh -c "! grep -q 'clientDataJSON\\|authenticatorData\\|csrf_token' '$A'"

# Rate limit: failed passkey sign-ins count against the address like bad tokens.
stop_server
serve 3
for i in 1 2 3; do
	curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -H "Origin: $ORIGIN" \
		--data-binary '{"credential":{"id":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}}' \
		"$URL/api/v1/passkeys/login"
done
code=$(curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "Origin: $ORIGIN" "$URL/api/v1/passkeys/login/options")
check "after 3 failed passkey sign-ins the address gets 429 (also for new options)" "$code" = 429
check "the 429 is audited" "$(grep -c '"event":"signin.options","outcome":"rate-limited"' "$A")" -ge 1
finish
