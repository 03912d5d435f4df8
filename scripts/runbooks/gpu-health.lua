-- GPU health from nvidia-smi and the kernel log: temperatures, uncorrected
-- ECC errors, throttle reasons, and Xid errors. Ends with a recommendation;
-- the run fails (exit 1) when the node should be drained, so that whatever
-- started it (an alert, a scheduler hook) can act on the exit status.
local THROTTLE = {  -- nvmlClocksThrottleReasons bits
  [0x4] = "software power cap", [0x8] = "hardware slowdown", [0x20] = "software thermal slowdown",
  [0x40] = "hardware thermal slowdown", [0x80] = "hardware power brake",
}
local SERIOUS = { [0x8] = true, [0x40] = true, [0x80] = true }
-- Xid codes that mean the GPU or its memory cannot be trusted until reset or replaced.
local CRITICAL_XID = { [48] = "double-bit ECC error", [63] = "ECC page retirement or row remap", [64] = "row remap failure",
                       [74] = "NVLink error", [79] = "GPU has fallen off the bus", [92] = "high single-bit ECC rate",
                       [94] = "contained ECC error", [95] = "uncontained ECC error" }

local function drain(ctx, reason)
  local list = ctx.state.drain
  list[#list + 1] = reason
  ctx.log("DRAIN " .. reason)
end

return {
  kind = "runbook", name = "gpu-health", version = "1.0.0",
  description = "nvidia-smi temperatures, ECC errors, throttling and Xid errors; recommends a drain",
  permissions = { "exec", "fs.read" },
  params = {
    max_temp = { type = "integer", default = 85, doc = "flag GPUs hotter than this (degrees C)" },
    kernel_log = { type = "string", default = "", doc = "a file to read Xid errors from (default: dmesg)" },
    nvidia_smi = { type = "string", default = "nvidia-smi", doc = "the nvidia-smi to run" },
  },
  steps = {
    { name = "query", readonly = true, timeout = "30s", run = function(ctx)
        ctx.state.drain = {}
        local out = ctx.sh{ctx.params.nvidia_smi,
          "--query-gpu=index,name,temperature.gpu,ecc.errors.uncorrected.volatile.total,clocks_throttle_reasons.active",
          "--format=csv,noheader,nounits", quiet = true}.stdout
        local gpus = 0
        for line in out:gmatch("[^\n]+") do
          local f = {}
          for field in (line .. ","):gmatch("%s*(.-)%s*,") do f[#f + 1] = field end
          local index, name, temp, ecc, reasons = f[1], f[2], tonumber(f[3]), tonumber(f[4]), tonumber(f[5] or "")
          gpus = gpus + 1
          local throttled = {}
          for bit, what in pairs(THROTTLE) do
            if reasons and reasons & bit ~= 0 then
              throttled[#throttled + 1] = what
              if SERIOUS[bit] then drain(ctx, string.format("GPU %s: %s", index, what)) end
            end
          end
          table.sort(throttled)
          ctx.log(string.format("GPU %s %s: %s C, uncorrected ECC %s, throttle: %s", index, name, f[3], f[4],
                                #throttled > 0 and table.concat(throttled, ", ") or "none"))
          if temp and temp > ctx.params.max_temp then
            ctx.log(string.format("WARN GPU %s at %d C (over %d)", index, temp, ctx.params.max_temp))
          end
          if ecc and ecc > 0 then drain(ctx, string.format("GPU %s: %d uncorrected ECC errors", index, ecc)) end
        end
        if gpus == 0 then error("nvidia-smi listed no GPUs") end
      end },
    { name = "xid", readonly = true, run = function(ctx)
        local text
        if ctx.params.kernel_log ~= "" then
          local f = io.open(ctx.params.kernel_log, "r") or error("cannot read " .. ctx.params.kernel_log)
          text = f:read("a")
          f:close()
        else
          text = ctx.sh{"dmesg", readonly = true, quiet = true, check = false}.stdout
        end
        local seen = 0
        for pci, code in text:gmatch("NVRM: Xid %(PCI:([%x:.]+)%): (%d+)") do
          seen = seen + 1
          local what = CRITICAL_XID[tonumber(code)]
          if what then drain(ctx, string.format("Xid %s on %s: %s", code, pci, what)) else ctx.log("Xid " .. code .. " on " .. pci) end
        end
        ctx.log(seen .. " Xid errors in the kernel log")
      end },
    { name = "recommend", readonly = true, run = function(ctx)
        local reasons = ctx.state.drain
        if #reasons == 0 then
          ctx.log("healthy: no drain needed")
          return
        end
        error("drain recommended: " .. table.concat(reasons, "; "))
      end },
  },
}
