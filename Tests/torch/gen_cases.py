"""Generates random graphs of tensor ops for the differential test.

    .venv/bin/python Tests/torch/gen_cases.py [--seed 1234] [--count 200] > Tests/torch/cases.json

Each case has a few random inputs and a chain of 3-8 steps that mix
elementwise ops, broadcasting binary ops, reductions with keepdim,
softmax/log_softmax, (batched) matmul and shape ops; new inputs are created
when a binary op needs a partner of a fitting shape. Every candidate step is
run through PyTorch first and dropped if PyTorch rejects it, so the corpus
holds only valid programs. Values are kept in a tame range (log and sqrt see
|x| + 0.5, division by |x| + 0.5), and max/min only reduce fresh inputs, where
ties (whose gradients PyTorch splits differently per op) cannot occur.
"""

import argparse
import json
import random

import torch

from torch_ops import apply

UNARY = ["neg", "abs", "exp", "sin", "cos", "tanh", "sigmoid", "relu", "silu", "gelu", "gelu_tanh"]


class Builder:
    def __init__(self, rng):
        self.rng = rng
        self.inputs = []
        self.steps = []
        self.vals = []
        self.fresh = set()  # indices of values that are unmodified inputs

    def new_input(self, shape):
        data = [round(self.rng.gauss(0, 1), 4) for _ in range(_numel(shape))]
        self.inputs.append({"shape": list(shape), "data": data})
        self.steps.append({"op": "input", "k": len(self.inputs)})
        self.vals.append(torch.tensor(data, dtype=torch.float32).reshape(shape))
        self.fresh.add(len(self.vals) - 1)
        return len(self.vals) - 1

    def add(self, step):
        """Appends step if PyTorch accepts it; returns the new value's index or None."""
        try:
            with torch.no_grad():
                v = apply(step, self.vals)
        except (RuntimeError, IndexError, ValueError, TypeError):
            return None
        if v.numel() > 4096 or v.dim() > 5:
            return None
        self.steps.append(step)
        self.vals.append(v)
        return len(self.vals) - 1

    def positive(self, i):
        """|x| + 0.5 of value i, for ops defined on positive numbers."""
        j = self.add({"op": "abs", "x": [i]})
        return self.add({"op": "add_s", "x": [j], "s": 0.5})


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def random_shape(rng, ndim=None):
    ndim = rng.randint(1, 3) if ndim is None else ndim
    return [rng.randint(1, 5) for _ in range(ndim)]


def broadcast_partner(rng, shape):
    """A shape that broadcasts with `shape`: some dims set to 1, some leading dims dropped."""
    out = [1 if rng.random() < 0.3 else s for s in shape]
    if not out:
        return []
    drop = rng.randint(0, len(out) - 1) if rng.random() < 0.4 else 0
    return out[drop:] or [1]


def lua_dim(rng, ndim):
    """A valid Lua dim for a tensor of ndim dims, positive or negative."""
    d = rng.randint(1, max(ndim, 1))
    return d if rng.random() < 0.6 else d - max(ndim, 1) - 1


