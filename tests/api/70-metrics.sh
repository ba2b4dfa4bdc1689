#!/bin/bash
# 70-metrics.sh - GET /metrics (issue 17 item 5): the Prometheus text
# exposition is parsed by an independent parser from npm
# (parse-prometheus-text-format, tests/js/metrics-parse.mjs), and the
# counters move by exactly the requests this script makes: requests by
# route pattern and status, the latency histogram's count and buckets,
# failed sign-ins, the writer's batches; the ledger gauge equals the
# ledger's head.  Access: loopback clients only by default (a request a
# proxy forwarded, with X-Forwarded-For, is refused 403), 404 with
# --metrics off, everybody with --metrics any; a bad config value stops
# raslogd with the line.
. "$(dirname "$0")/../lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
JS="$ROOT/tests/js"
if [ ! -d "$JS/node_modules/parse-prometheus-text-format" ] || ! command -v node >/dev/null; then
	skip "node or tests/js/node_modules/parse-prometheus-text-format missing (cd tests/js && npm ci)"
	finish
	exit
fi

start_server
TRAINEE=$(add_user "Tina Trainee" trainee)
TRAINER=$(add_user "Tom Trainer" trainer)
TT=$(token_of "$TRAINEE")

scrape() { # scrape OUT: fetch and parse; the parsed JSON in OUT
	curl -s -o "$WORK/raw" -w '%{http_code} %{content_type}' "$URL/metrics" >"$WORK/scrape.st"
	node "$JS/metrics-parse.mjs" <"$WORK/raw" >"$1"
}
val() { # val FILE KEY -> the sample's value (0 when absent)
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["samples"]; v=s.get(sys.argv[2],0); print(int(v) if float(v).is_integer() else v)' "$1" "$2"
}
delta() { echo $(( $(val "$WORK/m1" "$1") - $(val "$WORK/m0" "$1") )); }

ok "the first scrape parses" scrape "$WORK/m0"
check "it is served as text/plain version 0.0.4" "$(cat "$WORK/scrape.st")" = "200 text/plain; version=0.0.4; charset=utf-8"

for i in 1 2 3; do api GET /api/v1/me "$TT" >/dev/null; done
for i in 1 2; do api GET /api/v1/me rl_not_a_token >/dev/null; done
st=$(api POST /api/v1/sessions "$TT" "{\"date\":\"2026-01-05\",\"minutes\":30,\"activity\":\"simulator\",\"trainer\":$TRAINER}")
check "a session is logged (201)" "$st" = 201
check "an unknown session is 404" "$(api GET /api/v1/sessions/999999 "$TT")" = 404

ok "the second scrape parses" scrape "$WORK/m1"
ME='{class=2xx,code=200,method=GET,route=/api/v1/me}'
check "GET /api/v1/me 200 moved by 3" "$(delta "raslog_http_requests_total$ME")" = 3
check "GET /api/v1/me 401 moved by 2" "$(delta 'raslog_http_requests_total{class=4xx,code=401,method=GET,route=/api/v1/me}')" = 2
check "POST /api/v1/sessions 201 moved by 1" \
	"$(delta 'raslog_http_requests_total{class=2xx,code=201,method=POST,route=/api/v1/sessions}')" = 1
check "GET /api/v1/sessions/{id} 404 counted under its pattern" \
	"$(delta 'raslog_http_requests_total{class=4xx,code=404,method=GET,route=/api/v1/sessions/{id}}')" = 1
check "the latency histogram of GET /api/v1/me counted 5 requests" \
	"$(delta 'raslog_http_request_duration_seconds_count{method=GET,route=/api/v1/me}')" = 5
check "its +Inf bucket equals its count" \
	"$(val "$WORK/m1" 'raslog_http_request_duration_seconds_bucket{le=+Inf,method=GET,route=/api/v1/me}')" = \
	"$(val "$WORK/m1" 'raslog_http_request_duration_seconds_count{method=GET,route=/api/v1/me}')"
ok "every histogram's buckets are cumulative" python3 -c '
import json, re, sys
s = json.load(open(sys.argv[1]))["samples"]
series = {}
for k, v in s.items():
    m = re.match(r"(.*)_bucket\{(.*)\}$", k)
    if not m: continue
    labels = dict(p.split("=", 1) for p in m.group(2).split(","))
    le = labels.pop("le")
    series.setdefault((m.group(1), tuple(sorted(labels.items()))), []).append((float(le), v))
assert series, "no histogram"
for name, b in series.items():
    b.sort()
    vals = [v for _, v in b]
    assert vals == sorted(vals), name
' "$WORK/m1"
check "failed sign-ins moved by 2" "$(delta 'raslog_signin_failures_total{}')" = 2
check "the writer committed at least one more batch" "$(delta 'raslog_writer_batches_total{}')" -ge 1
check "the writer's batch-size histogram counts every batch" \
	"$(val "$WORK/m1" 'raslog_writer_batch_size_count{}')" = "$(val "$WORK/m1" 'raslog_writer_batches_total{}')"
check "the commit-time histogram counts every batch" \
	"$(val "$WORK/m1" 'raslog_writer_commit_seconds_count{}')" = "$(val "$WORK/m1" 'raslog_writer_batches_total{}')"
api GET /api/v1/ledger/head "$TT" >/dev/null
size=$(jget 'j["tree_size"]' <"$WORK/body")
check "raslog_ledger_entries equals the ledger head's tree size ($size)" "$(val "$WORK/m1" 'raslog_ledger_entries{}')" = "$size"
check "the outbox gauge is there (empty)" "$(val "$WORK/m1" 'raslog_outbox_messages{state=queued}')" = 0
check "types: requests counter, durations histogram, ledger gauge" \
	"$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["types"]; print(t["raslog_http_requests_total"], t["raslog_http_request_duration_seconds"], t["raslog_ledger_entries"])' "$WORK/m1")" = "COUNTER HISTOGRAM GAUGE"

# ---- who may read it ----------------------------------------------------------
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 203.0.113.7' "$URL/metrics")
check "a request forwarded by a proxy (X-Forwarded-For) is not loopback: 403" "$st" = 403
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Forwarded: for=203.0.113.7' "$URL/metrics")
check "... nor one with Forwarded: 403" "$st" = 403
check "POST /metrics: 405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/metrics")" = 405
stop_server
start_server --trusted-proxy 127.0.0.1
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 203.0.113.7' "$URL/metrics")
check "behind a trusted proxy, a forwarded client is refused: 403" "$st" = 403
stop_server
start_server --metrics off
check "--metrics off: 404" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")" = 404
stop_server
start_server --metrics any
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 203.0.113.7' "$URL/metrics")
check "--metrics any: served to a forwarded client too (200)" "$st" = 200
stop_server
printf '[server]\nmetrics = off\n' >"$WORK/off.conf"
RASLOG_CONFIG="$WORK/off.conf" start_server
check "metrics = off in the config file: 404" "$(curl -s -o /dev/null -w '%{http_code}' "$URL/metrics")" = 404
stop_server
printf '[server]\nmetrics = maybe\n' >"$WORK/bad.conf"
"$RASLOGD" --config "$WORK/bad.conf" --db "$DB" serve >"$WORK/bad.log" 2>&1
check "metrics = maybe stops raslogd (exit 2)" "$?" = 2
ok "... naming the line and the values" grep -q "line 2: key 'metrics' must be on" "$WORK/bad.log"
"$RASLOGD" --db "$DB" serve --metrics maybe >"$WORK/out" 2>&1
check "--metrics maybe is a usage error (exit 2)" "$?" = 2
finish
