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

finish
