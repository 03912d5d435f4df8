#!/usr/bin/env bash
# The interactive REPL driven through tmux as a person would: typing,
# completion, multi-line input, Ctrl-C, history, help and commands.
. "$(dirname "$0")/lib.sh"

start_repl NO_COLOR=1
type_line 'gpus = {temp = 71, name = "h200", ids = {0, 1}}'
type_line 'gpus'
expect_screen "table printed with sorted keys" '{ ids = { 0, 1 }, name = "h200", temp = 71 }'
if tmux -L "$TMUX_SOCKET" capture-pane -p -e -t "s$SESSION" | grep -q $'\e\\[3'; then fail "NO_COLOR still coloured"; else pass; fi
type_line '1 + 1, "two", nil'
expect_screen "several results" '2       "two"   nil'
type_line '_ * 10'
expect_screen "_ holds the last result" '20'

# Multi-line input continues on a second prompt; a paste works the same way.
type_line 'for i = 1, 3 do'
expect_screen "continuation prompt" '   ...>'
type_line 'io.write("i=", i, " ")'
type_line 'end'
expect_screen "loop ran" 'i=1 i=2 i=3'
keys -l $'function double(x)\n  return x * 2\nend\nprint("doubled", double(21))\n'
expect_screen "pasted block" 'doubled 42'

# Completion: fields, methods through __index, keywords, file paths.
keys -l 'plugins.in'; keys Tab; keys -l '("checkpoint_dir").kind'; keys Enter
expect_screen "field completion" '"collector"'
clear_screen
keys -l 'plugins.'; keys Tab
expect_screen "candidates listed" 'problems'
keys C-u
keys -l 's = "text"'; keys Enter
keys -l 's:upp'; keys Tab; keys -l '()'; keys Enter
expect_screen "method completion" '"TEXT"'
keys -l 'funct'; keys Tab; keys -l ' f() return 5 end'; keys Enter
keys -l 'f()'; keys Enter
expect_screen "keyword completion" '5'
mkdir -p "$SCRATCH/data"; touch "$SCRATCH/data/metrics-2026.csv"
keys -l "io.open(\"$SCRATCH/data/metr"; keys Tab; keys -l '"):close()'; keys Enter
expect_screen "path completion" "io.open(\"$SCRATCH/data/metrics-2026.csv\"):close()"
# Inside a call's parentheses, Tab shows the signature it is checked against.
clear_screen
keys -l 'metrics.range("up", '; keys Tab
expect_screen "signature of a function" 'metrics.range(expr: string, range: duration [, step: duration])'
keys C-u
keys -l 'x = tensor.zeros(2)'; keys Enter
keys -l 'x:sum('; keys Tab
expect_screen "signature of a method" 't:sum([dims: integer|table [, keepdim: boolean]]) -> Tensor'
keys C-u
keys -l 'nn.Linear(2, 2, {'; keys Tab
expect_screen "signature around an options table" 'nn.Linear(in: integer, out: integer [, {bias = true}]) -> Module'
keys C-u

# Errors leave the session intact.
type_line 'error("custom failure")'
expect_screen "error shown" 'repl:1: custom failure'
type_line 'setmetatable({}, {__add = function() error("in metamethod") end}) + 1'
expect_screen "metamethod error shown" 'in metamethod'
type_line 'plugins.info(42)'
expect_screen "argument error" 'plugins.info: argument #1 expected string, got number'
type_line 'x = = 1'
expect_screen "syntax error" "unexpected symbol near '='"

# Ctrl-C stops a runaway loop, even one that swallows errors; state survives.
type_line 'while true do pcall(function() while true do end end) end'
sleep 0.5; keys C-c
expect_screen "loop interrupted" 'interrupted'
type_line 'gpus.name'
expect_screen "globals survive Ctrl-C" '"h200"'
# Ctrl-C at the prompt drops the line.
keys -l 'this line is abandoned'; keys C-c
type_line '"after ctrl-c"'
expect_screen "prompt usable after Ctrl-C" '"after ctrl-c"'

