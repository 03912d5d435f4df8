#!/usr/bin/env bash
# Cold start: wall time to the end of `opslab -e 'print(1)'`, beside
# `lua5.4 -e 'print(1)'` and, where installed, `python3 -c 'import torch'`,
# all measured in this run. Prints medians and ratios; no pass/fail.
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-30}


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
