-- json: round trips, stable output, and everything JSON cannot hold refused
-- with the path named.
local t = dofile("Tests/lua/harness.lua")

t.test("encodes with sorted keys and reads back", function()
  local value = { name = "gpu0", temps = { 71, 72.5, -3 }, ok = true, nested = { b = 1, a = { "x" } }, none = json.null }
  local text = json.encode(value)
  t.eq(text, '{"name":"gpu0","nested":{"a":["x"],"b":1},"none":null,"ok":true,"temps":[71,72.5,-3]}')
  local back = json.decode(text)
  t.eq(back.name, "gpu0")
  t.eq(back.temps[2], 72.5)
  t.eq(math.type(back.temps[1]), "integer")
  t.eq(back.none, json.null)
  t.eq(json.encode(back), text, "a round trip is byte for byte")
  t.eq(json.encode({}), "{}")
  t.eq(json.encode({}, { empty = "array" }), "[]")
  t.eq(json.encode({ a = { 1 } }, { indent = 2 }), '{\n  "a": [\n    1\n  ]\n}')
  t.eq(json.encode('tab\t"q"\\ \1 é'), '"tab\\t\\"q\\"\\\\ \\u0001 é"')
end)

t.test("numbers keep their value", function()
  for _, v in ipairs({ 0.1, 1 / 3, 1e300, -1e-300, 5e-324, 2 ^ 53 + 0.0, 123456789.125 }) do
    t.eq(json.decode(json.encode(v)), v, tostring(v))
  end
  t.eq(json.encode(2 ^ 63), "9.223372036854776e+18")
  t.eq(json.encode(math.maxinteger), "9223372036854775807")
  t.eq(json.decode("9223372036854775807"), math.maxinteger)
  t.eq(math.type(json.decode("9223372036854775808")), "float", "past the integer range reads as a float")
  t.eq(json.decode("-0"), 0)
  t.eq(json.decode("1E2"), 100.0)
  t.eq(json.encode(1.0), "1.0")
end)

t.test("what JSON cannot hold is an error naming where", function()
  for _, bad in ipairs({ 0 / 0, 1 / 0, -1 / 0 }) do
    t.raises(function() json.encode({ a = { b = bad } }) end, "value.a.b is")
    t.eq(json.encode({ a = bad }, { nan = "null" }), '{"a":null}')
  end
  t.raises(function() json.encode({ f = print }) end, "value.f is a function")
  t.raises(function() json.encode({ [1] = "a", x = "b" }) end, "object keys must be strings")
  t.raises(function() json.encode({ [1] = "a", [3] = "c" }) end, "object keys must be strings")
  t.raises(function() json.encode("\xff") end, "not valid UTF-8")
  local cycle = {}
  cycle.self = cycle
  t.raises(function() json.encode(cycle) end, "nests deeper than 100")
  for _, bad in ipairs({ 0 / 0, 1 / 0, 1e300, 2 ^ 63, -1, 0, 10001, "2" }) do
    t.raises(function() json.encode({}, { max_depth = bad }) end, "max_depth")
    t.raises(function() json.decode("1", { max_depth = bad }) end, "max_depth")
    if bad ~= 0 then t.raises(function() json.encode({}, { indent = bad }) end, "indent") end
  end
  t.raises(function() json.encode({}, { colour = 1 }) end, "unknown option 'colour'")
  t.raises(function() json.encode({}, 5) end, "table of options")
end)

t.test("malformed text is an error with line and column", function()
  local cases = {
    { "", "unexpected end" }, { "[1,", "unexpected end" }, { "[1 2]", "expected ','" }, { '{"a" 1}', "expected ':'" },
    { "{a:1}", "expected a string key" }, { '"abc', "unterminated string" }, { "01", "bad number" }, { "1.", "bad number" },
    { "1e", "bad number" }, { "-", "bad number" }, { "nul", "unexpected 'n'" }, { "[1] x", "text after the value" },
    { '"\\x"', "bad escape" }, { '"\\ud800"', "unpaired surrogate" }, { '"a\nb"', "control character" },
    { "1e999", "out of range" }, { "NaN", "unexpected 'N'" }, { "\xff", "not valid UTF-8" },
  }
  for _, case in ipairs(cases) do
    t.raises(function() json.decode(case[1]) end, case[2])
  end
  t.raises(function() json.decode('{\n  "a": [1,\n   x]}') end, "line 3, column 4")
  t.raises(function() json.decode(string.rep("[", 101) .. string.rep("]", 101)) end, "nesting deeper than 100")
  t.raises(function() json.decode(string.rep("[", 10000)) end, "nesting deeper")
  t.eq(#json.decode(string.rep("[", 200) .. string.rep("]", 200), { max_depth = 200 }), 1)
  t.raises(function() json.decode(42) end, "expected string")
  t.eq(json.decode('"\\ud83d\\ude00"'), "😀")
  t.eq(json.decode('null', { null = false }), false)
end)

t.test("counts of 0, 200 and 10,000", function()
  for _, n in ipairs({ 0, 200, 10000 }) do
    local list, map = {}, {}
    for i = 1, n do list[i] = i; map["k" .. i] = i end
    t.eq(#json.decode(json.encode(list)), n)
    local back, count = json.decode(json.encode(map)), 0
    for _ in pairs(back) do count = count + 1 end
    t.eq(count, n)
  end
end)

t.test("json.null cannot be changed", function()
  t.raises(function() json.null.x = 1 end, "read-only")
end)

t.finish()
