#!/usr/bin/env bash
# The opslab command outside the REPL: -e, scripts, stdin, exit codes and
# the bad input a careless or hostile user gives it.
. "$(dirname "$0")/lib.sh"

out=$("$OPSLAB" -e 'print(1, "two")'); check "-e prints" [ "$out" = "$(printf '1\ttwo')" ]
"$OPSLAB" -e 'error("boom")' 2>"$SCRATCH/err"; rc=$?
check "-e error exits 1" [ $rc -eq 1 ]
check "-e error message" grep -q 'boom' "$SCRATCH/err"
check "-e error traceback" grep -q 'stack traceback' "$SCRATCH/err"
out=$("$OPSLAB" -e 'x = 20' -e 'print(x + 1)'); check "-e repeated shares state" [ "$out" = 21 ]

out=$(echo 'print(2 + 3)' | "$OPSLAB"); check "stdin runs as a script" [ "$out" = 5 ]
echo 'x = (' | "$OPSLAB" 2>"$SCRATCH/err"; rc=$?
check "stdin syntax error exits 1" [ $rc -eq 1 ]
check "stdin syntax error names stdin" grep -q 'stdin:' "$SCRATCH/err"
"$OPSLAB" </dev/null; check "empty stdin is fine" [ $? -eq 0 ]

head -c 4096 /dev/urandom >"$SCRATCH/garbage"
"$OPSLAB" <"$SCRATCH/garbage" 2>"$SCRATCH/err"; rc=$?
check "binary garbage is an error, not a crash" [ $rc -eq 1 ]
printf 'print("\xff\xfe\x00ok")' | "$OPSLAB" >"$SCRATCH/out"; rc=$?
check "invalid UTF-8 in strings passes through" [ $rc -eq 0 ]
check "bytes kept" [ "$(od -An -tx1 "$SCRATCH/out" | tr -d ' \n')" = "fffe006f6b0a" ]

