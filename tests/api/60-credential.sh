#!/bin/bash
# 60-credential.sh - the portable credential: an Open Badges 3.0 credential
# with an eddsa-jcs-2022 proof, exported for an accredited trainee, verified
# by Digital Bazaar's independent implementation (tests/js), refused when
# tampered, refused for a trainee who is not accredited, and reported as
# revoked through the Bitstring Status List after faculty sign a revocation,
# whose bits follow the ledger, not the accreditation rows (neither which
# bit an accreditation owns nor its value: swapping rows moves nothing).
. tests/lib.sh
"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" > "$WORK/people.jsonl" 2>/dev/null
PROGRAMME="Northern Deanery robotic surgery programme"
start_server --programme-name "$PROGRAMME"
FAC=$(field "Amelia Hart" token); FACID=$(field "Amelia Hart" id)
ACC=$(field "Priya Raman" token); ACCID=$(field "Priya Raman" id)
ELIG=$(field "Tomasz Nowak" token); ELIGID=$(field "Tomasz Nowak" id)
VERIFY="node tests/js/verify-credential.mjs"
# Serves again on the same port (the credentials name the status list's URL), after an edit at rest.
restart_same_port() {
	"$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$PORT" --audit "$WORK/audit.log" --write-rate 0 \
		--programme-name "$PROGRAMME" >"$WORK/server.log" 2>&1 &
	SERVER_PID=$!
	wait_healthy
}
sql "update users set gmc='7123456' where id=$ACCID"

st=$(api GET "/api/v1/trainees/$ACCID/export?format=credential" "$ACC")
cp "$WORK/body" "$WORK/cred.json"
check "an accredited trainee exports their credential (200)" "$st" = 200
check "it is an OpenBadgeCredential" "$(jget '",".join(j["type"])' < "$WORK/cred.json")" = "VerifiableCredential,OpenBadgeCredential"
check "its proof is eddsa-jcs-2022" "$(jget 'j["proof"]["cryptosuite"]' < "$WORK/cred.json")" = "eddsa-jcs-2022"
check "it names ledger evidence and the signed tree head" \
	"$(jget 'str(sum(e["id"].startswith("urn:raslog:ledger:") for e in j["evidence"]) > 10) + str(any(e["id"].startswith("urn:raslog:tree-head:") for e in j["evidence"]))' < "$WORK/cred.json")" = "TrueTrue"
check "the issuer is named by the configured programme_name" "$(jget 'j["issuer"]["name"]' < "$WORK/cred.json")" = "$PROGRAMME"
check "the subject carries the GMC number as an IdentityObject" \
	"$(jget '[(i["type"], i["identityType"], i["hashed"], i["identityHash"]) for i in j["credentialSubject"]["identifier"]]' < "$WORK/cred.json")" \
	= '[["IdentityObject", "identifier", false, "GMC 7123456"]]'
ok "the credential verifies with @digitalbazaar/vc (independent implementation)" $VERIFY "$WORK/cred.json"
# The accreditation's record row is a copy: its dates edited, the credential still carries the statement's.
sql "update trainee_accreditations set valid_until = '2099-12-31', accredited_at = '2000-01-01T00:00:00Z' where trainee_id = $ACCID"
st=$(api GET "/api/v1/trainees/$ACCID/export?format=credential" "$ACC")
check "the accreditation record's dates edited: validFrom and validUntil are still the signed statement's" \
	"$st $(jget '[j["validFrom"], j.get("validUntil")]' < "$WORK/body")" = "200 $(jget '[j["validFrom"], j.get("validUntil")]' < "$WORK/cred.json")"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["credentialSubject"]["name"]="Someone Else"; json.dump(c, open(sys.argv[2],"w"))' "$WORK/cred.json" "$WORK/tampered.json"
$VERIFY "$WORK/tampered.json" > "$WORK/out" 2>&1
check "a tampered credential fails verification" "$(jget 'j["verified"]' < "$WORK/out")" = False
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["proof"]["proofValue"]=c["proof"]["proofValue"][:-2]+"11"; json.dump(c, open(sys.argv[2],"w"))' "$WORK/cred.json" "$WORK/badsig.json"
$VERIFY "$WORK/badsig.json" > "$WORK/out" 2>&1
check "a credential with a damaged proof fails verification" "$(jget 'j["verified"]' < "$WORK/out")" = False

