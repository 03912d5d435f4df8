# Shared by the benchmark scripts: build the release binary (quietly when up
# to date), point opslab at throwaway state, and pick free loopback ports.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
swift build -c release --product opslab >/dev/null 2>&1 || swift build -c release --product opslab
bin=$root/.build/release/opslab
export OPSLAB_HOME=$(mktemp -d) HOME=$(mktemp -d)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# timings_ms COMMAND...: "median minimum" wall time of $runs runs (default
# 30), in milliseconds, after one run to warm the page cache. The minimum is
# the steadier figure on a busy machine.
timings_ms() {
  local times=() start end
  "$@" >/dev/null 2>&1
  for _ in $(seq "${runs:-30}"); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f %.2f", a[int((NR+1)/2)]/1000, a[1]/1000}'
}

# median_ms COMMAND...: the median of timings_ms.
median_ms() { timings_ms "$@" | cut -d' ' -f1; }
