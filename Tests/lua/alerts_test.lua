-- The alerts module: rules written in the shell (PromQL and Lua functions),
-- rule files, evaluation against the store, and what careless input gets.
local t = dofile("Tests/lua/harness.lua")
local now = os.time()
for i = 0, 20 do
  metrics.write("test_gpu_temp", { gpu = "0" }, 60 + i * 2, now - 600 + i * 30)
  metrics.write("test_gpu_temp", { gpu = "1" }, 50, now - 600 + i * 30)
end

local function by_name(list, name)
  for _, a in ipairs(list) do if a.name == name then return a end end
end

t.test("a PromQL rule fires with labels and its name", function()
  t.eq(alerts.rule{ name = "GPUHot", expr = "test_gpu_temp > 90", labels = { severity = "page" } }, "GPUHot")
  local a = by_name(alerts.eval(now), "GPUHot")
  t.truthy(a, "GPUHot alert")
  t.eq(a.state, "firing")
  t.eq(a.labels.gpu, "0")
  t.eq(a.labels.severity, "page")
  t.eq(a.labels.alertname, "GPUHot")
  t.eq(a.value, 100.0)
end)

t.test("hold is Prometheus's for, counted across evaluations", function()
  alerts.rule{ name = "Held", expr = "test_gpu_temp > 90", hold = "1m" }
  t.eq(by_name(alerts.eval(now), "Held").state, "pending")
  t.eq(by_name(alerts.eval(now + 61), "Held").state, "firing")
  alerts.rule{ name = "Held2", expr = "test_gpu_temp > 90", ["for"] = "1m" }
  t.eq(by_name(alerts.eval(now), "Held2").state, "pending")
end)

