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
  t.raises(function() metrics.range("x", "soon") end, "argument #2 expected a duration like \"6h\", got \"soon\"")
  t.raises(function() metrics.range("x", 3600) end, "argument #2 expected a duration like \"6h\", got number")
  t.raises(function() metrics.range("x", "1h", "0s") end, "argument #3 expected a duration like \"6h\", got \"0s\"")
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

t.test("series are listed and deleted by selector", function()
  local listed = metrics.series('test_gpu_temperature_celsius{gpu!="1"}')
  t.eq(#listed, 1)
  t.eq(listed[1].name, "test_gpu_temperature_celsius")
  t.eq(listed[1].labels.gpu, "0")
  t.eq(#metrics.series('{__name__=~"test_gpu.*"}'), 2)
  t.eq(metrics.delete('test_gpu_temperature_celsius{gpu="0"}'), 1)
  t.eq(#metrics.series("test_gpu_temperature_celsius"), 1)
  t.eq(#metrics.query('test_gpu_temperature_celsius{gpu="0"}'), 0)
  t.raises(function() metrics.series("rate(x[5m])") end, "must be a series selector")
  t.raises(function() metrics.delete("x{") end, "is not a selector: column")
  t.raises(function() metrics.delete('{__name__=~".*"}') end, "metrics.delete")
end)

t.test("OpenMetrics files are imported, with errors by line", function()
  local dir = t.tmpdir()
  local path = dir .. "/data.om"
  local f = assert(io.open(path, "w"))
  f:write("# TYPE test_imported gauge\n")
  for i = 0, 9 do f:write(string.format('test_imported{src="file"} %d %d\n', i, now - 300 + i * 15)) end
  f:write("# EOF\n")
  f:close()
  t.eq(metrics.import(path), 10)
  t.eq(metrics.query('test_imported{src="file"}', { time = now - 300 + 9 * 15 })[1].value, 9.0)
  f = assert(io.open(dir .. "/bad.om", "w")); f:write("ok 1\nbroken{ 2\n"); f:close()
  t.raises(function() metrics.import(dir .. "/bad.om") end, "line 2:")
  t.raises(function() metrics.import(dir .. "/none.om") end, "cannot read")
  t.rmtree(dir)
  local stats = metrics.stats({ compact = true })
  t.truthy(stats.series >= 3, "series counted")
  t.truthy(stats.chunks >= 1, "compaction made chunks")
  t.eq(stats.head_samples, 0)
end)

t.test("what the shell collects is stored; metrics.record keeps collecting", function()
  local samples = metrics.collect("memory")
  t.truthy(#samples > 0, "memory samples")
  local total = metrics.query("node_memory_mem_total_bytes")
  t.eq(#total, 1, "a query in a fresh shell sees what it collected")
  t.eq(metrics.record{ every = "1s" }, true)
  os.execute("sleep 2.5")
  t.eq(metrics.record(false), false)
  local count = metrics.query("count_over_time(node_load1[1m])")[1].value
  t.truthy(count >= 2, "background passes stored: " .. tostring(count))
  os.execute("sleep 1.5")
  t.eq(metrics.query("count_over_time(node_load1[1m])")[1].value, count, "nothing after metrics.record(false)")
  for _, bad in ipairs({ "0s", "999ms", "2d", "NaN", "inf", "1e300s", "9223372036854775807ms", "" }) do
    t.raises(function() metrics.record{ every = bad } end, "option 'every'")
  end
  for _, bad in ipairs({ 0 / 0, 1 / 0, 1e300, 2 ^ 63, 15 }) do
    t.raises(function() metrics.record{ every = bad } end, "every")
  end
  t.raises(function() metrics.record{ often = "1s" } end, "often")
end)

t.finish()
