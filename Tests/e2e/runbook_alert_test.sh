#!/usr/bin/env bash
# Alerts that start runbooks in `opslab serve`: a firing alert's runbook
# annotation starts an allowed runbook with its runbook_params, never twice
# at once and not again within the cooldown; the trigger and the run carry
# the alert's fingerprint in the audit log; runbooks not allowed and
# unreadable params start nothing and are counted on /metrics.
. "$(dirname "$0")/lib.sh"
PIDS=()
trap '{ for p in "${PIDS[@]}"; do kill -9 "$p"; done; wait; } 2>/dev/null; cleanup' EXIT
cd "$SCRATCH"

mkdir -p "$XDG_CONFIG_HOME/opslab/plugins"
cat > "$XDG_CONFIG_HOME/opslab/plugins/on-alert.lua" <<'EOF'
return {
  kind = "runbook", name = "on-alert", version = "1.0.0", description = "records that it ran, slowly",
  permissions = { "exec" }, mutates = true,
  params = { path = { type = "string", required = true } },
  steps = {
    { name = "mark", run = function(ctx) ctx.sh{"sh", "-c", 'echo started >> "$0"; sleep 3', ctx.params.path} end },
  },
}
EOF
cat > rules.yml <<EOF
groups:
- name: ops
  interval: 1s
  rules:
  - alert: DiskFull
    expr: vector(1) > 0
    labels: {severity: page}
    annotations: {runbook: on-alert, runbook_params: "path=$SCRATCH/runs.log"}
  - alert: Unlisted
    expr: vector(1) > 0
    annotations: {runbook: reboot-everything}
  - alert: BadParams
    expr: vector(1) > 0
    annotations: {runbook: on-alert, runbook_params: "=oops"}
EOF
port=$(free_port)
"$OPSLAB" serve --no-init --listen "127.0.0.1:$port" --rules rules.yml --evaluation-interval 1s --resend-delay 1s \
  --allow-runbook on-alert --runbook-cooldown 2s > serve.log 2>&1 &
serve=$!
PIDS+=($serve)
check "serve starts" wait_http "http://127.0.0.1:$port/-/ready" 30
twice() { [ "$(grep -c started runs.log 2>/dev/null)" -ge 2 ]; }
check "the firing alert starts its runbook, and again after it ends" wait_until 30 twice
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
kill -TERM $serve; wait $serve 2>/dev/null
sleep 1

check "a runbook serve was not allowed is not started, and counted" \
  contains "$metrics" 'opslab_runbook_triggers_total{outcome="not_allowed",runbook="reboot-everything"}'
check "params that cannot be read start nothing, and are counted" \
  contains "$metrics" 'opslab_runbook_triggers_total{outcome="bad_params",runbook="on-alert"}'
check "a resend while it runs does not start it twice" bash -c 'grep -qE "opslab_runbook_triggers_total\{outcome=\"(running|cooldown)\",runbook=\"on-alert\"\} [1-9]" <<< "$1"' _ "$metrics"
check "the log says which alert started it" grep -q "alert starts runbook" serve.log

# The audit log: each trigger names the alert, each run starts with the same
# fingerprint, and no run starts before the previous one ended.
"$OPSLAB" audit show --json > audit.jsonl 2>&1
out=$(python3 - <<'EOF'
import json
entries = [json.loads(line) for line in open("audit.jsonl") if line.strip()]
triggers = [e for e in entries if e["action"] == "runbook.trigger"]
starts = [e for e in entries if e["action"] == "runbook.start" and e["subject"] == "on-alert"]
assert len(triggers) >= 2 and len(starts) >= 2, (len(triggers), len(starts))
fingerprints = {e["detail"]["alert"] for e in triggers}
assert len(fingerprints) == 1 and all(len(f) == 16 for f in fingerprints), fingerprints
assert all(e["detail"].get("alert") in fingerprints for e in starts), starts
assert all(e["detail"]["alertname"] == "DiskFull" for e in triggers)
open_runs = 0
for e in entries:
    if e["subject"] != "on-alert": continue
    if e["action"] == "runbook.start": open_runs += 1
    if e["action"] == "runbook.end": open_runs -= 1
    assert open_runs <= 1, "two runs at once"
print("ok", len(starts), "runs")
EOF
)
check "the audit log ties runs to the alert, one at a time ($out)" contains "$out" "ok"
out=$("$OPSLAB" audit verify 2>&1); rc=$?
check "and its chain holds ($out)" [ $rc -eq 0 ]

for bad in "--runbook-cooldown soon" "--runbook-cooldown 1e300s"; do
  out=$("$OPSLAB" serve --no-init --listen "127.0.0.1:$(free_port)" $bad 2>&1); rc=$?
  check "serve $bad is refused ($rc)" [ $rc -ne 0 ] && contains "$out" "runbook-cooldown"
done
for bad in "zz" "" "12345678901234567" "-1"; do
  out=$("$OPSLAB" runbook run on-alert --param path=/dev/null --yes "--alert=$bad" 2>&1); rc=$?
  check "runbook run --alert '$bad' is refused ($rc)" [ $rc -ne 0 ] && contains "$out" "alert fingerprint"
done

finish
