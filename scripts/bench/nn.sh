#!/usr/bin/env bash
# Training-step speed and memory: scripts/bench/nn.lua in opslab (release
# build) beside scripts/bench/nn_torch.py in PyTorch, in the same run.
# Prints both figures and opslab's ratio to torch (above 1: opslab is slower
# or uses more). NN_BENCH_MEMORY=0 skips the 10,000-step memory run.
# Benchmarks, not tests: nothing passes or fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$root/scripts/lib/setup.sh"
ensure_torch_venv "$root"
ours=$("$bin" run --no-init scripts/bench/nn.lua)
theirs=$("$root/.venv/bin/python" scripts/bench/nn_torch.py)
printf '%-24s %14s %14s %9s\n' "benchmark" "opslab" "torch" "ratio"
while read -r key value unit; do
  peer=$(printf '%s\n' "$theirs" | awk -v k="$key" '$1 == k {print $2}')
  [ -n "$peer" ] || continue
  printf '%-24s %10.2f %-3s %10.2f %-3s %8.2fx\n' "$key" "$value" "$unit" "$peer" "$unit" "$(echo "$value / $peer" | bc -l)"
done <<< "$ours"
printf '%s\n' "$theirs" | grep '^#' || true
echo "# $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
