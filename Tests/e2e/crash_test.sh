#!/usr/bin/env bash
# Input that once crashed the process (a Swift trap, an abort, a segfault)
# or broke the memory cap. Each case must end as a Lua error or a result:
# exit 0 or 1, never a signal, and the workbench still usable afterwards.
. "$(dirname "$0")/lib.sh"

# survives NAME CODE [EXPECTED_STDERR_FRAGMENT]: `opslab --no-init -e CODE`
# ends by itself with status 0 or 1 within 60 s, and stderr holds the
# fragment when one is given.
survives() {
  local name=$1 code=$2 fragment=${3:-}
  timeout -s KILL 60 "$OPSLAB" --no-init -e "$code" >"$SCRATCH/out" 2>"$SCRATCH/err"; local rc=$?
  if [ $rc -gt 1 ]; then
    fail "$name: exit $rc"; tail -5 "$SCRATCH/err" >&2; return
  fi
  pass
  if [ -n "$fragment" ]; then
    if grep -qF -- "$fragment" "$SCRATCH/err" "$SCRATCH/out"; then pass
    else fail "$name: output lacks '$fragment'"; tail -5 "$SCRATCH/err" >&2; fi
  fi
}

# 1. Option numbers converted before they were checked.
for bad in 0/0 1/0 -1/0 1e300 2^63 math.mininteger; do
  survives "inspect depth=$bad" "inspect({}, {depth = $bad})" "inspect: option 'depth'"
  survives "inspect width=$bad" "inspect({}, {width = $bad})" "inspect: option 'width'"
done
survives "inspect depth=2.0 is fine" "assert(inspect({1}, {depth = 2.0}) == '{ 1 }')"
# 2. watch
for bad in 0/0 1/0 1e300 -1; do
  survives "watch every=$bad" "metrics.watch('up', {every = $bad, times = 1})" "metrics.watch: option 'every'"
  survives "watch times=$bad" "metrics.watch('up', {every = 0.1, times = $bad})" "metrics.watch: option 'times'"
done
# 3, 4. evaluation times
for bad in 0/0 1/0 -1/0 1e300 2^63; do
  survives "query time=$bad" "metrics.query('1', {time = $bad})" "metrics.query: option 'time'"
  survives "promql time=$bad" "metrics.promql{url = 'http://127.0.0.1:1', expr = 'up', range = '1h', time = $bad}" "metrics.promql: option 'time'"
done
# 5. batch arithmetic past Int
for bad in 9223372036854774784 math.maxinteger 2^62; do
  survives "loader batch_size=$bad" "local l = data.loader{x = tensor.zeros(2000, 1), batch_size = $bad}; assert(#l == 1)"
done
survives "loader batch_size=0/0" "data.loader{x = tensor.zeros(20, 1), batch_size = 0/0}" "data.loader: option 'batch_size'"
# 6. optimizer state
for bad in 'tensor(0/0)' 'tensor(1e300)' 'tensor(-1)' '0/0' '2^63'; do
  survives "load_state_dict step=$bad" "optim.SGD({tensor.zeros(2):requires_grad()}):load_state_dict({step = $bad})" "step"
done
# 7. layer sizes whose product overflows
survives "Conv1d 2^62" "nn.Conv1d(2^62, 1, 2)" "Conv1d"
survives "Linear 2^40" "nn.Linear(2^40, 2^40)" "Linear"
survives "Embedding maxinteger" "nn.Embedding(math.maxinteger, 2)" "Embedding"

# 8. argument and result counts past the stack's free room
survives "plugins.call 100 args in a coroutine" "
plugins.register{kind = 'collector', name = 'p', version = '1.0.0', description = 'd',
  collect = function(ctx, ...) return {} end}
