#!/usr/bin/env bash
# Runbooks across hosts over OpenSSH against a real sshd on loopback:
# --hosts runs the runbook once per host (web1 and web2 are two names for
# the loopback sshd), ctx.sh reaches the host through ssh with arguments,
# cwd and env quoted intact, an unreachable host fails on its own line of
# the summary while the others succeed, dry runs and confirmation hold for
# the fleet, hostile host lists and option values are refused, and the
# audit log records each host's commands.
. "$(dirname "$0")/lib.sh"

SSHD=/usr/sbin/sshd
if [ ! -x "$SSHD" ] || ! command -v ssh >/dev/null; then
  echo "FAIL: OpenSSH is not installed (scripts/test installs openssh-server and openssh-client)"
  echo "runbook fleet: 0 passed, 1 failed"
  exit 1
fi
PIDS=()
trap '{ for p in "${PIDS[@]}"; do kill -9 "$p"; done; wait; } 2>/dev/null; cleanup' EXIT
cd "$SCRATCH"

# sshd as this user, on a free port, trusting one key; as root it needs its
# privilege-separation directory.
[ "$(id -u)" -eq 0 ] && mkdir -p /run/sshd
port=$(free_port)
ssh-keygen -q -t ed25519 -N '' -f hostkey
ssh-keygen -q -t ed25519 -N '' -f userkey
cp userkey.pub authorized_keys
cat > sshd_config <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $SCRATCH/hostkey
AuthorizedKeysFile $SCRATCH/authorized_keys
PidFile $SCRATCH/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
LogLevel ERROR
EOF
"$SSHD" -D -e -f "$SCRATCH/sshd_config" 2>sshd.log &
PIDS+=($!)
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 hostkey.pub)" > known_hosts
cat > ssh_config <<EOF
Host web1 web2
  HostName 127.0.0.1
  Port $port
Host down
  HostName 127.0.0.1
  Port 1
Host *
  User $(id -un)
  IdentityFile $SCRATCH/userkey
  IdentitiesOnly yes
  UserKnownHostsFile $SCRATCH/known_hosts
  StrictHostKeyChecking yes
EOF
up() { ssh -F ssh_config -o BatchMode=yes web1 true 2>/dev/null; }
check "sshd accepts the test key" wait_until 20 up

mkdir -p out
cat > fleet.lua <<'EOF'
return {
  kind = "runbook", name = "fleet", version = "1.0.0", description = "touches a file per host",
  permissions = { "exec" },
  params = { dir = { type = "string", required = true } },
  steps = {
    { name = "where", readonly = true, run = function(ctx)
        local r = ctx.sh{"printenv", "SSH_CONNECTION", quiet = true}
        ctx.log("over ssh: " .. tostring(r.stdout:match("^127%.0%.0%.1 ") ~= nil))
        local q = ctx.sh{"sh", "-c", 'pwd; printf "%s|" "$GREETING" "$1"', "arg0", "a b'c\"d $HOME", cwd = "/tmp",
                         env = {GREETING = "it's \"quoted\" $HOME;"}, quiet = true}
        ctx.log("quoted: " .. q.stdout:gsub("\n", "/"))
      end },
    { name = "touch", run = function(ctx) ctx.sh{"touch", ctx.params.dir .. "/" .. ctx.host} end },
  },
}
EOF
run_fleet() { "$OPSLAB" runbook run fleet.lua --ssh-config "$SCRATCH/ssh_config" --param "dir=$SCRATCH/out" "$@" 2>&1; }

out=$(run_fleet --hosts web1,web2); rc=$?
check "two hosts succeed ($rc)" [ $rc -eq 0 ]
check "each host's file is there" test -f out/web1 -a -f out/web2
check "lines are prefixed by their host" contains "$out" "[web2] [where] over ssh: true"
check "arguments, cwd and env arrive quoted intact ($out)" contains "$out" "[web1] [where] quoted: /tmp/it's \"quoted\" \$HOME;|a b'c\"d \$HOME|"
check "the summary counts them" contains "$out" "== fleet on 2 hosts: 2 succeeded"
check "and lists each host" bash -c "grep -qE '^  web1  succeeded +exit 0' <<< \"\$1\"" _ "$out"

