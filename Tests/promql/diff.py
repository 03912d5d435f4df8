#!/usr/bin/env python3
"""Differential test of opslab's PromQL engine against a real Prometheus.

1. generates synthetic series (gen_data.py) as OpenMetrics and JSON;
2. turns the OpenMetrics file into TSDB blocks with promtool; series with
   staleness markers (not expressible in OpenMetrics) are sent after start-up
   through the remote-write receiver, into the head after the blocks' end;
3. starts prometheus on 127.0.0.1 (a free port) over those blocks, with no
   scrape jobs and a long retention so the blocks are kept;
4. evaluates every query of corpus.txt at several instants through
   /api/v1/query, and once over a range through /api/v1/query_range, and writes the answers to WORK/prometheus.json;
5. runs the Swift test `PromQLTests.DifferentialTests` with PROMQL_DIFF_DIR=WORK,
   which evaluates the same cases on the same samples into WORK/opslab.json;
6. compares: same result type, same label sets, values equal within 1e-9
   relative (1e-12 absolute near zero), NaN == NaN; errors match errors,
   and parse errors point at the same column.

Usage: Tests/promql/diff.py [--package DIR] [--work DIR] [--keep]
Prints one line per disagreement, then "N passed, N failed"; exits 1 on failures.
"""
import argparse
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import gen_data  # noqa: E402

