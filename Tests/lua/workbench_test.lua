-- The Lua surface of the workbench itself: help, inspect, print, errors.
local t = dofile("Tests/lua/harness.lua")
local script_args = table.pack(...)

t.test("inspect renders nested tables with sorted keys", function()
  t.eq(inspect({ b = 1, a = { 1, 2 } }), "{ a = { 1, 2 }, b = 1 }")
  t.eq(inspect("x\n"), '"x\\n"')
  t.eq(inspect({ { { { 1 } } } }, { depth = 2 }), "{ { {...} } }")
end)

t.test("bad calls name the function and the argument", function()
  t.raises(function() plugins.info(42) end, "plugins.info: argument #1 expected string, got number")
  t.raises(function() plugins.list(1, 2) end, "plugins.list: expected at most 1 argument, got 2")
  t.raises(function() plugins.call("x") end, "plugins.call: argument #2 expected string, got no value")
  t.raises(function() inspect({}, 5) end, "inspect: argument #2 expected table, got number")
end)

t.test("arg holds the script being run", function()
  t.eq(arg[0], "Tests/lua/workbench_test.lua")
  t.eq(script_args.n, 0)
end)

t.test("errors in metamethods and coroutines are catchable", function()
  local obj = setmetatable({}, { __index = function(_, k) error("no field " .. k) end })
  t.raises(function() return obj.missing end, "no field missing")
  local co = coroutine.create(function() plugins.info(false) end)
  local ok, err = coroutine.resume(co)
  t.eq(ok, false)
  t.truthy(err:find("argument #1 expected string, got boolean", 1, true), err)
end)

t.test("unbounded recursion is an error", function()
  local function f() return f() + 1 end
  t.raises(f, "stack overflow")
end)

t.test("a huge string is a clean error", function()
  local ok, err = pcall(string.rep, "x", 1e10)
  t.eq(ok, false)
  t.truthy(err:find("too large") or err:find("not enough memory"), err)
end)

t.finish()
