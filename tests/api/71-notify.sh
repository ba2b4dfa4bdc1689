#!/bin/bash
# 71-notify.sh - the email outbox and trainer reminders (issue 17 items 1
# and 2) against a real SMTP server on loopback: Debian's aiosmtpd, run by
# /usr/bin/python3 with tests/smtp/smtp_sink.py storing each message it
# accepts as a file.  Checks: the thresholds at and around the boundary
# (N waiting vs N+1; D days vs D+1), exactly the expected messages, nothing
# new when notify runs twice the same day, SMTP down then up (messages stay
# failed with the reason, then are delivered once), what a reminder holds
# (names, dates, activities, the signing link; never notes), the admin's
# view of the outbox, and raslogd serve's background sender.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/smtp/lib.sh"
mail_to() { grep -l "^X-Envelope-To: $1" "$MAIL"/*.eml 2>/dev/null | wc -l; }
notify() { "$RASLOGD" --db "$DB" notify --now --smtp-url "smtp://127.0.0.1:$SMTP_PORT" \
	--public-url https://raslog.example.org/ --mail-from raslog@example.org "$@"; }
email_of() { sql "SELECT email FROM users WHERE id = $1"; }

# ---- fixture: trainers A (3 waiting), B (4), C (1, waited 30 days and an hour),
# D (1, waited 31 days and an hour), E (2); N = 3, D = 30 (the default) ----
start_server
ADMIN=$(add_user "Ada Admin" admin)
TRAINEE=$(add_user "Tess Trainee" trainee)
A=$(add_user "Alan Trainer" trainer); B=$(add_user "Beth Trainer" trainer)
C=$(add_user "Carl Trainer" trainer); D=$(add_user "Dina Trainer" trainer); E=$(add_user "Ed Trainer" trainer)
TT=$(token_of "$TRAINEE")
log_for() { # log_for TRAINER N
	for i in $(seq "$2"); do
		st=$(api POST /api/v1/sessions "$TT" "{\"date\":\"$(date -u -d "-$i days" +%F)\",\"minutes\":45,\"activity\":\"simulator\",\"trainer\":$1,\"notes\":\"SECRET-NOTE-$1-$i\"}")
		[ "$st" = 201 ] || echo "# logging for $1 failed: $st $(cat "$WORK/body")"
	done
}
log_for "$A" 3; log_for "$B" 4; log_for "$C" 1; log_for "$D" 1; log_for "$E" 2
stop_server
check "11 sessions wait" "$(sql "SELECT count(*) FROM sessions WHERE status = 'pending'")" = 11
sql "UPDATE sessions SET created_at = '$(date -u -d '-30 days -1 hour' +%Y-%m-%dT%H:%M:%SZ)' WHERE trainer_id = $C"
sql "UPDATE sessions SET created_at = '$(date -u -d '-31 days -1 hour' +%Y-%m-%dT%H:%M:%SZ)' WHERE trainer_id = $D"

# ---- SMTP down: queued, tried, failed with the reason, nothing lost ----
notify --reminder-waiting 3 >"$WORK/n1.json" 2>"$WORK/n1.err"
check "with the relay down, notify exits 1" "$?" = 1
check "... and says 2 reminders queued, 2 failed" "$(jget '(j["reminders_queued"], j["sent"], j["failed"])' <"$WORK/n1.json")" = "(2, 0, 2)"
check "the outbox holds 2 failed messages, each tried once" \
	"$(sql "SELECT group_concat(state || ':' || attempts) FROM outbox")" = "failed:1,failed:1"
check "... for B (4 > 3 waiting) and D (31 > 30 days), not A (3 waiting) or C (30 days)" \
	"$(sql "SELECT group_concat(idempotency_key, ' ') FROM (SELECT idempotency_key FROM outbox ORDER BY id) AS o")" = "reminder:$B:$(date -u +%F) reminder:$D:$(date -u +%F)"
check "... each with the reason in last_reply" "$(sql "SELECT count(*) FROM outbox WHERE last_reply LIKE '%onnect%'")" = 2
check "... and its next attempt backed off into the future" \
	"$(sql "SELECT count(*) FROM outbox WHERE next_attempt_at > '$(date -u +%Y-%m-%dT%H:%M:%SZ)'")" = 2
start_server
check "an admin sees the outbox (200)" "$(api GET '/api/v1/outbox?state=failed' "$(token_of "$ADMIN")")" = 200
check "... both failed messages with the relay's reply" \
	"$(jget 'sum(1 for m in j["items"] if m["state"] == "failed" and m["last_reply"])' <"$WORK/body")" = 2
check "... and no bodies" "$(grep -c SECRET "$WORK/body")" = 0
check "a trainer may not (403)" "$(api GET /api/v1/outbox "$(token_of "$A")")" = 403
check "?state=bogus is a 400" "$(api GET '/api/v1/outbox?state=bogus' "$(token_of "$ADMIN")")" = 400
stop_server

# ---- SMTP up: delivered once each ----
start_smtp
notify --reminder-waiting 3 >"$WORK/n2.json" 2>"$WORK/n2.err"
check "with the relay up, notify exits 0" "$?" = 0
check "... queues nothing new and sends the 2 waiting" "$(jget '(j["reminders_queued"], j["sent"], j["failed"])' <"$WORK/n2.json")" = "(0, 2, 0)"
check "exactly 2 messages arrived" "$(nmail)" = 2
check "... one to B" "$(mail_to "$(email_of "$B")")" = 1
check "... one to D" "$(mail_to "$(email_of "$D")")" = 1
check "both are marked sent with the relay's 250" "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent' AND last_reply LIKE '250%' AND sent_at IS NOT NULL")" = 2
notify --reminder-waiting 3 >"$WORK/n3.json" 2>&1
check "notify again the same day: nothing queued, nothing sent" "$(jget '(j["reminders_queued"], j["sent"])' <"$WORK/n3.json")" = "(0, 0)"
check "... and no new message arrived" "$(nmail)" = 2

# ---- what a reminder says ----
MB=$(grep -l "^X-Envelope-To: $(email_of "$B")" "$MAIL"/*.eml)
ok "it is plain text" grep -q '^Content-Type: text/plain; charset=utf-8' "$MB"
ok "its subject counts the waiting sessions" grep -q '^Subject: raslog: 4 training sessions wait for your signature' "$MB"
check "it lists the 4 sessions by date, trainee and activity" "$(grep -c "Tess Trainee.*simulator" "$MB")" = 4
ok "... with their dates" grep -q "$(date -u -d '-4 days' +%F)" "$MB"
check "it never holds notes" "$(grep -c SECRET "$MB")" = 0
ok "it links to the signing page under public_url" grep -q 'https://raslog.example.org/#/waiting' "$MB"
ok "it says how to change notifications" grep -q 'To change which notifications you receive' "$MB"
want=$(printf 'reminder:%s:%s' "$B" "$(date -u +%F)" | sha256sum | cut -c1-32)
ok "its Message-ID derives from the idempotency key (receivers can drop a resend)" grep -q "^Message-ID: <$want.raslog@example.org>" "$MB"
MD=$(grep -l "^X-Envelope-To: $(email_of "$D")" "$MAIL"/*.eml)
ok "D's reminder says how long the oldest waited" grep -q 'the oldest has waited 31 days' "$MD"

# ---- the boundaries from the other side ----
notify --reminder-waiting 2 >"$WORK/n4.json" 2>&1
check "N = 2: A (3 waiting) is reminded now, nobody else" "$(jget '(j["reminders_queued"], j["sent"])' <"$WORK/n4.json")" = "(1, 1)"
check "... exactly one more message, to A" "$(nmail) $(mail_to "$(email_of "$A")")" = "3 1"
notify --reminder-waiting 3 --reminder-days 29 >"$WORK/n5.json" 2>&1
check "D = 29: C (30 days) is reminded now, nobody else" "$(jget '(j["reminders_queued"], j["sent"])' <"$WORK/n5.json")" = "(1, 1)"
check "... exactly one more message, to C" "$(nmail) $(mail_to "$(email_of "$C")")" = "4 1"

# ---- raslogd serve: the background pass and sender ----
printf '[server]\nsmtp_url = smtp://127.0.0.1:%s\nmail_from = raslog@example.org\nreminder_waiting = 1\n' "$SMTP_PORT" >"$WORK/mail.conf"
RASLOG_CONFIG="$WORK/mail.conf" start_server
for i in $(seq 200); do [ "$(nmail)" -ge 5 ] && break; sleep 0.1; done
check "serve reminds E (2 > 1 waiting) and sends it in the background" "$(nmail) $(mail_to "$(email_of "$E")")" = "5 1"
for i in $(seq 100); do [ "$(sql "SELECT count(*) FROM outbox WHERE state = 'sent'")" = 5 ] && break; sleep 0.1; done
check "every message is sent once: 5 rows, 5 sent, 5 messages" \
	"$(sql "SELECT count(*) || ' ' || sum(CASE WHEN state = 'sent' THEN 1 ELSE 0 END) || ' ' || sum(attempts) FROM outbox") $(nmail)" = "5 5 7 5"
stop_server
stop_smtp
finish