# Evaluation instants, as offsets from the first sample (ms): inside the data,
# off the 15 s grid, inside gpu 3's gap, after gpu 2 (h1) ended, at the last
# sample, within and beyond the lookback after the end.
EVAL_OFFSETS_MS = [
    30 * 60_000, 61 * 60_000 + 7_000, 62 * 60_000 + 500, 70 * 60_000 + 1_000,
    95 * 60_000 + 13_250, 120 * 60_000, 123 * 60_000, 127 * 60_000,
    # Where the remote-written series with staleness markers live.
    125 * 60_000 + 10_000, 128 * 60_000 + 30_000, 131 * 60_000 + 45_000, 133 * 60_000,
    137 * 60_000 + 5_000, 152 * 60_000, 158 * 60_000 + 20_000,
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_corpus(base_ms=None):
    """Corpus lines; `{T}` stands for an absolute time inside the data (base + 1 h, in seconds)."""
    with open(os.path.join(HERE, "corpus.txt")) as f:
        lines = [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
    if base_ms is not None:
        lines = [l.replace("{T}", str((base_ms + 3_600_000) // 1000)) for l in lines]
    return lines


def start_prometheus(work, tsdb):
    port = free_port()
    cfg = os.path.join(work, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write("global:\n  evaluation_interval: 1m\nscrape_configs: []\n")
    log = open(os.path.join(work, "prometheus.log"), "w")
    proc = subprocess.Popen([
        "prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tsdb}",
        "--storage.tsdb.retention.time=100y", f"--web.listen-address=127.0.0.1:{port}",
        "--web.enable-remote-write-receiver",
    ], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(url + "/-/ready", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except Exception:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    sys.exit("prometheus did not become ready; see " + log.name)


# One range query per corpus line as well: an odd step so that steps fall
# between samples, from inside the data to past its end.
RANGE_START_MS, RANGE_END_MS, RANGE_STEP_MS = 20 * 60_000, 165 * 60_000, 97_000


def query(url, q, t_ms, rng=None):
    if rng is None:
        endpoint = "query"
        params = urllib.parse.urlencode({"query": q, "time": f"{t_ms / 1000:.3f}"})
    else:
        endpoint = "query_range"
        start, end, step = rng
        params = urllib.parse.urlencode({"query": q, "start": f"{start / 1000:.3f}",
                                         "end": f"{end / 1000:.3f}", "step": f"{step / 1000:.3f}"})
    try:
        with urllib.request.urlopen(f"{url}/api/v1/{endpoint}?{params}", timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        return json.load(e)


def close(a, b):
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if x == y:
        return True
    return abs(x - y) <= max(1e-9 * max(abs(x), abs(y)), 1e-12)


def compare(p, o):
    """None when the answers agree, else why not."""
    if p["status"] != "success" or o["status"] != "success":
        if p["status"] == o["status"]:
            # A parse error must point at the same column as Prometheus's.
            pc = re.search(r"1:(\d+): parse error", p.get("error", ""))
            oc = re.search(r"^column (\d+):", o.get("error", ""))
            if pc and (not oc or pc.group(1) != oc.group(1)):
                return f"error column: prometheus {p['error']} vs opslab {o['error']}"
            return None
        return f"prometheus {p['status']} ({p.get('error', '')}) vs opslab {o['status']} ({o.get('error', '')})"
    pd, od = p["data"], o["data"]
    if pd["resultType"] != od["resultType"]:
        return f"result type {pd['resultType']} vs {od['resultType']}"
    if pd["resultType"] in ("scalar", "string"):
        ok = close(pd["result"][1], od["result"][1]) if pd["resultType"] == "scalar" else pd["result"][1] == od["result"][1]
        return None if ok else f"{pd['result'][1]} vs {od['result'][1]}"
    key = lambda m: tuple(sorted(m.items()))
    if pd["resultType"] == "vector":
        pm = {key(e["metric"]): e["value"][1] for e in pd["result"]}
        om = {key(e["metric"]): e["value"][1] for e in od["result"]}
    else:
        pm = {key(e["metric"]): e["values"] for e in pd["result"]}
        om = {key(e["metric"]): e["values"] for e in od["result"]}
    if set(pm) != set(om):
        return f"label sets differ: only prometheus {sorted(set(pm) - set(om))[:3]}, only opslab {sorted(set(om) - set(pm))[:3]}"
    for k in pm:
        a, b = pm[k], om[k]
        if pd["resultType"] == "vector":
            if not close(a, b):
                return f"{dict(k)}: {a} vs {b}"
        else:
            if len(a) != len(b) or any(x[0] != y[0] or not close(x[1], y[1]) for x, y in zip(a, b)):
                return f"{dict(k)}: points differ"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--package", default=os.path.abspath(os.path.join(HERE, "..", "..")),
                    help="Swift package to run the PromQLTests target in")
    ap.add_argument("--work", help="working directory (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the working directory")
    ap.add_argument("--swift-args", default="", help="extra arguments for swift test (e.g. --scratch-path .build-promql)")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="promql-diff-")
    os.makedirs(work, exist_ok=True)

    # Data in the recent past, aligned to 2 h blocks; retention is relative to
    # the newest block, so it stays queryable.
    base_ms = (int(time.time()) - 6 * 3600) // 7200 * 7200 * 1000
    series = gen_data.generate(base_ms)
    stale = gen_data.generate_stale(base_ms)
    om, js = os.path.join(work, "data.om"), os.path.join(work, "series.json")
    gen_data.write(series, om, js, extra=stale)
    tsdb = os.path.join(work, "tsdb")
    shutil.rmtree(tsdb, ignore_errors=True)
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", om, tsdb],
                   check=True, stdout=subprocess.DEVNULL)

    rng = (base_ms + RANGE_START_MS, base_ms + RANGE_END_MS, RANGE_STEP_MS)
    proc, url = start_prometheus(work, tsdb)
    try:
        req = urllib.request.Request(url + "/api/v1/write", data=gen_data.remote_write_body(stale), method="POST", headers={
            "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
            "X-Prometheus-Remote-Write-Version": "0.1.0"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status in (200, 204), r.status
        answers = []
        for q in load_corpus(base_ms):
            answers += [dict(query=q, time=base_ms + off, **query(url, q, base_ms + off)) for off in EVAL_OFFSETS_MS]
            answers.append(dict(query=q, time=rng[0], range=list(rng), **query(url, q, None, rng)))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with open(os.path.join(work, "prometheus.json"), "w") as f:
        json.dump(answers, f)

    env = dict(os.environ, PROMQL_DIFF_DIR=work)
    cmd = ["swift", "test", "--package-path", args.package, "--filter", "DifferentialTests"] + args.swift_args.split()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    opslab_path = os.path.join(work, "opslab.json")
    if not os.path.exists(opslab_path):
        print(r.stdout[-4000:])
        sys.exit("the Swift side wrote no opslab.json")
    with open(opslab_path) as f:
        ours = json.load(f)

    passed = failed = 0
    failing_queries = {}
    for p, o in zip(answers, ours):
        why = compare(p, o)
        if why is None:
            passed += 1
        else:
            failed += 1
            when = "range" if "range" in p else f"t=+{(p['time'] - base_ms) // 1000}s"
            failing_queries.setdefault(p["query"], []).append(f"{when} {why}")
    for q, whys in failing_queries.items():
        print(f"FAIL {q}\n    " + "\n    ".join(whys[:3]))
    print(f"queries: {len(load_corpus())}, agreeing at every instant: {len(load_corpus()) - len(failing_queries)}")
    print(f"promql differential: {passed} passed, {failed} failed")
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