st=$(api GET "/api/v1/trainees/$ELIGID/export?format=credential" "$ELIG")
check "a trainee who is not accredited gets 409" "$st-$(jget 'j["type"]' < "$WORK/body")" = "409-urn:raslog:problem:not-accredited"

# Faculty revoke the accreditation with a signed statement (signed by Node's crypto, not raslog).
ACCINDEX=$(jget 'j["id"].split(":")[-1]' < "$WORK/cred.json")
FACKEY=$(field "Amelia Hart" public_key)
python3 -c 'import json,sys,datetime; print(json.dumps({"v":1,"type":"revocation","subject":int(sys.argv[1]),"accreditation_index":int(sys.argv[2]),"reason":"Accreditation withdrawn after review","signer":int(sys.argv[3]),"key":sys.argv[4],"signed_at":datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}))' \
	"$ACCID" "$ACCINDEX" "$FACID" "$FACKEY" > "$WORK/stmt.json"
node tests/js/sign.mjs "$WORK/keys/user-$FACID.key" "$WORK/stmt.json" > "$WORK/revoke.json"
st=$(api POST /api/v1/signoffs "$FAC" "$(cat "$WORK/revoke.json")")
check "faculty revoke the accreditation with a signed statement (201)" "$st" = 201
$VERIFY "$WORK/cred.json" > "$WORK/out" 2>&1
check "after revocation the status list reports the credential revoked" "$(jget 'j["revoked"]' < "$WORK/out")" = True
api GET "/api/v1/trainees/$ACCID/progress" "$FAC" >/dev/null
check "the trainee is no longer accredited" "$(jget 'j["status"]' < "$WORK/body")" = eligible

# The status list is the ledger's: the accreditation rows are copies, and an edit to them at rest
# (the revocation taken off Priya's row, a live trainer accreditation marked revoked) moves no
# bit of the list; each difference is named as drift.  The server is restarted so nothing it
# cached before the edit can answer.
stop_server
TRID=$(field "David Ellis" id)
OTHERACC=$(sql "select min(id) from trainer_accreditations where trainer_id <> $TRID and revoked_index is null and superseded_index is null")
OTHERTR=$(sql "select trainer_id from trainer_accreditations where id = $OTHERACC")
sql "update trainee_accreditations set revoked_index = NULL where trainee_id = $ACCID"
sql "update trainer_accreditations set revoked_index = 1 where id = $OTHERACC"
MARK=$(wc -l < "$WORK/audit.log")
restart_same_port
$VERIFY "$WORK/cred.json" > "$WORK/out" 2>&1
check "the revocation taken off the record row at rest: the status list still reports the credential revoked" \
	"$(jget 'j["revoked"]' < "$WORK/out")" = True
check "  ...and the difference is named as drift in the audit log" \
	"$(tail -n +$((MARK + 1)) "$WORK/audit.log" | grep '"figures.drift"' | grep -c "\"trainee\":$ACCID,\"requirement\":\"accreditation revoked\",.*\"cache\":false,\"ledger\":true")" -ge 1

# Trainer accreditations export the same way.
st=$(api GET "/api/v1/trainers/$TRID/credential" "$FAC")
cp "$WORK/body" "$WORK/trainer.json"
check "an accredited trainer's credential exports (200)" "$st" = 200
check "it names the trainer accreditation achievement" \
	"$(jget 'j["credentialSubject"]["achievement"]["id"]' < "$WORK/trainer.json")" = "urn:raslog:achievement:ras-trainer"
