#!/usr/bin/env bash
# Tensor speed: scripts/bench/tensor.lua in opslab (release build) beside
# scripts/bench/tensor_torch.py in PyTorch (and OpenBLAS called directly),
# in the same run. Prints both figures and opslab's ratio to torch for each
# (for GFLOP/s higher is better; for times, a ratio above 1 means opslab is
# slower). Benchmarks, not tests: nothing passes or fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/lib/setup.sh"
cd "$root"
ensure_torch_venv "$root"
swift build -c release --product opslab >/dev/null
export OPSLAB_HOME=$(mktemp -d) HOME=$(mktemp -d)

# The machine is shared, so the two sides run alternately $rounds times and
# each figure is the best seen (highest GFLOP/s, lowest time).
rounds=${ROUNDS:-3}
best() { awk '!/^#/ { if (!($1 in v) || ($3 ~ /GFLOP/ ? $2 > v[$1] : $2 < v[$1])) { v[$1] = $2; u[$1] = $3 }
                     if (!($1 in order)) { order[$1] = ++n; keys[n] = $1 } }
              END { for (i = 1; i <= n; i++) print keys[i], v[keys[i]], u[keys[i]] }'; }
ours_all="" theirs_all=""
for _ in $(seq "$rounds"); do
  ours_all+=$("$root/.build/release/opslab" run --no-init scripts/bench/tensor.lua)$'\n'
  theirs_all+=$("$root/.venv/bin/python" scripts/bench/tensor_torch.py)$'\n'
done
ours=$(printf '%s' "$ours_all" | best)
theirs=$(printf '%s' "$theirs_all" | best)
notes=$(printf '%s' "$theirs_all" | grep '^#' | sort -u || true)

printf '%-24s %14s %14s %9s\n' "benchmark" "opslab" "torch" "ratio"
while read -r key value unit; do
  peer=$(printf '%s\n' "$theirs" | awk -v k="$key" '$1 == k {print $2}')
  [ -n "$peer" ] || continue
  ratio=$(echo "$value / $peer" | bc -l)
  printf '%-24s %10.2f %-3s %10.2f %-3s %8.2fx\n' "$key" "$value" "$unit" "$peer" "$unit" "$ratio"
done <<< "$ours"
printf '%s\n' "$theirs" | awk '$1 ~ /openblas/ {printf "%-24s %14s %10.2f %s (direct BLAS, for reference)\n", $1, "", $2, $3}'
printf '%s\n' "$notes"
echo "# best of $rounds alternating rounds; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
