#!/usr/bin/env bash
# Writing a plugin: `opslab plugin new` for every kind writes a plugin and a
# test that pass `plugin check` and `plugin test` as written; a broken edit
# fails its test with the reason; a test that never ends is stopped; careless
# names, kinds and paths are refused without touching existing files.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

for kind in collector sink optimizer layer runbook; do
  out=$("$OPSLAB" plugin new "$kind" "my_$kind" --dir work 2>&1)
  check "plugin new $kind writes the plugin and its test ($out)" [ -f "work/my_$kind.lua" ] && [ -f "work/my_${kind}_test.lua" ]
  out=$("$OPSLAB" plugin check "work/my_$kind.lua" 2>&1)
  check "the $kind passes plugin check ($out)" contains "$out" "ok ($kind my_$kind 0.1.0)"
done
out=$("$OPSLAB" plugin test work 2>&1); rc=$?
check "every template's test passes as written ($out)" [ $rc -eq 0 ] && contains "$out" "plugin tests: 10 passed, 0 failed (5 files)"

# A broken edit: the collector now returns NaN.
sed -i 's/value = 0.25 \* scale/value = 0 \/ 0/' work/my_collector.lua
out=$("$OPSLAB" plugin test work/my_collector_test.lua 2>&1); rc=$?
check "a broken collector fails its test and says which ($out)" [ $rc -eq 1 ] && contains "$out" "FAIL my_collector returns samples" \
  && contains "$out" "1 passed, 1 failed"
# A test file that does not even run counts as failed.
echo 'this is not lua' > work/syntax_test.lua
out=$("$OPSLAB" plugin test work/syntax_test.lua 2>&1); rc=$?
check "a test file that does not parse fails ($out)" [ $rc -eq 1 ] && contains "$out" "0 passed, 1 failed"
rm work/syntax_test.lua
printf 'it("never ends", function() while true do end end)\n' > loop_test.lua
out=$("$OPSLAB" plugin test loop_test.lua --timeout 2 2>&1); rc=$?
check "a test that never ends is stopped ($out)" [ $rc -eq 1 ] && contains "$out" "did not finish within 2s"

before=$(md5sum work/my_layer.lua)
out=$("$OPSLAB" plugin new layer my_layer --dir work 2>&1); rc=$?
check "an existing plugin is not overwritten ($out)" [ $rc -ne 0 ] && contains "$out" "exists" && [ "$(md5sum work/my_layer.lua)" = "$before" ]
for name in 9lives "a/../b" "" "x y" "$(printf 'n%.0s' {1..65})"; do
  out=$("$OPSLAB" plugin new collector "$name" --dir work 2>&1); rc=$?
  check "the name '$name' is refused" [ $rc -ne 0 ] && contains "$out" "the name must be"
done
out=$("$OPSLAB" plugin new daemon d --dir work 2>&1); rc=$?
check "an unknown kind is refused with the kinds ($out)" [ $rc -ne 0 ] && contains "$out" "kinds: collector"
for t in nan inf -1 0 1e300; do
  out=$("$OPSLAB" plugin test work --timeout "$t" 2>&1); rc=$?
  check "--timeout $t is refused" [ $rc -ne 0 ] && contains "$out" "--timeout"
done
out=$("$OPSLAB" plugin test empty-nowhere 2>&1); rc=$?
check "a missing folder is named ($out)" [ $rc -ne 0 ] && contains "$out" "no such file or folder: empty-nowhere"
mkdir -p empty
out=$("$OPSLAB" plugin test empty 2>&1); rc=$?
check "a folder without tests says so ($out)" [ $rc -ne 0 ] && contains "$out" "no *_test.lua files"