# Ctrl-C stops alerts.eval inside a spinning Lua rule: the evaluation
# ends as interrupted, and the rule is not blamed for it.
clear_screen
type_line 'alerts.rule{name = "Spin", expr = function() while true do end end}'
type_line 'alerts.eval()'
# On a loaded machine the evaluation may not have started when the first
# Ctrl-C arrives (at the prompt it only clears the line), so send it until
# the evaluation reports the interrupt, at most 20 times.
for _ in $(seq 1 20); do
  sleep 0.5; keys C-c
  contains "$(screen)" 'interrupted' && break
done
expect_screen "Ctrl-C interrupts a rule evaluation" 'interrupted'
type_line 'print("health " .. alerts.list()[1].health)'
expect_screen "the interrupted rule is not marked unhealthy" 'health unknown'
type_line 'alerts.remove("Spin")'

# Help and commands.
clear_screen
type_line '?plugins.info'
expect_screen "?name help" 'plugins.info(name: string) -> table'
type_line ':help'
expect_screen ":help lists commands" ':reset'
type_line ':time 6 * 7'
expect_screen ":time" 'time: '
echo 'loaded_value = 99' >"$SCRATCH/load.lua"
type_line ":load $SCRATCH/load.lua"
type_line 'loaded_value'
expect_screen ":load" '99'
type_line ':plugins'
expect_screen ":plugins" 'checkpoint_dir'
type_line '!echo shell-says-$((6*7))'
expect_screen "!shell" 'shell-says-42'
type_line ':reset'
expect_screen ":reset" 'Fresh Lua state'
type_line 'gpus'
expect_screen ":reset cleared globals" 'nil'
type_line ':collect memory load'
expect_screen ":collect" 'memory     ok'
expect_screen ":collect stores what it collected" 'stored, so metrics.query sees them'
type_line '"rows=" .. #metrics.query("node_memory_mem_total_bytes")'
expect_screen "a fresh shell queries what it collected" '"rows=1"'
clear_screen
type_line 'metrics.watch("node_load1", {every = "200ms", width = 40, height = 6})'
expect_screen "watch draws a chart" 'node_load1  every 200ms'
keys C-c
type_line '"after watch"'
expect_screen "Ctrl-C ends the watch quietly" '"after watch"'
if screen | grep -q 'interrupted'; then fail "watch ended with an error"; else pass; fi
type_line ':nonsense'
expect_screen "unknown command" 'unknown command :nonsense'

# Ctrl-D exits cleanly, and the history survives for the next session.
keys C-d
expect_screen "Ctrl-D exits 0" '[exit 0]'
check "history written" grep -q 'gpus = {temp = 71' "$OPSLAB_HOME/history"
start_repl NO_COLOR=1
keys Up
expect_screen "history recalled" 'opslab> :nonsense'
keys C-u; keys C-r; keys -l 'temp = 71'
expect_screen "reverse search" 'gpus = {temp = 71'
keys C-g; keys C-u; keys C-d

# A corrupt history file is tolerated.
head -c 3000 /dev/urandom >"$OPSLAB_HOME/history"
printf '\nvalid_entry = 1\n' >>"$OPSLAB_HOME/history"
start_repl NO_COLOR=1
type_line '"still works"'
expect_screen "corrupt history tolerated" '"still works"'
keys Up; keys Up
expect_screen "valid entries kept" 'valid_entry = 1'
keys C-u; keys C-d

# An unwritable history location is reported once; the session goes on.
start_repl NO_COLOR=1 OPSLAB_HOME=/proc/opslab-cannot-exist
type_line '"no history"'
expect_screen "unwritable history reported" 'history will not be saved'
expect_screen "session continues" '"no history"'
keys C-d

# Colour on a terminal, none with NO_COLOR (checked above).
start_repl
type_line '{"coloured"}'
wait_for '"coloured"'
if tmux -L "$TMUX_SOCKET" capture-pane -p -e -t "s$SESSION" | grep -q $'\e\\[32m"coloured"'; then pass; else fail "colour on a TTY"; fi
keys C-d

finish
