#!/bin/bash
# tests/valgrind.sh - the release server (bin/raslogd, from `make all`)
# under valgrind memcheck through a short API session: health, users,
# sessions posted, listed and read, progress, ledger head and proof, key
# register/revoke (a ledger entry).  Passes when valgrind reports no errors
# and no definite or indirect leaks.  Slow: not run by tests/run.sh unless
# RASLOG_LONG=1.   BIN=DIR overrides the directory holding raslogd.
BIN=${BIN:-bin}
. tests/lib.sh
command -v valgrind >/dev/null || { skip "valgrind is not installed"; finish; exit 0; }

mkuser() { # mkuser NAME ROLE -> "id token"
	"$RASLOGD" --db "$DB" user add --name "$1" --email "$(echo "$1" | tr 'A-Z ' 'a-z.')@test.raslog.org" --role "$2" |
		python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["id"], j["token"])'
}
"$RASLOGD" --db "$DB" init 2>"$WORK/init.log" || { echo "# init failed"; cat "$WORK/init.log"; exit 1; }
"$RASLOGD" --db "$DB" demo --keys "$WORK/keys" >/dev/null 2>&1
read -r trainer trainer_tok <<<"$(mkuser "Valgrind Trainer" trainer)"
read -r trainee trainee_tok <<<"$(mkuser "Valgrind Trainee" trainee)"

# start_server with raslogd wrapped in valgrind (it is slow to come up).
REAL=$RASLOGD
cat >"$WORK/raslogd" <<W
#!/bin/sh
exec valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--error-exitcode=99 --log-file="$WORK/valgrind.log" "$REAL" "\$@"
W
chmod +x "$WORK/raslogd"
RASLOGD="$WORK/raslogd"
start_server
RASLOGD=$REAL

check "health" "$(api GET /api/v1/health x)" = 200
for i in 1 2 3 4 5; do
	st=$(api POST /api/v1/sessions "$trainee_tok" "{\"date\":\"2026-10-0$i\",\"minutes\":6$i,\"activity\":\"simulator\",\"trainer\":$trainer,\"notes\":\"valgrind $i\"}")
	[ "$st" = 201 ] || break
done
check "post sessions" "$st" = 201
sid=$(jget 'j["id"]' <"$WORK/body")
check "a bad body is refused" "$(api POST /api/v1/sessions "$trainee_tok" '{"date":"2026-99-01","minutes":"x"}')" = 400
check "list sessions" "$(api GET /api/v1/sessions "$trainee_tok")" = 200
check "read a session" "$(api GET "/api/v1/sessions/$sid" "$trainee_tok")" = 200
check "trainer's pending list" "$(api GET "/api/v1/sessions?status=pending" "$trainer_tok")" = 200
st=$(api GET "/api/v1/trainees/$trainee/progress" "$trainee_tok")
[ "$st" = 404 ] && st=$(api GET /api/v1/progress "$trainee_tok")
check "progress ($st)" "$st" = 200
check "no token is 401" "$(api GET /api/v1/sessions bad)" = 401
check "register a key" "$(api POST /api/v1/keys "$trainer_tok" "$(key_body "$trainer_tok")")" = 201
kid=$(jget 'j["id"]' <"$WORK/body")
check "revoke it (ledger entry)" "$(api DELETE "/api/v1/keys/$kid" "$trainer_tok")" = 200
check "ledger head" "$(api GET /api/v1/ledger/head "$trainer_tok")" = 200
size=$(jget 'j["tree_size"]' <"$WORK/body")
check "ledger proof" "$(api GET "/api/v1/ledger/proof?index=0&tree_size=$size" "$trainer_tok")" = 200
check "ledger export" "$(api GET /api/v1/ledger "$trainer_tok")" = 200

# Stop it ourselves to read valgrind's exit status.
kill -TERM "$SERVER_PID"
wait "$SERVER_PID"
rc=$?
SERVER_PID=""
check "valgrind exit status $rc (99: errors or leaks)" "$rc" = 0
errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$WORK/valgrind.log" | tail -1)
def=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$WORK/valgrind.log" | tail -1)
check "no memcheck errors (${errs:-?})" "${errs:-1}" = 0
check "no definite leaks (${def:-0} bytes)" "${def:-0}" = 0
grep -E "definitely lost|indirectly lost|ERROR SUMMARY|Invalid|uninitialised" "$WORK/valgrind.log" | head -8 | sed 's/^/#   /'
finish