local a = {} for i = 1, 100 do a[i] = i end
coroutine.wrap(function() pcall(plugins.call, 'p', 'collect', table.unpack(a)) end)()
print('ok')" ok
survives "plugins.call 10,000 args" "
plugins.register{kind = 'collector', name = 'p', version = '1.0.0', description = 'd',
  collect = function(...) return select('#', ...) end}
local a = {} for i = 1, 10000 do a[i] = i end
print(plugins.call('p', 'collect', table.unpack(a)))" 10000
survives "plugin returning 1,000 values" "
plugins.register{kind = 'collector', name = 'p', version = '1.0.0', description = 'd',
  collect = function() local r = {} for i = 1, 1000 do r[i] = i end return table.unpack(r) end}
coroutine.wrap(function() local n = select('#', plugins.call('p', 'collect')) print(n) end)()" 1000
# 9. nn.define layers with many arguments, and crafted checkpoints
survives "layer call with 100 extra arguments" "
local S = nn.define{name = 'S', init = function(self, ...) self.n = select('#', ...) end,
  forward = function(self, x, ...) return x end}
local m = S()
local a = {} for i = 1, 100 do a[i] = i end
for i = 1, 50 do coroutine.wrap(function() m(tensor.zeros(1), table.unpack(a)) end)() end
local a80 = {} for i = 1, 80 do a80[i] = i end
for i = 1, 20 do coroutine.wrap(function() assert(S(table.unpack(a80)).n == 80) end)() end
print('ok')" ok
cat >"$SCRATCH/craft.lua" <<'LUA'
-- Writes a safetensors file with no tensors whose metadata holds a layer
-- config (JSON written by hand: {"layer": NAME, "args": [...]}).
local function write(path, config)
  local header = '{"__metadata__":{"format":"pt","opslab.config":"' .. config:gsub('"', '\\"') .. '"}}'
  local f = assert(io.open(path, "wb"))
  f:write(string.pack("<I8", #header), header)
  f:close()
end
local args = {} for i = 1, 2000 do args[i] = tostring(i) end
write(arg[1] .. "/wide.safetensors", '{"layer":"Linear","args":[' .. table.concat(args, ",") .. ']}')
write(arg[1] .. "/deep.safetensors", '{"layer":"Linear","args":[' .. string.rep("[", 100) .. string.rep("]", 100) .. ']}')
write(arg[1] .. "/nested.safetensors", string.rep('{"layer":"Sequential","args":[', 5000) .. string.rep(']}', 5000))
LUA
"$OPSLAB" --no-init run "$SCRATCH/craft.lua" "$SCRATCH" 2>"$SCRATCH/err" || { fail "crafting checkpoints"; cat "$SCRATCH/err" >&2; }
for file in wide deep nested; do
  survives "nn.load crafted $file config" "local ok, err = pcall(nn.load, '$SCRATCH/$file.safetensors') print(ok, err)" "nn.load"
done
# 10. deep nested results built inside coroutines
survives "64-dim tolist in coroutines" "
local t = tensor.zeros(table.unpack((function() local s = {} for i = 1, 64 do s[i] = 1 end return s end)()))
for i = 1, 20 do coroutine.wrap(function() local l = t:tolist() end)() end
print('ok')" ok
# 11. many script arguments
printf 'print(select("#", ...), #arg)\n' >"$SCRATCH/args.lua"
out=$("$OPSLAB" --no-init run "$SCRATCH/args.lua" $(seq 200) 2>"$SCRATCH/err"); rc=$?
check "run with 200 arguments" [ $rc -eq 0 ] && check "200 arguments arrive" [ "$out" = "$(printf '200\t200')" ]
out=$("$OPSLAB" --no-init run "$SCRATCH/args.lua" $(seq 10000) 2>"$SCRATCH/err"); rc=$?
check "run with 10,000 arguments" [ $rc -eq 0 ] && check "10,000 arguments arrive" [ "$out" = "$(printf '10000\t10000')" ]

# 12. raw table operations on globals a user replaced
survives "nn = 1 then register a layer" "
nn = 1
local ok, err = pcall(plugins.register, {kind = 'layer', name = 'L', version = '1.0.0', description = 'd',
  init = function() end, forward = function(self, x) return x end})
print(ok, err)"
survives "optim = 'x' then register an optimizer" "
optim = 'x'
print(pcall(plugins.register, {kind = 'optimizer', name = 'O', version = '1.0.0', description = 'd',
  step = function() end}))"
# 13. upvalues of Swift functions replaced through debug
survives "debug.setupvalue(print, 1, nil)" "debug.setupvalue(print, 1, nil) print(1)" "print"
survives "debug.setupvalue with a tensor" "debug.setupvalue(print, 1, tensor.zeros(1)) print(1)" "print"
survives "debug.setupvalue with io.stdout" "debug.setupvalue(tensor.zeros, 1, io.stdout) tensor.zeros(1)"
survives "upvalue swap between functions" "pcall(debug.upvaluejoin, print, 1, tensor.zeros, 1) print(1)"

# 14. A _G whose __newindex raises, at the prompt and from init.lua.
mkdir -p "$XDG_CONFIG_HOME/opslab"
printf 'setmetatable(_G, {__newindex = function(t, k) error("read-only global " .. k) end})\n' \
  >"$XDG_CONFIG_HOME/opslab/init.lua"
start_repl
type_line '1+1'
expect_screen "read-only _G: the result prints" "2"
type_line 'print("still " .. "alive")'
expect_screen "read-only _G: the session goes on" "still alive"
if contains "$(screen)" "[exit"; then fail "read-only _G: the REPL exited"; screen | tail >&2; else pass; fi
"$OPSLAB" run "$SCRATCH/args.lua" a b >"$SCRATCH/out" 2>"$SCRATCH/err"; rc=$?
check "read-only _G: scripts still get arg" [ $rc -eq 0 ]
rm "$XDG_CONFIG_HOME/opslab/init.lua"
start_repl
type_line 'setmetatable(_G, {__newindex = function() error("boom") end})'
type_line '40 + 2'
expect_screen "__newindex raising: result" "42"
type_line 'print(_ == nil and "no underscore" or "underscore")'
expect_screen "__newindex raising: session alive" "underscore"

# 15. A key whose __tostring grows the table being printed.
start_repl
type_line 'T = {} K = setmetatable({}, {__tostring = function() for i = 1, 1000 do T["k" .. i] = i end return "K" end}) T[K] = 1'
type_line 'T'
type_line 'print("after " .. "print")'
expect_screen "growing table printed, session alive" "after print"
if contains "$(screen)" "[exit"; then fail "growing table: the REPL exited"; screen | tail >&2; else pass; fi
# ... and the same through inspect under pcall must not lift the memory cap.
OPSLAB_LUA_MEMORY_MB=64 timeout -s KILL 60 "$OPSLAB" --no-init -e '
local T = {} local K = setmetatable({}, {__tostring = function() for i = 1, 1000 do T["k" .. i] = i end return "K" end})
T[K] = 1
for i = 1, 3 do pcall(inspect, T) end
local ok, err = pcall(function() local t = {} for i = 1, 5e6 do t[i] = {i} end end)
print(ok, err)' >"$SCRATCH/out" 2>"$SCRATCH/err"; rc=$?
check "inspect of a growing table: exit 0" [ $rc -eq 0 ]
check "inspect of a growing table: the cap still holds" grep -q 'false.*not enough memory' "$SCRATCH/out"
OPSLAB_LUA_MEMORY_MB=64 timeout -s KILL 60 "$OPSLAB" --no-init -e '
pcall(debug.setmetatable, nil, nil)
setmetatable(debug.getregistry(), {__index = function() error("registry says no") end})
print(pcall(inspect, {1, 2}), pcall(tensor.zeros, 2))
local ok, err = pcall(function() local t = {} for i = 1, 5e6 do t[i] = {i} end end)
print(ok, err)' >"$SCRATCH/out" 2>"$SCRATCH/err"; rc=$?
check "registry with __index: exit 0" [ $rc -eq 0 ]
check "registry with __index: the cap still holds" grep -q 'false.*not enough memory' "$SCRATCH/out"

# 16. Results returned by a chunk that filled the heap to its cap.
OPSLAB_LUA_MEMORY_MB=32 timeout -s KILL 60 "$OPSLAB" --no-init -e '
local hog = {}
pcall(function() for i = 1, 1e8 do hog[i] = {} end end)
local r = {} for i = 1, 20000 do r[i] = {} end
return table.unpack(r)' >"$SCRATCH/out" 2>"$SCRATCH/err"; rc=$?
check "results at the memory cap: no signal (exit $rc)" [ $rc -le 1 ]
start_repl OPSLAB_LUA_MEMORY_MB=32
type_line 'hog = {} pcall(function() for i = 1, 1e8 do hog[i] = {} end end)'
type_line 'local r = {} for i = 1, 20000 do r[i] = {} end return table.unpack(r)'
type_line 'hog = nil collectgarbage() print("heap " .. "freed")'
expect_screen "results at the cap in the REPL: session alive" "heap freed" 30

# 17. Finalizers that call into the workbench while it closes.
survives "__gc calling plugins.list at exit" "keep = setmetatable({}, {__gc = function() plugins.list() end})"
survives "__gc calling tensor ops at exit" "keep = setmetatable({}, {__gc = function() print(tensor.ones(2):sum():item()) end})"

# 18. Module trees deeper than the native stack: refused past 256 levels,
# and the deepest allowed tree runs, prints, trains and is released.
survives "100,000 nested Sequential refused" "
local m = nn.Linear(1, 1)
local ok, err = pcall(function() for i = 1, 100000 do m = nn.Sequential(m) end end)
assert(not ok) print(err)
m = nil collectgarbage() collectgarbage() print('ok')" "modules may nest at most 256 levels deep"
survives "255 nested Sequential work" "
local m = nn.Linear(1, 1)
for i = 1, 255 do m = nn.Sequential(m) end
assert(m(tensor.ones(1, 1)):numel() == 1)
assert(#m:parameters() == 2)
assert(#tostring(m) > 255)
m:eval() m:train()
m = nil collectgarbage() print('ok')" ok
survives "Lua layers chained 100,000 deep" "
local Box = nn.define{name = 'Box', init = function(self) self.kids = {} end, forward = function(self, x) return x end}
local top = Box() local node = top
for i = 1, 100000 do local child = Box() node.kids[1] = child node = child end
print(pcall(function() return #top:parameters() end))
print(pcall(function() return #tostring(top) end))
print(pcall(function() top:eval() end))
print(pcall(nn.Sequential, top))
top = nil node = nil collectgarbage() print('ok')" ok
# 19. Module cycles through Lua layers.
survives "a layer that contains itself" "
local Box = nn.define{name = 'Box', init = function(self) self.kids = {} end, forward = function(self, x) return x end}
local a = Box() a.kids[1] = a
print(pcall(function() return a:parameters() end))
print(pcall(function() return tostring(a) end))
print(pcall(function() return a:train() end))" "cycle"

# Long Swift work stops on Ctrl-C.
timeout -s KILL 60 "$OPSLAB" --no-init -e 'print(pcall(metrics.query, "vector(1)[100y:1ms]"))' >"$SCRATCH/out" 2>"$SCRATCH/err" &
pid=$!
sleep 2; kill -INT $pid 2>/dev/null; wait $pid; rc=$?
check "a huge subquery stops on SIGINT (exit $rc)" [ $rc -le 1 ]
check "a huge subquery reports the interrupt" grep -q 'interrupted' "$SCRATCH/out" "$SCRATCH/err"

finish
