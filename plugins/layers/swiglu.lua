-- The SwiGLU feed-forward block of LLaMA-style transformers:
-- w2(silu(w1 x) * w3 x), without biases. Its three Linear children are
-- named w1, w2, w3, as in those models' checkpoints.

return {
  kind = "layer", name = "SwiGLU", version = "1.0.0",
  description = "gated feed-forward block: w2(silu(w1 x) * w3 x)",

  init = function(self, dim, hidden)
    if math.type(dim) ~= "integer" or dim < 1 then error("nn.SwiGLU: dim must be a positive integer", 0) end
    hidden = hidden or 4 * dim
    self.w1 = nn.Linear(dim, hidden, {bias = false})
    self.w3 = nn.Linear(dim, hidden, {bias = false})
    self.w2 = nn.Linear(hidden, dim, {bias = false})
  end,

  forward = function(self, x)
    return self.w2(self.w1(x):silu() * self.w3(x))
  end,
}
