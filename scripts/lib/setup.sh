# Shared by scripts/opslab and scripts/test: install the system packages
# opslab builds against (and, with "test", those its tests drive), as root
# or through sudo, only when something is missing.

# ensure_packages PACKAGE...: apt-get installs those not yet installed.
ensure_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "opslab: need root or sudo to install: ${missing[*]}" >&2; return 1; }
    sudo="sudo"
  fi
  echo "opslab: installing ${missing[*]}" >&2
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

BUILD_PACKAGES=(pkg-config liblua5.4-dev libedit-dev libopenblas-dev libsqlite3-dev)
TEST_PACKAGES=(tmux lua5.4 bc curl prometheus prometheus-node-exporter prometheus-alertmanager chromium openssh-server openssh-client)

ensure_swift() {
  command -v swift >/dev/null && return 0
  for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    if [ -x "$candidate/swift" ]; then export PATH="$candidate:$PATH"; return 0; fi
  done
  echo "opslab: the Swift 6 toolchain is required (swift not found on PATH)" >&2
  return 1
}

# ensure_torch_venv ROOT: a virtual environment at ROOT/.venv holding the
# PyTorch (CPU), numpy and safetensors that the differential tests, the
# checkpoint interop tests and the benchmarks compare against, and nbformat,
# which validates exported notebooks. Quiet, and a
# no-op once they import with torch at the pinned version.
TORCH_VERSION="2.13.0+cpu"
ensure_torch_venv() {
  local venv="$1/.venv"
  if [ -x "$venv/bin/python" ] &&
     "$venv/bin/python" -c "import nbformat, numpy, safetensors, torch, sys; sys.exit(torch.__version__ != '$TORCH_VERSION')" 2>/dev/null; then
    return 0
  fi
  echo "opslab: installing torch==$TORCH_VERSION, numpy, safetensors and nbformat into $venv" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2 || return 1
  "$venv/bin/python" -m pip install -q "torch==$TORCH_VERSION" numpy safetensors threadpoolctl nbformat >&2
}
