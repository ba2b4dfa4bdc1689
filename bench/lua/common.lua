-- common.lua - shared by the wrk scripts in bench/lua: reads the
-- credentials file and prints the machine-readable RESULT line.
--
-- The credentials file (named by $BENCH_CREDS) has one account a line:
--     trainee ID TOKEN
--     trainer ID -
--     faculty ID TOKEN
-- Blank lines and lines starting with # are ignored.

local common = {}

function common.read_creds()
	local path = os.getenv("BENCH_CREDS")
	if not path or path == "" then
		error("BENCH_CREDS must name the credentials file")
	end
	local f = assert(io.open(path, "r"))
	local creds = { trainee = {}, trainer = {}, faculty = {} }
	for line in f:lines() do
		local kind, id, token = line:match("^(%a+)%s+(%d+)%s+(%S+)")
		if kind and creds[kind] then
			table.insert(creds[kind], { id = tonumber(id), token = token })
		end
	end
	f:close()
	return creds
end

-- Prints one line the harness parses: requests/s, latency percentiles in
-- milliseconds, socket errors (connect+read+write+timeout) and responses
-- with a status of 400 or more (wrk's own "status" error count).
function common.done(summary, latency, requests)
	local e = summary.errors
	local seconds = summary.duration / 1e6
	io.write(string.format(
		"RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f requests=%d errors=%d non2xx=%d\n",
		summary.requests / seconds,
		latency:percentile(50) / 1000, latency:percentile(90) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000,
		summary.requests, e.connect + e.read + e.write + e.timeout, e.status))
end

return common
