#!/usr/bin/env bash
# Notebooks: what running a notebook costs beyond running the same cells as
# one script with `opslab run` (goal: at most 20 ms more), and how long an
# SVG chart of 100,000 points takes to render (goal: under 50 ms), both
# measured in this run on the release build. Prints medians; no pass/fail.
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT


# The same 20 cells as a notebook and as one script (with the seed a notebook
# run sets first): small tensor work and a printed line each, and a plot.
{
  echo "# bench"
  for i in $(seq 20); do
    printf '\nCell %d.\n\n```lua\nx%d = tensor.randn(64, 64):matmul(tensor.randn(64, 64)):sum():item()\nprint(string.format("%%d %%.3f", %d, x%d))\n```\n' "$i" "$i" "$i" "$i"
  done
  printf '\n```lua\np = plot.line(tensor.randn(1000))\n```\n'
} > "$work/bench.md"
{
  echo "tensor.manual_seed(0)"
  awk '/^```lua$/ {cell = 1; next} /^```$/ {cell = 0; next} cell' "$work/bench.md"
} > "$work/bench.lua"

read -r notebook_ms notebook_min <<< "$(timings_ms "$bin" notebook run "$work/bench.md")"
read -r script_ms script_min <<< "$(timings_ms "$bin" run --no-init "$work/bench.lua")"
echo "notebook run overhead, 21 cells, $runs runs (median, minimum)"
printf '  opslab run cells.lua          %8s ms %8s ms\n' "$script_ms" "$script_min"
printf '  opslab notebook run bench.md  %8s ms %8s ms\n' "$notebook_ms" "$notebook_min"
printf '  overhead                      %+8.2f ms %+8.2f ms   (goal: at most +20 ms)\n' \
  "$(echo "$notebook_ms - $script_ms" | bc -l)" "$(echo "$notebook_min - $script_min" | bc -l)"

cat > "$work/svg.lua" <<'EOF'
tensor.manual_seed(1)
local y = tensor.randn(100000)
local line = plot.line(y, {title = "100,000 points"})
local scatter = plot.scatter(tensor.randn(100000), y)
local function median(f, n)
  local times = {}
  for i = 1, n do
    local start = opslab.now()
    f()
    times[i] = (opslab.now() - start) * 1000
  end
  table.sort(times)
  return times[(n + 1) // 2]
end
print(string.format("  line, 100,000 points        %8.2f ms   (goal: under 50 ms; %d bytes of SVG)",
  median(function() line:svg() end, 21), #line:svg()))
print(string.format("  scatter, 100,000 points     %8.2f ms   (%d bytes)", median(function() scatter:svg() end, 21), #scatter:svg()))
EOF
echo "SVG render time, median of 21 renders"
"$bin" run --no-init "$work/svg.lua"
