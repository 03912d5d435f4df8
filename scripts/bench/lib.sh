# Shared by the benchmark scripts: build the release binary (quietly when up
# to date), point opslab at throwaway state, and pick free loopback ports.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
swift build -c release --product opslab >/dev/null 2>&1 || swift build -c release --product opslab
bin=$root/.build/release/opslab
export OPSLAB_HOME=$(mktemp -d) HOME=$(mktemp -d)

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