cat >"$SCRATCH/script.lua" <<'LUA'
#!/usr/bin/env opslab
print(arg[0], #arg, arg[1], arg[2], select("#", ...))
LUA
out=$("$OPSLAB" run "$SCRATCH/script.lua" one --two)
check "run passes arg and ..." [ "$out" = "$(printf '%s\t2\tone\t--two\t2' "$SCRATCH/script.lua")" ]
"$OPSLAB" run "$SCRATCH/missing.lua" 2>"$SCRATCH/err"; rc=$?
check "missing script exits 1" [ $rc -eq 1 ]
check "missing script says so" grep -q 'cannot open .*missing.lua' "$SCRATCH/err"

# A reader that goes away early: a clear error, no SIGPIPE death.
"$OPSLAB" -e 'for i = 1, 1e6 do print(i) end' 2>"$SCRATCH/err" | head -1 >"$SCRATCH/out"
rc=${PIPESTATUS[0]}
check "EPIPE: first line arrived" [ "$(cat "$SCRATCH/out")" = 1 ]
check "EPIPE: exit 1, not a signal" [ $rc -eq 1 ]
check "EPIPE: reported" grep -q 'cannot write to standard output' "$SCRATCH/err"

"$OPSLAB" -e 'return string.rep("x", 1e10)' 2>"$SCRATCH/err"; rc=$?
check "huge string: clean error" [ $rc -eq 1 ]
OPSLAB_LUA_MEMORY_MB=16 "$OPSLAB" -e 'local t = {} for i = 1, 1e8 do t[i] = {} end' 2>"$SCRATCH/err"; rc=$?
check "memory cap: exit 1" [ $rc -eq 1 ]
check "memory cap: not enough memory" grep -q 'not enough memory' "$SCRATCH/err"
OPSLAB_LUA_MEMORY_MB=lots "$OPSLAB" -e 'print(1)' 2>"$SCRATCH/err"; rc=$?
check "bad memory setting refused" [ $rc -ne 0 ] && check "bad memory setting explained" grep -q 'OPSLAB_LUA_MEMORY_MB' "$SCRATCH/err"
for bad in 0 lots 65 -2; do
  OPSLAB_TENSOR_THREADS=$bad "$OPSLAB" -e 'print(1)' 2>"$SCRATCH/err"; rc=$?
  check "bad thread count $bad refused" [ $rc -ne 0 ] && check "bad thread count $bad explained" grep -q 'OPSLAB_TENSOR_THREADS must be' "$SCRATCH/err"
done
# Big ops split over threads give the same bits however many there are.
split_ops='tensor.manual_seed(3); local x = tensor.randn(1100, 1000)
local parts = {x:sum(), x:sum(1):sum(), x:sum(2):sum(), x:softmax(2):max(), x:log_softmax(1):min(), (x * 2 + 1):exp():mean(), x:max(2):sum()}
for _, p in ipairs(parts) do io.write(string.format("%a ", p:item())) end'
one=$(OPSLAB_TENSOR_THREADS=1 "$OPSLAB" -e "$split_ops")
three=$(OPSLAB_TENSOR_THREADS=3 "$OPSLAB" -e "$split_ops")
all=$("$OPSLAB" -e "$split_ops")
check "same results on 1, 3 and every thread" [ -n "$one" ] && [ "$one" = "$three" ] && [ "$one" = "$all" ]
"$OPSLAB" -e 'local function f() return f() + 1 end f()' 2>"$SCRATCH/err"; rc=$?
check "unbounded recursion: exit 1" [ $rc -eq 1 ]
check "unbounded recursion: stack overflow" grep -q 'stack overflow' "$SCRATCH/err"

"$OPSLAB" -e 'while true do end' 2>"$SCRATCH/err" & pid=$!
sleep 0.5; kill -INT $pid; wait $pid; rc=$?
check "SIGINT interrupts a script" [ $rc -eq 1 ]
check "SIGINT message" grep -q 'interrupted' "$SCRATCH/err"

mkdir -p "$XDG_CONFIG_HOME/opslab"
echo 'from_init = "yes"' >"$XDG_CONFIG_HOME/opslab/init.lua"
out=$("$OPSLAB" -e 'print(from_init)'); check "init.lua runs" [ "$out" = yes ]
out=$("$OPSLAB" --no-init -e 'print(from_init)'); check "--no-init skips it" [ "$out" = nil ]
rm "$XDG_CONFIG_HOME/opslab/init.lua"

out=$("$OPSLAB" --version); check "--version" [ "$out" = 0.1.0 ]
"$OPSLAB" --help >"$SCRATCH/out"; check "--help lists run" grep -q 'run  *Run a Lua script' "$SCRATCH/out"
"$OPSLAB" run --help >"$SCRATCH/out"; check "run --help" grep -q 'arg' "$SCRATCH/out"
"$OPSLAB" --bogus 2>"$SCRATCH/err"; rc=$?; check "unknown flag exits non-zero" [ $rc -ne 0 ]

cat >"$SCRATCH/good.lua" <<'LUA'
return { kind = "sink", name = "ok", version = "1.0.0", description = "d", send = function() end }
LUA
cat >"$SCRATCH/bad.lua" <<'LUA'
return { kind = "sink", name = "bad", version = "1.0", description = "d", send = function() end }
LUA
out=$("$OPSLAB" plugin check "$SCRATCH/good.lua"); check "plugin check ok" contains "$out" "ok (sink ok 1.0.0)"
"$OPSLAB" plugin check "$SCRATCH/bad.lua" 2>"$SCRATCH/err"; rc=$?
check "plugin check refuses" [ $rc -eq 1 ]
check "plugin check names the field" grep -q "bad.lua: field 'version'" "$SCRATCH/err"
mkdir -p "$SCRATCH/plugins"; cp "$SCRATCH/bad.lua" "$SCRATCH/plugins/"
OPSLAB_PLUGIN_PATH=$SCRATCH/plugins "$OPSLAB" plugin list >"$SCRATCH/out" 2>"$SCRATCH/err"; rc=$?
check "plugin list shows bundled" grep -q 'checkpoint_dir' "$SCRATCH/out"
check "plugin list reports the bad file" grep -q 'not loaded: .*bad.lua' "$SCRATCH/err"
check "plugin list exits 1 on problems" [ $rc -eq 1 ]

keys=$("$OPSLAB" model keygen)
check "model keygen prints a key pair" grep -qE '^public: +[0-9a-f]{64}$' <<<"$keys"
head -c 100 /dev/urandom >"$SCRATCH/garbage.safetensors"
"$OPSLAB" model verify "$SCRATCH/garbage.safetensors" 2>"$SCRATCH/err"; rc=$?
check "model verify: garbage exits 1" [ $rc -eq 1 ]
check "model verify: garbage explained" grep -qE 'safetensors|truncated' "$SCRATCH/err"
"$OPSLAB" model verify "$SCRATCH/garbage.safetensors" --key nothex 2>"$SCRATCH/err"; rc=$?
check "model verify: bad key refused" [ $rc -eq 1 ] && check "bad key explained" grep -q '64 hex digits' "$SCRATCH/err"
"$OPSLAB" model verify "$SCRATCH/missing.safetensors" 2>"$SCRATCH/err"; check "model verify: missing file" [ $? -eq 1 ]

finish