check "  ...issued in the programme's name" "$(jget 'j["issuer"]["name"]' < "$WORK/trainer.json")" = "$PROGRAMME"
check "  ...without an identifier when no GMC number is recorded" "$(jget '"identifier" in j["credentialSubject"]' < "$WORK/trainer.json")" = False
ok "the trainer credential verifies with @digitalbazaar/vc" $VERIFY "$WORK/trainer.json"
check "another trainer's live accreditation marked revoked at rest is named as drift (the ledger revokes nothing)" \
	"$(tail -n +$((MARK + 1)) "$WORK/audit.log" | grep '"figures.drift"' | grep -c "\"trainer\":$OTHERTR,\"requirement\":\"accreditation revoked\",.*\"cache\":true,\"ledger\":false")" -ge 1
st=$(api GET "/api/v1/trainers/$ACCID/credential" "$FAC")
check "someone who is not a trainer has no trainer credential (404)" "$st" = 404
check "rows written in ledger order: no row's id differs from its bit in the status list" \
	"$(tail -n +$((MARK + 1)) "$WORK/audit.log" | grep -c '"requirement":"status list index"')" = 0
check "the status list's drift says the rows differ (it does not rewrite them), never \"rebuilt\"" \
	"$(tail -n +$((MARK + 1)) "$WORK/audit.log" | grep '"accreditation revoked"' | grep -vc '"outcome":"differs"')" = 0

# A credential's bit is its accreditation's place among the ledger's accreditation entries, so
# swapping two rows' ledger_index at rest (someone with write access to the database) moves no
# bit: Priya's revoked credential still reads revoked, Tomasz's live one still reads live.
export XDG_DATA_HOME="$WORK/xdg" XDG_CONFIG_HOME="$WORK/xdgc"
"$RASLOG" key generate > "$WORK/fk" 2>"$WORK/err"
"$RASLOGD" --db "$DB" faculty-key add "$FACID" "$(cat "$WORK/fk")" >/dev/null 2>&1
"$RASLOG" accredit "$ELIGID" --yes --token "$FAC" </dev/null > "$WORK/cli" 2>"$WORK/err"
check "faculty accredit a second trainee (raslog accredit)" "$?" = 0
st=$(api GET "/api/v1/trainees/$ELIGID/export?format=credential" "$ELIG")
cp "$WORK/body" "$WORK/cred2.json"
check "their credential exports (200)" "$st" = 200
IDX1=$(sql "select ledger_index from trainee_accreditations where trainee_id = $ACCID")
IDX2=$(sql "select ledger_index from trainee_accreditations where trainee_id = $ELIGID")
check "  ...its status bit is its place among the ledger's accreditation entries" \
	"$(jget 'j["credentialStatus"]["statusListIndex"]' < "$WORK/cred2.json")" = \
	"$(sql "select count(*) from ledger where kind = 'accreditation' and idx <= $IDX2")"
ok "  ...and it verifies, not revoked" $VERIFY "$WORK/cred2.json"
stop_server
sql "update trainee_accreditations set ledger_index = case when trainee_id = $ACCID then $IDX2 else $IDX1 end where trainee_id in ($ACCID, $ELIGID)"
check "the two rows' ledger_index swapped at rest" \
	"$(sql "select ledger_index from trainee_accreditations where trainee_id = $ACCID")" = "$IDX2"
MARK=$(wc -l < "$WORK/audit.log")
restart_same_port
$VERIFY "$WORK/cred.json" > "$WORK/out" 2>&1
check "rows' ledger_index swapped: the revoked credential still reads revoked" "$(jget 'j["revoked"]' < "$WORK/out")" = True
ok "  ...and the live one still verifies, not revoked" $VERIFY "$WORK/cred2.json"
check "  ...each swapped row is named as drift: its id is not its accreditation's bit" \
	"$(tail -n +$((MARK + 1)) "$WORK/audit.log" | grep '"figures.drift"' | grep '"outcome":"differs"' | grep -c '"requirement":"status list index"')" -ge 2
check "  ...and its revocation is not its accreditation's" \
	"$(tail -n +$((MARK + 1)) "$WORK/audit.log" | grep '"figures.drift"' | grep '"outcome":"differs"' | grep -c "\"trainee\":$ELIGID,\"requirement\":\"accreditation revoked\",\"accreditation_index\":$IDX1,\"cache\":false,\"ledger\":true")" -ge 1
finish
