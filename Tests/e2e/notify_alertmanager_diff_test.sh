#!/usr/bin/env bash
# Inhibition and silences, differential: a real Alertmanager (0.25) and
# `opslab serve --notify` get the same configuration (a route tree, inhibit
# rules with regex matchers, `equal` on labels some alerts lack, alerts that
# match both sides of a rule), the same silences and the same 300 random
# alerts through POST /api/v2/alerts. Each delivers to its own webhook
# receiver on loopback; the firing alerts each receiver gets must be the same.
. "$(dirname "$0")/lib.sh"

AM=$(command -v prometheus-alertmanager || command -v alertmanager || true)
if [ -z "$AM" ]; then
  echo "FAIL: Alertmanager is not installed (scripts/test installs prometheus-alertmanager)"
  echo "notify alertmanager differential: 0 passed, 1 failed"
  exit 1
fi
PIDS=()
trap '{ for p in "${PIDS[@]}"; do kill -9 "$p"; done; wait; } 2>/dev/null; cleanup' EXIT
cd "$SCRATCH"

# Two receivers record what they get: one for Alertmanager, one for opslab.
am_hook=$(free_port); op_hook=$(free_port)
: > am.jsonl; : > op.jsonl
python3 "$E2E/webhook_receiver.py" "$am_hook" am.jsonl 2>/dev/null & PIDS+=($!)
python3 "$E2E/webhook_receiver.py" "$op_hook" op.jsonl 2>/dev/null & PIDS+=($!)

# config HOOK_PORT: the shared configuration, pointing at one receiver.
config() { cat <<YAML
route:
  receiver: default
  group_by: [alertname, cluster]
  group_wait: 1s
  group_interval: 1h
  repeat_interval: 4h
  routes:
  - matchers: [team="db"]
    receiver: db
    continue: true
  - matchers: [severity=~"page|critical"]
    receiver: pager
    group_by: [...]
receivers:
- name: default
  webhook_configs: [{url: "http://127.0.0.1:$1/default"}]
- name: db
  webhook_configs: [{url: "http://127.0.0.1:$1/db"}]
- name: pager
  webhook_configs: [{url: "http://127.0.0.1:$1/pager"}]
inhibit_rules:
- source_matchers: [severity="critical"]
  target_matchers: [severity=~"warning|info"]
  equal: [cluster, instance]
- source_matchers: [alertname="ClusterDown"]
  target_matchers: [alertname!="ClusterDown", severity="info"]
  equal: [cluster]
- source_matchers: [severity=~"page|critical", team="db"]
  target_matchers: [severity="page"]
  equal: [zone]
YAML
}
config "$am_hook" > am.yml
config "$op_hook" > op.yml

# 300 alerts from a fixed seed; some lack instance or zone, some are both
# source and target of a rule.
python3 - <<'PY'
import json, random
random.seed(20261206)
names = ["DiskFull", "HighLatency", "GPUHot", "NodeDown"]
alerts, seen = [], set()
while len(alerts) < 300:
    labels = {"alertname": random.choice(names), "cluster": random.choice(["c1", "c2", "c3", "c4", "c5"]),
              "severity": random.choice(["critical", "warning", "info", "page"])}
    if random.random() < 0.03: labels["alertname"] = "ClusterDown"
    if random.random() < 0.8: labels["instance"] = f"i{random.randint(0, 9)}"
    if random.random() < 0.5: labels["zone"] = random.choice(["z1", "z2"])
    if random.random() < 0.4: labels["team"] = random.choice(["db", "ml"])
    key = tuple(sorted(labels.items()))
    if key in seen: continue
    seen.add(key)
    alerts.append({"labels": labels, "annotations": {"summary": "generated"}})
json.dump(alerts, open("alerts.json", "w"))
PY

amport=$(free_port)
"$AM" --config.file=am.yml --storage.path="$SCRATCH/am" --web.listen-address="127.0.0.1:$amport" \
  --cluster.listen-address= >am.log 2>&1 &
PIDS+=($!)
check "Alertmanager starts" wait_http "http://127.0.0.1:$amport/-/ready" 30
port=$(free_port)
"$OPSLAB" serve --no-init --listen "127.0.0.1:$port" --notify op.yml >serve.log 2>&1 &
PIDS+=($!)
check "serve starts" wait_http "http://127.0.0.1:$port/-/ready" 30

