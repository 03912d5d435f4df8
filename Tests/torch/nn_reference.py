"""opslab's MLP and GPT against reference PyTorch models (nn_models.py) with
the same weights, moved through safetensors, on the same batch.

    .venv/bin/python Tests/torch/nn_reference.py batch DIR
    opslab run --no-init Tests/torch/nn_reference.lua DIR
    .venv/bin/python Tests/torch/nn_reference.py compare DIR

`batch` writes DIR/batch.safetensors: an MLP batch (mlp.x [8, 784] float32,
mlp.target [8] int64), a GPT batch (gpt.idx and gpt.target [8, 32] int64),
all ids 1-based as opslab takes them, and the model sizes as metadata, so
the Lua half builds the same models. nn_reference.lua builds an MLP
784-256-256-10 and GPTs with an untied and a tied head (LayerNorm weights
and biases randomised, embeddings at std 0.02 so LayerNorm's eps matters),
saves each with nn.save as DIR/NAME.safetensors, and writes the logits, the
cross-entropy loss and every parameter's gradient (by name) to
DIR/results.json.

`compare` loads each file with safetensors.torch.load_file into the
reference model (strict: the names must match), runs the batch (ids - 1),
and compares. Criterion, per tensor (logits, loss, each gradient):

    max|opslab - ref| / max(max|ref|, 1e-30) <= 1e-4

except for the attention key biases (blocks.N.attn.k.bias), whose exact
gradient is zero: adding a constant to every key shifts all of a query's
scores equally, and softmax ignores that. Their float32 gradients are pure
rounding noise (about 1e-7 of their neighbours'), so the denominator there
is max|ref| of the same layer's attn.q.bias gradient, the mirror-image sum;
the float64 reference must be below 1e-12 of that scale, confirming the
zero. ref is computed twice, by the PyTorch model in float32 (CPU) and in
float64 from the same float32 weights; opslab must meet the bound against
both. Shapes and parameter names must match exactly.

Two checks keep the comparison honest. For the tied GPT the gradient of
tok.weight is the sum of its use as the embedding and as the head: each use
alone must contribute more than 100x the tolerance, so a gradient missing
either would fail. And a negative control perturbs one weight element of
each reference model by 5% of its tensor's largest magnitude and requires
the comparison to fail. Prints the max relative errors, then
"nn reference: N passed, N failed"; exits 1 on any failure.
"""

import json
import os
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

import nn_models

RTOL = 1e-4
TINY = 1e-30
MLP_SIZES = [784, 256, 256, 10]
GPT = dict(vocab=62, dim=64, heads=4, layers=2, context=32)
BATCH, TIME = 8, 32
MODELS = ["mlp", "gpt", "gpt_tied"]


def write_batch(directory):
    g = torch.Generator().manual_seed(1234)
    tensors = {
        "mlp.x": torch.randn(BATCH, MLP_SIZES[0], generator=g),
        "mlp.target": torch.randint(1, MLP_SIZES[-1] + 1, (BATCH,), generator=g),
        "gpt.idx": torch.randint(1, GPT["vocab"] + 1, (BATCH, TIME), generator=g),
        "gpt.target": torch.randint(1, GPT["vocab"] + 1, (BATCH, TIME), generator=g),
    }
    metadata = {"mlp.sizes": ",".join(map(str, MLP_SIZES))}
    metadata.update({f"gpt.{k}": str(v) for k, v in GPT.items()})
    save_file(tensors, os.path.join(directory, "batch.safetensors"), metadata=metadata)


def reference(name, weights, dtype):
    """The reference model for `name` with `weights`, in `dtype`."""
    model = nn_models.mlp(MLP_SIZES) if name == "mlp" else nn_models.GPT(tied=name == "gpt_tied", **GPT)
    model.load_state_dict(weights, strict=True)
    return model.to(dtype)


def run(name, model, batch, head_weight=None):
    """Logits, loss and {parameter name: gradient} on the batch."""
    model.zero_grad()
    dtype = next(model.parameters()).dtype
    if name == "mlp":
        logits = model(batch["mlp.x"].to(dtype))
        loss = torch.nn.functional.cross_entropy(logits, batch["mlp.target"] - 1)
    else:
        logits = model(batch["gpt.idx"] - 1, head_weight=head_weight)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, GPT["vocab"]), batch["gpt.target"].reshape(-1) - 1)
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    return logits.detach(), loss.detach(), grads


def relative(got, want, scale=None):
    """max|got - want| / max(max|scale|, TINY), scale defaulting to want."""
    got, want = got.double(), want.double()
    if got.shape != want.shape:
        return float("inf")
    scale = want if scale is None else scale
    return (got - want).abs().max().item() / max(scale.abs().max().item(), TINY) if want.numel() else 0.0


