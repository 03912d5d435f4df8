-- Every function of every workbench module, called with hostile arguments:
-- NaN, the infinities, 1e300, 2^53, 2^62, 2^63 and Lua's integer limits as
-- positional arguments and as the value of every option key its doc names;
-- 0, 200 and 10,000 arguments; from coroutines and from metamethods; and,
-- in a second process, with the heap at its cap. The process must survive
-- all of it (a crash ends this script, and the runner reports its exit), each
-- call must end as a result or an error with a message, the state must work
-- afterwards, and the memory cap must still hold.
--
-- OPSLAB_FUZZ_SEED and OPSLAB_FUZZ_ROUNDS replay or lengthen a run.
local t = dofile("Tests/lua/harness.lua")

local seed = tonumber(os.getenv("OPSLAB_FUZZ_SEED") or "") or 20261205
local rounds = tonumber(os.getenv("OPSLAB_FUZZ_ROUNDS") or "") or 4000
local capped = arg[1] == "capped"
math.randomseed(seed)

-- Functions left out: they write files where the test runs, wait for a
-- person (watch), or run for as long as an argument says (fit, keygen).
local skip = {
  ["nn.save"] = true, ["nn.fit"] = true, ["nn.keygen"] = true, ["metrics.watch"] = true,
  ["plugins.reload"] = true, ["metrics.collect"] = true, ["tensor.manual_seed"] = false,
  ["Plot:save"] = true,
}

