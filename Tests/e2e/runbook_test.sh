#!/usr/bin/env bash
# opslab runbook and opslab audit, end to end: runs, dry runs, refusals,
# failures with undo, timeouts and SIGTERM stopping whole process groups,
# every kind of tampering with the audit log, and the issue's bad inputs.
. "$(dirname "$0")/lib.sh"
books=$SCRATCH/books
mkdir -p "$books"
J=$SCRATCH/journal

# book NAME FIELDS: a runbook file in $books.
book() {
  cat > "$books/$1.lua" <<LUA
return { kind = "runbook", name = "$1", version = "1.0.0", description = "e2e $1",
  permissions = { "exec" }, $2 }
LUA
}

book ordered '
  mutates = true,
  params = { fail = { type = "boolean", default = false }, undo_fails = { type = "boolean", default = false } },
  steps = {
    { name = "one", run = function(ctx) ctx.sh{"sh", "-c", "echo one >> '"$J"'; echo hello from one"} end,
      undo = function(ctx) ctx.sh{"sh", "-c", "echo undo-one >> '"$J"'"} end },
    { name = "two", run = function(ctx) ctx.sh{"sh", "-c", "echo two >> '"$J"'"} end,
      undo = function(ctx)
        if ctx.params.undo_fails then error("cannot put two back") end
        ctx.sh{"sh", "-c", "echo undo-two >> '"$J"'"} end },
    { name = "three", run = function(ctx)
        if ctx.params.fail then ctx.sh{"sh", "-c", "echo broken >&2; exit 3"} end
        ctx.sh{"sh", "-c", "echo three >> '"$J"'"} end },
  },'

book slow '
  steps = {
    { name = "prepare", run = function(ctx) ctx.sh{"sh", "-c", "echo prepared >> '"$J"'"} end,
      undo = function(ctx) ctx.sh{"sh", "-c", "echo undo-prepare >> '"$J"'"} end },
    { name = "wait", timeout = "1s", run = function(ctx)
        ctx.sh{"sh", "-c", "sleep 60 & echo $! > '"$SCRATCH"'/child.pid; echo waiting >> '"$J"'; wait"} end },
  },'

book patient '
  steps = {
    { name = "prepare", run = function(ctx) ctx.sh{"sh", "-c", "echo prepared >> '"$J"'"} end,
      undo = function(ctx) ctx.sh{"sh", "-c", "echo undo-prepare >> '"$J"'"} end },
    { name = "wait", run = function(ctx)
        ctx.sh{"sh", "-c", "sleep 60 & echo $! > '"$SCRATCH"'/child.pid; echo waiting >> '"$J"'; wait"} end },
  },'

book dup 'steps = { { name = "a", run = function() end }, { name = "a", run = function() end } },'
book empty 'steps = {},'
book loud 'steps = { { name = "loud", run = function(ctx)
    ctx.sh{"sh", "-c", "head -c 100000000 /dev/zero | tr \"\\\\0\" x; echo; echo LAST-LINE"} end } },'
book missing 'steps = { { name = "run", run = function(ctx) ctx.sh{"no-such-command-opslab", "x"} end } },'
book many 'steps = (function() local s = {} for i = 1, 20 do s[i] = { name = "s" .. i, run = function(ctx) ctx.sh{"true"} end } end return s end)(),'

run() { "$OPSLAB" runbook run "$@" </dev/null; }
quietly() { "$@" >/dev/null 2>&1; }

# -- discovery and help
out=$("$OPSLAB" runbook list 2>&1)
check "list shows the bundled runbooks" contains "$out" "disk-pressure"
check "list shows node-triage" contains "$out" "node-triage"
out=$("$OPSLAB" runbook show disk-pressure 2>&1)
check "show lists params" contains "$out" "days: integer, default 7"
check "show lists steps" contains "$out" "3. clean"
out=$("$OPSLAB" runbook run --help 2>&1)
check "run --help documents --dry-run" contains "$out" "--dry-run"
check "run --help explains exit codes" contains "$out" "Exit status: 0"
out=$("$OPSLAB" audit --help 2>&1)
check "audit --help explains the chain" contains "$out" "SHA-256"

# -- a mutating runbook off a terminal: refused before any step (exit 2)
rm -f "$J"
out=$(run "$books/ordered.lua" 2>&1); status=$?
check "mutating without --yes exits 2" [ "$status" -eq 2 ]
check "the refusal says why" contains "$out" "pass --yes"
check "no step ran" [ ! -e "$J" ]

