-- Evaluates the differential corpus with opslab's tensor module.
--
--   opslab run --no-init Tests/torch/run_cases.lua CASES.json RESULTS.json
--
-- For each case: builds the inputs (all requiring grad), applies the steps,
-- runs backward with the case's output gradient, and writes the forward
-- value and every input's gradient (zeros when it got none). A case that
-- raises is recorded with its error, so one bad op cannot hide the rest.
-- Dims and slice bounds in the corpus are already in Lua's 1-based form.
local cases_path, results_path = ...
assert(cases_path and results_path, "usage: run_cases.lua CASES.json RESULTS.json")

-- A small JSON decoder: objects, arrays, numbers, strings without escapes
-- beyond \" and \\, true, false, null. Enough for the generator's output.
local function decode(text)
  local pos = 1
  local function skip() pos = text:find("[^ \t\r\n]", pos) or #text + 1 end
  local value
  local function parse_string()
    local out, i = {}, pos + 1
    while true do
      local c = text:sub(i, i)
      if c == '"' then pos = i + 1; return table.concat(out) end
      if c == "\\" then i = i + 1; c = text:sub(i, i) end
      if c == "" then error("unterminated string") end
      out[#out + 1] = c
      i = i + 1
    end
  end
  function value()
    skip()
    local c = text:sub(pos, pos)
    if c == "{" then
      local obj = {}
      pos = pos + 1; skip()
      if text:sub(pos, pos) == "}" then pos = pos + 1; return obj end
      while true do
        skip()
        local key = parse_string()
        skip(); assert(text:sub(pos, pos) == ":", "expected ':' at " .. pos); pos = pos + 1
        obj[key] = value()
        skip()
        local d = text:sub(pos, pos); pos = pos + 1
        if d == "}" then return obj end
        assert(d == ",", "expected ',' or '}' at " .. pos)
      end
    elseif c == "[" then
      local arr = {}
      pos = pos + 1; skip()
      if text:sub(pos, pos) == "]" then pos = pos + 1; return arr end
      while true do
        arr[#arr + 1] = value()
        skip()
        local d = text:sub(pos, pos); pos = pos + 1
        if d == "]" then return arr end
        assert(d == ",", "expected ',' or ']' at " .. pos)
      end
    elseif c == '"' then
      return parse_string()
    elseif text:sub(pos, pos + 3) == "true" then pos = pos + 4; return true
    elseif text:sub(pos, pos + 4) == "false" then pos = pos + 5; return false
    elseif text:sub(pos, pos + 3) == "null" then pos = pos + 4; return nil
    end
    local s, e = text:find("^-?[%d.]+[eE]?[-+]?%d*", pos)
    assert(s, "unexpected character at " .. pos)
    pos = e + 1
    return tonumber(text:sub(s, e))
  end
  return value()
end

local json = dofile((arg[0]:match("^(.*)/") or ".") .. "/json.lua")
local flat = json.flat

local apply = {
  add = function(x, s) return x[1] + x[2] end,
  sub = function(x, s) return x[1] - x[2] end,
  mul = function(x, s) return x[1] * x[2] end,
  div = function(x, s) return x[1] / x[2] end,
  pow = function(x, s) return x[1] ^ x[2] end,
  maximum = function(x) return x[1]:maximum(x[2]) end,
  minimum = function(x) return x[1]:minimum(x[2]) end,
  matmul = function(x) return x[1]:matmul(x[2]) end,
  add_s = function(x, s) return x[1] + s.s end,
  mul_s = function(x, s) return s.s * x[1] end,
  rsub_s = function(x, s) return s.s - x[1] end,
  rdiv_s = function(x, s) return s.s / x[1] end,
  pow_s = function(x, s) return x[1] ^ s.s end,
  gelu_tanh = function(x) return x[1]:gelu("tanh") end,
  clamp = function(x, s) return x[1]:clamp(s.min, s.max) end,
  softmax = function(x, s) return x[1]:softmax(s.dim) end,
  log_softmax = function(x, s) return x[1]:log_softmax(s.dim) end,
  var = function(x, s) return x[1]:var(s.dim, s.keepdim, s.unbiased) end,
  std = function(x, s) return x[1]:std(s.dim, s.keepdim, s.unbiased) end,
  max = function(x, s) return (x[1]:max(s.dim, s.keepdim)) end,
  min = function(x, s) return (x[1]:min(s.dim, s.keepdim)) end,
  reshape = function(x, s) return x[1]:reshape(s.shape) end,
  transpose = function(x, s) return x[1]:transpose(s.d1, s.d2) end,
  permute = function(x, s) return x[1]:permute(s.dims) end,
  unsqueeze = function(x, s) return x[1]:unsqueeze(s.dim) end,
  squeeze = function(x, s) return x[1]:squeeze(s.dim) end,
  flatten = function(x, s) return x[1]:flatten(s.from, s.to) end,
  expand = function(x, s) return x[1]:expand(s.shape) end,
  slice = function(x, s) return x[1]:slice(s.dim, s.from, s.to, s.step) end,
  select = function(x, s) return x[1]:select(s.dim, s.index) end,
  index_select = function(x, s) return x[1]:index_select(s.dim, s.index) end,
  gather = function(x, s) return x[1]:gather(s.dim, tensor(s.index):reshape(s.index_shape)) end,
  masked_select = function(x) return x[1]:masked_select(x[2]:gt(0)) end,
  narrow = function(x, s) return x[1]:narrow(s.dim, s.start, s.length) end,
  split = function(x, s) return x[1]:split(s.size, s.dim)[s.k] end,
  chunk = function(x, s) return x[1]:chunk(s.n, s.dim)[s.k] end,
  argmax = function(x, s) return x[1]:argmax(s.dim, s.keepdim) end,
  argmin = function(x, s) return x[1]:argmin(s.dim, s.keepdim) end,
  cat = function(x, s) return tensor.cat(x, s.dim) end,
  stack = function(x, s) return tensor.stack(x, s.dim) end,
  where_gt = function(x) return tensor.where(x[1]:gt(0), x[2], x[3]) end,
  tril = function(x, s) return x[1]:tril(s.k) end,
  triu = function(x, s) return x[1]:triu(s.k) end,
}
for _, name in ipairs{"sum", "mean", "logsumexp"} do
  apply[name] = function(x, s) return x[1][name](x[1], s.dim, s.keepdim) end
end
for _, name in ipairs{"neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "silu",
                      "gelu", "contiguous", "t"} do
  apply[name] = function(x) return x[1][name](x[1]) end
end

local function run_case(case)
  local inputs = {}
  for k, spec in ipairs(case.inputs) do
    local t = tensor(spec.data)
    inputs[k] = (#spec.shape == 0 and t:reshape{} or t:reshape(spec.shape)):requires_grad()
  end
  local vals = {}
  for _, step in ipairs(case.steps) do
    if step.op == "input" then
      vals[#vals + 1] = inputs[step.k]
    else
      local fn = apply[step.op] or error("unknown op " .. step.op)
      local x = {}
      for i, j in ipairs(step.x) do x[i] = vals[j + 1] end
      vals[#vals + 1] = fn(x, step)
    end
  end
  local out = vals[#vals]
  local grad = tensor(case.grad)
  grad = out:dim() == 0 and grad:reshape{} or grad:reshape(out.shape)
  if out.needs_grad then out:backward(grad) end
  local grads = {}
  for k, t in ipairs(inputs) do grads[k] = flat(t.grad or tensor.zeros_like(t)) end
  return { id = case.id, shape = out.shape, out = flat(out), grads = grads }
end

local file = assert(io.open(cases_path))
local corpus = decode(file:read("a"))
file:close()
local results = {}
for i, case in ipairs(corpus.cases) do
  local ok, result = pcall(run_case, case)
  results[i] = ok and result or { id = case.id, error = tostring(result) }
end
json.write(results_path, results)
print(string.format("evaluated %d cases", #results))
