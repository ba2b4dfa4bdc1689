#!/bin/bash
# 12-authority.sh - who may sign what (issue 11 items 2 and 3): a trainer
# signs only for trainees they supervise (named on a session, or assigned
# by faculty through /api/v1/assignments); a module completion needs its
# prerequisite modules met; a trainer holds at most one live accreditation
# (a new one supersedes the old explicitly, `raslog trainer accredit` twice
# leaves one live); a revocation covers the person (nothing signed after
# it, the credential shows revoked); and `raslog verify` reads the ledger
# with supersessions and revocations.  Statements are signed with Node's
# crypto (tests/js/sign.mjs), not raslog's.
. tests/lib.sh
. tests/api/fixtures/signers.sh
ADM=$(field "Programme Administrator" token)
KAP=$(field "Sarah Kapoor" token); KAPID=$(field "Sarah Kapoor" id); KAPKEY=$(field "Sarah Kapoor" public_key)
HUG=$(field "Martin Hughes" token); HUGID=$(field "Martin Hughes" id); HUGKEY=$(field "Martin Hughes" public_key)
GRA=$(field "Fiona Grant" token); GRAID=$(field "Fiona Grant" id)
PRI=$(field "Priya Raman" token); PRIID=$(field "Priya Raman" id)
TOM=$(field "Tomasz Nowak" token); TOMID=$(field "Tomasz Nowak" id)
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
ptype() { jget 'j.get("type","")' < "$WORK/body"; }
pdetail() { jget 'j.get("detail","")' < "$WORK/body"; }

# Lukas Weber's curriculum: a first module with no prerequisites, a module that needs it.
api GET "/api/v1/trainees/$LUKID/progress" "$FAC" >/dev/null
CUR=$(jget 'json.dumps({"code":j["curriculum"]["code"],"version":j["curriculum"]["version"]})' < "$WORK/body")
M1=$(jget '[m["id"] for m in j["modules"] if not m["prerequisites"] and m["status"]!="met"][0]' < "$WORK/body")
M2=$(jget '[m["id"] for m in j["modules"] if "'"$M1"'" in m["prerequisites"]][0]' < "$WORK/body")
M2TITLE=$(jget '[m["title"] for m in j["modules"] if "'"$M1"'" in m["prerequisites"]][0]' < "$WORK/body")
check "setup: Lukas has a module with no prerequisites ($M1) and one needing it ($M2)" -n "$M1" -a -n "$M2"
PENDING=$(api GET "/api/v1/sessions?trainee=$LUKID&status=pending" "$FAC" >/dev/null; jget 'j["items"][0]["id"]' < "$WORK/body")
SIGNED=$(api GET "/api/v1/sessions?trainee=$LUKID&status=signed" "$FAC" >/dev/null; jget 'j["items"][0]["id"]' < "$WORK/body")
check "setup: Lukas has a pending and a signed session, both naming Fiona Grant" \
	"$(sql "select count(distinct trainer_id) || '-' || min(trainer_id) from sessions where id in ($PENDING, $SIGNED)")" = "1-$GRAID"
check "the demo assigned each trainee to their trainer" "$(sql "select count(*) from assignments")" = 8

# ---- a trainer who does not supervise the trainee ---------------------------------
n0=$(sql "select count(*) from ledger")
st=$(post "$KAP" "$KAPID" "$(stmt module_completion "$KAPID" "$KAPKEY" trainee=$LUKID "curriculum=$CUR" "module=\"$M1\"")")
check "module completion by a trainer who does not supervise the trainee: 403 not-supervisor" "$st-$(ptype)" = "403-urn:raslog:problem:not-supervisor"
check "  ...the refusal says who can authorise it" "$(pdetail | grep -c 'faculty can assign')" = 1
st=$(post "$KAP" "$KAPID" "$(stmt session_signoff "$KAPID" "$KAPKEY" 'decision="confirmed"' "session=$(certified "$PENDING")")")
check "session sign-off by a trainer who does not supervise the trainee: 403 not-supervisor" "$st-$(ptype)" = "403-urn:raslog:problem:not-supervisor"
st=$(post "$KAP" "$KAPID" "$(stmt assessment "$KAPID" "$KAPKEY" trainee=$LUKID session=$SIGNED 'tool="gears"' 'scores=[3,3,3,3,3,3]')")
check "assessment by a trainer who does not supervise the trainee: 403 not-supervisor" "$st-$(ptype)" = "403-urn:raslog:problem:not-supervisor"
check "  ...nothing entered the ledger" "$(sql "select count(*) from ledger")" = "$n0"
st=$(api GET "/api/v1/trainees/$LUKID/progress" "$KAP")
check "  ...and the trainee's progress is not visible to them (404)" "$st" = 404

