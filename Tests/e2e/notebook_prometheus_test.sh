#!/usr/bin/env bash
# The fleet part of notebooks/fleet-health.md against a real Prometheus
# (Debian's prometheus): Prometheus scrapes `opslab serve` and itself, the
# notebook runs with OPSLAB_PROMETHEUS_URL set, and its last cell reports
# the targets and charts CPU by instance from Prometheus's answers.
. "$(dirname "$0")/lib.sh"

PROM=$(command -v prometheus || true)
if [ -z "$PROM" ]; then
  echo "FAIL: Prometheus is not installed (scripts/test installs prometheus)"
  echo "notebook prometheus: 0 passed, 1 failed"
  exit 1
fi
PIDS=()
trap '{ for p in "${PIDS[@]}"; do kill -9 "$p"; done; wait; } 2>/dev/null; cleanup' EXIT
repo=$(pwd)
cd "$SCRATCH"

port=$(free_port)
"$OPSLAB" serve --no-init --listen "127.0.0.1:$port" >serve.log 2>&1 &
PIDS+=($!)
check "serve starts" wait_http "http://127.0.0.1:$port/-/ready" 30
pport=$(free_port)
cat > prometheus.yml <<YAML
global: {scrape_interval: 1s}
scrape_configs:
- job_name: node
  static_configs: [{targets: ["127.0.0.1:$port"]}]
- job_name: prometheus
  static_configs: [{targets: ["127.0.0.1:$pport"]}]
YAML
"$PROM" --config.file=prometheus.yml --storage.tsdb.path="$SCRATCH/tsdb" --web.listen-address="127.0.0.1:$pport" >prom.log 2>&1 &
PIDS+=($!)
check "Prometheus starts" wait_http "http://127.0.0.1:$pport/-/ready" 30
# rate() needs two scrapes of each target.
rates() {
  curl -s "http://127.0.0.1:$pport/api/v1/query" --data-urlencode 'query=count(rate(node_cpu_seconds_total[5m]))' |
    grep -q '"result":\[{'
}
check "Prometheus has scraped serve twice" wait_until 30 rates
# The notebook's range query ends at the last whole step (15 s), which must
# come after those scrapes.
charted() {
  [ "$("$OPSLAB" --no-init -e "print(#metrics.promql{url = 'http://127.0.0.1:$pport', range = '1h', step = '15s',
        expr = 'avg by (instance) (rate(node_cpu_seconds_total[5m]))'}.labels)" 2>&1)" = 1 ]
}
check "and a range query at the notebook's step sees it" wait_until 40 charted

cp "$repo/notebooks/fleet-health.md" .
out=$(OPSLAB_PROMETHEUS_URL="http://127.0.0.1:$pport" "$OPSLAB" notebook run fleet-health.md 2>&1); rc=$?
check "the notebook runs with a Prometheus configured ($out)" [ $rc -eq 0 ]
check "the fleet cell counts both targets, none down" grep -q '^2 targets, 0 down$' fleet-health.md
skipped() { grep -q '^OPSLAB_PROMETHEUS_URL is not set' fleet-health.md; }
check "it no longer says the part was skipped" test "$(skipped && echo yes)" = ""
check "it charts CPU by instance" grep -q '^!\[CPU busy by instance, last hour\](fleet-health.files/cell-4.svg)$' fleet-health.md
check "the chart draws serve's CPU" grep -qE '<path d="M|<circle' fleet-health.files/cell-4.svg
check "rather than no data" test "$(grep -c 'no data' fleet-health.files/cell-4.svg)" = 0
out=$(OPSLAB_PROMETHEUS_URL="http://127.0.0.1:$pport" "$OPSLAB" notebook run --check "$repo/notebooks/fleet-health.md" 2>&1); rc=$?
check "the stored notebook, made without a Prometheus, fails --check against one" [ $rc -eq 1 ]
check "and the diff shows the fleet's answer" contains "$out" "+2 targets, 0 down"

out=$(OPSLAB_PROMETHEUS_URL="http://127.0.0.1:1" "$OPSLAB" notebook run fleet-health.md 2>&1); rc=$?
check "an unreachable Prometheus fails the run ($rc)" [ $rc -eq 1 ]
check "with the error in the cell's output" grep -q 'error: fleet-health.md:[0-9]*:.*127.0.0.1:1' fleet-health.md

finish
