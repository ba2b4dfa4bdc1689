#!/bin/bash
# tests/tools/test-harness.sh - the parts of make test's own machinery that
# a wrong edit would break quietly (issue 20 item 5):
#   - tests/run-step.sh: a step's outcome and seconds land in NAME.status
#     and NAME.secs (tests/out/times.txt is made from them), a failing step
#     is counted as failed, and the pool's job names (api-pg/, browser-pg);
#   - tests/lib/pg.sh's shared cluster for the PostgreSQL pass: a suite's
#     database is a copy of the template database (pg-test-compat.sql
#     loaded), apart from every other suite's, dropped at the end; a suite
#     never stops the run's cluster;
#   - tests/lib/sql.sh runs a statement on either engine (the browser tests');
#   - tests/lib.sh's python3 helper (tests/lib/pyhelper.py): jget, the python3
#     function, hdr and the authorization matrix's cell answer as python3,
#     the pipelines and curl they replace did.
. "$(dirname "$0")/fixtures/preamble.sh"

OUT=$tmp/out
mkdir -p "$OUT"
. tests/run-step.sh
run_step "api/x-pass" sh -c 'echo "ok 1 - a"; echo "ok 2 - b"' >"$tmp/line"
[ "$(cat "$OUT/api/x-pass.status")" = 0 ] && grep -q 'PASS  api/x-pass .* 2 checks' "$tmp/line"
tap $? "run_step: a passing step: status 0 and its checks counted ($(sed 's/  */ /g' "$tmp/line"))"
secs=$(cat "$OUT/api/x-pass.secs")
case "$secs" in '' | *[!0-9]*) false ;; *) true ;; esac
tap $? "run_step: its seconds in NAME.secs ($secs)"
run_step "api/x-cpu" sh -c '/usr/bin/python3 -c "sum(range(10**7))"; echo "ok 1 - a"' >"$tmp/line"
cpu=$(cat "$OUT/api/x-cpu.cpu")
case "$cpu" in '' | *[!0-9.]*) false ;; *) awk -v c="$cpu" 'BEGIN { exit !(c > 0) }' ;; esac &&
	grep -q "cpu *$cpu" "$tmp/line" && [ "$(cat "$OUT/api/x-pass.cpu")" = 0.0 ]
tap $? "run_step: the CPU seconds of its processes in NAME.cpu ($cpu for a python3 that sums, 0.0 for two echo)"
run_step "api/x-fail" sh -c 'echo "ok 1 - a"; echo "not ok 2 - b"' >/dev/null
[ "$(cat "$OUT/api/x-fail.status")" = 1 ] && [ -f "$OUT/api/x-fail.secs" ]
tap $? "run_step: a step with a 'not ok' fails, and has its seconds too"
run_step "api/x-exit" sh -c 'echo "ok 1 - a"; exit 3' >/dev/null
[ "$(cat "$OUT/api/x-exit.status")" = 1 ]
tap $? "run_step: a step that exits non-zero fails although every line said ok"
names=$(for j in sqlite:tests/api/01-sessions.sh postgresql:tests/api/01-sessions.sh postgresql:tests/cli/cli.sh \
	browser:sqlite browser:postgresql fuzz:short unit:all jcs:cross; do job_name "$j"; done | tr '\n' ' ')
[ "$names" = "api/01-sessions api-pg/01-sessions cli-pg/cli browser browser-pg fuzz unit jcs-cross " ]
tap $? "job_name: the pool's steps are named as the summary and times.txt show them ($names)"
# Servers left running.  The stand-in raslogd is a copy of sleep under that name (a process named
# raslogd, no database needed); "$tmp/raslogd 300" names the ones these checks start.
cp "$(command -v sleep)" "$tmp/raslogd"
standins() { pgrep -f "^$tmp/raslogd 30[01]\$"; }
run_step "api/x-stray" sh -c '"$1" 300 & echo "ok 1 - a"' _ "$tmp/raslogd" >/dev/null
[ "$(cat "$OUT/api/x-stray.status")" = 1 ] && grep -q '^not ok - the step left servers running' "$OUT/api/x-stray.log" &&
	[ -z "$(standins)" ]
