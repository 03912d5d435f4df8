"""Deterministic synthetic series for the PromQL differential test.

Writes the same samples twice: as OpenMetrics text (for promtool, which turns
them into TSDB blocks for Prometheus) and as JSON (for opslab's engine).
The series cover what trips query engines: counters with resets, gauges,
gaps longer than the lookback delta, NaN and infinite values, irregular
scrape times, a series that ends early, and several label sets per name.
Staleness markers cannot be written in OpenMetrics, so they are covered by
the Swift unit tests instead.
"""
import json
import math
import random

STEP_MS = 15_000
SPAN_MS = 2 * 3600 * 1000


def fmt(v):
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
    # Info metric for group_left joins.
    add("host_info", {"host": "h1", "zone": "eu"}, [(t, 1.0) for t in times])
    add("host_info", {"host": "h2", "zone": "us"}, [(t, 1.0) for t in times])
    # Ties for topk/bottomk.
    for k in range(6):
        add("tied_gauge", {"k": str(k)}, [(t, float(k // 2)) for t in times])
    return series


def write(series, om_path, json_path):
    by_name = {}
    for name, labels, pts in series:
        by_name.setdefault(name, []).append((labels, pts))
    with open(om_path, "w") as f:
        for name, members in by_name.items():
            f.write(f"# TYPE {name} gauge\n")
            for labels, pts in members:
                lbl = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                lbl = "{" + lbl + "}" if lbl else ""
                for t, v in pts:
                    f.write(f"{name}{lbl} {fmt(v)} {t // 1000}.{t % 1000:03d}\n")
        f.write("# EOF\n")
    out = []
    for name, labels, pts in series:
        out.append({"labels": dict(labels, __name__=name),
                    "t": [t for t, _ in pts], "v": [fmt(v) for _, v in pts]})
    with open(json_path, "w") as f:
        json.dump({"series": out}, f)
