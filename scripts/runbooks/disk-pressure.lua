-- Frees space on a filling filesystem by removing files older than `days`
-- under `path` that match `pattern`. The first two steps only look, so a
-- dry run lists the files it would remove with their sizes and the space
-- that would be freed. Removal has no undo (deleted files are gone), which
-- is why the run needs --yes and why it never leaves `path`'s filesystem.
local function df(ctx, path)
  local out = ctx.sh{"df", "-P", "-k", path, readonly = true, quiet = true}.stdout
  local line = out:match("\n([^\n]+)")
  local size, used, avail, pct = line:match("^%S+%s+(%d+)%s+(%d+)%s+(%d+)%s+(%d+)%%")
  return {size_kb = tonumber(size), used_kb = tonumber(used), avail_kb = tonumber(avail), used_pct = tonumber(pct)}
end

local function human(bytes)
  local units = {"B", "KiB", "MiB", "GiB", "TiB"}
  local i = 1
  while bytes >= 1024 and i < #units do bytes = bytes / 1024; i = i + 1 end
  return string.format(i == 1 and "%d %s" or "%.1f %s", bytes, units[i])
end

return {
  kind = "runbook", name = "disk-pressure", version = "1.0.0",
  description = "Find and remove stale files when a filesystem fills",
  permissions = { "exec", "fs.read" },
  mutates = true,
  params = {
    path = { type = "string", required = true, doc = "directory to clean" },
    days = { type = "integer", default = 7, doc = "remove files last modified more than this many days ago" },
    pattern = { type = "string", default = "*", doc = "file name pattern (find -name), e.g. *.log" },
  },
  steps = {
    { name = "measure", readonly = true, run = function(ctx)
        local p = ctx.params
        if p.days < 0 or p.days > 36500 then error("days must be from 0 to 36500, got " .. p.days) end
        local before = df(ctx, p.path)
        ctx.state.before = before
        ctx.log(string.format("%s: %d%% used, %s free", p.path, before.used_pct, human(before.avail_kb * 1024)))
      end },
    { name = "find", readonly = true, run = function(ctx)
        local p = ctx.params
        local out = ctx.sh{"find", p.path, "-xdev", "-type", "f", "-name", p.pattern, "-mtime", "+" .. p.days,
                           "-printf", "%s %p\\n", readonly = true, quiet = true}.stdout
        local files, total = {}, 0
        for size, file in out:gmatch("(%d+) ([^\n]+)") do
          files[#files + 1] = file
          total = total + tonumber(size)
          if ctx.dry_run then ctx.log(string.format("%10s  %s", human(tonumber(size)), file)) end
        end
        ctx.state.files, ctx.state.bytes = files, total
        ctx.log(string.format("%d files older than %d days matching %s: %s", #files, p.days, p.pattern, human(total)))
      end },
    { name = "clean", timeout = "10m", run = function(ctx)
        local files = ctx.state.files
        for first = 1, #files, 200 do
          local batch = {"rm", "-f", "--"}
          for i = first, math.min(first + 199, #files) do batch[#batch + 1] = files[i] end
          ctx.sh(batch)
        end
        ctx.log(string.format("%s %d files (%s)", ctx.dry_run and "would remove" or "removed", #files, human(ctx.state.bytes)))
      end },
    { name = "verify", readonly = true, run = function(ctx)
        local after = df(ctx, ctx.params.path)
        local before = ctx.state.before
        ctx.log(string.format("free before %s, after %s; %d%% used", human(before.avail_kb * 1024),
                              human(after.avail_kb * 1024), after.used_pct))
        if not ctx.dry_run then
          for _, file in ipairs(ctx.state.files) do
            local f = io.open(file, "r")
            if f then f:close(); error("still present after clean: " .. file) end
          end
        end
      end },
  },
}
