"""The PyTorch peer of scripts/bench/nn.lua: the same models and steps,
printed as KEY VALUE UNIT lines with the same keys."""

import os
import time

import torch
import torch.nn.functional as F
from torch import nn


def per_step(steps, repeats, fn):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        best = min(best, (time.perf_counter() - start) / steps)
    return best


def report(key, value, unit):
    print(f"{key:<22} {value:12.3f} {unit}")


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


class Block(nn.Module):
    """The pre-norm block of plugins/layers/gpt.lua."""

    def __init__(self, dim, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.q, self.k, self.v, self.out = (nn.Linear(dim, dim) for _ in range(4))
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.heads = heads

    def attention(self, x):
        b, t, d = x.shape
        split = lambda z: z.view(b, t, self.heads, d // self.heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)), is_causal=True)
        return self.out(y.transpose(1, 2).reshape(b, t, d))

    def forward(self, x):
        x = x + self.attention(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab, dim, heads, layers, context):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, dim), nn.Embedding(context, dim)
        self.blocks = nn.Sequential(*(Block(dim, heads) for _ in range(layers)))
        self.ln, self.head = nn.LayerNorm(dim), nn.Linear(dim, vocab, bias=False)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        return self.head(self.ln(self.blocks(x)))


torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
adam = torch.optim.Adam(mlp.parameters(), lr=1e-3)
x, y = torch.randn(64, 784), torch.randint(0, 10, (64,))


def mlp_step():
    loss = F.cross_entropy(mlp(x), y)
    adam.zero_grad()
    loss.backward()
    adam.step()


report("mlp_adam_step", per_step(50, 5, mlp_step) * 1e3, "ms")

vocab, context = 62, 64
gpt = GPT(vocab, 64, 4, 2, context)
adamw = torch.optim.AdamW(gpt.parameters(), lr=3e-3)
idx, targets = torch.randint(0, vocab, (16, context)), torch.randint(0, vocab, (16 * context,))


def gpt_step():
    loss = F.cross_entropy(gpt(idx).reshape(-1, vocab), targets)
    adamw.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(gpt.parameters(), 1.0)
    adamw.step()


report("gpt_step", per_step(5, 3, gpt_step) * 1e3, "ms")

if os.environ.get("NN_BENCH_MEMORY") != "0":
    for _ in range(1000):
        mlp_step()
    report("rss_after_1k_steps", rss_mb(), "MB")
    for _ in range(9000):
        mlp_step()
    report("rss_after_10k_steps", rss_mb(), "MB")
print(f"# torch {torch.__version__}, {torch.get_num_threads()} threads")
