#!/usr/bin/env bash
# A real Prometheus (Debian's prometheus, 2.42) uses `opslab serve --notify`
# as its Alertmanager: it posts its firing alerts to serve's
# POST /api/v2/alerts, and serve routes them and delivers them to a webhook
# receiver on loopback, with the rule's labels and rendered annotations.
# Bodies that are not alerts are refused with 400 and the reason.
. "$(dirname "$0")/lib.sh"

PROM=$(command -v prometheus || true)
if [ -z "$PROM" ]; then
  echo "FAIL: Prometheus is not installed (scripts/test installs prometheus)"
  echo "notify prometheus: 0 passed, 1 failed"
  exit 1
fi
PIDS=()
trap '{ for p in "${PIDS[@]}"; do kill -9 "$p"; done; wait; } 2>/dev/null; cleanup' EXIT
cd "$SCRATCH"

hook=$(free_port)
python3 "$E2E/webhook_receiver.py" "$hook" received.jsonl 2>receiver.log &
PIDS+=($!)
: > received.jsonl

cat > notify.yml <<YAML
route: {receiver: hook, group_by: [alertname], group_wait: 1s, group_interval: 2s}
receivers:
- name: hook
  webhook_configs: [{url: "http://127.0.0.1:$hook/"}]
YAML
port=$(free_port)
"$OPSLAB" serve --no-init --listen "127.0.0.1:$port" --notify notify.yml >serve.log 2>&1 &
PIDS+=($!)
check "serve starts with --notify" wait_http "http://127.0.0.1:$port/-/ready" 30

cat > rules.yml <<'YAML'
groups:
- name: demo
  interval: 1s
  rules:
  - alert: PromSays
    expr: vector(42) > 0
    labels: {severity: page}
    annotations: {summary: "value {{ $value }}"}
YAML
cat > prometheus.yml <<YAML
global: {evaluation_interval: 1s}
rule_files: [rules.yml]
alerting:
  alertmanagers:
  - api_version: v2
    static_configs: [{targets: ["127.0.0.1:$port"]}]
YAML
pport=$(free_port)
"$PROM" --config.file=prometheus.yml --storage.tsdb.path="$SCRATCH/tsdb" --web.listen-address="127.0.0.1:$pport" --rules.alert.resend-delay=1s >prom.log 2>&1 &
PIDS+=($!)
check "Prometheus starts" wait_http "http://127.0.0.1:$pport/-/ready" 30

from_prometheus() { python3 -c '
import json, sys
for line in open("received.jsonl"):
    n = json.loads(line)
    for a in n["alerts"]:
        if a["labels"].get("alertname") == "PromSays":
            print(a["status"], a["labels"]["severity"], a["annotations"]["summary"], a["generatorURL"].startswith("http"), sep="|")
            sys.exit(0)
sys.exit(1)'; }
reached() { from_prometheus >/dev/null; }
check "Prometheus's alert reaches the receiver through serve" wait_until 40 reached
detail=$(from_prometheus)
check "with its labels, annotation and generator URL ($detail)" [ "$detail" = "firing|page|value 42|True" ]
amalerts=$(grep -o 'prometheus_notifications_sent_total{alertmanager="[^"]*"} [0-9]*' <(curl -s "http://127.0.0.1:$pport/metrics") | awk '{print $2}')
check "Prometheus counts its posts to serve as sent ($amalerts)" [ "${amalerts:-0}" -ge 1 ]
errors=$(curl -s "http://127.0.0.1:$pport/metrics" | awk '$1 ~ /^prometheus_notifications_errors_total/ {s += $2} END {print s + 0}')
check "and no errors ($errors)" [ "$errors" -eq 0 ]

post() { curl -s -o "$SCRATCH/answer" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$1" "http://127.0.0.1:$port/api/v2/alerts"; }
code=$(post '[{"labels": {"alertname": "Direct"}, "annotations": {"summary": "posted"}}]')
check "a direct POST is accepted ($code)" [ "$code" = 200 ]
direct() { grep -q '"Direct"' received.jsonl; }
check "and delivered" wait_until 20 direct
code=$(post 'not json')
check "a body that is not JSON is refused ($code: $(cat "$SCRATCH/answer"))" [ "$code" = 400 ] && grep -q "not a JSON list of alerts" "$SCRATCH/answer"
code=$(post '[{"annotations": {}}]')
check "an alert without labels is refused ($code)" [ "$code" = 400 ]
code=$(post '[{"labels": {}}]')
check "an alert with empty labels is refused ($code: $(cat "$SCRATCH/answer"))" [ "$code" = 400 ] && [ -s "$SCRATCH/answer" ]
continued=$(curl -sv -o /dev/null -X POST -H 'Content-Type: application/json' -H 'Expect: 100-continue' \
  --data-binary '[{"labels": {"alertname": "Expecting"}}]' "http://127.0.0.1:$port/api/v2/alerts" 2>&1 | grep -c '^< HTTP/1.1 100 Continue')
check "Expect: 100-continue is answered, so curl sends large bodies without waiting ($continued)" [ "$continued" -eq 1 ]
code=$(post '[]')
check "an empty list is fine ($code)" [ "$code" = 200 ]
python3 -c 'import json; print(json.dumps([{"labels": {"alertname": "Bulk", "i": str(i)}} for i in range(10000)]))' > "$SCRATCH/bulk.json"
code=$(post "@$SCRATCH/bulk.json")
check "10,000 alerts in one POST are taken ($code)" [ "$code" = 200 ]
bulk() { python3 -c '
import json, sys
seen = set()
for line in open("received.jsonl"):
    for a in json.loads(line)["alerts"]:
        if a["labels"].get("alertname") == "Bulk": seen.add(a["labels"]["i"])
sys.exit(0 if len(seen) == 10000 else 1)'; }
check "and all 10,000 are delivered" wait_until 60 bulk
check "serve is still up" curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready"

finish
