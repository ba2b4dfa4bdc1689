#!/bin/bash
# 40-install.sh - make install into a DESTDIR (the programs under test, never
# rebuilt), the installed files and their modes, and raslogd's config file:
# a file alone starts the server, a flag wins over the file, an unknown key
# or a bad value stops it with the file, the line and exit status 2.
BIN=${BIN:-bin}
if [ ! -x "$BIN/raslogd" ] || [ ! -x "$BIN/raslog" ]; then
	make -s all >/dev/null || { echo "not ok 1 - make all"; exit 1; }
	BIN=bin
fi
. tests/lib.sh

ROOT="$WORK/root"
ok "make install DESTDIR PREFIX=/usr" make -s install DESTDIR="$ROOT" PREFIX=/usr BIN="$BIN"
mode() { stat -c %a "$1" 2>/dev/null; }
check "raslogd installed 0755" "$(mode "$ROOT/usr/bin/raslogd")" = 755
check "raslog installed 0755" "$(mode "$ROOT/usr/bin/raslog")" = 755
check "installed raslogd is the program under test" "$(cmp -s "$BIN/raslogd" "$ROOT/usr/bin/raslogd" && echo same)" = same
check "web page 0644" "$(mode "$ROOT/usr/share/raslog/web/index.html")" = 644
check "web subdirectories copied" "$(cd web && find . -type f | sort | md5sum)" = \
	"$(cd "$ROOT/usr/share/raslog/web" && find . -type f | sort | md5sum)"
check "raslog.1 0644" "$(mode "$ROOT/usr/share/man/man1/raslog.1")" = 644
check "raslogd.8 0644" "$(mode "$ROOT/usr/share/man/man8/raslogd.8")" = 644
for u in raslogd.service raslogd-backup.service raslogd-backup.timer; do
	check "systemd $u 0644" "$(mode "$ROOT/lib/systemd/system/$u")" = 644
done
check "unit runs the installed program" "$(grep -c '^ExecStart=/usr/bin/raslogd --config /etc/raslog/raslogd.conf serve$' "$ROOT/lib/systemd/system/raslogd.service")" = 1
check "sysusers file installed" -f "$ROOT/usr/lib/sysusers.d/raslog.conf"
check "example config 0644" "$(mode "$ROOT/etc/raslog/raslogd.conf")" = 644
check "example config points at the installed web page" "$(grep -c '^web = /usr/share/raslog/web$' "$ROOT/etc/raslog/raslogd.conf")" = 1
echo "# edited by the operator" >>"$ROOT/etc/raslog/raslogd.conf"
ok "make install again" make -s install DESTDIR="$ROOT" PREFIX=/usr BIN="$BIN"
check "an existing config is not overwritten" "$(tail -1 "$ROOT/etc/raslog/raslogd.conf")" = "# edited by the operator"
ok "installed raslogd --help" "$ROOT/usr/bin/raslogd" --help
check "--help names --config" "$(grep -c -- '--config' "$WORK/out")" -ge 1
ok "installed raslog --help" "$ROOT/usr/bin/raslog" --help
if command -v groff >/dev/null; then
	for m in "$ROOT/usr/share/man/man1/raslog.1" "$ROOT/usr/share/man/man8/raslogd.8"; do
		groff -man -Tutf8 -ww "$m" >/dev/null 2>"$WORK/groff.err"
		check "$(basename "$m") renders without warnings" ! -s "$WORK/groff.err"
	done
else
	skip "groff not installed"
fi
if command -v systemd-analyze >/dev/null; then
	# The installed unit, pointed at a program that exists here; the only
	# message allowed is the missing man page of the DESTDIR install.
	for u in raslogd.service raslogd-backup.service raslogd-backup.timer; do
		sed "s|/usr/bin/raslogd|$ROOT/usr/bin/raslogd|g" "$ROOT/lib/systemd/system/$u" >"$WORK/$u"
	done
	(cd "$WORK" && systemd-analyze verify raslogd.service raslogd-backup.service raslogd-backup.timer) 2>&1 |
		grep -v "man raslogd(8)" >"$WORK/verify.out"
	check "systemd-analyze verify: no complaints" ! -s "$WORK/verify.out"
	sed 's/^/#   /' "$WORK/verify.out"
else
	skip "systemd-analyze not available"
fi

# --- the config file ---------------------------------------------------
if "$RASLOGD" --config /dev/null --help 2>&1 | grep -q 'built without inih'; then
	skip "raslogd built without inih"; finish; exit $?
