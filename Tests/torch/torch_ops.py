"""What each op of the differential corpus means in PyTorch.

A case is a list of input tensors and a list of steps; each step appends one
value: {"op": "input", "k": K} the K-th input (1-based), any other op its
result on earlier values ("x" lists their 0-based positions). Dims, indices and slice bounds in the corpus are written
the way a Lua user writes them (1-based, negative from the end, inclusive
ranges), so the Lua runner passes them through untouched and this module
converts them to PyTorch's conventions.
"""

import torch


def dim0(d):
    """A 1-based or negative Lua dim as PyTorch's dim."""
    return d - 1 if d > 0 else d


def dims0(ds):
    return [dim0(d) for d in ds] if isinstance(ds, list) else dim0(ds)


def slice_bounds(frm, to, n):
    """string.sub-style inclusive bounds as a Python half-open slice."""
    start = frm - 1 if frm > 0 else max(n + frm, 0)
    end = min(to, n) if to >= 0 else max(n + to + 1, 0)
    return start, max(end, start)


def apply(step, vals):
    """The result of one step, given the values computed so far."""
    op = step["op"]
    x = [vals[i] for i in step["x"]]
    a = x[0] if x else None
    unary = {
        "neg": torch.neg, "abs": torch.abs, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt,
        "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
        "relu": torch.relu, "silu": torch.nn.functional.silu,
        "gelu": lambda t: torch.nn.functional.gelu(t),
        "gelu_tanh": lambda t: torch.nn.functional.gelu(t, approximate="tanh"),
        "contiguous": lambda t: t.contiguous(), "t": lambda t: t.t(),
    }
    if op in unary:
        return unary[op](a)
    binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
              "maximum": torch.maximum, "minimum": torch.minimum, "matmul": torch.matmul}
    if op in binary:
        return binary[op](a, x[1])
    s = step.get("s")
    if op == "add_s":
        return a + s
    if op == "mul_s":
        return a * s
    if op == "rsub_s":
        return s - a
    if op == "rdiv_s":
        return s / a
    if op == "pow_s":
        return a ** s
    if op == "clamp":
        return torch.clamp(a, step.get("min"), step.get("max"))
    if op in ("sum", "mean", "logsumexp"):
        d = step.get("dim")
        if d is None:
            return getattr(torch, op)(a) if op != "logsumexp" else torch.logsumexp(a, list(range(a.dim())))
        return getattr(torch, op)(a, dims0(d), keepdim=step["keepdim"])
    if op in ("var", "std"):
        return getattr(torch, op)(a, dims0(step["dim"]), keepdim=step["keepdim"], unbiased=step.get("unbiased", True))
    if op in ("max", "min"):
        d = step.get("dim")
        if d is None:
            return torch.amax(a) if op == "max" else torch.amin(a)
        return getattr(torch, op)(a, dim0(d), keepdim=step["keepdim"]).values
    if op == "softmax":
        return torch.softmax(a, dim0(step["dim"]))
    if op == "log_softmax":
        return torch.log_softmax(a, dim0(step["dim"]))
    if op == "reshape":
        return a.reshape(step["shape"])
    if op == "transpose":
        return a.transpose(dim0(step["d1"]), dim0(step["d2"]))
    if op == "permute":
        return a.permute([dim0(d) for d in step["dims"]])
    if op == "unsqueeze":
        d = step["dim"]
        return a.unsqueeze(d - 1 if d > 0 else a.dim() + 1 + d)
    if op == "squeeze":
        return a.squeeze(dim0(step["dim"]))
    if op == "flatten":
        return a.flatten(dim0(step["from"]), dim0(step["to"]))
    if op == "expand":
        return a.expand(step["shape"])
    if op == "slice":
        d = dim0(step["dim"])
        start, end = slice_bounds(step["from"], step["to"], a.shape[d])
        index = [slice(None)] * a.dim()
        index[d] = slice(start, end, step["step"])
        return a[tuple(index)]
    if op == "select":
        d = dim0(step["dim"])
        i = step["index"]
        return a.select(d, i - 1 if i > 0 else i)
    if op == "index_select":
        d = dim0(step["dim"])
        return a.index_select(d, torch.tensor([i - 1 for i in step["index"]]))
    if op == "gather":
        return a.gather(dim0(step["dim"]), torch.tensor(step["index"]).reshape(step["index_shape"]) - 1)
    if op == "masked_select":
        return a.masked_select(x[1] > 0)
    if op == "narrow":
        return a.narrow(dim0(step["dim"]), step["start"] - 1, step["length"])
    if op in ("split", "chunk"):
        pieces = a.split(step["size"], dim0(step["dim"])) if op == "split" else a.chunk(step["n"], dim0(step["dim"]))
        return pieces[step["k"] - 1]
    if op in ("argmax", "argmin"):
        # Lua indices are 1-based floats.
        return getattr(torch, op)(a, dim0(step["dim"]), keepdim=step["keepdim"]).float() + 1
    if op == "cat":
        return torch.cat(x, dim0(step["dim"]))
    if op == "stack":
        d = step["dim"]
        return torch.stack(x, d - 1 if d > 0 else a.dim() + 1 + d)
    if op == "where_gt":
        return torch.where(a > 0, x[1], x[2])
    if op == "tril":
        return torch.tril(a, step["k"])
    if op == "triu":
        return torch.triu(a, step["k"])
    raise ValueError("unknown op " + op)


def evaluate(case):
    """Forward value and the gradient of every input, as float64 numpy arrays."""
    inputs = []
    for spec in case["inputs"]:
        t = torch.tensor(spec["data"], dtype=torch.float32).reshape(spec["shape"])
        inputs.append(t.requires_grad_(True))
    vals = []
    for step in case["steps"]:
        vals.append(inputs[step["k"] - 1] if step["op"] == "input" else apply(step, vals))
    out = vals[-1]
    grad = torch.tensor(case["grad"], dtype=torch.float32).reshape(out.shape)
    if out.requires_grad:
        out.backward(grad)
    grads = [t.grad if t.grad is not None else torch.zeros_like(t) for t in inputs]
    return out.detach().double().numpy(), [g.double().numpy() for g in grads]
