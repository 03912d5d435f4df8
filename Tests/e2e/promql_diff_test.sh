#!/usr/bin/env bash
# The PromQL engine against the real Prometheus on the same samples
# (Tests/promql/diff.py). scripts/test has built the tests already, hence
# --skip-build, with the flags of that build (OPSLAB_SWIFT_BUILD_FLAGS; a
# debug build when unset); PROMQL_PACKAGE points the Swift half at another
# package.
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  echo "promql differential: 0 passed, 1 failed (prometheus or promtool is not installed)"
  exit 1
fi
exec python3 "$root/Tests/promql/diff.py" --package "${PROMQL_PACKAGE:-$root}" --swift-args="--skip-build ${OPSLAB_SWIFT_BUILD_FLAGS:-}"
