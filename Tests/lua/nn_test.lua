-- The nn, optim and data modules as a Lua user meets them.
local t = dofile("Tests/lua/harness.lua")

local function close(a, b, tol, what)
  local diff = (a - b):abs():max():item()
  if diff > (tol or 1e-6) then error(string.format("%s: differ by %g", what or "tensors", diff), 2) end
end

t.test("modules print as trees, count parameters and name them stably", function()
  tensor.manual_seed(1)
  local m = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3, { bias = false }))
  t.eq(m:num_params(), 4 * 8 + 8 + 8 * 3)
  t.eq(#m, 3)
  local names = {}
  for name in m:named_parameters() do names[#names + 1] = name end
  t.eq(table.concat(names, " "), "0.weight 0.bias 2.weight")
  t.truthy(tostring(m):find("(2): Linear(8 -> 3, no bias)  [24 params]", 1, true), tostring(m))
  t.eq(tostring(m[2]), "ReLU")
  t.eq(m[1].weight.shape[2], 4)
  t.eq(m[4], nil)
  t.eq(#m:parameters(), 3)
end)

t.test("the same seed gives the same initial weights", function()
  tensor.manual_seed(7)
  local a = nn.Linear(5, 5).weight:tolist()
  tensor.manual_seed(7)
  local b = nn.Linear(5, 5).weight:tolist()
  t.eq(inspect(a), inspect(b))
end)

t.test("train and eval reach every child and switch dropout", function()
  local m = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
  t.eq(m.training, true)
  m:eval()
  t.eq(m[2].training, false)
  local x = tensor.ones{ 8, 4 }
  close(m(x), m(x), 0, "eval is deterministic")
  m:train()
  t.eq(m[2].training, true)
  local zeros = m[2](tensor.ones{ 1000 }):eq(0):sum():item()
  t.truthy(zeros > 400 and zeros < 600, "about half dropped, got " .. zeros)
end)

t.test("state_dict round trip, with shape and name checks", function()
  local a, b = nn.Linear(3, 2), nn.Linear(3, 2)
  b:load_state_dict(a:state_dict())
  close(a.weight, b.weight, 0)
  t.raises(function() b:load_state_dict({ weight = tensor.zeros{ 2, 3 } }) end, "missing bias")
  t.raises(function() b:load_state_dict({ weight = tensor.zeros{ 3, 3 }, bias = tensor.zeros{ 2 } }) end,
    "weight: expected shape [2, 3], got [3, 3]")
  t.raises(function() b:load_state_dict({ weight = a.weight, bias = a.bias, extra = a.bias }) end, "unexpected extra")
  b:load_state_dict({ weight = a.weight, bias = a.bias, extra = a.bias }, { strict = false })
  t.raises(function() b:load_state_dict({ weight = "x" }) end, "entry 'weight' must be a Tensor")
end)

t.test("a plain training loop fits a small classification problem", function()
  tensor.manual_seed(3)
  local x = tensor.randn{ 64, 2 }
  local y = x:sum(2):gt(0) + 1
  local m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
  local opt = optim.SGD(m:parameters(), { lr = 0.5, momentum = 0.9 })
  local first
  for i = 1, 100 do
    local loss = nn.cross_entropy(m(x), y)
    first = first or loss:item()
    opt:zero_grad(); loss:backward(); opt:step()
  end
  local accuracy = m(x):argmax(2):eq(y):sum():item() / 64
  t.truthy(accuracy >= 0.95, "accuracy " .. accuracy)
end)

t.test("every built-in optimizer lowers a quadratic loss and resumes exactly from its state", function()
  for _, name in ipairs({ "SGD", "Adam", "AdamW", "RMSProp", "AdaGrad", "Lion" }) do
    local function run(steps, from)
      local w = tensor{ 3, -2 }:requires_grad()
      local opt = optim[name]({ w }, { lr = 0.05 })
      if from then
        w:detach():copy_(from.w)
        opt:load_state_dict(from.state)
      end
      for _ = 1, steps do
        local loss = (w * w):sum()
        opt:zero_grad(); loss:backward(); opt:step()
      end
      return w, opt
    end
    local straight = run(20)
    local half, opt = run(10)
    local state = {}
    for k, v in pairs(opt:state_dict()) do state[k] = type(v) == "number" and v or v:clone() end
    local resumed = run(10, { w = half:detach():clone(), state = state })
    t.truthy((straight * straight):sum():item() < 13, name .. " lowers the loss")
    close(straight:detach(), resumed:detach(), 1e-6, name .. " resumed")
  end
end)

t.test("losses match hand-computed values", function()
  local a, b = tensor{ 1, 2, 3 }, tensor{ 1, 0, 5 }
  local function near(got, want, what) t.truthy(math.abs(got - want) < 1e-6, what .. ": " .. got .. " vs " .. want) end
  near(nn.mse(a, b):item(), (0 + 4 + 4) / 3, "mse")
  near(nn.l1(a, b):item(), (0 + 2 + 2) / 3, "l1")
  near(nn.huber(a, b):item(), (0 + 1.5 + 1.5) / 3, "huber")
  local logits = tensor{ { 0, 0 }, { 0, math.log(3) } }
  local ce = nn.cross_entropy(logits, tensor{ 1, 2 }):item()
  t.truthy(math.abs(ce - (math.log(2) + math.log(4 / 3)) / 2) < 1e-6, "cross entropy " .. ce)
  t.truthy(math.abs(nn.cross_entropy(logits, tensor{ 1, 2 }, { ignore_index = 2 }):item() - math.log(2)) < 1e-6, "ignore_index")
  local smooth = nn.cross_entropy(tensor{ { 0, 0 } }, tensor{ 1 }, { label_smoothing = 0.2 }):item()
  t.truthy(math.abs(smooth - math.log(2)) < 1e-6, "smoothing of a uniform prediction")
  t.truthy(math.abs(nn.nll(tensor{ { -1, -2 } }, tensor{ 2 }):item() - 2) < 1e-6, "nll")
  t.truthy(math.abs(nn.binary_cross_entropy_with_logits(tensor{ 0 }, tensor{ 1 }):item() - math.log(2)) < 1e-6, "bce")
  t.raises(function() nn.cross_entropy(logits, tensor{ 1, 3 }) end, "target 2.0 at row 1 is not a class index")
  t.raises(function() nn.cross_entropy(logits, tensor{ 0, 1 }) end, "is not a class index")
  -- Values past Int's range and NaN are errors, not traps.
  t.raises(function() nn.cross_entropy(logits, tensor{ 1e30, 1 }) end, "is not a class index")
  t.raises(function() nn.cross_entropy(logits, tensor{ 0 / 0, 1 }) end, "is not a class index")
  t.raises(function() nn.cross_entropy(logits, tensor{ 1e30, 1 }, { ignore_index = 5 }) end, "is not a class index")
  t.raises(function() nn.cross_entropy(logits, tensor{ 1, 2 }, { ignore_index = 1e300 }) end, "option 'ignore_index' must be an integer, got 1e+300")
  t.raises(function() nn.cross_entropy(logits, tensor{ 1, 2 }, { ignore_index = 0 / 0 }) end, "option 'ignore_index' must be an integer, got nan")
  t.raises(function() nn.cross_entropy(logits, tensor{ 1, 2 }, { ignore = 1 }) end, "unknown option 'ignore'")
  t.raises(function() nn.mse(a, a, { reduction = "sum" }) end, "expected at most 2 arguments")
  t.raises(function() nn.mse(a, tensor{ 1, 2 }) end, "input and target shapes differ")
end)

t.test("layer errors name the layer and the shapes; constructor errors the argument", function()
  local m = nn.Sequential(nn.Linear(4, 2))
  t.raises(function() return m(tensor.zeros{ 3, 5 }) end, "Linear: expected input with last dim 4, got shape [3, 5]")
  t.raises(function() return m("x") end, "expected Tensor, number or table of numbers")
  t.raises(function() nn.Linear("a", 2) end, "nn.Linear: argument #1 expected integer, got string")
  t.raises(function() nn.Linear(0, 2) end, "in and out features must be positive")
  t.raises(function() nn.Linear(2, 2, { bais = true }) end, "unknown option 'bais' (known: bias)")
  t.raises(function() nn.Linear(2, 2, 3, 4) end, "expected at most 3 arguments")
  t.raises(function() nn.Sequential(nn.ReLU(), 3) end, "argument #2 expected Module, got number")
  t.raises(function() nn.Embedding(4, 2)(tensor{ 5 }) end, "Embedding: index 5.0 is outside 1...4")
  t.raises(function() nn.Embedding(4, 2)(tensor{ 0 }) end, "outside 1...4")
  t.raises(function() nn.MultiHeadAttention(6, 4) end, "must be a positive multiple of heads")
  t.raises(function() nn.GELU{ approximate = "fast" } end, "must be \"none\" or \"tanh\"")
  t.raises(function() nn.Dropout(1) end, "p must be in [0, 1)")
  t.raises(function() optim.Adam({}, {}) end, "no parameters to optimise")
  t.raises(function() optim.Adam({ tensor{ 1 } }) end, "not a leaf tensor that requires grad")
  t.raises(function() optim.Adam({ tensor{ 1 }:requires_grad() }, { lr = -1 }) end, "optim.Adam: option 'lr' must be a number >= 0, got -1")
  t.raises(function() optim.Adam({ tensor{ 1 }:requires_grad() }, { lr = 1 / 0 }) end, "option 'lr' must be a finite number, got inf")
  t.raises(function() optim.Adam({ tensor{ 1 }:requires_grad() }, { eps = 0 / 0 }) end, "option 'eps' must be a number (not NaN), got nan")
  t.raises(function() optim.SGD({ tensor{ 1 }:requires_grad() }, { nesterov = true }) end, "nesterov needs momentum")
  t.raises(function() optim.Adam({ tensor{ 1 }:requires_grad() }, { betas = { 2, 0 } }) end, "betas must be in [0, 1)")
  t.raises(function() optim.Adam({ tensor{ 1 }:requires_grad() }, { learning_rate = 1 }) end, "unknown option 'learning_rate'")
end)

t.test("attention: causal masking and key padding", function()
  tensor.manual_seed(4)
  local attn = nn.MultiHeadAttention(8, 2, { causal = true })
  local x = tensor.randn{ 1, 5, 8 }
  local full = attn(x)
  -- With a causal mask the first 3 positions do not see the last 2.
  local prefix = attn(x:slice(2, 1, 3))
  close(full:slice(2, 1, 3), prefix, 1e-5, "causal prefix")
  local plain = nn.MultiHeadAttention(8, 2)
  local mask = tensor{ { 0, 0, 0, 1, 1 } }
  local masked = plain(x, { key_padding_mask = mask })
  -- Padded keys are invisible: the unpadded positions see what a 3-token input sees.
  close(masked:slice(2, 1, 3), plain(x:slice(2, 1, 3)), 1e-5, "padding")
  t.raises(function() plain(x, { key_padding_mask = tensor{ { 0, 1 } } }) end, "key padding mask must be [1, 5]")
  t.raises(function() plain(x, { key_padding_mask = "no" }) end, "key_padding_mask must be a Tensor")
end)

t.test("conv1d and a transformer block run forward and backward", function()
  local conv = nn.Conv1d(2, 4, 3, { padding = 1 })
  local y = conv(tensor.randn{ 2, 2, 10 })
  t.eq(y.shape[3], 10)
  y:sum():backward()
  t.truthy(conv.weight.grad ~= nil, "conv weight grad")
  local block = nn.TransformerBlock(8, 2)
  local out = block(tensor.randn{ 2, 4, 8 })
  out:sum():backward()
  for name, p in block:named_parameters() do t.truthy(p.grad ~= nil, name .. " has a grad") end
end)

t.test("initialisers fill in place with the right spread", function()
  local w = tensor.zeros{ 200, 100 }
  t.eq(nn.init.kaiming_uniform(w), w)
  local bound = math.sqrt(6 / 100)
  t.truthy(w:abs():max():item() <= bound and w:abs():max():item() > 0.9 * bound, "kaiming bound")
  nn.init.xavier_normal(w)
  t.truthy(math.abs(w:std():item() - math.sqrt(2 / 300)) < 0.01, "xavier std")
  t.raises(function() nn.init.xavier_uniform(tensor.zeros{ 3 }) end, "need at least 2 dims")
end)

t.test("schedules set the optimizer's rate", function()
  local opt = optim.SGD({ tensor{ 1 }:requires_grad() }, { lr = 1 })
  local s = optim.StepLR(opt, { step_size = 2, gamma = 0.5 })
  local seen = {}
  for i = 1, 5 do seen[i] = opt.lr; s:step() end
  t.eq(inspect(seen), inspect({ 1.0, 1.0, 0.5, 0.5, 0.25 }))
  local opt2 = optim.SGD({ tensor{ 1 }:requires_grad() }, { lr = 1 })
  local c = optim.CosineLR(opt2, { total = 10, warmup = 2, min_lr = 0.1 })
  t.eq(opt2.lr, 0.5)
  for _ = 1, 10 do c:step() end
  t.truthy(math.abs(opt2.lr - 0.1) < 1e-6, "ends at min_lr")
  opt2.lr = 0.3
  t.eq(opt2.lr, 0.3)
  t.raises(function() opt2.lr = -1 end, "lr must be a non-negative number")
  t.raises(function() opt2.momentum = 1 end, "only lr can be set")
  t.raises(function() optim.CosineLR(opt2, { total = 5, warmup = 5 }) end, "option 'warmup' must be an integer in 0...4, got 5")
  t.raises(function() optim.CosineLR(opt2, { total = 5, warmup = 0 / 0 }) end, "option 'warmup' must be an integer in 0...4, got nan")
  t.raises(function() optim.CosineLR(opt2, { total = 1 / 0 }) end, "option 'total' must be an integer >= 1, got inf")
  t.raises(function() optim.CosineLR(opt2, { total = 1e300 }) end, "option 'total' must be an integer >= 1, got 1e+300")
  t.raises(function() optim.StepLR(opt2, { step_size = 1e300 }) end, "option 'step_size' must be an integer >= 1, got 1e+300")
  t.raises(function() optim.StepLR(opt2, { step_size = 2.5 }) end, "option 'step_size' must be an integer >= 1, got 2.5")
  t.raises(function() optim.StepLR(opt2, { gamma = 0.5 }) end, "option 'step_size' is required")
end)

t.test("clip_grad_norm rescales all gradients together", function()
  local a, b = tensor{ 3 }:requires_grad(), tensor{ 4 }:requires_grad()
  local both = a * 1 + b * 1
  both:sum():backward()
  a.grad:fill_(3); b.grad:fill_(4)
  t.eq(optim.clip_grad_norm({ a, b }, 1), 5)
  t.truthy(math.abs(a.grad:item() - 0.6) < 1e-5 and math.abs(b.grad:item() - 0.8) < 1e-5, "scaled to norm 1")
  t.raises(function() optim.clip_grad_norm({ a }, 0) end, "max_norm must be positive")
end)

t.test("data.loader batches, shuffles by seed and checks its options", function()
  local x = tensor.arange(0, 10):reshape{ 10, 1 }
  local loader = data.loader{ x = x, y = x:reshape{ 10 }, batch_size = 4 }
  t.eq(#loader, 3)
  local sizes = {}
  for xb, yb in loader:batches() do sizes[#sizes + 1] = xb:size(1); t.eq(yb:size(1), xb:size(1)) end
  t.eq(inspect(sizes), inspect({ 4, 4, 2 }))
  local function order(seed)
    local l = data.loader{ x = x, batch_size = 10, shuffle = true, seed = seed }
    local xb, yb = l:batches()()
    t.eq(yb, nil)
    return inspect(xb:reshape{ 10 }:tolist())
  end
  t.eq(order(5), order(5))
  t.truthy(order(5) ~= order(6), "different seeds, different orders")
  t.eq(#data.loader{ x = x, batch_size = 4, drop_last = true }, 2)
  t.raises(function() data.loader{ x = x, batch_size = 0 } end, "option 'batch_size' must be an integer >= 1, got 0")
  t.raises(function() data.loader{ x = x, batch_size = 0/0 } end, "option 'batch_size' must be an integer >= 1, got nan")
  t.raises(function() data.loader{ x = x, shuffle = "yes" } end, "option 'shuffle' must be a boolean, got \"yes\"")
  t.raises(function() data.loader{ x = x, seed = 2^64 } end, "option 'seed' must be an integer >= 0")
  t.eq(#data.loader{ x = x, batch_size = math.maxinteger }, 1)
  t.raises(function() data.loader{ x = x, y = tensor.zeros{ 3 } } end, "x has 10 rows but y has shape [3]")
  t.raises(function() data.loader{ y = x } end, "'x' is required")
  t.raises(function() data.loader{ x = x, batchsize = 2 } end, "unknown option 'batchsize'")
  t.raises(function() data.loader{ x = "x" } end, "'x' must be a Tensor")
end)

t.test("data.csv reads numbers with an optional header and refuses bad rows", function()
  local dir = t.tmpdir()
  local f = io.open(dir .. "/a.csv", "w"); f:write("a,b\n1,2\n3,4.5\n"); f:close()
  local m, header = data.csv(dir .. "/a.csv")
  t.eq(inspect(m:tolist()), inspect({ { 1.0, 2.0 }, { 3.0, 4.5 } }))
  t.eq(inspect(header), inspect({ "a", "b" }))
  t.eq(inspect(tensor.load_csv(dir .. "/a.csv"):tolist()), inspect(m:tolist()))
  f = io.open(dir .. "/b.csv", "w"); f:write("1,2\n3\n"); f:close()
  t.raises(function() data.csv(dir .. "/b.csv") end, "b.csv:2: expected 2 columns, got 1")
  f = io.open(dir .. "/c.csv", "w"); f:write("1,2\n3,x\n"); f:close()
  t.raises(function() data.csv(dir .. "/c.csv") end, "c.csv:2: not a number")
  t.raises(function() data.csv(dir .. "/missing.csv") end, "cannot read")
  t.rmtree(dir)
end)

t.test("nn.fit trains, calls back, stops early and checks its options", function()
  tensor.manual_seed(5)
  local x = tensor.randn{ 32, 2 }
  local y = x:sum(2):gt(0) + 1
  local m = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
  local opt = optim.Adam(m, { lr = 0.05 })
  local steps = 0
  local history = nn.fit{ model = m, loss = "cross_entropy", optimizer = opt, progress = false,
    data = data.loader{ x = x, y = y, batch_size = 8 }, epochs = 5, on_step = function(info) steps = steps + 1 end }
  t.eq(steps, 20)
  t.eq(history.steps, 20)
  t.truthy(history.loss[5] < history.loss[1], "loss falls")
  local epochs = 0
  nn.fit{ model = m, loss = nn.cross_entropy, optimizer = opt, progress = false, epochs = 10,
    data = data.loader{ x = x, y = y, batch_size = 8 }, on_epoch = function() epochs = epochs + 1; return false end }
  t.eq(epochs, 1)
  t.raises(function() nn.fit{ model = m, loss = "nope", optimizer = opt, data = data.loader{ x = x } } end, "no loss named 'nope'")
  t.raises(function() nn.fit{ model = m, optimizer = opt, data = x, loss = "mse" } end, "'data' must be a DataLoader")
  t.raises(function() nn.fit{ model = 1 } end, "'model' must be a Module, got number")
  t.raises(function() nn.fit{ modle = m } end, "unknown option 'modle'")
  t.raises(function() nn.fit{ model = m, loss = "mse", optimizer = opt, data = data.loader{ x = x }, epochs = 0 } end,
    "'epochs' must be a positive integer")
end)

t.test("checkpoints: save, load, verify, sign, and refuse what does not check out", function()
  local dir = t.tmpdir()
  tensor.manual_seed(6)
  local m = nn.Sequential(nn.Linear(3, 4), nn.GELU{ approximate = "tanh" }, nn.LayerNorm(4), nn.Linear(4, 2))
  local x = tensor.randn{ 5, 3 }
  local digest = nn.save(m, dir .. "/m.safetensors", { metadata = { note = "hi" } })
  t.eq(#digest, 64)
  local back = nn.load(dir .. "/m.safetensors")
  t.eq(tostring(back), tostring(m))
  close(back(x), m(x), 0, "same outputs")
  local tensors, metadata = nn.load_tensors(dir .. "/m.safetensors"), nn.metadata(dir .. "/m.safetensors")
  t.eq(metadata.note, "hi")
  t.eq(metadata["opslab.sha256"], digest)
  close(tensors["3.weight"], m[4].weight, 0)
  local ok, info = nn.verify(dir .. "/m.safetensors")
  t.truthy(ok and info.digest_ok and not info.signed, "unsigned file verifies")

  local private, public = nn.keygen()
  t.eq(#private, 64); t.eq(#public, 64)
  nn.save(m, dir .. "/s.safetensors", { sign_key = private })
  t.truthy(nn.verify(dir .. "/s.safetensors", public), "signature verifies")
  t.truthy(nn.load(dir .. "/s.safetensors", { public_key = public }) ~= nil, "verified load")
  local _, other = nn.keygen()
  local bad, details = nn.verify(dir .. "/s.safetensors", other)
  t.eq(bad, false); t.eq(details.signature_ok, false); t.eq(details.digest_ok, true)
  t.raises(function() nn.load(dir .. "/s.safetensors", { public_key = other }) end, "the signature does not match the key")
  t.raises(function() nn.load(dir .. "/m.safetensors", { public_key = public }) end, "the file is not signed")

  -- One flipped byte in the data breaks the digest.
  local f = io.open(dir .. "/s.safetensors", "rb"); local bytes = f:read("a"); f:close()
  local flipped = bytes:sub(1, -2) .. string.char((bytes:byte(-1) + 1) % 256)
  f = io.open(dir .. "/t.safetensors", "wb"); f:write(flipped); f:close()
  t.eq((nn.verify(dir .. "/t.safetensors", public)), false)
  t.raises(function() nn.load(dir .. "/t.safetensors", { public_key = public }) end, "the digest does not match")

  f = io.open(dir .. "/g.safetensors", "wb"); f:write("garbage"); f:close()
  t.raises(function() nn.load(dir .. "/g.safetensors") end, "g.safetensors")
  t.raises(function() nn.verify(dir .. "/missing.safetensors") end, "missing.safetensors")
  t.raises(function() nn.save(m, dir .. "/x.safetensors", { sign_key = "abc" }) end, "64 hex digits")
  t.raises(function() nn.save(m, dir .. "/x.safetensors", { metadata = { n = 1 } }) end, "metadata values must be strings")
  t.raises(function() nn.save(nn.ReLU(), dir .. "/x.safetensors") end, "no parameters to save")
  t.raises(function() nn.save(m, "/nonexistent/dir/x.safetensors") end, "/nonexistent/dir/x.safetensors")

  -- A model built outside nn.save's knowledge still loads by state dict.
  local w = tensor.randn{ 2, 2 }:requires_grad()
  local Holder = nn.define{ name = "Holder", init = function(self, t) self.w = t end, forward = function(self, v) return v:matmul(self.w) end }
  nn.save(Holder(w), dir .. "/h.safetensors")
  t.raises(function() nn.load(dir .. "/h.safetensors") end, "has no opslab.config")
  t.rmtree(dir)
end)

t.test("a layer written in Lua works like a built-in: in Sequential, in optimizers, in checkpoints", function()
  local dir = t.tmpdir()
  tensor.manual_seed(8)
  local Affine = nn.define{
    name = "Affine",
    init = function(self, n) self.scale = tensor.ones{ n }:requires_grad(); self.shift = tensor.zeros{ n }:requires_grad() end,
    forward = function(self, x) return x * self.scale + self.shift end,
  }
  t.eq(nn.Affine, Affine)
  local m = nn.Sequential(nn.Linear(2, 3), Affine(3), nn.SwiGLU(3, 6))
  local names = {}
  for name in m:named_parameters() do names[#names + 1] = name end
  t.eq(table.concat(names, " "), "0.weight 0.bias 1.scale 1.shift 2.w1.weight 2.w2.weight 2.w3.weight")
  local x = tensor.randn{ 4, 2 }
  local opt = optim.Adam(m, { lr = 0.1 })
  local before = m[2].scale:clone()
  m(x):sum():backward()
  opt:step()
  t.truthy((m[2].scale - before):abs():sum():item() > 0, "the Lua layer's parameter moved")
  nn.save(m, dir .. "/lua.safetensors")
  close(nn.load(dir .. "/lua.safetensors")(x), m(x), 0, "rebuilt with the Lua layer")
  m:eval()
  t.eq(m[2].training, false)
  -- Redefining in the session replaces the earlier definition.
  nn.define{ name = "Affine", forward = function(self, v) return v * 2 end }
  close(nn.Affine()(tensor{ 1 }), tensor{ 2 }, 0, "redefined")
  t.raises(function() nn.define{ name = "Linear", forward = function() end } end, "already registered from built-in")
  t.raises(function() nn.define{ forward = function() end } end, "field 'name'")
  t.raises(function() nn.define{ name = "NoForward" } end, "field 'forward'")
  local Bad = nn.define{ name = "Bad", forward = function() return 42 end }
  t.raises(function() Bad()(x) end, "forward must return a Tensor, got number")
  t.rmtree(dir)
end)

t.test("layer and optimizer plugins register through the one registry", function()
  local names = {}
  for _, entry in ipairs(nn.layers()) do names[entry.name] = entry.source end
  t.eq(names.Linear, "built-in")
  t.truthy(names.SwiGLU:find("plugins/layers/swiglu.lua", 1, true), names.SwiGLU)
  t.truthy(names.GPT:find("plugins/layers/gpt.lua", 1, true), names.GPT)
  local optimizers = {}
  for _, entry in ipairs(optim.list()) do optimizers[entry.name] = entry.source end
  t.eq(optimizers.Adam, "built-in")
  t.truthy(optimizers.Lion:find("plugins/optimizers/lion.lua", 1, true), optimizers.Lion)
  t.eq(plugins.info("layer/Linear").kind, "layer")
  t.truthy(plugins.info("optimizer/Lion").calls >= 0, "Lion counted")
  t.raises(function() optim.Lion({ tensor{ 1 }:requires_grad() }, { momentum = 1 }) end, "unknown option 'momentum'")
end)

t.test("the character GPT trains, samples and keeps its causal structure", function()
  tensor.manual_seed(9)
  local gpt = nn.GPT(12, { dim = 16, heads = 2, layers = 1, context = 8 })
  local idx = tensor.randint(1, 13, { 2, 8 })
  local logits = gpt(idx)
  t.eq(inspect(logits.shape), inspect({ 2, 8, 12 }))
  -- Changing the last token changes only the last position's logits.
  local changed = idx:clone()
  changed[1][8] = (idx[1][8]:item() % 12) + 1
  close(gpt(changed):slice(2, 1, 7), logits:slice(2, 1, 7), 1e-5, "causal")
  local sample = gpt:sample(tensor{ 1, 2 }, 10, { temperature = 0.5, top_k = 3 })
  t.eq(#sample, 12)
  for _, id in ipairs(sample) do t.truthy(math.type(id) == "integer" and id >= 1 and id <= 12, "id in range") end
  t.raises(function() gpt(tensor.randint(1, 13, { 1, 9 })) end, "9 tokens exceed the context of 8")
  t.raises(function() nn.GPT(12, { dims = 3 }) end, "unknown option 'dims'")
  local tied = nn.GPT(12, { dim = 16, heads = 2, layers = 1, context = 8, tied = true })
  t.eq(tied:num_params() + 12 * 16, nn.GPT(12, { dim = 16, heads = 2, layers = 1, context = 8 }):num_params())
end)

t.finish()