# ---- assignments: faculty write, the people named read -------------------------
st=$(api POST /api/v1/assignments "$KAP" "{\"trainer\":$KAPID,\"trainee\":$LUKID}")
check "a trainer cannot assign themselves a trainee (403)" "$st" = 403
st=$(api POST /api/v1/assignments "$LUK" "{\"trainer\":$KAPID,\"trainee\":$LUKID}")
check "nor can the trainee (403)" "$st" = 403
st=$(api POST /api/v1/assignments "$FAC" "{\"trainer\":$LUKID,\"trainee\":$KAPID}")
check "assigning a non-trainer / a non-trainee: 400 naming both fields" \
	"$st-$(jget '",".join(e["field"] for e in j["errors"])' < "$WORK/body")" = "400-trainer,trainee"
st=$(api POST /api/v1/assignments "$FAC" "{\"trainer\":$KAPID,\"trainee\":$LUKID,\"note\":1}")
check "an unknown member is refused (400)" "$st" = 400
st=$(api POST /api/v1/assignments "$FAC" "{\"trainer\":$KAPID,\"trainee\":$LUKID}")
check "faculty assign Lukas to Sarah Kapoor (201)" "$st" = 201
AID=$(jget 'j["id"]' < "$WORK/body")
check "  ...the reply names both" "$(jget 'j["trainer_name"]+"/"+j["trainee_name"]' < "$WORK/body")" = "Ms Sarah Kapoor/Dr Lukas Weber"
st=$(api POST /api/v1/assignments "$ADM" "{\"trainer\":$KAPID,\"trainee\":$LUKID}")
check "assigning the same pair again: 409 already-assigned" "$st-$(ptype)" = "409-urn:raslog:problem:already-assigned"
api GET "/api/v1/assignments?trainee=$LUKID" "$LUK" >/dev/null
check "the trainee sees their assignments" "$(jget 'sorted(a["trainer"] for a in j["items"])' < "$WORK/body")" = "$(python3 -c "print(sorted([$KAPID,$GRAID]))")"
api GET "/api/v1/assignments" "$KAP" >/dev/null
check "a trainer sees only the assignments naming them" "$(jget 'all(a["trainer"]=='"$KAPID"' for a in j["items"]) and len(j["items"])' < "$WORK/body")" = 3
api GET "/api/v1/assignments?trainer=$KAPID" "$TOM" >/dev/null
check "another trainee sees none of them" "$(jget 'len(j["items"])' < "$WORK/body")" = 0
st=$(api GET "/api/v1/assignments?trainer=abc" "$FAC")
check "a malformed filter is a 400" "$st" = 400
st=$(api GET "/api/v1/trainees/$LUKID/progress" "$KAP")
check "an assigned trainer sees the trainee's progress (200)" "$st" = 200

st=$(post "$KAP" "$KAPID" "$(stmt module_completion "$KAPID" "$KAPKEY" trainee=$LUKID "curriculum=$CUR" "module=\"$M1\"")")
check "after the assignment the trainer signs the module completion (201)" "$st" = 201
st=$(post "$KAP" "$KAPID" "$(stmt session_signoff "$KAPID" "$KAPKEY" 'decision="confirmed"' "session=$(certified "$PENDING")")")
check "but not a session that names another trainer: 403 not-your-session" "$st-$(ptype)" = "403-urn:raslog:problem:not-your-session"
st=$(post "$KAP" "$KAPID" "$(stmt assessment "$KAPID" "$KAPKEY" trainee=$LUKID session=$SIGNED 'tool="gears"' 'scores=[3,3,3,3,3,3]')")
check "nor assess a session another trainer supervised: 403 not-your-session" "$st-$(ptype)" = "403-urn:raslog:problem:not-your-session"

