#!/bin/bash
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
# Part 2, part 1's programme moved on through the API (only the clock moved
# by SQL): the digest's lists (newly eligible, eligible in all, stuck
# trainees, longest queues) checked line by line against figures computed
# here by hand, after status rows and session records were edited at rest
# (the digest checks the rows' seals first: the edits change nothing in
# the mail, are named as drift and rebuilt); a faculty member who turned
# the digest off gets none.
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

# Trainee 8 is eligible; their status row edited while serving to say nothing is met must not make
# the sign-off look like progress (the mail compares the ledger's figures before and after).
sql "UPDATE trainee_status SET status = 'in_training', modules_met = 0, summary = '[]' WHERE trainee_id = 8"
st=$(signoff "$S1" confirmed)
check "trainer $TR signs session $S1 (201)" "$st" = 201
I1=$(jget 'j["ledger_index"]' <"$WORK/body")
check "exactly one message is queued, to the trainee, keyed decision:$I1" \
	"$(sql "SELECT group_concat(idempotency_key || ' ' || recipient) FROM outbox WHERE id > 1")" = "decision:$I1 $(email_of 8)"
check "... no progress mail or milestone from the edited status row, and the edit is named as drift" \
	"$(sql "SELECT count(*) FROM progress_milestones") $(grep '"event":"figures.drift"' "$WORK/audit.log" | grep -c '"trainee":8,"requirement":"status","cache":"in_training","ledger":"eligible"')" = "0 1"
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
	"$st $(sql "SELECT group_concat(recipient, ' ') FROM (SELECT recipient FROM outbox WHERE idempotency_key LIKE 'correction:$SM:2:%' ORDER BY recipient) t")" \
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
# The state is part 1's demo, moved on through the API and the CLI (users,
# programmes, preferences, a claim); only the clock is moved by SQL, at
# rest: when people joined and claims were made (record times), and when
# two trainees became eligible (progress_milestones, the notification
# bookkeeping).  No cached figure is written by hand.
# Demo programme 1 (START North East): Priya (7) accredited, Tomasz (8) and
# Richard (13) eligible, Aisha (9) in training with 2 claims for Sarah
# Kapoor (4); part 1 left Priya one claim for Sarah (moved there) and
# Tomasz none.
ts() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
RASLOG_CONFIG="$WORK/serve.conf" start_server
ADM=$(tok 2)
F1=$(add_user "Fay Faculty" faculty); F2=$(add_user "Gus Faculty" faculty)
NORA=$(add_user "Nora Never" trainee 2>/dev/null)
for who in "$F1:{\"programmes\":[1]}" "$F2:{\"programmes\":[1]}" "$NORA:{\"programme\":1}"; do
	st=$(api PATCH "/api/v1/users/${who%%:*}" "$ADM" "${who#*:}")
	check "setup: user ${who%%:*} joins programme 1 (200)" "$st" = 200
done
check "setup: Gus turns the digest off (200)" "$(api PUT /api/v1/me/notifications "$(token_of "$F2")" '{"digest":false}')" = 200
st=$(api POST /api/v1/sessions "$(token_of "$NORA")" "{\"date\":\"$yesterday\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$TR,\"notes\":\"SECRET-NORA\"}")
check "setup: Nora logs a claim for trainer $TR (201)" "$st" = 201
stop_server
AISHA=9; TOMASZ=8; RICHARD=13
sql "UPDATE users SET created_at = '$(ts '-45 days')' WHERE id = $NORA"
sql "UPDATE sessions SET created_at = '$(ts '-3 days')' WHERE trainee_id = $NORA"
sql "UPDATE sessions SET created_at = '$(ts '-31 days')' WHERE trainee_id = $AISHA AND status = 'pending'"
sql "INSERT INTO progress_milestones(trainee_id, kind, ledger_index, at) VALUES ($TOMASZ, 'eligible', 1, '$(ts '-2 days')'), ($RICHARD, 'eligible', 1, '$(ts '-10 days')')"
check "setup: programme 1's trainees stand as the demo made them" \
	"$(sql "SELECT group_concat(trainee_id || ':' || status, ' ') FROM (SELECT trainee_id, status FROM trainee_status WHERE trainee_id IN (7, 8, 9, 13) ORDER BY trainee_id) t")" = \
	"7:accredited 8:eligible 9:in_training 13:eligible"
