-- get-progress.lua - wrk script for bench scenarios 3 and 5: GET
-- /api/v1/trainees/{id}/progress, cycling through every trainee in the
-- credentials file ($BENCH_CREDS, see common.lua) with the first faculty
-- token in it.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local common = require("common")

local creds = common.read_creds()
local trainees = creds.trainee
assert(#trainees > 0, "no trainee in BENCH_CREDS")
assert(#creds.faculty > 0, "no faculty in BENCH_CREDS")
local token = creds.faculty[1].token

local host = "127.0.0.1"
-- thread_offset is a global: setup() sets it in each thread's own Lua state.
local counter, offset, next_offset = 0, 0, 0

function setup(thread)
	thread:set("thread_offset", next_offset)
	next_offset = next_offset + 101
end

function init(args)
	offset = thread_offset or 0
	host = wrk.host .. ":" .. wrk.port
end

function request()
	counter = counter + 1
	local trainee = trainees[(counter + offset) % #trainees + 1]
	return string.format("GET /api/v1/trainees/%d/progress HTTP/1.1\r\nHost: %s\r\n" ..
		"Authorization: Bearer %s\r\n\r\n", trainee.id, host, token)
end

done = common.done
