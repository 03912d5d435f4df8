-- Probes HTTP endpoints as blackbox_exporter's http module does: for each
-- configured target, probe_success, probe_http_status_code and
-- probe_duration_seconds, labelled by target.
--   metrics.configure("http_probe", {targets = {"https://example.com/healthz"}, timeout = 2})
-- A 2xx or 3xx answer is success (redirects are not followed). Its hosts
-- allow any host: the targets are the operator's to choose.

return {
  kind = "collector", name = "http_probe", version = "1.0.0",
  description = "HTTP status and latency of configured URLs, as blackbox_exporter reports them",
  permissions = { "net" },
  hosts = { "*" },
  interval = "30s",

  collect = function(ctx)
    local targets, timeout = ctx.options.targets or {}, ctx.options.timeout or 2
    if type(targets) ~= "table" then error("options.targets must be a list of URLs", 0) end
    if type(timeout) ~= "number" or timeout ~= timeout or timeout <= 0 or timeout > 4 then
      error("options.timeout must be seconds in (0, 4], within the collector's budget", 0)
    end
    local samples = {}
    for _, target in ipairs(targets) do
      local labels = { target = tostring(target) }
      local ok, response = pcall(http.get, target, { timeout = timeout, max_bytes = 1048576 })
      local success = ok and response.status >= 200 and response.status < 400
      samples[#samples + 1] = { name = "probe_success", value = success and 1 or 0, labels = labels }
      if ok then
        samples[#samples + 1] = { name = "probe_http_status_code", value = response.status, labels = labels }
        samples[#samples + 1] = { name = "probe_duration_seconds", value = response.seconds, labels = labels }
      end
    end
    return samples
  end,
}
