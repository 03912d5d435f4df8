"""Reference PyTorch models mirroring opslab's nn layers, for the tests in
nn_reference.py and nn_interop.py.

Parameter names are exactly opslab's (`model:named_parameters()`), so a
state dict saved by `nn.save` loads here with `load_state_dict(strict=True)`
and one saved here loads there with `model:load_state_dict`:

- `mlp(sizes)`: nn.Sequential of Linear layers with ReLU between them
  (names 0.weight, 0.bias, 2.weight, ...), as `nn.Sequential(nn.Linear(a, b),
  nn.ReLU(), ...)` in opslab.
- `GPT`: plugins/layers/gpt.lua with Sources/NN/Attention.swift and
  Layers.swift: token and position embeddings, pre-norm blocks
  (x + attn(ln1(x)); x + mlp(ln2(x)), mlp = Linear(d, 4d), exact GELU,
  Linear(4d, d)), attention with separate q, k, v, out Linear layers (all
  with bias), heads split as reshape [B, T, H, hd] then permute, scores
  divided by sqrt(hd), causal mask; a final LayerNorm (eps 1e-5) and a head
  Linear without bias, or logits x @ tok.weight^T when tied.

Token ids here are 0-based (opslab's are 1-based: pass ids - 1).
"""

import math

import torch
from torch import nn


def mlp(sizes):
    """Linear layers of the given widths with ReLU between them."""
    layers = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
    return nn.Sequential(*layers)


class Attention(nn.Module):
    """Causal multi-head self-attention, batch first, as MultiHeadAttention."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        b, t, d = x.shape
        hd = d // self.heads

        def split(y):  # [B, T, D] -> [B, H, T, hd]
            return y.reshape(b, t, self.heads, hd).permute(0, 2, 1, 3)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(hd)
        future = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
        attended = scores.softmax(-1) @ v
        return self.out(attended.permute(0, 2, 1, 3).reshape(b, t, d))


class Block(nn.Module):
    """Pre-norm transformer block, as TransformerBlock."""

    def __init__(self, dim, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn = Attention(dim, heads)
        self.ln2 = nn.LayerNorm(dim, eps=1e-5)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    """The GPT of plugins/layers/gpt.lua, on 0-based token ids [B, T]."""

    def __init__(self, vocab, dim=64, heads=4, layers=2, context=64, tied=False):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(context, dim)
        self.blocks = nn.ModuleList(Block(dim, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(dim, eps=1e-5)
        self.head = None if tied else nn.Linear(dim, vocab, bias=False)

    def forward(self, idx, head_weight=None):
        """Logits [B, T, vocab]. With `head_weight`, a tied model's head uses
        it instead of tok.weight, which separates the two uses' gradients."""
        t = idx.shape[1]
        x = self.tok(idx) + self.pos(torch.arange(t, device=idx.device))
        for block in self.blocks:
            x = block(x)
        x = self.ln(x)
        if self.head is not None:
            return self.head(x)
        return x @ (self.tok.weight if head_weight is None else head_weight).t()
