#!/usr/bin/env bash
# `opslab serve --notify`: serve routes and delivers alerts itself to a real
# HTTP receiver on loopback. The receiver is down at first and serve is
# killed with SIGKILL twice while the notification waits in the outbox; once
# the receiver is up, it gets exactly one firing and, when the condition
# clears, exactly one resolved notification. A receiver that refuses (400)
# leaves a dead letter that `alerts outbox --retry-dead` sends again; 500 and
# 429 are retried. Silences from `opslab alerts silence` hold a running serve's
# notifications back. An alert that resolves while serve is down is notified
# resolved after the restart. Lua sink plugins deliver through the same
# outbox; notify-test reports each sink. Configuration errors name the
# receiver, field and line.
. "$(dirname "$0")/lib.sh"

PIDS=()
trap '{ for p in "${PIDS[@]}"; do kill -9 "$p"; done; wait; } 2>/dev/null; cleanup' EXIT
cd "$SCRATCH"

hook=$(free_port)
echo 200 > statuses
: > received.jsonl

cat > rules.yml <<'YAML'
groups:
- name: values
  interval: 1s
  rules:
  - alert: ValueHigh
    expr: opslab_test_value > 0
    labels: {severity: page}
    annotations: {summary: "value is {{ $value }}"}
  - alert: Quiet
    expr: opslab_quiet_value > 0
YAML
cat > notify.yml <<YAML
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
- name: hook
  webhook_configs:
  - url: http://127.0.0.1:$hook/alerts
    http_config:
      basic_auth: {username: ops, password: s3cret}
  opslab_configs:
  - {sink: file, options: {path: $SCRATCH/alerts.jsonl}}
  - {sink: jsonl_file, options: {path: $SCRATCH/lua.jsonl}}
  - {sink: flaky, options: {path: $SCRATCH/flaky.log}}
inhibit_rules:
- {source_matchers: [alertname=ValueHigh], target_matchers: [alertname=Shadowed]}
YAML
# A Lua sink plugin whose first call in each process fails: it is retried
# through the outbox like any sink, and is not quarantined for it.
mkdir -p "$XDG_CONFIG_HOME/opslab/plugins"
cat > "$XDG_CONFIG_HOME/opslab/plugins/flaky.lua" <<'LUA'
local calls = 0
return {
  kind = "sink", name = "flaky", version = "1.0.0", description = "fails its first call",
  permissions = { "fs.write" },
  send = function(ctx, notification)
    calls = calls + 1
    if calls == 1 then error("receiver warming up") end
    local file = assert(io.open(ctx.options.path, "a"))
    file:write(notification.status, " ", notification.groupLabels.alertname, " ", #notification.alerts, "\n")
    file:close()
  end,
}
LUA

port=$(free_port)
serve_pid=
start_serve() {
  "$OPSLAB" serve --no-init --listen "127.0.0.1:$port" --rules rules.yml --notify notify.yml \
    --resend-delay 1s --notify-timeout 2 >>serve.log 2>&1 &
  serve_pid=$!
  PIDS+=($serve_pid)
  wait_http "http://127.0.0.1:$port/-/ready" 30
}
crash_serve() { kill -9 "$serve_pid"; wait "$serve_pid" 2>/dev/null; }
# count STATUS: notifications the receiver accepted with that status.
count() { python3 -c '
import json, sys
print(sum(1 for line in open("received.jsonl") if json.loads(line)["status"] == sys.argv[1]))' "$1"; }
outbox_shows() { "$OPSLAB" alerts outbox 2>&1 | grep -q "$1"; }

# The receiver is down; the notification waits in the outbox across two crashes.
"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h1"}, 5)' >/dev/null
check "serve starts with --notify" start_serve
check "the undeliverable notification waits in the outbox" wait_until 20 outbox_shows "retrying"
crash_serve
check "serve restarts after SIGKILL" start_serve
sleep 2
crash_serve
check "serve restarts after a second SIGKILL" start_serve
check "the notification is still in the outbox" outbox_shows "webhook"