def scale_of(name, grads):
    """What a gradient's error is measured against: itself, or for a key
    bias (exactly zero gradient) the query bias of the same layer."""
    return grads[name[:-len("k.bias")] + "q.bias"] if name.endswith("attn.k.bias") else None


def errors(got, want):
    """{what: relative error} over logits, loss and each gradient."""
    logits, loss, grads = want
    out = {"logits": relative(got[0], logits), "loss": relative(got[1], loss)}
    if set(got[2]) != set(grads):
        out["parameter names"] = float("inf")
    for n, g in grads.items():
        out[f"grad {n}"] = relative(got[2][n], g, scale_of(n, grads)) if n in got[2] else float("inf")
    return out


def summary(errs):
    grads = {k: v for k, v in errs.items() if k.startswith("grad ")}
    worst = max(grads, key=grads.get)
    return f"logits {errs['logits']:.2e}, loss {errs['loss']:.2e}, worst gradient {grads[worst]:.2e} ({worst[5:]})"


def opslab_results(entry):
    def tensor(values, shape):
        return torch.tensor(values, dtype=torch.float64).reshape(shape)

    grads = {n: tensor(g, entry["grad_shapes"][n]) for n, g in entry["grads"].items()}
    return tensor(entry["logits"], entry["logits_shape"]), torch.tensor(entry["loss"], dtype=torch.float64), grads


def compare(directory):
    batch = load_file(os.path.join(directory, "batch.safetensors"))
    with open(os.path.join(directory, "results.json")) as f:
        results = json.load(f)
    passed = failed = 0

    def check(ok, message):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + message)

    for name in MODELS:
        path = os.path.join(directory, f"{name}.safetensors")
        weights = load_file(path)
        with safe_open(path, "pt") as f:
            check(f.metadata().get("opslab.config", "").startswith("{"), f"{name}: nn.save wrote no opslab.config")
        check(all(w.dtype == torch.float32 for w in weights.values()), f"{name}: weights are not all float32")
        got = opslab_results(results[name])
        f32 = reference(name, weights, torch.float32)
        want32 = run(name, f32, batch)
        want64 = run(name, reference(name, weights, torch.float64), batch)
        errs32, errs64 = errors(got, want32), errors(got, want64)
        for what in errs64:
            check(errs32[what] <= RTOL and errs64[what] <= RTOL,
                  f"{name}: {what}: relative error {errs32[what]:.3g} against torch float32, {errs64[what]:.3g} against float64")
        print(f"{name} opslab vs torch f64: {summary(errs64)}")
        print(f"{name} opslab vs torch f32: {summary(errs32)}")
        print(f"{name} torch f32 vs f64 (baseline): {summary(errors(want32, want64))}")

        for n, g in want64[2].items():
            if scale_of(n, want64[2]) is not None:
                zero = relative(torch.zeros_like(g), g, scale_of(n, want64[2]))
                check(zero < 1e-12, f"{name}: the float64 gradient of {n} is {zero:.2g} of its scale, not zero")

        if name == "gpt_tied":
            # Gradient of the shared weight from each use alone.
            model = reference(name, weights, torch.float64)
            head = model.tok.weight.detach().clone().requires_grad_()
            _, _, parts = run(name, model, batch, head_weight=head)
            full = want64[2]["tok.weight"]
            for use, part in (("embedding", parts["tok.weight"]), ("head", head.grad)):
                share = part.abs().max().item() / full.abs().max().item()
                check(share > 100 * RTOL, f"gpt_tied: the {use} use contributes only {share:.2g} of tok.weight's gradient")
                print(f"gpt_tied: the {use} alone is off the tied gradient by {relative(part, full):.2e}")

        # Negative control: one perturbed weight must be caught.
        pname, p = max(f32.named_parameters(), key=lambda np_: np_[1].numel())
        with torch.no_grad():
            p.view(-1)[p.numel() // 2] += 0.05 * p.abs().max()
        caught = errors(got, run(name, f32, batch))
        worst = max(caught, key=caught.get)
        check(caught[worst] > RTOL, f"{name}: perturbing one element of {pname} went unnoticed")
        print(f"{name} negative control: one element of {pname} perturbed -> {worst} off by {caught[worst]:.2e}")

    print(f"nn reference: {passed} passed, {failed} failed")
    return failed == 0


def main():
    torch.set_num_threads(1)  # one accumulation order, and no oversubscription
    mode, directory = sys.argv[1], sys.argv[2]
    if mode == "batch":
        write_batch(directory)
    elif mode == "compare":
        sys.exit(0 if compare(directory) else 1)
    else:
        sys.exit(f"unknown mode {mode}: use batch or compare")


if __name__ == "__main__":
    main()
