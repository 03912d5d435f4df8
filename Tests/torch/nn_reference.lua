-- opslab's half of the reference comparison (see nn_reference.py): builds
-- an MLP and GPTs with an untied and a tied head, saves each with nn.save,
-- runs the batch nn_reference.py wrote, and records the logits, the
-- cross-entropy loss and every parameter's gradient.
--
--   opslab run --no-init Tests/torch/nn_reference.lua DIR
--
-- Reads DIR/batch.safetensors (ids and targets 1-based, model sizes in the
-- metadata); writes DIR/{mlp,gpt,gpt_tied}.safetensors and DIR/results.json.
local dir = assert(arg[1], "usage: nn_reference.lua DIR")
local json = dofile((arg[0]:match("^(.*)/") or ".") .. "/json.lua")

local batch, meta = nn.load_tensors(dir .. "/batch.safetensors"), nn.metadata(dir .. "/batch.safetensors")
local function size(key)
  return math.tointeger(tonumber(meta[key])) or error("batch metadata lacks " .. key)
end

local function mlp()
  local sizes, layers = {}, {}
  for n in assert(meta["mlp.sizes"], "batch metadata lacks mlp.sizes"):gmatch("%d+") do sizes[#sizes + 1] = math.tointeger(n) end
  for i = 1, #sizes - 1 do
    if i > 1 then layers[#layers + 1] = nn.ReLU() end
    layers[#layers + 1] = nn.Linear(sizes[i], sizes[i + 1])
  end
  return nn.Sequential(table.unpack(layers)), sizes[#sizes]
end

local function gpt(tied)
  local vocab = size("gpt.vocab")
  local model = nn.GPT(vocab, { dim = size("gpt.dim"), heads = size("gpt.heads"), layers = size("gpt.layers"),
                                context = size("gpt.context"), tied = tied })
  -- LayerNorms start at weight 1 and bias 0, values that would hide a
  -- missing scale or shift; give them random ones. Embeddings start at
  -- std 1, which makes LayerNorm's eps (1e-5) invisible; GPT-2's std 0.02
  -- gives the first block a variance near 1e-3, where a wrong eps shows.
  -- In name order, so the draws are repeatable (pairs' order is not).
  local state, names = model:state_dict(), {}
  for name in pairs(state) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local shape = state[name].shape
    if name:match("ln%d*%.weight$") then state[name] = tensor.randn(shape) * 0.2 + 1
    elseif name:match("ln%d*%.bias$") then state[name] = tensor.randn(shape) * 0.2
    elseif name == "tok.weight" or name == "pos.weight" then state[name] = tensor.randn(shape) * 0.02 end
  end
  model:load_state_dict(state)
  return model, vocab
end

-- Forward, loss and backward on one batch; everything the comparison needs.
local function run(model, classes, input, target)
  local logits = model(input)
  local loss = nn.cross_entropy(logits:reshape{ -1, classes }, target:reshape{ -1 })
  loss:backward()
  local grads, shapes = {}, {}
  for name, p in model:named_parameters() do
    grads[name] = json.flat(p.grad or error(name .. " got no gradient"))
    shapes[name] = p.shape
  end
  return { logits = json.flat(logits), logits_shape = logits.shape, loss = loss:item(), grads = grads, grad_shapes = shapes }
end

tensor.manual_seed(20240607)
local results = {}
for _, name in ipairs{ "mlp", "gpt", "gpt_tied" } do
  local model, classes
  if name == "mlp" then model, classes = mlp() else model, classes = gpt(name == "gpt_tied") end
  nn.save(model, ("%s/%s.safetensors"):format(dir, name))
  local input, target = batch[name == "mlp" and "mlp.x" or "gpt.idx"], batch[name == "mlp" and "mlp.target" or "gpt.target"]
  results[name] = run(model, classes, input, target)
end
json.write(dir .. "/results.json", results)
