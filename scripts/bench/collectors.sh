#!/usr/bin/env bash
# One full pass of every built-in collector, timed inside opslab, beside the
# real node_exporter answering one /metrics scrape on the same machine, both
# measured in this run. Prints medians and the ratio; no pass/fail.
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-30}

opslab_ms=$("$bin" --no-init -e "
  local builtin = {}
  for _, p in ipairs(plugins.list('collector')) do
    if p.source == 'built-in' then builtin[#builtin + 1] = p.name end
  end
  metrics.collect(builtin)   -- warm up (and give the CPU collector its first deltas)
  local times = {}
  for i = 1, $runs do
    local start = opslab.now()
    metrics.collect(builtin)
    times[i] = (opslab.now() - start) * 1000
  end
  table.sort(times)
  io.write(string.format('%.2f', times[(#times + 1) // 2]))")

port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$port" >/dev/null 2>&1 &
ne=$!
trap 'kill $ne 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break; sleep 0.1; done
ne_ms=$(for _ in $(seq "$runs"); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/metrics"; done |
  sort -n | awk '{a[NR] = $1 * 1000} END {printf "%.2f", a[int((NR + 1) / 2)]}')

echo "one pass of all built-in collectors vs one node_exporter scrape, median of $runs"
printf '  opslab collectors     %8s ms\n' "$opslab_ms"
printf '  node_exporter scrape  %8s ms\n' "$ne_ms"
printf '  ratio opslab / node_exporter: %.2fx\n' "$(echo "$opslab_ms / $ne_ms" | bc -l)"
