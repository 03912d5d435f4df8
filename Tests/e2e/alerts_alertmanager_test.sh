#!/usr/bin/env bash
# `opslab serve --alertmanager`: a real Alertmanager (0.25, Debian's
# prometheus-alertmanager) receives serve's firing alerts through its API v2
# with rendered annotations and external labels, and sees them resolve; an
# unreachable second Alertmanager is counted and does not stop the first.
. "$(dirname "$0")/lib.sh"

AM=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [ -z "$AM" ]; then
  echo "FAIL: Alertmanager is not installed (scripts/test installs prometheus-alertmanager)"
  echo "alerts alertmanager: 0 passed, 1 failed"
  exit 1
fi
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; cleanup' EXIT
cd "$SCRATCH"

amport=$(free_port)
cat > am.yml <<'YAML'
route: {receiver: blackhole}
receivers: [{name: blackhole}]
YAML
"$AM" --config.file=am.yml --storage.path="$SCRATCH/am" --web.listen-address="127.0.0.1:$amport" \
  --cluster.listen-address= >am.log 2>&1 &
PIDS+=($!)
check "Alertmanager starts" wait_http "http://127.0.0.1:$amport/-/ready" 30

cat > rules.yml <<'YAML'
groups:
- name: values
  interval: 1s
  rules:
  - alert: ValueHigh
    expr: opslab_test_value > 0
    labels: {severity: page}
    annotations: {summary: "value is {{ $value }} on {{ $labels.host }}"}
YAML
"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h1"}, 5)' >/dev/null
dead=$(free_port)
port=$(free_port)
"$OPSLAB" serve --no-init --listen "127.0.0.1:$port" --rules rules.yml --external-label cluster=lab \
  --alertmanager "http://127.0.0.1:$amport" --alertmanager "http://127.0.0.1:$dead" --resend-delay 2s >serve.log 2>&1 &
PIDS+=($!)
check "serve starts" wait_http "http://127.0.0.1:$port/-/ready" 30

am_alerts() { curl -s "http://127.0.0.1:$amport/api/v2/alerts"; }
has_alert() { am_alerts | python3 -c '
import json, sys
alerts = [a for a in json.load(sys.stdin) if a["labels"].get("alertname") == "ValueHigh"]
sys.exit(0 if alerts else 1)'; }
check "Alertmanager receives the firing alert" wait_until 20 has_alert
detail=$(am_alerts | python3 -c '
import json, sys
a = [a for a in json.load(sys.stdin) if a["labels"].get("alertname") == "ValueHigh"][0]
print(a["labels"].get("severity"), a["labels"].get("cluster"), a["labels"].get("host"), a["annotations"].get("summary"), a["status"]["state"], sep="|")')
check "with labels, external labels and the rendered annotation ($detail)" [ "$detail" = "page|lab|h1|value is 5 on h1|active" ]
ends_after=$(am_alerts | python3 -c '
import json, sys, datetime
a = [a for a in json.load(sys.stdin) if a["labels"].get("alertname") == "ValueHigh"][0]
ends = datetime.datetime.fromisoformat(a["endsAt"].replace("Z", "+00:00"))
print(int((ends - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))')
check "endsAt lies ahead by about four resend delays ($ends_after s)" [ "$ends_after" -ge 2 ] && [ "$ends_after" -le 10 ]

# The condition clears: the resolved alert is sent and Alertmanager drops it.
"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h1"}, 0)' >/dev/null
gone() { ! has_alert; }
check "Alertmanager sees the alert resolve" wait_until 20 gone

metrics=$(curl -s "http://127.0.0.1:$port/metrics")
sent=$(printf '%s\n' "$metrics" | awk -v s="opslab_notifications_sent_total{alertmanager=\"http://127.0.0.1:$amport/api/v2/alerts\"}" '$1 == s {print $2}')
errors=$(printf '%s\n' "$metrics" | awk -v s="opslab_notifications_errors_total{alertmanager=\"http://127.0.0.1:$dead/api/v2/alerts\"}" '$1 == s {print $2}')
check "deliveries counted ($sent)" [ "${sent:-0}" -ge 2 ]
check "the unreachable Alertmanager is counted, not fatal ($errors)" [ "${errors:-0}" -ge 1 ]
check "and logged" grep -q 'alerts not delivered to Alertmanager' serve.log

out=$("$OPSLAB" serve --alertmanager "not a url" 2>&1); rc=$?
check "a bad --alertmanager is refused ($out)" [ $rc -ne 0 ] && contains "$out" "--alertmanager expects a URL"

echo "alerts alertmanager: $PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ]
