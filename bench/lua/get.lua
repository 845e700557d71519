-- GET a rotating list of paths (one per line in the file given as first argument); each thread starts
-- at its own place in the list, so concurrent requests ask different questions.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local report = require("report")

local threads_made = 0
function setup(thread)
  thread:set("tid", threads_made)
  threads_made = threads_made + 1
end

local paths = {}
local position = 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then paths[#paths + 1] = line end
  end
  position = (tid * 9973) % #paths
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

done = report.done
