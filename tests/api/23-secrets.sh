#!/bin/bash
# engine: sqlite (its subject is the SQLite file itself: it reads or changes it with sqlite3; tests/run.sh runs it once)
# 23-secrets.sh - secrets out of the database, private files, an altered
# ledger refused at start-up, and a schema that refuses every rewrite of
# an entry (issue 13 item 4).
#   - init makes DB, DB-wal, DB-shm, DB.head 0600 (whatever the umask), the
#     key directory DB.keys/ 0700 and its three key files 0600; the meta
#     table holds no secret, and no key's bytes are in the database files;
#   - backup OUT writes OUT (0600) and OUT.keys/ (0700, the same key files);
#   - a database of an older raslogd (keys in meta, files 0644) has its keys
#     moved out on open, saying so once; tokens still work; a half-done
#     move (file and row equal) is finished, two different keys refused;
#   - a missing, foreign or loose key file stops serve and init with a clear
#     sentence and no new key; key_dir / --key-dir move the directory;
#   - an entry altered at rest (same size) stops serve, naming the entry,
#     and a leaf re-hashed to match is caught by the signed root;
#   - the sqlite3 shell cannot INSERT OR REPLACE, REPLACE, UPDATE, UPDATE OR
#     REPLACE, upsert or DELETE a ledger entry, Merkle node or tree head.
BIN=${BIN:-build/san/bin}
. tests/lib.sh

command -v sqlite3 >/dev/null || { echo "1..0 # SKIP the sqlite3 shell is not installed (tools/deps.sh)"; exit 0; }

mode() { stat -c %a "$1" 2>/dev/null || echo none; }
# ledger_dump DB: every column of every entry, hashed (to see that nothing changed)
ledger_dump() { sqlite3 "$1" "SELECT idx, kind, hex(message), hex(public_key), hex(signature), signer_id, subject_id, created_at FROM ledger ORDER BY idx" | sha256sum; }
# serve_fails NAME DB [flags]: runs serve, expects it to exit (not to serve); output in $WORK/refuse.log
serve_fails() {
	db=$1; shift
	timeout 20 "$RASLOGD" --db "$db" "$@" serve --listen "127.0.0.1:$(free_port)" >"$WORK/refuse.log" 2>&1
	rc=$?
	sed 's/^/#   /' "$WORK/refuse.log" | head -3
	[ "$rc" != 0 ] && [ "$rc" != 124 ]
}
# key_bytes_in FILE...: 0 when a secret of $DB.keys occurs in one of the files
key_bytes_in() {
	python3 - "$DB.keys" "$@" <<'PY'
import base64, json, os, sys
d = sys.argv[1]
secrets = []
for f in ("log.key", "issuer.key", "token.key"):
    k = json.load(open(os.path.join(d, f)))
    secrets.append(base64.b64decode(k.get("seed") or k["key"]))
data = b"".join(open(f, "rb").read() for f in sys.argv[2:] if os.path.exists(f))
sys.exit(0 if any(s in data for s in secrets) else 1)
PY
}

# ---- a new database: modes and where the keys are
umask 022
"$RASLOGD" --db "$DB" init 2>"$WORK/init.log"
check "init succeeds under umask 022" $? = 0
check "the database is 0600 ($(mode "$DB"))" "$(mode "$DB")" = 600
check "DB.head is 0600" "$(mode "$DB.head")" = 600
check "the key directory DB.keys is 0700 ($(mode "$DB.keys"))" "$(mode "$DB.keys")" = 700
for k in log issuer token; do
	check "DB.keys/$k.key is 0600 ($(mode "$DB.keys/$k.key"))" "$(mode "$DB.keys/$k.key")" = 600
done
ok "init names the key directory" grep -q "keys are in $DB.keys" "$WORK/init.log"
check "meta holds no secret" \
	"$(sql "SELECT count(*) FROM meta WHERE key IN ('log_secret_key', 'issuer_secret_key', 'token_key')")" = 0
check "meta records the public halves" \
	"$(sql "SELECT count(*) FROM meta WHERE key IN ('log_public_key', 'issuer_public_key', 'token_key_id') AND length(value) = 32")" = 3
check "the meta public log key is the key file's" \
	"$(sql "SELECT hex(value) FROM meta WHERE key = 'log_public_key'")" = \
	"$(python3 -c 'import base64,json,sys; print(base64.b64decode(json.load(open(sys.argv[1]))["public_key"]).hex().upper())' "$DB.keys/log.key")"

