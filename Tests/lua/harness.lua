-- A small test harness for Lua tests run by `opslab run`. Each test file
-- does `local t = dofile("Tests/lua/harness.lua")`, calls t.test(...) and
-- ends with t.finish(), which prints "N passed, N failed" and exits 1 on failure.
local M = { passed = 0, failed = 0 }

local function fail(message, level)
  error(message, (level or 1) + 1)
end

function M.eq(got, want, what)
  if got ~= want then
    fail(string.format("%s: expected %s, got %s", what or "value", inspect(want), inspect(got)), 2)
  end
end

function M.truthy(value, what)
  if not value then fail((what or "value") .. " should be true", 2) end
end

-- Calls fn and checks that it raises an error whose message contains `fragment` (plain text).
function M.raises(fn, fragment)
  local ok, err = pcall(fn)
  if ok then fail("expected an error containing '" .. fragment .. "', but the call succeeded", 2) end
  if not tostring(err):find(fragment, 1, true) then
    fail(string.format("expected an error containing '%s', got '%s'", fragment, tostring(err)), 2)
  end
  return err
end

function M.test(name, fn)
  local ok, err = pcall(fn)
  if ok then
    M.passed = M.passed + 1
  else
    M.failed = M.failed + 1
    io.stderr:write("FAIL ", name, ": ", tostring(err), "\n")
  end
end

-- A fresh temporary directory, removed by the caller with M.rmtree.
function M.tmpdir()
  local path = os.tmpname()
  os.remove(path)
  assert(os.execute("mkdir -p '" .. path .. "'"))
  return path
end

function M.rmtree(path)
  os.execute("rm -rf '" .. path .. "'")
end

function M.finish()
  print(string.format("%s: %d passed, %d failed", arg and arg[0] or "lua", M.passed, M.failed))
  os.exit(M.failed == 0 and 0 or 1)
end

return M