local function functions()
  local list = {}
  local modules = {"tensor", "nn", "optim", "data", "metrics", "plugins", "opslab", "json", "plot", "runbook", "audit"}
  for _, module in ipairs(modules) do
    for name, f in pairs(_G[module]) do
      if type(f) == "function" and not skip[module .. "." .. name] then
        list[#list + 1] = {name = module .. "." .. name, f = f}
      end
    end
  end
  for name, f in pairs(nn.init) do list[#list + 1] = {name = "nn.init." .. name, f = f} end
  list[#list + 1] = {name = "inspect", f = inspect}
  -- Methods of each kind of object, called on a live one.
  local params = {tensor.zeros(2):requires_grad()}
  local objects = {nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2), nn.ReLU()), optim.Adam(params),
                   data.loader{x = tensor.zeros(4, 1)}, optim.StepLR(optim.SGD(params, {lr = 0.1}), {step_size = 1}),
                   plot.line({1, 2, 3})}
  for _, object in ipairs(objects) do
    local meta = getmetatable(object)
    for name, method in pairs(meta.__methods) do
      if not skip[meta.__name .. ":" .. name] then
        list[#list + 1] = {name = meta.__name .. ":" .. name, f = function(...) return method(object, ...) end,
                           doc = opslab.doc(method)}
      end
    end
  end
  table.sort(list, function(a, b) return a.name < b.name end)
  return list
end

-- The option keys a doc names: `key =` inside braces.
local function optionKeys(doc)
  local keys, seen = {}, {}
  for group in (doc or ""):gmatch("%b{}") do
    for key in group:gmatch("([%a_][%w_]*)%s*=") do
      if not seen[key] then seen[key] = true keys[#keys + 1] = key end
    end
  end
  return keys
end

local numbers = {0/0, 1/0, -1/0, 1e300, -1e300, 2^53, 2^62, 2^63, -2^63, math.mininteger, math.maxinteger,
                 -1, 0, 1, 2, 0.5, -0.5}
local deep = {} do local node = deep for _ = 1, 200 do node[1] = {} node = node[1] end end
local raising = setmetatable({}, {__index = function() error("index raised") end,
                                  __tostring = function() error("tostring raised") end,
                                  __len = function() error("len raised") end})
local others = {nil, true, false, "", "x", "1h", "up", "0/0", {}, {1, 2}, {{1}}, deep, raising,
                function() end, io.stdout, coroutine.create(function() end),
                tensor.zeros(2, 2), tensor{1, 2, 3}, tensor(5), tensor.zeros(0), nn.Linear(2, 2)}
local pool = {}
for _, v in ipairs(numbers) do pool[#pool + 1] = v end
for i = 1, 21 do pool[#pool + 1] = others[i] end   -- others[1] is nil: keep the count
local function any() return pool[math.random(#pool)] end
local function anyNumber() return numbers[math.random(#numbers)] end
local plausible = {tensor.ones(2, 2), "up", 2, nn.Linear(2, 2), "1h", {},
                   optim.SGD({tensor.zeros(1):requires_grad()}, {lr = 0.1})}
local function plausibleArg() return plausible[math.random(#plausible)] end

local manifests = {["nn.define"] = true, ["plugins.register"] = true, ["metrics.configure"] = true}

local outcomes = {ok = 0, error = 0}
local function record(name, ok, err)
  if ok then outcomes.ok = outcomes.ok + 1 return end
  outcomes.error = outcomes.error + 1
  -- An error is a value with a message, never nothing.
  if err == nil or (type(err) == "string" and #err == 0) then
    error(name .. " raised an empty error", 0)
  end
end

local function packed(...) return {n = select("#", ...), ...} end

-- One call, made directly, in a coroutine, or from inside a metamethod.
local function callIn(way, f, args)
  if way == 1 then
    return pcall(f, table.unpack(args, 1, args.n))
  elseif way == 2 then
    return pcall(coroutine.wrap(function() return f(table.unpack(args, 1, args.n)) end))
  elseif way == 3 then
    local probe = setmetatable({}, {__tostring = function() f(table.unpack(args, 1, args.n)) return "probe" end})
    return pcall(tostring, probe)
  else
    local probe = setmetatable({}, {__index = function() return f(table.unpack(args, 1, args.n)) end})
    return pcall(function() return probe.anything end)
  end
end

local list = functions()
t.test("every module function is reached", function()
  t.truthy(#list > 200, "functions and methods found: " .. #list)
end)

local function positional()
  for round = 1, rounds do
    local entry = list[math.random(#list)]
    local args = {n = math.random(0, 4)}
    for i = 1, args.n do args[i] = math.random(3) == 1 and plausibleArg() or any() end
    local ok, err = callIn(math.random(4), entry.f, args)
    record(entry.name, ok, err)
    if round % 500 == 0 then tensor.set_grad_enabled(true) end
  end
end

local function options()
  local checked = 0
  for _, entry in ipairs(list) do
    for _, key in ipairs(optionKeys(entry.doc or opslab.doc(entry.f))) do
      for _, value in ipairs(numbers) do
        for position = 1, 3 do
          local args = {n = position}
          for i = 1, position - 1 do args[i] = plausibleArg() end
          args[position] = {[key] = value}
          record(entry.name, callIn(1 + checked % 4, entry.f, args))
          checked = checked + 1
        end
      end
      -- and values of every other type
      for _, value in ipairs{true, "x", {}, tensor.zeros(1), function() end} do
        record(entry.name, callIn(1, entry.f, {n = 1, {[key] = value}}))
      end
    end
  end
  tensor.set_grad_enabled(true)
  return checked
end

local function counts()
  for _, count in ipairs{0, 200, 10000} do
    for _, entry in ipairs(list) do
      local args = {n = count}
      for i = 1, count do args[i] = (i % 2 == 0) and 1 or tensor.ones(1) end
      record(entry.name, callIn(count == 10000 and 1 or 2, entry.f, args))
    end
  end
  tensor.set_grad_enabled(true)
end

if capped then
  -- A child run (below): the heap is filled to just under its cap, so most
  -- calls meet "not enough memory" somewhere. Only surviving counts here;
  -- then the hog goes and the cap must still hold.
  hog = {}
  pcall(function() for i = 1, 1e8 do hog[i] = {i} end end)
  for _ = 1, 2000 do hog[#hog] = nil end
  pcall(positional)
  pcall(options)
  pcall(counts)
  hog = nil
  collectgarbage()
  t.test("the cap holds after fuzzing at the cap", function()
    local ok, err = pcall(function() local big = {} for i = 1, 1e8 do big[i] = {i} end end)
    t.eq(ok, false, "allocating past the cap")
    t.truthy(tostring(err):find("not enough memory", 1, true), "error: " .. tostring(err))
  end)
else
  t.test("hostile positional arguments", positional)
  t.test("hostile values for every documented option key", function()
    local checked = options()
    t.truthy(checked > 1000, "option calls: " .. checked)
  end)
  t.test("0, 200 and 10,000 arguments", counts)
  t.test("every function that documents options refuses an unknown one", function()
    local missing, checked = {}, 0
    for _, entry in ipairs(list) do
      -- Only option tables in the signature (not selectors in examples, not
      -- the table a function returns), and not manifests or a plugin's own
      -- settings, whose keys are the plugin's.
      local signature = ((entry.doc or opslab.doc(entry.f) or ""):match("^[^\n]*")):gsub("%->.*", "")
      local keys = optionKeys(signature)
      if #keys > 0 and not manifests[entry.name] then
        -- The options table goes where the doc puts it; plausible arguments
        -- before it. Some position must give "unknown option".
        local refused = false
        checked = checked + 1
        for position = 1, 4 do
          for _, filler in ipairs(plausible) do
            local args = {n = position}
            for i = 1, position - 1 do args[i] = filler end
            args[position] = {[keys[1]] = nil, no_such_option = 1}
            local ok, err = pcall(entry.f, table.unpack(args, 1, args.n))
            if not ok and (tostring(err):find("unknown option 'no_such_option'", 1, true)
                           or tostring(err):find("expected at most", 1, true)) then refused = true end
          end
        end
        if not refused then missing[#missing + 1] = entry.name end
      end
    end
    tensor.set_grad_enabled(true)
    t.eq(table.concat(missing, ", "), "", "functions that ignore unknown options")
    t.truthy(checked >= 15, "functions with options in their signature: " .. checked)
  end)
  if os.getenv("OPSLAB") then
    t.test("the same with the heap at its cap", function()
      local command = string.format(
        "OPSLAB_LUA_MEMORY_MB=96 OPSLAB_FUZZ_ROUNDS=1500 %q run --no-init Tests/lua/fuzz_test.lua capped 2>&1",
        os.getenv("OPSLAB"))
      local pipe = assert(io.popen(command))
      local output = pipe:read("a")
      local ok, how, code = pipe:close()
      t.truthy(ok, "capped run ended by " .. tostring(how) .. " " .. tostring(code) .. ": " .. output:sub(-400))
    end)
  end
end

t.test("the state still works", function()
  t.eq(tensor{1, 2}:sum():item(), 3)
  t.eq(nn.Linear(2, 3)(tensor.ones(4, 2)):size(1), 4)
  t.truthy(outcomes.error > 100 and outcomes.ok > 100, "errors " .. outcomes.error .. ", results " .. outcomes.ok)
end)

print(string.format("fuzz: %d functions and methods, %d calls returned, %d raised (seed %d%s)",
  #list, outcomes.ok, outcomes.error, seed, capped and ", heap at its cap" or ""))
t.finish()
