-- The plugins shipped in plugins/, exercised through the registry as a user would.
local t = dofile("Tests/lua/harness.lua")

t.test("bundled plugins load", function()
  local names = {}
  for _, p in ipairs(plugins.list()) do names[p.kind .. "/" .. p.name] = p end
  t.truthy(names["collector/checkpoint_dir"], "checkpoint_dir loaded")
  t.truthy(names["sink/jsonl_file"], "jsonl_file loaded")
  t.eq(#plugins.problems(), 0)
end)

t.test("checkpoint_dir reports the newest checkpoint", function()
  local dir = t.tmpdir()
  local f = assert(io.open(dir .. "/step-100.safetensors", "wb")); f:write(string.rep("a", 1000)); f:close()
  os.execute("touch -d '2 hours ago' '" .. dir .. "/step-100.safetensors'")
  f = assert(io.open(dir .. "/step-200.safetensors", "wb")); f:write(string.rep("b", 2048)); f:close()
  f = assert(io.open(dir .. "/notes.txt", "wb")); f:write("ignored"); f:close()
  local samples = plugins.call("checkpoint_dir", "collect", { options = { dir = dir } })
  t.rmtree(dir)
  local by = {}
  for _, s in ipairs(samples) do by[s.name] = s end
  t.eq(by.checkpoint_files.value, 2)
  t.eq(by.checkpoint_newest_bytes.value, 2048)
  t.truthy(by.checkpoint_newest_age_seconds.value < 60, "newest is recent")
  t.eq(by.checkpoint_files.labels.dir, dir)
end)

t.test("checkpoint_dir with a hostile directory name runs no command", function()
  local samples = plugins.call("checkpoint_dir", "collect", { options = { dir = "/nonexistent'; touch /tmp/opslab-pwned; '" } })
  t.eq(samples[1].value, 0)
  t.eq(io.open("/tmp/opslab-pwned"), nil)
end)

t.test("checkpoint_dir without a directory reports nothing and does not fail", function()
  t.eq(#plugins.call("checkpoint_dir", "collect", {}), 0)
  t.eq(plugins.info("checkpoint_dir").failures, 0)
end)

t.test("metrics.configure hands options to a Lua collector", function()
  local dir = t.tmpdir()
  local f = assert(io.open(dir .. "/last.pt", "wb")); f:write("abc"); f:close()
  metrics.configure("checkpoint_dir", { dir = dir })
  local found
  for _, s in ipairs(metrics.collect("checkpoint_dir")) do
    if s.name == "checkpoint_newest_bytes" then found = s end
  end
  t.rmtree(dir)
  t.truthy(found, "checkpoint_newest_bytes collected")
  t.eq(found.value, 3)
  t.eq(found.labels.dir, dir)
end)

t.test("jsonl_file appends one JSON object per notification", function()
  local dir = t.tmpdir()
  local path = dir .. "/alerts.jsonl"
  local ctx = { options = { path = path } }
  plugins.call("jsonl_file", "send", ctx, { alertname = "GpuHot", value = 91.5, labels = { gpu = "0" } })
  plugins.call("jsonl_file", "send", ctx, { alertname = 'Quote"d\n', status = "resolved" })
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  t.rmtree(dir)
  t.eq(#lines, 2)
  t.eq(lines[1], '{"alertname":"GpuHot","labels":{"gpu":"0"},"value":91.5}')
  t.eq(lines[2], '{"alertname":"Quote\\"d\\n","status":"resolved"}')
end)

t.test("jsonl_file refuses what JSON cannot hold", function()
  t.raises(function() plugins.call("jsonl_file", "send", { options = { path = "/tmp/x" } }, { f = print }) end, "is a function, which JSON cannot hold")
end)

t.finish()
