-- The metrics store and PromQL from Lua: write samples, query them back,
-- get tensors. Each run uses a fresh $OPSLAB_HOME (scripts/test sets one).
local t = dofile("Tests/lua/harness.lua")
local now = os.time()

t.test("written samples come back through queries", function()
  for i = 0, 40 do
    metrics.write("test_gpu_temperature_celsius", { gpu = "0" }, 60 + i, now - 600 + i * 15)
    metrics.write("test_gpu_temperature_celsius", { gpu = "1" }, 70 + i / 2, now - 600 + i * 15)
  end
  local hot = metrics.query("test_gpu_temperature_celsius > 95")
  t.eq(#hot, 1)
  t.eq(hot[1].labels.gpu, "0")
  t.eq(hot[1].value, 100.0)
  t.eq(metrics.query("1 + 2 * 3"), 7.0)
  local avg = metrics.query("avg(test_gpu_temperature_celsius)")
  t.eq(avg[1].value, 95.0)
end)

t.test("an instant vector becomes a tensor", function()
  local v = metrics.query("sort(test_gpu_temperature_celsius)")
  local values = v:tensor()
  t.eq(values.shape[1], 2)
  t.eq(values[1]:item(), 90.0)
  t.eq(values[2]:item(), 100.0)
end)

t.test("a range query gives time and values as tensors", function()
  local r = metrics.range("test_gpu_temperature_celsius", "10m", "1m")
  t.eq(r.values.shape[1], 2)
  t.eq(r.values.shape[2], 11)
  t.eq(r.time.shape[1], 11)
  t.eq(#r.labels, 2)
  -- rate over a counter-like series, evaluated at several past times
  local past = metrics.query("test_gpu_temperature_celsius", { time = now - 300 })
  t.eq(#past, 2)
end)

t.test("bad input is a clear error", function()
  t.raises(function() metrics.query("rate(x[5m]") end, "parse error at column 11")
  t.raises(function() metrics.query("sum(x) by (") end, "parse error")
  t.raises(function() metrics.range("x", "soon") end, "argument #2 must be a duration")
  t.raises(function() metrics.range("x", "1h", "0s") end, "argument #3 must be a duration")
  t.raises(function() metrics.range("x", "30d", "1s") end, "at most 11000")
  t.raises(function() metrics.write("bad name", {}, 1) end, "not a valid metric name")
  t.raises(function() metrics.write("ok_name", { ["bad-label"] = "x" }, 1) end, "not a valid label name")
  t.raises(function() metrics.write("ok_name", {}, "high") end, "argument #3 expected number, got string")
  t.raises(function() metrics.write("ok_name", {}, 1, math.huge) end, "must be a Unix time")
end)

t.test("duplicates and out-of-order samples follow Prometheus", function()
  metrics.write("test_dup", {}, 1, now)
  metrics.write("test_dup", {}, 1, now)          -- same value: ignored
  t.raises(function() metrics.write("test_dup", {}, 2, now) end, "duplicate sample")
  t.raises(function() metrics.write("test_dup", {}, 2, now - 60) end, "out of order")
end)

t.finish()