tap $? "run_step: a step that leaves a raslogd running fails, and it is killed ($(grep -c raslogd "$OUT/api/x-stray.log") lines name it)"
# A suite (tests/lib.sh) whose server's $! is a subshell's (a shell function run with &), which
# kills that subshell and then fails its way out: the server is stopped all the same.
BIN=/nonexistent RASLOG_TEST_PYHELPER=0 bash -c '. tests/lib.sh; serve() { "$1" 300; }; serve "$1" & p=$!
	"$1" 301 & sleep 0.2; kill -TERM $p; exit 1' _ "$tmp/raslogd" >"$tmp/got" 2>&1
[ -z "$(standins)" ] && grep -q '^# stopping raslogd left running by the suite' "$tmp/got"
tap $? "tests/lib.sh: a suite's servers are stopped on its way out, one orphaned by its subshell's death too ($(grep -c . "$tmp/got") lines)"
BIN=/nonexistent RASLOG_TEST_PYHELPER=0 bash -c '. tests/lib.sh; serve() { "$1" 300; }; serve "$1" & SERVER_PID=$!
	sleep 0.2; stop_server; [ -z "$(pgrep -f "^$1 300\$")" ] || exit 1; echo stopped' _ "$tmp/raslogd" >"$tmp/got" 2>&1
[ "$(tail -1 "$tmp/got")" = stopped ]
tap $? "tests/lib.sh: stop_server stops the server under a subshell's SERVER_PID ($(tail -1 "$tmp/got"))"

picked=$(for j in api/01-sessions api-pg/01-sessions cli-pg/cli browser browser-pg fuzz; do
	RASLOG_TEST_ONLY='^(api-pg|cli-pg)/|^browser-pg$' wanted "$j" && echo "$j"; done | tr '\n' ' ')
[ "$picked" = "api-pg/01-sessions cli-pg/cli browser-pg " ] && (unset RASLOG_TEST_ONLY; wanted fuzz)
tap $? "wanted: RASLOG_TEST_ONLY picks steps by name ($picked), and without it every step runs"
# step_secs: the pool's order reads the last run's seconds, else those of the clean run the tree keeps.
printf '5 api/a 1.0\n' >"$OUT/times.txt"
printf '7 api/a 2.0\n9 api/b 3.0\n3 unit/test_a 1.0\n4 unit/test_b 1.0\n' >"$tmp/kept"
got=$(for n in api/a api/b unit api/c; do RASLOG_STEP_SECONDS=$tmp/kept step_secs "$n" || echo none; done | tr '\n' ' ')
rm -f "$OUT/times.txt"
[ "$got" = "5 9 7 none " ]
tap $? "step_secs: the last run's seconds, else the kept run's, the unit steps' together, none for a step neither names ($got)"
# The unit job: each C unit test of $BUILD/tests a step of its own, one after another, with the
# unit tests' PostgreSQL database (RASLOG_UNIT_PG_URI) as RASLOG_TEST_PG_URI, and only those.
mkdir -p "$tmp/build/tests"
for u in test_a test_b; do
	printf '#!/bin/sh\necho "ok 1 - %s [$RASLOG_TEST_PG_URI] [$CMOCKA_MESSAGE_OUTPUT]"\n' "$u" >"$tmp/build/tests/$u"
	chmod +x "$tmp/build/tests/$u"
