-- A JSON encoder for the results of the PyTorch comparisons (run_cases.lua,
-- nn_reference.lua, nn_interop.lua), which Python reads with json.load. Numbers keep 17
-- significant digits, so a float32 value survives exactly; nan and the
-- infinities become NaN and Infinity, which Python's json accepts. A table
-- is an array when it has a [1] or is empty, else an object with sorted keys.
local json = {}

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ({ ['"'] = '\\"', ['\\'] = '\\\\', ['\n'] = '\\n', ['\t'] = '\\t' })[c]
      or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function encode(v, out)
  local kind = type(v)
  if kind == "table" then
    if v[1] ~= nil or next(v) == nil then
      out[#out + 1] = "["
      for i, item in ipairs(v) do
        if i > 1 then out[#out + 1] = "," end
        encode(item, out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for key in pairs(v) do keys[#keys + 1] = tostring(key) end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, key in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = quote(key) .. ":"
        encode(v[key], out)
      end
      out[#out + 1] = "}"
    end
  elseif kind == "number" then
    if v ~= v then out[#out + 1] = "NaN"
    elseif v == math.huge then out[#out + 1] = "Infinity"
    elseif v == -math.huge then out[#out + 1] = "-Infinity"
    else out[#out + 1] = string.format("%.17g", v) end
  elseif kind == "string" then
    out[#out + 1] = quote(v)
  elseif kind == "boolean" then
    out[#out + 1] = tostring(v)
  else
    out[#out + 1] = "null"
  end
  return out
end

-- Writes `value` as JSON to the file at `path`.
function json.write(path, value)
  local file = assert(io.open(path, "w"))
  file:write(table.concat(encode(value, {})))
  file:close()
end

-- Every element of a tensor in row-major order, whatever its rank.
function json.flat(t) return t:reshape(-1):tolist() end

return json