def step_for(b, rng, i):
    """One random step on value i (may add inputs)."""
    v = b.vals[i]
    nd = v.dim()
    if v.numel() == 0:
        # Zero-size values (from an empty slice or narrow) go through ops that accept them.
        if rng.random() < 0.5:
            return b.add({"op": rng.choice(UNARY), "x": [i]})
        return b.add({"op": rng.choice(["sum", "mean"]), "x": [i], "dim": lua_dim(rng, nd), "keepdim": rng.random() < 0.5})
    kind = rng.choice(["unary"] * 4 + ["binary"] * 3 + ["scalar"] * 2 + ["reduce"] * 2 +
                      ["softmax", "matmul", "matmul", "shape", "shape", "shape", "join", "domain"])
    if kind == "unary":
        return b.add({"op": rng.choice(UNARY), "x": [i]})
    if kind == "domain":
        p = b.positive(i)
        op = rng.choice(["log", "sqrt", "pow_s", "rdiv_s", "div", "pow"])
        if op in ("log", "sqrt"):
            return b.add({"op": op, "x": [p]})
        if op == "pow_s":
            return b.add({"op": "pow_s", "x": [p], "s": rng.choice([0.5, 2, 3, -1])})
        if op == "rdiv_s":
            return b.add({"op": "rdiv_s", "x": [p], "s": rng.choice([1, 2.5])})
        partner = b.new_input(broadcast_partner(rng, list(v.shape)))
        if op == "div":
            return b.add({"op": "div", "x": [partner, p]})
        return b.add({"op": "pow", "x": [p, b.positive(partner)]})
    if kind == "binary":
        op = rng.choice(["add", "sub", "mul", "maximum", "minimum", "where_gt"])
        partner = b.new_input(broadcast_partner(rng, list(v.shape)))
        if op == "where_gt":
            other = b.new_input(list(v.shape))
            return b.add({"op": "where_gt", "x": [i, partner, other]})
        if op in ("maximum", "minimum") and i not in b.fresh:
            op = "mul"
        pair = [i, partner] if rng.random() < 0.5 else [partner, i]
        return b.add({"op": op, "x": pair})
    if kind == "scalar":
        op = rng.choice(["add_s", "mul_s", "rsub_s", "clamp"])
        if op == "clamp":
            lo = round(rng.uniform(-1, 0), 2)
            hi = round(rng.uniform(0.1, 1), 2)
            step = {"op": "clamp", "x": [i]}
            if rng.random() < 0.8:
                step["min"] = lo
            if rng.random() < 0.8 or "min" not in step:
                step["max"] = hi
            return b.add(step)
        return b.add({"op": op, "x": [i], "s": round(rng.uniform(-2, 2), 2)})
    if kind == "reduce":
        if nd == 0:
            return b.add({"op": "mul_s", "x": [i], "s": 2})
        op = rng.choice(["sum", "mean", "logsumexp", "var", "std", "max", "min", "sum"])
        keepdim = rng.random() < 0.5
        if op in ("max", "min"):
            if i not in b.fresh:
                return b.add({"op": "sum", "x": [i], "dim": lua_dim(rng, nd), "keepdim": keepdim})
            if rng.random() < 0.3:
                return b.add({"op": op, "x": [i]})
            return b.add({"op": op, "x": [i], "dim": lua_dim(rng, nd), "keepdim": keepdim})
        if op in ("sum", "mean", "logsumexp") and rng.random() < 0.15:
            return b.add({"op": op, "x": [i]})
        if rng.random() < 0.3 and nd >= 2:
            dims = rng.sample(range(1, nd + 1), rng.randint(1, nd))
            dim = [d if rng.random() < 0.6 else d - nd - 1 for d in dims]
        else:
            dim = lua_dim(rng, nd)
        step = {"op": op, "x": [i], "dim": dim, "keepdim": keepdim}
        if op in ("var", "std"):
            step["unbiased"] = rng.random() < 0.7
            dims = dim if isinstance(dim, list) else [dim]
            if _numel([v.shape[d - 1 if d > 0 else d] for d in dims]) < 2:
                return None
        return b.add(step)
    if kind == "softmax":
        if nd == 0:
            return None
        return b.add({"op": rng.choice(["softmax", "log_softmax"]), "x": [i], "dim": lua_dim(rng, nd)})
    if kind == "matmul":
        if nd == 0:
            return None
        k = v.shape[-1]
        if nd == 1:
            other = b.new_input([k, rng.randint(1, 5)] if rng.random() < 0.7 else [k])
        elif nd == 2:
            other = b.new_input([k, rng.randint(1, 6)])
        else:
            batch = list(v.shape[:-2])
            if rng.random() < 0.3:
                batch = batch[1:] or []
            other = b.new_input(batch + [k, rng.randint(1, 4)])
        return b.add({"op": "matmul", "x": [i, other]})
    if kind == "join":
        if nd == 0:
            return None
        op = rng.choice(["cat", "stack"])
        if op == "cat":
            d = lua_dim(rng, nd)
            shape = list(v.shape)
            shape[d - 1 if d > 0 else d] = rng.randint(1, 3)
            return b.add({"op": "cat", "x": [i, b.new_input(shape)], "dim": d})
        d = rng.randint(1, nd + 1)
        return b.add({"op": "stack", "x": [i, b.new_input(list(v.shape))], "dim": d if rng.random() < 0.6 else d - nd - 2})
    # shape ops
    op = rng.choice(["reshape", "transpose", "permute", "unsqueeze", "squeeze", "flatten", "expand",
                     "slice", "slice", "select", "index_select", "tril", "triu", "t", "contiguous",
                     "gather", "masked_select", "narrow", "split", "chunk", "argmax", "argmin"])
    shape = list(v.shape)
    if op == "reshape":
        n = v.numel()
        factors = [f for f in range(1, n + 1) if n % f == 0]
        a = rng.choice(factors)
        new = [a, n // a] if rng.random() < 0.7 else [n]
        if rng.random() < 0.3:
            new[0] = -1
        return b.add({"op": "reshape", "x": [i], "shape": new})
    if nd == 0:
        return b.add({"op": "unsqueeze", "x": [i], "dim": 1})
    if op == "transpose":
        return b.add({"op": "transpose", "x": [i], "d1": lua_dim(rng, nd), "d2": lua_dim(rng, nd)})
    if op == "permute":
        perm = list(range(1, nd + 1))
        rng.shuffle(perm)
        return b.add({"op": "permute", "x": [i], "dims": perm})
    if op == "unsqueeze":
        d = rng.randint(1, nd + 1)
        return b.add({"op": "unsqueeze", "x": [i], "dim": d if rng.random() < 0.6 else d - nd - 2})
    if op == "squeeze":
        ones = [d + 1 for d in range(nd) if shape[d] == 1]
        return b.add({"op": "squeeze", "x": [i], "dim": rng.choice(ones) if ones else lua_dim(rng, nd)})
    if op == "flatten":
        s = rng.randint(1, nd)
        return b.add({"op": "flatten", "x": [i], "from": s, "to": rng.randint(s, nd)})
    if op == "expand":
        new = [rng.randint(2, 3) if s == 1 else (-1 if rng.random() < 0.3 else s) for s in shape]
        if rng.random() < 0.3:
            new = [2] + new
        return b.add({"op": "expand", "x": [i], "shape": new})
    if op == "slice":
        d = lua_dim(rng, nd)
        n = shape[d - 1 if d > 0 else d]
        frm = rng.randint(1, n)
        to = rng.randint(frm, n)
        if rng.random() < 0.3:
            frm -= n + 1
        if rng.random() < 0.3:
            to -= n + 1
        return b.add({"op": "slice", "x": [i], "dim": d, "from": frm, "to": to, "step": rng.choice([1, 1, 2])})
    if op == "select":
        d = lua_dim(rng, nd)
        n = shape[d - 1 if d > 0 else d]
        k = rng.randint(1, n)
        return b.add({"op": "select", "x": [i], "dim": d, "index": k if rng.random() < 0.7 else k - n - 1})
    if op == "index_select":
        d = lua_dim(rng, nd)
        n = shape[d - 1 if d > 0 else d]
        return b.add({"op": "index_select", "x": [i], "dim": d, "index": [rng.randint(1, n) for _ in range(rng.randint(1, 4))]})
    if op == "gather":
        d = lua_dim(rng, nd)
        n = shape[d - 1 if d > 0 else d]
        index_shape = list(shape)
        index_shape[d - 1 if d > 0 else d] = rng.randint(1, 3)
        index = [rng.randint(1, n) for _ in range(_numel(index_shape))]
        return b.add({"op": "gather", "x": [i], "dim": d, "index": index, "index_shape": index_shape})
    if op == "masked_select":
        return b.add({"op": "masked_select", "x": [i, b.new_input(broadcast_partner(rng, shape))]})
    if op == "narrow":
        d = lua_dim(rng, nd)
        n = shape[d - 1 if d > 0 else d]
        start = rng.randint(1, n)
        return b.add({"op": "narrow", "x": [i], "dim": d, "start": start, "length": rng.randint(0, n - start + 1)})
    if op in ("split", "chunk"):
        d = lua_dim(rng, nd)
        n = shape[d - 1 if d > 0 else d]
        size = rng.randint(1, n)
        pieces = -(-n // size)
        if op == "split":
            return b.add({"op": "split", "x": [i], "dim": d, "size": size, "k": rng.randint(1, pieces)})
        count = rng.randint(1, n)
        actual = len(torch.zeros(n).chunk(count))
        return b.add({"op": "chunk", "x": [i], "dim": d, "n": count, "k": rng.randint(1, actual)})
    if op in ("argmax", "argmin"):
        if i not in b.fresh:
            return None
        return b.add({"op": op, "x": [i], "dim": lua_dim(rng, nd), "keepdim": rng.random() < 0.5})
    if op in ("tril", "triu"):
        if nd < 2:
            return None
        return b.add({"op": op, "x": [i], "k": rng.randint(-1, 1)})
    if op == "t":
        if nd > 2:
            return None
        return b.add({"op": "t", "x": [i]})
    return b.add({"op": "contiguous", "x": [i]})


def make_case(rng, index):
    b = Builder(rng)
    cur = b.new_input(random_shape(rng))
    if rng.random() < 0.3:
        b.new_input(random_shape(rng))
    target = rng.randint(3, 8)
    tries = 0
    while sum(s["op"] != "input" for s in b.steps) < target and tries < 100:
        tries += 1
        # Mostly extend the chain; sometimes branch from an earlier value.
        i = cur if rng.random() < 0.8 else rng.randrange(len(b.vals))
        j = step_for(b, rng, i)
        if j is not None:
            cur = j
    if cur != len(b.vals) - 1 or b.steps[-1]["op"] == "input":
        b.add({"op": "mul_s", "x": [cur], "s": 1.0})
    out = b.vals[-1]
    grad = [round(rng.gauss(0, 1), 4) for _ in range(out.numel())]
    return {"id": index, "inputs": b.inputs, "steps": b.steps, "grad": grad}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    cases = [make_case(rng, i + 1) for i in range(args.count)]
    print(json.dumps({"seed": args.seed, "cases": cases}, separators=(",", ":")))


if __name__ == "__main__":
    main()
