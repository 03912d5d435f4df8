#!/usr/bin/env python3
"""Routing corpus: Alertmanager configurations and label sets to route.

    gen_routes.py DIR            write the corpus (deterministic, well under a second)
    gen_routes.py DIR --check    ... and confirm every prediction with amtool

Writes DIR/NNN-name/alertmanager.yml and DIR/NNN-name/cases.tsv, one line
per alert: the receivers `amtool config routes test` should print
(comma-separated), a tab, then the alert's labels as `name=value`
arguments separated by spaces. A configuration Alertmanager refuses has
no cases.tsv but a file `error` saying what is wrong with it; both tools
must then fail. DIR/manifest.tsv lists every case (name, kind,
description).

The route trees are random but seeded: nesting up to four levels,
`continue`, inherited receivers, group_by (`...` included), timers, and
matchers in every spelling Alertmanager 0.25 reads: `match`, `match_re`
and `matchers` with all four operators, quoted and unquoted values, several
matchers in one item, braces, spaces and trailing commas. Most label sets
are built to reach a chosen route; some are random; some reach nothing
but the root. Predictions come from a small model of Alertmanager's
Route.Match below (regexes are kept to the syntax on which Python's re
and Go's RE2 agree), not from amtool.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys

SEED = 20250
VALID_CONFIGS = 66
CASES_PER_CONFIG = 24

VOCAB = {
    "alertname": ["DiskFull", "HighLatency", "NodeDown", "GpuHot", "OOMKilled", "Watchdog"],
    "severity": ["critical", "warning", "info", "page"],
    "team": ["db", "web", "infra", "ml", "sre"],
    "service": ["api", "api-v2", "postgres", "redis", "trainer", "web-1", "web-12"],
    "env": ["prod", "staging", "dev", "prod-eu", "prod-us"],
    "cluster": ["a1", "b2", "gpu-east", "gpu-west"],
    "region": ["eu-west-1", "us-east-1", "ap-south-1"],
    "tier": ["frontend", "backend", "batch"],
}
# Values no matcher is written for: case differences, prefixes, odd characters.
ODD_VALUES = ["Prod", "PROD", "api-", "web-", "web-123", "a,b", "x=y", "50%", "é", "prod\\eu"]
NOISE_NAMES = ["instance", "job", "owner", "zone"]


# --- the model -------------------------------------------------------------

def matcher_holds(matcher, labels):
    name, op, value = matcher
    got = labels.get(name, "")
    if op == "=":
        return got == value
    if op == "!=":
        return got != value
    hit = re.fullmatch(value, got) is not None
    return hit if op == "=~" else not hit


class Route:
    def __init__(self, parent):
        self.parent = parent
        self.receiver = None        # as written; None inherits
        self.match = {}             # match: (name -> value)
        self.match_re = {}          # match_re: (name -> regex)
        self.matcher_items = []     # matchers: the strings as written
        self.matchers = []          # every matcher as (name, op, value)
        self.cont = False
        self.group_by = None
        self.timers = {}
        self.mute = []
        self.active = []
        self.routes = []

    def effective_receiver(self):
        return self.receiver if self.receiver else self.parent.effective_receiver()

    def path_matchers(self):
        own = list(self.matchers)
        return own + (self.parent.path_matchers() if self.parent else [])

    def match_routes(self, labels):
        """Alertmanager's Route.Match."""
        if not all(matcher_holds(m, labels) for m in self.matchers):
            return []
        found = []
        for child in self.routes:
            matched = child.match_routes(labels)
            found += matched
            if matched and not child.cont:
                break
        return found or [self]

    def walk(self):
        yield self
        for child in self.routes:
            yield from child.walk()


# --- writing matchers ------------------------------------------------------

