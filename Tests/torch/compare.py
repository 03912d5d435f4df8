"""Compares opslab's results on the differential corpus with PyTorch's.

    .venv/bin/python Tests/torch/compare.py CASES.json RESULTS.json

RESULTS.json comes from Tests/torch/run_cases.lua run by the real binary.
Forward values and every input's gradient must match PyTorch (float32, CPU)
elementwise within |got - want| <= atol + rtol * |want|, with rtol 1e-4 and
atol 1e-5 scaled by the largest magnitude in the tensor compared (float32
sums of n terms carry absolute error proportional to the terms, not to the
result). Prints one line per failing case, then "torch differential:
N passed, N failed", and exits 1 on any failure.
"""

import json
import math
import sys

import numpy as np

from torch_ops import evaluate

RTOL = 1e-4
ATOL = 1e-5


def as_array(values):
    return np.array([float(v) for v in values], dtype=np.float64)


def mismatch(what, got, want):
    """A description of the first mismatch, or None when got matches want."""
    want = want.reshape(-1)
    if got.shape != want.shape:
        return f"{what}: {got.size} values, expected {want.size}"
    finite = np.isfinite(want)
    if not np.array_equal(np.isnan(got), np.isnan(want)) or not np.array_equal(got[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)]):
        return f"{what}: non-finite values differ: got {got[:8]}, want {want[:8]}"
    scale = max(1.0, float(np.max(np.abs(want[finite]), initial=0.0)))
    tol = ATOL * scale + RTOL * np.abs(want[finite])
    bad = np.abs(got[finite] - want[finite]) > tol
    if bad.any():
        k = int(np.argmax(bad))
        return f"{what}: element {k}: got {got[finite][k]:.7g}, want {want[finite][k]:.7g} (tolerance {tol[k]:.2g})"
    return None


def main():
    cases_path, results_path = sys.argv[1], sys.argv[2]
    with open(cases_path) as f:
        cases = json.load(f)["cases"]
    with open(results_path) as f:
        results = {r["id"]: r for r in json.load(f)}
    passed = failed = 0
    for case in cases:
        result = results.get(case["id"])
        problems = []
        if result is None:
            problems.append("no result")
        elif "error" in result:
            problems.append("error: " + result["error"])
        else:
            out, grads = evaluate(case)
            if list(out.shape) != list(result["shape"]):
                problems.append(f"shape {result['shape']}, expected {list(out.shape)}")
            problems.append(mismatch("forward", as_array(result["out"]), out))
            for k, (got, want) in enumerate(zip(result["grads"], grads)):
                problems.append(mismatch(f"grad of input {k + 1}", as_array(got), want))
        problems = [p for p in problems if p]
        if problems:
            failed += 1
            ops = " ".join(s["op"] for s in case["steps"] if s["op"] != "input")
            print(f"FAIL case {case['id']} ({ops}): " + "; ".join(problems))
        else:
            passed += 1
    print(f"torch differential: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
