"""safetensors interop between opslab and PyTorch, both ways.

    .venv/bin/python Tests/torch/nn_interop.py write DIR
    opslab run --no-init Tests/torch/nn_interop.lua DIR
    .venv/bin/python Tests/torch/nn_interop.py check DIR

`write` makes, with safetensors.torch.save_file:
- DIR/dtypes.safetensors: float32, float16, bfloat16, float64, int64, int32,
  int8, uint8 and bool tensors of odd shapes (0-d, an empty dim, 1-D, 4-D),
  with infinities, nan, -0, float16 subnormals and extremes, and non-ASCII
  metadata. float16/bfloat16/int8/uint8/bool values are exact in float32,
  float64 and wide integers are expected rounded to the nearest float32.
- DIR/hostile/*.safetensors: broken files (truncated, a header length past
  the end, overlapping or gapped data_offsets, unknown dtypes, garbage,
  metadata that is not string -> string, ...), each with a fragment its
  error message must contain.
- DIR/torch_mlp.safetensors: a PyTorch MLP's state dict, with an input and
  PyTorch's logits for it in DIR/torch_mlp_io.safetensors, and a copy with
  one weight transposed (torch_mlp_wrong.safetensors) that must be refused.
- DIR/expected.lua: all the expected values, as a Lua table, so the Lua half
  needs no JSON parser.

nn_interop.lua checks those in opslab, then saves an MLP and two GPTs with
nn.save and dumps their parameters, metadata and logits on a small input to
DIR/opslab_dump.json. `check` loads each of those files with
safetensors.torch.load_file: names, shapes and float32 values must equal the
dump exactly, the metadata must round-trip, and the reference models of
nn_models.py, loaded strictly from the files, must reproduce opslab's logits
within max|a - b| / max|b| <= 1e-4. Prints "nn interop (torch): N passed,
N failed"; exits 1 on any failure.
"""

import json
import os
import random
import struct
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save, save_file

import nn_models

RTOL = 1e-4
MLP_SIZES = [20, 33, 17, 5]
METADATA = {"format": "pt", "note": 'h\u00e9llo \u2713 "quoted" back\\slash\nnew line\ttab', "empty": ""}


# -- Lua literals for expected.lua ---------------------------------------------

