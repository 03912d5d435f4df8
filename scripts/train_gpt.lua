-- Trains a character-level GPT (plugins/layers/gpt.lua) on Genesis and
-- Exodus (data/text, see data/README.md), then samples from it.
--
--   scripts/opslab run scripts/train_gpt.lua [--steps N] [--batch N] [--context N]
--       [--dim N] [--layers N] [--heads N] [--lr X] [--seed N] [--save PATH] [--max-loss X]
--
-- Prints the unigram entropy of the text (what a model that ignores context
-- can reach), the training loss as it goes, the loss on held-out text, and a
-- sample at temperature 0.8 with top-k 10. Exits 1 if the held-out loss is
-- not below --max-loss (default: the unigram entropy minus 0.5 nats).

local options = { steps = 1500, batch = 16, context = 64, dim = 64, layers = 2, heads = 4, lr = 3e-3, seed = 1 }
local i = 1
while arg[i] do
  local name = arg[i]:match("^%-%-(.+)$")
  local value = arg[i + 1]
  if not name or value == nil then error("usage: train_gpt.lua [--steps N] [--save PATH] ... (got " .. arg[i] .. ")", 0) end
  if name == "save" then
    options.save = value
  elseif name == "max-loss" then
    options.max_loss = tonumber(value)
  elseif options[name] ~= nil and tonumber(value) then
    options[name] = tonumber(value)
  else
    error("unknown argument --" .. name, 0)
  end
  i = i + 2
end

local here = arg[0]:match("^(.*)/scripts/[^/]*$") or "."
local file = assert(io.open(here .. "/data/text/kjv_genesis_exodus.txt", "rb"))
local text = file:read("a")
file:close()

-- The vocabulary: every distinct byte, in order; ids are 1-based.
local seen, chars = {}, {}
for c in text:gmatch(".") do
  if not seen[c] then seen[c] = true; chars[#chars + 1] = c end
end
table.sort(chars)
local id_of = {}
for k, c in ipairs(chars) do id_of[c] = k end
local ids = {}
for k = 1, #text do ids[k] = id_of[text:sub(k, k)] end

local counts = {}
for _, id in ipairs(ids) do counts[id] = (counts[id] or 0) + 1 end
local entropy = 0
for _, n in pairs(counts) do entropy = entropy - n / #ids * math.log(n / #ids) end
options.max_loss = options.max_loss or entropy - 0.5

local cut = math.floor(#ids * 0.9)
local data_ids = tensor(ids)
tensor.manual_seed(options.seed)

-- A batch of random windows from [first, last]: inputs and next characters.
local function batch(first, last)
  local T = options.context
  local starts = (tensor.rand{options.batch} * (last - first - T) + first):floor():tolist()
  local x_rows, y_rows = {}, {}
  for b, s in ipairs(starts) do
    x_rows[b] = data_ids:slice(1, s, s + T - 1)
    y_rows[b] = data_ids:slice(1, s + 1, s + T)
  end
  return tensor.stack(x_rows), tensor.stack(y_rows)
end

local V = #chars
local model = nn.GPT(V, { dim = options.dim, heads = options.heads, layers = options.layers, context = options.context })
local opt = optim.AdamW(model:parameters(), { lr = options.lr, weight_decay = 0.01 })
local schedule = optim.CosineLR(opt, { total = options.steps, warmup = math.min(100, options.steps // 10), min_lr = options.lr / 10 })
print(("%d characters, vocabulary %d, unigram entropy %.3f nats; model of %d parameters"):format(#ids, V, entropy, model:num_params()))

local function loss_on(x, y)
  local logits = model(x)
  return nn.cross_entropy(logits:reshape{ -1, V }, y:reshape{ -1 })
end

local started = opslab.now()
local running
for step = 1, options.steps do
  local x, y = batch(1, cut)
  local loss = loss_on(x, y)
  opt:zero_grad()
  loss:backward()
  optim.clip_grad_norm(model, 1.0)
  opt:step()
  schedule:step()
  running = running and 0.95 * running + 0.05 * loss:item() or loss:item()
  if step % 100 == 0 or step == options.steps then
    print(("step %d/%d  loss %.3f  %.1f steps/s"):format(step, options.steps, running, step / (opslab.now() - started)))
  end
end

model:eval()
local held_out = tensor.no_grad(function()
  local total = 0
  for _ = 1, 20 do
    local x, y = batch(cut + 1, #ids)
    total = total + loss_on(x, y):item()
  end
  return total / 20
end)
print(("held-out loss %.3f nats (unigram entropy %.3f)"):format(held_out, entropy))

local prompt = "And God said"
local prompt_ids = {}
for k = 1, #prompt do prompt_ids[k] = id_of[prompt:sub(k, k)] end
local sampled = model:sample(tensor(prompt_ids), 200, { temperature = 0.8, top_k = 10 })
local out = {}
for k, id in ipairs(sampled) do out[k] = chars[id] end
print("sample: " .. table.concat(out))

if options.save then
  nn.save(model, options.save, { metadata = { vocabulary = table.concat(chars) } })
  print("saved " .. options.save)
end
if held_out >= options.max_loss then
  io.stderr:write(("held-out loss %.3f is not below %.3f\n"):format(held_out, options.max_loss))
  os.exit(1)
end