rm -f out/*
printf '# the fleet\nweb1\n\ndown   # unreachable\nweb2\n' > hosts.txt
out=$(run_fleet --hosts @hosts.txt --parallel 2); rc=$?
check "an unreachable host fails the fleet run ($rc)" [ $rc -eq 1 ]
check "the others still ran" test -f out/web1 -a -f out/web2
check "the summary says which host failed and why ($out)" bash -c "grep -qE '^  down  failed +exit 1 .*ssh to down failed \(exit 255\)' <<< \"\$1\"" _ "$out"
check "with the totals" contains "$out" "== fleet on 3 hosts: 1 failed, 2 succeeded"

rm -f out/*
out=$(run_fleet --hosts web1,web2 --dry-run); rc=$?
check "a dry run plans on every host ($rc)" [ $rc -eq 0 ] && contains "$out" "[web2] [touch] would run on web2: touch"
check "and changes nothing" [ -z "$(ls out)" ]
check "readonly steps still reach the host in a dry run" contains "$out" "[web1] [where] over ssh: true"

sed 's/permissions = { "exec" },/permissions = { "exec" }, mutates = true,/' fleet.lua > mutating.lua
out=$("$OPSLAB" runbook run mutating.lua --ssh-config "$SCRATCH/ssh_config" --param "dir=$SCRATCH/out" --hosts web1,web2 2>&1 </dev/null); rc=$?
check "a mutating runbook is refused for the fleet without --yes ($rc)" [ $rc -eq 2 ] && contains "$out" "pass --yes"
check "before any host ran" [ -z "$(ls out)" ]
out=$("$OPSLAB" runbook run mutating.lua --ssh-config "$SCRATCH/ssh_config" --param "dir=$SCRATCH/out" --hosts web1,web2 --yes 2>&1); rc=$?
check "with --yes it runs on both ($rc)" [ $rc -eq 0 ] && test -f out/web1 -a -f out/web2

out=$("$OPSLAB" -e "local r = runbook.run('fleet.lua', {dir = '$SCRATCH/out'}, {host = 'web2', ssh_config = '$SCRATCH/ssh_config'}); print(r.status)" 2>&1)
check "runbook.run in the shell takes a host ($out)" contains "$out" "over ssh: true" && contains "$out" "succeeded"

for bad in "-oProxyCommand=touch${SCRATCH}/pwned" "web1,web1" "" "web 1" "web1,,web2" "@missing.txt" "@/dev/null"; do
  out=$(run_fleet "--hosts=$bad"); rc=$?
  check "--hosts '$bad' is refused ($out)" [ $rc -ne 0 ] && ! contains "$out" "Fatal error"
done
check "no option reached ssh" test ! -e pwned
for n in 0 257 -1 nan inf 1e300 9223372036854775808; do
  out=$(run_fleet --hosts web1 --parallel "$n"); rc=$?
  check "--parallel $n is refused ($rc)" [ $rc -ne 0 ] && ! contains "$out" "Fatal error"
done
out=$(run_fleet --host web1 --hosts web2); rc=$?
check "--host with --hosts is refused ($rc)" [ $rc -ne 0 ] && contains "$out" "cannot be combined"
out=$(run_fleet --host=-oProxyCommand=x); rc=$?
check "--host starting with - is refused ($rc)" [ $rc -ne 0 ] && contains "$out" "read as an option"

# Ctrl-C (SIGINT to opslab) stops every host's run: each runs its undo.
cat > slow.lua <<'EOF'
return {
  kind = "runbook", name = "slow", version = "1.0.0", description = "waits on the host",
  permissions = { "exec" },
  steps = {
    { name = "mark", run = function(ctx) ctx.sh{"true"} end, undo = function(ctx) ctx.log("undone on " .. ctx.host) end },
    { name = "wait", run = function(ctx) ctx.sh{"sleep", "30"} end },
  },
}
EOF
"$OPSLAB" runbook run slow.lua --ssh-config "$SCRATCH/ssh_config" --hosts web1,web2 > slow.out 2>&1 &
fleet=$!
started() { [ "$(grep -c '== mark: ok' slow.out)" -eq 2 ]; }
check "the slow runbook reaches its wait on both hosts" wait_until 20 started
sleep 0.5
kill -INT $fleet
wait $fleet; rc=$?
out=$(cat slow.out)
check "SIGINT ends the fleet run as interrupted ($rc)" [ $rc -eq 130 ]
check "each host ran its undo ($out)" contains "$out" "[web1] [mark] undone on web1" && contains "$out" "[web2] [mark] undone on web2"
check "the summary says so" contains "$out" "== slow on 2 hosts: 2 interrupted"

out=$("$OPSLAB" audit show --action runbook.exec --json 2>&1)
check "the audit log names the host of each command" contains "$out" '"target":"web1"'
out=$("$OPSLAB" audit show --action runbook.fleet 2>&1)
check "and the fan-out itself" contains "$out" "web1,web2"
out=$("$OPSLAB" audit verify 2>&1); rc=$?
check "the chain holds after parallel appends ($out)" [ $rc -eq 0 ]

finish