def lua(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        value = float(value)
        if value != value:
            return "(0/0)"
        if value in (float("inf"), float("-inf")):
            return ("-" if value < 0 else "") + "math.huge"
        return repr(value)
    if isinstance(value, str):  # every byte escaped: no quoting rules to get wrong
        return '"' + "".join(f"\\{b:03d}" for b in value.encode()) + '"'
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    return "{" + ", ".join(lua(v) for v in value) + "}"


def as_float32(t):
    """The float32 values opslab should hold for `t`, as Python floats."""
    if t.dtype in (torch.int64, torch.int32):
        return [float(np.float32(v)) for v in t.reshape(-1).tolist()]
    with np.errstate(over="ignore"):  # 1e300 becomes inf in float32, as in opslab
        return [float(v) for v in t.to(torch.float64).reshape(-1).numpy().astype(np.float32)]


# -- files for opslab to read --------------------------------------------------

def dtype_tensors():
    g = torch.Generator().manual_seed(7)
    special16 = [65504.0, -65504.0, 2.0 ** -24, 2.0 ** -14, -0.0, float("inf"), float("-inf"), float("nan")]
    return {
        "f32.4d": torch.randn(2, 3, 1, 4, generator=g),
        "f32.0d": torch.tensor(-1.5),
        "f32.empty": torch.zeros(2, 0, 3),
        "f16.1d": torch.cat([torch.randn(9, generator=g), torch.tensor(special16)]).half(),
        "f16.empty": torch.zeros(0, dtype=torch.float16),
        "bf16.2d": torch.cat([torch.randn(3, 5, generator=g), torch.tensor([[1e30, -2.5e-30, 3e38, -1e-38, 0.0]])]).bfloat16(),
        "f64.3d": torch.cat([torch.randn(2, 2, 3, generator=g, dtype=torch.float64),
                             torch.tensor([[[0.1, 1 / 3, 1e-40], [-2.0 ** 100, 1e300, -1e300]]], dtype=torch.float64)]),
        "i64.1d": torch.tensor([-3, 0, 7, 2 ** 24, -2 ** 31, 2 ** 40, 2 ** 62, 2 ** 24 + 1], dtype=torch.int64),
        "i64.0d": torch.tensor(42, dtype=torch.int64),
        "i32.2d": torch.tensor([[-7, 2 ** 31 - 1], [-2 ** 31, 5]], dtype=torch.int32),
        "i8.1d": torch.tensor([-128, -1, 0, 127], dtype=torch.int8),
        "u8.1d": torch.tensor([0, 1, 255], dtype=torch.uint8),
        "bool.1d": torch.tensor([True, False, True]),
    }


def header_file(header, data=b"", length=None):
    """A safetensors file with this header (a dict, or raw bytes) and data."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


def hostile_files():
    """{name: (bytes, fragment its error must contain)}."""
    valid = save({"w": torch.arange(12, dtype=torch.float32).reshape(3, 4)})
    f32 = lambda offsets, shape=(4,): {"dtype": "F32", "shape": list(shape), "data_offsets": list(offsets)}
    rng = random.Random(99)
    deep = 100_000
    return {
        "empty": (b"", "shorter than the 8-byte header length"),
        "five_bytes": (b"\x01\x02\x03\x04\x05", "shorter than the 8-byte header length"),
        "truncated_data": (valid[:-10], "truncated"),
        "truncated_header": (valid[:20], "truncated"),
        "header_past_end": (header_file({"a": f32((0, 16))}, bytes(16), length=len(valid) + 1000), "truncated"),
        "header_length_huge": (struct.pack("<Q", 2 ** 63 + 5) + b"{}", "larger than"),
        "overlapping_offsets": (header_file({"a": f32((0, 16)), "b": f32((8, 24))}, bytes(24)), "overlap"),
        "same_offsets": (header_file({"a": f32((0, 16)), "b": f32((0, 16))}, bytes(16)), "overlap"),
        "gap_in_offsets": (header_file({"a": f32((0, 16)), "b": f32((20, 36))}, bytes(36)), "gap"),
        "offsets_past_data": (header_file({"a": f32((0, 16))}, bytes(8)), "truncated"),
        "trailing_bytes": (header_file({"a": f32((0, 16))}, bytes(20)), "belong to none"),
        "shape_offsets_mismatch": (header_file({"a": f32((0, 16), (5,))}, bytes(16)), "needs"),
        "unknown_dtype": (header_file({"a": {"dtype": "Q7", "shape": [4], "data_offsets": [0, 16]}}, bytes(16)), "unsupported dtype Q7"),
        "unsupported_fp8": (header_file({"a": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}}, bytes(4)), "unsupported dtype F8_E4M3"),
        "dtype_missing": (header_file({"a": {"shape": [4], "data_offsets": [0, 16]}}, bytes(16)), "dtype is missing"),
        "dtype_not_string": (header_file({"a": {"dtype": 32, "shape": [4], "data_offsets": [0, 16]}}, bytes(16)), "dtype"),
        "entry_not_object": (header_file({"a": 5}), "not an object"),
        "negative_dim": (header_file({"a": f32((0, 16), (-1, -4))}, bytes(16)), "non-negative"),
        "fractional_dim": (header_file({"a": f32((0, 16), (2.5,))}, bytes(16)), "non-negative integers"),
        "shape_overflow": (header_file({"a": f32((0, 16), (2 ** 62, 2 ** 62))}, bytes(16)), "too large"),
        "shape_huge": (header_file({"a": f32((0, 16), (2 ** 40,))}, bytes(16)), "needs"),
        "negative_offsets": (header_file({"a": f32((-16, 0))}, bytes(16)), "data_offsets"),
        "offsets_reversed": (header_file({"a": f32((16, 0))}, bytes(16)), "data_offsets"),
        "offsets_strings": (header_file({"a": f32(("0", "16"))}, bytes(16)), "data_offsets"),
        "offsets_three": (header_file({"a": f32((0, 8, 16))}, bytes(16)), "data_offsets"),
        "garbage": (bytes(rng.randrange(256) for _ in range(4096)), "safetensors"),
        "garbage_header": (struct.pack("<Q", 64) + bytes(rng.randrange(256) for _ in range(64 + 16)), "not valid JSON"),
        "header_not_utf8": (header_file(b'{"\xff\xfe": {"dtype": "F32", "shape": [], "data_offsets": [0, 4]}}', bytes(4)), "not valid JSON"),
        "header_empty": (header_file(b""), "not valid JSON"),
        "header_array": (header_file([1, 2, 3]), "not a JSON object"),
        "header_deeply_nested": (header_file(b"[" * deep + b"]" * deep), "JSON"),
        "metadata_number": (header_file({"__metadata__": {"n": 1}}), "is not a string"),
        "metadata_nested": (header_file({"__metadata__": {"a": {"b": "c"}}}), "is not a string"),
        "metadata_null": (header_file({"__metadata__": {"a": None}}), "is not a string"),
        "metadata_list": (header_file({"__metadata__": ["a", "b"]}), "__metadata__ is not an object"),
        "metadata_string": (header_file({"__metadata__": "a=b"}), "__metadata__ is not an object"),
    }


def write(directory):
    tensors = dtype_tensors()
    save_file(tensors, os.path.join(directory, "dtypes.safetensors"), metadata=METADATA)
    expected = {"tensors": {n: {"shape": list(t.shape), "values": as_float32(t)} for n, t in tensors.items()},
                "metadata": METADATA, "hostile": [], "mlp_sizes": MLP_SIZES}

    os.makedirs(os.path.join(directory, "hostile"), exist_ok=True)
    for name, (data, fragment) in hostile_files().items():
        path = f"hostile/{name}.safetensors"
        with open(os.path.join(directory, path), "wb") as f:
            f.write(data)
        expected["hostile"].append({"file": path, "expect": fragment})

    torch.manual_seed(5)
    model = nn_models.mlp(MLP_SIZES)
    x = torch.randn(6, MLP_SIZES[0])
    with torch.no_grad():
        logits = model(x)
    state = model.state_dict()
    save_file(state, os.path.join(directory, "torch_mlp.safetensors"), metadata={"format": "pt"})
    save_file({"x": x, "logits": logits}, os.path.join(directory, "torch_mlp_io.safetensors"))
    wrong = dict(state)
    wrong["2.weight"] = state["2.weight"].t().contiguous()
    save_file(wrong, os.path.join(directory, "torch_mlp_wrong.safetensors"))

    with open(os.path.join(directory, "expected.lua"), "w") as f:
        f.write("return " + lua(expected) + "\n")


# -- files opslab wrote --------------------------------------------------------

def check(directory):
    with open(os.path.join(directory, "opslab_dump.json")) as f:
        dump = json.load(f)
    passed = failed = 0

    def expect(ok, message):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL " + message)

    expect(set(dump) == {"mlp", "gpt", "gpt_tied"}, f"opslab dumped {sorted(dump)}")
    for name, entry in sorted(dump.items()):
        path = os.path.join(directory, f"opslab_{name}.safetensors")
        loaded = load_file(path)
        expect(set(loaded) == set(entry["tensors"]), f"{name}: names {sorted(loaded)} != {sorted(entry['tensors'])}")
        for n, want in entry["tensors"].items():
            got = loaded.get(n)
            if got is None:
                continue
            want_t = torch.tensor(want["values"], dtype=torch.float64).reshape(want["shape"])
            expect(got.dtype == torch.float32, f"{name}: {n} is {got.dtype}, not float32")
            expect(list(got.shape) == want["shape"], f"{name}: {n} has shape {list(got.shape)}, opslab's is {want['shape']}")
            expect(got.shape == want_t.shape and torch.equal(got.double(), want_t),
                   f"{name}: {n} differs from opslab's values")
        with safe_open(path, "pt") as f:
            metadata = f.metadata()
        expect(metadata.get("note") == METADATA["note"], f"{name}: metadata note came back as {metadata.get('note')!r}")
        config = json.loads(metadata.get("opslab.config", "null"))
        expect(isinstance(config, dict) and config.get("layer") == ("Sequential" if name == "mlp" else "GPT"),
               f"{name}: opslab.config is {metadata.get('opslab.config')!r}")
        digest = metadata.get("opslab.sha256", "")
        expect(len(digest) == 64 and all(c in "0123456789abcdef" for c in digest), f"{name}: opslab.sha256 is {digest!r}")

        # The same weights in the reference model give opslab's logits.
        if name == "mlp":
            model = nn_models.mlp(dump[name]["sizes"])
        else:
            model = nn_models.GPT(tied=name == "gpt_tied", **dump[name]["config"])
        try:
            model.load_state_dict(loaded, strict=True)
        except RuntimeError as error:
            expect(False, f"{name}: the reference model refuses the file: {error}")
            continue
        inp = torch.tensor(entry["input"]["values"]).reshape(entry["input"]["shape"])
        with torch.no_grad():
            want = model(inp if name == "mlp" else inp.long() - 1).double()
        got = torch.tensor(entry["logits"]["values"], dtype=torch.float64).reshape(entry["logits"]["shape"])
        err = (got - want).abs().max().item() / want.abs().max().item() if got.shape == want.shape else float("inf")
        expect(err <= RTOL, f"{name}: logits of the reference model on opslab's weights are off by {err:.3g}")
        print(f"{name}: torch on opslab's file reproduces opslab's logits to {err:.2e}")

    print(f"nn interop (torch): {passed} passed, {failed} failed")
    return failed == 0


def main():
    torch.set_num_threads(1)
    mode, directory = sys.argv[1], sys.argv[2]
    if mode == "write":
        write(directory)
    elif mode == "check":
        sys.exit(0 if check(directory) else 1)
    else:
        sys.exit(f"unknown mode {mode}: use write or check")


if __name__ == "__main__":
    main()
