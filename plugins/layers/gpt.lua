-- A decoder-only transformer language model over token indices (GPT-2's
-- shape at small scale): token and position embeddings, pre-norm blocks
-- with causal multi-head attention and a GELU MLP, a final LayerNorm and an
-- output head, optionally tied to the token embedding.
--
--   model = nn.GPT(vocab, {dim = 64, heads = 4, layers = 2, context = 64})
--   logits = model(idx)                  -- idx [batch, time] of 1-based ids
--   ids = model:sample(prompt, 200, {temperature = 0.8, top_k = 10})

local function check_options(o)
  local known = { dim = true, heads = true, layers = true, context = true, tied = true, dropout = true }
  for key in pairs(o) do
    if not known[key] then
      error("nn.GPT: unknown option '" .. tostring(key) .. "' (known: dim, heads, layers, context, tied, dropout)", 0)
    end
  end
end

-- Draws one index from the probabilities in a 1-D tensor, keeping the k most
-- likely (all with k = nil); uses the tensor generator, so
-- tensor.manual_seed makes samples repeatable.
local function draw(probs, k)
  local p = probs:tolist()
  local order = {}
  for i = 1, #p do order[i] = i end
  table.sort(order, function(a, b) return p[a] > p[b] end)
  local keep = math.min(k or #p, #p)
  local total = 0
  for i = 1, keep do total = total + p[order[i]] end
  local r = tensor.rand{1}:item() * total
  for i = 1, keep do
    r = r - p[order[i]]
    if r <= 0 then return order[i] end
  end
  return order[keep]
end

return {
  kind = "layer", name = "GPT", version = "1.0.0",
  description = "decoder-only transformer language model with causal attention",

  init = function(self, vocab, o)
    o = o or {}
    check_options(o)
    if math.type(vocab) ~= "integer" or vocab < 1 then error("nn.GPT: vocab must be a positive integer", 0) end
    local dim, heads, layers = o.dim or 64, o.heads or 4, o.layers or 2
    self.context = o.context or 64
    self.tok = nn.Embedding(vocab, dim)
    self.pos = nn.Embedding(self.context, dim)
    self.blocks = {}
    for i = 1, layers do
      self.blocks[i] = nn.TransformerBlock(dim, heads, { causal = true, dropout = o.dropout or 0 })
    end
    self.ln = nn.LayerNorm(dim)
    if not o.tied then self.head = nn.Linear(dim, vocab, { bias = false }) end
  end,

  forward = function(self, idx)
    if idx:dim() ~= 2 then error("GPT: expected token ids [batch, time], got " .. tostring(idx.shape), 0) end
    local time = idx:size(2)
    if time > self.context then
      error(("GPT: %d tokens exceed the context of %d"):format(time, self.context), 0)
    end
    local x = self.tok(idx) + self.pos(tensor.arange(1, time + 1))
    for _, block in ipairs(self.blocks) do x = block(x) end
    x = self.ln(x)
    if self.head then return self.head(x) end
    return x:matmul(self.tok.weight:t())
  end,

  -- Extends the 1-D tensor of ids `prompt` by n sampled tokens; returns the
  -- ids as a Lua list.
  sample = function(self, prompt, n, o)
    o = o or {}
    local temperature, top_k = o.temperature or 1, o.top_k
    if temperature <= 0 then error("GPT:sample: temperature must be positive", 0) end
    local ids = {}
    for i, id in ipairs(prompt:tolist()) do ids[i] = math.tointeger(id) end
    return tensor.no_grad(function()
      for _ = 1, n do
        local first = math.max(1, #ids - self.context + 1)
        local window = {}
        for i = first, #ids do window[#window + 1] = ids[i] end
        local logits = self(tensor{ window })[1][#window]
        ids[#ids + 1] = draw((logits / temperature):softmax(1), top_k)
      end
      return ids
    end)
  end,
}
