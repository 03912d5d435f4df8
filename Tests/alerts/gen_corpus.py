#!/usr/bin/env python3
"""Generates the corpus for the `opslab alerts test` differential test.

    gen_corpus.py OUTDIR            write the corpus (one directory per case)
    gen_corpus.py OUTDIR --check    ... then run promtool on every case and
                                    compare its verdict with the one predicted

Each case is OUTDIR/NNN-name/ holding rules.yml, test.yml (`rule_files:
[rules.yml]`) and `expected` ("pass" or "fail"); OUTDIR/manifest.tsv lists
name, expected verdict, category and a one-line description.

Expectations are not taken from promtool: a small model in this file
(input_series notation, the 5m lookback and staleness, the handful of PromQL
forms used, the rule manager's group/alert state machine and the template
functions) computes what every rule yields, the test expectations are filled
in from it and roughly half the cases then get one deliberate mistake. The
model's verdict is written to `expected`; `--check` confirms it against the
real promtool (Debian's 2.42). Python 3 standard library only; the seed is
fixed, so the corpus is the same on every run.
"""
import datetime
import decimal
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys

SEED = 424242
LOOKBACK_MS = 5 * 60 * 1000
INF = float("inf")
NAN = float("nan")


class _Stale:
    def __repr__(self):
        return "stale"


STALE = _Stale()


class EvalError(Exception):
    """A rule evaluation error: promtool aborts the test group."""


# ---------------------------------------------------------------- formatting