done
: >"$tmp/build/tests/test_not_executable"
(BUILD=$tmp/build RASLOG_TEST_ONLY= RASLOG_UNIT_PG_URI=postgresql://u run_job unit:all) >"$tmp/line"
[ "$(cat "$OUT/unit/test_a.log" "$OUT/unit/test_b.log")" = "ok 1 - test_a [postgresql://u] [TAP]
ok 1 - test_b [postgresql://u] [TAP]" ] && [ "$(cat "$OUT/unit/test_a.status" "$OUT/unit/test_b.status")" = "0
0" ] && [ ! -e "$OUT/unit/test_not_executable.log" ] && [ -z "${RASLOG_TEST_PG_URI:-}" ]
tap $? "run_job unit:all: each unit test a step (unit/test_a, unit/test_b), given the unit tests' PostgreSQL database"

# tests/lib.sh's python3 helper (tests/lib/pyhelper.py): jget, the python3 function and hdr answer
# as python3 and the pipelines they replace do.  In a suite's shell of its own; after the helper
# starts, python3 on PATH is a stub that fails, so an answer that is right came from the helper.
mkdir -p "$tmp/stub"; printf '#!/bin/sh\nexit 99\n' >"$tmp/stub/python3"; chmod +x "$tmp/stub/python3"
printf '{"id":42,"name":"Zo\\u00eb \\u2713","a":{"b":[1,2,{"c":null}]},"t":true,"f":1.5,"s":"x\\ny"}' >"$tmp/j.json"
exprs=('j["id"]' 'j["name"]' 'j["a"]' 'j["a"]["b"][2]["c"]' 'j["t"]' 'j["f"]' 'j["s"]' 'j["missing"]' 'j["a"]["b"][9]'
	'len(j["a"]["b"])' '(j["id"], j["t"])' 'json.dumps(j, sort_keys=True)' '[k for k in j if k != "s"]' '"\n".join(sorted(j))'
	'j.get("nope", "dflt")' 'j["name"].upper()' 'sum(x for x in j["a"]["b"] if isinstance(x, int))')
BIN=/nonexistent bash -c '. tests/lib.sh; [ -n "$PYH_PORT" ] || exit 3; PATH=$1:$PATH; f=$2; shift 2
	for e in "$@"; do jget "$e" <"$f"; echo "exit $?"; done' _ "$tmp/stub" "$tmp/j.json" "${exprs[@]}" >"$tmp/got" 2>"$tmp/got.err"
got_st=$?
for e in "${exprs[@]}"; do
	/usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); v=$e; print(v if not isinstance(v,(dict,list)) else json.dumps(v))" <"$tmp/j.json"
	echo "exit $?"
done >"$tmp/want" 2>"$tmp/want.err"
[ $got_st = 0 ] && cmp -s "$tmp/got" "$tmp/want"
tap $? "jget through the helper prints what python3 prints, with its exit status, for ${#exprs[@]} expressions (a missing key, unicode, a list, a tuple, a newline)"
[ "$(grep -c '^KeyError\|^IndexError' "$tmp/got.err")" = 2 ] && [ "$(grep -c '^KeyError\|^IndexError' "$tmp/want.err")" = 2 ]
tap $? "... and the missing key's and index's errors on standard error, as python3's"
BIN=/nonexistent bash -c '. tests/lib.sh; PATH=$1:$PATH
	jget "j[\"id\"]" <<<"{\"id\": 7}"; printf "{\"id\": 8}" | jget "j[\"id\"]"; cat "$2" | jget "len(j)"
	{ read -r _; jget "j[\"k\"]"; } <<<"skip this line
{\"k\": \"rest\"}"' _ "$tmp/stub" "$tmp/j.json" >"$tmp/got"
[ "$(tr '\n' ' ' <"$tmp/got")" = "7 8 6 rest " ]
tap $? "jget reads a here-string, a pipe, and a file from the caller's offset ($(tr '\n' ' ' <"$tmp/got"))"
py_cases() {
	python3 -c 'import sys; print(sys.argv[1:]); sys.stderr.write("err\n")' a 'b c'; echo "exit $?"
	python3 -c 'import sys; sys.exit(3)'; echo "exit $?"
	python3 -c 'raise ValueError("boom \u00e9")' 2>&1 | tail -1; echo "exit $?"
	python3 -c 'import sys; sys.exit("a message")'; echo "exit $?"
	printf '{"k": [1, "\\u00e9"]}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["k"])'
	python3 - x y <<'PY'
import os, sys
print(sys.argv, os.getcwd() == os.path.abspath("."))
PY
	(cd tests && python3 -c 'import os; print(os.path.basename(os.getcwd()), os.path.exists("lib.sh"))')
	python3 -c 'print("x" * 5000)' | wc -c
	python3 -c 'print("a\0b")' | od -An -c
	python3 -c 'print(1)' -c 'print(2)'
	python3 -c 'import sys
f = open(sys.argv[1], "w"); f.write("left open\n")
def g(): return f' "$tmp/open.txt"; cat "$tmp/open.txt"
}
py_cases >"$tmp/want" 2>&1
tmp=$tmp BIN=/nonexistent bash -c '. tests/lib.sh; PATH=$1:$PATH; '"$(declare -f py_cases)"'; py_cases' _ "$tmp/stub" >"$tmp/got" 2>&1
cmp -s "$tmp/got" "$tmp/want"
tap $? "the python3 function (python3 -c CODE ARGS, python3 - ARGS) answers as python3: output, errors, exit status, working directory, standard input, long and binary output"
[ -z "$(diff "$tmp/got" "$tmp/want")" ] || diff "$tmp/got" "$tmp/want" | sed 's/^/#   /' | head -10
printf 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id:   r 1\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\nETag: "e"\r\nEmpty:\r\n\r\n' >"$tmp/hdr"
hdr_old() { tr -d '\r' <"$tmp/hdr" | sed -n "s/^$1: *//Ip" | head -1; }
for h in Content-Type content-type X-Request-Id Set-Cookie ETag Empty Missing Content; do echo "$h=$(hdr_old "$h")"; done >"$tmp/want"
BIN=/nonexistent bash -c '. tests/lib.sh; cp "$1" "$WORK/hdr"
	for h in Content-Type content-type X-Request-Id Set-Cookie ETag Empty Missing Content; do echo "$h=$(hdr "$h")"; done' _ "$tmp/hdr" >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want"
tap $? "hdr (bash alone) answers as the tr | sed | head it replaced ($(tr '\n' ' ' <"$tmp/got"))"
printf '1 rl_one\n12 rl_twelve\n2 rl_two\n21 rl_21\n' >"$tmp/tokens"
for i in 1 2 12 21 3; do echo "$i=$(sed -n "s/^$i //p" "$tmp/tokens")"; done >"$tmp/want"
BIN=/nonexistent bash -c '. tests/lib.sh; cp "$1" "$WORK/tokens"; for i in 1 2 12 21 3; do echo "$i=$(token_of $i)"; done' _ "$tmp/tokens" >"$tmp/got"
cmp -s "$tmp/got" "$tmp/want"
tap $? "token_of (bash alone) answers as the sed it replaced ($(tr '\n' ' ' <"$tmp/got"))"
# tests/api/authz/common.sh's cell through the helper sends the bytes curl sends (a loopback
# server here keeps each request and answers a problem) and reads the reply as curl -w and -D do.
cat >"$tmp/echo.py" <<'PY'
import socket, sys
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(5)
print(ls.getsockname()[1], flush=True)
out = open(sys.argv[1], "ab")
while True:
    c, _ = ls.accept(); data = b""
    while b"\r\n\r\n" not in data: data += c.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
    while n and len(body) < n[0]: body += c.recv(65536)
    out.write(head + b"\r\n\r\n" + body + b"\n=====\n"); out.flush()
    c.sendall(b'HTTP/1.1 401 Unauthorized\r\nContent-Type: application/problem+json\r\nX-Request-Id: r-1\r\n'
              b'WWW-Authenticate: Bearer realm="raslog"\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{"status":401}')
    c.close()
PY
cells() {
	cell POST /api/v1/sessions "cookie:SID:CSRF" '{"notes":"\u00e9 é"}'; echo "$st|$ct|$rid|$www"; cat "$WORK/hdr" "$WORK/body"
	cell GET "/api/v1/keys?user=3" "rl_tok" -; echo "$st|$ct|$rid|$www"
	REQ_ORIGIN=http://evil.example cell DELETE /api/v1/keys/4 "cookie:SID:-" -; echo "$st|$ct|$rid|$www"
	cell PUT /api/v1/me/notifications - '{}'; echo "$st|$ct|$rid|$www"
}
for how in helper curl; do
	BIN=/nonexistent bash -c '. tests/lib.sh; [ "$2" = curl ] && PYH_PORT=""
		exec 7< <(exec /usr/bin/python3 "$1/echo.py" "$1/req.$2"); read -r PORT <&7; URL=http://127.0.0.1:$PORT
		eval "$(sed -n "/^req() {/,/^}/p; /^CELL_UA=/p; /^cell() {/,/^}/p" tests/api/authz/common.sh)"
		'"$(declare -f cells)"'; cells; kill $!' _ "$tmp" "$how" >"$tmp/cells.$how" 2>&1
	sed -i 's/127\.0\.0\.1:[0-9]*/127.0.0.1:PORT/g' "$tmp/req.$how" # two servers, two ports
done
cmp -s "$tmp/req.helper" "$tmp/req.curl" && cmp -s "$tmp/cells.helper" "$tmp/cells.curl" && [ "$(grep -c '^=====' "$tmp/req.helper")" = 4 ]
tap $? "cell (tests/api/authz/common.sh) through the helper sends what curl sends, byte for byte, and reads its status, Content-Type, X-Request-Id, WWW-Authenticate, headers and body as curl does"
[ -z "$(diff "$tmp/req.helper" "$tmp/req.curl")" ] || diff "$tmp/req.helper" "$tmp/req.curl" | sed 's/^/#   /' | head -10
# tests/lib.sh's sql on SQLite: a SELECT of integers, text and NULL answered by the helper (sqlite3
# on PATH a stub), and every statement (the ones sqlite3 answers too) as sqlite3 answers it.
sqlite3 "$tmp/s.db" "create table t(i integer, s text, r real, b blob); insert into t values
	(1, 'a|b', 1.5, x'00ff'), (-7, 'é
two lines', 100.0, null), (null, '', null, x'41'), (9007199254740993, ';', 0.1, null)"
sqls=("select i, s from t order by rowid" "SELECT count(*) FROM t;" "  select s from t where i is null" "select ';', 'x;y'"
	"select max(i) from t where 0" "select i from t where s = ';';" "select r from t" "select b from t" "select 1; select 2"
	"select nope from t" "update t set i = i + 1 where i = 1" "select i from t order by rowid" "select * from missing")
sql_cases() { for q in "$@"; do echo "[$q]"; sql "$q" 2>&1 | sed 's/near line [0-9]*: //'; echo "exit ${PIPESTATUS[0]}"; done; }
for how in helper sqlite3; do
	cp "$tmp/s.db" "$tmp/s.$how.db"
	BIN=/nonexistent bash -c '. tests/lib.sh; [ "$2" = sqlite3 ] && PYH_PORT=""; DB=$1; shift 2
		'"$(declare -f sql_cases)"'; sql_cases "$@"' _ "$tmp/s.$how.db" "$how" "${sqls[@]}" >"$tmp/sql.$how"
done
BIN=/nonexistent bash -c '. tests/lib.sh; PATH=$1:$PATH; DB=$2; shift 2; '"$(declare -f sql_cases)"'; sql_cases "$@"' \
	_ "$tmp/stub" "$tmp/s.db" "${sqls[@]:0:6}" >"$tmp/sql.stub"
cmp -s "$tmp/sql.helper" "$tmp/sql.sqlite3" && [ "$(head -c "$(wc -c <"$tmp/sql.stub")" "$tmp/sql.helper")" = "$(cat "$tmp/sql.stub")" ] &&
	grep -q '^9007199254740993|;$' "$tmp/sql.stub"
tap $? "sql (tests/lib.sh) on SQLite: the helper answers a SELECT of integers, text and NULL as sqlite3 does (${#sqls[@]} statements; reals, blobs, writes, errors and two statements left to sqlite3)"
[ -z "$(diff "$tmp/sql.helper" "$tmp/sql.sqlite3")" ] || diff "$tmp/sql.helper" "$tmp/sql.sqlite3" | sed 's/^/#   /' | head -10
# tests/lib.sh's curl function (and api, req, req_to, key_body and wait_healthy, which use it)
# through the helper sends what curl sends and leaves what curl leaves (what it prints, its exit
# status, the body and headers files); a server that also answers /api/v1/me and /api/v1/health as
# raslogd does (for key_body), a 204 with no body, a 403, and a reply that is not HTTP.  With the
# helper, curl and node on PATH are stubs that fail.
cat >"$tmp/api.py" <<'PY'
import socket, sys
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(5)
print(ls.getsockname()[1], flush=True)
out = open(sys.argv[1], "ab")
while True:
    c, _ = ls.accept(); data = b""
    while b"\r\n\r\n" not in data: data += c.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
    while n and len(body) < n[0]: body += c.recv(65536)
    out.write(head + b"\r\n\r\n" + body + b"\n=====\n"); out.flush()
    path = head.split(b" ")[1]
    if path == b"/api/v1/me": reply = b'{"id":7,"name":"X"}'
    elif path == b"/api/v1/health": reply = b'{"status":"ok","public_url":"http://localhost:9"}'
    elif path == b"/garbage": c.sendall(b"not http at all\r\n\r\n"); c.close(); continue
    else: reply = b'{"status":201,"title":"Caf\xc3\xa9"}'
    st = b"204 No Content" if path == b"/empty" else b"403 Forbidden" if path == b"/denied" else b"201 Created"
    if path == b"/empty": reply = b""
    c.sendall(b"HTTP/1.1 " + st + b"\r\nContent-Type: application/json\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n"
              b"X-Request-Id: r-2\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(reply) + reply)
    c.close()
PY
sk=$(printf '%064d' 0 | sed 's/0/ab/g' | head -c 64 | base64 -w0) # 64 bytes: a fixed Ed25519 secret key
mkdir -p "$tmp/stub2"; printf "#!/bin/sh\\nexit 99\\n" | tee "$tmp/stub2/curl" >"$tmp/stub2/node"; chmod +x "$tmp/stub2/curl" "$tmp/stub2/node"
calls() {
	echo "api: $(api POST /api/v1/sessions tok-1 '{"notes":"\u00e9 é"}') $?"; cat "$WORK/body"; echo
	echo "api: $(api GET "/api/v1/sessions?trainee=3&limit=2" tok-1) $?"
	echo "api: $(api DELETE /api/v1/keys/4 tok-1 '') $?"
	echo "api: $(api GET /empty tok-1) $?"; wc -c <"$WORK/body"
	echo "api: $(api GET /garbage tok-1) $?"
	echo "req: $(req PATCH /api/v1/users/3 cookie:SID-1 '{"a":1}') $?"; cat "$WORK/hdr" "$WORK/body"; echo
	echo "req: $(req GET /api/v1/me tok-2) $?"
	echo "req: $(req POST /api/v1/session/logout - -) $?"
	echo "req: $(req GET /api/v1/me tok-3 -) $?"
	echo "req_to: $(req_to PUT /api/v1/me/notifications tok-4 "$WORK/put.out" '{"x":[]}') $?"; cat "$WORK/headers" "$WORK/put.out"
	echo "req_to: $(req_to GET /api/v1/export - "$WORK/get.out") $?"
	echo "key_body: $(key_body tok-5 "$3")"
	echo "key_body: $(key_body tok-6 not-a-key 2>&1) $?"
	PORT=${URL##*:} SERVER_PID=$$; wait_healthy; echo "wait_healthy: $?"
	echo "curl: $(curl -s -w '%{http_code}|%{content_type}|%header{x-request-id}|%header{nope}|%%\t\n' "$URL/x") $?"
	echo "curl: $(curl -sf -o "$WORK/f.out" -D "$WORK/f.hdr" -w '[%{http_code}]' "$URL/denied") $?"
	ls "$WORK/f.out" 2>&1 | sed 's|.*/||'; cat "$WORK/f.hdr"
	echo "curl: $(curl -sf -H 'Authorization: Bearer ' "$URL/denied") $?"
	echo "curl: $(curl -s -X PUT --data-binary '' -b 'a=1; b=2' -H 'X-A:b' -H 'X-B:  two ' "$URL/put") $?"
	(cd "$WORK" && curl -s -o rel.out -D rel.hdr --data-binary 'x=1' "$URL/rel"; echo "curl: $?"; cat rel.out rel.hdr)
	echo "curl: $(curl -s -w '%{http_code}' "http://127.0.0.1:1/") $?"
}
for how in helper curl; do
	BIN=/nonexistent bash -c '. tests/lib.sh; [ "$2" = curl ] && PYH_PORT=""; [ "$2" = curl ] || PATH=$4:$PATH
		exec 7< <(exec /usr/bin/python3 "$1/api.py" "$1/api.$2"); read -r PORT <&7; URL=http://127.0.0.1:$PORT
		'"$(declare -f calls)"'; calls "$@"; kill $!' _ "$tmp" "$how" "$sk" "$tmp/stub2" >"$tmp/calls.$how" 2>&1
	sed -i 's/127\.0\.0\.1:[0-9]*/127.0.0.1:PORT/g' "$tmp/api.$how" "$tmp/calls.$how"
done
cmp -s "$tmp/api.helper" "$tmp/api.curl" && cmp -s "$tmp/calls.helper" "$tmp/calls.curl" &&
	[ "$(grep -c '^=====' "$tmp/api.helper")" = 21 ] && grep -q '^key_body: {"public_key":"' "$tmp/calls.helper"
tap $? "curl, api, req, req_to, key_body and wait_healthy (tests/lib.sh) through the helper send what curl sends, byte for byte, print what curl and node print, and leave the same files ($(grep -c '^=====' "$tmp/api.helper") requests)"
[ -z "$(diff "$tmp/api.helper" "$tmp/api.curl")" ] || diff "$tmp/api.helper" "$tmp/api.curl" | sed 's/^/#   /' | head -10
[ -z "$(diff "$tmp/calls.helper" "$tmp/calls.curl")" ] || diff "$tmp/calls.helper" "$tmp/calls.curl" | sed 's/^/#   /' | head -10

# The helper runs nothing for a caller without the secret; it ends with the suite's shell.
(BIN=/nonexistent bash -c '. tests/lib.sh; echo "$PYH_PID" >"$1/pyh.pid"
	exec 3<>"/dev/tcp/127.0.0.1/$PYH_PORT"; printf "wrong\0py\0-\0/\0-c\0000\0open(\"%s/ran\", \"w\")\0" "$1" >&3
	IFS= read -r -d "" -u 3 answer; echo "answer=[$answer]"; kill -9 $$' _ "$tmp" >"$tmp/got"; true) 2>/dev/null
[ "$(cat "$tmp/got")" = "answer=[]" ] && [ ! -e "$tmp/ran" ]
tap $? "a request without the suite's secret is closed unanswered, and runs nothing"
for i in $(seq 50); do kill -0 "$(cat "$tmp/pyh.pid")" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$(cat "$tmp/pyh.pid")" 2>/dev/null
tap $? "the helper ends when the suite's shell does (here killed: no cleanup ran)"

# tests/lib/sql.sh on SQLite.
sqlite3 "$tmp/t.db" "create table t(x integer); insert into t values (41)"
sh tests/lib/sql.sh "$tmp/t.db" "update t set x = x + 1"
[ "$(sh tests/lib/sql.sh "$tmp/t.db" "select x from t")" = 42 ]
tap $? "tests/lib/sql.sh runs a statement on a SQLite file"

. tests/lib/pg.sh
if ! pg_available; then
	echo "ok $((n + 1)) # SKIP PostgreSQL 15 is not installed"; n=$((n + 1))
	finish
fi
# The run's cluster, as tests/run.sh starts it.
# (Beside $tmp, not in it: the server runs as nobody when the caller is root.)
pg_dir=$(mktemp -u "${TMPDIR:-/tmp}/raslog-pg.XXXXXX")
trap 'pg_stop; rm -rf "$tmp"' EXIT
if ! pg_shared_start "$pg_dir" >"$tmp/pg.log" 2>&1; then
	tap 1 "pg_shared_start: the run's cluster starts"; sed 's/^/#   /' "$tmp/pg.log"; finish
fi
tap 0 "pg_shared_start: the run's cluster starts, with its template database"
shared=$PG_DIR
# fsync off (a throwaway cluster) but synchronous_commit on: a commit acknowledged has reached
# the kernel, so a killed server (20-crash, 28-pg-failover) loses nothing committed.
out=$(pg_psql postgres "select current_setting('fsync') || ' ' || current_setting('synchronous_commit')")
[ "$out" = "off on" ]
tap $? "the run's cluster runs with fsync off and synchronous_commit on ($out)"
# Two suites' databases, each in a shell of its own as a suite is.
suite() { # suite NAME SQL: what tests/lib.sh does for a suite in the pass, then SQL on its database
	bash -c '. tests/lib/pg.sh; pg_shared_createdb "$1" "$2" || exit 1
		psql_out=$(pg_psql "$2" "$3") || exit 1; echo "$psql_out"
		pg_stop' _ "$shared" "$1" "$2"
}
out=$(suite t_a "select instr('abc', 'c'); create table mine(x integer); insert into mine values (1)")
[ "$out" = 3 ]
tap $? "a suite's database has tests/lib/pg-test-compat.sql's functions (instr: $out)"
out=$(suite t_b "select count(*) from pg_tables where tablename = 'mine'")
[ "$out" = 0 ]
tap $? "another suite's database does not see the first one's table (a copy of the template, not of it)"
[ -S "$shared/.s.PGSQL.5432" ] && pg_psql postgres "select 1" >/dev/null 2>&1
tap $? "pg_stop in a suite leaves the run's cluster running"
bash -c '. tests/lib/pg.sh; PG_DIR=$1; pg_shared_dropdb t_a' _ "$shared"
out=$(pg_psql postgres "select string_agg(datname, ',' order by datname) from pg_database where datname like 't\_%'")
[ "$out" = t_b ]
tap $? "pg_shared_dropdb drops the suite's database and no other ($out left)"
# tests/lib/sql.sh on a postgresql:// URI.
[ "$(sh tests/lib/sql.sh "$(pg_uri t_b)" "select instr('xyz', 'z')")" = 3 ]
tap $? "tests/lib/sql.sh runs a statement on a PostgreSQL database given by its URI"
pg_stop
[ ! -d "$shared" ]
tap $? "tests/run.sh's pg_stop stops the run's cluster and removes it"
# A suite that starts a cluster of its own after tests/lib.sh's (27-pg-*, sourcing pg.sh again):
# pg_stop_all, tests/lib.sh's cleanup, stops both, the standby pg_track names too.
bash -c '. tests/lib/pg.sh; pg_start "$1.a" || exit 1; . tests/lib/pg.sh; pg_start "$1.b" || exit 1
	mkdir "$1.c"; pg_track "$1.c"; pg_stop_all; [ -z "$PG_STARTED" ] || exit 2' _ "$pg_dir" >"$tmp/got" 2>&1
st=$?
left=$(for d in a b c; do [ -d "$pg_dir.$d" ] && echo "$d"; done; pgrep -f "postgres -D $pg_dir\.[ab]/data")
[ $st = 0 ] && [ -z "$left" ]
tap $? "pg_stop_all stops every cluster the shell started, one started before pg.sh was sourced again too (exit $st; left: $left)"
finish