# ---- prerequisites ----------------------------------------------------------------
n0=$(sql "select count(*) from ledger")
st=$(post "$KAP" "$KAPID" "$(stmt module_completion "$KAPID" "$KAPKEY" trainee=$LUKID "curriculum=$CUR" "module=\"$M2\"")")
check "a module whose prerequisites are unmet: 409 prerequisites-unmet" "$st-$(ptype)" = "409-urn:raslog:problem:prerequisites-unmet"
check "  ...naming the missing prerequisite module" "$(jget '",".join(m["module"] for m in j["missing_prerequisites"])' < "$WORK/body")" = "$M1"
check "  ...in the detail too" "$(pdetail | grep -c "$M1")" = 1
check "  ...and nothing entered the ledger" "$(sql "select count(*) from ledger")" = "$n0"

# ---- unassign ---------------------------------------------------------------------
st=$(api DELETE "/api/v1/assignments/$AID" "$KAP")
check "a trainer cannot remove an assignment (403)" "$st" = 403
st=$(api DELETE "/api/v1/assignments/$AID" "$FAC")
check "faculty remove the assignment (200)" "$st" = 200
st=$(api DELETE "/api/v1/assignments/$AID" "$FAC")
check "removing it again: 404" "$st" = 404
st=$(post "$KAP" "$KAPID" "$(stmt module_completion "$KAPID" "$KAPKEY" trainee=$LUKID "curriculum=$CUR" "module=\"$M2\"")")
check "after unassignment the trainer is refused again (403 before any other check)" "$st-$(ptype)" = "403-urn:raslog:problem:not-supervisor"
check "the audit log records assignment changes" "$(grep -c '"assignment\.\(create\|delete\)","outcome":"ok"' "$WORK/audit.log")" = 2

# ---- supervision by being named on a session -------------------------------------
st=$(post "$HUG" "$HUGID" "$(stmt module_completion "$HUGID" "$HUGKEY" trainee=$LUKID "curriculum=$CUR" "module=\"$M2\"")")
check "Martin Hughes does not supervise Lukas yet: 403" "$st" = 403
st=$(api POST /api/v1/sessions "$LUK" "{\"date\":\"$today\",\"minutes\":45,\"activity\":\"dry_lab\",\"trainer\":$HUGID}")
check "Lukas logs a session naming Martin Hughes (201)" "$st" = 201
HS=$(jget 'j["id"]' < "$WORK/body")
st=$(post "$HUG" "$HUGID" "$(stmt module_completion "$HUGID" "$HUGKEY" trainee=$LUKID "curriculum=$CUR" "module=\"$M2\"")")
check "now Hughes supervises Lukas: the completion passes supervision and stops at the prerequisites (409)" "$st-$(ptype)" = "409-urn:raslog:problem:prerequisites-unmet"
st=$(post "$HUG" "$HUGID" "$(stmt session_signoff "$HUGID" "$HUGKEY" 'decision="confirmed"' "session=$(certified "$HS")")")
check "Hughes signs the session that names him (201)" "$st" = 201
st=$(post "$HUG" "$HUGID" "$(stmt assessment "$HUGID" "$HUGKEY" trainee=$LUKID session=$HS 'tool="gears"' 'scores=[3,4,3,4,3,4]')")
check "and assesses it (201)" "$st" = 201