trainer=$(add_user "Secret Trainer" trainer)
trainee=$(add_user "Secret Trainee" trainee)
ok "raslogd demo seeds ledger entries" "$RASLOGD" --db "$DB" demo --keys "$WORK/demo-keys"
start_server
api GET /api/v1/me "$(token_of "$trainer")" >/dev/null
check "a token works (token key from its file)" "$(jget 'j["id"]' <"$WORK/body")" = "$trainer"
for _ in 1 2 3; do
	api POST /api/v1/sessions "$(token_of "$trainee")" \
		"{\"date\":\"2026-10-01\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$trainer}" >/dev/null
done
api GET /api/v1/ledger/head "$(token_of "$trainer")" >/dev/null
check "the server signs heads with the log key file" "$(jget '"signature" in j' <"$WORK/body")" = True
check "DB-wal is 0600 while serving ($(mode "$DB-wal"))" "$(mode "$DB-wal")" = 600
check "DB-shm is 0600 while serving ($(mode "$DB-shm"))" "$(mode "$DB-shm")" = 600
key_bytes_in "$DB" "$DB-wal"
check "no key's bytes are in the database or its WAL" $? = 1

# ---- backup: OUT and OUT.keys/
"$RASLOGD" --db "$DB" backup "$WORK/b1.db" >"$WORK/out" 2>"$WORK/backup.err"
check "backup while serving succeeds" $? = 0
check "the backup is 0600 ($(mode "$WORK/b1.db"))" "$(mode "$WORK/b1.db")" = 600
check "the backup's key directory is 0700 ($(mode "$WORK/b1.db.keys"))" "$(mode "$WORK/b1.db.keys")" = 700
for k in log issuer token; do
	check "b1.db.keys/$k.key is 0600 and equal to the live one" \
		"$(mode "$WORK/b1.db.keys/$k.key")$(cmp -s "$DB.keys/$k.key" "$WORK/b1.db.keys/$k.key" && echo same)" = 600same
done
ok "backup says where the keys went" grep -q "keys to $WORK/b1.db.keys" "$WORK/backup.err"
check "the backup holds no secret in meta" \
	"$(sqlite3 "$WORK/b1.db" "SELECT count(*) FROM meta WHERE key IN ('log_secret_key', 'issuer_secret_key', 'token_key')")" = 0
mkdir "$WORK/b2.db.keys"
"$RASLOGD" --db "$DB" backup "$WORK/b2.db" >"$WORK/out" 2>"$WORK/err"
check "backup refuses when OUT.keys exists (exit $?)" $? != 0
check "... and writes no OUT" "$(mode "$WORK/b2.db")" = none
stop_server

# ---- the backup with its keys restores and serves; the database alone does not
mkdir "$WORK/r"
cp "$WORK/b1.db" "$WORK/r/raslog.db"
serve_fails "$WORK/r/raslog.db"
check "a restored database without its keys does not serve" $? = 0
ok "... saying the log key file is missing" grep -q "log key file $WORK/r/raslog.db.keys/log.key is missing" "$WORK/refuse.log"
check "... and makes no new key" "$(mode "$WORK/r/raslog.db.keys/log.key")" = none
cp -r "$WORK/b1.db.keys" "$WORK/r/raslog.db.keys"
: >"$WORK/r.log"
timeout 20 "$RASLOGD" --db "$WORK/r/raslog.db" serve --listen "127.0.0.1:$(free_port)" >"$WORK/r.log" 2>&1 &
RPID=$!
for _ in $(seq 1 200); do grep -q serving "$WORK/r.log" && break; sleep 0.05; done
ok "with OUT.keys beside it as DB.keys the copy serves" grep -q serving "$WORK/r.log"
kill -TERM $RPID 2>/dev/null; wait $RPID 2>/dev/null

# ---- key files: missing, loose, foreign
mv "$DB.keys/token.key" "$WORK/token.key.aside"
serve_fails "$DB"
check "serve refuses without the token key file" $? = 0
ok "... naming the token key file" grep -q "token key file $DB.keys/token.key is missing" "$WORK/refuse.log"
"$RASLOGD" --db "$DB" init >/dev/null 2>"$WORK/err"
check "init refuses too (never a new key for an existing database)" $? != 0
check "... and made no token key" "$(mode "$DB.keys/token.key")" = none
mv "$WORK/token.key.aside" "$DB.keys/token.key"
chmod 644 "$DB.keys/log.key"
serve_fails "$DB"
check "serve refuses a log key file readable by others" $? = 0
ok "... saying so" grep -q "can be read or changed by other users" "$WORK/refuse.log"
chmod 600 "$DB.keys/log.key"
cp "$DB.keys/issuer.key" "$WORK/issuer.key.mine"
"$RASLOGD" --db "$WORK/other.db" init 2>/dev/null
cp "$WORK/other.db.keys/issuer.key" "$DB.keys/issuer.key"
serve_fails "$DB"
check "serve refuses another database's issuer key" $? = 0
ok "... saying it belongs to another database" grep -q "key directory belongs to another database" "$WORK/refuse.log"
cp "$WORK/issuer.key.mine" "$DB.keys/issuer.key"
chmod 600 "$DB.keys/issuer.key"

