-- runbook and audit from Lua: runbook.run's result table, ctx, params
-- checking, undo order, dry runs, and the bundled runbooks against faked
-- machines (temporary directories, files with old mtimes, a fake /proc).
local t = dofile("Tests/lua/harness.lua")
local dir = t.tmpdir()

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function read(path)
  local f = assert(io.open(path))
  local text = f:read("a")
  f:close()
  return text
end

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() return true end
  return false
end

-- A runbook file in the scratch directory, loaded by path.
local function book(name, body)
  local path = dir .. "/" .. name .. ".lua"
  write(path, "return { kind = 'runbook', name = '" .. name .. "', version = '1.0.0', description = 'test', "
              .. "permissions = {'exec', 'fs.read'}, " .. body .. " }")
  return path
end

local journal = dir .. "/journal"
local steps = book("ordered", [[
  params = { mark = { type = "string", required = true }, n = { type = "integer", default = 2 },
             wait = { type = "duration", default = "1m" }, mode = { type = "enum", choices = {"a", "b"}, default = "a" } },
  steps = {
    { name = "one", run = function(ctx)
        ctx.state.seen = ctx.params.n * 10
        ctx.sh{"sh", "-c", "echo one >> " .. ctx.params.mark} end,
      undo = function(ctx) ctx.sh{"sh", "-c", "echo undo-one >> " .. ctx.params.mark} end },
    { name = "two", run = function(ctx)
        assert(ctx.state.seen == ctx.params.n * 10, "state carries over")
        assert(ctx.params.wait == 60, "durations arrive in seconds")
        ctx.sh{"sh", "-c", "echo two >> " .. ctx.params.mark} end,
      undo = function(ctx) ctx.sh{"sh", "-c", "echo undo-two >> " .. ctx.params.mark} end },
    { name = "three", run = function(ctx)
        if ctx.params.n == 3 then ctx.sh{"false"} end
        ctx.log("three ran") end },
  },
]])