# ---- one live trainer accreditation per trainer -----------------------------------
ELLACC=$(sql "select ledger_index from trainer_accreditations where trainer_id = $ELLID")
api GET "/api/v1/trainers/$ELLID/credential" "$FAC" >/dev/null; cp "$WORK/body" "$WORK/ell1.json"
until=$(date -u -d '+400 days' +%F)
st=$(post "$FAC" "$FACID" "$(stmt trainer_accreditation "$FACID" "$FACKEY" trainer=$ELLID "trainer_key=\"$ELLKEY\"" "valid_from=\"$today\"" "valid_until=\"$until\"")")
check "a second accreditation while one is live, without supersedes: 409 already-accredited" "$st-$(ptype)" = "409-urn:raslog:problem:already-accredited"
check "  ...naming the live one" "$(jget 'j["live_accreditation_index"]' < "$WORK/body")" = "$ELLACC"
st=$(post "$FAC" "$FACID" "$(stmt trainer_accreditation "$FACID" "$FACKEY" trainer=$ELLID "trainer_key=\"$ELLKEY\"" "valid_from=\"$today\"" "valid_until=\"$until\"" "supersedes=$((ELLACC + 1))")")
check "superseding an index that is not the live one: 409 supersedes-mismatch" "$st-$(ptype)" = "409-urn:raslog:problem:supersedes-mismatch"
st=$(post "$FAC" "$FACID" "$(stmt trainer_accreditation "$FACID" "$FACKEY" trainer=$ELLID "trainer_key=\"$ELLKEY\"" "valid_from=\"$today\"" "valid_until=\"$until\"" 'supersedes=-1')")
check "a negative supersedes is a 400 naming statement.supersedes" "$st-$(jget 'j["errors"][0]["field"]' < "$WORK/body")" = "400-statement.supersedes"
st=$(post "$FAC" "$FACID" "$(stmt trainer_accreditation "$FACID" "$FACKEY" trainer=$ELLID "trainer_key=\"$ELLKEY\"" "valid_from=\"$today\"" "valid_until=\"$until\"" "supersedes=$ELLACC")")
check "a new accreditation naming the live one in supersedes (201)" "$st" = 201
ELLACC2=$(jget 'j["ledger_index"]' < "$WORK/body")
check "  ...one live accreditation, the old one superseded by the new" \
	"$(sql "select count(*) from trainer_accreditations where trainer_id = $ELLID and revoked_index is null and superseded_index is null")-$(sql "select superseded_index from trainer_accreditations where ledger_index = $ELLACC")" = "1-$ELLACC2"
node tests/js/verify-credential.mjs "$WORK/ell1.json" > "$WORK/out" 2>&1
check "  ...the superseded accreditation's credential shows revoked in the status list" "$(jget 'j["revoked"]' < "$WORK/out")" = True
api GET /api/v1/trainers "$FAC" >/dev/null
check "  ...GET /trainers shows the new one active" \
	"$(jget '[t["accreditation"]["state"]+"@"+str(t["accreditation"]["ledger_index"]) for t in j["items"] if t["id"]=='"$ELLID"'][0]' < "$WORK/body")" = "active@$ELLACC2"

# raslog trainer accredit, twice: it supersedes by itself.
export XDG_DATA_HOME="$WORK/xdg" XDG_CONFIG_HOME="$WORK/xdgc"
"$RASLOG" key generate > "$WORK/fk" 2>"$WORK/err"
"$RASLOGD" --db "$DB" faculty-key add "$FACID" "$(cat "$WORK/fk")" >/dev/null 2>&1
for i in 1 2; do
	"$RASLOG" trainer accredit "$ELLID" --until "$until" --yes --token "$FAC" </dev/null > "$WORK/cli$i" 2>"$WORK/err"
	check "raslog trainer accredit, run $i, succeeds and says what it supersedes" "$?-$(grep -c 'supersedes ledger index' "$WORK/cli$i")" = 0-1
done
check "after raslog trainer accredit twice, the trainer holds one live accreditation" \
	"$(sql "select count(*) from trainer_accreditations where trainer_id = $ELLID and revoked_index is null and superseded_index is null")" = 1
ELLLIVE=$(sql "select ledger_index from trainer_accreditations where trainer_id = $ELLID and superseded_index is null")
api GET "/api/v1/trainers/$ELLID/credential" "$FAC" >/dev/null; cp "$WORK/body" "$WORK/ell2.json"
check "the trainer credential is the live accreditation's" "$(jget 'j["id"]' < "$WORK/ell2.json")" = "urn:raslog:trainer-accreditation:$ELLLIVE"