def quoted(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def matcher_text(rng, matcher):
    name, op, value = matcher
    bare_ok = re.fullmatch(r"[A-Za-z0-9_.|*+()\[\]-]*", value) is not None and not value.startswith('"')
    text_value = value if bare_ok and rng.random() < 0.4 else quoted(value)
    space = " " if rng.random() < 0.2 else ""
    return f"{name}{space}{op}{space}{text_value}"


def write_matcher_items(rng, matchers):
    """The `matchers:` items for a list of matchers: mostly one per item,
    sometimes several in one, with braces or a trailing comma."""
    items = []
    i = 0
    while i < len(matchers):
        take = 1 if rng.random() < 0.65 else min(len(matchers) - i, rng.randint(2, 3))
        parts = [matcher_text(rng, m) for m in matchers[i:i + take]]
        sep = rng.choice([",", ", ", " , "])
        text = sep.join(parts)
        style = rng.random()
        if style < 0.2:
            text = "{" + text + "}"
        elif style < 0.3:
            text += ","
        items.append(text)
        i += take
    return items


# --- random configurations -------------------------------------------------

def random_regex(rng, name):
    values = VOCAB[name]
    kind = rng.randrange(7)
    if kind == 0:
        return "|".join(rng.sample(values, rng.randint(2, min(3, len(values)))))
    if kind == 1:
        v = rng.choice(values)
        return v[: max(1, len(v) // 2)] + ".*"
    if kind == 2:
        return "(" + "|".join(rng.sample(values, 2)) + ")"
    if kind == 3:
        return rng.choice(["web-[0-9]+", "[a-z]+", "prod(-eu|-us)?", "gpu-.+", "[a-c][0-9]", ".+", "api(-v[0-9])?"])
    if kind == 4:
        return rng.choice(values)
    if kind == 5:
        return ".*" + rng.choice(values)[-2:]
    return rng.choice(["", ".*", "x|"])


def random_matcher(rng, name):
    op = rng.choice(["=", "=", "=~", "=~", "!=", "!~"])
    if op in ("=", "!="):
        value = rng.choice(VOCAB[name] + ([""] if rng.random() < 0.1 else []))
    else:
        value = random_regex(rng, name)
    return (name, op, value)


def random_route(rng, parent, depth, receivers, intervals):
    route = Route(parent)
    if rng.random() < 0.7:
        route.receiver = rng.choice(receivers)
    names = rng.sample(sorted(VOCAB), rng.randint(1, 3))
    style = rng.random()
    for name in names:
        if style < 0.25:
            # The older maps: match for equality, match_re for regexes.
            if rng.random() < 0.5 and name not in route.match:
                route.match[name] = rng.choice(VOCAB[name])
                route.matchers.append((name, "=", route.match[name]))
            else:
                pattern = random_regex(rng, name)
                route.match_re[name] = pattern
                route.matchers.append((name, "=~", pattern))
        else:
            route.matchers.append(random_matcher(rng, name))
    if style >= 0.25:
        route.matcher_items = write_matcher_items(rng, route.matchers)
    elif style < 0.05:
        # Both spellings on one route.
        extra = random_matcher(rng, rng.choice(sorted(VOCAB)))
        route.matchers.append(extra)
        route.matcher_items = write_matcher_items(rng, [extra])
    route.cont = rng.random() < 0.3
    choice = rng.random()
    if choice < 0.15:
        route.group_by = ["..."]
    elif choice < 0.45:
        route.group_by = rng.sample(sorted(VOCAB), rng.randint(1, 3))
    elif choice < 0.5:
        route.group_by = []
    for key, values in (("group_wait", ["0s", "10s", "1m"]), ("group_interval", ["1m", "10m"]),
                        ("repeat_interval", ["1h", "12h", "1h30m", "3d"])):
        if rng.random() < 0.15:
            route.timers[key] = rng.choice(values)
    if intervals and rng.random() < 0.15:
        route.mute = rng.sample(intervals, 1)
    if intervals and rng.random() < 0.1:
        route.active = rng.sample(intervals, 1)
    if depth < 4 and rng.random() < 0.55 - 0.1 * depth:
        for _ in range(rng.randint(1, 4 if depth < 2 else 2)):
            route.routes.append(random_route(rng, route, depth + 1, receivers, intervals))
    return route


def random_config(rng):
    receivers = [f"team-{n}" for n in rng.sample(["db", "web", "infra", "ml", "sre", "oncall", "email", "slack"],
                                                 rng.randint(2, 6))]
    intervals = ["weekends", "office-hours"] if rng.random() < 0.4 else []
    root = Route(None)
    root.receiver = "default"
    if rng.random() < 0.6:
        root.group_by = rng.choice([["alertname"], ["alertname", "cluster"], ["..."]])
    for _ in range(rng.randint(1, 6)):
        root.routes.append(random_route(rng, root, 1, receivers, intervals))
    return root, ["default"] + receivers, intervals


# --- YAML -----------------------------------------------------------------

def s(text):
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def single(text):
    return "'" + text.replace("'", "''") + "'"


def route_yaml(route, indent):
    pad = " " * indent
    lines = []
    if route.receiver:
        lines.append(f"receiver: {s(route.receiver)}")
    if route.group_by is not None:
        lines.append("group_by: [" + ", ".join(single(g) for g in route.group_by) + "]")
    if route.match:
        lines.append("match:")
        lines += [f"  {k}: {s(v)}" for k, v in route.match.items()]
    if route.match_re:
        lines.append("match_re:")
        lines += [f"  {k}: {s(v)}" for k, v in route.match_re.items()]
    if route.matcher_items:
        lines.append("matchers:")
        lines += [f"  - {single(item)}" for item in route.matcher_items]
    if route.cont:
        lines.append("continue: true")
    for key, value in route.timers.items():
        lines.append(f"{key}: {value}")
    if route.mute:
        lines.append("mute_time_intervals: [" + ", ".join(route.mute) + "]")
    if route.active:
        lines.append("active_time_intervals: [" + ", ".join(route.active) + "]")
    if route.routes:
        lines.append("routes:")
        for child in route.routes:
            child_lines = route_yaml(child, 0)
            lines.append("  - " + child_lines[0])
            lines += ["    " + line for line in child_lines[1:]]
    return [pad + line for line in lines]


def config_yaml(rng, root, receivers, intervals):
    out = []
    if rng.random() < 0.5:
        out += ["global:", "  resolve_timeout: " + rng.choice(["1m", "5m", "90s"]),
                "  smtp_smarthost: 'mail.example.com:587'", "  smtp_from: 'alerts@example.com'",
                "  slack_api_url: 'https://hooks.slack.com/services/T0/B0/X'"]
        uses_globals = True
    else:
        uses_globals = False
    if rng.random() < 0.2:
        out += ["templates:", "  - 'templates/*.tmpl'"]
    out.append("route:")
    out += route_yaml(root, 2)
    out.append("receivers:")
    for name in receivers:
        out.append(f"  - name: {s(name)}")
        kind = rng.random()
        if kind < 0.4:
            out += ["    webhook_configs:", f"      - url: 'http://127.0.0.1:9/{name}'", "        send_resolved: true"]
        elif kind < 0.55 and uses_globals:
            out += ["    email_configs:", "      - to: 'oncall@example.com'"]
        elif kind < 0.65 and uses_globals:
            out += ["    slack_configs:", "      - channel: '#alerts'"]
        elif kind < 0.75:
            out += ["    pagerduty_configs:", "      - routing_key: 'abc123'"]
    if rng.random() < 0.5:
        out += ["inhibit_rules:",
                "  - source_matchers: ['severity=\"critical\"']",
                "    target_matchers: ['severity=~\"warning|info\"']",
                "    equal: [alertname, cluster]",
                "  - source_match: {alertname: NodeDown}",
                "    target_match_re: {alertname: '.+'}",
                "    equal: ['cluster']"]
    if intervals:
        out += ["time_intervals:",
                "  - name: weekends",
                "    time_intervals:",
                "      - weekdays: ['saturday', 'sunday']",
                "mute_time_intervals:",
                "  - name: office-hours",
                "    time_intervals:",
                "      - times: [{start_time: '09:00', end_time: '17:30'}]",
                "        weekdays: ['monday:friday']",
                "        location: 'Europe/Berlin'"]
    return "\n".join(out) + "\n"


# --- label sets -----------------------------------------------------------

def candidates(name):
    return VOCAB.get(name, []) + ODD_VALUES + [None]


def labels_for(rng, target):
    """Labels that satisfy every matcher from the root to `target` where
    some value can (conflicting matchers on one path may make it impossible)."""
    labels = {}
    path = target.path_matchers()
    for name in sorted({m[0] for m in path}):
        on_name = [m for m in path if m[0] == name]
        fits = [v for v in candidates(name) if all(matcher_holds(m, {name: v} if v is not None else {}) for m in on_name)]
        value = rng.choice(fits) if fits else rng.choice(candidates(name))
        if value is not None:
            labels[name] = value
    add_noise(rng, labels)
    return labels


def add_noise(rng, labels):
    if "alertname" not in labels and rng.random() < 0.8:
        labels["alertname"] = rng.choice(VOCAB["alertname"])
    for name in rng.sample(NOISE_NAMES, rng.randint(0, 2)):
        labels[name] = rng.choice(["node-1", "10.0.0.7:9100", "x"])


def random_labels(rng):
    labels = {}
    for name in rng.sample(sorted(VOCAB), rng.randint(0, 5)):
        labels[name] = rng.choice(candidates(name)[:-1])
    add_noise(rng, labels)
    return labels


def root_only_labels(rng, root):
    for _ in range(200):
        labels = {}
        add_noise(rng, labels)
        for name in rng.sample(sorted(VOCAB), rng.randint(0, 2)):
            labels[name] = rng.choice(ODD_VALUES)
        if root.match_routes(labels) == [root]:
            return labels
    return None


def argv(labels):
    return " ".join(f"{k}={v}" for k, v in sorted(labels.items()))


def label_sets(rng, root):
    routes = list(root.walk())[1:] or [root]
    sets = []
    while len(sets) < CASES_PER_CONFIG - 8:
        labels = labels_for(rng, rng.choice(routes))
        if rng.random() < 0.3:
            # Aim at two routes at once, for alerts that `continue` sends to several.
            for name, value in labels_for(rng, rng.choice(routes)).items():
                labels.setdefault(name, value)
        sets.append(labels)
    for _ in range(4):
        sets.append(random_labels(rng))
    for _ in range(4):
        only_root = root_only_labels(rng, root)
        sets.append(only_root if only_root is not None else random_labels(rng))
    return sets


# --- configurations Alertmanager refuses ----------------------------------

BAD = [
    ("undefined-receiver", "a route names a receiver that is not defined",
     "route:\n  receiver: a\n  routes:\n    - receiver: nobody\n      matchers: [x=y]\nreceivers:\n  - name: a\n"),
    ("root-matchers", "the root route has matchers",
     "route:\n  receiver: a\n  matchers: ['severity=\"page\"']\nreceivers:\n  - name: a\n"),
    ("root-no-receiver", "the root route has no receiver",
     "route:\n  routes:\n    - receiver: a\nreceivers:\n  - name: a\n"),
    ("root-continue", "continue on the root route",
     "route:\n  receiver: a\n  continue: true\nreceivers:\n  - name: a\n"),
    ("bad-regex", "match_re with an unbalanced parenthesis",
     "route:\n  receiver: a\n  routes:\n    - match_re: {env: '(prod'}\nreceivers:\n  - name: a\n"),
    ("bad-regex-matchers", "a matchers regex with a lookahead (not RE2)",
     "route:\n  receiver: a\n  routes:\n    - matchers: ['env=~\"(?=prod)\"']\nreceivers:\n  - name: a\n"),
    ("unescaped-quote", "a matcher value with an unescaped double quote",
     "route:\n  receiver: a\n  routes:\n    - matchers: ['env=\"pr\"od\"']\nreceivers:\n  - name: a\n"),
    ("bad-matcher", "a matcher without an operator",
     "route:\n  receiver: a\n  routes:\n    - matchers: ['env']\nreceivers:\n  - name: a\n"),
    ("empty-matcher", "an empty matcher between two commas",
     "route:\n  receiver: a\n  routes:\n    - matchers: ['a=b,,c=d']\nreceivers:\n  - name: a\n"),
    ("group-by-mixed", "group_by with ... and a label",
     "route:\n  receiver: a\n  group_by: ['...', alertname]\nreceivers:\n  - name: a\n"),
    ("group-by-bad-name", "group_by with an invalid label name",
     "route:\n  receiver: a\n  group_by: ['team-name']\nreceivers:\n  - name: a\n"),
    ("group-by-duplicate", "group_by naming a label twice",
     "route:\n  receiver: a\n  group_by: [team, team]\nreceivers:\n  - name: a\n"),
    ("duplicate-receiver", "two receivers with one name",
     "route:\n  receiver: a\nreceivers:\n  - name: a\n  - name: a\n"),
    ("unknown-route-field", "a misspelt route field",
     "route:\n  receiver: a\n  routes:\n    - receiver: a\n      contine: true\nreceivers:\n  - name: a\n"),
    ("unknown-receiver-field", "a receiver with an integration 0.25 does not have",
     "route:\n  receiver: a\nreceivers:\n  - name: a\n    msteams_configs: []\n"),
    ("undefined-time-interval", "a route muted by an undefined time interval",
     "route:\n  receiver: a\n  routes:\n    - receiver: a\n      mute_time_intervals: [never]\nreceivers:\n  - name: a\n"),
    ("zero-group-interval", "group_interval of zero",
     "route:\n  receiver: a\n  group_interval: 0s\nreceivers:\n  - name: a\n"),
    ("bad-duration", "a duration with an unknown unit",
     "route:\n  receiver: a\n  repeat_interval: 4hours\nreceivers:\n  - name: a\n"),
    ("bad-match-name", "match with an invalid label name",
     "route:\n  receiver: a\n  routes:\n    - match: {'1team': db}\nreceivers:\n  - name: a\n"),
    ("email-without-smarthost", "an email receiver with no smarthost anywhere",
     "route:\n  receiver: a\nreceivers:\n  - name: a\n    email_configs:\n      - to: x@example.com\n"),
    ("no-route", "no route at all",
     "receivers:\n  - name: a\n"),
    ("bad-weekday", "a time interval with a weekday range backwards",
     "route:\n  receiver: a\nreceivers:\n  - name: a\ntime_intervals:\n  - name: t\n    time_intervals:\n"
     "      - weekdays: ['friday:monday']\n"),
]


# --- main -----------------------------------------------------------------

def write(directory):
    if os.path.isdir(directory):
        shutil.rmtree(directory)
    os.makedirs(directory)
    rng = random.Random(SEED)
    manifest = []
    number = 0
    for i in range(VALID_CONFIGS):
        root, receivers, intervals = random_config(rng)
        text = config_yaml(rng, root, receivers, intervals)
        number += 1
        name = f"{number:03d}-tree-{i + 1}"
        os.makedirs(os.path.join(directory, name))
        with open(os.path.join(directory, name, "alertmanager.yml"), "w") as f:
            f.write(text)
        lines = []
        for labels in label_sets(rng, root):
            receivers_out = ",".join(r.effective_receiver() for r in root.match_routes(labels))
            lines.append(receivers_out + "\t" + argv(labels))
        with open(os.path.join(directory, name, "cases.tsv"), "w") as f:
            f.write("\n".join(lines) + "\n")
        depth = max(len(r.path_matchers()) for r in root.walk())
        manifest.append((name, "route", f"{sum(1 for _ in root.walk())} routes, up to {depth} matchers deep"))
    for slug, description, text in BAD:
        number += 1
        name = f"{number:03d}-bad-{slug}"
        os.makedirs(os.path.join(directory, name))
        with open(os.path.join(directory, name, "alertmanager.yml"), "w") as f:
            f.write(text)
        with open(os.path.join(directory, name, "error"), "w") as f:
            f.write(description + "\n")
        manifest.append((name, "bad", description))
    with open(os.path.join(directory, "manifest.tsv"), "w") as f:
        f.writelines("\t".join(row) + "\n" for row in manifest)
    return manifest


def amtool(config, args):
    return subprocess.run(["amtool", "config", "routes", "test", "--config.file=" + config] + args,
                          capture_output=True, text=True)


def check(directory, manifest):
    wrong = 0
    total = 0
    for name, kind, _ in manifest:
        config = os.path.join(directory, name, "alertmanager.yml")
        if kind == "bad":
            total += 1
            result = subprocess.run(["amtool", "check-config", config], capture_output=True, text=True)
            if result.returncode == 0:
                wrong += 1
                print(f"{name}: amtool accepts a configuration predicted bad", file=sys.stderr)
            continue
        with open(os.path.join(directory, name, "cases.tsv")) as f:
            for line in f.read().splitlines():
                expected, labels = line.split("\t")
                total += 1
                result = amtool(config, labels.split())
                got = result.stdout.splitlines()[0] if result.stdout else f"(exit {result.returncode}) {result.stderr.strip()}"
                if got != expected:
                    wrong += 1
                    print(f"{name}: {labels}: predicted {expected}, amtool {got}", file=sys.stderr)
    print(f"{total - wrong} of {total} predictions confirmed by amtool")
    return wrong == 0


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        sys.exit(2)
    directory = sys.argv[1]
    manifest = write(directory)
    if "--check" in sys.argv[2:]:
        sys.exit(0 if check(directory, manifest) else 1)


if __name__ == "__main__":
    main()
