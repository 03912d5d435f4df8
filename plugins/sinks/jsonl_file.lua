-- Appends each alert notification as one JSON object per line to a file,
-- for audit trails and for tools that tail a log. The path comes from the
-- sink's `path` option or $OPSLAB_ALERT_LOG. In an alertmanager.yml:
--   opslab_configs: [{sink: jsonl_file, options: {path: /var/log/alerts.jsonl}}]

return {
  kind = "sink",
  name = "jsonl_file",
  version = "1.0.0",
  description = "Appends notifications as JSON lines to a file",
  permissions = { "fs.write", "env" },

  send = function(ctx, notification)
    local path = (ctx.options and ctx.options.path) or os.getenv("OPSLAB_ALERT_LOG")
    if not path or path == "" then
      error("no log file: set options.path or $OPSLAB_ALERT_LOG", 0)
    end
    local line = json.encode(notification, { nan = "null" }) .. "\n"
    local file, err = io.open(path, "a")
    if not file then error("cannot open " .. path .. ": " .. tostring(err), 0) end
    local ok, werr = file:write(line)
    file:close()
    if not ok then error("cannot write " .. path .. ": " .. tostring(werr), 0) end
    return #line
  end,
}
