#!/bin/bash
# engine: sqlite (the matrix checks route access rules, which do not depend on the storage engine; tests/run.sh runs it once, on SQLite, to keep make test inside its time)
# tests/api/02-authz-cookie.sh - the authorization matrix for callers signed
# in to the web page (issue 14 item 6): every state-changing row of the
# matrix in tests/api/authz/common.sh, sent as the page sends it (the
# session cookie, this site's Origin and the session's X-CSRF-Token),
# answers as it does to the same person's token; then every one of those
# requests without the CSRF token, and from another site's page, is
# refused (403) before it changes anything.  Reads by cookie:
# 02-authz-read.sh.
. "$(dirname "$0")/authz/common.sh"

cookie_callers
run_matrix write cookie

# ---- the CSRF guard on every state-changing route ----------------------------------
# A fresh web session per caller (the matrix signed some out).  Without X-CSRF-Token, or with
# another site's Origin, every state-changing request of a signed-in caller is 403: for a route
# the caller's role may use, a csrf / cross-site problem; for one it may not, the role's 403.
# Routes open to anyone (no sign-in needed: the "none" column is not 401) ignore the cookie and
# answer as to anyone, but passkey sign-in, which refuses another site's Origin from anyone.
for c in T T2 R R2 F A; do eval "ck_$c=\$(web_session \"\$$c\")"; done
state() { sql "select (select count(*) from sessions) || ' ' || (select count(*) from tokens) || ' ' ||
	(select count(*) from keys where revoked_at is null) || ' ' || (select count(*) from invitations) || ' ' ||
	(select count(*) from assignments) || ' ' || (select count(*) from programmes) || ' ' ||
	(select count(*) from imports) || ' ' || (select count(*) from web_sessions where ended_at is null) || ' ' ||
	(select group_concat(name || reminder_days) from programmes) || ' ' || (select count(*) from notify_prefs) || ' ' ||
	(select count(*) from outbox) || ' ' || (select count(*) from ledger)"; }
# The placeholders' records are made once, before the sweep (fill would make new ones).
fill "{TTOK}"; TTOK=$pth
fill "{TKEY}"; TKEY=$pth
fill "{AID}"; AID=$pth
fill_fixed() { pth=${1//\{TTOK\}/$TTOK}; pth=${pth//\{TKEY\}/$TKEY}; pth=${pth//\{AID\}/$AID}; fill "$pth"; }
keybody=$(key_body "$tok_T")
before=$(state)
guarded=0
while read -r method path body e_T e_T2 e_R e_R2 e_F e_A e_none e_bad e_rev; do
	case "$method" in ''|\#*|GET) continue ;; esac
	for c in T T2 R R2 F A; do
		eval "want=\$e_$c; ck=\$ck_$c"
		want=${want%%,c=*}
		for how in no-csrf cross-site; do
			fill_fixed "$path"
			if [ "$body" = KEY ]; then bd=$keybody; else set_body "$body" -; fi
			if [ "$how" = no-csrf ]; then
				cell "$method" "$pth" "${ck%:*}:-" "$bd"
				type=urn:raslog:problem:csrf
			else
				REQ_ORIGIN=http://evil.example cell "$method" "$pth" "$ck" "$bd"
				type=urn:raslog:problem:cross-site
			fi
			rbody=""; IFS= read -r -d '' rbody <"$WORK/body"
			got_type=""; [[ $rbody =~ \"type\":\"([^\"]*)\" ]] && got_type=${BASH_REMATCH[1]}
			got="$st $got_type"
			if [ "$how" = cross-site ] && [ "${path#/api/v1/passkeys/login}" != "$path" ]; then
				exp="403 $type"              # passkey sign-in refuses another site's page itself (login CSRF)
			elif [ "$e_none" != 401 ]; then
				exp="$want"; got=${got%% *}  # open to anyone (or no such route): the cookie plays no part
			elif [ "$want" = 403 ]; then
				exp=403; got=${got%% *}      # refused by role before the guard, or by the guard
			else
				exp="403 $type"; guarded=$((guarded + 1))
			fi
			check "$method $path as $c by cookie, $how: ${exp%% *}" "$got" = "$exp"
		done
	done
done <<<"$MATRIX"
echo "# the CSRF guard refused $guarded requests"
check "those requests changed nothing (sessions, tokens, keys, invitations, assignments, programmes, imports, web sessions, preferences, outbox, ledger)" \
	"$(state)" = "$before"
ok "CSRF refusals are audited" grep -q '"reason":"missing or wrong CSRF token"' "$WORK/audit.log"
ok "cross-site refusals are audited" grep -q '"reason":"cross-site request"' "$WORK/audit.log"
ok "nothing was rate-limited" sh -c "! grep -q rate-limited '$WORK/audit.log'"

finish