# ---- key_dir: --key-dir and the config file
KD="$WORK/keydir"
"$RASLOGD" --db "$WORK/kd.db" --key-dir "$KD" init 2>/dev/null
check "--key-dir puts the keys there (mode $(mode "$KD"))" "$(mode "$KD")$(mode "$KD/log.key")" = 700600
check "... and none beside the database" "$(mode "$WORK/kd.db.keys")" = none
serve_fails "$WORK/kd.db"
check "without key_dir that database does not serve" $? = 0
printf '[server]\ndatabase = %s\nkey_dir = %s\n' "$WORK/kd.db" "$KD" >"$WORK/kd.conf"
"$RASLOGD" --config "$WORK/kd.conf" user add --name "Kd User" --email kd@test.raslog.org --role trainee \
	>"$WORK/out" 2>"$WORK/err"
rc=$?
if grep -q "without inih" "$WORK/err"; then
	skip "raslogd was built without inih: no config file"
else
	check "the config's key_dir is used (exit $rc $(head -c 100 "$WORK/err"))" "$rc" = 0
fi

# ---- an older database: keys inside, files 0644
OLD="$WORK/old.db"
"$RASLOGD" --db "$OLD" init 2>/dev/null
oldtok=$("$RASLOGD" --db "$OLD" user add --name "Old User" --email old@test.raslog.org --role faculty |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
python3 - "$OLD" <<'PY'
import base64, json, os, sqlite3, sys
db = sys.argv[1]
c = sqlite3.connect(db)
def k(name): return json.load(open(os.path.join(db + ".keys", name)))
log, iss, tok = k("log.key"), k("issuer.key"), k("token.key")
sk = lambda j: base64.b64decode(j["seed"]) + base64.b64decode(j["public_key"])
# the layout before key files: the secrets in meta, no token_key_id
c.execute("INSERT INTO meta(key, value) VALUES ('log_secret_key', ?)", (sk(log),))
c.execute("INSERT INTO meta(key, value) VALUES ('issuer_secret_key', ?)", (sk(iss),))
c.execute("INSERT INTO meta(key, value) VALUES ('token_key', ?)", (base64.b64decode(tok["key"]),))
c.execute("DELETE FROM meta WHERE key = 'token_key_id'")
# nor the cache key, which came later still (schema/018)
c.execute("DELETE FROM meta WHERE key = 'cache_key_id'")
c.commit()
PY
cp -r "$OLD.keys" "$WORK/old-keys-then"
rm -r "$OLD.keys"
chmod 644 "$OLD"
check "the old-layout database holds three secrets" \
	"$(sqlite3 "$OLD" "SELECT count(*) FROM meta WHERE key IN ('log_secret_key', 'issuer_secret_key', 'token_key')")" = 3
"$RASLOGD" --db "$OLD" init >/dev/null 2>"$WORK/move.err"
check "init on the old database succeeds" $? = 0
ok "... and says the keys were moved out" grep -q "moved the log key, credential issuer key and token key out of the database" "$WORK/move.err"
ok "... and that the database was made private" grep -q "set mode 0600 on $OLD " "$WORK/move.err"
check "the old database is now 0600" "$(mode "$OLD")" = 600
check "its meta holds no secret any more" \
	"$(sqlite3 "$OLD" "SELECT count(*) FROM meta WHERE key IN ('log_secret_key', 'issuer_secret_key', 'token_key')")" = 0
check "the key directory was made 0700 with 0600 files" "$(mode "$OLD.keys")$(mode "$OLD.keys/log.key")$(mode "$OLD.keys/token.key")" = 700600600
check "... and it gained a new cache key (0600), recorded by its public half" \
	"$(mode "$OLD.keys/cache.key")-$(sqlite3 "$OLD" "SELECT length(value) FROM meta WHERE key = 'cache_key_id'")" = 600-32
for k in log issuer token; do
	check "the moved $k key is the one that was inside" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])) == json.load(open(sys.argv[2])))' "$OLD.keys/$k.key" "$WORK/old-keys-then/$k.key")" = True
