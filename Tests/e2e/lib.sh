# Shared helpers for the end-to-end tests: counting, assertions, and a tmux
# session driving the real binary. Source it; set OPSLAB to the binary.
set -u
PASSED=0
FAILED=0
: "${OPSLAB:?set OPSLAB to the opslab binary}"
# This folder, for helpers beside the tests (webhook_receiver.py).
E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*" >&2; }

# check NAME COMMAND...: passes when the command succeeds.
check() {
  local name=$1; shift
  if "$@"; then pass; else fail "$name"; fi
}

contains() { case "$1" in *"$2"*) return 0 ;; *) return 1 ;; esac; }

# free_port: a TCP port on loopback nobody listens on now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_http URL [SECONDS]: until URL answers 2xx.
wait_http() {
  local deadline=$((SECONDS + ${2:-20}))
  while [ $SECONDS -lt $deadline ]; do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
  return 1
}

# wait_until SECONDS COMMAND...: until the command succeeds.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  while [ $SECONDS -lt $deadline ]; do "$@" && return 0; sleep 0.3; done
  return 1
}

# A private scratch area per test file, removed at exit.
SCRATCH=$(mktemp -d /tmp/opslab-e2e.XXXXXX)
export HOME=$SCRATCH/home OPSLAB_HOME=$SCRATCH/state XDG_CONFIG_HOME=$SCRATCH/config
mkdir -p "$HOME" "$XDG_CONFIG_HOME"
TMUX_SOCKET=opslab-e2e-$$
cleanup() {
  tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

# start_repl [ENV=VALUE...]: a fresh REPL in a new detached tmux session.
# Sessions are numbered rather than reused, and the previous one is killed
# only after the next exists: killing a server's last session makes it
# exit, and starting a new one while it exits fails ("server exited
# unexpectedly").
SESSION=0
start_repl() {
  local previous=$SESSION
  SESSION=$((SESSION + 1))
  tmux -L "$TMUX_SOCKET" new-session -d -s "s$SESSION" -x 120 -y 50 \
    "env HOME=$HOME OPSLAB_HOME=$OPSLAB_HOME XDG_CONFIG_HOME=$XDG_CONFIG_HOME $* $OPSLAB; echo \"[exit \$?]\"; sleep 600"
  [ $previous -gt 0 ] && tmux -L "$TMUX_SOCKET" kill-session -t "s$previous" 2>/dev/null
  wait_for "opslab>" || fail "REPL did not start"
}

keys() { tmux -L "$TMUX_SOCKET" send-keys -t "s$SESSION" "$@"; }
# type TEXT: literal text, then Enter.
type_line() { keys -l "$1"; keys Enter; }
# The screen and its scrollback; tabs arrive as spaces.
screen() { tmux -L "$TMUX_SOCKET" capture-pane -p -t "s$SESSION" -S -200 2>/dev/null; }
clear_screen() { keys C-l; tmux -L "$TMUX_SOCKET" clear-history -t "s$SESSION"; }

# wait_for TEXT [SECONDS]: until the screen shows TEXT.
wait_for() {
  local deadline=$((SECONDS + ${2:-10}))
  while [ $SECONDS -lt $deadline ]; do
    contains "$(screen)" "$1" && return 0
    sleep 0.1
  done
  return 1
}

# expect_screen NAME TEXT [SECONDS]: a check that the screen shows TEXT.
expect_screen() {
  if wait_for "$2" "${3:-10}"; then pass; else fail "$1: screen lacks '$2'"; screen | tail -20 >&2; fi
}

finish() {
  echo "$(basename "$0"): $PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
