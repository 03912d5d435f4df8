#!/usr/bin/env bash
# `opslab serve` against its real peers: promtool checks the exposition, a
# real Prometheus scrapes it and answers queries, and the values agree with
# the real node_exporter. Everything listens on loopback only.
. "$(dirname "$0")/lib.sh"

# metric_value FILE SERIES: the value of the exact series line in an exposition.
metric_value() { awk -v s="$2" '$1 == s {print $2; exit}' "$1"; }
PIDS=()
stop_all() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap 'stop_all; cleanup' EXIT

# Plugins for the failure cases: one hangs, one returns garbage.
mkdir -p "$SCRATCH/plugins"
cat >"$SCRATCH/plugins/hang.lua" <<'LUA'
return { kind = "collector", name = "hang", version = "1.0.0", description = "never returns",
         collect = function() while true do end end }
LUA
cat >"$SCRATCH/plugins/garbage.lua" <<'LUA'
return { kind = "collector", name = "garbage", version = "1.0.0", description = "bad samples",
         collect = function() return { { name = "bad name!", value = 1 } } end }
LUA
mkdir -p "$SCRATCH/ckpt"; head -c 4096 /dev/zero >"$SCRATCH/ckpt/step-1.safetensors"
cat >"$SCRATCH/serve.lua" <<LUA
metrics.configure("checkpoint_dir", { dir = "$SCRATCH/ckpt" })
LUA

port=$(free_port)
OPSLAB_PLUGIN_PATH=$SCRATCH/plugins "$OPSLAB" serve --listen "127.0.0.1:$port" --config "$SCRATCH/serve.lua" \
  >"$SCRATCH/serve.log" 2>&1 &
