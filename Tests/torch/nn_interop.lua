-- opslab's half of the safetensors interop test (see nn_interop.py): reads
-- what PyTorch wrote, checks it against DIR/expected.lua, then saves models
-- with nn.save for PyTorch to read back.
--
--   opslab run --no-init Tests/torch/nn_interop.lua DIR
--
-- Prints one line per failed check, then "nn interop (opslab): N passed,
-- N failed"; exits with an error on any failure.
local dir = assert(arg[1], "usage: nn_interop.lua DIR")
local json = dofile((arg[0]:match("^(.*)/") or ".") .. "/json.lua")
local expected = dofile(dir .. "/expected.lua")

local passed, failed = 0, 0
local function check(ok, message)
  if ok then passed = passed + 1 else failed = failed + 1; print("FAIL " .. message) end
end

local function same_list(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    -- nan equals nan here; -0 and 0 differ (1/x tells them apart).
    local x, y = a[i], b[i]
    if not ((x ~= x and y ~= y) or (x == y and (x ~= 0 or 1 / x == 1 / y))) then return false, i end
  end
  return true
end

local function show(list) return "{" .. table.concat(list, ", ") .. "}" end

-- max|got - want| / max|want| over two tensors of the same shape.
local function relative(got, want)
  return (got - want):abs():max():item() / math.max(want:abs():max():item(), 1e-30)
end

-- 1. Every dtype and odd shape PyTorch wrote reads back with the values and metadata expected.
local tensors, metadata = nn.load_tensors(dir .. "/dtypes.safetensors"), nn.metadata(dir .. "/dtypes.safetensors")
for name, want in pairs(expected.tensors) do
  local t = tensors[name]
  if not t then
    check(false, "dtypes: " .. name .. " is missing")
  else
    check(same_list(t.shape, want.shape), ("dtypes: %s has shape %s, expected %s"):format(name, show(t.shape), show(want.shape)))
    local ok, at = same_list(json.flat(t), want.values)
    check(ok, ("dtypes: %s differs at element %s: got %s, expected %s"):format(
      name, tostring(at), tostring(at and json.flat(t)[at]), tostring(at and want.values[at])))
  end
end
for name in pairs(tensors) do check(expected.tensors[name], "dtypes: unexpected tensor " .. name) end
for key, value in pairs(expected.metadata) do
  check(metadata[key] == value, ("dtypes: metadata %q is %q, expected %q"):format(key, tostring(metadata[key]), value))
end
for key in pairs(metadata) do check(expected.metadata[key], "dtypes: unexpected metadata " .. key) end

-- 2. Broken files give a clean Lua error naming the file and the problem.
for _, case in ipairs(expected.hostile) do
  local path = dir .. "/" .. case.file
  local ok, err = pcall(nn.load_tensors, path)
  if ok then
    check(false, case.file .. ": loaded without error")
  else
    err = tostring(err)
    check(err:find(path, 1, true) and err:find(case.expect, 1, true),
          ("%s: error %q lacks the file name or %q"):format(case.file, err, case.expect))
  end
end

-- 3. A PyTorch MLP's state dict loads and gives PyTorch's logits.
local sizes = expected.mlp_sizes
local function mlp(widths)
  local layers = {}
  for i = 1, #widths - 1 do
    if i > 1 then layers[#layers + 1] = nn.ReLU() end
    layers[#layers + 1] = nn.Linear(math.tointeger(widths[i]), math.tointeger(widths[i + 1]))
  end
  return nn.Sequential(table.unpack(layers))
end
local model = mlp(sizes)
model:load_state_dict(nn.load_tensors(dir .. "/torch_mlp.safetensors"))
local io_ = nn.load_tensors(dir .. "/torch_mlp_io.safetensors")
local err = relative(model(io_.x), io_.logits)
check(err <= 1e-4, ("torch MLP: logits off by %.3g"):format(err))
print(("torch MLP state dict in opslab: logits off by %.2e"):format(err))
local ok, why = pcall(model.load_state_dict, model, (nn.load_tensors(dir .. "/torch_mlp_wrong.safetensors")))
check(not ok and tostring(why):find("2.weight", 1, true), "torch MLP: a transposed 2.weight was accepted or not named: " .. tostring(why))

-- 4. Models saved by nn.save, with everything PyTorch should find in them.
local note = metadata.note   -- non-ASCII, quotes, escapes: round-trips through both sides
local dump = {}
tensor.manual_seed(11)
local gpt_config = { vocab = 13, dim = 16, heads = 2, layers = 2, context = 8 }
local builds = {
  mlp = function() return mlp{ 784, 256, 256, 10 }, tensor.randn{ 3, 784 } end,
  gpt = function(tied)
    local c = gpt_config
    return nn.GPT(c.vocab, { dim = c.dim, heads = c.heads, layers = c.layers, context = c.context, tied = tied }),
           tensor{ { 1, 13, 2, 7, 7, 3 }, { 5, 4, 12, 1, 9, 13 } }
  end,
}
for _, name in ipairs{ "mlp", "gpt", "gpt_tied" } do
  local m, input = (builds[name] or builds.gpt)(name == "gpt_tied")
  local path = ("%s/opslab_%s.safetensors"):format(dir, name)
  nn.save(m, path, { metadata = { note = note } })
  local entry = { tensors = {}, input = { shape = input.shape, values = json.flat(input) } }
  local logits = m(input)
  entry.logits = { shape = logits.shape, values = json.flat(logits) }
  if name == "mlp" then entry.sizes = { 784, 256, 256, 10 } else entry.config = gpt_config end
  -- What opslab reads back is what it saved, and nn.load rebuilds the same model.
  local back, back_meta = nn.load_tensors(path), nn.metadata(path)
  check(back_meta.note == note, name .. ": the metadata note changed on the way back")
  for n, p in m:named_parameters() do
    entry.tensors[n] = { shape = p.shape, values = json.flat(p) }
    check(back[n] and same_list(json.flat(back[n]), entry.tensors[n].values), name .. ": " .. n .. " reads back different")
  end
  local loaded = nn.load(path)
  check(same_list(json.flat(loaded(input)), entry.logits.values), name .. ": nn.load gives different logits")
  dump[name] = entry
end
json.write(dir .. "/opslab_dump.json", dump)

print(("nn interop (opslab): %d passed, %d failed"):format(passed, failed))
if failed > 0 then os.exit(1) end