def fmt_dur(seconds):
    """Prometheus duration text for a whole number of seconds (or ms)."""
    ms = int(round(seconds * 1000))
    if ms == 0:
        return "0s"
    out = ""
    for unit, size in (("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1)):
        if ms >= size:
            out += "%d%s" % (ms // size, unit)
            ms %= size
    return out


def num_text(v):
    """A number as PromQL / series notation text."""
    if v == INF:
        return "Inf"
    if v == -INF:
        return "-Inf"
    if v != v:
        return "NaN"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _shortest(v):
    """(sign, digits, decimal point position) of the shortest repr of v."""
    d = decimal.Decimal(repr(abs(v)))
    t = d.normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    return ("-" if v < 0 else ""), digits, len(digits) + t.exponent


def go_v(v):
    """fmt's %v of a float64 (what `{{ $value }}` prints): strconv 'g', -1."""
    if v != v:
        return "NaN"
    if v in (INF, -INF):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "-0" if math.copysign(1, v) < 0 else "0"
    sign, digits, dp = _shortest(v)
    exp = dp - 1
    if exp < -4 or exp >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return "%s%se%s%02d" % (sign, mant, "-" if exp < 0 else "+", abs(exp))
    if dp <= 0:
        return sign + "0." + "0" * (-dp) + digits
    if dp >= len(digits):
        return sign + digits + "0" * (dp - len(digits))
    return sign + digits[:dp] + "." + digits[dp:]


def go_g4(v):
    """Go's %.4g."""
    if v != v:
        return "NaN"
    if v in (INF, -INF):
        return "+Inf" if v > 0 else "-Inf"
    return "%.4g" % v


def humanize(v):
    if v == 0 or v != v or v in (INF, -INF):
        return go_g4(v)
    if abs(v) >= 1:
        prefix = ""
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(v) < 1000:
                break
            prefix = p
            v /= 1000
        return go_g4(v) + prefix
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(v) >= 1:
            break
        prefix = p
        v *= 1000
    return go_g4(v) + prefix


def humanize1024(v):
    if abs(v) <= 1 or v != v or v in (INF, -INF):
        return go_g4(v)
    prefix = ""
    for p in ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"):
        if abs(v) < 1024:
            break
        prefix = p
        v /= 1024
    return go_g4(v) + prefix


def humanize_duration(v):
    if v != v or v in (INF, -INF):
        return go_g4(v)
    if v == 0:
        return go_g4(v) + "s"
    if abs(v) >= 1:
        sign = ""
        if v < 0:
            sign, v = "-", -v
        d = int(v)
        seconds, minutes, hours, days = d % 60, (d // 60) % 60, (d // 3600) % 24, d // 86400
        if days:
            return "%s%dd %dh %dm %ds" % (sign, days, hours, minutes, seconds)
        if hours:
            return "%s%dh %dm %ds" % (sign, hours, minutes, seconds)
        if minutes:
            return "%s%dm %ds" % (sign, minutes, seconds)
        return "%s%ss" % (sign, go_g4(v))
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(v) >= 1:
            break
        prefix = p
        v *= 1000
    return go_g4(v) + prefix + "s"


def humanize_percentage(v):
    return go_g4(v * 100) + "%"


def humanize_timestamp(v):
    if v != v or v in (INF, -INF):
        return go_g4(v)
    # model.TimeFromUnixNano: nanoseconds truncated to milliseconds.
    ns = int(v * 1e9)
    ms = abs(ns) // 10**6 * (1 if ns >= 0 else -1)
    secs, frac = divmod(ms, 1000)
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=secs)
    out = t.strftime("%Y-%m-%d %H:%M:%S")
    if frac:
        out += "." + ("%03d" % frac).rstrip("0")
    return out + " +0000 UTC"


def go_title(s):
    out, prev_sep = [], True
    for ch in s:
        out.append(ch.upper() if prev_sep else ch)
        prev_sep = not (ch.isalnum() or ch == "_")
    return "".join(out)


def go_quote(s):
    return json.dumps(s)


def labels_text(labels):
    """A label set the way promtool's exp_samples `labels` field takes it."""
    name = labels.get("__name__", "")
    rest = sorted((k, v) for k, v in labels.items() if k != "__name__")
    inner = ", ".join("%s=%s" % (k, go_quote(v)) for k, v in rest)
    if name and not rest and random.random() < 0.5:
        return name
    return "%s{%s}" % (name, inner)


# ---------------------------------------------------------------- templates

class Piece:
    def __init__(self, go, fn):
        self.go, self.fn = go, fn


class Tpl:
    """A rule label/annotation template: Go text plus how to render it."""

    def __init__(self, *parts):
        self.parts = parts

    def go(self):
        return "".join(p if isinstance(p, str) else p.go for p in self.parts)

    def render(self, ctx):
        return "".join(p if isinstance(p, str) else p.fn(ctx) for p in self.parts)


def tv():
    return Piece("{{ $value }}", lambda c: go_v(c.value))


def tl(name):
    return Piece("{{ $labels.%s }}" % name, lambda c: c.labels.get(name, ""))


def tfn(func, pyfn):
    return Piece("{{ %s $value }}" % func, lambda c: pyfn(c.value))


def tpipe(func, pyfn):
    return Piece("{{ $value | %s }}" % func, lambda c: pyfn(c.value))


class Ctx:
    def __init__(self, labels, value, ext, url, query):
        self.labels, self.value, self.ext, self.url, self.query = labels, value, ext, url, query


# ---------------------------------------------------------------- PromQL model

class Storage:
    def __init__(self):
        self.series = {}   # key -> (labels, [(t_ms, value)])

    @staticmethod
    def key(labels):
        return tuple(sorted(labels.items()))

    def add(self, labels, t, v):
        k = self.key(labels)
        if k not in self.series:
            self.series[k] = (dict(labels), [])
        pts = self.series[k][1]
        assert not pts or pts[-1][0] < t, (labels, t)
        pts.append((t, v))

    def matching(self, name, matchers):
        for labels, pts in self.series.values():
            if labels.get("__name__") != name:
                continue
            ok = True
            for lname, op, val in matchers:
                have = labels.get(lname, "")
                if (op == "=" and have != val) or (op == "!=" and have == val):
                    ok = False
            if ok:
                yield labels, pts


class Sel:
    def __init__(self, name, matchers=()):
        self.name, self.matchers = name, list(matchers)

    def text(self):
        if not self.matchers:
            return self.name
        return "%s{%s}" % (self.name, ",".join("%s%s%s" % (n, op, go_quote(v)) for n, op, v in self.matchers))

    def eval(self, st, t):
        out = []
        for labels, pts in st.matching(self.name, self.matchers):
            last = None
            for pt, pv in pts:
                if pt > t:
                    break
                last = (pt, pv)
            if last is None or last[0] < t - LOOKBACK_MS or last[1] is STALE:
                continue
            out.append((dict(labels), last[1]))
        return out

    def range(self, st, t, rng_ms):
        out = []
        for labels, pts in st.matching(self.name, self.matchers):
            win = [(pt, pv) for pt, pv in pts if t - rng_ms <= pt <= t and pv is not STALE]
            if win:
                out.append((dict(labels), win))
        return out


def drop_name(labels):
    return {k: v for k, v in labels.items() if k != "__name__"}


def extrapolated(win, t, rng_ms, counter, rate):
    if len(win) < 2:
        return None
    range_start, range_end = t - rng_ms, t
    result = win[-1][1] - win[0][1]
    if counter:
        last = 0.0
        for _, v in win:
            if v < last:
                result += last
            last = v
    to_start = (win[0][0] - range_start) / 1000
    to_end = (range_end - win[-1][0]) / 1000
    sampled = (win[-1][0] - win[0][0]) / 1000
    avg = sampled / (len(win) - 1)
    if counter and result > 0 and win[0][1] >= 0:
        to_zero = sampled * (win[0][1] / result)
        if to_zero < to_start:
            to_start = to_zero
    threshold = avg * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else avg / 2
    interval += to_end if to_end < threshold else avg / 2
    factor = interval / sampled
    if rate:
        factor /= rng_ms / 1000
    return result * factor


class RangeFn:
    """rate/increase/resets/changes/max_over_time/... over sel[range]."""

    def __init__(self, fn, sel, rng_s):
        self.fn, self.sel, self.rng_ms = fn, sel, int(rng_s * 1000)

    def text(self):
        return "%s(%s[%s])" % (self.fn, self.sel.text(), fmt_dur(self.rng_ms / 1000))

    def eval(self, st, t):
        out = []
        for labels, win in self.sel.range(st, t, self.rng_ms):
            vals = [v for _, v in win]
            if self.fn in ("rate", "increase"):
                v = extrapolated(win, t, self.rng_ms, True, self.fn == "rate")
                if v is None:
                    continue
            elif self.fn == "resets":
                v = float(sum(1 for a, b in zip(vals, vals[1:]) if b < a))
            elif self.fn == "changes":
                v = float(sum(1 for a, b in zip(vals, vals[1:]) if b != a and not (a != a and b != b)))
            elif self.fn == "max_over_time":
                v = vals[0]
                for x in vals[1:]:
                    if x > v or v != v:
                        v = x
            elif self.fn == "min_over_time":
                v = vals[0]
                for x in vals[1:]:
                    if x < v or v != v:
                        v = x
            elif self.fn == "count_over_time":
                v = float(len(vals))
            else:
                raise ValueError(self.fn)
            out.append((drop_name(labels), v))
        return out


CMP = {">": lambda a, b: a > b, "<": lambda a, b: a < b, ">=": lambda a, b: a >= b,
       "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b}
ARITH = {"*": lambda a, b: a * b, "+": lambda a, b: a + b, "-": lambda a, b: a - b,
         "/": lambda a, b: a / b if b != 0 else (NAN if a == 0 or a != a else math.copysign(INF, a) * math.copysign(1, b))}


class Bin:
    """vector OP scalar: comparisons filter (and keep the name), arithmetic
    drops the name."""

    def __init__(self, lhs, op, rhs):
        self.lhs, self.op, self.rhs = lhs, op, rhs

    def text(self):
        return "%s %s %s" % (self.lhs.text(), self.op, num_text(self.rhs))

    def eval(self, st, t):
        out = []
        for labels, v in self.lhs.eval(st, t):
            if self.op in CMP:
                if CMP[self.op](v, self.rhs):
                    out.append((labels, v))
            else:
                out.append((drop_name(labels), ARITH[self.op](v, self.rhs)))
        return out


class VBin:
    """vector OP vector, one-to-one on all labels but the name (or on(...))."""

    def __init__(self, lhs, op, rhs, on=None):
        self.lhs, self.op, self.rhs, self.on = lhs, op, rhs, on

    def text(self):
        on = " on (%s)" % ", ".join(self.on) if self.on is not None else ""
        return "%s %s%s %s" % (self.lhs.text(), self.op, on, self.rhs.text())

    def sig(self, labels):
        if self.on is not None:
            return Storage.key({k: labels[k] for k in self.on if labels.get(k, "") != ""})
        return Storage.key(drop_name(labels))

    def eval(self, st, t):
        right = {}
        for labels, v in self.rhs.eval(st, t):
            k = self.sig(labels)
            if k in right:
                raise EvalError("found duplicate series for the match group")
            right[k] = v
        out = []
        for labels, v in self.lhs.eval(st, t):
            k = self.sig(labels)
            if k not in right:
                continue
            if self.op in CMP:
                if CMP[self.op](v, right[k]):
                    out.append((labels, v))
            else:
                res = drop_name(labels)
                if self.on is not None:
                    res = {n: res[n] for n in self.on if n in res}
                out.append((res, ARITH[self.op](v, right[k])))
        return out


class Agg:
    def __init__(self, op, arg, by=None):
        self.op, self.arg, self.by = op, arg, by

    def text(self):
        by = " by (%s)" % ", ".join(self.by) if self.by else ""
        return "%s%s (%s)" % (self.op, by, self.arg.text())

    def eval(self, st, t):
        groups = {}
        for labels, v in self.arg.eval(st, t):
            g = {k: labels[k] for k in (self.by or []) if labels.get(k, "") != ""}
            groups.setdefault(Storage.key(g), (g, []))[1].append(v)
        out = []
        for g, vals in groups.values():
            if self.op == "sum":
                r = 0.0
                for v in vals:
                    r += v
            elif self.op == "count":
                r = float(len(vals))
            elif self.op == "max":
                r = vals[0]
                for v in vals[1:]:
                    if v > r or r != r:
                        r = v
            elif self.op == "min":
                r = vals[0]
                for v in vals[1:]:
                    if v < r or r != r:
                        r = v
            else:
                raise ValueError(self.op)
            out.append((dict(g), r))
        return out


class Absent:
    def __init__(self, sel):
        self.sel = sel

    def text(self):
        return "absent(%s)" % self.sel.text()

    def eval(self, st, t):
        if self.sel.eval(st, t):
            return []
        return [({n: v for n, op, v in self.sel.matchers if op == "="}, 1.0)]


class VectorLit:
    def __init__(self, v):
        self.v = v

    def text(self):
        return "vector(%s)" % num_text(self.v)

    def eval(self, st, t):
        return [({}, float(self.v))]


class TimeFn:
    def text(self):
        return "time()"

    def eval(self, st, t):
        return [({}, t / 1000)]


# ---------------------------------------------------------------- notation

NUM_RE = r"[-+]?(?:Inf|NaN|[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?)"


def parse_num(s):
    s2 = s.lstrip("+")
    if s2 == "Inf":
        return INF
    if s2 == "-Inf":
        return -INF
    if s2.lstrip("-") == "NaN":
        return NAN
    return float(s2)


def expand_values(text):
    """promtool's input_series `values`: one entry per interval step, None for
    an omitted step, STALE for a staleness marker. `a+bxN` and `axN` give N+1
    values, `_xN` gives N omitted steps."""
    out = []
    for tok in text.split():
        if tok == "_":
            out.append(None)
        elif re.fullmatch(r"_x[0-9]+", tok):
            out.extend([None] * int(tok[2:]))
        elif tok == "stale":
            out.append(STALE)
        else:
            m = re.fullmatch(r"(%s)(?:([-+])([0-9]+(?:\.[0-9]+)?))?x([0-9]+)" % NUM_RE, tok)
            if m:
                v, n = parse_num(m.group(1)), int(m.group(4))
                step = 0.0
                if m.group(2):
                    step = float(m.group(3)) * (1 if m.group(2) == "+" else -1)
                for _ in range(n + 1):
                    out.append(v)
                    if m.group(2):
                        v += step
            else:
                out.append(parse_num(tok))
    return out


def sel_labels(selector):
    m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)?(?:\{(.*)\})?", selector.strip())
    labels = {}
    if m.group(1):
        labels["__name__"] = m.group(1)
    if m.group(2):
        for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"', m.group(2)):
            labels[lm.group(1)] = json.loads('"%s"' % lm.group(2))
    return labels


def sel_text(name, labels=None):
    if not labels:
        return name
    return "%s{%s}" % (name, ", ".join("%s=%s" % (k, go_quote(v)) for k, v in labels.items()))


# ---------------------------------------------------------------- case model

class Rule:
    def __init__(self, expr, alert=None, record=None, for_s=0, keep_s=0, labels=None, annotations=None):
        self.expr, self.alert, self.record = expr, alert, record
        self.for_s, self.keep_s = for_s, keep_s
        self.labels = labels or {}        # name -> str (record) or Tpl (alert)
        self.annotations = annotations or {}


class Group:
    def __init__(self, name, rules, interval=None, limit=None):
        self.name, self.rules, self.interval, self.limit = name, rules, interval, limit


class AlertTest:
    def __init__(self, eval_s, alertname, exp=None):
        self.eval_s, self.alertname, self.exp = eval_s, alertname, exp   # exp: [(labels, annotations)]


class PromTest:
    def __init__(self, expr, eval_s, exp=None):
        self.expr, self.eval_s, self.exp = expr, eval_s, exp             # exp: [(labels, value)]


class TestGroup:
    def __init__(self, interval, series, alerts=(), promql=(), ext=None, url=None, name=None):
        self.interval = interval               # seconds
        self.series = series                   # [(selector text, values text)]
        self.alerts, self.promql = list(alerts), list(promql)
        self.ext, self.url, self.name = ext, url, name


class Case:
    def __init__(self, name, category, desc, groups, tests, eval_interval=None, order=None):
        self.name, self.category, self.desc = name, category, desc
        self.groups, self.tests = groups, tests
        self.eval_interval, self.order = eval_interval, order
        self.raw_rules = self.raw_test = None
        self.rule_files = ["rules.yml"]
        self.expected = None


class ActiveAlert:
    def __init__(self, labels, annotations, value, ts):
        self.labels, self.annotations, self.value = labels, annotations, value
        self.active_at, self.state = ts, "pending"
        self.resolved_at = self.keep_since = None


def simulate(case, tg):
    """Runs a test group the way promtool does; returns (alert results,
    promql results) parallel to tg.alerts / tg.promql, or None when a rule
    fails to evaluate (promtool then fails the file)."""
    eval_ms = int((case.eval_interval or 60) * 1000)
    times = [int(a.eval_s * 1000) for a in tg.alerts] + [int(p.eval_s * 1000) for p in tg.promql]
    maxt = max(times) if times else 0
    # promtool loads input samples lazily, up to each evaluation's timestamp:
    # samples after the last evaluation (maxt rounded down to the evaluation
    # interval) are never loaded, not even for promql_expr_test.
    last_eval = maxt // eval_ms * eval_ms
    st = Storage()
    step_ms = int(tg.interval * 1000)
    for selector, values in tg.series:
        labels = sel_labels(selector)
        for i, v in enumerate(expand_values(values)):
            if v is not None and i * step_ms <= last_eval:
                st.add(labels, i * step_ms, v)
    groups = list(case.groups)
    if case.order:
        pos = {n: i for i, n in enumerate(case.order)}
        groups.sort(key=lambda g: pos.get(g.name, 0))
    ext = tg.ext or {}
    url = tg.url or ""
    active = {}      # id(rule) -> {key: ActiveAlert}
    previous = {}    # id(rule) -> set of series keys written last time
    alert_checks = sorted(range(len(tg.alerts)), key=lambda i: tg.alerts[i].eval_s)
    alert_results = [None] * len(tg.alerts)
    ts = 0
    while ts <= maxt:
        errors = False
        for g in groups:
            for r in g.rules:
                try:
                    out = eval_rule(r, g, st, ts, active.setdefault(id(r), {}), ext, url)
                except EvalError:
                    errors = True
                    out = []
                keys = set()
                for labels, v in out:
                    k = Storage.key(labels)
                    keys.add(k)
                    st.add(labels, ts, v)
                for k in previous.get(id(r), set()) - keys:
                    st.add(dict(k), ts, STALE)
                previous[id(r)] = keys
        if errors:
            return None
        for i in alert_checks:
            at = int(tg.alerts[i].eval_s * 1000)
            if ts <= at < ts + eval_ms:
                got = []
                for g in groups:
                    for r in g.rules:
                        if r.alert == tg.alerts[i].alertname:
                            for a in active.get(id(r), {}).values():
                                if a.state == "firing":
                                    got.append((dict(a.labels), dict(a.annotations)))
                alert_results[i] = got
        ts += eval_ms
    prom_results = []
    for p in tg.promql:
        try:
            prom_results.append(p.expr.eval(st, int(p.eval_s * 1000)))
        except EvalError:
            prom_results.append("error")
    return alert_results, prom_results


def eval_rule(r, g, st, ts, act, ext, url):
    vec = r.expr.eval(st, ts)
    if r.record:
        out = []
        for labels, v in vec:
            l2 = dict(labels)
            l2["__name__"] = r.record
            l2.update(r.labels)
            out.append((l2, v))
        if len(set(Storage.key(l) for l, _ in out)) != len(out):
            raise EvalError("duplicate labelset")
        if g.limit and len(out) > g.limit:
            raise EvalError("limit")
        return out
    query = lambda e: e.eval(st, ts)
    seen = {}
    for labels, v in vec:
        ctx = Ctx(labels, v, ext, url, query)
        al = drop_name(labels)
        for name, tpl in r.labels.items():
            val = tpl.render(ctx)
            if val == "":
                al.pop(name, None)
            else:
                al[name] = val
        al["alertname"] = r.alert
        ann = {name: tpl.render(ctx) for name, tpl in r.annotations.items()}
        k = Storage.key(al)
        if k in seen:
            raise EvalError("duplicate alert")
        seen[k] = (al, ann, v)
    for k, (al, ann, v) in seen.items():
        a = act.get(k)
        if a and a.state != "inactive":
            a.value, a.annotations = v, ann
            continue
        act[k] = ActiveAlert(al, ann, v, ts)
    count = 0
    for k, a in list(act.items()):
        if k not in seen:
            keep = False
            if a.state == "firing" and r.keep_s > 0:
                if a.keep_since is None:
                    a.keep_since = ts
                if ts - a.keep_since < r.keep_s * 1000:
                    keep = True
            if a.state == "pending" or (a.resolved_at is not None and ts - a.resolved_at > 15 * 60000):
                del act[k]
            if a.state != "inactive" and not keep:
                a.state, a.resolved_at = "inactive", ts
            if not keep:
                continue
        else:
            a.keep_since = None
        count += 1
        if a.state == "pending" and ts - a.active_at >= r.for_s * 1000:
            a.state = "firing"
    if g.limit and count > g.limit:
        act.clear()
        raise EvalError("limit")
    out = []
    for a in act.values():
        if a.state != "inactive":
            l2 = dict(a.labels)
            l2["__name__"] = "ALERTS"
            l2["alertstate"] = a.state
            out.append((l2, 1.0))
            l3 = dict(a.labels)
            l3["__name__"] = "ALERTS_FOR_STATE"
            out.append((l3, float(a.active_at // 1000)))
    return out


def fill(case):
    """Fills every expectation left as None from the model."""
    for tg in case.tests:
        res = simulate(case, tg)
        assert res is not None, case.name
        ar, pr = res
        for a, got in zip(tg.alerts, ar):
            if a.exp is None:
                a.exp = got
        for p, got in zip(tg.promql, pr):
            if p.exp is None:
                assert got != "error", case.name
                p.exp = got


def canon_alerts(lst):
    return sorted((sorted(l.items()), sorted(a.items())) for l, a in lst)


def same_samples(exp, got):
    if len(exp) != len(got):
        return False
    e = sorted(exp, key=lambda s: sorted(s[0].items()))
    g = sorted(got, key=lambda s: sorted(s[0].items()))
    for (el, ev), (gl, gv) in zip(e, g):
        if el != gl or not (ev == gv):
            return False
    return True


def verdict(case):
    if case.raw_rules is not None or case.raw_test is not None:
        return case.expected
    ok = True
    for tg in case.tests:
        res = simulate(case, tg)
        if res is None:
            return "fail"
        ar, pr = res
        for a, got in zip(tg.alerts, ar):
            if canon_alerts(a.exp) != canon_alerts(got):
                ok = False
        for p, got in zip(tg.promql, pr):
            if got == "error" or not same_samples(p.exp, got):
                ok = False
    return "pass" if ok else "fail"


# ---------------------------------------------------------------- YAML output

PLAIN_RE = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./-]*$")
YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}


def yscalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v == INF:
            return ".inf"
        if v == -INF:
            return "-.inf"
        if v != v:
            return ".nan"
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    s = str(v)
    if (PLAIN_RE.match(s) and s.lower() not in YAML_WORDS) or re.fullmatch(r"(?:[0-9]+(?:ms|[smhdwy]))+", s):
        return s
    return json.dumps(s)


def yemit(obj, indent=0):
    pad = "  " * indent
    lines = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                if isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v):
                    lines.append("%s%s: [%s]" % (pad, k, ", ".join(yscalar(x) for x in v)))
                else:
                    lines.append("%s%s:" % (pad, k))
                    lines.extend(yemit(v, indent + 1))
            elif isinstance(v, (dict, list)):
                lines.append("%s%s: %s" % (pad, k, "{}" if isinstance(v, dict) else "[]"))
            else:
                lines.append("%s%s: %s" % (pad, k, yscalar(v)))
    else:
        for item in obj:
            if item == {}:
                lines.append("%s- {}" % pad)
                continue
            sub = yemit(item, indent + 1)
            first = sub[0].lstrip()
            lines.append("%s- %s" % (pad, first))
            lines.extend(sub[1:])
    return lines


def rules_yaml(case):
    groups = []
    for g in case.groups:
        gd = {"name": g.name}
        if g.interval:
            gd["interval"] = fmt_dur(g.interval)
        if g.limit:
            gd["limit"] = g.limit
        rules = []
        for r in g.rules:
            rd = {"alert": r.alert} if r.alert else {"record": r.record}
            rd["expr"] = r.expr.text()
            if r.for_s:
                rd["for"] = fmt_dur(r.for_s)
            if r.keep_s:
                rd["keep_firing_for"] = fmt_dur(r.keep_s)
            if r.labels:
                rd["labels"] = {k: (v.go() if isinstance(v, Tpl) else v) for k, v in r.labels.items()}
            if r.annotations:
                rd["annotations"] = {k: v.go() for k, v in r.annotations.items()}
            rules.append(rd)
        gd["rules"] = rules
        groups.append(gd)
    return "\n".join(yemit({"groups": groups})) + "\n"


def test_yaml(case):
    doc = {"rule_files": case.rule_files}
    if case.eval_interval:
        doc["evaluation_interval"] = fmt_dur(case.eval_interval)
    if case.order:
        doc["group_eval_order"] = case.order
    tests = []
    for tg in case.tests:
        td = {}
        if tg.name:
            td["name"] = tg.name
        td["interval"] = fmt_dur(tg.interval)
        if tg.ext:
            td["external_labels"] = tg.ext
        if tg.url:
            td["external_url"] = tg.url
        td["input_series"] = [{"series": s, "values": v} for s, v in tg.series]
        if tg.alerts:
            al = []
            for a in tg.alerts:
                ad = {"eval_time": fmt_dur(a.eval_s), "alertname": a.alertname}
                exps = []
                for labels, ann in a.exp:
                    ed = {}
                    l2 = {k: v for k, v in labels.items() if k != "alertname"}
                    if l2:
                        ed["exp_labels"] = l2
                    if ann:
                        ed["exp_annotations"] = ann
                    exps.append(ed)
                ad["exp_alerts"] = exps
                al.append(ad)
            td["alert_rule_test"] = al
        if tg.promql:
            pl = []
            for p in tg.promql:
                pd = {"expr": p.expr.text(), "eval_time": fmt_dur(p.eval_s)}
                pd["exp_samples"] = [{"labels": labels_text(l), "value": v} for l, v in p.exp]
                pl.append(pd)
            td["promql_expr_test"] = pl
        tests.append(td)
    doc["tests"] = tests
    return "\n".join(yemit(doc)) + "\n"


# ---------------------------------------------------------------- mutations

def alert_items(case):
    return [(tg, a) for tg in case.tests for a in tg.alerts]


def prom_items(case):
    return [(tg, p) for tg in case.tests for p in tg.promql]


def mutate(case, rnd, kinds):
    """Makes one expectation wrong, trying the kinds in random order until
    the model says the case fails. Returns the description of the mistake."""
    kinds = list(kinds)
    rnd.shuffle(kinds)
    for kind in kinds:
        for _ in range(6):
            undo = apply_mutation(case, rnd, kind)
            if undo is None:
                break
            if verdict(case) == "fail":
                return undo[1]
            undo[0]()
    raise AssertionError("no mutation made %s fail" % case.name)


def apply_mutation(case, rnd, kind):
    ai, pi = alert_items(case), prom_items(case)
    if kind in ("drop_label", "label_value", "extra_label", "annotation", "drop_alert", "add_alert",
                "expect_none", "alert_time"):
        cands = [(tg, a) for tg, a in ai if a.exp] if kind not in ("add_alert", "alert_time") else ai
        if not cands:
            return None
        tg, a = rnd.choice(cands)
        old_exp = [(dict(l), dict(n)) for l, n in a.exp]
        old_t = a.eval_s

        def undo():
            a.exp, a.eval_s = old_exp, old_t
        i = rnd.randrange(len(a.exp)) if a.exp else 0
        if kind == "drop_label":
            names = [k for k in a.exp[i][0] if k != "alertname"]
            if not names:
                return None
            n = rnd.choice(names)
            del a.exp[i][0][n]
            return undo, "exp_labels of %s at %s lacks %s" % (a.alertname, fmt_dur(a.eval_s), n)
        if kind == "label_value":
            names = [k for k in a.exp[i][0] if k != "alertname"]
            if not names:
                return None
            n = rnd.choice(names)
            a.exp[i][0][n] = a.exp[i][0][n] + "x"
            return undo, "wrong value of label %s" % n
        if kind == "extra_label":
            a.exp[i][0][rnd.choice(["cluster", "severity", "env"])] = "extra"
            return undo, "exp_labels has a label the alert lacks"
        if kind == "annotation":
            if not a.exp[i][1]:
                return None
            n = rnd.choice(sorted(a.exp[i][1]))
            text = a.exp[i][1][n]
            digits = [j for j, ch in enumerate(text) if ch.isdigit()]
            if digits and rnd.random() < 0.7:
                j = rnd.choice(digits)
                text = text[:j] + str((int(text[j]) + 1) % 10) + text[j + 1:]
            else:
                text = text + " " if rnd.random() < 0.5 else text[:-1] if text else "x"
            a.exp[i][1][n] = text
            return undo, "wrong annotation %s" % n
        if kind == "drop_alert":
            del a.exp[i]
            return undo, "one firing alert missing from exp_alerts"
        if kind == "add_alert":
            base = dict(a.exp[0][0]) if a.exp else {"alertname": a.alertname}
            base["instance"] = "ghost"
            a.exp.append((base, dict(a.exp[0][1]) if a.exp else {}))
            return undo, "exp_alerts lists an alert that does not fire"
        if kind == "expect_none":
            a.exp = []
            return undo, "empty exp_alerts while the alert fires"
        if kind == "alert_time":
            step = (case.eval_interval or 60)
            a.eval_s = max(0, a.eval_s + rnd.choice([-1, 1, -2, 2]) * step)
            return undo, "expectation at the wrong eval_time (%s)" % fmt_dur(a.eval_s)
    if kind in ("value", "sample_label", "drop_sample", "prom_time", "extra_sample"):
        cands = [(tg, p) for tg, p in pi if p.exp] if kind not in ("prom_time", "extra_sample") else pi
        if not cands:
            return None
        tg, p = rnd.choice(cands)
        old_exp = [(dict(l), v) for l, v in p.exp]
        old_t = p.eval_s

        def undo():
            p.exp, p.eval_s = old_exp, old_t
        i = rnd.randrange(len(p.exp)) if p.exp else 0
        if kind == "value":
            l, v = p.exp[i]
            nv = v + rnd.choice([1, -1]) if v == v and v not in (INF, -INF) else 0.0
            p.exp[i] = (l, nv)
            return undo, "value off by one"
        if kind == "sample_label":
            l, v = p.exp[i]
            names = [k for k in l if k != "__name__"]
            if names and rnd.random() < 0.6:
                l = dict(l)
                del l[rnd.choice(names)]
            else:
                l = dict(l, extra="1")
            p.exp[i] = (l, v)
            return undo, "wrong label set in exp_samples"
        if kind == "drop_sample":
            del p.exp[i]
            return undo, "a sample missing from exp_samples"
        if kind == "extra_sample":
            l = dict(p.exp[0][0]) if p.exp else {}
            l["instance"] = "ghost"
            p.exp.append((l, 1.0))
            return undo, "exp_samples has a sample the query does not return"
        if kind == "prom_time":
            step = tg.interval
            p.eval_s = max(0, p.eval_s + rnd.choice([-1, 1, -2, 2, 5]) * step)
            return undo, "expectation at the wrong eval_time (%s)" % fmt_dur(p.eval_s)
    return None


ALERT_MUT = ("drop_label", "label_value", "extra_label", "annotation", "drop_alert", "add_alert",
             "expect_none", "alert_time")
PROM_MUT = ("value", "sample_label", "drop_sample", "prom_time", "extra_sample")


# ---------------------------------------------------------------- families

def notation(rnd, n, lo=0, hi=10, allow_gaps=True):
    """A random series in promtool's notation and n or more steps long."""
    parts, length = [], 0
    while length < n:
        kind = rnd.choice(["const", "up", "down", "single", "gap"] if allow_gaps else ["const", "up", "down", "single"])
        k = rnd.randint(1, 4)
        v = rnd.randint(lo, hi)
        if kind == "const":
            parts.append("%dx%d" % (v, k))
            length += k + 1
        elif kind == "up":
            parts.append("%d+%dx%d" % (v, rnd.randint(1, 3), k))
            length += k + 1
        elif kind == "down":
            parts.append("%d-%dx%d" % (v + 12, rnd.randint(1, 3), k))
            length += k + 1
        elif kind == "single":
            parts.append(str(v))
            length += 1
        else:
            if rnd.random() < 0.5:
                parts.append("_")
                length += 1
            else:
                parts.append("_x%d" % k)
                length += k
    return " ".join(parts)


class Gen:
    def __init__(self):
        self.rnd = random.Random(SEED)
        self.cases = []

    def add(self, case, negative, kinds=None, note=None):
        fill(case)
        if negative:
            what = note or mutate(case, self.rnd, kinds)
            case.desc += "; wrong: " + what
        case.expected = verdict(case)
        assert case.expected == ("fail" if negative else "pass"), (case.name, case.expected)
        self.cases.append(case)

    def add_raw(self, name, category, desc, rules, test, expected, extra=None):
        c = Case(name, category, desc, [], [])
        c.raw_rules, c.raw_test, c.expected = rules, test, expected
        c.extra = extra or {}
        self.cases.append(c)

    # -- alerting rules with thresholds, labels, annotations
    def threshold(self, i, neg):
        rnd = self.rnd
        op, T = rnd.choice([(">", 5), (">=", 6), ("<", 4), ("<=", 3), ("!=", 0)])
        insts = ["web-%d" % k for k in range(1, rnd.randint(2, 4) + 1)]
        job = rnd.choice(["node", "api", "db"])
        series = [(sel_text("node_load", {"job": job, "instance": x}), notation(rnd, 14)) for x in insts]
        sev = rnd.choice(["warning", "critical", "page"])
        rule = Rule(Bin(Sel("node_load", [("job", "=", job)]), op, T), alert="HighLoad",
                    labels={"severity": Tpl(sev), "team": Tpl("sre")},
                    annotations={"summary": Tpl("Instance ", tl("instance"), " of ", tl("job"), " has load ", tv()),
                                 "runbook": Tpl("https://runbooks.example/", tl("job"))})
        times = sorted(rnd.sample(range(0, 14), 4))
        tg = TestGroup(60, series, alerts=[AlertTest(t * 60, "HighLoad") for t in times])
        c = Case("alert-threshold-%d" % i, "alerting", "node_load %s %s over %d series" % (op, T, len(insts)),
                 [Group("load", [rule])], [tg])
        self.add(c, neg, ALERT_MUT)

    # -- `for`: pending before, firing after
    def for_clause(self, i, neg):
        rnd = self.rnd
        f = rnd.choice([1, 2, 3, 5])
        start, dur = rnd.randint(1, 4), rnd.randint(f + 1, f + 5)
        vals = "0x%d 9x%d 0x6" % (start - 1, dur - 1)
        rule = Rule(Bin(Sel("errors_total_ratio"), ">", 1), alert="ErrorsHigh", for_s=f * 60,
                    labels={"severity": Tpl("page")},
                    annotations={"description": Tpl("ratio is ", tv(), " since ", tl("service"))})
        series = [(sel_text("errors_total_ratio", {"service": "checkout"}), vals)]
        fire_at = start + f
        cand = sorted(set([start, fire_at - 1, fire_at, fire_at + 1, start + dur - 1, start + dur + 1]))
        times = [t for t in cand if t >= 0]
        c = Case("alert-for-%d" % i, "for", "for: %dm, condition true from %dm for %dm" % (f, start, dur),
                 [Group("errors", [rule])], [TestGroup(60, series, alerts=[AlertTest(t * 60, "ErrorsHigh") for t in times])])
        if neg:
            fill(c)
            # the classic mistake: expecting the alert as soon as the condition holds
            a = c.tests[0].alerts[0]
            a.exp = [({"alertname": "ErrorsHigh", "service": "checkout", "severity": "page"},
                      {"description": "ratio is 9 since checkout"})]
            self.add(c, True, note="expects firing at %dm while still pending (for: %dm)" % (start, f))
        else:
            self.add(c, False)

    # -- keep_firing_for
    def keep_firing(self, i, neg):
        rnd = self.rnd
        k = rnd.choice([2, 3, 4])
        f = rnd.choice([0, 1])
        on, off, again = rnd.randint(2, 4), rnd.randint(1, k + 2), rnd.randint(0, 2)
        v1, v2 = rnd.choice([50, 75, 99]), rnd.choice([60, 80])
        vals = "0 %dx%d 0x%d" % (v1, on - 1, off - 1)
        if again:
            vals += " %dx%d 0x8" % (v2, again - 1)
        else:
            vals += " 0x8"
        rule = Rule(Bin(Sel("queue_depth"), ">", 10), alert="QueueStuck", for_s=f * 60, keep_s=k * 60,
                    annotations={"value": Tpl("depth ", tv())})
        end = 1 + on + off + again + 8
        times = sorted(rnd.sample(range(1, end), min(6, end - 1)))
        c = Case("alert-keep-firing-%d" % i, "keep_firing_for",
                 "keep_firing_for: %dm, for: %dm; %s" % (k, f, vals),
                 [Group("queues", [rule])],
                 [TestGroup(60, [(sel_text("queue_depth", {"queue": "mail"}), vals)],
                            alerts=[AlertTest(t * 60, "QueueStuck") for t in times])])
        self.add(c, neg, ("expect_none", "alert_time", "annotation", "drop_alert"))

    # -- humanize* and $value formatting
    HUMAN_VALUES = [0, 0.5, 1, 7.25, 999, 1000, 1536, 12345, 1234567, 1048576, 3661, 90061, 86400,
                    0.0012, 0.000123, 1.5, 59, 1600000000, 1e9, 123456.789, 0.1234, 0.99, 2.5e-7,
                    -1500, 1e18, 5e-5, 1e6, 100000, 65.5, 42]

    def humanize_funcs(self, i, neg):
        rnd = self.rnd
        vals = rnd.sample(self.HUMAN_VALUES, 3)
        funcs = [("humanize", humanize), ("humanize1024", humanize1024),
                 ("humanizePercentage", humanize_percentage), ("humanizeDuration", humanize_duration),
                 ("humanizeTimestamp", humanize_timestamp)]
        chosen = rnd.sample(funcs, 3)
        anns = {"raw": Tpl("value=", tv())}
        for name, fn in chosen:
            anns[name.lower()] = Tpl(tfn(name, fn) if rnd.random() < 0.5 else tpipe(name, fn))
        series = [(sel_text("gauge", {"instance": "h%d" % k}), "%sx6" % num_text(v)) for k, v in enumerate(vals)]
        rule = Rule(Sel("gauge"), alert="Gauge", annotations=anns)
        c = Case("template-humanize-%d" % i, "templates", "%s of %s" % (", ".join(n for n, _ in chosen), vals),
                 [Group("g", [rule])], [TestGroup(60, series, alerts=[AlertTest(rnd.randint(0, 5) * 60, "Gauge")])])
        self.add(c, neg, ("annotation",))

    # -- title/toUpper/toLower/reReplaceAll/printf/len/if/with/range
    def string_funcs(self, i, neg):
        rnd = self.rnd
        jobs = ["api-server", "node exporter", "db_main", "cache.redis", "Payments"]
        job = rnd.choice(jobs)
        inst = rnd.choice(["host-01.example.com:9100", "10.0.0.7:8080", "db1:5432"])
        thr = rnd.choice([50.0, 80.0, 90.0])
        value = rnd.choice([42, 85, 95.5, 77.125])
        pieces = {
            "title": Tpl(Piece('{{ title $labels.job }}', lambda c: go_title(c.labels["job"]))),
            "upper": Tpl(Piece('{{ $labels.job | toUpper }}', lambda c: c.labels["job"].upper())),
            "lower": Tpl(Piece('{{ toLower "MiXeD Case" }}', lambda c: "mixed case")),
            "host": Tpl(Piece('{{ reReplaceAll ":[0-9]+$" "" $labels.instance }}',
                              lambda c: re.sub(r":[0-9]+$", "", c.labels["instance"]))),
            "swap": Tpl(Piece('{{ reReplaceAll "^([^:]+):(.*)$" "port ${2} on ${1}" $labels.instance }}',
                              lambda c: re.sub(r"^([^:]+):(.*)$", r"port \2 on \1", c.labels["instance"]))),
            "printf": Tpl(Piece('{{ printf "%.2f%% of %s" $value $labels.job }}',
                                lambda c: "%.2f%% of %s" % (c.value, c.labels["job"]))),
            "printf2": Tpl(Piece('{{ printf "%5.1f|%d|%q" $value 7 "x" }}',
                                 lambda c: '%5.1f|7|"x"' % c.value)),
            "len": Tpl(Piece('{{ len $labels.job }} {{ len $labels }}', lambda c: "%d %d" % (len(c.labels["job"].encode()), len(c.labels)))),
            "ifelse": Tpl(Piece('{{ if gt $value %s }}above{{ else }}below{{ end }}' % repr(thr),
                                lambda c: "above" if c.value > thr else "below")),
            "with": Tpl(Piece('{{ with $labels.owner }}owned by {{ . }}{{ else }}unowned{{ end }}',
                              lambda c: ("owned by " + c.labels["owner"]) if c.labels.get("owner") else "unowned")),
            "range": Tpl(Piece('{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}',
                               lambda c: "".join("%s=%s;" % (k, c.labels[k]) for k in sorted(c.labels)))),
        }
        keys = rnd.sample(sorted(pieces), 4)
        labels = {"job": job, "instance": inst}
        if rnd.random() < 0.5:
            labels["owner"] = rnd.choice(["team-a", "ops"])
        lab = {"severity": Tpl(Piece('{{ if gt $value %s }}critical{{ else }}warning{{ end }}' % repr(thr),
                                     lambda c: "critical" if c.value > thr else "warning"))}
        if rnd.random() < 0.5:
            lab["service"] = Tpl(Piece("{{ $labels.job | title }}", lambda c: go_title(c.labels["job"])))
        rule = Rule(Sel("usage_percent"), alert="Usage", labels=lab, annotations={k: pieces[k] for k in keys})
        series = [(sel_text("usage_percent", labels), "%sx5" % num_text(value))]
        c = Case("template-strings-%d" % i, "templates", "%s on job=%r value=%s" % (", ".join(keys), job, value),
                 [Group("usage", [rule])], [TestGroup(60, series, alerts=[AlertTest(120, "Usage")])])
        self.add(c, neg, ("annotation", "label_value", "drop_label"))

    # -- query with first/value/label
    def query_funcs(self, i, neg):
        rnd = self.rnd
        a, b = rnd.randint(1, 9), rnd.randint(10, 99)
        series = [('capacity{pool="a", zone="z1"}', "%dx8" % a), ('capacity{pool="b", zone="z2"}', "%d+1x8" % b),
                  ('trigger{pool="b"}', "1x8")]
        options = {
            "sum": Tpl(Piece('{{ query "sum(capacity)" | first | value }}',
                             lambda c: go_v(c.query(Agg("sum", Sel("capacity")))[0][1]))),
            "zone": Tpl(Piece('{{ with query "capacity{pool=\\"b\\"}" }}{{ . | first | label "zone" }}{{ end }}',
                              lambda c: "z2")),
            "first": Tpl(Piece('{{ range query "max(capacity)" }}{{ .Value }}{{ end }}',
                               lambda c: go_v(c.query(Agg("max", Sel("capacity")))[0][1]))),
            "hum": Tpl(Piece('{{ query "capacity{pool=\\"b\\"} * 1000" | first | value | humanize }}',
                             lambda c: humanize(c.query(Bin(Sel("capacity", [("pool", "=", "b")]), "*", 1000))[0][1]))),
            "count": Tpl(Piece('{{ query "capacity" | len }} pools', lambda c: "%d pools" % len(c.query(Sel("capacity"))))),
            "missing": Tpl(Piece('{{ with query "nothing_here" }}{{ . | first | value }}{{ else }}none{{ end }}',
                                 lambda c: "none")),
            "pool": Tpl(Piece('{{ with printf "capacity{pool=%q}" $labels.pool | query }}{{ . | first | value }}{{ end }}',
                              lambda c: go_v(c.query(Sel("capacity", [("pool", "=", c.labels["pool"])]))[0][1]))),
        }
        keys = rnd.sample(sorted(options), 3)
        rule = Rule(Sel("trigger"), alert="Capacity", annotations={k: options[k] for k in keys})
        t = rnd.randint(0, 7) * 60
        c = Case("template-query-%d" % i, "templates", "query with %s" % ", ".join(keys),
                 [Group("cap", [rule])], [TestGroup(60, series, alerts=[AlertTest(t, "Capacity")])])
        self.add(c, neg, ("annotation",))

    # -- external_labels, external_url
    def external(self, i, neg):
        rnd = self.rnd
        ext = {"cluster": rnd.choice(["prod-eu", "staging"]), "region": rnd.choice(["eu-west-1", "us-east-2"])}
        url = rnd.choice(["https://prom.example.com", "http://localhost:9090/prometheus"])
        rule = Rule(Bin(Sel("up"), "==", 0), alert="TargetDown",
                    labels={"where": Tpl(Piece("{{ $externalLabels.cluster }}", lambda c: c.ext.get("cluster", "")))},
                    annotations={
                        "summary": Tpl(tl("instance"), " down in ",
                                       Piece("{{ $externalLabels.region }}", lambda c: c.ext.get("region", ""))),
                        "link": Tpl(Piece("{{ $externalURL }}", lambda c: c.url), "/graph?g0.expr=up"),
                        "missing": Tpl("[", Piece("{{ $externalLabels.nope }}", lambda c: c.ext.get("nope", "")), "]")})
        series = [('up{instance="a:80", job="web"}', "1 1 0 0 0 1"), ('up{instance="b:80", job="web"}', "0x5")]
        tg = TestGroup(60, series, alerts=[AlertTest(t * 60, "TargetDown") for t in (1, 3)],
                       ext=ext if rnd.random() < 0.85 else None, url=url if rnd.random() < 0.85 else None)
        c = Case("external-labels-%d" % i, "external", "external_labels %s, external_url %s" % (tg.ext, tg.url),
                 [Group("up", [rule])], [tg])
        if neg and rnd.random() < 0.5 and tg.ext:
            fill(c)
            a = c.tests[0].alerts[1]
            for l, _ in a.exp:
                l["cluster"] = ext["cluster"]
            self.add(c, True, note="expects external labels on the alert's labels")
        else:
            self.add(c, neg, ("annotation", "label_value", "drop_alert"))

    # -- recording rules, and alerts over recorded series
    def recording(self, i, neg):
        rnd = self.rnd
        jobs = ["api", "web"][: rnd.randint(1, 2)]
        series = []
        for j in jobs:
            for k in range(rnd.randint(1, 3)):
                series.append((sel_text("http_requests", {"job": j, "instance": "%s-%d" % (j, k)}),
                               notation(rnd, 12, allow_gaps=rnd.random() < 0.5)))
        rec = "job:http_requests:sum"
        r1 = Rule(Agg("sum", Sel("http_requests"), by=["job"]), record=rec, labels={"source": "recorded"})
        r2 = Rule(Bin(Sel(rec), "*", 2), record="job:http_requests:double")
        thr = rnd.randint(8, 20)
        r3 = Rule(Bin(Sel(rec), ">", thr), alert="TooManyRequests", for_s=rnd.choice([0, 60]),
                  annotations={"summary": Tpl(tl("job"), " at ", tv())})
        times = sorted(rnd.sample(range(0, 16), 3))
        prom = [PromTest(Sel(rec), t * 60) for t in times[:2]] + [PromTest(Sel("job:http_requests:double"), times[2] * 60)]
        if rnd.random() < 0.5:
            prom.append(PromTest(Sel(rec, [("job", "=", jobs[0])]), rnd.randint(0, 15) * 60 + 30))
        c = Case("recording-%d" % i, "recording", "sum by job recorded, doubled, alert on it > %d" % thr,
                 [Group("rec", [r1, r2, r3])],
                 [TestGroup(60, series, alerts=[AlertTest(t * 60, "TooManyRequests") for t in times], promql=prom)])
        self.add(c, neg, PROM_MUT + ("drop_alert", "annotation", "expect_none"))

    # -- absent() and series that end
    def absent(self, i, neg):
        rnd = self.rnd
        n = rnd.randint(2, 6)
        ends = rnd.choice(["end", "stale", "gap"])
        if ends == "end":
            vals = "1x%d" % n
        elif ends == "stale":
            vals = "1x%d stale" % n
        else:
            vals = "1x%d _x%d 1x3" % (n, rnd.randint(6, 8))
        f = rnd.choice([0, 60, 120])
        rule = Rule(Absent(Sel("heartbeat", [("job", "=", "backup")])), alert="BackupMissing", for_s=f,
                    labels={"severity": Tpl("ticket")},
                    annotations={"summary": Tpl("no heartbeat from ", tl("job"), ", value ", tv())})
        times = sorted(set([n + 1, n + 5, n + 6, n + 7, n + 8, n + 9] + [rnd.randint(0, n + 10)]))
        prom = [PromTest(Absent(Sel("heartbeat", [("job", "=", "backup")])), (n + rnd.randint(1, 8)) * 60),
                PromTest(Absent(Sel("heartbeat")), 0)]
        c = Case("absent-%d" % i, "absent", "absent() over a series that %s after %dm, for %s" % (ends, n, fmt_dur(f)),
                 [Group("backup", [rule])],
                 [TestGroup(60, [('heartbeat{job="backup"}', vals)], alerts=[AlertTest(t * 60, "BackupMissing") for t in times],
                            promql=prom)])
        self.add(c, neg, ("alert_time", "expect_none", "label_value", "annotation", "prom_time"))

    # -- input_series notation and staleness, checked with promql_expr_test
    def notation_case(self, i, neg):
        rnd = self.rnd
        interval = rnd.choice([60, 60, 30, 15])
        forms = [
            lambda: "%d+%dx%d" % (rnd.randint(0, 9), rnd.randint(1, 5), rnd.randint(1, 5)),
            lambda: "%d-%dx%d" % (rnd.randint(20, 40), rnd.randint(1, 5), rnd.randint(1, 5)),
            lambda: "%dx%d" % (rnd.randint(0, 9), rnd.randint(0, 5)),
            lambda: "_",
            lambda: "_x%d" % rnd.randint(1, 4),
            lambda: "stale",
            lambda: "%d" % rnd.randint(-5, 50),
            lambda: rnd.choice(["Inf", "-Inf", "1.5", "-2.25", "0.125+0.5x2", "1e3"]),
        ]
        series = []
        for k in range(rnd.randint(1, 3)):
            toks = [forms[rnd.choice([0, 1, 2, 6])]()] + [rnd.choice(forms)() for _ in range(rnd.randint(2, 5))]
            series.append((sel_text("sig", {"k": str(k)}), " ".join(toks)))
        total = max(len(expand_values(v)) for _, v in series)
        horizon = total * interval + 400
        times = sorted(rnd.sample(range(0, int(horizon), 15), 5))
        prom = [PromTest(Sel("sig"), t) for t in times]
        prom.append(PromTest(Agg("count", Sel("sig")), rnd.choice(times)))
        c = Case("notation-%d" % i, "notation", "interval %s: %s" % (fmt_dur(interval), "; ".join(v for _, v in series)),
                 [], [TestGroup(interval, series, promql=prom)])
        self.add(c, neg, ("value", "drop_sample", "extra_sample", "prom_time"))

    # -- rate/increase/resets over counters with resets
    def counters(self, i, neg):
        rnd = self.rnd
        segs = []
        for _ in range(rnd.randint(2, 3)):
            segs.append("%d+%dx%d" % (rnd.randint(0, 5), rnd.choice([1, 2, 5, 10, 30, 60]), rnd.randint(3, 8)))
        vals = " ".join(segs)
        if rnd.random() < 0.3:
            vals += " _ " + "%d+1x3" % rnd.randint(0, 3)
        interval = rnd.choice([60, 30, 15])
        rng = rnd.choice([120, 300, 270, 600])
        total = len(expand_values(vals)) * interval
        sel = Sel("http_requests_total", [("code", "=", "200")])
        rec = Rule(RangeFn("rate", sel, rng), record="code:http_requests:rate%s" % fmt_dur(rng))
        alert = Rule(Bin(RangeFn("increase", sel, rng), ">", rnd.choice([10, 50, 100])), alert="Spike",
                     annotations={"inc": Tpl(tpipe("printf \"%.3f\"", lambda v: "%.3f" % v))})
        times = sorted(rnd.sample(range(interval, total, interval), 3))
        prom = [PromTest(RangeFn(rnd.choice(["rate", "increase"]), sel, rng), t) for t in times]
        prom.append(PromTest(RangeFn("resets", sel, rnd.choice([300, 600, 1200])), rnd.choice(times)))
        prom.append(PromTest(Sel(rec.record), (times[-1] // 60) * 60))
        if rnd.random() < 0.5:
            prom.append(PromTest(RangeFn(rnd.choice(["max_over_time", "min_over_time", "count_over_time", "changes"]),
                                         sel, rng), rnd.choice(times)))
        c = Case("counter-%d" % i, "counters", "rate/increase[%s] of %s at %s" % (fmt_dur(rng), vals, fmt_dur(interval)),
                 [Group("rates", [rec, alert])],
                 [TestGroup(interval, [('http_requests_total{code="200", job="api"}', vals)], promql=prom,
                            alerts=[AlertTest(((times[-1] // 60) * 60), "Spike")])])
        self.add(c, neg, ("value", "prom_time", "drop_sample", "annotation"))

    # -- several groups and group_eval_order
    def group_order(self, i, neg):
        rnd = self.rnd
        g1 = Group("stage1", [Rule(Agg("sum", Sel("jobs_queued")), record="queued:sum")])
        g2 = Group("stage2", [Rule(Bin(Sel("queued:sum"), "*", 10), record="queued:sum:x10")])
        g3 = Group("alerts", [Rule(Bin(Sel("queued:sum:x10"), ">", rnd.choice([30, 50, 80])), alert="Backlog",
                                   annotations={"v": Tpl(tv())})])
        groups = [g1, g2, g3][: rnd.choice([2, 3])]
        names = [g.name for g in groups]
        good = list(names)
        series = [('jobs_queued{queue="q%d"}' % k, "%d+%dx10" % (rnd.randint(0, 3), rnd.randint(1, 4))) for k in range(2)]
        times = sorted(rnd.sample(range(0, 8), 3))
        prom = [PromTest(Sel("queued:sum:x10"), t * 60) for t in times] + [PromTest(Sel("queued:sum"), 0)]
        alerts = [AlertTest(t * 60, "Backlog") for t in times] if len(groups) == 3 else []
        rev = list(reversed(names))
        c = Case("group-order-%d" % i, "groups", "groups %s, group_eval_order %s" % (names, good),
                 list(reversed(groups)) if rnd.random() < 0.5 else groups,
                 [TestGroup(60, series, promql=prom, alerts=alerts)], order=good)
        if neg:
            fill(c)
            c.order = rev
            c.desc = "groups %s, group_eval_order %s (expectations for %s)" % (names, rev, good)
            self.add(c, True, note="expectations assume the opposite evaluation order")
        else:
            if rnd.random() < 0.5:
                c.order = rev
                c.desc = "groups %s, group_eval_order %s: recorded series lag one evaluation" % (names, rev)
            self.add(c, False)

    # -- group interval (ignored by promtool) and limit
    def interval_limit(self, i, neg):
        rnd = self.rnd
        n = rnd.randint(2, 4)
        limit = n - 1 if i in (2, 7) else rnd.choice([n, n + 1, n + 2])
        series = [('disk_used{mount="/m%d"}' % k, "%d+%dx6" % (rnd.randint(60, 95), rnd.randint(0, 2))) for k in range(n)]
        late = rnd.random() < 0.5
        if late:
            series[-1] = (series[-1][0], "_x3 90x4")
        g = Group("disk", [Rule(Bin(Sel("disk_used"), ">", 50), alert="DiskFull", annotations={"m": Tpl(tl("mount"))}),
                           Rule(Bin(Sel("disk_used"), "/", 100), record="disk_used:ratio")],
                  interval=rnd.choice([15, 120, 600]), limit=limit)
        t = rnd.randint(1, 5)
        tg = TestGroup(60, series, alerts=[AlertTest(t * 60, "DiskFull")], promql=[PromTest(Sel("disk_used:ratio"), 60)])
        c = Case("group-interval-limit-%d" % i, "groups",
                 "group interval %s, limit %d, %d series%s" % (fmt_dur(g.interval), limit, n, " (one from 4m)" if late else ""),
                 [g], [tg])
        res = [simulate(c, tgx) for tgx in c.tests]
        if any(r is None for r in res):
            c.tests[0].alerts[0].exp = []
            c.tests[0].promql[0].exp = []
            c.expected = "fail"
            c.desc += "; limit exceeded: rule evaluation error"
            assert verdict(c) == "fail"
            self.cases.append(c)
            return
        self.add(c, neg, ("drop_alert", "value", "alert_time", "annotation"))

    # -- several tests per file
    def multi_tests(self, i, neg):
        rnd = self.rnd
        rules = [Group("svc", [
            Rule(Bin(Sel("latency_seconds"), ">", 0.5), alert="SlowService", for_s=60,
                 labels={"severity": Tpl("warning")},
                 annotations={"d": Tpl(tl("service"), " p99 ", tpipe("humanizeDuration", humanize_duration))}),
            Rule(Agg("max", Sel("latency_seconds"), by=["service"]), record="service:latency:max")])]
        tests = []
        for k in range(rnd.randint(2, 4)):
            vals = rnd.choice(["0.1x3 0.75x5", "0.9x8", "0.2+0.1x8", "1.5 0.1 1.5x5", "0.05x8"])
            svc = rnd.choice(["cart", "auth", "search"])
            tests.append(TestGroup(60, [(sel_text("latency_seconds", {"service": svc}), vals)],
                                   alerts=[AlertTest(rnd.randint(2, 8) * 60, "SlowService")],
                                   promql=[PromTest(Sel("service:latency:max"), rnd.randint(0, 8) * 60)],
                                   name="test %d" % k if rnd.random() < 0.5 else None))
        c = Case("multi-tests-%d" % i, "tests", "%d test groups in one file" % len(tests), rules, tests)
        self.add(c, neg, ALERT_MUT + PROM_MUT)

    # -- the ALERTS and ALERTS_FOR_STATE series
    def alerts_series(self, i, neg):
        rnd = self.rnd
        f = rnd.choice([60, 120, 180])
        rule = Rule(Bin(Sel("temp_celsius"), ">", 70), alert="Hot", for_s=f, labels={"severity": Tpl("critical")})
        vals = "60 75x%d 65x3" % rnd.randint(2, 6)
        times = sorted(rnd.sample(range(0, 11), 3))
        prom = [PromTest(Sel("ALERTS", [("alertname", "=", "Hot")]), t * 60) for t in times]
        prom.append(PromTest(Sel("ALERTS_FOR_STATE"), rnd.choice(times) * 60))
        prom.append(PromTest(Sel("ALERTS", [("alertstate", "=", "firing")]), times[-1] * 60))
        c = Case("alerts-series-%d" % i, "alerting", "ALERTS{alertstate} with for: %s over %s" % (fmt_dur(f), vals),
                 [Group("temp", [rule])],
                 [TestGroup(60, [('temp_celsius{room="r1"}', vals)], promql=prom,
                            alerts=[AlertTest(times[-1] * 60, "Hot")])])
        if neg:
            fill(c)
            flipped = False
            for p in c.tests[0].promql:
                for j, (l, v) in enumerate(p.exp):
                    if l.get("alertstate") in ("pending", "firing") and not flipped:
                        l["alertstate"] = "firing" if l["alertstate"] == "pending" else "pending"
                        flipped = True
            if flipped:
                self.add(c, True, note="wrong alertstate in ALERTS")
            else:
                self.add(c, True, PROM_MUT)
        else:
            self.add(c, False)

    # -- evaluation_interval, series interval and eval_time off the grid
    def eval_interval(self, i, neg):
        rnd = self.rnd
        ev = rnd.choice([30, 60, 120, 300])
        si = rnd.choice([15, 30, 60])
        f = rnd.choice([0, 60, 120, 150, 300])
        rule = Rule(Bin(Sel("cpu"), ">", 0.8), alert="CPU", for_s=f, annotations={"v": Tpl(tv())})
        vals = "0.5x%d 0.9x%d 0.85x%d 0.1x10" % (rnd.randint(1, 8), rnd.randint(4, 30), rnd.randint(0, 10))
        total = len(expand_values(vals)) * si
        times = sorted(rnd.sample(range(0, total, 15), 5))
        c = Case("eval-interval-%d" % i, "timing",
                 "evaluation_interval %s, series interval %s, for %s" % (fmt_dur(ev), fmt_dur(si), fmt_dur(f)),
                 [Group("cpu", [rule])],
                 [TestGroup(si, [('cpu{core="0"}', vals)], alerts=[AlertTest(t, "CPU") for t in times],
                            promql=[PromTest(Sel("cpu"), times[2] + 7)])], eval_interval=ev)
        self.add(c, neg, ("alert_time", "expect_none", "annotation", "value"))

    # -- Inf, NaN, and the same alert name in two groups
    def specials(self, i, neg):
        rnd = self.rnd
        vals = rnd.choice(["1 Inf 5 NaN 200 -Inf 150", "NaN NaN NaN 200", "Inf Inf Inf NaN NaN", "300 NaN 300"])
        rules = [Group("a", [Rule(Bin(Sel("weird"), ">", 100), alert="Weird", annotations={"v": Tpl(tv()), "h": Tpl(tfn("humanize", humanize))})]),
                 Group("b", [Rule(Bin(Sel("weird"), "<", 0), alert="Weird", labels={"side": Tpl("low")}),
                             Rule(Agg("count", Sel("weird")), record="weird:count")])]
        n = len(expand_values(vals))
        times = sorted(rnd.sample(range(0, n), min(3, n)))
        prom = [PromTest(Sel("weird:count"), t * 60) for t in times[:1]] + [PromTest(Bin(Sel("weird"), ">", 100), t * 60) for t in times]
        c = Case("inf-nan-%d" % i, "values", "values %s; Weird defined in two groups" % vals, rules,
                 [TestGroup(60, [('weird{id="1"}', vals)], alerts=[AlertTest(t * 60, "Weird") for t in times], promql=prom)],
                 order=["a", "b"])
        self.add(c, neg, ("annotation", "expect_none", "value", "drop_alert", "extra_sample"))

    def oddities(self):
        """Hand-made cases for corners of promtool 2.42."""
        # NaN never equals NaN in exp_samples (reflect.DeepEqual on float64).
        c = Case("special-nan-expectation", "values", "exp_samples value .nan for a NaN sample: never equal",
                 [], [TestGroup(60, [("v", "1 NaN")], promql=[PromTest(Sel("v"), 60)])])
        fill(c)
        c.expected = "fail"
        self.cases.append(c)
        # A label template that renders empty drops the label.
        c = Case("special-empty-label", "templates", "a label template that renders empty is dropped",
                 [Group("g", [Rule(Sel("m"), alert="E", labels={"team": Tpl(tl("owner")), "x": Tpl("y")})])],
                 [TestGroup(60, [('m{id="1"}', "1x3")], alerts=[AlertTest(60, "E")])])
        self.add(c, False)
        c = Case("special-empty-label-expected", "templates", "exp_labels keeps a label the alert dropped",
                 [Group("g", [Rule(Sel("m"), alert="E", labels={"team": Tpl(tl("owner")), "x": Tpl("y")})])],
                 [TestGroup(60, [('m{id="1"}', "1x3")], alerts=[AlertTest(60, "E", [({"alertname": "E", "id": "1", "team": "", "x": "y"}, {})])])])
        c.expected = "fail"
        self.cases.append(c)
        # An alertname no rule defines, expected to be silent.
        c = Case("special-unknown-alertname", "alerting", "alert_rule_test for an alert no rule defines, empty exp_alerts",
                 [Group("g", [Rule(Sel("m"), alert="Real")])],
                 [TestGroup(60, [('m', "1x3")], alerts=[AlertTest(60, "Imaginary", [])])])
        self.add(c, False)
        # A pending alert is not listed; an alert that resolved is not either.
        c = Case("special-pending-only", "for", "alert pending for the whole test: exp_alerts empty",
                 [Group("g", [Rule(Bin(Sel("m"), ">", 0), alert="Slow", for_s=3600)])],
                 [TestGroup(60, [('m', "1x30")], alerts=[AlertTest(t, "Slow", []) for t in (0, 600, 1800)])])
        self.add(c, False)
        # Empty exp_alerts at every time while the alert fires at one.
        c = Case("special-empty-exp-wrong", "alerting", "exp_alerts empty at 3m, but the alert fires then",
                 [Group("g", [Rule(Bin(Sel("m"), ">", 5), alert="Blip")])],
                 [TestGroup(60, [('m', "0 0 0 9 0")], alerts=[AlertTest(t, "Blip", []) for t in (60, 180, 240)])])
        c.expected = verdict(c)
        assert c.expected == "fail"
        self.cases.append(c)
        # A rule evaluation error (many-to-many matching) fails the file.
        c = Case("special-eval-error", "errors", "a vector/vector rule with duplicate series on the right: evaluation error",
                 [Group("g", [Rule(VBin(Sel("a"), "/", Agg("sum", Sel("b"), by=["x"])), record="ratio"),
                              Rule(VBin(Sel("a"), "/", Sel("b"), on=["x"]), record="bad")])],
                 [TestGroup(60, [('a{x="1"}', "1x3"), ('b{x="1", y="p"}', "2x3"), ('b{x="1", y="q"}', "2x3")],
                            promql=[PromTest(Sel("ratio"), 60, [({"__name__": "ratio", "x": "1"}, 0.25)])])])
        c.expected = verdict(c)
        assert c.expected == "fail"
        self.cases.append(c)
        c = Case("special-vector-match", "recording", "vector/vector division, one-to-one",
                 [Group("g", [Rule(VBin(Sel("errs"), "/", Sel("reqs")), record="err:ratio")])],
                 [TestGroup(60, [('errs{svc="a"}', "0+1x5"), ('reqs{svc="a"}', "4+4x5"), ('errs{svc="b"}', "1x5"), ('reqs{svc="b"}', "8x5")],
                            promql=[PromTest(Sel("err:ratio"), t) for t in (0, 120, 300)])])
        self.add(c, False)

        # Input samples after the last rule evaluation are never loaded.
        for name, exp, ok in (("special-lazy-loading", 1.0, True), ("special-lazy-loading-naive", 5.0, False)):
            c = Case(name, "timing", "evaluation_interval 5m, promql_expr_test at 4m sees only the samples up to "
                     "the last evaluation (0s)" + ("" if ok else "; wrong: expects the 4m sample"),
                     [], [TestGroup(60, [("x", "1+1x8")], promql=[PromTest(Sel("x"), 240, [({"__name__": "x"}, exp)])])],
                     eval_interval=300)
            c.expected = verdict(c)
            assert c.expected == ("pass" if ok else "fail"), name
            self.cases.append(c)
        c = Case("special-offgrid-eval-time", "timing", "alert eval_time 1m30s is checked against the 1m evaluation",
                 [Group("g", [Rule(Bin(Sel("m"), ">", 0), alert="A", annotations={"v": Tpl(tv())})])],
                 [TestGroup(30, [("m", "0 0 0 5 6 7")], alerts=[AlertTest(90, "A"), AlertTest(119, "A"), AlertTest(150, "A")],
                            promql=[PromTest(Sel("m"), 90), PromTest(TimeFn(), 95), PromTest(VectorLit(3), 0)])])
        self.add(c, False)
        c = Case("special-scalar-results", "values", "scalar results compare as a sample with no labels",
                 [], [TestGroup(60, [("m", "1 2 3")], promql=[PromTest(TimeFn(), 125), PromTest(Agg("sum", Sel("m")), 60)])])
        self.add(c, False)

    def bad_files(self):
        good_rules = ("groups:\n- name: g\n  rules:\n  - alert: Up\n    expr: up == 1\n"
                      "    annotations:\n      summary: \"{{ $labels.instance }} is up\"\n")
        good_test = ("rule_files: [rules.yml]\ntests:\n- interval: 1m\n  input_series:\n"
                     "  - series: 'up{instance=\"a\"}'\n    values: '1x5'\n  alert_rule_test:\n"
                     "  - eval_time: 2m\n    alertname: Up\n    exp_alerts:\n    - exp_labels: {instance: a}\n"
                     "      exp_annotations: {summary: a is up}\n")
        B = "bad"
        self.add_raw("bad-baseline", "files", "the unmodified file that the bad-* cases break", good_rules, good_test, "pass")
        self.add_raw("bad-yaml-test", B, "test.yml: unbalanced flow mapping",
                     good_rules, good_test.replace("{instance: a}", "{instance: a"), "fail")
        self.add_raw("bad-yaml-rules", B, "rules.yml: tab indentation",
                     good_rules.replace("  - alert", "\t- alert"), good_test, "fail")
        self.add_raw("bad-unknown-field-test", B, "test.yml: unknown top-level field",
                     good_rules, "evaluation_intervals: 1m\n" + good_test, "fail")
        self.add_raw("bad-unknown-field-testgroup", B, "test.yml: input_serie instead of input_series",
                     good_rules, good_test.replace("input_series", "input_serie"), "fail")
        self.add_raw("bad-unknown-field-alert-test", B, "test.yml: exp_alert instead of exp_alerts",
                     good_rules, good_test.replace("exp_alerts", "exp_alert"), "fail")
        self.add_raw("bad-unknown-field-rule", B, "rules.yml: annotation instead of annotations",
                     good_rules.replace("annotations", "annotation"), good_test, "fail")
        self.add_raw("bad-promql-alert", B, "rules.yml: alert expr does not parse",
                     good_rules.replace("up == 1", "rate(up[5m]"), good_test, "fail")
        self.add_raw("bad-promql-record", B, "rules.yml: recording rule expr does not parse",
                     good_rules + "  - record: r\n    expr: sum by (job (up)\n", good_test, "fail")
        self.add_raw("bad-template-function", B, "rules.yml: annotation uses an unknown template function",
                     good_rules.replace("{{ $labels.instance }}", "{{ humanise $value }}"), good_test, "fail")
        self.add_raw("bad-template-function-label", B, "rules.yml: label template uses an unknown function",
                     good_rules + "    labels:\n      team: \"{{ lookupTeam $labels.instance }}\"\n", good_test, "fail")
        self.add_raw("bad-template-syntax", B, "rules.yml: {{ if }} without {{ end }}",
                     good_rules.replace("{{ $labels.instance }}", "{{ if $labels.instance }}{{ $labels.instance }}"), good_test, "fail")
        self.add_raw("bad-series-values", B, "test.yml: a word in input_series values",
                     good_rules, good_test.replace("'1x5'", "'1 2 three'"), "fail")
        self.add_raw("bad-series-nan-repeat", B, "test.yml: NaNx3 (Inf/NaN cannot be repeated with xN in 2.42)",
                     good_rules, good_test.replace("'1x5'", "'1x2 NaNx3'"), "fail")
        self.add_raw("bad-series-selector", B, "test.yml: input_series selector does not parse",
                     good_rules, good_test.replace("up{instance=\"a\"}", "up{instance=}"), "fail")
        self.add_raw("bad-exp-samples-labels", B, "test.yml: exp_samples labels do not parse",
                     good_rules, good_test + "  promql_expr_test:\n  - expr: up\n    eval_time: 1m\n"
                     "    exp_samples:\n    - labels: 'up{instance=\"a\"'\n      value: 1\n", "fail")
        self.add_raw("bad-promql-test-expr", B, "test.yml: promql_expr_test expr does not parse",
                     good_rules, good_test + "  promql_expr_test:\n  - expr: 'sum(up'\n    eval_time: 1m\n"
                     "    exp_samples: []\n", "fail")
        self.add_raw("bad-promql-test-matrix", B, "test.yml: promql_expr_test expr is a range vector",
                     good_rules, good_test + "  promql_expr_test:\n  - expr: 'up[5m]'\n    eval_time: 1m\n"
                     "    exp_samples: []\n", "fail")
        self.add_raw("bad-missing-alertname", B, "test.yml: alert_rule_test item without alertname",
                     good_rules, good_test.replace("    alertname: Up\n", ""), "fail")
        self.add_raw("bad-duplicate-group", B, "rules.yml: two groups with the same name",
                     good_rules + good_rules.replace("groups:\n", ""), good_test, "fail")
        self.add_raw("bad-record-name", B, "rules.yml: invalid recorded metric name",
                     good_rules + "  - record: 'bad-name'\n    expr: up\n", good_test, "fail")
        self.add_raw("bad-duration", B, "rules.yml: for: 5x",
                     good_rules.replace("    expr: up == 1\n", "    expr: up == 1\n    for: 5x\n"), good_test, "fail")
        self.add_raw("bad-eval-time", B, "test.yml: eval_time 2q",
                     good_rules, good_test.replace("eval_time: 2m", "eval_time: 2q"), "fail")
        self.add_raw("bad-group-eval-order-repeated", B, "test.yml: group named twice in group_eval_order",
                     good_rules, "group_eval_order: [g, g]\n" + good_test, "fail")
        self.add_raw("bad-missing-rule-file", B, "rule_files names a file that does not exist, an alert is expected",
                     None, good_test.replace("[rules.yml]", "[missing.yml]"), "fail")
        self.add_raw("bad-missing-rule-file-silent", "files",
                     "rule_files names a file that does not exist; only a WARNING, and nothing is expected, so it passes",
                     None, good_test.replace("[rules.yml]", "[missing.yml]").replace(
                         "    exp_alerts:\n    - exp_labels: {instance: a}\n      exp_annotations: {summary: a is up}\n",
                         "    exp_alerts: []\n"), "pass")
        self.add_raw("bad-rule-files-glob", "files", "rule_files as a glob matching the rule file",
                     good_rules, good_test.replace("[rules.yml]", "['rule*.yml']"), "pass")

    def build(self):
        families = [self.threshold, self.for_clause, self.keep_firing, self.humanize_funcs, self.string_funcs,
                    self.query_funcs, self.external, self.recording, self.absent, self.notation_case,
                    self.counters, self.group_order, self.interval_limit, self.multi_tests, self.alerts_series,
                    self.eval_interval, self.specials]
        per = 10
        for fam in families:
            for k in range(per):
                fam(k, k % 2 == 1)
        self.oddities()
        self.bad_files()
        return self.cases


# ---------------------------------------------------------------- main

def write(cases, out):
    if os.path.isdir(out):
        for e in os.listdir(out):
            p = os.path.join(out, e)
            if os.path.isdir(p) and re.match(r"^\d{3}-", e):
                shutil.rmtree(p)
    os.makedirs(out, exist_ok=True)
    manifest = []
    for n, c in enumerate(cases):
        name = "%03d-%s" % (n, c.name)
        d = os.path.join(out, name)
        os.makedirs(d)
        rules = c.raw_rules if c.raw_test is not None else rules_yaml(c)
        test = c.raw_test if c.raw_test is not None else test_yaml(c)
        if rules is not None:
            with open(os.path.join(d, "rules.yml"), "w") as f:
                f.write(rules)
        with open(os.path.join(d, "test.yml"), "w") as f:
            f.write(test)
        with open(os.path.join(d, "expected"), "w") as f:
            f.write(c.expected + "\n")
        manifest.append("%s\t%s\t%s\t%s" % (name, c.expected, c.category, c.desc.replace("\t", " ")))
    with open(os.path.join(out, "manifest.tsv"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    return manifest


def check(out, manifest):
    promtool = shutil.which("promtool")
    if not promtool:
        print("promtool is not installed", file=sys.stderr)
        return 1
    bad = 0
    split = {"pass": 0, "fail": 0}
    for line in manifest:
        name, expected = line.split("\t")[:2]
        d = os.path.join(out, name)
        p = subprocess.run([promtool, "test", "rules", "test.yml"], cwd=d, capture_output=True, text=True)
        got = "pass" if p.returncode == 0 else "fail"
        split[got] += 1
        if got != expected:
            bad += 1
            print("MISMATCH %s: model says %s, promtool %s\n%s%s" % (name, expected, got, p.stdout, p.stderr))
    print("promtool: %d passed, %d failed; %d disagree with the model" % (split["pass"], split["fail"], bad))
    return 1 if bad else 0


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    random.seed(SEED)   # labels_text's choice of notation
    cases = Gen().build()
    manifest = write(cases, argv[1])
    n_pass = sum(1 for c in cases if c.expected == "pass")
    print("%d cases: %d expected to pass, %d to fail (%d with bad files)" % (
        len(cases), n_pass, len(cases) - n_pass, sum(1 for c in cases if c.category == "bad")))
    if "--check" in argv[2:]:
        return check(argv[1], manifest)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