# The same silences in both: one by regex, one negative, one that has not
# started yet (so mutes nothing), one expired at once.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
future=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
am_silence() {
  curl -s -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$amport/api/v2/silences" -d "$1" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["silenceID"])'
}
ok=0
am_silence "{\"matchers\": [{\"name\": \"alertname\", \"value\": \"GPU.*\", \"isRegex\": true, \"isEqual\": true}, {\"name\": \"cluster\", \"value\": \"c2\", \"isRegex\": false, \"isEqual\": true}], \"startsAt\": \"$now\", \"endsAt\": \"$later\", \"createdBy\": \"t\", \"comment\": \"c\"}" >/dev/null && ok=$((ok + 1))
"$OPSLAB" alerts silence add 'alertname=~GPU.*' cluster=c2 --comment c --duration 2h >/dev/null && ok=$((ok + 1))
am_silence "{\"matchers\": [{\"name\": \"team\", \"value\": \"ml\", \"isRegex\": false, \"isEqual\": true}, {\"name\": \"severity\", \"value\": \"page\", \"isRegex\": false, \"isEqual\": false}], \"startsAt\": \"$now\", \"endsAt\": \"$later\", \"createdBy\": \"t\", \"comment\": \"c\"}" >/dev/null && ok=$((ok + 1))
"$OPSLAB" alerts silence add team=ml 'severity!=page' --comment c --duration 2h >/dev/null && ok=$((ok + 1))
am_silence "{\"matchers\": [{\"name\": \"alertname\", \"value\": \"NodeDown\", \"isRegex\": false, \"isEqual\": true}], \"startsAt\": \"$future\", \"endsAt\": \"$later\", \"createdBy\": \"t\", \"comment\": \"c\"}" >/dev/null && ok=$((ok + 1))
"$OPSLAB" alerts silence add alertname=NodeDown --start "$future" --duration 1h --comment c >/dev/null && ok=$((ok + 1))
sid=$(am_silence "{\"matchers\": [{\"name\": \"alertname\", \"value\": \"DiskFull\", \"isRegex\": false, \"isEqual\": true}], \"startsAt\": \"$now\", \"endsAt\": \"$later\", \"createdBy\": \"t\", \"comment\": \"c\"}") && ok=$((ok + 1))
curl -s -X DELETE "http://127.0.0.1:$amport/api/v2/silence/$sid" && ok=$((ok + 1))
oid=$("$OPSLAB" alerts silence add alertname=DiskFull --comment c --duration 2h) && ok=$((ok + 1))
"$OPSLAB" alerts silence expire "$oid" && ok=$((ok + 1))
check "the same silences in both ($ok of 10 steps)" [ $ok -eq 10 ]

post() { curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @alerts.json "$1/api/v2/alerts"; }
check "Alertmanager takes the alerts" [ "$(post "http://127.0.0.1:$amport")" = 200 ]
check "serve takes the alerts" [ "$(post "http://127.0.0.1:$port")" = 200 ]

# delivered FILE: "receiver labels" per firing alert delivered, sorted.
delivered() { python3 -c '
import json, sys
rows = set()
for line in open(sys.argv[1]):
    n = json.loads(line)
    for a in n["alerts"]:
        if a["status"] == "firing":
            rows.add(n["receiver"] + " " + ",".join(f"{k}={v}" for k, v in sorted(a["labels"].items())))
print("\n".join(sorted(rows)))' "$1"; }
# settled: the receivers hold every notification Alertmanager counts as
# sent, and nothing has changed for three seconds.
state() {
  local sent
  sent=$(curl -s "http://127.0.0.1:$amport/metrics" | awk '$1 ~ /^alertmanager_notifications_total\{integration="webhook"/ {print $2}')
  echo "$(wc -l < am.jsonl) $(wc -l < op.jsonl) ${sent:-0}"
}
settled() {
  local a b
  a=$(state); sleep 3; b=$(state)
  read -r lines _ sent <<<"$b"
  [ "$a" = "$b" ] && [ "$lines" -gt 0 ] && [ "$lines" -eq "$sent" ]
}
check "both deliver and settle" wait_until 60 settled
delivered am.jsonl > am.txt
delivered op.jsonl > op.txt
count=$(wc -l < am.txt)
check "Alertmanager delivered a fair share, neither all nor none ($count of 300 alerts' routes)" [ "$count" -gt 50 ] && [ "$count" -lt 300 ]
if diff am.txt op.txt > diff.txt; then pass; else fail "opslab and Alertmanager deliver different alerts:"; head -20 diff.txt >&2; fi
# The case exercises both mechanisms: alerts a silence or the first inhibit
# rule mutes exist, and Alertmanager delivered none of them.
muted=$(python3 - <<'PY'
import json
alerts = [a["labels"] for a in json.load(open("alerts.json"))]
delivered = {line.split(" ", 1)[1] for line in open("am.txt").read().splitlines()}
text = lambda l: ",".join(f"{k}={v}" for k, v in sorted(l.items()))
silenced = [l for l in alerts if l["alertname"] == "GPUHot" and l["cluster"] == "c2"]
inhibited = [t for t in alerts if t["severity"] in ("warning", "info") and any(
    s["severity"] == "critical" and s.get("cluster") == t.get("cluster") and s.get("instance") == t.get("instance")
    for s in alerts)]
leaked = [l for l in silenced + inhibited if text(l) in delivered]
print(len(silenced), len(inhibited), len(leaked))
PY
)
read -r silenced inhibited leaked <<<"$muted"
check "silenced ($silenced) and inhibited ($inhibited) alerts exist, and none was delivered ($leaked)" \
  [ "$silenced" -gt 0 ] && [ "$inhibited" -gt 0 ] && [ "$leaked" -eq 0 ]
groups_am=$(python3 -c 'import sys; print(sum(1 for _ in open("am.jsonl")))')
groups_op=$(python3 -c 'import sys; print(sum(1 for _ in open("op.jsonl")))')
check "in as many notifications ($groups_am vs $groups_op)" [ "$groups_am" -eq "$groups_op" ]

# The alertmanager sink forwards to a real Alertmanager, which takes the alert.
printf "route: {receiver: fwd}\nreceivers:\n- name: fwd\n  opslab_configs: [{sink: alertmanager, options: {url: 'http://127.0.0.1:%s'}}]\n" "$amport" > fwd.yml
out=$("$OPSLAB" alerts notify-test --config fwd.yml fwd team=forwarded 2>&1)
check "the alertmanager sink delivers ($out)" contains "$out" "fwd/opslab[0]	delivered"
forwarded=$(curl -s "http://127.0.0.1:$amport/api/v2/alerts" | python3 -c '
import json, sys
print(sum(1 for a in json.load(sys.stdin) if a["labels"].get("team") == "forwarded" and a["status"]["state"] == "active"))')
check "and Alertmanager holds the forwarded alert as active ($forwarded)" [ "$forwarded" = 1 ]

finish
