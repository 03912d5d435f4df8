-- The sandbox factory: called once with the pristine globals, before user
-- code runs, it returns the function that builds each sandbox's _ENV.
-- Left out on purpose: io, os.execute/getenv/exit/remove/rename, require,
-- package, debug, dofile, loadfile, collectgarbage, string.dump, and
-- getmetatable on non-tables (the string metatable leads to the host's
-- `string` table).
local G = ...
local pairs, ipairs, type, getmetatable, load = G.pairs, G.ipairs, G.type, G.getmetatable, G.load
local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end
local names = { "assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal",
  "rawget", "rawlen", "rawset", "select", "setmetatable", "tonumber", "tostring", "type",
  "xpcall", "_VERSION", "warn" }
local libraries = { "string", "table", "math", "utf8", "coroutine" }
return function(grants)
  local env = {}
  for _, name in ipairs(names) do env[name] = G[name] end
  for _, lib in ipairs(libraries) do env[lib] = copy(G[lib]) end
  env.string.dump = nil
  env.os = { clock = G.os.clock, time = G.os.time, date = G.os.date, difftime = G.os.difftime }
  env.getmetatable = function(v)
    if type(v) ~= "table" then return nil end
    return getmetatable(v)
  end
  env.load = function(chunk, name, mode, e)
    if mode ~= nil and mode ~= "t" then
      return nil, "load: binary chunks are not allowed in a sandbox"
    end
    if e == nil then e = env end
    return load(chunk, name, "t", e)
  end
  env._G = env
  for key, value in pairs(grants or {}) do
    if type(value) == "table" and type(env[key]) == "table" then
      for k, v in pairs(value) do env[key][k] = v end
    elseif type(value) == "table" and getmetatable(value) == nil then
      env[key] = copy(value)
    else
      env[key] = value
    end
  end
  return env
end