done
SAVE_DB=$DB; DB=$OLD
key_bytes_in "$OLD" "$OLD-wal"
check "no key's bytes are left in the old database or its WAL" $? = 1
DB=$SAVE_DB
"$RASLOGD" --db "$OLD" init >/dev/null 2>"$WORK/err"
check "a second init says nothing about moving keys" "$(grep -c moved "$WORK/err")" = 0
"$RASLOGD" --db "$OLD" backup "$WORK/old-backup.db" 2>/dev/null
check "the migrated database backs up with its keys" "$(mode "$WORK/old-backup.db.keys/token.key")" = 600
SAVE_DB=$DB; DB=$OLD
start_server
api GET /api/v1/me "$oldtok" >/dev/null
check "a token issued before the move still works" "$(jget 'j["name"]' <"$WORK/body")" = "Old User"
stop_server
DB=$SAVE_DB

# a move that stopped after writing the files: the same key in both places is finished
sqlite3 "$OLD" "INSERT INTO meta(key, value) VALUES ('token_key', x'$(python3 -c 'import base64,json,sys; print(base64.b64decode(json.load(open(sys.argv[1]))["key"]).hex())' "$OLD.keys/token.key")')"
"$RASLOGD" --db "$OLD" user token 1 >/dev/null 2>"$WORK/err"
check "an interrupted move (file written, row still there) is finished on open" \
	"$(sqlite3 "$OLD" "SELECT count(*) FROM meta WHERE key = 'token_key'")" = 0
# two different keys: refused, nothing deleted
sqlite3 "$OLD" "INSERT INTO meta(key, value) VALUES ('token_key', randomblob(32))"
"$RASLOGD" --db "$OLD" init >/dev/null 2>"$WORK/conflict.err"
check "a database key that differs from its file is refused (exit $?)" $? != 0
ok "... naming both" grep -q "still holds a token key that differs from the one in $OLD.keys/token.key" "$WORK/conflict.err"
check "... and the row is kept" "$(sqlite3 "$OLD" "SELECT count(*) FROM meta WHERE key = 'token_key'")" = 1

# ---- every way of rewriting an entry is refused by the schema (fresh copy each time)
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
K=2
rewrite() { # rewrite TABLE-KIND SQL
	rm -f "$WORK/fresh.db" "$WORK/fresh.db-wal" "$WORK/fresh.db-shm"
	cp "$DB" "$WORK/fresh.db"
	before=$(ledger_dump "$WORK/fresh.db")
	heads=$(sqlite3 "$WORK/fresh.db" "SELECT count(*), hex(max(root_hash)) FROM tree_heads")
	nodes=$(sqlite3 "$WORK/fresh.db" "SELECT count(*), sum(length(hash)) FROM merkle_nodes")
	sqlite3 "$WORK/fresh.db" "$2" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	check "sqlite3 refuses: $2 (exit $rc)" "$rc" != 0
	grep -q "append-only" "$WORK/err"
	rc=$?
	check "... with the append-only message ($(head -c 80 "$WORK/err"))" "$rc" = 0
	check "... and the $1 is unchanged" "$(ledger_dump "$WORK/fresh.db")|$(sqlite3 "$WORK/fresh.db" "SELECT count(*), hex(max(root_hash)) FROM tree_heads")|$(sqlite3 "$WORK/fresh.db" "SELECT count(*), sum(length(hash)) FROM merkle_nodes")" = "$before|$heads|$nodes"
}
COLS="idx, kind, message, public_key, signature, signer_id, subject_id, created_at"
rewrite ledger "INSERT OR REPLACE INTO ledger($COLS) SELECT idx, 'forged', message, public_key, signature, signer_id, subject_id, created_at FROM ledger WHERE idx = $K"
rewrite ledger "REPLACE INTO ledger($COLS) SELECT idx, kind, 'forged', public_key, signature, signer_id, subject_id, created_at FROM ledger WHERE idx = $K"
rewrite ledger "INSERT INTO ledger($COLS) SELECT $COLS FROM ledger WHERE idx = $K ON CONFLICT(idx) DO UPDATE SET message = 'forged'"
rewrite ledger "UPDATE ledger SET message = 'forged' WHERE idx = $K"
rewrite ledger "UPDATE OR REPLACE ledger SET idx = $K WHERE idx = $((K + 1))"
rewrite ledger "DELETE FROM ledger WHERE idx = $K"
rewrite ledger "DELETE FROM ledger"
rewrite ledger "PRAGMA recursive_triggers = OFF; INSERT OR REPLACE INTO ledger($COLS) SELECT $COLS FROM ledger WHERE idx = $K"
rewrite "Merkle nodes" "INSERT OR REPLACE INTO merkle_nodes(pos, level, idx, hash) SELECT pos, level, idx, zeroblob(32) FROM merkle_nodes WHERE level = 0 AND idx = $K"
rewrite "Merkle nodes" "INSERT INTO merkle_nodes(pos, level, idx, hash) SELECT pos, level, idx, hash FROM merkle_nodes WHERE level = 0 AND idx = $K ON CONFLICT(pos) DO UPDATE SET hash = zeroblob(32)"
rewrite "tree heads" "INSERT OR REPLACE INTO tree_heads(tree_size, root_hash, timestamp, signature) SELECT tree_size, zeroblob(32), timestamp, signature FROM tree_heads ORDER BY tree_size DESC LIMIT 1"
rewrite "tree heads" "UPDATE tree_heads SET root_hash = zeroblob(32)"
rewrite "tree heads" "DELETE FROM tree_heads"

