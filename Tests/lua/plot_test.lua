-- The plot module from Lua: every chart kind from tables and tensors, the
-- shapes other modules return, options checked, bad values never a crash.
local t = dofile("Tests/lua/harness.lua")

local function count(text, fragment)
  local n = 0
  for _ in text:gmatch(fragment) do n = n + 1 end
  return n
end

t.test("line plots from tables and tensors, with more series", function()
  local p = plot.line({1, 2, 3}, {4, 5, 6}, {title = "t", label = "a", xlabel = "step", ylabel = "loss"})
  t.eq(tostring(p):find("t", 1, true) ~= nil, true)
  p:add(tensor.tensor({1, 2, 3}), tensor.tensor({6, 5, 4}), {label = "b"})
  local svg = p:svg()
  t.eq(count(svg, "<path "), 2)
  t.truthy(svg:find(">a</text>", 1, true), "legend names a")
  t.truthy(svg:find(">b</text>", 1, true), "legend names b")
  t.truthy(svg:find(">step</text>", 1, true), "x label")
  t.eq(p:add({1, 2}), p)
end)

t.test("a 2-d tensor draws a line per row", function()
  local p = plot.line(tensor.tensor({1, 2, 3}), tensor.tensor({{1, 2, 3}, {3, 2, 1}}), {label = "row"})
  local svg = p:svg()
  t.eq(count(svg, "<path "), 2)
  t.truthy(svg:find(">row 2</text>", 1, true), "rows are numbered in the legend")
  p:add(tensor.zeros(2, 3))
  t.eq(count(p:svg(), "<path "), 4)
  t.raises(function() plot.line({1, 2}, tensor.zeros(2, 3)) end, "x has 2 values and y 3")
end)

t.test("one list plots against 1, 2, 3, ...", function()
  local text = plot.line({5, 6, 7}):text({width = 20, height = 4})
  t.truthy(text:find("1", 1, true) and text:find("3", 1, true), "x runs 1..3: " .. text)
end)

t.test("scatter, hist, bar and heatmap", function()
  t.eq(count(plot.scatter({1, 2, 3}, {3, 1, 2}):svg(), "<circle "), 3)
  local h = plot.hist(tensor.tensor({1, 2, 2, 3, 3, 3}), {bins = 3})
  t.eq(count(h:svg(), "<rect x=") >= 3, true)
  t.truthy(h:text():find("[1, 1.67)", 1, true), h:text())
  local b = plot.bar({"a", "b"}, {1, 2}, {title = "bars"})
  t.truthy(b:text():find("bars", 1, true), "bar title")
  local m = plot.heatmap(tensor.tensor({{1, 2}, {3, 4}}))
  t.truthy(m:svg():find("<svg", 1, true), "heatmap svg")
  t.truthy(plot.heatmap({{1, 2}, {3, 0/0}}):text():find("··", 1, true), "NaN cell")
end)

t.test("nn.fit histories and metrics.range results plot directly", function()
  local history = {loss = {1.0, 0.5, 0.25}, steps = 30}
  local svg = plot.line(history):svg()
  t.truthy(svg:find(">epoch</text>", 1, true), "epoch axis")
  local now = os.time()
  for i = 0, 30 do metrics.write("plot_test_gauge", {host = "a"}, i, now - 300 + i * 10) end
  local r = metrics.range("plot_test_gauge", "5m", "10s")
  local p = plot.line(r, {title = "gauge"})
  t.truthy(p:svg():find("plot_test_gauge{host=\"a\"}", 1, true) or p:svg():find("host=&quot;a&quot;", 1, true), "series named by labels")
  t.truthy(p:text():find(":", 1, true), "time labels")
end)

