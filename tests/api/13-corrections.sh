#!/bin/bash
# tests/api/13-corrections.sh - a trainee corrects or withdraws their own
# pending session (issue 16 item 1): PATCH and DELETE /api/v1/sessions/{id}
# with If-Match on the ETag (428 without, 412 when stale), only by the
# trainee and only while pending (409 once decided), every earlier version
# kept; a withdrawn session counts nowhere and leaves the trainer's queue
# but stays in the trainee's history.  And the warnings of item 4 in the
# 201/200 replies: duplicate, step not counted, trainer not accredited,
# implausible length.
. "$(dirname "$0")/../lib.sh"

# req METHOD PATH TOKEN IF-MATCH|- [BODY]: status echoed, body in $WORK/body, headers in $WORK/hdr
req() {
	m=$1; p=$2; t=$3; im=$4; shift 4
	h=()
	[ "$im" != - ] && h=(-H "If-Match: $im")
	if [ $# -gt 0 ]; then
		curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" "${h[@]}" \
			-H 'Content-Type: application/json' --data-binary "$1" "$URL$p"
	else
		curl -s -D "$WORK/hdr" -o "$WORK/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" "${h[@]}" "$URL$p"
	fi
}
etag_of() { req GET "/api/v1/sessions/$1" "$2" - >/dev/null; hdr ETag; }
warnings() { jget '",".join(sorted(w["code"] for w in j.get("warnings", [])))' <"$WORK/body"; }
row() { sql "select trainer_id, date, minutes, activity, coalesce(procedure,''), status, revision from sessions where id = $1"; }

start_server --auth-failures 1000
mk T "Tia Trainee" trainee
mk T2 "Ben Trainee" trainee
mk R "Rob Trainer" trainer
mk R2 "Ria Trainer" trainer
mk F "Fay Faculty" faculty,trainer
mk D "Dual Role" trainee,trainer
tokT=$(token_of "$T"); tokT2=$(token_of "$T2"); tokR=$(token_of "$R"); tokR2=$(token_of "$R2")
tokF=$(token_of "$F"); tokD=$(token_of "$D")
today=$(date -u +%F)
yesterday=$(date -u -d yesterday +%F)
NECK=prostatectomy.bladder_neck_dissection
VUA=prostatectomy.vesicourethral_anastomosis
pending_tally() { sql "select coalesce(sum(pending),0) from trainee_tally where trainee_id = $T"; }

body="{\"date\":\"$yesterday\",\"minutes\":60,\"activity\":\"console_modular\",\"procedure\":\"Robotic prostatectomy\",
 \"steps\":[\"$NECK\",\"$VUA\"],\"role\":\"S-TS\",\"trainer\":$R}"
st=$(req POST /api/v1/sessions "$tokT" - "$body")
check "setup: T logs a session naming R: 201" "$st" = 201
S=$(jget 'j["id"]' <"$WORK/body")
check "the 201 carries the ETag of revision 1" "$(hdr ETag)" = "\"1-pending\""
check "... and the record shows revision 1" "$(jget 'j["revision"]' <"$WORK/body")" = 1
E1=$(etag_of "$S" "$tokT")
check "GET /sessions/{id} returns the ETag" "$E1" = "\"1-pending\""
tally1=$(pending_tally)
check "setup: the pending claim is counted" "$tally1" -gt 0

# ---- preconditions ------------------------------------------------------------
before=$(row "$S")
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" - '{"minutes":75}')
check "PATCH without If-Match: 428" "$st" = 428
check "... a problem naming If-Match" "$(jget 'j["type"]' <"$WORK/body")" = "urn:raslog:problem:precondition-required"
st=$(req DELETE "/api/v1/sessions/$S" "$tokT" -)
check "DELETE without If-Match: 428" "$st" = 428
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" '*' '{"minutes":75}')
check "If-Match: * names no version: 428" "$st" = 428
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" '"7-pending"' '{"minutes":75}')
check "PATCH with a stale ETag: 412" "$st" = 412
check "... a problem saying it changed" "$(jget 'j["type"]' <"$WORK/body")" = "urn:raslog:problem:precondition-failed"
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" 'W/"1-pending"' '{"minutes":75}')
check "a weak ETag never matches: 412" "$st" = 412
st=$(req DELETE "/api/v1/sessions/$S" "$tokT" '"0-pending"')
check "DELETE with a stale ETag: 412" "$st" = 412
check "... and none of these changed the session" "$(row "$S")" = "$before"

# ---- who may --------------------------------------------------------------------
st=$(req PATCH "/api/v1/sessions/$S" "$tokT2" "$E1" '{"minutes":75}')
check "another trainee: 404, as for no session" "$st" = 404
st=$(req PATCH "/api/v1/sessions/987654" "$tokT2" "$E1" '{"minutes":75}')
check "... the same as a session that does not exist" "$st" = 404
st=$(req DELETE "/api/v1/sessions/$S" "$tokR" "$E1")
check "the trainer cannot withdraw it: 403" "$st" = 403
st=$(req PATCH "/api/v1/sessions/$S" "$tokF" "$E1" '{"minutes":75}')
check "faculty cannot edit it: 403" "$st" = 403
st=$(req POST /api/v1/sessions "$tokT" - "{\"date\":\"$yesterday\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$D}")
SD=$(jget 'j["id"]' <"$WORK/body")
st=$(req PATCH "/api/v1/sessions/$SD" "$tokD" "$(etag_of "$SD" "$tokT")" '{"minutes":75}')
check "a trainee-and-trainer who is its trainer, not its trainee: 403" "$st" = 403
check "... and nothing changed" "$(row "$S")" = "$before"
st=$(req DELETE "/api/v1/sessions/$SD" "$tokT" "$(etag_of "$SD" "$tokT")")
check "T withdraws that one" "$st" = 200
check "... which takes its pending claim away" "$(pending_tally)" = "$tally1"

# ---- validation is the logging parser's -----------------------------------------
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" "$E1" '{"minutes":0,"activity":"juggling","status":"signed"}')
check "PATCH with bad fields: 400" "$st" = 400
check "... naming minutes, activity and the server-owned status" \
	"$(jget '",".join(sorted(e["field"] for e in j["errors"]))' <"$WORK/body")" = "activity,minutes,status"
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" "$E1" "{\"trainer\":$T}")
check "naming yourself as trainer: 400 on trainer" "$(jget 'j["errors"][0]["field"]' <"$WORK/body")" = trainer
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" "$E1" '{"date":null}')
check "removing the date (null): 400, date is required" "$st:$(jget 'j["errors"][0]["field"]' <"$WORK/body")" = "400:date"
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" "$E1" '{}')
check "an empty PATCH: 400" "$st" = 400
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" "$E1" '[1]')
check "a body that is not an object: 400" "$st" = 400
check "... nothing changed, nothing kept" "$(row "$S"):$(sql "select count(*) from session_revisions where session_id = $S")" = "$before:0"

# ---- an edit, including the trainer -------------------------------------------------
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" "$E1" "{\"minutes\":75,\"trainer\":$R2,\"procedure\":null}")
check "PATCH with the current ETag: 200" "$st" = 200
E2=$(hdr ETag)
check "... a new ETag" "$E2" = "\"2-pending\""
check "... the record shows the change" "$(jget '(j["minutes"], j["trainer"], "procedure" in j, j["revision"], j["status"])' <"$WORK/body")" \
	= "(75, $R2, False, 2, 'pending')"
check "... untouched fields kept" "$(jget '(j["activity"], j["steps"], j["role"])' <"$WORK/body")" \
	= "('console_modular', ['$NECK', '$VUA'], 'S-TS')"
check "... updated_at set" -n "$(jget 'j.get("updated_at") or ""' <"$WORK/body")"
revision_fields() { # the kept versions: revision|replaced_by|minutes|trainer|procedure, one a line (either engine)
	sql "select revision, replaced_by, fields from session_revisions where session_id = $S order by revision" |
		python3 -c 'import json,sys
for l in sys.stdin:
    r, by, f = l.rstrip("\n").split("|", 2); f = json.loads(f)
    print("|".join(str(x) for x in (r, by, f.get("minutes"), f.get("trainer"), f.get("procedure"))))'
}
check "the earlier version is kept in session_revisions" "$(revision_fields)" = "1|edit|60|$R|Robotic prostatectomy"
check "the pending tally is unchanged by a like-for-like edit" "$(pending_tally)" = "$tally1"
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" "$E1" '{"minutes":80}')
check "the first ETag is now stale: 412" "$st" = 412
st=$(req GET "/api/v1/sessions?waiting_for_me=1" "$tokR" -)
check "the old trainer's queue no longer has it" "$(jget "[s['id'] for s in j['items'] if s['id'] == $S]" <"$WORK/body")" = "[]"
st=$(req GET "/api/v1/sessions/$S" "$tokR" -)
check "... nor may the old trainer read it" "$st" = 404
st=$(req GET "/api/v1/sessions?waiting_for_me=1" "$tokR2" -)
check "the new trainer's queue has it" "$(jget "[s['id'] for s in j['items'] if s['id'] == $S]" <"$WORK/body")" = "[$S]"
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" "$E2" "{\"steps\":[\"$NECK\"]}")
check "dropping a step: 200" "$st" = 200
E3=$(hdr ETag)
check "... moves the pending tally down" "$(pending_tally)" -lt "$tally1"

# ---- withdrawal ---------------------------------------------------------------------
st=$(req DELETE "/api/v1/sessions/$S" "$tokT" "$E3")
check "DELETE with the current ETag: 200" "$st" = 200
check "... the record says withdrawn, with when" "$(jget '(j["status"], bool(j.get("withdrawn_at")), j["revision"])' <"$WORK/body")" = "('withdrawn', True, 4)"
check "the row is kept" "$(sql "select status from sessions where id = $S")" = withdrawn
check "the withdrawn version is kept too" "$(sql "select revision || replaced_by from session_revisions where session_id = $S order by revision" | tr '\n' ' ' | sed 's/ $//')" \
	= "1edit 2edit 3withdrawal"
check "a withdrawn session counts nowhere (pending tally back to 0 for it)" "$(pending_tally)" = 0
st=$(req GET "/api/v1/sessions?waiting_for_me=1" "$tokR2" -)
check "it left the trainer's queue" "$(jget "[s['id'] for s in j['items'] if s['id'] == $S]" <"$WORK/body")" = "[]"
st=$(req GET "/api/v1/sessions/$S" "$tokR2" -)
check "... and the trainer cannot read it" "$st" = 404
st=$(req GET "/api/v1/sessions?status=withdrawn" "$tokT" -)
check "it stays in the trainee's history, status withdrawn" "$(jget "[s['status'] for s in j['items'] if s['id'] == $S]" <"$WORK/body")" = '["withdrawn"]'
st=$(req GET "/api/v1/sessions/$S" "$tokF" -)
check "faculty still see it" "$st" = 200
st=$(req GET "/api/v1/trainees/$T/progress" "$tokT" -)
check "progress lists no pending claim for it" "$(jget "[p for p in j.get('evidence', {}).get('pending', []) if p['session'] == $S]" <"$WORK/body")" = "[]"
E4=$(etag_of "$S" "$tokT")
st=$(req PATCH "/api/v1/sessions/$S" "$tokT" "$E4" '{"minutes":10}')
check "editing a withdrawn session: 409" "$st" = 409
st=$(req DELETE "/api/v1/sessions/$S" "$tokT" "$E4")
check "withdrawing it again: 409" "$st" = 409
check "... no further version kept" "$(sql "select count(*) from session_revisions where session_id = $S")" = 3

# ---- decided sessions are not edited ------------------------------------------------
export XDG_DATA_HOME="$WORK/xdg-trainer"
RASLOG_TOKEN=$tokR "$RASLOG" key generate >/dev/null 2>&1
RASLOG_TOKEN=$tokR "$RASLOG" key register >/dev/null 2>&1
export XDG_DATA_HOME="$WORK/xdg-faculty"
FPK=$(RASLOG_TOKEN=$tokF "$RASLOG" key generate 2>/dev/null)
"$RASLOGD" --db "$DB" faculty-key add "$F" "$FPK" >/dev/null 2>&1
RASLOG_TOKEN=$tokF "$RASLOG" trainer accredit "$R" --until 2099-12-31 --yes >/dev/null 2>&1 </dev/null
st=$(req POST /api/v1/sessions "$tokT" - "{\"date\":\"$yesterday\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$R}")
S2=$(jget 'j["id"]' <"$WORK/body")
E=$(etag_of "$S2" "$tokT")
export XDG_DATA_HOME="$WORK/xdg-trainer"
ok "setup: R signs session $S2" env RASLOG_TOKEN="$tokR" "$RASLOG" sign "$S2" --yes
st=$(req PATCH "/api/v1/sessions/$S2" "$tokT" "$E" '{"minutes":45}')
check "editing a signed session: 409 (even with the ETag read while pending)" "$st" = 409
check "... saying it is signed" "$(jget '"signed" in j["detail"]' <"$WORK/body")" = True
st=$(req DELETE "/api/v1/sessions/$S2" "$tokT" "$(etag_of "$S2" "$tokT")")
check "withdrawing a signed session: 409" "$st" = 409
check "the ETag of a signed session names its status" "$(etag_of "$S2" "$tokT")" = "\"1-signed\""

# ---- the pending cap follows the new trainer ----------------------------------------
stop_server
export RASLOG_MAX_PENDING=1
start_server --auth-failures 1000
st=$(req POST /api/v1/sessions "$tokT2" - "{\"date\":\"$yesterday\",\"minutes\":20,\"activity\":\"dry_lab\",\"trainer\":$R}")
A1=$(jget 'j["id"]' <"$WORK/body")
st=$(req POST /api/v1/sessions "$tokT2" - "{\"date\":\"$yesterday\",\"minutes\":25,\"activity\":\"dry_lab\",\"trainer\":$R2}")
A2=$(jget 'j["id"]' <"$WORK/body")
st=$(req PATCH "/api/v1/sessions/$A2" "$tokT2" "$(etag_of "$A2" "$tokT2")" "{\"trainer\":$R}")
check "moving a session to a trainer at the pending cap: 409 too-many-pending" \
	"$st:$(jget 'j["type"]' <"$WORK/body")" = "409:urn:raslog:problem:too-many-pending"
st=$(req DELETE "/api/v1/sessions/$A1" "$tokT2" "$(etag_of "$A1" "$tokT2")")
st=$(req PATCH "/api/v1/sessions/$A2" "$tokT2" "$(etag_of "$A2" "$tokT2")" "{\"trainer\":$R}")
check "... after withdrawing the one waiting, the move goes through" "$st" = 200
stop_server
unset RASLOG_MAX_PENDING
start_server --auth-failures 1000

# ---- warnings (item 4) ---------------------------------------------------------------
n0=$(sql "select count(*) from sessions")
plain="{\"date\":\"$today\",\"minutes\":60,\"activity\":\"dry_lab\",\"procedure\":\"Suturing\",\"trainer\":$R}"
st=$(req POST /api/v1/sessions "$tokT2" - "$plain")
W1=$(jget 'j["id"]' <"$WORK/body")
check "a plain session with an accredited trainer: 201 and no warnings" "$st:$(warnings):$(jget 'len(j["warnings"])' <"$WORK/body")" = "201::0"
st=$(req POST /api/v1/sessions "$tokT2" - "$plain")
W2=$(jget 'j["id"]' <"$WORK/body")
check "the same again: 201 with a duplicate warning" "$st:$(warnings)" = "201:duplicate"
check "... naming the first" "$(jget "str($W1) in j['warnings'][0]['detail']" <"$WORK/body")" = True
st=$(req POST /api/v1/sessions "$tokT2" - "{\"date\":\"$today\",\"minutes\":60,\"activity\":\"dry_lab\",\"procedure\":\"Suturing II\",\"trainer\":$R}")
check "another procedure is no duplicate" "$st:$(warnings)" = "201:"
st=$(req DELETE "/api/v1/sessions/$W2" "$tokT2" "$(etag_of "$W2" "$tokT2")")
st=$(req POST /api/v1/sessions "$tokT2" - "$plain")
check "a withdrawn copy is no duplicate" "$st:$(warnings)" = "201:duplicate"
st=$(req POST /api/v1/sessions "$tokT2" - "{\"date\":\"$today\",\"minutes\":60,\"activity\":\"dry_lab\",\"trainer\":$R2}")
check "a trainer without an accreditation: 201 with trainer-not-accredited on field trainer" \
	"$st:$(warnings):$(jget 'j["warnings"][0]["field"]' <"$WORK/body")" = "201:trainer-not-accredited:trainer"
st=$(req POST /api/v1/sessions "$tokT2" - "{\"date\":\"$today\",\"minutes\":1440,\"activity\":\"console_full\",\"trainer\":$R}")
check "a 1440-minute console case: implausible-length on minutes" \
	"$st:$(warnings):$(jget 'j["warnings"][0]["field"]' <"$WORK/body")" = "201:implausible-length:minutes"
st=$(req POST /api/v1/sessions "$tokT2" - "{\"date\":\"$today\",\"minutes\":720,\"activity\":\"console_full\",\"trainer\":$R}")
check "a 12-hour console case is at the limit: no warning" "$st:$(warnings)" = "201:"
st=$(req POST /api/v1/sessions "$tokT2" - "{\"date\":\"$today\",\"minutes\":300,\"activity\":\"simulator\",\"trainer\":$R}")
check "a 5-hour simulator session: implausible-length" "$st:$(warnings)" = "201:implausible-length"
st=$(req POST /api/v1/sessions "$tokT2" - "{\"date\":\"$today\",\"minutes\":40,\"activity\":\"console_modular\",\"steps\":[\"$NECK\",\"prostatectomy.bladder_nek\"],\"trainer\":$R}")
check "a step code the curriculum does not count: step-not-counted on steps[1] only" \
	"$st:$(warnings):$(jget 'j["warnings"][0]["field"]' <"$WORK/body")" = "201:step-not-counted:steps[1]"
WS=$(jget 'j["id"]' <"$WORK/body")
st=$(req PATCH "/api/v1/sessions/$WS" "$tokT2" "$(etag_of "$WS" "$tokT2")" "{\"steps\":[\"$NECK\",\"$VUA\"],\"minutes\":2000}")
check "PATCH replies carry warnings too (and validate as logging does: 1440 at most)" "$st" = 400
st=$(req PATCH "/api/v1/sessions/$WS" "$tokT2" "$(etag_of "$WS" "$tokT2")" "{\"steps\":[\"$NECK\",\"$VUA\"],\"trainer\":$R2}")
check "PATCH fixing the step and naming an unaccredited trainer: 200 with that warning only" "$st:$(warnings)" = "200:trainer-not-accredited"
check "every warned session was stored (warnings never refuse)" "$(sql "select count(*) from sessions")" = "$((n0 + 9))"

# The duplicate warning within one batch and across batches (migration 023
# compares activity and minutes in the index): eight alike sent at once,
# however the writer batches them, warn of the first of them, which alone
# has no warning; one sent after them, in a batch of its own, names the
# same; the same day with other minutes or another activity is none.
twin="{\"date\":\"$today\",\"minutes\":77,\"activity\":\"dry_lab\",\"procedure\":\"Knot tying\",\"trainer\":$R}"
twin_pids=
for i in 1 2 3 4 5 6 7 8; do
	curl -s -o "$WORK/twin.$i" -H "Authorization: Bearer $tokT2" -H 'Content-Type: application/json' \
		--data-binary "$twin" "$URL/api/v1/sessions" &
	twin_pids="$twin_pids $!"
done
wait $twin_pids # the curls only: the server is a background job too
for i in 1 2 3 4 5 6 7 8; do
	jget '"%d %s" % (j["id"], ",".join(w["detail"].split()[1] for w in j["warnings"] if w["code"] == "duplicate") or "-")' \
		<"$WORK/twin.$i"
done | sort -n >"$WORK/twins"
T1=$(head -n 1 "$WORK/twins" | cut -d' ' -f1)
check "eight alike at once: the first has no duplicate warning" "$(head -n 1 "$WORK/twins" | cut -d' ' -f2)" = "-"
check "... the seven others each warn of the first" "$(tail -n +2 "$WORK/twins" | cut -d' ' -f2 | sort | uniq -c | tr -s ' ')" = " 7 $T1"
st=$(req POST /api/v1/sessions "$tokT2" - "$twin")
check "one more in a later batch warns of the first too" "$st:$(warnings):$(jget "j['warnings'][0]['detail'].split()[1]" <"$WORK/body")" = "201:duplicate:$T1"
st=$(req POST /api/v1/sessions "$tokT2" - "${twin/:77,/:78,}")
check "the same day with other minutes: no duplicate" "$st:$(warnings)" = "201:"
st=$(req POST /api/v1/sessions "$tokT2" - "${twin/dry_lab/wet_lab}")
check "the same day with another activity: no duplicate" "$st:$(warnings)" = "201:"

# Every session logged, edited, withdrawn and decided above moved the cached
# tallies by deltas (core/domain/tally.c, issue 18); the start-up check
# recomputes every trainee's figures from the ledger and finds them equal.
stop_server
d0=$(grep -c figures.drift "$WORK/audit.log")
start_server --auth-failures 1000
check "the tallies kept by deltas through edits and withdrawals are the ledger's (no drift at start-up)" \
	"$(grep -c figures.drift "$WORK/audit.log")" = "$d0"
check "and the pending tallies are what the pending sessions give (some are pending)" \
	"$(sql "select count(*) from trainee_tally where pending > 0")" -gt 0

finish
