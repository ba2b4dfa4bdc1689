#!/bin/bash
# engine: sqlite (how issued documents name the server, which do not depend on the storage engine; tests/run.sh runs it once, on SQLite, to keep make test inside its time)
# 61-public-url.sh - issued documents (credentials, the status list, the
# portfolio PDF's verify link) name the server by its configured public URL
# (public_url / --public-url; default http:// + the listen address), never
# by a request header: a forged Host or X-Forwarded-Proto changes nothing.
# serve refuses a malformed public URL at start-up.  The status list
# credential is valid for 24 hours, so a frozen copy goes stale.
. tests/lib.sh
"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" > "$WORK/people.jsonl" 2>/dev/null
ACC=$(field "Priya Raman" token); ACCID=$(field "Priya Raman" id)
FAC=$(field "Amelia Hart" token); TRID=$(field "David Ellis" id)
FORGED=(-H "Host: evil.example" -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: evil.example")
get() { # get TOKEN PATH OUT: with forged headers; prints the status
	curl -s -o "$3" -w '%{http_code}' "${FORGED[@]}" ${1:+-H "Authorization: Bearer $1"} "$URL$2"
}

# ---- start-up validation ---------------------------------------------------------
bad_url() { # bad_url URL WORD: serve refuses it with exit 2 and a sentence containing WORD
	timeout 20 "$RASLOGD" --db "$DB" serve --listen "127.0.0.1:$(free_port)" --public-url "$1" >"$WORK/bad.out" 2>&1
	rc=$?
	[ "$rc" = 2 ] && grep -q -- "$2" "$WORK/bad.out" && [ "$(wc -l <"$WORK/bad.out")" = 1 ]
}
ok "--public-url ftp://x is refused (not http/https)" bad_url ftp://raslog.example.org "http:// or https://"
ok "--public-url with a trailing slash is refused" bad_url https://raslog.example.org/ "slash"
ok "--public-url with a query is refused" bad_url "https://raslog.example.org?x=1" "query"
ok "--public-url with a fragment is refused" bad_url "https://raslog.example.org#top" "fragment"
ok "--public-url without a host is refused" bad_url "https://" "host"
ok "--public-url with a user name is refused" bad_url "https://me@raslog.example.org" "user name"
ok "--public-url with a space is refused" bad_url "https://raslog.example.org/a b" "spaces"
if "$RASLOGD" --config /dev/null --help 2>&1 | grep -q 'built without inih'; then
	skip "raslogd built without inih: public_url in the config file"
else
	printf '[server]\npublic_url = https://raslog.example.org/\n' >"$WORK/bad.conf"
	"$RASLOGD" --config "$WORK/bad.conf" --db "$DB" serve >"$WORK/bad.out" 2>&1
	check "public_url in the config file is checked too (exit 2, names the line and key)" \
		"$?-$(grep -c "line 2: key 'public_url' must not end with a slash" "$WORK/bad.out")" = "2-1"
fi

# ---- default: http:// + the listen address ----------------------------------------
start_server
check "health reports the public URL (default http:// + the listen address)" \
	"$(curl -s "$URL/api/v1/health" | jget 'j["public_url"]')" = "$URL"
st=$(get "$ACC" "/api/v1/trainees/$ACCID/export?format=credential" "$WORK/cred.json")
check "a credential requested with a forged Host and X-Forwarded-Proto (200)" "$st" = 200
check "  ...names the status list at the listen address" \
	"$(jget 'j["credentialStatus"]["statusListCredential"]' <"$WORK/cred.json")" = "$URL/api/v1/credentials/status"
check "  ...and nothing from the forged headers" "$(grep -c 'evil\|https://127' "$WORK/cred.json")" = 0
ok "  ...and it verifies, status list and all" node tests/js/verify-credential.mjs "$WORK/cred.json"
stop_server

# ---- configured: https://raslog.example.org ------------------------------------------
PUB=https://raslog.example.org/raslog
start_server --public-url "$PUB"
check "health reports the configured public URL" "$(curl -s "$URL/api/v1/health" | jget 'j["public_url"]')" = "$PUB"
st=$(get "$ACC" "/api/v1/trainees/$ACCID/export?format=credential" "$WORK/cred2.json")
check "the trainee credential with forged headers (200)" "$st" = 200
check "  ...names the configured status list" \
	"$(jget 'j["credentialStatus"]["statusListCredential"]+" "+j["credentialStatus"]["id"]' <"$WORK/cred2.json")" \
	= "$PUB/api/v1/credentials/status $PUB/api/v1/credentials/status#$(jget 'j["credentialStatus"]["statusListIndex"]' <"$WORK/cred2.json")"
check "  ...and no header's host or the listen address anywhere" "$(grep -c "evil\|127\.0\.0\.1" "$WORK/cred2.json")" = 0
st=$(get "$FAC" "/api/v1/trainers/$TRID/credential" "$WORK/trainer.json")
check "the trainer credential with forged headers names the configured status list" \
	"$st $(jget 'j["credentialStatus"]["statusListCredential"]' <"$WORK/trainer.json")" = "200 $PUB/api/v1/credentials/status"
st=$(get "" /api/v1/credentials/status "$WORK/list.json")
check "the status list with forged headers is identified by the configured URL" \
	"$st $(jget 'j["id"]+" "+j["credentialSubject"]["id"]' <"$WORK/list.json")" \
	= "200 $PUB/api/v1/credentials/status $PUB/api/v1/credentials/status#list"
check "  ...and is valid for 24 hours from now" "$(jget '__import__("datetime").datetime.fromisoformat(j["validUntil"].replace("Z","+00:00")).timestamp() - __import__("datetime").datetime.fromisoformat(j["validFrom"].replace("Z","+00:00")).timestamp()' <"$WORK/list.json")" = 86400.0
check "  ...starting now (within a minute)" "$(jget 'abs(__import__("time").time() - __import__("datetime").datetime.fromisoformat(j["validFrom"].replace("Z","+00:00")).timestamp()) < 60' <"$WORK/list.json")" = True
if command -v pdftotext >/dev/null; then
	st=$(get "$ACC" "/api/v1/trainees/$ACCID/export?format=pdf" "$WORK/p.pdf")
	pdftotext "$WORK/p.pdf" "$WORK/p.txt" 2>/dev/null
	check "the portfolio PDF with forged headers carries the configured verify link" \
		"$st $(grep -c "Verify: $PUB/#/trainee/$ACCID" "$WORK/p.txt") $(grep -c evil "$WORK/p.txt")" = "200 1 0"
else
	skip "pdftotext is not installed: the PDF's verify link"
fi
stop_server

# ---- a frozen status list goes stale ------------------------------------------------
start_server
api GET "/api/v1/trainees/$ACCID/export?format=credential" "$ACC" >/dev/null
cp "$WORK/body" "$WORK/cred3.json"
ok "the credential verifies now" node tests/js/verify-credential.mjs "$WORK/cred3.json"
VERIFY_NOW=$(date -u -d '+25 hours' +%FT%TZ) node tests/js/verify-credential.mjs "$WORK/cred3.json" >"$WORK/out" 2>&1
check "a status list 25 hours old is stale: the verifier refuses it" "$(jget 'j["verified"]' <"$WORK/out")" = False
check "  ...saying why" "$(grep -c 'stale' "$WORK/out")" = 1
finish
