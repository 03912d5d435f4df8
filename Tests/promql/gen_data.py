"""Deterministic synthetic series for the PromQL differential test.

Writes the same samples twice: as OpenMetrics text (for promtool, which turns
them into TSDB blocks for Prometheus) and as JSON (for opslab's engine).
The series cover what trips query engines: counters with resets, gauges,
gaps longer than the lookback delta, NaN and infinite values, irregular
scrape times, a series that ends early, and several label sets per name.
Staleness markers cannot be written in OpenMetrics, so the series that
carry them start after the blocks end and reach Prometheus through its
remote-write receiver instead (see remote_write_body).
"""
import json
import math
import random
import struct

STEP_MS = 15_000
STALE_NAN_BITS = 0x7FF0000000000002
STALE = struct.unpack("<d", struct.pack("<Q", STALE_NAN_BITS))[0]
SPAN_MS = 2 * 3600 * 1000


def is_stale(v):
    return struct.pack("<d", v) == struct.pack("<Q", STALE_NAN_BITS)


def fmt(v):
    if is_stale(v):
        return "stale"
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(float(v))


def generate(base_ms):
    rnd = random.Random(20261129)
    series = []  # (name, labels dict, [(t_ms, value)])
    times = list(range(base_ms, base_ms + SPAN_MS + 1, STEP_MS))

    def add(name, labels, points):
        series.append((name, labels, points))

    # Counters with resets.
    for job in ("api", "web"):
        for inst in ("a", "b"):
            for code in ("200", "500"):
                v = rnd.uniform(0, 1000) if code == "200" else 0.0
                pts = []
                for t in times:
                    if rnd.random() < 0.01:
                        v = rnd.uniform(0, 5)  # reset to near zero
                    v += rnd.uniform(0, 50) if code == "200" else rnd.choice([0, 0, 0, 1, 2])
                    pts.append((t, v))
                add("http_requests_total", {"job": job, "instance": inst, "code": code}, pts)
    for cpu in range(4):
        for mode in ("idle", "user"):
            v = rnd.uniform(1e5, 1e6)
            pts = []
            for t in times:
                # Irregular scrape times: jitter of up to 3 s, still increasing.
                jt = t + rnd.randint(-3000, 3000)
                v += rnd.uniform(5, 15) if mode == "idle" else rnd.uniform(0, 5)
                pts.append((jt, v))
            add("node_cpu_seconds_total", {"cpu": str(cpu), "mode": mode}, pts)
    # Gauges; gpu 3 on h2 has a 20-minute gap, gpu 2 on h1 stops after an hour.
    for host in ("h1", "h2"):
        for gpu in range(4):
            temp = rnd.uniform(40, 70)
            pts = []
            for i, t in enumerate(times):
                temp = min(95, max(30, temp + rnd.gauss(0, 1.5)))
                if host == "h2" and gpu == 3 and 200 <= i < 280:
                    continue
                if host == "h1" and gpu == 2 and i > 240:
                    continue
                pts.append((t, round(temp, 3)))
            add("gpu_temperature_celsius", {"host": host, "gpu": str(gpu)}, pts)
    # A gauge with NaN and infinities.
    for i in ("1", "2"):
        pts = []
        for k, t in enumerate(times):
            v = math.sin(k / 10.0) * 10 + int(i)
            if k % 37 == 5:
                v = float("nan")
            if i == "2" and k % 101 == 50:
                v = float("inf")
            pts.append((t, v))
        add("weird_gauge", {"i": i}, pts)
    # Unlabelled gauge, sampled every 30 s.
    add("queue_depth", {}, [(t, float(rnd.randint(0, 40))) for t in times[::2]])
    # Large values.
    for dev in ("sda", "sdb", "nvme0n1"):
        v = rnd.uniform(1e11, 5e11)
        pts = []
        for t in times:
            v -= rnd.uniform(0, 1e7)
            pts.append((t, v))
        add("disk_free_bytes", {"device": dev, "job": "node"}, pts)
    # Same labels, other name: drives duplicate-labelset errors once names drop.
    add("up", {"job": "api", "instance": "a"}, [(t, 1.0) for t in times])
    add("up", {"job": "api", "instance": "b"}, [(t, 1.0 if (t // STEP_MS) % 50 else 0.0) for t in times])
    add("up", {"job": "web", "instance": "a"}, [(t, 1.0) for t in times])
    # A label value with a newline: `.` must not match it (RE2 semantics).
    add("up", {"job": "multi\nline", "instance": "z"}, [(t, 1.0) for t in times])
    # Info metric for group_left joins.
    add("host_info", {"host": "h1", "zone": "eu"}, [(t, 1.0) for t in times])
    add("host_info", {"host": "h2", "zone": "us"}, [(t, 1.0) for t in times])
    # Classic histograms: cumulative bucket counters; one without a +Inf
    # bucket, one whose counts are not monotonic across buckets.
    bounds = ["0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
    for job in ("api", "web"):
        counts = [0.0] * len(bounds)
        pts = {b: [] for b in bounds}
        for t in times:
            for _ in range(rnd.randint(0, 20)):
                d = rnd.expovariate(2.0 if job == "api" else 0.7)
                for i, b in enumerate(bounds):
                    if b == "+Inf" or d <= float(b):
                        counts[i] += 1
            for i, b in enumerate(bounds):
                pts[b].append((t, counts[i]))
        for b in bounds:
            add("request_duration_seconds_bucket", {"job": job, "le": b}, pts[b])
    for b, f in (("0.5", 1.0), ("1", 3.0), ("5", 4.0)):
        add("broken_bucket", {"le": b}, [(t, f * (k + 1)) for k, t in enumerate(times)])
    for b, f in (("0.5", 5.0), ("1", 3.0), ("2", 6.0), ("+Inf", 8.0)):
        add("nonmono_bucket", {"le": b}, [(t, f) for t in times])
    # Ties for topk/bottomk.
    for k in range(6):
        add("tied_gauge", {"k": str(k)}, [(t, float(k // 2)) for t in times])
    return series


def generate_stale(base_ms):
    """Series after the blocks' end (base + 2 h) carrying staleness markers."""
    start = base_ms + SPAN_MS + STEP_MS
    times = list(range(start, start + 40 * 60_000, STEP_MS))
    out = []
    # Flaps: 20 samples, a marker, 2 minutes of silence, again.
    pts = []
    for k, t in enumerate(times):
        phase = k % 30
        if phase < 20:
            pts.append((t, float(k % 7)))
        elif phase == 20:
            pts.append((t, STALE))
    out.append(("flappy", {"id": "1"}, pts))
    # Ends with a marker after 10 minutes.
    out.append(("flappy", {"id": "2"}, [(t, 3.0) for t in times[:40]] + [(times[40], STALE)]))
    # A counter interrupted by a marker, then resumed (and reset).
    pts = []
    v = 100.0
    for k, t in enumerate(times):
        if k == 60:
            pts.append((t, STALE))
            continue
        if 60 < k < 70:
            continue
        if k == 70:
            v = 0.0
        v += 4
        pts.append((t, v))
    out.append(("flappy_total", {"id": "3"}, pts))
    # An ordinary NaN right before a marker.
    out.append(("flappy", {"id": "4"}, [(times[0], 1.0), (times[1], float("nan")), (times[2], STALE)]))
    return out


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num, payload):
    return _varint(num << 3 | 2) + _varint(len(payload)) + payload


def remote_write_body(series):
    """A snappy-compressed prompb.WriteRequest, encoded by hand (no protobuf
    or snappy module needed): snappy's block format allows one literal run."""
    msg = bytearray()
    for name, labels, pts in series:
        ts = bytearray()
        for k, v in sorted(dict(labels, __name__=name).items()):
            ts += _field(1, _field(1, k.encode()) + _field(2, v.encode()))
        for t, v in pts:
            sample = b"\x09" + struct.pack("<d", v) + b"\x10" + _varint(t)
            ts += _field(2, sample)
        msg += _field(1, bytes(ts))
    n = len(msg)
    body = _varint(n)
    if n <= 60:
        body += bytes([(n - 1) << 2])
    else:
        body += bytes([63 << 2]) + struct.pack("<I", n - 1)
    return bytes(body + msg)


def escape(v):
    return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def write(series, om_path, json_path, extra=()):
    by_name = {}
    for name, labels, pts in series:
        by_name.setdefault(name, []).append((labels, pts))
    with open(om_path, "w") as f:
        for name, members in by_name.items():
            f.write(f"# TYPE {name} gauge\n")
            for labels, pts in members:
                lbl = ",".join(f'{k}="{escape(v)}"' for k, v in sorted(labels.items()))
                lbl = "{" + lbl + "}" if lbl else ""
                for t, v in pts:
                    f.write(f"{name}{lbl} {fmt(v)} {t // 1000}.{t % 1000:03d}\n")
        f.write("# EOF\n")
    out = []
    for name, labels, pts in list(series) + list(extra):
        out.append({"labels": dict(labels, __name__=name),
                    "t": [t for t, _ in pts], "v": [fmt(v) for _, v in pts]})
    with open(json_path, "w") as f:
        json.dump({"series": out}, f)
