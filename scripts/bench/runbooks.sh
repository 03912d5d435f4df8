#!/usr/bin/env bash
# Runbook overhead: a runbook of 100 steps, each running `sh -c true`,
# beside a bare loop of 100 `sh -c true` (and `ansible localhost -m command
# -a true`, where installed), all measured in this run. The difference per
# step is what opslab adds: the step, its status line, and two audit entries
# (the command and the step), each appended with fsync and its head written
# to opslab.db. A runbook of 100 steps that run nothing gives the cost of one
# audit entry. Prints medians; the goal is under 2 ms per step on top of the
# process itself. No pass/fail.
. "$(dirname "$0")/lib.sh"
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# steps N BODY: a runbook file of N steps, each running BODY.
steps() {
  cat > "$work/book$1$2.lua" <<LUA
local steps = {}
for i = 1, $1 do steps[i] = { name = "s" .. i, run = function(ctx) $3 end } end
return { kind = "runbook", name = "bench", version = "1.0.0", description = "bench",
         permissions = { "exec" }, steps = steps }
LUA
  echo "$work/book$1$2.lua"
}
with_sh=$(steps 100 sh 'ctx.sh{"sh", "-c", "true", quiet = true}')
empty=$(steps 100 empty '')
one=$(steps 1 empty '')

bare_loop() { for _ in $(seq 100); do sh -c true; done; }

base_ms=$(median_ms "$bin" runbook run "$one")
sh_ms=$(median_ms "$bin" runbook run "$with_sh")
empty_ms=$(median_ms "$bin" runbook run "$empty")
bare_ms=$(median_ms bare_loop)
per() { echo "($1 - $2) / 100" | bc -l; }
step_ms=$(per "$sh_ms" "$base_ms")
bare_step_ms=$(echo "$bare_ms / 100" | bc -l)
entry_ms=$(per "$empty_ms" "$base_ms")
echo "runbook of 100 steps, median of $runs runs (the run of one empty step, ${base_ms} ms, subtracted: start-up)"
printf '  per step running sh -c true   %8.2f ms\n' "$step_ms"
printf '  bare sh -c true per iteration %8.2f ms\n' "$bare_step_ms"
printf '  opslab overhead per step      %8.2f ms   (step / bare: %.2fx)\n' "$(echo "$step_ms - $bare_step_ms" | bc -l)" \
  "$(echo "$step_ms / $bare_step_ms" | bc -l)"
printf '  per empty step                %8.2f ms   (one audit entry: append, fsync, head in opslab.db)\n' "$entry_ms"
if command -v ansible >/dev/null 2>&1; then
  ansible_ms=$(median_ms ansible localhost -c local -m command -a true)
  printf '  ansible localhost -m command  %8.2f ms   per task (opslab step / ansible: %.3fx)\n' "$ansible_ms" \
    "$(echo "$step_ms / $ansible_ms" | bc -l)"
else
  echo "  ansible: not installed here, skipped"
fi
