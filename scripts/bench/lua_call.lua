-- Cost of a Lua call into a Swift function: opslab.now() (Swift, one
-- clock_gettime inside) against math.abs (Lua's own C function) and an empty
-- Lua function, in one run.
-- Run: scripts/opslab run scripts/bench/lua_call.lua [iterations]
local n = tonumber(arg[1]) or 5000000
local now = opslab.now

local function time(label, fn)
  local best = math.huge
  for _ = 1, 5 do
    local start = now()
    fn()
    best = math.min(best, now() - start)
  end
  return best / n * 1e9
end

local empty = function() end
local baseline = time("loop", function() for _ = 1, n do end end)
local lua_fn = time("lua", function() for _ = 1, n do empty() end end)
local c_fn = time("c", function() local f = math.abs for _ = 1, n do f(-1) end end)
local swift_fn = time("swift", function() for _ = 1, n do now() end end)

print(string.format("per call, best of 5 x %d calls (loop overhead %.1f ns subtracted)", n, baseline))
print(string.format("  empty Lua function   %7.1f ns", lua_fn - baseline))
print(string.format("  C function (math.abs)%7.1f ns", c_fn - baseline))
print(string.format("  Swift function       %7.1f ns   (Swift / C: %.2fx)", swift_fn - baseline, (swift_fn - baseline) / (c_fn - baseline)))
