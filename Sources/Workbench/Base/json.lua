-- json: encode and decode for the shell and for plugins (every sandbox sees
-- it). Written in Lua so that a plugin's values never cross into Swift and
-- back; the output is stable (object keys sorted) so that files diff well.
local json = {}
local concat, format, byte, char, sub, find = table.concat, string.format, string.byte, string.char, string.sub, string.find
local mtype, huge, tointeger = math.type, math.huge, math.tointeger

-- The value `null` decodes to, and encodes from: a table of its own that
-- nothing can change.
json.null = setmetatable({}, {
  __tostring = function() return "json.null" end,
  __newindex = function() error("json.null is read-only", 2) end,
  __metatable = false,
})

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
local function quote(s)
  if not utf8.len(s) then error("json.encode: string is not valid UTF-8", 0) end
  return '"' .. s:gsub('[%c"\\]', function(c) return escapes[c] or format("\\u%04x", byte(c)) end) .. '"'
end

local encode_options = { indent = true, nan = true, empty = true, max_depth = true }

--- json.encode(value [, {indent = 2, nan = "error"|"null", empty = "object"|"array", max_depth = 100}]) -> string
function json.encode(value, options)
  options = options or {}
  if type(options) ~= "table" then error("json.encode: argument #2 expected a table of options, got " .. type(options), 2) end
  for k in pairs(options) do
    if not encode_options[k] then error("json.encode: unknown option '" .. tostring(k) .. "'", 2) end
  end
  local indent = options.indent
  if indent == true then indent = 2 end
  if indent ~= nil and indent ~= false and (mtype(indent) ~= "integer" or indent < 0 or indent > 16) then
    error("json.encode: option 'indent' must be an integer from 0 to 16, got " .. tostring(indent), 2)
  end
  indent = indent and indent > 0 and indent or nil
  local nan = options.nan or "error"
  if nan ~= "error" and nan ~= "null" then error("json.encode: option 'nan' must be \"error\" or \"null\"", 2) end
  local empty = options.empty or "object"
  if empty ~= "object" and empty ~= "array" then error("json.encode: option 'empty' must be \"object\" or \"array\"", 2) end
  local max_depth = options.max_depth or 100
  if mtype(max_depth) ~= "integer" or max_depth < 1 or max_depth > 10000 then
    error("json.encode: option 'max_depth' must be an integer from 1 to 10000, got " .. tostring(max_depth), 2)
  end

  local out, n = {}, 0
  local function put(s) n = n + 1; out[n] = s end
  local function newline(depth)
    if indent then put("\n" .. string.rep(" ", indent * depth)) end
  end
  -- Where the value being written sits, as keys from the root; the path
  -- text is built only for an error message, not for every value written.
  local trail = {}
  local function where()
    local parts = { "value" }
    for i, key in ipairs(trail) do
      parts[i + 1] = math.type(key) == "integer" and ("[" .. key .. "]") or ("." .. key)
    end
    return concat(parts)
  end
  local function write(v, depth)
    local t = type(v)
    if v == json.null or t == "nil" then put("null")
    elseif t == "boolean" then put(tostring(v))
    elseif t == "number" then
      if v ~= v or v == huge or v == -huge then
        if nan == "null" then put("null") else error("json.encode: " .. where() .. " is " .. tostring(v) .. ", which JSON cannot hold (nan = \"null\" writes null)", 0) end
      elseif mtype(v) == "integer" then put(format("%d", v))
      else
        local text = format("%.17g", v)
        -- The shortest text that reads back as the same number.
        for digits = 1, 16 do
          local shorter = format("%." .. digits .. "g", v)
          if tonumber(shorter) == v then text = shorter break end
        end
        if not find(text, "[.eEn]") then text = text .. ".0" end
        put(text)
      end
    elseif t == "string" then put(quote(v))
    elseif t == "table" then
      if depth >= max_depth then error("json.encode: " .. where() .. " nests deeper than " .. max_depth .. " (a cycle?)", 0) end
      local count, keys = 0, {}
      for k in pairs(v) do
        count = count + 1
        keys[count] = k
      end
      local is_array = count > 0
      for i = 1, count do
        local k = keys[i]
        if mtype(k) ~= "integer" or k < 1 or k > count then is_array = false break end
      end
      if count == 0 then
        put(empty == "array" and "[]" or "{}")
      elseif is_array then
        put("[")
        for i = 1, count do
          if i > 1 then put(",") end
          newline(depth + 1)
          trail[depth + 1] = i
          write(v[i], depth + 1)
          trail[depth + 1] = nil
        end
        newline(depth)
        put("]")
      else
        for i = 1, count do
          if type(keys[i]) ~= "string" then
            error("json.encode: " .. where() .. " mixes keys: object keys must be strings, got " .. type(keys[i]) .. " " .. tostring(keys[i]), 0)
          end
        end
        table.sort(keys)
        put("{")
        for i, k in ipairs(keys) do
          if i > 1 then put(",") end
          newline(depth + 1)
          put(quote(k))
          put(indent and ": " or ":")
          trail[depth + 1] = k
          write(v[k], depth + 1)
          trail[depth + 1] = nil
        end
        newline(depth)
        put("}")
      end
    else
      error("json.encode: " .. where() .. " is a " .. t .. ", which JSON cannot hold", 0)
    end
  end
  write(value, 0)
  return concat(out)
