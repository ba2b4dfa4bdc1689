#!/bin/bash
# engine: sqlite (part 2 builds its fixture with SQLite's own SQL: INSERT OR REPLACE, strftime; tests/run.sh runs it once)
# 72-notify-events.sh - what raslog tells trainees and faculty (issue 17
# item 2) and who chooses it, against the same real SMTP server as
# 71-notify.sh (Debian's aiosmtpd with tests/smtp/smtp_sink.py).
#
# Part 1, on the demo programme: GET/PUT /api/v1/me/notifications (defaults
# by role, bad input refused and changing nothing); a signed session gives
# exactly one message to its trainee, a rejection one with the trainer's
# reason, a trainee who turned decisions off gets none; no message holds
# notes or scores; every message ends with the link to the settings page;
# the faculty digest goes once per ISO week; a trainee's edit or withdrawal
# of a pending session tells the trainer(s) it concerns (a trainer's
# correction of a signed record tells the trainee: tests/unit/test_notify.c).
# Part 2, a hand-made fixture: the digest's lists (newly eligible, eligible
# in all, stuck trainees, longest queues) checked line by line against
# figures computed here by hand, and a faculty member who turned the
# digest off gets none.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JS="$ROOT/tests/js"
. "$ROOT/tests/smtp/lib.sh"
mail_to() { grep -l "^X-Envelope-To: $1" "$MAIL"/*.eml 2>/dev/null; }
notify() { "$RASLOGD" --db "$DB" notify --now --smtp-url "smtp://127.0.0.1:$SMTP_PORT" \
	--public-url https://raslog.example.org/ --mail-from raslog@example.org "$@"; }
email_of() { sql "SELECT email FROM users WHERE id = $1"; }
# body FILE: the message body with CRLF turned into LF
body() { sed -n '/^\r$/,$p' "$1" | tr -d '\r' | sed 1d; }

# ================================ part 1: the demo programme ================================
KEYS="$WORK/keys"
demo_keys # tests/lib.sh: the demo, $WORK/keys, $WORK/people.jsonl; tok ID and pk_of ID
printf '[server]\npublic_url = https://raslog.example.org\n' >"$WORK/serve.conf"
RASLOG_CONFIG="$WORK/serve.conf" start_server
# Demo: 1 faculty, 2 admin, 3..6 trainers, 7.. trainees; trainer 3 supervises trainees 7 and 8.
TOKF=$(tok 1); TR=3; TOKTR=$(tok $TR)

# ---- preferences ----
prefs() { api GET /api/v1/me/notifications "$1" >/dev/null; jget '(j["reminders"], j["decisions"], j["digest"])' <"$WORK/body"; }
check "a trainee's defaults: decisions only" "$(prefs "$(tok 7)")" = "(False, True, False)"
check "a trainer's defaults: reminders only" "$(prefs "$TOKTR")" = "(True, False, False)"
check "faculty's defaults: the digest only" "$(prefs "$TOKF")" = "(False, False, True)"
check "an admin's: none" "$(prefs "$(tok 2)")" = "(False, False, False)"
for bad in '{"decisions":1}' '{"decisions":"no"}' '{"sms":true}' '{}' '{"digest":true,"decisions":null}'; do
	st=$(api PUT /api/v1/me/notifications "$(tok 8)" "$bad")
	check "PUT $bad is refused (400)" "$st" = 400
done
check "... and changed nothing" "$(prefs "$(tok 8)")" = "(False, True, False)"
check "PUT without a token is 401" "$(api PUT /api/v1/me/notifications "" '{"digest":true}')" = 401
st=$(api PUT /api/v1/me/notifications "$TOKTR" '{"digest":true}')
check "PUT {digest:true} answers 200 with every choice" "$st $(jget '(j["reminders"], j["decisions"], j["digest"])' <"$WORK/body")" = "200 (True, False, True)"
check "... the others kept, and it is what GET says now" "$(prefs "$TOKTR")" = "(True, False, True)"
st=$(api PUT /api/v1/me/notifications "$TOKTR" '{"digest":false}')
check "... and back" "$st $(prefs "$TOKTR")" = "200 (True, False, False)"

# ---- sign-offs: the trainee is told ----
pending() { # pending TRAINEE -> ids of the trainee's sessions waiting for trainer $TR
	curl -s -H "Authorization: Bearer $TOKTR" "$URL/api/v1/sessions?limit=200" |
		python3 -c 'import json,sys; j=json.load(sys.stdin); print(" ".join(str(s["id"]) for s in j["items"] if s["status"]=="pending" and s["trainer"]==int(sys.argv[1]) and s["trainee"]==int(sys.argv[2])))' $TR "$1"
}
statement() { # statement SESSION DECISION [REASON] -> a session_signoff statement by trainer $TR
	curl -s -H "Authorization: Bearer $TOKTR" "$URL/api/v1/sessions/$1" | python3 -c '
import json, sys, datetime
s = json.load(sys.stdin)
certified = ["id","trainee","trainer","date","minutes","activity","platform","site","procedure","steps","role","notes","created_at"]
sess = {k: s[k] for k in certified if s.get(k) is not None}
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
st = {"v":1,"type":"session_signoff","signer":int(sys.argv[1]),"key":sys.argv[2],"signed_at":now,"decision":sys.argv[3],"session":sess}
if len(sys.argv) > 4: st["reason"] = sys.argv[4]
print(json.dumps(st))' $TR "$(pk_of $TR)" "$2" "${3:-}" | python3 -c 'import json,sys; s=json.load(sys.stdin); s.pop("reason") if s.get("reason")=="" else None; print(json.dumps(s))'
}
signoff() { # signoff SESSION DECISION [REASON] -> HTTP status
	statement "$@" >"$WORK/st.json"
	node "$JS/sign.mjs" "$KEYS/user-$TR.key" "$WORK/st.json" >"$WORK/st.signed"
	api POST /api/v1/signoffs "$TOKTR" "$(cat "$WORK/st.signed")"
}
set -- $(pending 8); S1=${1:-}; S2=${2:-}
set -- $(pending 7); S3=${1:-}
check "the demo leaves two sessions of trainee 8 and one of trainee 7 waiting for trainer $TR" -n "$S2$S3"
# serve's background pass queues this week's digest as it starts.
WEEK=$(date -u +%G-W%V)
for i in $(seq 100); do [ "$(sql "SELECT count(*) FROM outbox")" -ge 1 ] && break; sleep 0.1; done
check "serve's background pass queued this week's digest for the demo's faculty, and the demo queued nothing else" \
	"$(sql "SELECT group_concat(idempotency_key || ' ' || recipient) FROM outbox")" = "digest:1:$WEEK $(email_of 1)"
NOTES=$(sql "SELECT group_concat(notes, '|') FROM sessions WHERE id IN ($S1, $S2, $S3) AND notes IS NOT NULL")

st=$(signoff "$S1" confirmed)
check "trainer $TR signs session $S1 (201)" "$st" = 201
I1=$(jget 'j["ledger_index"]' <"$WORK/body")
check "exactly one message is queued, to the trainee, keyed decision:$I1" \
	"$(sql "SELECT group_concat(idempotency_key || ' ' || recipient) FROM outbox WHERE id > 1")" = "decision:$I1 $(email_of 8)"
REASON="Port placement was not as logged: please re-log with the assistant's role"
st=$(signoff "$S2" rejected "$REASON")
check "trainer $TR rejects session $S2 with a reason (201)" "$st" = 201
I2=$(jget 'j["ledger_index"]' <"$WORK/body")
check "... one more message, keyed decision:$I2" "$(sql "SELECT count(*) FROM outbox WHERE idempotency_key = 'decision:$I2' AND recipient = '$(email_of 8)'") $(sql "SELECT count(*) FROM outbox")" = "1 3"
check "trainee 7 turns decisions off (200)" "$(api PUT /api/v1/me/notifications "$(tok 7)" '{"decisions":false}')" = 200
st=$(signoff "$S3" confirmed)
check "trainer $TR signs trainee 7's session $S3 (201)" "$st" = 201
check "... and nothing is queued for trainee 7" "$(sql "SELECT count(*) FROM outbox")" = 3
st=$(api POST /api/v1/signoffs "$TOKTR" "$(cat "$WORK/st.signed")")
check "a refused second sign-off (409) queues nothing" "$st $(sql "SELECT count(*) FROM outbox")" = "409 3"
stop_server

# ---- delivery ----
start_smtp
notify >"$WORK/n1.json" 2>"$WORK/n1.err"
check "notify --now: no reminders, no second digest this week, 3 sent" \
	"$(jget '(j["reminders_queued"], j["digests_queued"], j["sent"], j["failed"])' <"$WORK/n1.json")" = "(0, 0, 3, 0)"
check "exactly 3 messages arrived: 2 to trainee 8, 1 to faculty" \
	"$(nmail) $(mail_to "$(email_of 8)" | wc -l) $(mail_to "$(email_of 1)" | wc -l)" = "3 2 1"
MS=$(grep -l '^Subject: raslog: your session of .* was signed' "$MAIL"/*.eml)
MR=$(grep -l '^Subject: raslog: your session of .* was rejected' "$MAIL"/*.eml)
check "one says signed, one says rejected" "$(echo $MS | wc -w) $(echo $MR | wc -w)" = "1 1"
D1=$(sql "SELECT date FROM sessions WHERE id = $S1")
ok "the signed one names the session's date and the trainer" grep -q "Mr David Ellis signed your .* session of $D1" "$MS"
ok "the rejection holds the trainer's reason" grep -qF "$REASON" "$MR"
for m in "$MAIL"/*.eml; do
	body "$m" >"$WORK/b.txt"
	n=$(basename "$m")
	check "$n ends with the link to change notifications" \
		"$(grep -v '^$' "$WORK/b.txt" | tail -1)" = "To change which notifications you receive, go to https://raslog.example.org/#/settings/notifications"
	IFS='|' read -ra parts <<<"$NOTES"
	leaked=0
	for p in "${parts[@]}"; do [ -n "$p" ] && grep -qF "$p" "$WORK/b.txt" && leaked=1; done
	check "$n holds no session notes" "$leaked" = 0
	check "$n holds no GEARS or other scores" "$(grep -ciE 'gears|score' "$WORK/b.txt")" = 0
done
notify >"$WORK/n2.json" 2>&1
check "notify again the same week: no digest, nothing sent" "$(jget '(j["digests_queued"], j["sent"])' <"$WORK/n2.json")" = "(0, 0)"
check "... no new message" "$(nmail)" = 3

# ---- corrections: a trainee's edit or withdrawal tells the trainer(s) it concerns ----
RASLOG_CONFIG="$WORK/serve.conf" start_server
T8=$(tok 8); T7=$(tok 7); TR2=4
yesterday=$(date -u -d yesterday +%F)
# chg METHOD SESSION TOKEN IF-MATCH [BODY] -> HTTP status
chg() { curl -s -o "$WORK/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3" -H "If-Match: $4" \
	${5:+-H 'Content-Type: application/json' --data-binary "$5"} "$URL/api/v1/sessions/$2"; }
nout() { sql "SELECT count(*) FROM outbox"; }
st=$(api POST /api/v1/sessions "$T8" "{\"date\":\"$yesterday\",\"minutes\":40,\"activity\":\"simulator\",\"trainer\":$TR,\"notes\":\"SECRET-EDIT-NOTE\"}")
SC=$(jget 'j["id"]' <"$WORK/body")
check "trainee 8 logs session $SC for trainer $TR (201), which queues nothing" "$st $(nout)" = "201 3"
st=$(chg PATCH "$SC" "$T8" '"1-pending"' '{"minutes":45}')
check "trainee 8 edits it (200): one message, to trainer $TR, keyed correction:$SC:2:$TR" \
	"$st $(sql "SELECT group_concat(idempotency_key || ' ' || recipient) FROM outbox WHERE id > 3")" = "200 correction:$SC:2:$TR $(email_of $TR)"
st=$(chg PATCH "$SC" "$T8" '"1-pending"' '{"minutes":50}')
check "a stale edit (412) queues nothing" "$st $(nout)" = "412 4"
st=$(chg PATCH "$SC" "$T8" '"2-pending"' '{"minutes":0}')
check "a bad edit (400) queues nothing" "$st $(nout)" = "400 4"
st=$(chg DELETE "$SC" "$T8" '"2-pending"')
check "trainee 8 withdraws it (200): one more, to trainer $TR, keyed correction:$SC:3:$TR" \
	"$st $(sql "SELECT count(*) FROM outbox WHERE idempotency_key = 'correction:$SC:3:$TR' AND recipient = '$(email_of $TR)'") $(nout)" = "200 1 5"
st=$(api POST /api/v1/sessions "$T7" "{\"date\":\"$yesterday\",\"minutes\":40,\"activity\":\"simulator\",\"trainer\":$TR}")
SM=$(jget 'j["id"]' <"$WORK/body")
st=$(chg PATCH "$SM" "$T7" '"1-pending"' "{\"trainer\":$TR2}")
check "trainee 7 moves session $SM from trainer $TR to trainer $TR2 (200): both are told" \
	"$st $(sql "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM outbox WHERE idempotency_key LIKE 'correction:$SM:2:%' ORDER BY recipient)")" \
	= "200 $(printf '%s\n' "$(email_of $TR)" "$(email_of $TR2)" | LC_ALL=C sort | paste -sd' ')"
check "trainer $TR2 turns reminders off (200)" "$(api PUT /api/v1/me/notifications "$(tok $TR2)" '{"reminders":false}')" = 200
st=$(chg PATCH "$SM" "$T7" '"2-pending"' '{"minutes":35}')
check "... and trainee 7's next edit queues nothing for them" "$st $(nout)" = "200 7"
stop_server
notify >"$WORK/n3.json" 2>"$WORK/n3.err"
check "notify --now sends the 4 correction messages" "$(jget '(j["sent"], j["failed"])' <"$WORK/n3.json")" = "(4, 0)"
MC=$(grep -l "^Subject: raslog: .* corrected a session of $yesterday" "$MAIL"/*.eml | head -1)
MW=$(grep -l "^Subject: raslog: .* withdrew a session of $yesterday" "$MAIL"/*.eml)
check "trainer $TR has one 'corrected' and one 'withdrew' message" "$(grep -l "^X-Envelope-To: $(email_of $TR)" $MC $MW | wc -l)" = 2
body "$MC" >"$WORK/b.txt"
ok "the edit's message names the trainee, activity and date, and says it waits" \
	grep -q "corrected their simulator session of $yesterday, which waits for your signature" "$WORK/b.txt"
ok "... links to the waiting page" grep -qF "https://raslog.example.org/#/waiting" "$WORK/b.txt"
for m in $MC $MW; do
	body "$m" >"$WORK/b.txt"
	check "$(basename "$m") holds no notes and ends with the settings link" \
		"$(grep -c SECRET-EDIT-NOTE "$WORK/b.txt") $(grep -v '^$' "$WORK/b.txt" | tail -1)" = \
		"0 To change which notifications you receive, go to https://raslog.example.org/#/settings/notifications"
done

# ============================ part 2: the digest, figures by hand ============================
DB="$WORK/digest.db"; rm -f "$WORK/tokens"
"$RASLOGD" --db "$DB" init 2>"$WORK/init.log" || { echo "# init failed"; cat "$WORK/init.log"; exit 1; }
F1=$(add_user "Fay Faculty" faculty); F2=$(add_user "Gus Faculty" faculty)
A=$(add_user "Alan Trainer" trainer); B=$(add_user "Beth Trainer" trainer); C=$(add_user "Carl Trainer" trainer)
NINA=$(add_user "Nina Newly" trainee); OLGA=$(add_user "Olga Older" trainee); AMY=$(add_user "Amy Accredited" trainee)
SAM=$(add_user "Sam Stale" trainee); WENDY=$(add_user "Wendy Waiting" trainee); FRED=$(add_user "Fred Fresh" trainee)
NORA=$(add_user "Nora Never" trainee); KIM=$(add_user "Kim Okay" trainee)
# Gus opted out of the digest (the API is part 1's).  No server here: its
# background pass would queue this week's digest before the fixture is made.
sql "INSERT INTO notify_prefs(user_id, reminders, decisions, digest, updated_at) VALUES ($F2, 0, 0, 0, '2026-01-01T00:00:00Z')"
log() { # log TRAINEE TRAINER -> session id
	sql "INSERT INTO sessions(trainee_id, trainer_id, date, minutes, activity, notes, created_at) VALUES ($1, $2, date('now', '-1 days'), 30, 'simulator', 'SECRET-$1', strftime('%Y-%m-%dT%H:%M:%SZ', 'now')) RETURNING id"
}
# Sessions: pending ones, then some marked signed with their signature times.
s_sam1=$(log "$SAM" "$A"); log "$SAM" "$A" >/dev/null; log "$SAM" "$A" >/dev/null
s_wendy1=$(log "$WENDY" "$B"); log "$WENDY" "$B" >/dev/null
log "$NORA" "$C" >/dev/null
s_kim1=$(log "$KIM" "$A"); log "$KIM" "$A" >/dev/null
ts() { echo "strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '$1')"; }
sql "UPDATE users SET created_at = $(ts '-100 days') WHERE id IN ($SAM, $KIM, $AMY)"
sql "UPDATE users SET created_at = $(ts '-60 days') WHERE id = $WENDY"
sql "UPDATE users SET created_at = $(ts '-5 days') WHERE id = $FRED"
sql "UPDATE users SET created_at = $(ts '-45 days') WHERE id = $NORA"
sign() { sql "UPDATE sessions SET status = 'signed', signed_by = trainer_id, signed_at = $(ts "$2") WHERE id = $1"; }
sign "$s_sam1" '-40 days'; sign "$s_wendy1" '-1 days'; sign "$s_kim1" '-10 days'
sql "UPDATE sessions SET created_at = $(ts '-1 days') WHERE trainee_id = $SAM AND status = 'pending'"
sql "UPDATE sessions SET created_at = $(ts '-31 days') WHERE trainee_id = $WENDY AND status = 'pending'"
sql "UPDATE sessions SET created_at = $(ts '-3 days') WHERE trainee_id = $NORA"
sql "UPDATE sessions SET created_at = $(ts '-5 days') WHERE trainee_id = $KIM AND status = 'pending'"
for t in "$NINA:eligible" "$OLGA:eligible" "$AMY:accredited"; do
	sql "INSERT OR REPLACE INTO trainee_status(trainee_id, status, modules_met, modules_total, summary, updated_at) VALUES (${t%%:*}, '${t#*:}', 7, 7, '[]', $(ts '-1 days'))"
done
sql "INSERT INTO progress_milestones(trainee_id, kind, ledger_index, at) VALUES ($NINA, 'eligible', 10, $(ts '-2 days')), ($OLGA, 'eligible', 5, $(ts '-10 days'))"
: >"$WORK/expected.txt"
{
	echo "Newly eligible for accreditation (last 7 days):"
	echo "  $(date -u -d '-2 days' +%F)  Nina Newly  https://raslog.example.org/#/trainee/$NINA"
	echo "Eligible and awaiting accreditation, in all: 2  https://raslog.example.org/#/accreditation"
	echo
	echo "Stuck trainees (no session signed for more than 30 days, or one waiting more than 30 days):"
	printf '  %-32s  %-11s  %-14s  %s\n' trainee "last signed" "waiting since" waiting
	printf '  %-32s  %-11s  %-14s  %s  %s\n' "Nora Never" never "$(date -u -d '-3 days' +%F)" 1 "https://raslog.example.org/#/trainee/$NORA"
	printf '  %-32s  %-11s  %-14s  %s  %s\n' "Sam Stale" "$(date -u -d '-40 days' +%F)" "$(date -u -d '-1 days' +%F)" 2 "https://raslog.example.org/#/trainee/$SAM"
	printf '  %-32s  %-11s  %-14s  %s  %s\n' "Wendy Waiting" "$(date -u -d '-1 days' +%F)" "$(date -u -d '-31 days' +%F)" 1 "https://raslog.example.org/#/trainee/$WENDY"
	echo "  in all: 3"
	echo
	echo "Trainers with the longest queues:"
	printf '  %-32s  %-7s  %s\n' trainer waiting "oldest since"
	printf '  %-32s  %-7s  %s\n' "Alan Trainer" 3 "$(date -u -d '-5 days' +%F)"
	printf '  %-32s  %-7s  %s\n' "Beth Trainer" 1 "$(date -u -d '-31 days' +%F)"
	printf '  %-32s  %-7s  %s\n' "Carl Trainer" 1 "$(date -u -d '-3 days' +%F)"
} >"$WORK/expected.txt"
before=$(nmail)
notify --reminder-waiting 100 --reminder-days 30 >"$WORK/n3.json" 2>&1
check "notify: one digest queued (Fay; Gus opted out), and Beth's reminder (31 days); both sent" \
	"$(jget '(j["reminders_queued"], j["digests_queued"], j["sent"])' <"$WORK/n3.json")" = "(1, 1, 2)"
check "... one new message to Fay, none to Gus" "$(nmail) $(mail_to "$(email_of "$F1")" | wc -l) $(mail_to "$(email_of "$F2")" | wc -l)" = "$((before + 2)) 1 0"
MF=$(mail_to "$(email_of "$F1")")
ok "its subject names the ISO week" grep -q "^Subject: raslog: weekly digest $(date -u +%G-W%V)" "$MF"
body "$MF" | sed -n '/^Newly eligible/,/^-- $/p' | sed '$d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$WORK/got.txt"
ok "the digest's figures are exactly the hand-computed ones" diff -u "$WORK/expected.txt" "$WORK/got.txt"
[ "$TESTS_FAILED" = 0 ] || { echo "# got:"; sed 's/^/#   /' "$WORK/got.txt"; }
check "it holds no notes" "$(grep -c SECRET "$MF")" = 0
notify --reminder-waiting 100 >"$WORK/n4.json" 2>&1
check "a second run the same week queues no digest" "$(jget 'j["digests_queued"]' <"$WORK/n4.json") $(nmail)" = "0 $((before + 2))"
stop_smtp
finish
