#!/usr/bin/env bash
# `opslab alerts route` against the real `amtool config routes test`
# (Debian's Alertmanager 0.25) on a generated corpus
# (Tests/alerts/gen_routes.py: about 65 alertmanager.yml files with random
# route trees, 24 alerts each, and about 20 files Alertmanager refuses).
# An alert passes when both print the same first line: the receivers,
# comma-separated, in tree order. A refused file passes when both exit
# nonzero. A crash (killed by a signal) or a hang of opslab never agrees
# with anything.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
case $OPSLAB in /*) ;; */*) OPSLAB=$PWD/$OPSLAB ;; esac

if ! command -v amtool >/dev/null; then
  echo "FAIL: amtool is not installed (scripts/test installs the Debian package prometheus-alertmanager, which provides it)"
  echo "alerts route: 0 passed, 1 failed"
  exit 1
fi

corpus=$SCRATCH/routes
if ! gen=$(python3 "$root/Tests/alerts/gen_routes.py" "$corpus" 2>&1); then
  fail "Tests/alerts/gen_routes.py failed: $gen"
  echo "alerts route: $PASSED passed, $FAILED failed"
  exit 1
fi

# trim OUTPUT: the first lines of a tool's output, indented.
trim() {
  if [ -z "$1" ]; then echo "    | (no output)"; return; fi
  printf '%s\n' "$1" | head -n 8 | sed 's/^/    | /'
}
crashed() { [ "$1" -eq 124 ] || [ "$1" -gt 128 ]; }
what() { if [ "$1" -eq 124 ]; then echo "timed out"; else echo "was killed by signal $(($1 - 128))"; fi; }

unexpected=0
for dir in "$corpus"/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  config=$dir/alertmanager.yml

  if [ -f "$dir/error" ]; then
    a_out=$(timeout 30 amtool config routes test --config.file="$config" 2>&1 </dev/null); a_rc=$?
    o_out=$(timeout 30 "$OPSLAB" alerts route --config "$config" 2>&1 </dev/null); o_rc=$?
    if crashed $o_rc; then
      fail "$name: opslab $(what $o_rc) on a file amtool $( [ $a_rc -eq 0 ] && echo accepts || echo refuses)"
    elif [ $a_rc -ne 0 ] && [ $o_rc -ne 0 ]; then
      pass
      continue
    else
      fail "$name ($(cat "$dir/error")): amtool exit $a_rc, opslab exit $o_rc"
    fi
    { echo "  amtool:"; trim "$a_out"; echo "  opslab:"; trim "$o_out"; } >&2
    continue
  fi

  while IFS=$'\t' read -r predicted labels; do
    read -ra args <<< "$labels"
    # amtool warns on stderr that --config.file overrides --alertmanager.url.
    a_out=$(timeout 30 amtool config routes test --config.file="$config" "${args[@]}" 2>/dev/null </dev/null); a_rc=$?
    o_out=$(timeout 30 "$OPSLAB" alerts route --config "$config" "${args[@]}" 2>/dev/null </dev/null); o_rc=$?
    a_first=$(printf '%s\n' "$a_out" | head -n 1)
    o_first=$(printf '%s\n' "$o_out" | head -n 1)
    # The generator's prediction, confirmed against amtool 0.25 when the
    # corpus was written; a difference means another Alertmanager version.
    [ "$a_first" != "$predicted" ] && unexpected=$((unexpected + 1))
    if crashed $o_rc; then
      fail "$name $labels: opslab $(what $o_rc); amtool: $a_first"
    elif [ $a_rc -eq 0 ] && [ $o_rc -eq 0 ] && [ "$a_first" == "$o_first" ]; then
      pass
      continue
    else
      fail "$name $labels: amtool (exit $a_rc) $a_first; opslab (exit $o_rc) $o_first"
    fi
    { echo "  opslab alerts route --config $config $labels:"; trim "$o_out"; } >&2
  done < "$dir/cases.tsv"
done

if [ $unexpected -gt 0 ]; then
  echo "NOTE: amtool's receivers differ from the corpus's prediction (made for Alertmanager 0.25) on $unexpected alert(s)" >&2
  amtool --version 2>&1 | head -1 >&2
fi
echo "alerts route: $PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ]
