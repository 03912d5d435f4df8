-- Appends each alert notification as one JSON object per line to a file,
-- for audit trails and for tools that tail a log. The path comes from the
-- sink's `path` option or $OPSLAB_ALERT_LOG. In an alertmanager.yml:
--   opslab_configs: [{sink: jsonl_file, options: {path: /var/log/alerts.jsonl}}]

local function encode(value, depth)
  depth = depth or 0
  if depth > 32 then error("notification nests too deeply", 0) end
  local t = type(value)
  if t == "nil" then return "null" end
  if t == "boolean" then return tostring(value) end
  if t == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    return math.type(value) == "integer" and tostring(value) or string.format("%.17g", value)
  end
  if t == "string" then
    return '"' .. value:gsub('[%c"\\]', function(c)
      local named = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
      return named[c] or string.format("\\u%04x", c:byte())
    end) .. '"'
  end
  if t == "table" then
    if #value > 0 or next(value) == nil then
      local items = {}
      for i = 1, #value do items[i] = encode(value[i], depth + 1) end
      return "[" .. table.concat(items, ",") .. "]"
    end
    local keys = {}
    for k in pairs(value) do
      if type(k) ~= "string" then error("object keys must be strings, got " .. type(k), 0) end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    local items = {}
    for i, k in ipairs(keys) do items[i] = encode(k) .. ":" .. encode(value[k], depth + 1) end
    return "{" .. table.concat(items, ",") .. "}"
  end
  error("cannot encode a " .. t .. " as JSON", 0)
end

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
    local line = encode(notification) .. "\n"
    local file, err = io.open(path, "a")
    if not file then error("cannot open " .. path .. ": " .. tostring(err), 0) end
    local ok, werr = file:write(line)
    file:close()
    if not ok then error("cannot write " .. path .. ": " .. tostring(werr), 0) end
    return #line
  end,
}
