-- Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"):
-- steps by the sign of an interpolation between the momentum and the
-- gradient, so every coordinate moves by exactly lr. It keeps one buffer per
-- parameter (Adam keeps two) and wants a learning rate 3-10x smaller than
-- Adam's.

return {
  kind = "optimizer", name = "Lion", version = "1.0.0",
  description = "Lion: sign of interpolated momentum, one buffer per parameter",

  init = function(self, options)
    self.beta1 = options.betas and options.betas[1] or 0.9
    self.beta2 = options.betas and options.betas[2] or 0.99
    self.weight_decay = options.weight_decay or 0
    if self.options.lr == nil then self.lr = 1e-4 end
    for key in pairs(options) do
      if key ~= "lr" and key ~= "betas" and key ~= "weight_decay" then
        error("optim.Lion: unknown option '" .. tostring(key) .. "' (known: lr, betas, weight_decay)", 0)
      end
    end
  end,

  step = function(self)
    for i, p in ipairs(self.params) do
      local g = p.grad
      if g then
        self.state[i] = self.state[i] or { exp_avg = tensor.zeros_like(p) }
        local m = self.state[i].exp_avg
        local update = (m * self.beta1 + g * (1 - self.beta1)):sign()
        if self.weight_decay ~= 0 then p:mul_(1 - self.lr * self.weight_decay) end
        p:sub_(update, self.lr)
        m:mul_(self.beta2):add_(g, 1 - self.beta2)
      end
    end
  end,
}
