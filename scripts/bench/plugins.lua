-- What a plugin costs over the built-in doing the same work: an optimizer
-- written in Lua against the built-in optimizer with the same arithmetic,
-- and a layer written in Lua against the same composition of built-in ops
-- called directly. Prints each pair's best time per step and their ratio
-- (goals: an optimizer within 1.5x, a layer within 1.2x). Run by
-- scripts/bench/plugins.sh on the release build.
local bench = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "lib.lua")
local per_step = bench.per_step

-- The two in each pair are timed alternately, so a busy spell on the
-- machine falls on both.
local function compare(label, goal, ours, builtin, steps)
  local a, b = math.huge, math.huge
  for _ = 1, 5 do
    a = math.min(a, per_step(steps, 1, ours))
    b = math.min(b, per_step(steps, 1, builtin))
  end
  print(string.format("  %-44s %9.3f ms %9.3f ms %7.2fx   (goal: at most %.1fx)", label, a * 1e3, b * 1e3, a / b, goal))
end

tensor.manual_seed(0)

-- The parameters and gradients of a 784-256-256-10 MLP.
local function mlp_with_grads()
  local mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
  nn.cross_entropy(mlp(tensor.randn{64, 784}), tensor.randint(1, 11, {64})):backward()
  return mlp:parameters()
end

plugins.register{
  kind = "optimizer", name = "LuaSGD", version = "1.0.0", description = "SGD with momentum, as optim.SGD",
  init = function(self, options) self.momentum = options.momentum end,
  step = function(self)
    for i, p in ipairs(self.params) do
      local g = p.grad
      local state = self.state[i]
      if state == nil then
        self.state[i] = {momentum_buffer = g:clone()}
        state = self.state[i]
      else
        state.momentum_buffer:mul_(self.momentum):add_(g)
      end
      p:sub_(state.momentum_buffer, self.lr)
    end
  end,
}

plugins.register{
  kind = "optimizer", name = "LuaAdam", version = "1.0.0", description = "Adam, as optim.Adam",
  init = function(self) self.steps = 0 end,
  step = function(self)
    self.steps = self.steps + 1
    local c1, c2 = 1 - 0.9 ^ self.steps, 1 - 0.999 ^ self.steps
    for i, p in ipairs(self.params) do
      local g = p.grad
      self.state[i] = self.state[i] or {exp_avg = tensor.zeros_like(p), exp_avg_sq = tensor.zeros_like(p)}
      local m, v = self.state[i].exp_avg, self.state[i].exp_avg_sq
      m:mul_(0.9):add_(g, 0.1)
      v:mul_(0.999):addcmul_(g, g, 0.001)
      p:addcdiv_(m, v:sqrt():div_(math.sqrt(c2)):add_(1e-8), -self.lr / c1)
    end
  end,
}

print(string.format("  %-44s %12s %12s %8s", "per step, best of 5 alternating rounds", "Lua plugin", "built-in", "ratio"))
local sgd_params, lua_sgd_params = mlp_with_grads(), mlp_with_grads()
local sgd = optim.SGD(sgd_params, {lr = 1e-3, momentum = 0.9})
local lua_sgd = optim.LuaSGD(lua_sgd_params, {lr = 1e-3, momentum = 0.9})
compare("optimizer: SGD with momentum, MLP 784-256-256-10", 1.5,
  function() lua_sgd:step() end, function() sgd:step() end, 50)

local adam_params, lua_adam_params = mlp_with_grads(), mlp_with_grads()
local adam = optim.Adam(adam_params, {lr = 1e-3})
local lua_adam = optim.LuaAdam(lua_adam_params, {lr = 1e-3})
compare("optimizer: Adam (built-in is one fused kernel)", 1.5,
  function() lua_adam:step() end, function() adam:step() end, 50)

-- SwiGLU: the bundled Lua layer (plugins/layers/swiglu.lua), and the same
-- three Linear layers composed by hand; forward and backward at batch 64.
local dim, hidden = 256, 1024
local layer = nn.SwiGLU(dim, hidden)
local w1, w3, w2 = nn.Linear(dim, hidden, {bias = false}), nn.Linear(dim, hidden, {bias = false}), nn.Linear(hidden, dim, {bias = false})
local x = tensor.randn{64, dim}
compare("layer: SwiGLU 256-1024, forward and backward", 1.2,
  function() layer(x):sum():backward() end,
  function() w2(w1(x):silu() * w3(x)):sum():backward() end, 50)
