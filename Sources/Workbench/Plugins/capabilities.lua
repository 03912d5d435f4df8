-- Runs with the host's globals; adds each capability a plugin was granted to
-- its sandbox `env`. `hosts` is the manifest's list of where `net` may connect.
local env, granted, hosts = ...
local set = {}
for _, p in ipairs(granted) do set[p] = true end
local realopen = io.open
env.io = env.io or {}
env.os = env.os or {}
if set["fs.read"] or set["fs.write"] then
  env.io.lines = io.lines
  env.io.type = io.type
end
if set["fs.write"] then
  env.io.open = realopen
  env.os.remove, env.os.rename, env.os.tmpname = os.remove, os.rename, os.tmpname
elseif set["fs.read"] then
  env.io.open = function(path, mode)
    mode = mode or "r"
    if mode ~= "r" and mode ~= "rb" then
      error("io.open: mode '" .. tostring(mode) .. "' needs the fs.write permission", 2)
    end
    return realopen(path, mode)
  end
end
if set["exec"] then
  env.os.execute = os.execute
  env.io.popen = io.popen
end
if set["env"] then env.os.getenv = os.getenv end
if set["net"] then
  -- Every request goes through the host check in http.request; the plugin
  -- holds neither the unchecked function nor the list it is checked against.
  local request, allowed = http.request, { table.unpack(hosts) }
  local function with(url, options, extra)
    if options ~= nil and type(options) ~= "table" then error("http: options must be a table", 3) end
    local o = {}
    for k, v in pairs(options or {}) do o[k] = v end
    for k, v in pairs(extra) do o[k] = v end
    o.url = url
    return request(o, allowed)
  end
  env.http = setmetatable({}, { __index = {
    request = function(options)
      if type(options) ~= "table" then error("http.request: argument #1 expected table, got " .. type(options), 2) end
      return with(options.url, options, {})
    end,
    get = function(url, options) return with(url, options, { method = "GET" }) end,
    post = function(url, body, options) return with(url, options, { method = "POST", body = body }) end,
  }, __newindex = function() error("http is read-only", 2) end, __metatable = false })
end
