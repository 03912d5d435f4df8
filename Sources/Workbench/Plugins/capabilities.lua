-- Runs with the host's globals; adds each capability a plugin was granted to
-- its sandbox `env`.
local env, granted = ...
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
