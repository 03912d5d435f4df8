#!/usr/bin/env bash
# Plugins against built-ins: a Lua optimizer beside the built-in with the
# same arithmetic (goal: within 1.5x), a Lua layer beside the same built-in
# ops composed directly (goal: within 1.2x). See scripts/bench/plugins.lua.
# Benchmarks, not tests: nothing passes or fails.
. "$(dirname "$0")/lib.sh"
"$bin" run --no-init scripts/bench/plugins.lua
echo "# $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