python3 "$E2E/webhook_receiver.py" "$hook" received.jsonl statuses 2>receiver.log &
PIDS+=($!)
one_firing() { [ "$(count firing)" -ge 1 ]; }
check "the receiver gets the firing notification once it is up" wait_until 40 one_firing
alert_detail=$(python3 -c '
import json
n = json.loads(open("received.jsonl").readline())
a = n["alerts"][0]
print(n["version"], n["receiver"], n["groupLabels"]["alertname"], a["labels"]["severity"], a["annotations"]["summary"], sep="|")')
check "as Alertmanager's webhook payload ($alert_detail)" [ "$alert_detail" = "4|hook|ValueHigh|page|value is 5" ]
route=$("$OPSLAB" alerts route --config notify.yml alertname=Shadowed 2>&1)
check "alerts route says what serve's firing alert inhibits now ($route)" contains "$route" 'inhibited now by {alertname="ValueHigh"' \
  && contains "$route" "not silenced now"
route=$("$OPSLAB" alerts route --config notify.yml alertname=Other 2>&1)
check "and what it does not ($route)" contains "$route" "not inhibited by the 1 firing alert(s) serve holds"
check "with the configured basic auth" grep -q "^200 Basic b3BzOnMzY3JldA==" received.jsonl.attempts
check "the outbox empties" wait_until 10 outbox_shows "the outbox is empty"
file_firing=$(grep -c '"status":"firing"' alerts.jsonl)
check "the file sink got the same notification once ($file_firing)" [ "$file_firing" -eq 1 ]
lua_firing=$(grep -c '"status":"firing"' lua.jsonl)
check "the bundled Lua sink jsonl_file got it once ($lua_firing)" [ "$lua_firing" -eq 1 ]

"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h1"}, 0)' >/dev/null
one_resolved() { [ "$(count resolved)" -ge 1 ]; }
check "the resolved notification arrives" wait_until 30 one_resolved
sleep 4
check "exactly one firing notification in all ($(count firing))" [ "$(count firing)" -eq 1 ]
check "exactly one resolved notification ($(count resolved))" [ "$(count resolved)" -eq 1 ]
check "the Lua sink that failed first got firing and resolved once each ($(tr '\n' ';' < flaky.log))" \
  [ "$(grep -c '^firing ValueHigh 1$' flaky.log)" -eq 1 ] && [ "$(grep -c '^resolved ValueHigh 1$' flaky.log)" -eq 1 ]

# A silence added from the CLI holds a running serve's notification back.
sid=$("$OPSLAB" alerts silence add alertname=Quiet --comment "maintenance" --duration 1h 2>&1)
check "a silence is added ($sid)" [ ${#sid} -ge 32 ]
listed=$("$OPSLAB" alerts silence list 2>&1)
check "and listed as active" contains "$listed" "$sid	active	{alertname=\"Quiet\"}"
route=$("$OPSLAB" alerts route --config notify.yml alertname=Quiet 2>&1)
check "alerts route names the silence ($route)" contains "$route" "silenced now by $sid"
"$OPSLAB" --no-init -e 'metrics.write("opslab_quiet_value", {}, 1)' >/dev/null
sleep 5
quiet_count() { python3 -c '
import json
print(sum(1 for line in open("received.jsonl") if json.loads(line)["groupLabels"].get("alertname") == "Quiet"))'; }
check "the silenced alert is not delivered" [ "$(quiet_count)" -eq 0 ]
# :alerts in the shell reads the same database serve writes.
start_repl
type_line ":alerts"
expect_screen ":alerts lists the silenced alert as firing" "Quiet  firing"
expect_screen ":alerts lists the silence" "alertname=\"Quiet\""
expect_screen ":alerts shows what was sent where" "hook/webhook[0]"
check "the silence is expired" "$OPSLAB" alerts silence expire "$sid"
quiet_arrives() { [ "$(quiet_count)" -ge 1 ]; }
check "once expired, the alert is delivered" wait_until 20 quiet_arrives
listed=$("$OPSLAB" alerts silence list --expired --json 2>&1)
state=$(printf '%s' "$listed" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["status"]["state"])')
check "the JSON listing shows it expired ($state)" [ "$state" = "expired" ]
"$OPSLAB" --no-init -e 'metrics.write("opslab_quiet_value", {}, 0)' >/dev/null
quiet_resolved() { [ "$(quiet_count)" -ge 2 ]; }
check "and resolved" wait_until 20 quiet_resolved

# A refusal (400) is a dead letter at once; --retry-dead sends it again.
printf '400\n200\n' > statuses
"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h2"}, 7)' >/dev/null
check "a refused notification becomes a dead letter" wait_until 30 outbox_shows "dead"
outbox=$("$OPSLAB" alerts outbox 2>&1)
check "with the receiver's answer as its last error" contains "$outbox" "400"
before=$(count firing)
retried=$("$OPSLAB" alerts outbox --retry-dead 2>&1)
check "--retry-dead queues it again ($retried)" contains "$retried" "1 dead letter(s) queued again"
delivered_again() { [ "$(count firing)" -gt "$before" ]; }
check "and the running serve delivers it" wait_until 20 delivered_again
"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h2"}, 0)' >/dev/null
settled() { [ "$(count resolved)" -ge 2 ]; }
check "h2 resolves" wait_until 20 settled