# ---- an entry altered at rest (same size) stops serve
cp "$DB" "$WORK/t1.db"; cp -r "$DB.keys" "$WORK/t1.db.keys"; cp "$DB.head" "$WORK/t1.db.head"
T=$(sqlite3 "$WORK/t1.db" "SELECT min(idx) FROM ledger WHERE message LIKE '%\"minutes\":%'")
len_before=$(sqlite3 "$WORK/t1.db" "SELECT length(message) FROM ledger WHERE idx = $T")
sqlite3 "$WORK/t1.db" "DROP TRIGGER ledger_no_update; UPDATE ledger SET message = replace(message, '\"minutes\":', '\"minutez\":') WHERE idx = $T"
check "the tamper kept the entry's size ($len_before bytes)" \
	"$(sqlite3 "$WORK/t1.db" "SELECT length(message) FROM ledger WHERE idx = $T")" = "$len_before"
serve_fails "$WORK/t1.db"
check "serve refuses a ledger with entry $T altered" $? = 0
ok "... naming entry $T" grep -q "ledger entry $T in .* was changed after it was appended" "$WORK/refuse.log"
# the same, with the stored leaf re-hashed to match: the signed root catches it
python3 - "$WORK/t1.db" "$T" <<'PY'
import hashlib, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); t = int(sys.argv[2])
c.execute("DROP TRIGGER merkle_no_update")
m, sig, pk = c.execute("SELECT message, signature, public_key FROM ledger WHERE idx = ?", (t,)).fetchone()
c.execute("UPDATE merkle_nodes SET hash = ? WHERE level = 0 AND idx = ?",
          (hashlib.sha256(b"\0" + m.encode() + sig + pk).digest(), t))
c.commit()
PY
serve_fails "$WORK/t1.db"
check "serve refuses when the stored leaf was re-hashed too" $? = 0
ok "... saying the root does not match the signed head" grep -q "does not match the tree head signed for its first" "$WORK/refuse.log"
# an entry whose stored leaf is gone (the walk reads entries and leaves side by side): named, the later ones not
cp "$DB" "$WORK/t3.db"; cp -r "$DB.keys" "$WORK/t3.db.keys"; cp "$DB.head" "$WORK/t3.db.head"
sqlite3 "$WORK/t3.db" "DROP TRIGGER merkle_no_delete; DELETE FROM merkle_nodes WHERE level = 0 AND idx = $T"
serve_fails "$WORK/t3.db"
check "serve refuses a ledger whose entry $T lost its leaf" $? = 0
ok "... naming entry $T" grep -q "ledger entry $T in .* was changed after it was appended" "$WORK/refuse.log"
# and a head re-written without the log key
cp "$DB" "$WORK/t2.db"; cp -r "$DB.keys" "$WORK/t2.db.keys"
sqlite3 "$WORK/t2.db" "DROP TRIGGER tree_heads_no_update; UPDATE tree_heads SET timestamp = '2030-01-01T00:00:00Z' WHERE tree_size = (SELECT max(tree_size) FROM tree_heads)"
serve_fails "$WORK/t2.db"
check "serve refuses a latest head whose signature does not verify" $? = 0
ok "... saying so" grep -q "does not carry a valid signature of the log key" "$WORK/refuse.log"
# the untouched database still starts
start_server
check "the untouched database still serves" -n "$SERVER_PID"
finish