TODAY=$(date -u +%F)
AISHA_SIGNED=$(sql "SELECT substr(max(created_at), 1, 10) FROM ledger WHERE subject_id = $AISHA AND kind IN ('session_signoff', 'assessment', 'module_completion')")
{
	echo "Newly eligible for accreditation (last 7 days):"
	echo "  $(date -u -d '-2 days' +%F)  Dr Tomasz Nowak  https://raslog.example.org/#/trainee/$TOMASZ"
	echo "Eligible and awaiting accreditation, in all: 2  https://raslog.example.org/#/accreditation"
	echo
	echo "Stuck trainees (nothing signed for more than 30 days, or a session waiting more than 30 days):"
	printf '  %-32s  %-11s  %-14s  %s\n' trainee "last signed" "waiting since" waiting
	printf '  %-32s  %-11s  %-14s  %s  %s\n' "Nora Never" never "$(date -u -d '-3 days' +%F)" 1 "https://raslog.example.org/#/trainee/$NORA"
	printf '  %-32s  %-11s  %-14s  %s  %s\n' "Dr Aisha Bello" "$AISHA_SIGNED" "$(date -u -d '-31 days' +%F)" 2 "https://raslog.example.org/#/trainee/$AISHA"
	echo "  in all: 2"
	echo
	echo "Trainers with the longest queues:"
	printf '  %-32s  %-7s  %s\n' trainer waiting "oldest since"
	printf '  %-32s  %-7s  %s\n' "Ms Sarah Kapoor" 3 "$(date -u -d '-31 days' +%F)"
	printf '  %-32s  %-7s  %s\n' "Mr David Ellis" 1 "$(date -u -d '-3 days' +%F)"
} >"$WORK/expected.txt"
check "setup: Aisha's last signature is today's (the demo's)" "$AISHA_SIGNED" = "$TODAY"

# ---- tampering at rest: nothing of it reaches the mail ----
# Aisha's status row made "eligible", Tomasz's "in training" (each would
# move a trainee between the lists and the count), and Aisha's signed
# session records dated 40 days back (the old "last signed").
sql "UPDATE trainee_status SET status = 'eligible', modules_met = modules_total WHERE trainee_id = $AISHA"
sql "UPDATE trainee_status SET status = 'in_training', modules_met = 0 WHERE trainee_id = $TOMASZ"
sql "UPDATE sessions SET signed_at = '$(ts '-40 days')' WHERE trainee_id = $AISHA AND status = 'signed'"
start_smtp
before=$(nmail)
notify --reminder-waiting 100 --reminder-days 30 >"$WORK/n5.json" 2>"$WORK/n5.err"
check "notify: one digest queued (Fay; Gus opted out, Amelia had hers this week), no reminder (Sarah turned them off in part 1); sent" \
	"$(jget '(j["reminders_queued"], j["digests_queued"], j["sent"])' <"$WORK/n5.json")" = "(0, 1, 1)"
check "... one new message, to Fay, none to Gus" "$(nmail) $(mail_to "$(email_of "$F1")" | wc -l) $(mail_to "$(email_of "$F2")" | wc -l)" = "$((before + 1)) 1 0"
MF=$(mail_to "$(email_of "$F1")")
ok "its subject names the ISO week" grep -q "^Subject: raslog: weekly digest $(date -u +%G-W%V)" "$MF"
body "$MF" | sed -n '/^Newly eligible/,/^-- $/p' | sed '$d' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$WORK/got.txt"
ok "the digest's figures are exactly the hand-computed ones: the tampered rows changed nothing" diff -u "$WORK/expected.txt" "$WORK/got.txt"
[ "$TESTS_FAILED" = 0 ] || { echo "# got:"; sed 's/^/#   /' "$WORK/got.txt"; }
check "the tampered status rows were named as drift (figures.drift on stderr), Aisha's and Tomasz's" \
	"$(grep -c "figures.drift.*\"trainee\":$AISHA,\"requirement\":\"status\",\"cache\":\"eligible\",\"ledger\":\"in_training\"" "$WORK/n5.err") $(grep -c "figures.drift.*\"trainee\":$TOMASZ,\"requirement\":\"status\",\"cache\":\"in_training\",\"ledger\":\"eligible\"" "$WORK/n5.err")" = "1 1"
check "... and rebuilt from the ledger" \
	"$(sql "SELECT group_concat(status, ' ') FROM (SELECT status FROM trainee_status WHERE trainee_id IN ($TOMASZ, $AISHA) ORDER BY trainee_id) t")" = "eligible in_training"
check "it holds no notes" "$(grep -c SECRET "$MF")" = 0
notify --reminder-waiting 100 >"$WORK/n6.json" 2>"$WORK/n6.err"
check "a second run the same week queues no digest, and finds nothing left to rebuild" \
	"$(jget 'j["digests_queued"]' <"$WORK/n6.json") $(nmail) $(grep -c figures.drift "$WORK/n6.err")" = "0 $((before + 1)) 0"
stop_smtp
finish
