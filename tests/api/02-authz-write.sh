#!/bin/bash
# engine: sqlite (the matrix checks route access rules, which do not depend on the storage engine; tests/run.sh runs it once, on SQLite, to keep make test inside its time)
# tests/api/02-authz-write.sh - the authorization matrix, its state-changing
# half for token callers (issue 6 item 1): every row of the matrix in
# tests/api/authz/common.sh but GET, against every kind of token caller;
# faculty act only on their own programmes' trainees; server-owned fields
# cannot be set by a client.  Reads: 02-authz-read.sh; web sessions:
# 02-authz-cookie.sh.
. "$(dirname "$0")/authz/common.sh"

run_matrix write token

# ---- programme scoping ----------------------------------------------------------
# F2 is faculty of programme PB: T (programme PA) is out of reach, answered as if T did not exist.
for p in "/api/v1/sessions/$S" "/api/v1/trainees/$T/progress" "/api/v1/trainees/$T/export" "/api/v1/users/$T/programmes"; do
	check "faculty of another programme: GET $p is 404" "$(req GET "$p" "$tok_F2")" = 404
	check "  ...and faculty of T's programme: 200" "$(req GET "$p" "$tok_F")" = 200
done
pair_list() { # pair_list DESC PATH JQ: T's id is in F's answer and not in F2's
	req GET "$2" "$tok_F" >/dev/null; a=$(jget "$3" <"$WORK/body")
	req GET "$2" "$tok_F2" >/dev/null; b=$(jget "$3" <"$WORK/body")
	check "$1: faculty of T's programme see T" "$(echo " $a " | grep -c " $T ")" = 1
	check "$1: faculty of another programme do not" "$(echo " $b " | grep -c " $T ")" = 0
}
pair_list "GET /sessions" /api/v1/sessions '" ".join(str(x["trainee"]) for x in j["items"])'
pair_list "GET /accreditation" /api/v1/accreditation '" ".join(str(x["id"]) for x in j["items"])'
pair_list "GET /users" /api/v1/users '" ".join(str(x["id"]) for x in j["items"])'
req GET /api/v1/accreditation "$tok_F2" >/dev/null
check "faculty of PB see T3 on the accreditation view" "$(jget '" ".join(str(x["id"]) for x in j["items"])' <"$WORK/body")" = "$T3"
st=$(req POST /api/v1/assignments "$tok_F2" "{\"trainer\":$R2,\"trainee\":$T}")
check "faculty of another programme cannot assign T to a trainer: 403" "$st" = 403
check "  ...nothing stored" "$(sql "select count(*) from assignments where trainee_id = $T and trainer_id = $R2")" = 0

# ---- server-owned fields ------------------------------------------------------
n=$(count)
for f in id status trainee signed_by created_at signed_at signoff ledger_index trainee_name updated_at; do
	case $f in
	id|trainee|signed_by|ledger_index) v=$T ;;
	status) v='"signed"' ;;
	signoff) v='{"decision":"confirmed"}' ;;
	*) v="\"2026-01-01T00:00:00Z\"" ;;
	esac
	b="{\"date\":\"$today\",\"minutes\":45,\"activity\":\"dry_lab\",\"trainer\":$R,\"$f\":$v}"
	st=$(req POST /api/v1/sessions "$tok_T" "$b")
	if [ "$st" = 400 ] && python3 -c "
import json,sys; j=json.load(open('$WORK/body')); assert [e['field'] for e in j['errors']] == ['$f'], j" 2>/dev/null
	then tap 0 "server-owned field $f in POST /sessions: 400 naming it"
	else tap 1 "server-owned field $f in POST /sessions: 400 naming it"; echo "#   got $st $(cat "$WORK/body")"; fi
	check "  ...nothing stored" "$(count)" = "$n"
done
check "no stored session is anything but pending and T's or T2's" \
	"$(sql "select count(*) from sessions where status <> 'pending' or trainee_id not in ($T, $T2) or signed_by is not null")" = 0

# The matrix did not trip the failure limit, and the refusals are audited.
ok "refused authorizations are in the audit log" grep -q '"event":"authorization","outcome":"refused"' "$WORK/audit.log"
ok "nothing was rate-limited" sh -c "! grep -q rate-limited '$WORK/audit.log'"

finish
