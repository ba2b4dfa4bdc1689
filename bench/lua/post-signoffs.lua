-- post-signoffs.lua - wrk script for bench scenario 2: POST
-- /api/v1/signoffs, each pre-signed body (bench/presign, one a line in the
-- file named by $BENCH_BODIES) sent once, with the bearer token of the
-- trainer who signed it ($BENCH_CREDS, see common.lua).  wrk thread k of
-- n sends lines k, k+n, ...; a thread that runs out starts again at its
-- first line, and those repeats answer 409 (already signed), which the
-- harness counts as errors: give each run enough bodies.  The RESULT line
-- adds created=N (answers 201); rps counts only those.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local common = require("common")

local threads, nthreads = {}, 0

function setup(thread)
	thread:set("thread_index", nthreads)
	nthreads = nthreads + 1
	table.insert(threads, thread)
end

local requests_, pos = {}, 0
created = 0   -- global: done() reads it from each thread

function init(args)
	local tokens = {}
	for _, t in ipairs(common.read_creds().trainer) do tokens[t.id] = t.token end
	local host = wrk.host .. ":" .. wrk.port
	local n = tonumber(os.getenv("BENCH_THREADS_TOTAL") or "") or 2
	local k = thread_index or 0
	local f = assert(io.open(assert(os.getenv("BENCH_BODIES"), "BENCH_BODIES must name the bodies file"), "r"))
	local i = 0
	for line in f:lines() do
		if i % n == k then
			local signer = tonumber(line:match('"signer":(%d+)'))
			local token = assert(tokens[signer], "no token for trainer " .. tostring(signer))
			requests_[#requests_ + 1] = string.format("POST /api/v1/signoffs HTTP/1.1\r\nHost: %s\r\n" ..
				"Authorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
				host, token, #line, line)
		end
		i = i + 1
	end
	f:close()
	assert(#requests_ > 0, "no bodies for this wrk thread")
end

function request()
	pos = pos % #requests_ + 1
	return requests_[pos]
end

function response(status, headers, body)
	if status == 201 then created = created + 1 end
end

function done(summary, latency, requests)
	local total = 0
	for _, t in ipairs(threads) do total = total + (t:get("created") or 0) end
	local e = summary.errors
	local seconds = summary.duration / 1e6
	io.write(string.format(
		"RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d errors=%d non2xx=%d created=%d\n",
		total / seconds,
		latency:percentile(50) / 1000, latency:percentile(90) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		summary.requests, e.connect + e.read + e.write + e.timeout, e.status, total))
end