# plugins.load in the shell: the plugin under development, or its problem.
out=$("$OPSLAB" --no-init -e 'print(plugins.load("work/my_sink.lua")); print(plugins.info("my_sink").version)' 2>&1)
check "plugins.load loads a file from anywhere ($out)" [ "$out" = "my_sink
0.1.0" ]
printf 'return { kind = "sink", name = "half" }\n' > half.lua
out=$("$OPSLAB" --no-init -e 'plugins.load("half.lua")' 2>&1); rc=$?
check "plugins.load raises the manifest problem ($out)" [ $rc -ne 0 ] && contains "$out" "half.lua" && contains "$out" "version"

# requires = { opslab = ... } is checked against the running version.
printf 'return { kind = "sink", name = "future", version = "1.0.0", description = "d", requires = { opslab = ">=99" }, send = function() end }\n' > future.lua
out=$("$OPSLAB" plugin check future.lua 2>&1); rc=$?
check "a plugin for a later opslab is refused ($out)" [ $rc -ne 0 ] && contains "$out" "field 'requires': the plugin needs opslab >=99, this is"
sed -i 's/>=99/>=0.1, <99/' future.lua
out=$("$OPSLAB" plugin check future.lua 2>&1)
check "and one for this opslab loads ($out)" contains "$out" "ok (sink future 1.0.0)"

# A plugin that tampers with what it shares with the shell at load time
# changes nothing outside its own sandbox.
cat > tamper.lua <<'LUA'
local results = {}
local function try(name, f) results[#results + 1] = name .. "=" .. (pcall(f) and "ok" or "refused") end
try("string_metatable", function() getmetatable("").__index.upper = function() return "pwned" end end)
try("string_library", function() string.upper = function() return "pwned" end end)
try("tensor", function() tensor.zeros = nil end)
try("json", function() json.encode = nil end)
try("tensor_metatable", function() setmetatable(tensor, {}) end)
try("reload_loop", function() for _ = 1, 1000 do plugins.reload() end end)
try("globals", function() rawset(_G, "print", nil) end)
return { kind = "collector", name = "tamper", version = "1.0.0", description = table.concat(results, " "),
  collect = function() return {} end }
LUA
out=$("$OPSLAB" --no-init -e 'plugins.load("tamper.lua"); print(plugins.info("tamper").description)
print(("x"):upper(), string.upper("y"), type(tensor.zeros), type(json.encode), type(print), getmetatable(tensor) == nil or "meta")' 2>&1)
check "the shared modules refuse a tampering plugin ($out)" contains "$out" "string_metatable=refused" && contains "$out" "tensor=refused" \
  && contains "$out" "json=refused" && contains "$out" "tensor_metatable=refused" && contains "$out" "reload_loop=refused"
check "and the shell's own are untouched ($out)" contains "$out" $'X\tY\tfunction\tfunction\tfunction'

# Hot reload: the shell and serve read an edited plugin file again; a broken
# edit keeps the previous version and says why.
mkdir -p "$XDG_CONFIG_HOME/opslab/plugins"
hot() { printf 'return { kind = "collector", name = "hot", version = "1.0.0", description = "d", interval = "1s",\n  collect = function() return {{name = "hot_value", value = %s}} end }\n' "$1" > "$XDG_CONFIG_HOME/opslab/plugins/hot.lua"; }
hot 1
start_repl
type_line '"hot=" .. plugins.call("hot", "collect", {options = {}})[1].value'
expect_screen "the shell loads the plugin" '"hot=1"'
sleep 1.1; hot 2
keys Enter
expect_screen "the shell notices the edit" "plugins: reloaded collector hot 1.0.0"
type_line '"hot=" .. plugins.call("hot", "collect", {options = {}})[1].value'
expect_screen "and runs the new code" '"hot=2"'
sleep 1.1; printf 'return { kind = "collector", name = "hot", version = "1.0.0", description = "d", collect = function() return { end }\n' > "$XDG_CONFIG_HOME/opslab/plugins/hot.lua"
keys Enter
expect_screen "a broken edit is reported" "(not reloaded; the previous version, if any, stays)"
type_line '"still=" .. plugins.call("hot", "collect", {options = {}})[1].value'
expect_screen "and the previous version keeps running" '"still=2"'

hot 1
port=$(free_port)
"$OPSLAB" serve --listen "127.0.0.1:$port" >serve.log 2>&1 &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null; cleanup' EXIT
hot_is() { curl -s "http://127.0.0.1:$port/metrics" | grep -q "^hot_value $1\$"; }
check "serve runs the plugin" wait_until 30 hot_is 1
sleep 1.1; hot 7
check "serve runs the edited plugin without a restart" wait_until 30 hot_is 7
check "and logs the reload" grep -q "reloaded collector hot" serve.log
sleep 1.1; echo 'return {' > "$XDG_CONFIG_HOME/opslab/plugins/hot.lua"
not_reloaded() { grep -q "not reloaded" serve.log; }
check "serve logs a broken edit" wait_until 20 not_reloaded
sleep 2
check "and keeps the previous version" hot_is 7
kill $serve_pid

finish
