-- Posts notifications to a Slack incoming webhook, in the message shape
-- Alertmanager's slack_configs sends by default: a colour-coded attachment
-- titled "[FIRING:2] DiskFull" with one line per alert. In alertmanager.yml:
--   opslab_configs: [{sink: slack, options: {url: "https://hooks.slack.com/services/...", channel: "#ops"}}]
-- A 4xx answer (a revoked or mistyped webhook) is a dead letter; other
-- failures are retried.

local function title(n)
  local count = 0
  for _, a in ipairs(n.alerts) do if a.status == n.status then count = count + 1 end end
  local name = n.groupLabels.alertname or n.commonLabels.alertname or n.groupKey
  return string.format("[%s:%d] %s", n.status:upper(), count, name)
end

return {
  kind = "sink", name = "slack", version = "1.0.0",
  description = "Slack incoming-webhook messages, shaped as Alertmanager's slack_configs",
  permissions = { "net" },
  hosts = { "hooks.slack.com", "127.0.0.1", "localhost" },

  send = function(ctx, n)
    local url = ctx.options.url
    if type(url) ~= "string" then return false, "options.url (the incoming webhook) is not set" end
    local lines = {}
    for _, a in ipairs(n.alerts) do
      lines[#lines + 1] = string.format("*%s* %s", a.status, a.annotations.summary or a.labels.alertname or "")
    end
    local message = {
      channel = ctx.options.channel,
      username = ctx.options.username or "opslab",
      attachments = { {
        color = n.status == "firing" and "danger" or "good",
        title = title(n),
        text = table.concat(lines, "\n"),
        fallback = title(n),
      } },
    }
    local response = http.post(url, json.encode(message), { timeout = 4 })
    if response.status >= 400 and response.status < 500 and response.status ~= 429 then
      return false, "Slack answered " .. response.status .. ": " .. response.body:sub(1, 200)
    end
    if response.status >= 300 then error("Slack answered " .. response.status, 0) end
  end,
}
