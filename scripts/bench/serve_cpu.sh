#!/usr/bin/env bash
# CPU used by `opslab serve` at the default 15 s interval: user + system
# time over DURATION seconds (default 300) as a share of one core, with one
# Prometheus-style scrape of /metrics every 15 s. No pass/fail.
. "$(dirname "$0")/lib.sh"
duration=${DURATION:-300}
port=$(free_port)
"$bin" serve --no-init --listen "127.0.0.1:$port" --log-level warning &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready" && break; sleep 0.1; done

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
start_ticks=$(ticks); start=$(date +%s.%N)
end=$(( $(date +%s) + duration ))
while [ "$(date +%s)" -lt $end ]; do
  curl -s -o /dev/null "http://127.0.0.1:$port/metrics"
  sleep 15
done
used=$(( $(ticks) - start_ticks )); elapsed=$(echo "$(date +%s.%N) - $start" | bc -l)
printf 'opslab serve, %.0f s at a 15 s interval with a scrape every 15 s:\n' "$elapsed"
printf '  CPU %.2f s = %.3f%% of one core\n' "$(echo "$used / $hz" | bc -l)" "$(echo "100 * $used / $hz / $elapsed" | bc -l)"
