#!/usr/bin/env bash
# `opslab serve --rules`: rule files evaluated against the store, ALERTS and
# recorded series written to it, state restored after kill -9, reloads on
# SIGHUP and POST /-/reload that keep the old rules when the new file is
# broken, Lua rules beside PromQL ones, and rule metrics on /metrics.
. "$(dirname "$0")/lib.sh"

metric_value() { awk -v s="$2" '$1 == s {print $2; exit}' "$1"; }
SERVE_PID=
stop_serve() { [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; wait 2>/dev/null; }
trap 'stop_serve; cleanup' EXIT
# q LUA: runs Lua against the store serve writes.
q() { "$OPSLAB" --no-init -e "$1" 2>&1; }
for_state() { q "for _, e in ipairs(metrics.query('ALERTS_FOR_STATE{alertname=\"$1\"}')) do io.write(string.format('%d', e.value)) end"; }
alert_state() { q "for _, e in ipairs(metrics.query('ALERTS{alertname=\"$1\"}')) do io.write(e.labels.alertstate) end"; }
# state_is ALERTNAME STATE: the alert's ALERTS series says STATE ("" when it has none).
state_is() { [ "$(alert_state "$1")" = "$2" ]; }
recorded_is() { [ "$(q "io.write(metrics.query('$1')[1].value)")" = "$2" ]; }

cd "$SCRATCH"
cat > rules.yml <<'YAML'
groups:
- name: fast
  interval: 1s
  rules:
  - alert: AlwaysOn
    expr: vector(1)
    labels: {severity: info}
    annotations: {summary: "value {{ $value }}"}
  - alert: SlowBurn
    expr: vector(2)
    for: 1h
  - record: opslab:test:two
    expr: vector(2) * 1
  - alert: Broken
    expr: rate(
YAML
cat > config.lua <<'LUA'
alerts.rule{name = "LuaRule", group = "lua", expr = function(t) return {{labels = {source = "lua"}, value = 7}} end}
alerts.rule{name = "LuaLoop", group = "lua", expr = function(t) while true do end end}
LUA
port=$(free_port)
start_serve() {
  "$OPSLAB" serve --no-init --listen "127.0.0.1:$port" --rules "$SCRATCH/rules.yml" --config "$SCRATCH/config.lua" \
    >>"$SCRATCH/serve.log" 2>&1 &
  SERVE_PID=$!
  wait_http "http://127.0.0.1:$port/-/ready" 30
}
check "serve starts with rules" start_serve
check "a rule that does not parse is reported" wait_until 5 grep -q 'rules.yml:.*Broken.*could not parse expression' serve.log
check "the other rules fire: ALERTS in the store" wait_until 15 state_is AlwaysOn firing
check "a rule with for: is pending" state_is SlowBurn pending
check "recording rule writes its series" wait_until 5 recorded_is opslab:test:two 2
check "a Lua rule fires beside PromQL ones" wait_until 15 state_is LuaRule firing
curl -s "http://127.0.0.1:$port/metrics" > metrics.txt
check "promtool accepts the exposition with rule metrics" promtool check metrics < metrics.txt
check "group evaluations counted" grep -q '^opslab_rule_evaluations_total{rule_group=".*rules.yml;fast"} [1-9]' metrics.txt
check "the looping Lua rule is unhealthy, counted" wait_until 20 sh -c "curl -s http://127.0.0.1:$port/metrics | grep -q '^opslab_rules{health=\"err\"} 1'"

# kill -9: firing alerts come back with their activeAt, pending ones keep their progress.
firing_at=$(for_state AlwaysOn); pending_at=$(for_state SlowBurn)
kill -9 "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
killed=$(date +%s)
sleep 3
check "serve restarts" start_serve
check "restored alerts are written again" wait_until 10 state_is AlwaysOn firing
sleep 2
check "a firing alert keeps its original activeAt ($firing_at vs $(for_state AlwaysOn))" [ "$(for_state AlwaysOn)" = "$firing_at" ]
restored=$(for_state SlowBurn)
shift_seconds=$((restored - pending_at))
check "a pending alert keeps its progress: activeAt moves by the downtime ($shift_seconds s)" [ $shift_seconds -ge 3 ] && [ $shift_seconds -le 15 ]
check "still pending after the restart" state_is SlowBurn pending

# A broken file on SIGHUP keeps the old rules and says why.
cp rules.yml rules.good
printf 'groups:\n- name: fast\n  rules: [\n' > rules.yml
kill -HUP "$SERVE_PID"
check "SIGHUP with a broken file is reported" wait_until 10 grep -q 'YAML syntax error.*rule file problem' serve.log
sleep 2
check "the old rules keep running" state_is AlwaysOn firing
code=$(curl -s -o reload.txt -w '%{http_code}' -X POST "http://127.0.0.1:$port/-/reload")
check "POST /-/reload with a broken file answers 500 ($code)" [ "$code" = 500 ]
check "and names the file and line" grep -q 'rules.yml:[0-9]' reload.txt
# A good new file on POST /-/reload: the new rule is evaluated.
sed 's/AlwaysOn/NowOn/' rules.good | grep -v -e 'Broken' -e 'rate(' > rules.yml
code=$(curl -s -o reload.txt -w '%{http_code}' -X POST "http://127.0.0.1:$port/-/reload")
check "POST /-/reload with a good file answers 200 ($code)" [ "$code" = 200 ]
check "the new rule fires" wait_until 10 state_is NowOn firing
check "the removed rule's ALERTS series ends (stale)" wait_until 10 state_is AlwaysOn ""

# alerts.preview against a real Prometheus that scrapes this serve.
pport=$(free_port)
cat > prometheus.yml <<YAML
global: {scrape_interval: 1s}
scrape_configs:
  - job_name: opslab
    static_configs: [ { targets: ["127.0.0.1:$port"] } ]
YAML
prometheus --config.file=prometheus.yml --storage.tsdb.path="$SCRATCH/prom" --web.listen-address="127.0.0.1:$pport" >prom.log 2>&1 &
prom_pid=$!
prom_up() { curl -s "http://127.0.0.1:$pport/api/v1/query?query=up" | grep -q '"value":\[[0-9.]*,"1"\]'; }
check "Prometheus scrapes serve" wait_until 30 prom_up
preview=$(q "local r = alerts.preview({name = 'Up', expr = 'up == 1', annotations = {s = 'job {{ \$labels.job }}'}}, {url = 'http://127.0.0.1:$pport'})
             io.write(#r, ' ', r[1] and r[1].labels.job or '-', ' ', r[1] and r[1].annotations.s or '-')")
check "alerts.preview runs a rule on a remote Prometheus ($preview)" [ "$preview" = "1 opslab job opslab" ]
preview=$(q "local ok, e = pcall(alerts.preview, {name = 'X', expr = 'up'}, {url = 'http://127.0.0.1:1'}) io.write(tostring(e))")
check "an unreachable Prometheus is a clear error ($preview)" contains "$preview" "cannot reach"
kill $prom_pid 2>/dev/null; wait $prom_pid 2>/dev/null

# SIGTERM stops serve promptly, even while a Lua rule spins at its budget.
kill -TERM "$SERVE_PID"
exited() { ! kill -0 "$SERVE_PID" 2>/dev/null; }
check "SIGTERM stops serve within 10 s" wait_until 10 exited
check "and it says so" grep -q 'stopped' serve.log
stop_serve
echo "alerts serve: $PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ]