fi
PORT=$(free_port)
CONF="$WORK/raslogd.conf"
cat >"$CONF" <<EOC
# a test configuration
[server]
database = $WORK/conf.db
listen = 127.0.0.1:$PORT
web = web
threads = 2
audit = $WORK/conf-audit.log
auth_failures = 5
max_connections = 64
EOC
ok "init with the database from the config file" "$RASLOGD" --config "$CONF" init
check "the database is where the file says" -f "$WORK/conf.db"

wait_health() { # wait_health URL PID
	i=0
	until curl -sf "$1/api/v1/health" >"$WORK/health" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$2" 2>/dev/null; then return 1; fi
		sleep 0.05
	done
}
stop() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

RASLOG_CONFIG="$CONF" "$RASLOGD" serve >"$WORK/conf-server.log" 2>&1 &
PID=$!
ok "serve with only RASLOG_CONFIG answers health" wait_health "http://127.0.0.1:$PORT" $PID
check "health says ok" "$(jget "j['status']" <"$WORK/health")" = ok
curl -s -o /dev/null "http://127.0.0.1:$PORT/api/v1/me"
stop $PID
check "audit log from the config file is used" -f "$WORK/conf-audit.log"

PORT2=$(free_port)
"$RASLOGD" --config "$CONF" serve --listen "127.0.0.1:$PORT2" >"$WORK/conf-server2.log" 2>&1 &
PID=$!
ok "--listen overrides the file's listen" wait_health "http://127.0.0.1:$PORT2" $PID
check "nothing on the file's port" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/v1/health")" = 000
stop $PID
"$RASLOGD" --config "$CONF" --db "$WORK/other.db" init >/dev/null 2>&1
check "--db overrides the file's database" -f "$WORK/other.db"
grep -h "Sanitizer\|runtime error:" "$WORK"/conf-server*.log >"$WORK/san" 2>/dev/null
check "no sanitizer reports from the config runs" ! -s "$WORK/san"

bad() { # bad DESCRIPTION EXPECTED-SUBSTRING CONFIG-TEXT
	printf '%b' "$3" >"$WORK/bad.conf"
	"$RASLOGD" --config "$WORK/bad.conf" serve >"$WORK/bad.out" 2>&1
	rc=$?
	check "$1: exit 2" "$rc" = 2
	check "$1: one sentence with file, line and key" \
		"$(grep -cF "raslogd: $WORK/bad.conf $2" "$WORK/bad.out")" = 1
	check "$1: nothing else printed" "$(wc -l <"$WORK/bad.out")" = 1
}
bad "unknown key" "line 4: unknown key 'listne'" "[server]\n# typo below\n\nlistne = 127.0.0.1:1\n"
bad "bad number" "line 2: key 'threads' must be" "[server]\nthreads = lots\n"
bad "out of range" "line 3: key 'max_connections' must be" "[server]\nthreads = 2\nmax_connections = 0\n"
bad "bad listen" "line 2: key 'listen' must be HOST:PORT" "[server]\nlisten = 8080\n"
bad "unknown section" "line 2: unknown section [db] (key 'path')" "[db]\npath = x\n"
bad "key twice" "line 3: key 'web' is set twice" "[server]\nweb = a\nweb = b\n"
bad "programme_name with a control character" "line 2: key 'programme_name' must not hold control characters" "[server]\nprogramme_name = East\tWest\n"
"$RASLOGD" --db "$WORK/pn.db" init >/dev/null 2>&1
"$RASLOGD" --db "$WORK/pn.db" serve --listen 127.0.0.1:1 --programme-name "$(printf 'x\001')" >"$WORK/bad.out" 2>&1
check "--programme-name with a control character: exit 2 and one sentence" \
	"$?-$(grep -c "raslogd: --programme-name must not hold control characters" "$WORK/bad.out")" = 2-1
"$RASLOGD" --db "$WORK/pn.db" serve --listen 127.0.0.1:1 --programme-name "$(printf 'é%.0s' $(seq 201))" >"$WORK/bad.out" 2>&1
check "--programme-name over 200 characters: exit 2 and one sentence" \
	"$?-$(grep -c "raslogd: --programme-name must be 1 to 200 characters" "$WORK/bad.out")" = 2-1
bad "not an ini line" "line 2: not a [section] header" "[server]\njust words\n"
"$RASLOGD" --config "$WORK/missing.conf" init >"$WORK/bad.out" 2>&1
check "missing config file: exit 2" "$?" = 2
check "missing config file: named" "$(grep -c "missing.conf" "$WORK/bad.out")" = 1
finish