# 500 and 429 are retried with backoff until accepted.
printf '500\n429\n200\n' > statuses
"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h3"}, 9)' >/dev/null
firing_before=$(count firing)
retried_through() { [ "$(count firing)" -gt "$firing_before" ]; }
check "500, then 429, then delivered" wait_until 30 retried_through
check "each attempt reached the receiver" grep -q "^429 " received.jsonl.attempts
check "nothing is left in the outbox" wait_until 10 outbox_shows "the outbox is empty"

metrics=$(curl -s "http://127.0.0.1:$port/metrics")
delivered=$(printf '%s\n' "$metrics" | awk '$1 ~ /^opslab_notifications_delivered_total\{integration="hook\/webhook/ {print $2}')
failed=$(printf '%s\n' "$metrics" | awk '$1 ~ /^opslab_notifications_failed_total\{integration="hook\/webhook/ {print $2}')
check "deliveries are counted ($delivered)" [ "${delivered:-0}" -ge 5 ]
check "and the retried attempts ($failed)" [ "${failed:-0}" -ge 2 ]

# An alert that resolves while serve is down is still notified resolved:
# the notifier takes back the alerts it held.
printf '200\n' > statuses
"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h3"}, 0)' >/dev/null
"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h4"}, 4)' >/dev/null
# notified HOST STATUS: a notification held HOST's alert with that status.
notified() { python3 -c '
import json, sys
sys.exit(0 if any(a["labels"].get("host") == sys.argv[1] and a["status"] == sys.argv[2]
                  for line in open("received.jsonl") for a in json.loads(line)["alerts"]) else 1)' "$@"; }
check "h4 fires" wait_until 30 notified h4 firing
check "h3 resolves" wait_until 30 notified h3 resolved
crash_serve
"$OPSLAB" --no-init -e 'metrics.write("opslab_test_value", {host = "h4"}, 0)' >/dev/null
check "serve restarts after the condition cleared" start_serve
check "h4's resolved notification is sent after the restart" wait_until 30 notified h4 resolved

crash_serve

# notify-test sends one notification straight through a receiver's sinks.
echo 200 > statuses
before=$(wc -l < received.jsonl)
out=$("$OPSLAB" alerts notify-test --config notify.yml hook team=infra --annotation summary=hello 2>&1); rc=$?
check "notify-test goes through every sink and reports each ($out)" [ $rc -eq 1 ] && contains "$out" "hook/webhook[0]	delivered" \
  && contains "$out" "hook/opslab[1]	delivered" && contains "$out" "hook/opslab[2]	failed (would be retried): plugin sink 'flaky'"
sample=$(tail -n 1 received.jsonl | python3 -c '
import json, sys
n = json.load(sys.stdin)
a = n["alerts"][0]
print(a["labels"]["alertname"], a["labels"]["team"], a["annotations"]["summary"], n["groupKey"], sep="|")')
check "the receiver got the test alert in its group ($sample)" [ "$(wc -l < received.jsonl)" -eq $((before + 1)) ] \
  && [ "$sample" = 'TestAlert|infra|hello|{}:{alertname="TestAlert"}' ]
echo 400 > statuses
out=$("$OPSLAB" alerts notify-test --config notify.yml hook 2>&1); rc=$?
check "a refusal is reported and exits 1 ($out)" [ $rc -eq 1 ] && contains "$out" "refused (would be a dead letter): HTTP 400"
out=$("$OPSLAB" alerts notify-test --config notify.yml pager 2>&1); rc=$?
check "an unknown receiver is named ($out)" [ $rc -eq 1 ] && contains "$out" 'no receiver "pager"' && contains "$out" "receivers: hook"
out=$("$OPSLAB" alerts notify-test --config notify.yml hook =x 2>&1); rc=$?
check "a malformed label is refused ($out)" [ $rc -ne 0 ] && contains "$out" "name=value"
out=$("$OPSLAB" alerts notify-test --config notify.yml hook --timeout nan 2>&1); rc=$?
check "a NaN timeout is refused ($out)" [ $rc -ne 0 ] && contains "$out" "--timeout"

# Configuration problems stop serve with the receiver, the field and the line.
cat > bad.yml <<'YAML'
route: {receiver: mail}
receivers:
- name: mail
  email_configs:
  - to: ops@example.com
YAML
out=$("$OPSLAB" serve --no-init --listen "127.0.0.1:$(free_port)" --notify bad.yml 2>&1); rc=$?
check "an integration opslab does not deliver is refused ($out)" [ $rc -ne 0 ] && contains "$out" "email_configs" && contains "$out" "mail"
cat > bad.yml <<'YAML'
route: {receiver: hook}
receivers:
- name: hook
  webhook_configs:
  - url: http://127.0.0.1:1/
    max_alert: 3
YAML
out=$("$OPSLAB" serve --no-init --listen "127.0.0.1:$(free_port)" --notify bad.yml 2>&1); rc=$?
check "a misspelt field is named with its line ($out)" [ $rc -ne 0 ] && contains "$out" "max_alert" && contains "$out" "bad.yml:6"
printf 'route: {receiver: hook}\nreceivers:\n- name: hook\n  webhook_configs:\n  - url: "not a url"\n' > bad.yml
out=$("$OPSLAB" serve --no-init --listen "127.0.0.1:$(free_port)" --notify bad.yml 2>&1); rc=$?
check "a bad URL is refused ($out)" [ $rc -ne 0 ] && contains "$out" "webhook_configs.url"
printf 'route: {receiver: hook}\nreceivers:\n- name: hook\n  opslab_configs:\n  - {sink: nosuch}\n' > bad.yml
out=$("$OPSLAB" serve --no-init --listen "127.0.0.1:$(free_port)" --notify bad.yml 2>&1); rc=$?
check "an unknown sink is refused ($out)" [ $rc -ne 0 ] && contains "$out" '"nosuch"' && contains "$out" "sink plugin"
out=$("$OPSLAB" serve --no-init --notify missing.yml 2>&1); rc=$?
check "a missing file is refused ($out)" [ $rc -ne 0 ] && contains "$out" "missing.yml"

# Hostile silence input is refused with a clear message and changes nothing.
for args in "--comment x" "alertname=X --comment x --duration 0s" "alertname=X --comment x --duration -1h" \
            "alertname=X --comment x --duration 1e300y" "alertname=X --comment x --duration NaN" \
            "'alertname=~(' --comment x" "alertname=X --comment ' '" "alertname=X --comment x --start yesterday" \
            "alertname=X --comment x --duration 9223372036854775807ms"; do
  out=$(eval "\"$OPSLAB\" alerts silence add $args" 2>&1); rc=$?
  check "silence add $args is refused ($out)" [ $rc -ne 0 ] && [ -n "$out" ] && ! contains "$out" "Fatal error"
done
out=$("$OPSLAB" alerts silence expire no-such-id 2>&1); rc=$?
check "expiring an unknown id is refused ($out)" [ $rc -ne 0 ] && contains "$out" "no-such-id"
remaining=$("$OPSLAB" alerts silence list --expired --json | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
check "the store holds only the one silence ($remaining)" [ "$remaining" -eq 1 ]

finish