# -- dry run: prints, changes nothing, exits 0
out=$(run "$books/ordered.lua" --dry-run 2>&1); status=$?
check "dry run exits 0" [ "$status" -eq 0 ]
check "dry run prints the command" contains "$out" "[one] would run: sh -c"
check "dry run changes nothing" [ ! -e "$J" ]

# -- a successful run: output prefixed by step, a status line per step
out=$(run "$books/ordered.lua" --yes 2>&1); status=$?
check "run exits 0" [ "$status" -eq 0 ]
check "output is prefixed by its step" contains "$out" "[one] hello from one"
check "a status line per step" contains "$out" "== two: ok ("
check "steps ran in order" [ "$(cat "$J")" = "$(printf 'one\ntwo\nthree')" ]

# -- --only and --from
rm -f "$J"
run "$books/ordered.lua" --yes --only two >/dev/null 2>&1
check "--only runs one step" [ "$(cat "$J")" = "two" ]
rm -f "$J"
run "$books/ordered.lua" --yes --from two >/dev/null 2>&1
check "--from resumes there" [ "$(cat "$J")" = "$(printf 'two\nthree')" ]
out=$(run "$books/ordered.lua" --yes --only nope 2>&1); status=$?
check "an unknown step name exits 2" [ "$status" -eq 2 ]
check "the unknown step is named" contains "$out" 'no step named "nope"'

# -- a failing step: stops, undoes the completed steps in reverse, exits 1
rm -f "$J"
out=$(run "$books/ordered.lua" --yes --param fail=true 2>&1); status=$?
check "a failing step exits 1" [ "$status" -eq 1 ]
check "the failing step is named" contains "$out" "failed (step three)"
check "its stderr is shown" contains "$out" "exited with code 3: broken"
check "undos ran in reverse" [ "$(cat "$J")" = "$(printf 'one\ntwo\nundo-two\nundo-one')" ]

# -- an undo that fails is reported, and the other undos still run
rm -f "$J"
out=$(run "$books/ordered.lua" --yes --param fail=true --param undo_fails=true 2>&1)
check "a failed undo is reported" contains "$out" "UNDO FAILED for two"
check "the failed undo's error is shown" contains "$out" "cannot put two back"
check "the next undo still ran" contains "$(cat "$J")" "undo-one"

# -- a param of the wrong type: refused before any step, naming the param
rm -f "$J"
out=$(run "$books/ordered.lua" --yes --param fail=maybe 2>&1); status=$?
check "a bad param exits 2" [ "$status" -eq 2 ]
check "the bad param is named" contains "$out" "param 'fail' expected true or false"
check "no step ran for a bad param" [ ! -e "$J" ]
out=$(run disk-pressure --yes --param days=lots --param path=/tmp 2>&1); status=$?
check "bundled runbook: bad integer param exits 2" [ "$status" -eq 2 ]
check "bundled runbook: param named" contains "$out" "param 'days' expected an integer"

# -- a timeout kills the step's whole process group, then undoes
rm -f "$J" "$SCRATCH/child.pid"
start=$SECONDS
out=$(run "$books/slow.lua" 2>&1); status=$?
check "a timed-out step exits 1" [ "$status" -eq 1 ]
check "the timeout is reported" contains "$out" "timed out"
check "the timeout came in time" [ $((SECONDS - start)) -lt 15 ]
child=$(cat "$SCRATCH/child.pid" 2>/dev/null)
check "the step's child was killed" wait_until 5 bash -c "! kill -0 $child 2>/dev/null"
check "the timeout undid the completed step" contains "$(cat "$J")" "undo-prepare"

# -- SIGTERM during a step: its group stopped, undos run, "interrupted"
rm -f "$J" "$SCRATCH/child.pid"
"$OPSLAB" runbook run "$books/patient.lua" </dev/null >"$SCRATCH/term.out" 2>&1 &
pid=$!
wait_until 20 grep -qs waiting "$J" || fail "the patient step did not start"
kill -TERM $pid
wait $pid; status=$?
check "SIGTERM exits 130" [ "$status" -eq 130 ]
check "SIGTERM runs the undos" contains "$(cat "$J")" "undo-prepare"
child=$(cat "$SCRATCH/child.pid" 2>/dev/null)
check "SIGTERM killed the step's child" wait_until 5 bash -c "! kill -0 $child 2>/dev/null"
out=$("$OPSLAB" audit show --action runbook.end --grep patient 2>&1)
check "the run is recorded as interrupted" contains "$out" "status=interrupted"

