#!/usr/bin/env bash
# `opslab alerts test` against the real `promtool test rules` (Debian's
# Prometheus 2.42) on a generated corpus (Tests/alerts/gen_corpus.py, about
# 200 rule files with unit tests: alerting and recording rules, for,
# keep_firing_for, templates, staleness, counters, group order, external
# labels, and files promtool rejects). A case passes when both give the same
# verdict: both exit 0, or both exit nonzero. A crash (killed by a signal) or
# a hang of opslab never counts as agreeing with a failure.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
case $OPSLAB in /*) ;; */*) OPSLAB=$PWD/$OPSLAB ;; esac

if ! command -v promtool >/dev/null; then
  fail "promtool is not installed (scripts/test installs the Debian package prometheus, which provides it)"
  finish
  exit 1
fi

corpus=$SCRATCH/corpus
if ! gen=$(python3 "$root/Tests/alerts/gen_corpus.py" "$corpus" 2>&1); then
  fail "Tests/alerts/gen_corpus.py failed: $gen"
  finish
  exit 1
fi

# trim OUTPUT: the first lines of a tool's output, indented, blank lines dropped.
trim() {
  if [ -z "$1" ]; then echo "    | (no output)"; return; fi
  printf '%s\n' "$1" | grep -v '^[[:space:]]*$' | head -n 25 | sed 's/^/    | /'
}
verdict() { if [ "$1" -eq 0 ]; then echo pass; else echo "fail (exit $1)"; fi; }

unexpected=()
for dir in "$corpus"/*/; do
  name=$(basename "$dir")
  p_out=$(cd "$dir" && timeout 60 promtool test rules test.yml 2>&1 </dev/null); p_rc=$?
  o_out=$(cd "$dir" && timeout 60 "$OPSLAB" alerts test test.yml 2>&1 </dev/null); o_rc=$?
  # The generator's prediction, confirmed against promtool 2.42 when the
  # corpus was written; a disagreement means another promtool version.
  predicted=$(cat "$dir/expected" 2>/dev/null)
  if [ -n "$predicted" ] && [ "$predicted" != "$( [ $p_rc -eq 0 ] && echo pass || echo fail)" ]; then
    unexpected+=("$name")
  fi
  if [ $o_rc -eq 124 ] || [ $o_rc -gt 128 ]; then
    what="opslab $( [ $o_rc -eq 124 ] && echo "timed out" || echo "was killed by signal $((o_rc - 128))")"
    fail "$name: $what; promtool: $(verdict $p_rc)"
  elif { [ $p_rc -eq 0 ] && [ $o_rc -eq 0 ]; } || { [ $p_rc -ne 0 ] && [ $o_rc -ne 0 ]; }; then
    pass
    continue
  else
    fail "$name: promtool $(verdict $p_rc), opslab $(verdict $o_rc)"
  fi
  {
    grep -F "$name" "$corpus/manifest.tsv" | cut -f4 | sed 's/^/  case: /'
    echo "  promtool test rules test.yml:"
    trim "$p_out"
    echo "  opslab alerts test test.yml:"
    trim "$o_out"
  } >&2
done

if [ ${#unexpected[@]} -gt 0 ]; then
  echo "NOTE: promtool's verdict differs from the corpus's prediction (made for promtool 2.42) on ${#unexpected[@]} case(s): ${unexpected[*]}" >&2
  promtool --version 2>&1 | head -1 >&2
fi
finish