t.test("a Lua function is a rule: a model can score series", function()
  local w = tensor.tensor({ 0.5 })
  alerts.rule{ name = "Scored", expr = function(time)
    local out = {}
    for _, e in ipairs(metrics.query("test_gpu_temp", { time = time })) do
      local score = (tensor.tensor({ e.value }) * w):item()
      if score > 40 then out[#out + 1] = { labels = { gpu = e.labels.gpu }, value = score } end
    end
    return out
  end }
  local a = by_name(alerts.eval(now), "Scored")
  t.eq(a and a.labels.gpu, "0")
  t.eq(a.value, 50.0)
end)

t.test("a Lua rule that errors, loops or returns garbage is unhealthy; others still run", function()
  alerts.rule{ name = "Errs", group = "bad", expr = function() error("model missing") end }
  alerts.rule{ name = "Garbage", group = "bad", expr = function() return { { value = "high" } } end }
  alerts.rule{ name = "NotAList", group = "bad", expr = function() return 42 end }
  alerts.eval(now)
  local health = {}
  for _, r in ipairs(alerts.list()) do health[r.name] = r end
  t.eq(health.Errs.health, "err")
  t.truthy(health.Errs.error:find("model missing", 1, true), health.Errs.error)
  t.eq(health.Garbage.health, "err")
  t.eq(health.NotAList.health, "err")
  t.eq(health.GPUHot.health, "ok")
  t.eq(alerts.remove("Errs") + alerts.remove("Garbage") + alerts.remove("NotAList"), 3)
end)

t.test("recording rules and preview", function()
  alerts.rule{ record = "test:gpu_temp:max", expr = "max(test_gpu_temp)" }
  local found = false
  for _, r in ipairs(alerts.list()) do if r.name == "test:gpu_temp:max" then found = r.kind == "record" end end
  t.truthy(found, "recording rule listed")
  local preview = alerts.preview({ name = "Preview", expr = "test_gpu_temp > 0", hold = "5m" }, { time = now })
  t.eq(#preview, 2)
  t.eq(preview[1].state, "pending")
  for _, r in ipairs(alerts.list()) do t.truthy(r.name ~= "Preview", "preview does not add the rule") end
end)

t.test("rule files load; a broken rule is reported and the others load", function()
  local dir = t.tmpdir()
  local f = assert(io.open(dir .. "/rules.yml", "w"))
  f:write("groups:\n- name: file\n  rules:\n  - alert: FromFile\n    expr: test_gpu_temp > 90\n  - alert: Broken\n    expr: rate(\n")
  f:close()
  local r = alerts.load(dir .. "/rules.yml")
  t.eq(r.groups, 1)
  t.eq(r.rules, 1)
  t.truthy(r.problems[1]:find("Broken", 1, true), r.problems[1])
  t.truthy(by_name(alerts.eval(now), "FromFile"), "rule from the file fires")
  t.raises(function() alerts.load(dir .. "/missing.yml") end, "no rule file matches")
  f = assert(io.open(dir .. "/bad.yml", "w")); f:write("groups: [\n"); f:close()
  t.raises(function() alerts.load(dir .. "/bad.yml") end, "YAML syntax error")
  t.rmtree(dir)
end)

t.test("careless and hostile options get clear errors", function()
  local cases = {
    { {}, "name' is required" },
    { { name = "A" }, "expr" },
    { { name = "A", expr = 42 }, "must be a PromQL string or a function" },
    { { name = "A", expr = "rate(" }, "does not parse" },
    { { name = "A", expr = "up", hold = 0 / 0 }, "hold" },
    { { name = "A", expr = "up", hold = 1 / 0 }, "hold" },
    { { name = "A", expr = "up", hold = 1e300 }, "hold" },
    { { name = "A", expr = "up", hold = 2 ^ 63 }, "hold" },
    { { name = "A", expr = "up", hold = "1m", ["for"] = "1m" }, "same" },
    { { name = "A", expr = "up", keep_firing_for = "forever" }, "keep_firing_for" },
    { { name = "A", expr = "up", labels = { "x" } }, "labels" },
    { { name = "A", expr = "up", labels = { ["bad-name"] = "x" } }, "invalid label name" },
    { { name = "A", expr = "up", labels = { __name__ = "x" } }, "invalid label name" },
    { { name = "A", expr = "up", annotations = { x = {} } }, "annotations" },
    { { name = "A", record = "b", expr = "up" }, "not both" },
    { { record = "bad name", expr = "up" }, "invalid recording rule name" },
    { { record = "x", expr = "up", hold = "5m" }, "invalid field 'for'" },
    { { name = "A", expr = "up", bogus = true }, "unknown option 'bogus'" },
  }
  for _, c in ipairs(cases) do t.raises(function() alerts.rule(c[1]) end, c[2]) end
  t.raises(function() alerts.rule("up") end, "table")
  t.raises(function() alerts.eval(0 / 0) end, "Unix time")
  t.raises(function() alerts.eval(1e300) end, "Unix time")
  t.raises(function() alerts.eval(2 ^ 63) end, "Unix time")
end)

t.test("alerts.test: quick what-ifs in promtool's notation", function()
  local rule = { name = "Down", expr = "up == 0", hold = "2m", labels = { severity = "page" },
                 annotations = { summary = "{{ $labels.job }} down" } }
  local ok, report = alerts.test(rule, { ['up{job="a"}'] = "1 0 0 0 0" },
    { { at = "2m", alerts = {} },
      { at = "3m", alerts = { { labels = { job = "a", severity = "page" }, annotations = { summary = "a down" } } } } })
  t.eq(ok, true, report)
  t.eq(report, "")
  ok, report = alerts.test(rule, { ['up{job="a"}'] = "1 0 0 0 0" }, { { at = "2m", alerts = { { labels = { job = "a" } } } } })
  t.eq(ok, false)
  t.truthy(report:find("alertname: Down, time: 2m", 1, true), report)
  t.raises(function() alerts.test(rule, { "1 0" }, {}) end, "must map series names")
  t.raises(function() alerts.test(rule, { up = 1 }, {}) end, "must be a string")
  ok, report = alerts.test(rule, { up = "1x99999999999" }, { { at = "1m" } })
  t.eq(ok, false)
  t.truthy(report:find("more than", 1, true), report)
  t.raises(function() alerts.test(rule, { up = "1" }, { { at = "soon" } }) end, "at")
  t.raises(function() alerts.test(rule, { up = "1" }, { 42 }) end, "must be a table")
  for _, bad in ipairs({ 0 / 0, 1 / 0, -1 / 0, 1e300, 2 ^ 63 }) do
    t.raises(function() alerts.test(rule, { up = "1" }, {}, { interval = bad }) end, "interval")
    t.raises(function() alerts.preview(rule, { time = bad }) end, "time")
  end
  local zero = alerts.test(rule, {}, {})
  t.eq(zero, true)
end)

t.test("many rules", function()
  for i = 1, 200 do alerts.rule{ name = "Many" .. i, group = "many", expr = "test_gpu_temp > " .. i } end
  local firing = 0
  for _, a in ipairs(alerts.eval(now)) do if a.name:find("^Many") then firing = firing + 1 end end
  -- gpu 0 (100) is above 1..99, gpu 1 (50) above 1..49.
  t.eq(firing, 99 + 49)
  for i = 1, 200 do alerts.remove("Many" .. i) end
end)

t.test("silences from the shell", function()
  t.eq(#alerts.silences(), 0)
  local id = alerts.silence{ matchers = 'alertname="DiskFull", instance=~"db-.*"', comment = "resize", duration = "2h", author = "me" }
  t.truthy(#id >= 32, id)
  local listed = alerts.silences()
  t.eq(#listed, 1)
  t.eq(listed[1].id, id)
  t.eq(listed[1].state, "active")
  t.eq(listed[1].matchers, 'alertname="DiskFull", instance=~"db-.*"')
  t.eq(listed[1].author, "me")
  t.truthy(math.abs(listed[1].ends - listed[1].starts - 7200) < 0.01)
  local later = alerts.silence{ matchers = { "job=api", "severity!=info" }, comment = "deploy", starts = os.time() + 3600, ends = os.time() + 7200 }
  t.eq(alerts.silences()[2].id, later)
  t.eq(alerts.silences()[2].state, "pending")
  t.eq(alerts.expire(id), true)
  t.eq(#alerts.silences(), 1, "a pending silence stays listed")
  t.eq(#alerts.silences{ expired = true }, 2)
  t.raises(function() alerts.expire(id) end, "already expired")
  t.raises(function() alerts.expire("no-such-id") end, "alerts.expire")

  -- Hostile input is refused with the field named, and adds nothing.
  t.raises(function() alerts.silence{ matchers = "alertname=X" } end, "comment")
  t.raises(function() alerts.silence{ matchers = "alertname=X", comment = "  " } end, "comment")
  t.raises(function() alerts.silence{ comment = "x" } end, "matchers")
  t.raises(function() alerts.silence{ matchers = {}, comment = "x" } end, "matchers")
  t.raises(function() alerts.silence{ matchers = { 1, 2 }, comment = "x" } end, "matchers")
  t.raises(function() alerts.silence{ matchers = 'job=~".*"', comment = "x" } end, "alerts.silence")
  t.raises(function() alerts.silence{ matchers = "alertname=~(", comment = "x" } end, "alerts.silence")
  t.raises(function() alerts.silence{ matchers = "alertname=X", comment = "x", colour = "red" } end, "colour")
  for _, bad in ipairs({ "0s", "-1h", "soon", "1e300y", "9223372036854775807ms", "101y" }) do
    t.raises(function() alerts.silence{ matchers = "alertname=X", comment = "x", duration = bad } end, "duration")
  end
  for _, bad in ipairs({ 0 / 0, 1 / 0, -1 / 0, 1e300, 2 ^ 63 }) do
    t.raises(function() alerts.silence{ matchers = "alertname=X", comment = "x", starts = bad } end, "starts")
    t.raises(function() alerts.silence{ matchers = "alertname=X", comment = "x", ends = bad } end, "ends")
  end
  t.raises(function() alerts.silence{ matchers = "alertname=X", comment = "x", ends = os.time() + 60, duration = "1h" } end, "duration")
  t.raises(function() alerts.silence{ matchers = "alertname=X", comment = "x", starts = os.time(), ends = os.time() - 60 } end, "alerts.silence")
  t.eq(#alerts.silences{ expired = true }, 2)

  for i = 1, 200 do alerts.silence{ matchers = "alertname=Many" .. i, comment = "bulk", duration = "1m" } end
  t.eq(#alerts.silences(), 201)
end)

t.finish()