# -- more bad input
out=$(run "$books/dup.lua" 2>&1); status=$?
check "duplicate step names exit 2" [ "$status" -eq 2 ]
check "duplicate step names are named" contains "$out" 'two steps are named "a"'
out=$(run "$books/empty.lua" 2>&1); status=$?
check "a runbook without steps exits 2" [ "$status" -eq 2 ]
check "a runbook without steps is explained" contains "$out" "at least one step"
out=$(run "$books/missing.lua" 2>&1); status=$?
check "a command not found fails the step" [ "$status" -eq 1 ]
check "a command not found is named" contains "$out" "command not found: no-such-command-opslab"
# 100 MB of output in bounded memory: the run's peak RSS stays near a quiet run's.
rss() { /usr/bin/time -f %M -o "$SCRATCH/rss" "$OPSLAB" runbook run "$1" </dev/null >/dev/null 2>&1; tail -1 "$SCRATCH/rss"; }
if [ -x /usr/bin/time ]; then
  quiet_kb=$(rss "$books/missing.lua")
  loud_kb=$(rss "$books/loud.lua")
  check "megabytes of output: memory stays bounded ($loud_kb KB beside $quiet_kb KB)" [ "$loud_kb" -lt $((quiet_kb + 50000)) ]
fi
out=$(run "$books/loud.lua" 2>&1); status=$?
check "megabytes of output: the step succeeds" [ "$status" -eq 0 ]
check "megabytes of output: the tail is shown" contains "$out" "[loud] LAST-LINE"
check "megabytes of output: not all of it is echoed" [ "${#out}" -lt 1000000 ]
out=$(run "$books/many.lua" >/dev/null 2>&1 & run "$books/many.lua" >/dev/null 2>&1; wait)

# -- gpu-health against a fake nvidia-smi on PATH
mkdir -p "$SCRATCH/fakebin"
cat > "$SCRATCH/fakebin/nvidia-smi" <<'SH'
#!/bin/sh
echo "0, NVIDIA H100 80GB HBM3, 43, 0, 0x0000000000000000"
echo "1, NVIDIA H100 80GB HBM3, 88, 0, 0x0000000000000008"
SH
chmod +x "$SCRATCH/fakebin/nvidia-smi"
echo "NVRM: Xid (PCI:0000:3b:00): 48, pid=7, DBE" > "$SCRATCH/kern.log"
out=$(PATH=$SCRATCH/fakebin:$PATH run gpu-health --param kernel_log="$SCRATCH/kern.log" 2>&1); status=$?
check "gpu-health: an unhealthy node exits 1" [ "$status" -eq 1 ]
check "gpu-health: the temperature is reported" contains "$out" "[query] WARN GPU 1 at 88 C"
check "gpu-health: throttling is a drain reason" contains "$out" "GPU 1: hardware slowdown"
check "gpu-health: a critical Xid is a drain reason" contains "$out" "Xid 48 on 0000:3b:00: double-bit ECC error"

# -- the audit log: the chain verifies, heads are kept and signed
out=$("$OPSLAB" audit verify 2>&1); status=$?
check "audit verify passes on an untouched log" [ "$status" -eq 0 ]
check "audit verify counts entries" contains "$out" "audit log ok"
out=$("$OPSLAB" audit show --action runbook.exec --json | head -1)
check "audit show --json prints stored lines" contains "$out" '"action":"runbook.exec"'
check "entries carry the exit code" contains "$out" '"code":"0"'
count=$("$OPSLAB" audit show --action runbook.start --grep many | wc -l)
check "two concurrent runs both recorded" [ "$count" -eq 2 ]
keys=$("$OPSLAB" model keygen)
private=$(echo "$keys" | sed -n 's/^private: *//p'); public=$(echo "$keys" | sed -n 's/^public: *//p')
"$OPSLAB" audit head --sign "$private" > "$SCRATCH/head.txt"
check "audit head prints seq:hash" grep -qE '^[0-9]+:[0-9a-f]{64}$' "$SCRATCH/head.txt"
check "a signed head verifies" quietly "$OPSLAB" audit verify --head "$SCRATCH/head.txt" --key "$public"
other=$("$OPSLAB" model keygen | sed -n 's/^public: *//p')
check "a head signed by another key fails" bash -c "! '$OPSLAB' audit verify --head '$SCRATCH/head.txt' --key $other >/dev/null 2>&1"

