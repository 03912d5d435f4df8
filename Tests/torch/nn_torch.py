"""Both Python halves of the nn tests in one process, so torch is imported
once (it costs seconds): nn_interop.py's and nn_reference.py's.

    .venv/bin/python Tests/torch/nn_torch.py prepare DIR   # their write / batch
    .venv/bin/python Tests/torch/nn_torch.py check DIR     # their check / compare

Tests/e2e/nn_torch_test.sh runs the whole sequence; see the two modules for
what is written and compared. `check` exits 1 when either finds a failure.
"""

import sys
import traceback

import torch

import nn_interop
import nn_reference


def guarded(check, directory):
    """check(directory), with an exception reported as a failure so that the
    other half still runs."""
    try:
        return check(directory)
    except Exception:
        traceback.print_exc()
        print(f"FAIL {check.__module__}.{check.__name__} raised")
        return False


def main():
    torch.set_num_threads(1)
    mode, directory = sys.argv[1], sys.argv[2]
    if mode == "prepare":
        nn_interop.write(directory)
        nn_reference.write_batch(directory)
    elif mode == "check":
        ok = guarded(nn_interop.check, directory)
        ok = guarded(nn_reference.compare, directory) and ok
        sys.exit(0 if ok else 1)
    else:
        sys.exit(f"unknown mode {mode}: use prepare or check")


if __name__ == "__main__":
    main()