serve_pid=$!; PIDS+=($serve_pid)
check "serve becomes ready" wait_http "http://127.0.0.1:$port/-/ready" 30
check "healthz" [ "$(curl -s "http://127.0.0.1:$port/healthz")" = ok ]
curl -s -D "$SCRATCH/headers" "http://127.0.0.1:$port/metrics" >"$SCRATCH/metrics"
check "content type 0.0.4" grep -qi '^content-type: text/plain; version=0.0.4' "$SCRATCH/headers"
check "promtool check metrics" promtool check metrics <"$SCRATCH/metrics"
check "one TYPE per family" [ "$(grep '^# TYPE' "$SCRATCH/metrics" | awk '{print $3}' | sort | uniq -d | wc -l)" -eq 0 ]
check "configured Lua collector reports" [ "$(metric_value "$SCRATCH/metrics" "checkpoint_newest_bytes{dir=\"$SCRATCH/ckpt\"}")" = 4096 ]
check "hanging plugin is cut off" [ "$(metric_value "$SCRATCH/metrics" 'opslab_collector_up{collector="hang"}')" = 0 ]
check "timeout counted" [ "$(metric_value "$SCRATCH/metrics" 'opslab_collector_timeouts_total{collector="hang"}')" != 0 ]
check "malformed plugin reported" [ "$(metric_value "$SCRATCH/metrics" 'opslab_collector_up{collector="garbage"}')" = 0 ]
check "others carry on" [ "$(metric_value "$SCRATCH/metrics" 'opslab_collector_up{collector="memory"}')" = 1 ]
check "failures logged" grep -q 'collector=garbage.*collector failed' "$SCRATCH/serve.log"

# The workbench reads the store serve writes to, while serve runs.
stored=$("$OPSLAB" --no-init -e 'local v = metrics.query("node_load1") io.write(#v, " ", v[1] and v[1].labels.__name__ or "none")')
check "serve stores samples the workbench can query ($stored)" [ "$stored" = "1 node_load1" ]

# A second server on the same port refuses clearly.
"$OPSLAB" serve --listen "127.0.0.1:$port" 2>"$SCRATCH/err"; rc=$?
check "port taken: exit 1" [ $rc -eq 1 ]
check "port taken: message" grep -q "cannot listen on 127.0.0.1:$port: the address is already in use" "$SCRATCH/err"
"$OPSLAB" serve --listen 'localhost:99999' 2>"$SCRATCH/err"; check "bad --listen refused" [ $? -ne 0 ]
echo 'error("bad config")' >"$SCRATCH/bad.lua"
"$OPSLAB" serve --listen "127.0.0.1:$(free_port)" --config "$SCRATCH/bad.lua" 2>"$SCRATCH/err"; rc=$?
check "bad config: exit 1" [ $rc -eq 1 ]
check "bad config: message" grep -q 'bad config' "$SCRATCH/err"

# A real Prometheus scrapes it; a query returns our series with our labels.
prom_port=$(free_port)
cat >"$SCRATCH/prometheus.yml" <<YAML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: opslab
    static_configs: [ { targets: ["127.0.0.1:$port"] } ]
YAML
prometheus --config.file="$SCRATCH/prometheus.yml" --storage.tsdb.path="$SCRATCH/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$SCRATCH/prometheus.log" 2>&1 &
PIDS+=($!)
check "prometheus ready" wait_http "http://127.0.0.1:$prom_port/-/ready" 60
query() { curl -s "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1"; }
found=""
for _ in $(seq 60); do
  found=$(query 'opslab_collector_up{job="opslab",collector="cpu"}' | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["metric"]["instance"], r[0]["value"][1]) if r else print("")')
  [ -n "$found" ] && break
  sleep 0.5
done
check "prometheus scraped opslab" [ "$found" = "127.0.0.1:$port 1" ]
up=$(query 'up{job="opslab"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
check "scrape target up" [ "$up" = 1 ]
labels=$(query 'node_filesystem_size_bytes{job="opslab",mountpoint="/"}' | python3 -c '
import json, sys
m = json.load(sys.stdin)["data"]["result"][0]["metric"]
print(sorted(k for k in m))')
check "filesystem series carries node_exporter labels" [ "$labels" = "['__name__', 'device', 'fstype', 'instance', 'job', 'mountpoint']" ]

# The same queries against that Prometheus from the workbench.
sleep 6   # a few scrapes, so a 30 s range has points at several steps
remote=$("$OPSLAB" --no-init -e "local v = metrics.promql{url = 'http://127.0.0.1:$prom_port', expr = 'up{job=\"opslab\"}'}
  local r = metrics.promql{url = 'http://127.0.0.1:$prom_port', expr = 'up{job=\"opslab\"}', range = '30s', step = '5s'}
  io.write(#v, ' ', v[1].value, ' ', v[1].labels.instance, ' ', r.values.shape[1], 'x', r.values.shape[2], ' ', v:tensor()[1]:item())")
check "metrics.promql instant and range ($remote)" [ "$remote" = "1 1 127.0.0.1:$port 1x7 1" ]
scalar=$("$OPSLAB" --no-init -e "io.write(metrics.promql{url = 'http://127.0.0.1:$prom_port', expr = '1 + 2'})")
check "metrics.promql scalar" [ "$scalar" = "3" ]
"$OPSLAB" --no-init -e "metrics.promql{url = 'http://127.0.0.1:$prom_port', expr = 'rate(x[5m'}" 2>"$SCRATCH/err"
check "metrics.promql passes Prometheus's error on" grep -q 'Prometheus bad_data' "$SCRATCH/err"
"$OPSLAB" --no-init -e "metrics.promql{url = 'http://127.0.0.1:$(free_port)', expr = 'up'}" 2>"$SCRATCH/err"
check "metrics.promql unreachable server" grep -q 'cannot reach' "$SCRATCH/err"
"$OPSLAB" --no-init -e "metrics.promql{url = 'ftp://x', expr = 'up'}" 2>"$SCRATCH/err"
check "metrics.promql bad url" grep -q 'needs url' "$SCRATCH/err"

# The same machine through the real node_exporter: sizes equal, CPU close.
ne_port=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$ne_port" >"$SCRATCH/ne.log" 2>&1 &
PIDS+=($!)
check "node_exporter ready" wait_http "http://127.0.0.1:$ne_port/metrics" 30
curl -s "http://127.0.0.1:$ne_port/metrics" >"$SCRATCH/ne"
"$OPSLAB" -e 'io.write(metrics.text())' >"$SCRATCH/ours"
# Numbers compare as numbers: node_exporter writes 2.5e+10 where we write 25000000000.
same_number() { python3 -c "import sys; sys.exit(0 if '$1' and '$2' and float('$1') == float('$2') else 1)"; }
check "MemTotal equal" same_number "$(metric_value "$SCRATCH/ours" node_memory_mem_total_bytes)" "$(metric_value "$SCRATCH/ne" node_memory_MemTotal_bytes)"
check "SwapTotal equal" same_number "$(metric_value "$SCRATCH/ours" node_memory_swap_total_bytes)" "$(metric_value "$SCRATCH/ne" node_memory_SwapTotal_bytes)"
root_fs() { grep "^$2{" "$1" | grep 'mountpoint="/"' | head -1 | awk '{print $2}'; }
check "filesystem size equal" same_number "$(root_fs "$SCRATCH/ours" node_filesystem_size_bytes)" "$(root_fs "$SCRATCH/ne" node_filesystem_size_bytes)"
check "filesystem inodes equal" same_number "$(root_fs "$SCRATCH/ours" node_filesystem_files)" "$(root_fs "$SCRATCH/ne" node_filesystem_files)"
cpu_total() { grep '^node_cpu_seconds_total{' "$1" | grep "mode=\"$2\"" | awk '{s += $2} END {printf "%.2f", s}'; }
for mode in user system idle; do
  ours=$(cpu_total "$SCRATCH/ours" $mode); theirs=$(cpu_total "$SCRATCH/ne" $mode)
  # Read a moment apart: allow 2% or 5 s, whichever is larger.
  check "cpu $mode seconds close ($ours vs $theirs)" python3 -c "import sys; a, b = $ours, $theirs; sys.exit(0 if abs(a - b) <= max(5, 0.02 * b) else 1)"
done

# SIGTERM stops it cleanly.
kill -TERM $serve_pid; wait $serve_pid; rc=$?
check "SIGTERM: exit 0" [ $rc -eq 0 ]
check "SIGTERM: logged" grep -q 'stopped' "$SCRATCH/serve.log"

finish
