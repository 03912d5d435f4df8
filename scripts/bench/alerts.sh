#!/usr/bin/env bash
# Rule evaluation beside Prometheus 2.42: 1,000 alerting rules (10 groups of
# 100) over 10,000 series, the same rule file and the same samples in both.
# Prometheus reads the samples as TSDB blocks (promtool tsdb
# create-blocks-from openmetrics) and reports each group's
# prometheus_rule_group_last_duration_seconds; opslab imports them into its
# store and times full evaluation cycles of every group (alerts.eval). One
# tool runs at a time, so neither competes for the CPUs. Also prints the
# resident memory of each with the rules loaded. Figures and ratios only.
. "$(dirname "$0")/lib.sh"
command -v prometheus >/dev/null && command -v promtool >/dev/null || { echo "needs prometheus and promtool (apt-get install prometheus)"; exit 1; }
work=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
# Samples end now: Prometheus refuses to write rule results (ALERTS) older
# than its newest block, so the data must not lie in the future.
end=$(python3 - "$work" <<'PY'
import random, sys, time
work = sys.argv[1]
random.seed(7)
end = int(time.time()) // 15 * 15
start = end - 1800
with open(f"{work}/data.om", "w") as f:
    f.write("# TYPE bench_gpu_temp gauge\n")
    for node in range(100):
        for gpu in range(100):
            level = random.randint(40, 90)
            for t in range(start, end + 1, 15):
                level = max(20, min(100, level + random.randint(-2, 2)))
                f.write(f'bench_gpu_temp{{node="n{node}",gpu="{gpu}"}} {level} {t}\n')
    f.write("# EOF\n")
with open(f"{work}/rules.yml", "w") as f:
    f.write("groups:\n")
    for g in range(10):
        f.write(f"- name: g{g}\n  rules:\n")
        for r in range(100):
            i = g * 100 + r
            node, threshold = i % 100, 60 + i % 35
            kind = i % 3
            if kind == 0:
                expr = f'bench_gpu_temp{{node="n{node}"}} > {threshold}'
            elif kind == 1:
                expr = f'avg by (node) (bench_gpu_temp{{gpu="{i % 100}"}}) > {threshold - 20}'
            else:
                expr = f'max_over_time(bench_gpu_temp{{node="n{node}"}}[5m]) > {threshold}'
            f.write(f"  - alert: Bench{i}\n    expr: {expr}\n    for: 1m\n    labels: {{severity: warn}}\n"
                    f"    annotations: {{summary: \"{{{{ $labels.node }}}} at {{{{ $value }}}}\"}}\n")
print(end)
PY
)
promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/tsdb" >/dev/null

# Prometheus: its groups are spread over a 30 s interval (it staggers them).
cat > "$work/prometheus.yml" <<YAML
global: {evaluation_interval: 30s}
rule_files: ["$work/rules.yml"]
YAML
pport=$(free_port)
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$work/prometheus.log" 2>&1 &
ppid=$!; PIDS+=($ppid)
deadline=$((SECONDS + 120))
prom=
while [ $SECONDS -lt $deadline ]; do
  metrics=$(curl -s "http://127.0.0.1:$pport/metrics" || true)
  if [ "$(printf '%s\n' "$metrics" | awk '/^prometheus_rule_group_iterations_total/ && $2 >= 2' | wc -l)" -ge 10 ]; then
    prom=$(printf '%s\n' "$metrics" | awk '/^prometheus_rule_group_last_duration_seconds/ {s += $2; if ($2 > m) m = $2} END {printf "%.6f %.6f", s, m}')
    break
  fi
  sleep 1
done
[ -n "$prom" ] || { echo "Prometheus did not evaluate the rules; its log:"; tail -5 "$work/prometheus.log"; exit 1; }
read -r prom_cycle prom_max <<<"$prom"
prom_alerts=$(curl -s "http://127.0.0.1:$pport/api/v1/rules" | python3 -c '
import json, sys
print(sum(len(r["alerts"]) for g in json.load(sys.stdin)["data"]["groups"] for r in g["rules"]))')
prom_rss=$(awk '/VmRSS/ {print $2}' /proc/$ppid/status)
kill $ppid; wait $ppid 2>/dev/null

# opslab: the same cycle, evaluated at the time the samples end.
"$bin" --no-init -e "metrics.import('$work/data.om') metrics.stats({compact = true})"
opslab=$("$bin" --no-init -e "
  local loaded = alerts.load('$work/rules.yml')
  assert(loaded.rules == 1000, 'expected 1000 rules')
  local times, active = {}, 0
  for i = 1, 7 do
    local t0 = opslab.now()
    local list = alerts.eval($end)
    times[i] = opslab.now() - t0
    active = 0
    for _, a in ipairs(list) do if a.state ~= 'inactive' then active = active + 1 end end
  end
  table.sort(times)
  io.write(string.format('%.6f %d', times[4], active))
")
read -r opslab_cycle opslab_alerts <<<"$opslab"

sport=$(free_port)
"$bin" serve --no-init --listen "127.0.0.1:$sport" --rules "$work/rules.yml" --evaluation-interval 10s >"$work/serve.log" 2>&1 &
spid=$!; PIDS+=($spid)
deadline=$((SECONDS + 90))
while [ $SECONDS -lt $deadline ]; do
  curl -s "http://127.0.0.1:$sport/metrics" | grep -q '^opslab_rule_evaluations_total{rule_group=".*;g9"} [2-9]' && break
  sleep 1
done
serve_rss=$(awk '/VmRSS/ {print $2}' /proc/$spid/status)

echo "1,000 alerting rules (10 groups) over 10,000 series, 30 minutes of samples at 15 s"
awk -v o="$opslab_cycle" -v oa="$opslab_alerts" -v p="$prom_cycle" -v pm="$prom_max" -v pa="$prom_alerts" 'BEGIN {
  printf "Prometheus: sum of group durations  %7.1f ms (slowest group %.1f ms), %d alerts pending or firing\n", p * 1000, pm * 1000, pa
  printf "opslab:     one cycle of all groups %7.1f ms (median of 7),          %d alerts pending or firing\n", o * 1000, oa
  printf "ratio opslab/Prometheus: %.2f (below 1: opslab faster)\n", o / p
}'
printf 'resident memory with the rules loaded: opslab serve %d MiB, Prometheus %d MiB\n' $((serve_rss / 1024)) $((prom_rss / 1024))
