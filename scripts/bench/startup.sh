#!/usr/bin/env bash
# Cold start: wall time to the end of `opslab -e 'print(1)'`, beside
# `lua5.4 -e 'print(1)'` and, where installed, `python3 -c 'import torch'`,
# all measured in this run. Prints medians and ratios; no pass/fail.
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-30}

# median_ms COMMAND...: the median wall time of $runs runs, in milliseconds.
median_ms() {
  local times=()
  "$@" >/dev/null 2>&1   # warm the page cache
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]/1000}'
}

opslab_ms=$(median_ms "$bin" --no-init -e 'print(1)')
lua_ms=$(median_ms lua5.4 -e 'print(1)')
echo "cold start, median of $runs runs"
printf '  opslab -e print(1)      %8s ms\n' "$opslab_ms"
printf '  lua5.4 -e print(1)      %8s ms   (opslab / lua: %.1fx)\n' "$lua_ms" "$(echo "$opslab_ms / $lua_ms" | bc -l)"
py=${PYTHON:-$root/.venv/bin/python}
if [ -x "$py" ] && "$py" -c 'import torch' 2>/dev/null; then
  torch_ms=$(median_ms "$py" -c 'import torch')
  printf '  python -c "import torch" %7s ms   (opslab / torch: %.3fx)\n' "$torch_ms" "$(echo "$opslab_ms / $torch_ms" | bc -l)"
else
  echo "  python -c 'import torch': not installed here, skipped"
fi