t.test("a run returns its result table and follows the steps in order", function()
  local r = runbook.run(steps, {mark = journal})
  t.eq(r.status, "succeeded")
  t.eq(r.ok, true)
  t.eq(r.exit_code, 0)
  t.eq(#r.steps, 3)
  t.eq(r.steps[3].name, "three")
  t.eq(read(journal), "one\ntwo\n")
  os.remove(journal)
end)

t.test("a failing step undoes the completed ones in reverse", function()
  local r = runbook.run(steps, {mark = journal, n = 3})
  t.eq(r.status, "failed")
  t.eq(r.failed_step, "three")
  t.eq(r.exit_code, 1)
  t.truthy(r.error:find("exited with code 1", 1, true), r.error)
  t.eq(r.undos[1].name, "two")
  t.eq(r.undos[2].name, "one")
  t.eq(read(journal), "one\ntwo\nundo-two\nundo-one\n")
  os.remove(journal)
end)

t.test("params are checked before any step, naming the param", function()
  for _, case in ipairs({
    {{mark = journal, n = "x"}, "param 'n' expected an integer"},
    {{mark = journal, n = 0/0}, "param 'n' expected an integer, got nan"},
    {{mark = journal, n = 1/0}, "param 'n' expected an integer"},
    {{mark = journal, n = 2^63}, "param 'n' expected an integer"},
    {{mark = journal, n = 1e300}, "param 'n' expected an integer"},
    {{mark = journal, mode = "c"}, "param 'mode' expected one of a, b"},
    {{mark = journal, wait = "soon"}, "param 'wait'"},
    {{mark = journal, extra = 1}, "param 'extra' is not a parameter"},
    {{}, "param 'mark' is required"},
    {{mark = {}}, "param 'mark' expected a string"},
  }) do
    local r = runbook.run(steps, case[1])
    t.eq(r.status, "refused")
    t.eq(r.exit_code, 2)
    t.truthy(r.error:find(case[2], 1, true), r.error)
  end
  t.eq(exists(journal), false)
end)

t.test("dry run prints commands instead of running them, readonly ones run", function()
  local marker = dir .. "/marker"
  local path = book("dry", [[
    mutates = true,
    steps = {
      { name = "look", readonly = true, run = function(ctx) ctx.state.out = ctx.sh{"echo", "real", quiet = true}.stdout end },
      { name = "change", run = function(ctx)
          assert(ctx.state.out == "real\n", "readonly step ran in the dry run")
          local r = ctx.sh{"touch", "]] .. marker .. [["}
          if ctx.dry_run then assert(r.dry_run == true) else assert(r.code == 0) end
          local ro = ctx.sh{"echo", "seen", readonly = true}
          assert(ro.stdout == "seen\n")
        end },
    },
  ]])
  local r = runbook.run(path, {}, {dry_run = true})
  t.eq(r.status, "succeeded", r.error)
  t.eq(exists(marker), false)
  -- Not dry, no yes, not at a terminal: refused before any step.
  r = runbook.run(path, {})
  t.eq(r.status, "refused")
  t.truthy(r.error:find("--yes", 1, true), r.error)
  r = runbook.run(path, {}, {yes = true})
  t.eq(r.status, "succeeded", r.error)
  t.eq(exists(marker), true)
end)

t.test("a ctx kept past its run refuses instead of crashing", function()
  local keeper = book("keeper", [[steps = {{name = "keep", run = function(ctx)
    if kept then kept{"true"} end
    kept = ctx.sh
  end}}]])
  plugins.load(keeper)  -- registered once, so its globals outlive a run
  t.eq(runbook.run("keeper", {}).ok, true)
  collectgarbage()
  local r = runbook.run("keeper", {})
  t.eq(r.ok, false)
  t.truthy(tostring(r.error):find("run that has ended", 1, true), tostring(r.error))
end)

t.test("bad runbooks are refused with the reason", function()
  t.raises(function() runbook.run(book("nosteps", "steps = {}"), {}) end, "steps")
  t.raises(function()
    runbook.run(book("dup", "steps = {{name = 'a', run = function() end}, {name = 'a', run = function() end}}"), {})
  end, "two steps are named \"a\"")
  t.raises(function() runbook.run(book("badtype", "params = {x = {type = 'float'}}, steps = {{name = 'a', run = function() end}}"), {}) end,
           "unknown type \"float\"")
  t.raises(function() runbook.run(book("badfield", "steps = {{name = 'a', run = function() end, retry = 2}}"), {}) end,
           "unknown field 'retry'")
  t.raises(function() runbook.run("no-such-runbook", {}) end, "no runbook named \"no-such-runbook\"")
  local r = runbook.run(steps, {mark = journal}, {only = "nope"})
  t.eq(r.status, "refused")
  t.truthy(r.error:find("no step named \"nope\"", 1, true), r.error)
end)

t.test("ctx.sh: command not found, timeouts, big output, input, env, cwd", function()
  local path = book("sh", [[
    steps = {
      { name = "missing", run = function(ctx)
          local ok, err = pcall(ctx.sh, {"no-such-command-opslab"})
          assert(not ok and err:find("command not found: no-such-command-opslab", 1, true), err)
        end },
      { name = "big", run = function(ctx)
          local r = ctx.sh{"sh", "-c", "head -c 5000000 /dev/zero | tr '\\0' x; echo; echo tail-line", quiet = true}
          assert(#r.stdout < 2 * 1024 * 1024, "output kept bounded: " .. #r.stdout)
          assert(r.stdout:find("tail-line", 1, true), "the tail is kept")
          assert(r.omitted > 0)
        end },
      { name = "io", run = function(ctx)
          local r = ctx.sh{"sh", "-c", "cat; echo \"$X\"; pwd", input = "in\n", env = {X = "ex"}, cwd = "/", quiet = true}
          assert(r.stdout == "in\nex\n/\n", r.stdout)
          local failed = ctx.sh{"sh", "-c", "exit 4", check = false}
          assert(failed.code == 4)
        end },
      { name = "slow", timeout = "1s", run = function(ctx) ctx.sh{"sleep", "20"} end },
    },
  ]])
  local started = opslab.now()
  local r = runbook.run(path, {})
  t.eq(r.failed_step, "slow", r.error)
  t.truthy(r.error:find("timed out", 1, true), r.error)
  t.truthy(opslab.now() - started < 10, "the timeout stopped the step")
  t.eq(r.steps[1].status, "ok")
  t.eq(r.steps[2].status, "ok")
  t.eq(r.steps[3].status, "ok")
end)

t.test("ctx.sh needs the exec permission", function()
  local path = dir .. "/noexec.lua"
  write(path, [[return { kind = "runbook", name = "noexec", version = "1.0.0", description = "t",
    steps = {{ name = "a", run = function(ctx) ctx.sh{"true"} end }} }]])
  local r = runbook.run(path, {})
  t.eq(r.status, "failed")
  t.truthy(r.error:find("needs the exec permission", 1, true), r.error)
end)

t.test("disk-pressure removes only stale matching files, after a dry run that lists sizes", function()
  local data = dir .. "/data"
  os.execute("mkdir -p " .. data .. "/sub")
  write(data .. "/old.log", string.rep("x", 3000))
  write(data .. "/sub/old2.log", "y")
  write(data .. "/new.log", "z")
  write(data .. "/old.keep", "k")
  os.execute("touch -d '10 days ago' " .. data .. "/old.log " .. data .. "/sub/old2.log " .. data .. "/old.keep")
  local shown = runbook.show("disk-pressure")
  t.eq(shown.mutates, true)
  t.eq(shown.steps[3].name, "clean")
  local r = runbook.run("disk-pressure", {path = data, days = 7, pattern = "*.log"}, {dry_run = true})
  t.eq(r.status, "succeeded", r.error)
  t.eq(exists(data .. "/old.log"), true)
  r = runbook.run("disk-pressure", {path = data, days = 7, pattern = "*.log"}, {yes = true})
  t.eq(r.status, "succeeded", r.error)
  t.eq(exists(data .. "/old.log"), false)
  t.eq(exists(data .. "/sub/old2.log"), false)
  t.eq(exists(data .. "/new.log"), true)
  t.eq(exists(data .. "/old.keep"), true)
  -- Resuming at clean reruns the readonly steps before it, which find the files again.
  write(data .. "/later.log", "l")
  os.execute("touch -d '10 days ago' " .. data .. "/later.log")
  r = runbook.run("disk-pressure", {path = data, pattern = "*.log"}, {yes = true, from = "clean"})
  t.eq(r.status, "succeeded", r.error)
  t.eq(r.steps[1].name, "measure")
  t.eq(exists(data .. "/later.log"), false)
end)

t.test("node-triage reports findings from a faked /proc", function()
  local proc = dir .. "/proc"
  os.execute("mkdir -p " .. proc .. "/pressure " .. proc .. "/net")
  write(proc .. "/loadavg", "9.50 8.00 4.00 3/200 1234\n")
  write(proc .. "/cpuinfo", "processor\t: 0\nprocessor\t: 1\n")
  write(proc .. "/meminfo", "MemTotal:       8000000 kB\nMemAvailable:    400000 kB\n")
  write(proc .. "/pressure/cpu", "some avg10=25.00 avg60=3.00 avg300=1.00 total=1\n")
  write(proc .. "/pressure/memory", "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1\n")
  write(proc .. "/net/dev", "Inter-|   Receive\n face |bytes\n  eth0: 100 1 7 2 0 0 0 0 200 2 1 0 0 0 0 0\n    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n")
  local r = runbook.run("node-triage", {proc = proc})
  t.eq(r.status, "succeeded", r.error)
  local entries = audit.show{action = "runbook.end", grep = "node-triage"}
  t.eq(entries[#entries].detail.status, "succeeded")
end)

-- A fake nvidia-smi: prints the CSV that the real one would for two GPUs.
local function fake_smi(rows)
  local path = dir .. "/nvidia-smi"
  write(path, "#!/bin/sh\ncat <<'CSV'\n" .. rows .. "CSV\n")
  os.execute("chmod +x " .. path)
  return path
end

t.test("gpu-health passes healthy GPUs and recommends a drain for bad ones", function()
  local log = dir .. "/kern.log"
  write(log, "[  1.0] eth0: link up\n")
  local smi = fake_smi("0, NVIDIA H100 80GB HBM3, 41, 0, 0x0000000000000000\n1, NVIDIA H100 80GB HBM3, 44, 0, 0x0000000000000001\n")
  local r = runbook.run("gpu-health", {nvidia_smi = smi, kernel_log = log})
  t.eq(r.status, "succeeded", r.error)
  smi = fake_smi("0, NVIDIA H100 80GB HBM3, 91, 2, 0x0000000000000040\n1, NVIDIA H100 80GB HBM3, 44, 0, 0x0\n")
  write(log, "[ 99.1] NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, GPU has fallen off the bus.\n"
          .. "[ 99.2] NVRM: Xid (PCI:0000:3b:00): 13, pid=1, Graphics Engine Exception\n")
  r = runbook.run("gpu-health", {nvidia_smi = smi, kernel_log = log})
  t.eq(r.status, "failed")
  t.eq(r.failed_step, "recommend")
  t.truthy(r.error:find("GPU 0: 2 uncorrected ECC errors", 1, true), r.error)
  t.truthy(r.error:find("GPU 0: hardware thermal slowdown", 1, true), r.error)
  t.truthy(r.error:find("Xid 79 on 0000:3b:00: GPU has fallen off the bus", 1, true), r.error)
  t.eq(r.error:find("Xid 13", 1, true), nil)
  r = runbook.run("gpu-health", {nvidia_smi = dir .. "/missing-smi"})
  t.eq(r.failed_step, "query")
  t.truthy(r.error:find("command not found", 1, true), r.error)
end)

-- A fake systemctl whose unit state lives in a file; every call is journaled.
local function fake_systemctl(start_state)
  local state, calls = dir .. "/unit.state", dir .. "/systemctl.calls"
  write(state, start_state)
  os.remove(calls)
  local path = dir .. "/systemctl"
  write(path, table.concat({
    "#!/bin/sh",
    "echo \"$*\" >> " .. calls,
    "case \"$1\" in",
    "  show) echo LoadState=loaded; echo ActiveState=$(cat " .. state .. "); echo SubState=running; echo MainPID=42 ;;",
    "  is-active) cat " .. state .. " ;;",
    "  restart|start) echo ${RESTART_RESULT:-active} > " .. state .. " ;;",
    "  stop) echo inactive > " .. state .. " ;;",
    "esac", ""}, "\n"))
  os.execute("chmod +x " .. path)
  return path, calls
end

t.test("service-restart restarts, probes, and puts the unit back when it stays unhealthy", function()
  local systemctl, calls = fake_systemctl("active")
  local flag = dir .. "/healthy"
  write(flag, "")
  local r = runbook.run("service-restart", {unit = "web.service", systemctl = systemctl, health = "test -e " .. flag,
                                            interval = "0.1s", attempts = 3}, {yes = true})
  t.eq(r.status, "succeeded", r.error)
  t.truthy(read(calls):find("restart web.service", 1, true))
  os.remove(flag)
  systemctl, calls = fake_systemctl("active")
  r = runbook.run("service-restart", {unit = "web.service", systemctl = systemctl, health = "test -e " .. flag,
                                      interval = "0.1s", attempts = 2}, {yes = true})
  t.eq(r.status, "failed")
  t.eq(r.failed_step, "probe")
  t.eq(r.undos[1].name, "restart")
  t.eq(r.undos[1].status, "undone")
  local journal_text = read(calls)
  t.truthy(journal_text:find("restart web.service\n.*is%-active web.service\n.*start web.service\n$"), journal_text)
  r = runbook.run("service-restart", {unit = "web.service", systemctl = systemctl}, {dry_run = true})
  t.eq(r.status, "succeeded", r.error)
  t.eq(select(2, read(calls):gsub("restart", "")), 1)
end)

t.test("model signing and verification are audited", function()
  local private, public = nn.keygen()
  local path = dir .. "/model.safetensors"
  nn.save(nn.Linear(2, 2), path, {sign_key = private})
  t.eq(nn.verify(path, public), true)
  local signed = audit.show{action = "model.sign"}
  t.eq(signed[#signed].subject, path)
  t.eq(#signed[#signed].detail.sha256, 64)
  local verified = audit.show{action = "model.verify"}
  t.eq(verified[#verified].detail.signature_ok, "true")
  t.eq(verified[#verified].detail.ok, "true")
end)

t.test("audit: every run is in a chain that verifies", function()
  local v = audit.verify()
  t.eq(v.ok, true, v.problem)
  t.truthy(v.entries > 10)
  local head = audit.head()
  t.truthy(head:match("^%d+:%x+$"), head)
  t.eq(audit.verify(head).ok, true)
  t.eq(audit.verify("1:" .. string.rep("0", 64)).ok, false)
  t.raises(function() audit.verify("nonsense") end, "SEQ:HASH")
  local starts = audit.show{action = "runbook.start"}
  t.truthy(#starts >= 3)
  t.eq(type(starts[1].detail.params), "string")
  t.eq(#audit.show{action = "runbook.", limit = 2}, 2)
  t.raises(function() audit.show{since = "later"} end, "since")
end)

t.rmtree(dir)
t.finish()
