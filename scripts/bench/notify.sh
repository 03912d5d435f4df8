#!/usr/bin/env bash
# 10,000 alerts through routing, grouping and inhibition, beside a real
# Alertmanager (Debian's prometheus-alertmanager, 0.25) given the same
# configuration and the same POST /api/v2/alerts body. 5,000 instances each
# have a critical and a warning alert; an inhibit rule mutes the warning,
# and group_by [instance] makes 5,000 groups, so each side produces 5,000
# notifications. The clock runs from the POST until every notification is
# handed to delivery: for Alertmanager, until it has attempted each once
# (alertmanager_notifications_total; the webhook is refused at once); for
# opslab, until each is stored in the outbox (fsynced SQLite), which is
# where it waits for the same refused webhook. One tool runs at a time.
# curl is told not to send Expect: 100-continue, so that what is timed is
# each server's work, not an interim round trip.
. "$(dirname "$0")/lib.sh"
AM=$(command -v prometheus-alertmanager || command -v alertmanager || true)
[ -n "$AM" ] || { echo "needs Alertmanager (apt-get install prometheus-alertmanager)"; exit 1; }
work=$(mktemp -d)
PIDS=()
trap '{ for p in "${PIDS[@]}"; do kill "$p"; done; wait; } 2>/dev/null; rm -rf "$work"' EXIT

dead=$(free_port)
cat > "$work/am.yml" <<YAML
route: {receiver: hook, group_by: [instance], group_wait: 0s, group_interval: 1m, repeat_interval: 1h}
receivers:
- name: hook
  webhook_configs: [{url: "http://127.0.0.1:$dead/", send_resolved: true}]
inhibit_rules:
- source_matchers: [severity="critical"]
  target_matchers: [severity="warning"]
  equal: [instance]
YAML
python3 - "$work/alerts.json" <<'PY'
import json, sys
alerts = [{"labels": {"alertname": "NodeDown", "instance": f"node-{i}", "severity": severity},
           "annotations": {"summary": f"node-{i} is {severity}"}}
          for i in range(5000) for severity in ("critical", "warning")]
json.dump(alerts, open(sys.argv[1], "w"))
PY
now_ms() { date +%s%3N; }
# until URL METRIC-REGEX N: polls /metrics until the sum of matching series reaches N.
until_count() {
  local deadline=$((SECONDS + 120))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(curl -s "$1" | awk -v re="$2" '$1 ~ re {s += $2} END {print s + 0}')" -ge "$3" ] && return 0
    sleep 0.05
  done
  echo "timed out waiting for $2 >= $3 at $1" >&2
  return 1
}
post() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'Expect:' --data-binary "@$work/alerts.json" "$1"; }

# timed NAME PORT METRIC: posts the alerts to the server on PORT, waits
# until METRIC (a regex over its /metrics) sums to 5,000, and prints the
# milliseconds until the POST was answered and until then.
timed() {
  until curl -sf -o /dev/null "http://127.0.0.1:$2/-/ready"; do sleep 0.2; done
  local t0 t1
  t0=$(now_ms)
  [ "$(post "http://127.0.0.1:$2/api/v2/alerts")" = 200 ] || { echo "$1 refused the alerts" >&2; exit 1; }
  t1=$(now_ms)
  until_count "http://127.0.0.1:$2/metrics" "$3" 5000
  echo "$((t1 - t0)) $(( $(now_ms) - t0 ))"
}

amport=$(free_port)
"$AM" --config.file="$work/am.yml" --storage.path="$work/am" --web.listen-address="127.0.0.1:$amport" \
  --cluster.listen-address= >"$work/am.log" 2>&1 &
ampid=$!; PIDS+=($ampid)
read -r a1 a2 <<< "$(timed Alertmanager "$amport" '^alertmanager_notifications_total\\{integration="webhook"')"
[ -n "$a2" ] || exit 1
am_rss=$(awk '/VmRSS/ {print $2}' /proc/$ampid/status)
kill $ampid; wait $ampid 2>/dev/null || true

port=$(free_port)
"$bin" serve --no-init --listen "127.0.0.1:$port" --notify "$work/am.yml" >"$work/serve.log" 2>&1 &
spid=$!; PIDS+=($spid)
read -r o1 o2 <<< "$(timed opslab "$port" '^opslab_notifications_(pending|delivered_total|dead_total)')"
[ -n "$o2" ] || exit 1
serve_rss=$(awk '/VmRSS/ {print $2}' /proc/$spid/status)
stored=$(OPSLAB_HOME=$OPSLAB_HOME "$bin" alerts outbox | grep -c 'firing 1 alert(s)' || true)
kill $spid; wait $spid 2>/dev/null || true
[ "$stored" -eq 5000 ] || { echo "expected 5,000 notifications of one (critical) alert each in the outbox, found $stored"; exit 1; }

echo "10,000 alerts (5,000 instances, critical + inhibited warning), group_by [instance]: 5,000 notifications"
awk -v a1="$a1" -v a2="$a2" -v o1="$o1" -v o2="$o2" 'BEGIN {
  printf "Alertmanager: POST answered %6d ms, every notification attempted %6d ms (%.1f us per alert)\n", a1, a2, a2 / 10
  printf "opslab:       POST answered %6d ms, every notification in the outbox %4d ms (%.1f us per alert)\n", o1, o2, o2 / 10
  printf "throughput opslab/Alertmanager: %.1fx (above 1: opslab faster)\n", a2 / o2
}'
printf 'resident memory afterwards: opslab serve %d MiB, Alertmanager %d MiB\n' $((serve_rss / 1024)) $((am_rss / 1024))