t.test("NaN, infinities, empty data and one point never crash", function()
  for _, data in ipairs({{}, {0/0}, {1/0, -1/0}, {42}, {1e300, -1e300}}) do
    local p = plot.line(data)
    t.truthy(p:svg():find("</svg>", 1, true), "svg")
    t.truthy(#tostring(p) > 0, "text")
    plot.scatter(data, data):svg()
    plot.hist(data):svg()
  end
  for _, bins in ipairs({1, 2, 7}) do
    t.truthy(plot.hist({1.7e308, -1.7e308, 0}, {bins = bins}):svg():find("</svg>", 1, true), "hist over the whole double range")
  end
  t.truthy(plot.line({}):svg():find("no data", 1, true), "empty says no data")
  t.truthy(plot.line({0, -1}, {ylog = true}):svg():find("no data", 1, true), "nothing positive on a log axis")
end)

t.test("every kind of chart over extreme values renders both ways", function()
  local values = {1.7e308, -1.7e308, 0, 1e-320, -1e-320, 0/0, 1/0, -1/0, 1, 2^63, -2^63, 1e15, 123456789.123}
  for _, a in ipairs(values) do
    for _, b in ipairs(values) do
      local data, other = {a, b, a}, {b, a, b}
      local plots = {plot.hist(data, {bins = 3}), plot.bar({"x", "y", "z"}, data), plot.bar({"x", "y", "z"}, data, {ylog = true}),
                     plot.heatmap({data, other})}
      for _, options in ipairs({{}, {ylog = true}, {xlog = true}, {time = true}}) do
        plots[#plots + 1] = plot.line(data, other, options)
        plots[#plots + 1] = plot.scatter(data, other, options)
      end
      for _, p in ipairs(plots) do
        t.truthy(p:svg():find("</svg>", 1, true), "svg")
        t.truthy(#p:text() > 0, "text")
      end
    end
  end
end)

t.test("options are checked", function()
  t.raises(function() plot.hist({1}, {bins = 0}) end, "option 'bins' must be an integer in 1...10000, got 0")
  plot.hist({1, 2}, {bins = 200})
  plot.hist({1, 2}, {bins = 10000})
  t.raises(function() plot.hist({1}, {bins = 10001}) end, "option 'bins'")
  for _, bad in ipairs({0/0, 1/0, -1/0, 1e300, 2^63, 1.5}) do
    t.raises(function() plot.hist({1}, {bins = bad}) end, "option 'bins' must be an integer")
    t.raises(function() plot.line({1}, {width = bad}) end, "option 'width'")
  end
  t.raises(function() plot.line({1}, {titel = "x"}) end, "unknown option 'titel'")
  t.raises(function() plot.line({1}, {title = 3}) end, "option 'title' must be a string")
  t.raises(function() plot.line({1, 2}, {1}) end, "x has 2 values and y 1")
  t.raises(function() plot.line({1, "a"}) end, "item 2 must be a number")
  t.raises(function() plot.bar({"a"}, {1, 2}) end, "1 labels for 2 values")
  t.raises(function() plot.heatmap({1, 2}) end, "row 1 must be a list of numbers")
  t.raises(function() plot.heatmap(tensor.zeros(2, 2, 2)) end, "2-d Tensor")
  t.raises(function() plot.hist({1}):add({1}) end, "only line and scatter plots")
  t.raises(function() plot.line({1}):add({1}, {style = "dots"}) end, "option 'style'")
  t.raises(function() plot.line({1}, {time = true, xlog = true}) end, "cannot be combined")
  t.raises(function() plot.line("x") end, "plot.line: argument #1 expected Tensor or table, got string")
  t.raises(function() plot.line({1}):text({width = 0}) end, "option 'width'")
end)

t.test("p:save writes the SVG", function()
  local dir = t.tmpdir()
  local path = plot.line({1, 2}):save(dir .. "/p.svg")
  local f = assert(io.open(path))
  t.truthy(f:read("a"):find("^<svg"), "file holds svg")
  f:close()
  t.raises(function() plot.line({1}):save(dir .. "/missing/dir/p.svg") end, "cannot write")
  t.rmtree(dir)
end)

t.test("sizes a tensor claims without holding are refused, not allocated", function()
  t.raises(function() plot.line{time = tensor.zeros(4), values = tensor.zeros(1 << 62, 0)} end, "at most")
  t.raises(function() plot.line{time = tensor.zeros(0), values = tensor.zeros(1 << 40, 0)} end, "at most")
  t.raises(function() plot.line(tensor.zeros(1 << 40, 0)) end, "at most")
  t.raises(function() plot.line{time = tensor.zeros(2, 2), values = tensor.zeros(2, 2)} end, "1-d")
end)

t.test("a heatmap whose span is too small to divide still prints", function()
  for _, m in ipairs({ {{0, 5e-324}}, {{-5e-324, 0}}, {{1e308, -1e308}}, {{0 / 0, 1 / 0}} }) do
    t.truthy(#tostring(plot.heatmap(m)) > 0)
    t.truthy(plot.heatmap(m):svg():find("^<svg"))
  end
end)

t.finish()