end

local decode_options = { null = true, max_depth = true }

--- json.decode(text [, {null = value, max_depth = 100}]) -> value
function json.decode(text, options)
  if type(text) ~= "string" then error("json.decode: argument #1 expected string, got " .. type(text), 2) end
  options = options or {}
  if type(options) ~= "table" then error("json.decode: argument #2 expected a table of options, got " .. type(options), 2) end
  for k in pairs(options) do
    if not decode_options[k] then error("json.decode: unknown option '" .. tostring(k) .. "'", 2) end
  end
  local null = options.null
  if null == nil then null = json.null end
  local max_depth = options.max_depth or 100
  if mtype(max_depth) ~= "integer" or max_depth < 1 or max_depth > 10000 then
    error("json.decode: option 'max_depth' must be an integer from 1 to 10000, got " .. tostring(max_depth), 2)
  end
  if not utf8.len(text) then error("json.decode: the text is not valid UTF-8", 2) end

  local pos = 1
  local function fail(what)
    local line, last = 1, 1
    for nl in text:sub(1, pos - 1):gmatch("()\n") do line = line + 1; last = nl + 1 end
    error(format("json.decode: %s at line %d, column %d", what, line, pos - last + 1), 0)
  end
  local function skip() pos = find(text, "[^ \t\r\n]", pos) or #text + 1 end
  local value
  local function str()
    local parts, from = {}, pos + 1
    while true do
      local stop = find(text, '["\\%c]', from)
      if not stop then pos = #text + 1 fail("unterminated string") end
      parts[#parts + 1] = sub(text, from, stop - 1)
      local c = sub(text, stop, stop)
      if c == '"' then pos = stop + 1 return concat(parts) end
      if c ~= "\\" then pos = stop fail("control character in a string") end
      local e = sub(text, stop + 1, stop + 1)
      local simple = ({ ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" })[e]
      if simple then
        parts[#parts + 1] = simple
        from = stop + 2
      elseif e == "u" then
        local hex = text:match("^%x%x%x%x", stop + 2)
        if not hex then pos = stop fail("bad \\u escape") end
        local code = tonumber(hex, 16)
        from = stop + 6
        if code >= 0xD800 and code <= 0xDBFF then
          local low = text:match("^\\u(%x%x%x%x)", from)
          low = low and tonumber(low, 16)
          if not low or low < 0xDC00 or low > 0xDFFF then pos = stop fail("unpaired surrogate in a \\u escape") end
          code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
          from = from + 6
        elseif code >= 0xDC00 and code <= 0xDFFF then
          pos = stop fail("unpaired surrogate in a \\u escape")
        end
        parts[#parts + 1] = utf8.char(code)
      else
        pos = stop fail("bad escape \\" .. e)
      end
    end
  end
  local function number()
    local int = text:match("^-?%d+", pos)
    if not int or int:match("^-?0%d") then fail("bad number") end
    local after = pos + #int
    local frac = text:match("^%.%d+", after)
    if not frac and sub(text, after, after) == "." then fail("bad number") end
    after = after + (frac and #frac or 0)
    local exp = text:match("^[eE][-+]?%d+", after)
    if not exp and find(sub(text, after, after), "[eE]") then fail("bad number") end
    after = after + (exp and #exp or 0)
    local token = sub(text, pos, after - 1)
    local n = tonumber(token)
    if n == huge or n == -huge then fail("number '" .. token .. "' out of range") end
    pos = after
    -- Whole numbers in the integer range read as integers, as Lua writes them.
    if not frac and not exp then return tointeger(n) or n end
    return n
  end
  function value(depth)
    skip()
    local c = sub(text, pos, pos)
    if c == "{" or c == "[" then
      if depth >= max_depth then fail("nesting deeper than " .. max_depth) end
      local close = c == "{" and "}" or "]"
      local result, count = {}, 0
      pos = pos + 1
      skip()
      if sub(text, pos, pos) == close then pos = pos + 1 return result end
      while true do
        if c == "{" then
          skip()
          if sub(text, pos, pos) ~= '"' then fail("expected a string key") end
          local key = str()
          skip()
          if sub(text, pos, pos) ~= ":" then fail("expected ':'") end
          pos = pos + 1
          result[key] = value(depth + 1)
        else
          count = count + 1
          result[count] = value(depth + 1)
        end
        skip()
        local sep = sub(text, pos, pos)
        pos = pos + 1
        if sep == close then return result end
        if sep ~= "," then pos = pos - 1 fail("expected ',' or '" .. close .. "'") end
      end
    elseif c == '"' then return str()
    elseif c == "-" or c:match("%d") then return number()
    elseif sub(text, pos, pos + 3) == "true" then pos = pos + 4 return true
    elseif sub(text, pos, pos + 4) == "false" then pos = pos + 5 return false
    elseif sub(text, pos, pos + 3) == "null" then pos = pos + 4 return null
    elseif c == "" then fail("unexpected end")
    else fail("unexpected '" .. c .. "'") end
  end
  local result = value(0)
  skip()
  if pos <= #text then fail("text after the value") end
  return result
end

return json