out=$("$OPSLAB" -e "nn.save(nn.Linear(2, 2), '$SCRATCH/m.safetensors')" 2>&1 && "$OPSLAB" model verify "$SCRATCH/m.safetensors" 2>&1)
check "model verify is audited" contains "$("$OPSLAB" audit show --action model.verify)" "$SCRATCH/m.safetensors"

# tamper KIND SED-OR-COMMAND: a copy of the state, tampered, must fail naming a seq.
tamper() {
  local name=$1 script=$2 want=$3
  rm -rf "$SCRATCH/t"; cp -r "$OPSLAB_HOME" "$SCRATCH/t"
  (cd "$SCRATCH/t" && eval "$script")
  out=$(OPSLAB_HOME=$SCRATCH/t "$OPSLAB" audit verify 2>&1); status=$?
  check "$name is detected (exit 1)" [ "$status" -eq 1 ]
  check "$name names seq $want" contains "$out" "BROKEN at seq $want"
}
tamper "an edited line" "sed -i '3s/runbook/rnbook/' audit.jsonl" 3
tamper "a deleted line" "sed -i '4d' audit.jsonl" 4
tamper "an inserted line" "sed -i '5p' audit.jsonl" 6
tamper "reordered lines" "awk 'NR == 5 { held = \$0; next } NR == 6 { print; print held; next } { print }' audit.jsonl > x && mv x audit.jsonl" 5
n=$(wc -l < "$OPSLAB_HOME/audit.jsonl")
tamper "a truncated tail" "head -n 10 audit.jsonl > x && mv x audit.jsonl" 11
tamper "a corrupt line" "sed -i '2s/.*/{garbage/' audit.jsonl" 2
out=$("$OPSLAB" audit verify --head "$((n + 5)):$(printf '%064d' 0)" 2>&1); status=$?
check "a head the log no longer reaches fails" [ "$status" -eq 1 ]

# -- an unwritable audit log: the run refuses to start
rm -f "$J"
mkdir -p "$SCRATCH/locked"
mkdir "$SCRATCH/locked/audit.jsonl"
out=$(OPSLAB_HOME=$SCRATCH/locked "$OPSLAB" runbook run "$books/ordered.lua" --yes </dev/null 2>&1); status=$?
check "an unwritable audit log refuses the run (exit 2)" [ "$status" -eq 2 ]
check "the refusal names the audit log" contains "$out" "refusing to run unaudited"
check "no step ran unaudited" [ ! -e "$J" ]

# -- the shell: :run is runbook.run's sugar
start_repl
type_line ":run $books/ordered.lua --dry-run"
expect_screen ":run runs a dry run" "ordered: succeeded (dry run)"
type_line "r = runbook.run('$books/ordered.lua', {fail = 'x'}); print(r.status .. ': ' .. r.error)"
expect_screen "runbook.run returns the refusal" "refused: param 'fail'"
rm -f "$J"
type_line ":run $books/ordered.lua"
expect_screen "a mutating runbook asks at a terminal, with the plan" "(steps: one, two, three), which changes this machine? [y/N]"
type_line "y"
expect_screen "a yes at the terminal runs it" "ordered: succeeded in"
check "the confirmed run ran its steps" [ "$(cat "$J")" = "$(printf 'one\ntwo\nthree')" ]
rm -f "$J"
type_line ":run $books/patient.lua"
wait_until 20 grep -qs waiting "$J" || fail "the patient step did not start in the shell"
keys C-c
expect_screen "Ctrl-C stops a run in the shell" "patient: interrupted at step wait"
expect_screen "Ctrl-C in the shell still runs the undos" "== undo prepare: ok"
type_line "print(1 + 1)"
expect_screen "the shell works after an interrupted run" "2"
rm -f "$J"
clear_screen
type_line ":run $books/ordered.lua --yes --only=two"
expect_screen ":run --only= runs one step" "ordered: succeeded in"
check ":run --only= ran only that step" [ "$(cat "$J" 2>/dev/null)" = "two" ]
type_line ":help runbooks"
expect_screen ":help runbooks shows the file shape" "Param types: string, integer"

finish
