#!/usr/bin/env bash
# Training-step speed and memory: scripts/bench/nn.lua in opslab (release
# build) beside scripts/bench/nn_torch.py in PyTorch, in the same run.
# Prints both figures and opslab's ratio to torch (above 1: opslab is slower
# or uses more). The machine is shared, so the step timings run alternately
# $ROUNDS times (default 3) and each figure is the best seen; the 10,000-step
# memory run (NN_BENCH_MEMORY=0 skips it) runs once per side.
# Benchmarks, not tests: nothing passes or fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$root/scripts/lib/setup.sh"
ensure_torch_venv "$root"
best() { awk '{ if (!($1 in v) || $2 < v[$1]) { v[$1] = $2; u[$1] = $3 } if (!($1 in seen)) { seen[$1] = 1; keys[++n] = $1 } }
              END { for (i = 1; i <= n; i++) print keys[i], v[keys[i]], u[keys[i]] }'; }
ours="" theirs=""
for _ in $(seq "${ROUNDS:-3}"); do
  ours+=$(NN_BENCH_MEMORY=0 "$bin" run --no-init scripts/bench/nn.lua)$'\n'
  theirs+=$(NN_BENCH_MEMORY=0 "$root/.venv/bin/python" scripts/bench/nn_torch.py | grep -v '^#')$'\n'
done
if [ "${NN_BENCH_MEMORY:-1}" != 0 ]; then
  ours+=$("$bin" run --no-init scripts/bench/nn.lua | grep '^rss')$'\n'
  theirs+=$("$root/.venv/bin/python" scripts/bench/nn_torch.py | grep '^rss')$'\n'
fi
ours=$(printf '%s' "$ours" | best)
theirs=$(printf '%s' "$theirs" | best)
printf '%-24s %14s %14s %9s\n' "benchmark" "opslab" "torch" "ratio"
while read -r key value unit; do
  peer=$(printf '%s\n' "$theirs" | awk -v k="$key" '$1 == k {print $2}')
  [ -n "$peer" ] || continue
  printf '%-24s %10.2f %-3s %10.2f %-3s %8.2fx\n' "$key" "$value" "$unit" "$peer" "$unit" "$(echo "$value / $peer" | bc -l)"
done <<< "$ours"
echo "# best of ${ROUNDS:-3} alternating rounds; torch $("$root/.venv/bin/python" -c 'import torch; print(torch.__version__, torch.get_num_threads(), "threads")')"
echo "# $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