# ---- revocation covers the person --------------------------------------------------
PS=$(api GET "/api/v1/sessions?trainee=$TOMID&status=pending" "$ELL" >/dev/null; jget 'j["items"][0]["id"]' < "$WORK/body")
st=$(post "$FAC" "$FACID" "$(stmt revocation "$FACID" "$FACKEY" subject=$ELLID accreditation_index=$ELLACC 'reason="Withdrawn after review"')")
check "faculty revoke a superseded accreditation of the trainer (201)" "$st" = 201
check "  ...which covers the person: none of their accreditations is live" \
	"$(sql "select count(*) from trainer_accreditations where trainer_id = $ELLID and revoked_index is null")" = 0
st=$(post "$ELL" "$ELLID" "$(stmt session_signoff "$ELLID" "$ELLKEY" 'decision="confirmed"' "session=$(certified "$PS")")")
check "the revoked trainer can sign nothing: 422 not-accredited" "$st-$(ptype)" = "422-urn:raslog:problem:not-accredited"
check "  ...saying it was revoked" "$(pdetail | grep -c 'was revoked')" = 1
st=$(post "$ELL" "$ELLID" "$(stmt module_completion "$ELLID" "$ELLKEY" trainee=$TOMID "curriculum=$CUR" "module=\"$M1\"")")
check "  ...no module completion either (422)" "$st-$(ptype)" = "422-urn:raslog:problem:not-accredited"
st=$(api GET "/api/v1/trainers/$ELLID/credential" "$FAC")
check "GET /trainers/{id}/credential: 409, state revoked" "$st-$(jget 'j["state"]' < "$WORK/body")" = "409-revoked"
node tests/js/verify-credential.mjs "$WORK/ell2.json" > "$WORK/out" 2>&1
check "the credential exported before shows revoked in the status list" "$(jget 'j["revoked"]' < "$WORK/out")" = True
api GET /api/v1/trainers "$FAC" >/dev/null
check "GET /trainers shows the trainer revoked" \
	"$(jget '[t["accreditation"]["state"] for t in j["items"] if t["id"]=='"$ELLID"'][0]' < "$WORK/body")" = revoked
st=$(post "$FAC" "$FACID" "$(stmt revocation "$FACID" "$FACKEY" subject=$ELLID accreditation_index=$ELLLIVE 'reason="Again"')")
check "revoking it again: 409 already-revoked" "$st-$(ptype)" = "409-urn:raslog:problem:already-revoked"
st=$(post "$FAC" "$FACID" "$(stmt trainer_accreditation "$FACID" "$FACKEY" trainer=$ELLID "trainer_key=\"$ELLKEY\"" "valid_from=\"$today\"" "valid_until=\"$until\"" "supersedes=$ELLLIVE")")
check "after a revocation nothing is live to supersede: 409 supersedes-mismatch" "$st-$(ptype)" = "409-urn:raslog:problem:supersedes-mismatch"
st=$(post "$FAC" "$FACID" "$(stmt trainer_accreditation "$FACID" "$FACKEY" trainer=$ELLID "trainer_key=\"$ELLKEY\"" "valid_from=\"$today\"" "valid_until=\"$until\"")")
check "a new accreditation without supersedes re-accredits the trainer (201)" "$st" = 201
st=$(post "$ELL" "$ELLID" "$(stmt session_signoff "$ELLID" "$ELLKEY" 'decision="confirmed"' "session=$(certified "$PS")")")
check "and the trainer signs again (201)" "$st" = 201

# ---- the verifier agrees ------------------------------------------------------------
check "the ledger holds supersessions and revocations of trainer accreditations" \
	"$(sql "select count(*) from ledger where message like '%\"supersedes\":%'")-$(sql "select count(*) from ledger where kind = 'revocation'")" = 3-1
"$RASLOG" verify --token "$FAC" </dev/null > "$WORK/verify" 2>&1
check "raslog verify passes on the ledger with supersession and revocation" "$?-$(grep -c '^verified' "$WORK/verify")" = 0-1
finish
