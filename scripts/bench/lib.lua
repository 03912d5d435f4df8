-- Shared by the Lua benchmarks: load it with
--   local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib.lua")
local bench = {}

-- The best time per call of fn, in seconds, over `repeats` timed runs of
-- `steps` calls each, after one untimed call.
function bench.per_step(steps, repeats, fn)
  fn()
  local best = math.huge
  for _ = 1, repeats do
    local start = opslab.now()
    for _ = 1, steps do fn() end
    best = math.min(best, (opslab.now() - start) / steps)
  end
  return best
end

return bench
