#!/usr/bin/env bash
# The nn module against PyTorch (Tests/torch/nn_*.py, nn_*.lua):
# safetensors files move both ways between opslab and safetensors.torch
# with the same values and metadata, broken files give clean Lua errors, and
# opslab's MLP and GPTs (untied and tied head) give the logits, loss and
# gradients of reference PyTorch models on the same weights and batch.
# Needs the .venv with torch that scripts/test sets up.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$root/Tests/torch
python=$root/.venv/bin/python
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ left in Tests/torch
work=$SCRATCH/nn
mkdir -p "$work"

# step NAME COMMAND...: runs test halves that print a line per failed check
# and end each with "<name>: N passed, N failed"; adds those counts to ours.
# A run that dies without such a line (a crash) is one failure. The summary
# lines are not repeated, so scripts/test counts each check once.
step() {
  local name=$1 out status p f counted=0
  shift
  out=$("$@" 2>&1); status=$?
  printf '%s\n' "$out" | grep -vE ': [0-9]+ passed, [0-9]+ failed$' | sed 's/^/  /'
  while read -r p f; do
    PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); counted=$((counted + 1))
  done < <(printf '%s\n' "$out" | sed -nE 's/.*: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/p')
  if [ $counted -eq 0 ]; then
    fail "$name: exited $status without a summary"
  elif [ $status -ne 0 ] && ! printf '%s\n' "$out" | grep -qE ': [0-9]+ passed, [1-9][0-9]* failed$'; then
    fail "$name: exited $status with no failed check"
  fi
}

if ! "$python" -c 'import torch, safetensors, numpy' 2>/dev/null; then
  fail "$python lacks torch, safetensors or numpy (scripts/test sets up .venv)"
  finish
  exit
fi

# Python writes the files opslab reads, opslab reads them and writes its
# own, Python checks those: torch is imported twice, not four times.
check "nn_torch.py prepare" "$python" "$dir/nn_torch.py" prepare "$work"
step "opslab reads PyTorch's files (nn_interop.lua)" "$OPSLAB" run --no-init "$dir/nn_interop.lua" "$work"
check "nn_reference.lua" "$OPSLAB" run --no-init "$dir/nn_reference.lua" "$work"
step "PyTorch checks opslab's files and results (nn_torch.py check)" "$python" "$dir/nn_torch.py" check "$work"

finish
