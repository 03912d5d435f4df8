-- Restarts a systemd unit and checks it comes back healthy: active in
-- systemd and passing a health probe within a number of attempts. If it
-- does not, the restart's undo puts the unit back as it was found (started
-- again if it was active, stopped if it was not), and the run fails.
local function state(ctx, unit)
  local out = ctx.sh{ctx.params.systemctl, "show", unit, "--property=LoadState,ActiveState,SubState,MainPID",
                     readonly = true, quiet = true}.stdout
  local s = {}
  for key, value in out:gmatch("(%w+)=([^\n]*)") do s[key] = value end
  return s
end

return {
  kind = "runbook", name = "service-restart", version = "1.0.0",
  description = "systemctl restart with a health probe, put back as it was on failure",
  permissions = { "exec" },
  mutates = true,
  params = {
    unit = { type = "string", required = true, doc = "the systemd unit, e.g. nginx.service" },
    health = { type = "string", default = "", doc = "a shell command that exits 0 when the service is healthy" },
    attempts = { type = "integer", default = 10, doc = "health probes before giving up" },
    interval = { type = "duration", default = "1s", doc = "time between probes" },
    systemctl = { type = "string", default = "systemctl", doc = "the systemctl to run" },
  },
  steps = {
    { name = "status", readonly = true, run = function(ctx)
        local s = state(ctx, ctx.params.unit)
        if s.LoadState ~= "loaded" then error(ctx.params.unit .. " is not a loaded unit (LoadState=" .. tostring(s.LoadState) .. ")") end
        if ctx.params.attempts < 1 or ctx.params.attempts > 1000 then error("attempts must be from 1 to 1000") end
        ctx.state.before = s
        ctx.log(string.format("%s: %s (%s), main PID %s", ctx.params.unit, s.ActiveState, s.SubState, s.MainPID))
      end },
    { name = "restart", timeout = "2m",
      run = function(ctx) ctx.sh{ctx.params.systemctl, "restart", ctx.params.unit} end,
      undo = function(ctx)
        local verb = ctx.state.before.ActiveState == "active" and "start" or "stop"
        ctx.sh{ctx.params.systemctl, verb, ctx.params.unit}
        ctx.log("put back: " .. verb .. " " .. ctx.params.unit)
      end },
    { name = "probe", readonly = true, run = function(ctx)
        local p = ctx.params
        for attempt = 1, p.attempts do
          local active = ctx.sh{p.systemctl, "is-active", p.unit, quiet = true, check = false}.stdout:match("^%s*(%S*)")
          local healthy = active == "active"
          if healthy and p.health ~= "" then
            healthy = ctx.sh{p.health, shell = true, check = false, quiet = true}.code == 0
          end
          if healthy then
            ctx.log(string.format("healthy after %d probe%s", attempt, attempt == 1 and "" or "s"))
            return
          end
          ctx.log(string.format("probe %d of %d: %s%s", attempt, p.attempts, active,
                                active == "active" and ", health check failing" or ""))
          if attempt < p.attempts then ctx.sh{"sleep", tostring(p.interval), quiet = true} end
        end
        error(p.unit .. " did not become healthy after " .. p.attempts .. " probes")
      end },
  },
}
