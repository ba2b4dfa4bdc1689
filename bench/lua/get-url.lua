-- get-url.lua - wrk script for bench scenarios 3 and 4: GET the URL given
-- to wrk (path and query as they are) with the first faculty token of
-- $BENCH_CREDS (see common.lua), every request the same.

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
package.path = here .. "?.lua;" .. package.path
local common = require("common")

local creds = common.read_creds()
assert(#creds.faculty > 0, "no faculty in BENCH_CREDS")
wrk.headers["Authorization"] = "Bearer " .. creds.faculty[1].token

done = common.done
