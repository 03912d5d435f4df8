-- A first look at a node that pages: CPU load, memory, pressure stall
-- information, disks, network errors and the busiest processes, with the
-- findings that need attention collected into one report at the end.
-- Nothing here changes the machine. `proc` points at another /proc (a copy
-- taken from a sick machine, or a faked one in tests).
local function read(path)
  local f = io.open(path, "r")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

local function finding(ctx, text)
  local list = ctx.state.findings
  list[#list + 1] = text
  ctx.log("WARN " .. text)
end

return {
  kind = "runbook", name = "node-triage", version = "1.0.0",
  description = "CPU, memory, pressure, disks, network and top processes in one report",
  permissions = { "exec", "fs.read" },
  params = {
    proc = { type = "string", default = "/proc", doc = "the proc filesystem to read" },
    disk_percent = { type = "integer", default = 90, doc = "flag filesystems used more than this" },
    top = { type = "integer", default = 5, doc = "how many processes to list" },
  },
  steps = {
    { name = "cpu", readonly = true, run = function(ctx)
        ctx.state.findings = {}
        local proc = ctx.params.proc
        local load = read(proc .. "/loadavg") or error("cannot read " .. proc .. "/loadavg")
        local one, five, fifteen = load:match("^(%S+) (%S+) (%S+)")
        local cpus = 0
        for line in (read(proc .. "/cpuinfo") or ""):gmatch("[^\n]+") do
          if line:match("^processor%s*:") then cpus = cpus + 1 end
        end
        cpus = math.max(cpus, 1)
        ctx.log(string.format("load %s %s %s on %d CPUs", one, five, fifteen, cpus))
        if tonumber(five) > cpus then finding(ctx, string.format("5-minute load %s exceeds %d CPUs", five, cpus)) end
      end },
    { name = "memory", readonly = true, run = function(ctx)
        local info = read(ctx.params.proc .. "/meminfo") or error("cannot read meminfo")
        local total = tonumber(info:match("MemTotal:%s*(%d+)"))
        local available = tonumber(info:match("MemAvailable:%s*(%d+)"))
        local percent = available / total * 100
        ctx.log(string.format("memory: %.0f MiB available of %.0f MiB (%.0f%%)", available / 1024, total / 1024, percent))
        if percent < 10 then finding(ctx, string.format("only %.0f%% of memory available", percent)) end
      end },
    { name = "pressure", readonly = true, run = function(ctx)
        for _, resource in ipairs({"cpu", "memory", "io"}) do
          local text = read(ctx.params.proc .. "/pressure/" .. resource)
          if text then
            local some = tonumber(text:match("some avg10=([%d.]+)"))
            ctx.log(string.format("%s pressure: some avg10=%.2f%%", resource, some))
            if some > 10 then finding(ctx, string.format("%s pressure %.1f%% over the last 10 s", resource, some)) end
          else
            ctx.log(resource .. " pressure: not available (kernel without PSI)")
          end
        end
      end },
    { name = "disks", readonly = true, run = function(ctx)
        local out = ctx.sh{"df", "-P", "-k", "-x", "tmpfs", "-x", "devtmpfs", "-x", "overlay", readonly = true,
                           quiet = true, check = false}.stdout
        for mount_line in out:gmatch("[^\n]+") do
          local pct, mount = mount_line:match("(%d+)%%%s+(.+)$")
          if pct and tonumber(pct) > ctx.params.disk_percent then
            finding(ctx, string.format("%s is %s%% full", mount, pct))
          end
        end
      end },
    { name = "network", readonly = true, run = function(ctx)
        local dev = read(ctx.params.proc .. "/net/dev") or ""
        for line in dev:gmatch("[^\n]+") do
          local name, rest = line:match("^%s*([^:%s]+):%s*(.+)$")
          if name and name ~= "lo" then
            local f = {}
            for n in rest:gmatch("%d+") do f[#f + 1] = tonumber(n) end
            local errors, drops = f[3] + f[11], f[4] + f[12]
            ctx.log(string.format("%s: rx %d bytes, tx %d bytes, %d errors, %d drops", name, f[1], f[9], errors, drops))
            if errors > 0 then finding(ctx, string.format("%s has %d receive/transmit errors", name, errors)) end
          end
        end
      end },
    { name = "processes", readonly = true, run = function(ctx)
        local out = ctx.sh{"ps", "-eo", "pid,pcpu,pmem,comm", "--sort=-pcpu", readonly = true, quiet = true}.stdout
        local shown = 0
        for line in out:gmatch("[^\n]+") do
          if shown > ctx.params.top then break end
          ctx.log(line)
          shown = shown + 1
        end
      end },
    { name = "report", readonly = true, run = function(ctx)
        local findings = ctx.state.findings
        if #findings == 0 then
          ctx.log("nothing needs attention")
        else
          ctx.log(#findings .. " findings:")
          for i, text in ipairs(findings) do ctx.log(string.format("  %d. %s", i, text)) end
        end
      end },
  },
}
