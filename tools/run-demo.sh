#!/bin/sh
# run-demo.sh - what `make run` does after building: creates var/raslog.db
# with the demo programme if it is absent, prints the URL and the demo
# people's tokens, and serves on 127.0.0.1:8080 (public URL
# http://127.0.0.1:8080, the base of links in issued documents) until
# interrupted.  The server's keys are in var/raslog.db.keys/ (0700;
# raslogd init makes them), never in the database; a var/raslog.db of an
# older raslogd has its keys moved there when it is first opened.
# Everything under var/ is private (umask 077): the database, the tokens
# and the demo signing keys.
set -eu
umask 077
mkdir -p var
if [ ! -f var/raslog.db ]; then
	bin/raslogd --db var/raslog.db init
	bin/raslogd --db var/raslog.db demo --keys var/demo-keys > var/demo-people.jsonl
fi
echo
echo "raslog demo: open http://127.0.0.1:8080/ and sign in with one of these tokens"
echo "(they are also in var/demo-people.jsonl; the demo trainers' and faculty's secret keys, for scripted signing with tests/js/sign.mjs, are in var/demo-keys/):"
echo
python3 - <<'PY' 2>/dev/null || cat var/demo-people.jsonl
import json
for line in open("var/demo-people.jsonl"):
    p = json.loads(line)
    print(f"  {p['id']:>3}  {', '.join(p['roles']):<18} {p['name']:<28} {p['token']}")
PY
echo
echo "CLI: RASLOG_SERVER=http://127.0.0.1:8080 RASLOG_TOKEN=<token> bin/raslog --help"
echo
exec bin/raslogd --db var/raslog.db serve --listen 127.0.0.1:8080 --public-url http://127.0.0.1:8080 --web web
