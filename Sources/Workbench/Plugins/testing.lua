-- testing: the Lua test library of `opslab plugin test` and of opslab's own
-- Tests/lua. describe/it/expect for specs, t.test/t.eq/t.raises for plain
-- checks, and fixtures a plugin's tests need: a temporary directory, a
-- clock that moves only when told, and sample notifications and contexts.
local testing = { passed = 0, failed = 0, failures = {} }
local prefix = {}

local function record(name, ok, err)
  if ok then
    testing.passed = testing.passed + 1
  else
    testing.failed = testing.failed + 1
    testing.failures[#testing.failures + 1] = name .. ": " .. tostring(err)
    io.stderr:write("FAIL ", name, ": ", tostring(err), "\n")
  end
end

--- describe(name, fn): groups the `it`s inside under a name.
function testing.describe(name, fn)
  prefix[#prefix + 1] = name
  local ok, err = pcall(fn)
  if not ok then record(table.concat(prefix, " "), false, err) end
  prefix[#prefix] = nil
end

--- it(name, fn) / test(name, fn): one test; an error inside fails it.
function testing.it(name, fn)
  local full = #prefix > 0 and table.concat(prefix, " ") .. " " .. name or name
  record(full, pcall(fn))
end
function testing.test(name, fn) testing.it(name, fn) end

local function same(a, b, seen)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then
    return type(a) == "number" and type(b) == "number" and a ~= a and b ~= b
  end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do if not same(v, b[k], seen) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local expectation = {}
expectation.__index = expectation
local function check(ok, message) if not ok then error(message, 3) end end

--- expect(value):to_be(x) (==), :to_equal(x) (deep, NaN equals NaN), :to_be_near(x, tolerance),
--- :to_be_truthy(), :to_be_falsy(), :to_contain(text), :to_fail([text]) (value is a function).
function testing.expect(value) return setmetatable({ value = value }, expectation) end
function expectation:to_be(want) check(self.value == want, "expected " .. inspect(want) .. ", got " .. inspect(self.value)) end
function expectation:to_equal(want) check(same(self.value, want), "expected " .. inspect(want) .. ", got " .. inspect(self.value)) end
function expectation:to_be_near(want, tolerance)
  tolerance = tolerance or 1e-6
  local got = self.value
  check(type(got) == "number" and math.abs(got - want) <= tolerance,
        "expected " .. tostring(want) .. " within " .. tostring(tolerance) .. ", got " .. inspect(got))
end
function expectation:to_be_truthy() check(self.value, "expected a true value, got " .. inspect(self.value)) end
function expectation:to_be_falsy() check(not self.value, "expected a false value, got " .. inspect(self.value)) end
function expectation:to_contain(text)
  check(type(self.value) == "string" and self.value:find(text, 1, true), "expected text containing '" .. text .. "', got " .. inspect(self.value))
end
function expectation:to_fail(text)
  local ok, err = pcall(self.value)
  check(not ok, "expected an error" .. (text and (" containing '" .. text .. "'") or "") .. ", but the call succeeded")
  check(text == nil or tostring(err):find(text, 1, true), "expected an error containing '" .. tostring(text) .. "', got '" .. tostring(err) .. "'")
end

-- The plain style of opslab's own tests.
function testing.eq(got, want, what)
  if got ~= want then error(string.format("%s: expected %s, got %s", what or "value", inspect(want), inspect(got)), 2) end
end
function testing.truthy(value, what) if not value then error((what or "value") .. " should be true", 2) end end
function testing.raises(fn, fragment)
  local ok, err = pcall(fn)
  if ok then error("expected an error containing '" .. tostring(fragment) .. "', but the call succeeded", 2) end
  if fragment and not tostring(err):find(fragment, 1, true) then
    error(string.format("expected an error containing '%s', got '%s'", fragment, tostring(err)), 2)
  end
  return err
end

local function quoted(path) return "'" .. path:gsub("'", "'\\''") .. "'" end

--- tmpdir() -> path: a fresh directory, removed by rmtree(path).
function testing.tmpdir()
  local path = os.tmpname()
  os.remove(path)
  assert(os.execute("mkdir -p " .. quoted(path)))
  return path
end
function testing.rmtree(path)
  assert(type(path) == "string" and path:match("^/tmp/[^/]") and not path:find("/..", 1, true),
         "rmtree removes only what tmpdir made")
  os.execute("rm -rf " .. quoted(path))
end

--- clock([start]) -> clock: now() in Unix seconds, advance(seconds); for ctx.now.
function testing.clock(start)
  local now = start or 1700000000
  return {
    now = function() return now end,
    advance = function(seconds) now = now + seconds; return now end,
  }
end

--- notification{status =, labels =, annotations =, receiver =} -> table: the webhook payload
--- (version 4) of one alert, as a sink's send(ctx, notification) receives it.
function testing.notification(o)
  o = o or {}
  local labels = o.labels or { alertname = "TestAlert", severity = "warning" }
  local status = o.status or "firing"
  local alert = {
    status = status, labels = labels, annotations = o.annotations or { summary = "a test alert" },
    startsAt = "2023-11-14T22:13:20.000Z", endsAt = status == "resolved" and "2023-11-14T22:18:20.000Z" or "0001-01-01T00:00:00Z",
    generatorURL = "", fingerprint = "0000000000000000",
  }
  return {
    version = "4", groupKey = "{}:{}", truncatedAlerts = 0, status = status, receiver = o.receiver or "test",
    groupLabels = {}, commonLabels = labels, commonAnnotations = alert.annotations, externalURL = "", alerts = { alert },
  }
end

--- report() -> passed, failed: prints the summary line.
function testing.report(name)
  print(string.format("%s: %d passed, %d failed", name or "tests", testing.passed, testing.failed))
  return testing.passed, testing.failed
end

--- finish(): the summary, then exit 1 when anything failed (for `opslab run`).
function testing.finish()
  testing.report(arg and arg[0] or "lua")
  os.exit(testing.failed == 0 and 0 or 1)
end

return testing
