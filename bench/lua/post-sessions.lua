-- post-sessions.lua - wrk script for bench scenario 1: POST /api/v1/sessions
-- with a distinct body on every request, spread over the trainees in the
-- credentials file ($BENCH_CREDS, see common.lua).
--
-- Each body has a date within the last 300 days (never today, so no time
-- zone can put it in the future), minutes that vary, an activity cycling
-- through every code with a platform and role that fit it, a trainer taken
-- from the file in turn, and a note that numbers the request, so no two
-- bodies are the same.  Requests are formatted by hand rather than with
-- wrk.format: it is the same bytes for a fraction of wrk's CPU, which
-- shares the two cores with the server.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local common = require("common")

local creds = common.read_creds()
local trainees, trainers = creds.trainee, creds.trainer
assert(#trainees > 0, "no trainee in BENCH_CREDS")
assert(#trainers > 0, "no trainer in BENCH_CREDS")

-- activity, platform, role, procedure, steps (JSON) that make sense together
local kinds = {
	{ "elearning", nil, nil, nil, nil },
	{ "simulator", "sim_dvss", nil, nil, nil },
	{ "dry_lab", "davinci_xi", nil, nil, nil },
	{ "wet_lab", "davinci_x", nil, nil, nil },
	{ "cadaveric", "davinci_xi", "S-TS", "robotic prostatectomy", nil },
	{ "observation", "davinci_xi", "O", "robotic prostatectomy", nil },
	{ "bedside_assist", "versius", "A", "robotic hemicolectomy", nil },
	{ "console_modular", "davinci_xi", "S-TS", "robotic prostatectomy", '["bladder_neck_dissection"]' },
	{ "console_full", "hugo_ras", "P", "robotic prostatectomy", nil },
}
local sites = { "Leeds Robotics Skills Lab", "St James's University Hospital", "Guy's Hospital" }

local host, path = "127.0.0.1", "/api/v1/sessions"
-- thread_offset is a global: setup() sets it in each thread's own Lua state.
local counter, offset, next_offset = 0, 0, 0
local today = os.time()

function setup(thread)
	-- Threads start at different points of every cycle.
	thread:set("thread_offset", next_offset)
	next_offset = next_offset + 7
end

function init(args)
	offset = thread_offset or 0
	host = wrk.host .. ":" .. wrk.port
	path = wrk.path ~= "/" and wrk.path or "/api/v1/sessions"
end

local function body(n)
	local k = kinds[n % #kinds + 1]
	local date = os.date("!%Y-%m-%d", today - (1 + n % 300) * 86400)
	local parts = {
		string.format('{"date":"%s","minutes":%d,"activity":"%s"', date, 15 + (n * 7) % 226, k[1]),
	}
	if k[2] then parts[#parts + 1] = string.format(',"platform":"%s"', k[2]) end
	parts[#parts + 1] = string.format(',"site":"%s"', sites[n % #sites + 1])
	if k[4] then parts[#parts + 1] = string.format(',"procedure":"%s"', k[4]) end
	if k[5] then parts[#parts + 1] = ',"steps":' .. k[5] end
	if k[3] then parts[#parts + 1] = string.format(',"role":"%s"', k[3]) end
	-- every trainee names every trainer in turn
	local trainer = trainers[math.floor(n / #trainees) % #trainers + 1]
	parts[#parts + 1] = string.format(',"trainer":%d,"notes":"bench %d-%d"}', trainer.id, offset, n)
	return table.concat(parts)
end

function request()
	counter = counter + 1
	local n = counter + offset
	local b = body(n)
	local trainee = trainees[n % #trainees + 1]
	return string.format("POST %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n" ..
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, host, trainee.token, #b, b)
end

done = common.done
