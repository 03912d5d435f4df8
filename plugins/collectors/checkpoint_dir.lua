-- Size, age and count of model checkpoints in a directory, so an alert can
-- fire when training stops writing them. The directory comes from the
-- collector options (metrics.configure("checkpoint_dir", {dir = ...}), seen
-- here as ctx.options.dir) or $OPSLAB_CHECKPOINT_DIR; without one it reports nothing.

local PATTERNS = { "*.safetensors", "*.pt", "*.ckpt", "*.bin" }

-- Single-quote a string for /bin/sh.
local function shell_quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function find_checkpoints(dir)
  local names = {}
  for _, pattern in ipairs(PATTERNS) do
    names[#names + 1] = "-name " .. shell_quote(pattern)
  end
  local command = string.format("find %s -maxdepth 2 -type f \\( %s \\) -printf '%%T@ %%s\\n' 2>/dev/null",
    shell_quote(dir), table.concat(names, " -o "))
  local pipe = io.popen(command)
  if not pipe then return nil, "cannot run find" end
  local files = {}
  for line in pipe:lines() do
    local mtime, size = line:match("^(%S+) (%d+)$")
    if mtime then files[#files + 1] = { mtime = tonumber(mtime), size = tonumber(size) } end
  end
  pipe:close()
  return files
end

return {
  kind = "collector",
  name = "checkpoint_dir",
  version = "1.0.0",
  description = "Size, age and count of model checkpoints in a directory",
  permissions = { "exec", "env" },
  interval = "30s",

  collect = function(ctx)
    local dir = (ctx and ctx.options and ctx.options.dir) or os.getenv("OPSLAB_CHECKPOINT_DIR")
    -- Unconfigured is not a failure: most hosts train nothing.
    if not dir or dir == "" then return {} end
    local files = assert(find_checkpoints(dir))
    local labels = { dir = dir }
    local samples = { { name = "checkpoint_files", value = #files, labels = labels } }
    local newest
    for _, f in ipairs(files) do
      if not newest or f.mtime > newest.mtime then newest = f end
    end
    if newest then
      local now = (ctx and ctx.now) or os.time()
      samples[#samples + 1] = { name = "checkpoint_newest_bytes", value = newest.size, labels = labels }
      samples[#samples + 1] = { name = "checkpoint_newest_age_seconds", value = math.max(0, now - newest.mtime), labels = labels }
    end
    return samples
  end,
}
