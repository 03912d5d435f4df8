#!/usr/bin/env bash
# The metrics store through the workbench: ingest of an OpenMetrics file
# (parse + append in batches), bytes per sample after compaction for integer
# and for decimal gauges, and a range query over one day of one series at
# 15 s resolution. Prints figures; no pass/fail.
. "$(dirname "$0")/lib.sh"
series=${SERIES:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/day.om" "$work/decimal.om" "$series" <<'PY'
import math, random, sys, time
path, decimal_path, series = sys.argv[1], sys.argv[2], int(sys.argv[3])
end = int(time.time()) // 15 * 15
start = end - 86400
random.seed(1)
with open(path, "w") as f:
    f.write("# TYPE bench_gauge gauge\n")
    for s in range(series):
        level = random.randint(0, 1000)
        for t in range(start, end, 15):
            level += random.randint(-3, 3)            # an integer-valued gauge (temperatures, counts)
            f.write(f'bench_gauge{{series="{s}"}} {level} {t}\n')
    f.write("# EOF\n")
with open(decimal_path, "w") as f:
    f.write("# TYPE bench_decimal gauge\n")
    for s in range(series):
        level = random.randint(0, 100000)
        for t in range(start, end, 15):
            level += random.randint(-20, 20)           # two decimals (12.85), as read from /proc or sysfs
            f.write(f'bench_decimal{{series="{s}"}} {level / 100} {t}\n')
    f.write("# EOF\n")
PY
"$bin" --no-init -e "
  local n0 = opslab.now()
  local count = metrics.import('$work/day.om')
  local ingest = opslab.now() - n0
  local stats = metrics.stats({compact = true})
  local times = {}
  for i = 1, 21 do
    local t0 = opslab.now()
    local r = metrics.query('bench_gauge{series=\"7\"}[1d]')
    times[i] = (opslab.now() - t0) * 1000
    assert(#r == 1 and #r[1].values >= 5700, 'expected one day of samples')
  end
  table.sort(times)
  print(string.format('ingest: %d samples in %.2f s = %.0f samples/s (OpenMetrics parse + append in batches)', count, ingest, count / ingest))
  print(string.format('on disk after compaction: %.2f bytes/sample (%d bytes, %d series, %d chunks)',
    stats.bytes / stats.samples, stats.bytes, stats.series, stats.chunks))
  print(string.format('range query, one day of one series at 15 s: median %.2f ms over 21 runs', times[11]))
  metrics.delete('{__name__=\"bench_gauge\"}')
  count = metrics.import('$work/decimal.om')
  stats = metrics.stats({compact = true})
  print(string.format('decimal gauges (2 places) on disk after compaction: %.2f bytes/sample (%d bytes, %d series, %d chunks)',
    stats.bytes / stats.samples, stats.bytes, stats.series, stats.chunks))
"
