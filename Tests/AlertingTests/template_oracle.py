#!/usr/bin/env python3
"""Regenerates the oracle table in TemplateTests.swift from a real Prometheus.

The alert-template engine in Sources/Alerting/Template must render exactly as
Prometheus 2.42 does.  Rather than trusting memory, this script asks the real
thing: it writes a rule file whose alerts carry one annotation per template
case, and a promtool unit-test file whose expected annotations are
deliberately wrong, runs `promtool test rules`, and reads back the real
renderings from promtool's "got:" report.  Templates that must fail to load
(syntax errors, unknown functions) are run one file each and the load error
is captured.  PromQL queries used through the `query` function are run the
same way, so the tests can replay their results without a PromQL engine.

Usage (from the repository root; needs promtool 2.42 on PATH or $PROMTOOL):

    python3 Tests/AlertingTests/template_oracle.py            # rewrite the table
    python3 Tests/AlertingTests/template_oracle.py --json out.json   # also dump raw results

It rewrites only the region of Tests/AlertingTests/TemplateTests.swift between
the `// BEGIN ORACLE TABLE` and `// END ORACLE TABLE` markers.
"""

import json
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SWIFT_TESTS = os.path.join(HERE, "TemplateTests.swift")
PROMTOOL = os.environ.get("PROMTOOL", "promtool")

# ---------------------------------------------------------------------------
# Inputs

# Series loaded into promtool's test storage; queries run against them at t=0.
INPUT_SERIES = [
    ('up{job="api",instance="a:9090"}', "1"),
    ('up{job="api",instance="b:9090"}', "0"),
    ('up{job="db",instance="c:5432"}', "1"),
    ('node_load1{instance="a:9090"}', "1.5"),
    ('node_load1{instance="b:9090"}', "0.25"),
    ('disk_free_bytes{instance="a:9090",mount="/"}', "123456789"),
    ('disk_free_bytes{instance="a:9090",mount="/home"}', "9876543210"),
    ('build_info{version="2.42.0",__value__="v2"}', "1"),
]

# Every query string any case passes to `query` (the Swift test replays these).
QUERIES = [
    "up", "up == 0", "up == 1", "sum(up)", "node_load1", "disk_free_bytes",
    "nonexistent", "sort_desc(node_load1)", "count by (job) (up)", "bad(((",
    "scalar(sum(up))", '"str"', "build_info", 'up{job="db"}',
]

DEFAULT_LABELS = {"instance": "web-1:9100", "job": "node"}

# Values $value takes; spelled as PromQL number literals.
VALUES = [
    "0", "-0", "1", "-1", "0.5", "1234.5678", "-1234.5678", "1e6", "1234567",
    "123456.7", "1e20", "1e21", "1e-5", "0.000123", "0.0001", "NaN", "Inf",
    "-Inf", "1e300", "-1e300", "9223372036854775808", "1e-300", "5e-324",
    "0.1", "0.3333333333333333", "100", "999.5", "999.95", "1000", "1023",
    "1024", "1048576", "59.999", "60", "61.5", "3599", "3600", "86399.9",
    "86400", "90061.5", "1500000000", "1700000000.123", "-1.5", "31536000",
    "0.001", "0.0009999", "1e-9", "1.23456e-10", "42", "0.999999",
    "1e100", "12345678901234567890", "0.30000000000000004", "255.255",
]

VALUE_TEMPLATES = [
    "{{ $value }}",
    "{{ .Value }}|{{ print $value }}",
    "{{ humanize $value }}",
    "{{ humanize1024 $value }}",
    "{{ humanizeDuration $value }}",
    "{{ humanizePercentage $value }}",
    "{{ humanizeTimestamp $value }}",
    '{{ printf "%.2f|%e|%g|%v" $value $value $value $value }}',
    '{{ printf "%5.1f|%-10.3g|%+.2e|%08.3f|% .1f" $value $value $value $value $value }}',
    '{{ $value | printf "%.4g" }}|{{ printf "%.0f" $value }}|{{ printf "%d" $value }}',
    "{{ toTime $value }}",
    "{{ if $value }}t{{ else }}f{{ end }}|{{ if gt $value 100.0 }}big{{ end }}",
]


def case(tmpl, value="1", labels=None):
    return {"template": tmpl, "value": value, "labels": DEFAULT_LABELS if labels is None else labels}


CASES = []
for v in VALUES:
    for t in VALUE_TEMPLATES:
        CASES.append(case(t, value=v))

# Numbers given to the humanize family as literals and strings.
for arg in ['0', '1', '-5', '1000', '1e3', '1024', '3.25', '-0.001', '0x10', "'a'",
            '"1234"', '"1e3"', '"abc"', '" 12"', '"0x1p4"', '"inf"', '"-Inf"',
            '"NaN"', '"1_000"', '"1e400"', '""', 'true', '$labels', 'nil', '.Labels.job',
            '(query "up")', '(safeHtml "12")', '"+3.5"', '".5"', '"5."']:
    for f in ["humanize", "humanize1024", "humanizeDuration", "humanizePercentage",
              "humanizeTimestamp"]:
        CASES.append(case("{{ %s %s }}" % (f, arg)))

GO_TEMPLATE_CASES = [
    # text, trim markers, comments
    "plain text",
    "a {{- \" b \" -}} c",
    "a  {{- 1 }}  b",
    "a  {{ 1 -}}  \n  b",
    "x{{/* comment */}}y",
    "x  {{- /* comment */ -}}  y",
    "{{-3}}",
    "{{ 3 -}} x {{- 4 }}",
    "line1\nline2 {{ $labels.instance }}\n",
    # literals
    '{{ "a\\tb\\u00e9\\x41\\101" }}',
    "{{ `raw \\n string` }}",
    "{{ 'a' }}|{{ '\\n' }}",
    "{{ 1 }}|{{ 1.0 }}|{{ 1e3 }}|{{ -2 }}|{{ +3 }}|{{ 0x1F }}|{{ 0o17 }}|{{ 0b101 }}|{{ 1_000 }}|{{ .5 }}|{{ 0x1p4 }}",
    "{{ 1e21 }}|{{ 1e20 }}|{{ 100000.0 }}|{{ 1000000.0 }}|{{ 0.0001 }}|{{ 0.00001 }}",
    "{{ true }}|{{ false }}",
    "{{ 9223372036854775807 }}",
    "{{ 9223372036854775808 }}",
    # fields and variables
    "{{ $labels.instance }}|{{ .Labels.job }}|{{ $labels.missing }}|{{ .Labels.missing }}",
    "{{ $labels }}",
    "{{ .Labels }}|{{ .ExternalLabels }}|{{ $externalLabels }}|{{ $externalLabels.x }}",
    "{{ . }}",
    "[{{ .ExternalURL }}]|[{{ $externalURL }}]",
    "{{ $labels.instance.foo }}",
    "{{ .Value.x }}",
    "{{ .Nope }}",
    "{{ .Labels.job 1 }}",
    "{{ $x := 5 }}{{ $x }}{{ $x = 6 }}{{ $x }}",
    "{{ $x := \"a\" }}{{ if true }}{{ $x = \"b\" }}{{ $y := 1 }}{{ end }}{{ $x }}",
    "{{ $ }}",
    "{{ $.Labels.job }}",
    "{{ with $labels.job }}{{ . }}{{ end }}",
    "{{ with $labels.missing }}yes{{ else }}no{{ end }}",
    "{{ with $x := $labels.job }}{{ $x }}-{{ . }}{{ end }}",
    "{{ (args 1 \"two\" 3.5).arg1 }}",
    "{{ args 1 \"two\" 3.5 }}",
    "{{ (args).arg0 }}|{{ $a := args 1 }}{{ $a.zz }}|{{ index $a \"zz\" }}|{{ print (index $a \"zz\") }}|{{ print $a.zz }}",
    "{{ $a := args nil }}{{ $a.arg0.x }}",
    "{{ ($labels).instance }}",
    "{{ (.Labels).job }}",
    # if / else if / else
    "{{ if eq $labels.job \"node\" }}node{{ else if eq $labels.job \"api\" }}api{{ else }}other{{ end }}",
    "{{ if eq $labels.job \"x\" }}x{{ else if eq $labels.job \"node\" }}n{{ else }}o{{ end }}",
    "{{ if \"\" }}a{{ else }}b{{ end }}|{{ if 0 }}a{{ else }}b{{ end }}|{{ if 0.0 }}a{{ else }}b{{ end }}|{{ if $labels }}a{{ else }}b{{ end }}|{{ if .ExternalLabels }}a{{ else }}b{{ end }}",
    "{{ if nil }}a{{ else }}b{{ end }}",
    "{{ if (query \"nonexistent\") }}a{{ else }}b{{ end }}|{{ if (query \"up\") }}a{{ else }}b{{ end }}",
    "{{ if and 1 0 }}a{{ end }}|{{ and 1 0 }}|{{ and 1 2 }}|{{ or 0 \"\" }}|{{ or 0 \"x\" 3 }}|{{ not 0 }}|{{ not \"a\" }}",
    "{{ and }}",
    "{{ or 1 (index $labels \"x\" \"y\") }}",
    "{{ and 0 (index $labels \"x\" \"y\") }}",
    "{{ \"x\" | and 1 }}|{{ 0 | or 1 }}",
    # range
    "{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}",
    "{{ range $labels }}{{ . }},{{ end }}",
    "{{ range $i, $s := query \"up\" }}{{ $i }}:{{ $s.Labels.instance }}={{ $s.Value }};{{ end }}",
    "{{ range query \"nonexistent\" }}x{{ else }}empty{{ end }}",
    "{{ range $x := query \"node_load1\" }}{{ $x.Value }} {{ end }}",
    "{{ range .ExternalLabels }}x{{ else }}none{{ end }}",
    "{{ range \"abc\" }}{{ . }}{{ end }}",
    "{{ range 3 }}{{ . }}{{ end }}",
    "{{ range nil }}x{{ end }}",
    "{{ $n := 0 }}{{ range query \"up\" }}{{ $n = .Value }}{{ end }}{{ $n }}",
    "{{ range $i, $e := query \"up\" }}{{ if $i }}, {{ end }}{{ $e.Labels.job }}{{ end }}",
    "{{ range query \"up\" }}{{ . }}{{ end }}",
    # builtins
    "{{ len $labels }}|{{ len \"héllo\" }}|{{ len (query \"up\") }}|{{ len .ExternalLabels }}",
    "{{ len 3 }}",
    "{{ index $labels \"job\" }}|{{ index $labels \"none\" }}|{{ index \"abc\" 1 }}|{{ (index (query \"up\") 1).Labels.instance }}",
    "{{ index (query \"up\") 3 }}",
    "{{ index (query \"up\") 5 }}",
    "{{ index $labels 1 }}",
    "{{ index 3 1 }}",
    "{{ slice \"abcdef\" 1 3 }}|{{ slice \"abcdef\" 2 }}|{{ len (slice (query \"up\") 1) }}",
    "{{ print 1 2 \"a\" \"b\" 3 true nil 4.5 }}",
    "{{ print \"x\" }}|{{ print }}|{{ print $labels }}|{{ print .Value }}",
    "{{ println 1 \"a\" 2 }}",
    "{{ print (first (query \"up\")) }}|{{ first (query \"up\") }}",
    "{{ print (toTime 1) }}|{{ print (safeHtml \"<b>\") 1 }}",
    "{{ html \"<a href='x'>&\\\"</a>\" }}",
    "{{ html 1 2 \"<\" }}",
    "{{ js \"it's \\\"q\\\" <b>&=\\\\ \\t\\u0001é\\u2028\" }}",
    "{{ urlquery \"a b&c=d/é?~_-.\" }}|{{ urlquery 1 \"x y\" }}",
    "{{ eq 1 1 }}|{{ eq 1 2 }}|{{ eq \"a\" \"a\" }}|{{ eq 1.5 1.5 }}|{{ eq true true }}|{{ eq 1 2 3 1 }}|{{ eq $labels.job \"x\" \"node\" }}",
    "{{ ne 1 2 }}|{{ ne \"a\" \"a\" }}|{{ lt 1 2 }}|{{ le 2 2 }}|{{ gt 3 2 }}|{{ ge 1 2 }}|{{ lt \"a\" \"b\" }}|{{ lt 1.5 2.5 }}",
    "{{ eq 1 1.0 }}",
    "{{ eq \"1\" 1 }}",
    "{{ lt true false }}",
    "{{ eq $labels $labels }}",
    "{{ eq 1 }}",
    "{{ lt $value 2 }}",
    "{{ gt $value 0.5 }}|{{ eq $value 1.0 }}",
    "{{ eq .Labels.none \"\" }}|{{ eq $labels.job \"node\" }}",
    "{{ $a := args 1 }}{{ eq $a.zz 1 }}",
    "{{ not }}",
    # printf
    '{{ printf "%s-%d-%v-%q-%x-%X-%o-%b-%c-%U" "str" 42 3.5 "q\\"t" 255 255 8 5 65 9731 }}',
    '{{ printf "%5d|%-5d|%05d|%+d|% d|%.3d|%x|%#x|%#o" 42 42 42 42 42 42 -255 255 8 }}',
    '{{ printf "%10s|%-10s|%.2s|%q|%x|% x|%#q" "abc" "abc" "abc" "a\\nb" "hi" "hi" "raw" }}',
    '{{ printf "%d" "str" }}|{{ printf "%s" 1 }}|{{ printf "%s" 1.5 }}|{{ printf "%f" "x" }}|{{ printf "%t" 1 }}|{{ printf "%t" true }}',
    '{{ printf "%s %s" "a" }}|{{ printf "%s" "a" "b" }}|{{ printf "%!" }}|{{ printf "100%%" }}|{{ printf "%" }}|{{ printf "%z" 1 }}',
    '{{ printf "%v|%s|%d" $labels $labels $labels }}',
    '{{ printf "%v" nil }}|{{ printf "%s" nil }}|{{ printf "%d" nil }}',
    '{{ printf "%*d|%-*d|%.*f" 5 1 4 2 2 3.14159 }}',
    '{{ printf "%[2]s %[1]s" "a" "b" }}',
    '{{ printf "%6.2f%%" 12.3456 }}|{{ printf "%.3e" 123456.789 }}|{{ printf "%G" 1e-10 }}|{{ printf "%E" 1e21 }}',
    '{{ printf "%v %v %v" 1e6 1e-7 123456789.0 }}|{{ printf "%.10g" 1e6 }}|{{ printf "%g" 100000.0 }}',
    '{{ printf "%T %T %T %T %T %T" 1 1.5 "s" true $labels nil }}',
    '{{ printf "%T|%T|%T" (query "up") (first (query "up")) (safeHtml "x") }}',
    '{{ printf "%v" (first (query "up")) }}',
    '{{ printf "%s" (toTime 0) }}|{{ printf "%v" (toTime 1.5) }}',
    '{{ printf "%5t|%-6v|%q" true false 65 }}',
    '{{ printf "%08.3f|%-8.2f|%+08d|%x" -3.14159 2.5 -42 "héllo" }}',
    '{{ printf "%.0f %.0f %.0f %.0f %.1f %.2f" 0.5 1.5 2.5 -0.5 0.25 1.005 }}',
    '{{ printf "%e %e %e" 0.0 1.0 -1e-300 }}|{{ printf "%10.3e|%-12e|" 12345.678 1.0 }}',
    '{{ printf "%v %v" 1.0e+100 -2.5e-8 }}|{{ printf "%g" 1e-4 }}|{{ printf "%g" 1e-5 }}',
    '{{ printf "%s" (args 1 "b") }}',
    '{{ printf 1 }}',
    '{{ printf }}',
    # Prometheus functions
    '{{ query "up" | len }}',
    '{{ with query "up" }}{{ . | first | value }}|{{ . | first | label "instance" }}{{ end }}',
    '{{ range query "node_load1" }}{{ .Labels.instance }}={{ .Value | humanize }} {{ end }}',
    '{{ query "sum(up)" | first | value }}',
    '{{ with query "scalar(sum(up))" }}{{ . | first | value }}|{{ (first .).Labels }}{{ end }}',
    '{{ query "\\"str\\"" }}',
    '{{ query "bad(((" }}',
    '{{ query "nonexistent" | first }}',
    '{{ range sortByLabel "instance" (query "up") }}{{ .Labels.instance }} {{ end }}',
    '{{ range sortByLabel "job" (query "up") }}{{ .Labels.instance }} {{ end }}',
    '{{ range sortByLabel "none" (query "up") }}{{ .Labels.instance }} {{ end }}',
    '{{ range query "sort_desc(node_load1)" }}{{ .Value }} {{ end }}',
    '{{ range query "count by (job) (up)" }}{{ .Labels }}={{ .Value }} {{ end }}',
    '{{ range query "disk_free_bytes" }}{{ .Labels.mount }} {{ .Value | humanize1024 }}B; {{ end }}',
    '{{ with query "build_info" }}{{ . | first | strvalue }}|{{ . | first | label "version" }}{{ end }}',
    '{{ with query "up{job=\\"db\\"}" }}{{ (first .).Labels.instance }}{{ end }}',
    '{{ label "instance" (first (query "up")) }}|{{ value (first (query "up")) }}|{{ strvalue (first (query "up")) }}',
    '{{ first "x" }}',
    '{{ value 1 }}',
    '{{ (first (query "up")).Nope }}',
    '{{ range first (query "up") }}x{{ end }}',
    '{{ title "hello wORLD foo_bar 3rd-party x.y" }}|{{ toUpper "abc é ß" }}|{{ toLower "ABC É" }}',
    '{{ title "" }}|{{ toUpper 1 }}',
    '{{ reReplaceAll "(.*):.*" "$1" $labels.instance }}',
    '{{ reReplaceAll ":([0-9]+)" "[${1}x]" "a:1 b:22" }}|{{ reReplaceAll ":([0-9]+)" "$1x" "a:1" }}|{{ reReplaceAll "a" "$$" "banana" }}',
    '{{ reReplaceAll "(?P<host>[^:]+):(?P<port>.*)" "$port@$host ${host}" "h:80" }}',
    '{{ reReplaceAll "a*" "-" "baaac" }}|{{ reReplaceAll "" "-" "abc" }}|{{ reReplaceAll "x*" "-" "" }}',
    '{{ reReplaceAll "(?i)HELLO" "bye" "hello Hello" }}|{{ reReplaceAll "\\\\d+$" "N" "a1\\nb22" }}|{{ reReplaceAll "^" ">" "ab" }}',
    '{{ reReplaceAll "(" "x" "y" }}',
    '{{ match "^web-[0-9]+" $labels.instance }}|{{ match "api" "xapix" }}|{{ match "^a$" "ab" }}|{{ match "" "" }}',
    '{{ match "[" "x" }}',
    '{{ if match "^web" $labels.instance }}web{{ end }}',
    '{{ safeHtml "<b>x</b>" }}|{{ len (safeHtml "abc") }}|{{ eq (safeHtml "a") "a" }}',
    '{{ safeHtml "a" | toUpper }}',
    '{{ graphLink "rate(x[5m]) > 1" }}|{{ tableLink "up{job=\\"a b\\"}" }}',
    '{{ parseDuration "1h30m" }}|{{ parseDuration "1d" }}|{{ parseDuration "0" }}|{{ parseDuration "1y2w" }}|{{ parseDuration "150ms" }}|{{ parseDuration "1h1ms" }}',
    '{{ parseDuration "1.5h" }}',
    '{{ parseDuration "" }}',
    '{{ parseDuration "5m" | humanizeDuration }}',
    '{{ stripPort "host:80" }}|{{ stripPort "host" }}|{{ stripPort "[::1]:80" }}|{{ stripPort "::1" }}|{{ stripPort "a:b:c" }}|{{ stripPort "[::1]" }}',
    '{{ toTime 1.5 }}|{{ toTime "1234567890" }}|{{ toTime 0 }}|{{ toTime -1.5 }}|{{ toTime 1e-4 }}',
    '{{ toTime 1e20 }}',
    '{{ toTime "NaN" }}',
    '{{ humanizeTimestamp 1e10 }}|{{ humanizeTimestamp 1e20 }}',
    '{{ humanizeTimestamp -1e11 }}',
    '{{ humanizeTimestamp 1435065584.128 }}|{{ humanizeTimestamp 253402300799 }}|{{ humanizeTimestamp -62135596800 }}',
    # pipelines and parens
    '{{ $labels.instance | toUpper | printf "<%s>" }}',
    '{{ "a" | printf "%s%s" "b" }}',
    '{{ 1 | print 2 3 }}',
    '{{ (print 1) }}|{{ (print (print 2)) }}',
    '{{ .Value 1 }}',
    '{{ 1 2 }}',
    '{{ $labels.instance | reReplaceAll ":.*" "" }}',
    '{{ (toTime 1).Unix }}|{{ (toTime 90061).Format "2006-01-02 15:04 Mon Jan" }}',
    '{{ nil }}',
    '{{ humanize }}',
    '{{ humanize 1 2 }}',
    '{{ printf "%s" | len }}',
    '{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" 1 }}{{ template "x" }}|{{ block "b" $labels.job }}<{{ . }}>{{ end }}',
    '{{ define "t" }}{{ .Labels.job }}{{ end }}{{ template "t" . }}',
    '{{ template "nope" }}',
]
for t in GO_TEMPLATE_CASES:
    CASES.append(case(t))

# Pseudo-random values across magnitudes, for shortest (%v) and rounded (%.4g, %e, %f) digits.
_rng = random.Random(42)
RANDOM_VALUES = []
for _ in range(120):
    kind = _rng.random()
    if kind < 0.6:
        f = _rng.uniform(-1, 1) * 10 ** _rng.randint(-25, 25)
    elif kind < 0.8:
        f = _rng.randint(-10 ** 6, 10 ** 6) / 8
    else:
        f = float(_rng.randint(0, 2 ** 53)) * _rng.choice([1, 1e-3, 1e3])
    RANDOM_VALUES.append(repr(f))
for v in RANDOM_VALUES:
    CASES.append(case('{{ $value }}|{{ humanize $value }}|{{ humanize1024 $value }}|{{ humanizeDuration $value }}', value=v))
    CASES.append(case('{{ printf "%.3e|%g|%.10g|%.1f|%G|%.0e" $value $value $value $value $value $value }}|{{ humanizePercentage $value }}', value=v))

MORE_CASES = [
    '{{ range $i, $e := query "up" }}{{ $i }}{{ else }}none{{ end }}',
    '{{ range query "up" }}{{ $.Labels.job }}-{{ .Labels.job }} {{ end }}',
    '{{ $x := 1 }}{{ range query "up" }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}',
    '{{ with $labels.none }}a{{ else }}{{ . }}{{ end }}',
    '{{ if $labels.instance }}{{ $labels.instance | reReplaceAll ":[0-9]+$" "" }}{{ end }}',
    'a\n\n{{- 1 -}}\n\nb',
    'a {{- /* c\n d */ -}} b',
    '{{ "a" }}{{/* */}}{{ "b" }}',
    'line1\n  {{- if true }}\n  yes\n  {{- end }}\n',
    '{{ "\\"quoted\\"" }}|{{ "日本語" | toUpper }}|{{ title "élan vital ñandú" }}|{{ toUpper "ǆ ß ﬁ" }}|{{ toLower "İ Σ ǅ" }}|{{ title "ǆa ﬁx" }}',
    '{{ printf "%-6s|%6s|%-4q" "日本" "é" "é" }}',
    '{{ printf "%q|%+q|%#q|%q" "日本\\x00\\u00ad" "日本" "a`b" "\\U0001F600" }}',
    '{{ printf "%x|%X|%x" 3.5 -0.1 1e300 }}',
    '{{ printf "%c|%U|%#U|%c" 0x1F600 0x1F600 65 -1 }}',
    '{{ printf "%o %O %b %#b %#o %#X" 64 64 5 5 8 255 }}',
    '{{ printf "%5.1s|%.0s|%-5q|%.1q" "abc" "abc" "a" "abc" }}',
    '{{ printf "%t %v %5t|%-7v|" false true true false }}',
    '{{ printf "%.2f" "3.14159" }}|{{ printf "%d %d" 1 }}|{{ printf "%[3]d %[1]d" 1 2 }}|{{ printf "%.*d" -1 5 }}',
    '{{ printf "%-05d|%+.3e|% 08.2f|%+v|% v" 42 -1.5 3.14159 2.5 7 }}',
    '{{ printf "%v" (args 1 nil "x") }}|{{ printf "%#v" $labels }}|{{ printf "%#v %#v %#v %#v" "s" 1.5 3 true }}',
    '{{ printf "%+v" (first (query "up")) }}|{{ printf "%+v" . }}',
    '{{ printf "%v" . }}|{{ printf "%s" . }}',
    '{{ printf "%10.4v|%-10v|%010v" 3.14159 "ab" 42 }}',
    '{{ printf "%6.2f|%-8.3f|%08.3f|%+.1f" $value $value $value $value }}',
    '{{ printf "%e" 1e-320 }}|{{ printf "%.3g" 0.0001234 }}|{{ printf "%.20f" 0.1 }}|{{ printf "%.0f" 1e21 }}',
    '{{ printf "%s" 1e6 }}|{{ printf "%v %v" 1e20 1e21 }}|{{ printf "%g %g" 123456789.0 1e-7 }}',
    '{{ printf "%T|%T" (len "ab") (toTime 0) }}',
    '{{ print $labels.instance 1 }}|{{ println }}|{{ print 1.5 2 }}|{{ print "a" 1 "b" }}|{{ print nil nil }}',
    '{{ len "" }}|{{ len (args) }}|{{ $labels.instance | len }}|{{ $labels | len }}',
    '{{ index (args 1 2) "arg1" }}|{{ index (args (args 5)) "arg0" "arg0" }}',
    '{{ index $labels "job" "x" }}',
    '{{ index "abc" -1 }}',
    '{{ index (args 1) "x" "y" }}',
    '{{ slice "abc" 1 0 }}',
    '{{ slice "abc" 4 }}',
    '{{ slice $labels 1 }}',
    '{{ slice "héllo" 1 3 | len }}|{{ slice "abc" }}|{{ slice "abc" 3 }}',
    '{{ eq (index $labels "job") "node" }}|{{ ge "b" "a" }}|{{ le 1.5 1.5 }}|{{ eq 2 1 2 }}|{{ ne 1.5 2.5 }}|{{ eq "" .Labels.none }}',
    '{{ ne 1 "a" }}',
    '{{ gt 2 1.5 }}',
    '{{ eq nil nil }}',
    '{{ eq $labels "x" }}',
    '{{ lt $labels $labels }}',
    '{{ eq (query "up") (query "up") }}',
    '{{ eq . . }}',
    '{{ lt "a" 1 }}',
    '{{ eq (toTime 1) (toTime 1) }}',
    '{{ and 1 "" 2 }}|{{ or "" 0 }}|{{ and "a" "b" }}|{{ or 0 (args) 5 }}',
    '{{ or }}',
    '{{ not $labels }}|{{ not (query "nonexistent") }}|{{ not 0.0 }}|{{ not (safeHtml "") }}|{{ not . }}',
    '{{ not (index (args) "x") }}',
    '{{ html $labels }}|{{ js 3.5 }}|{{ urlquery (first (query "up")) }}|{{ html nil }}|{{ urlquery "" }}|{{ js (safeHtml "<") }}|{{ html "a" "b" }}',
    '{{ js "\\u00a0\\u0100\\U0001F600\\x7f" }}|{{ urlquery "/path?a=1&b=ü" }}',
    '{{ define "a" }}{{ . | printf "%05.1f" }}{{ end }}{{ template "a" $value }}',
    '{{ define "a" }}{{ template "b" . }}{{ end }}{{ define "b" }}B{{ . }}{{ end }}{{ template "a" 7 }}',
    '{{ define "x" }}{{ end }}{{ define "x" }}y{{ end }}{{ template "x" }}',
    '{{ block "x" . }}{{ .Value }}{{ end }}',
    '{{ template "later" "arg" }}{{ define "later" }}<{{ . }}>{{ end }}',
    '{{ define "r" }}{{ if . }}{{ . }}{{ template "r" (slice . 1) }}{{ end }}{{ end }}{{ template "r" "abc" }}',
    '{{ reReplaceAll "(\\\\w+)@(\\\\w+)" "${2}_$1" "user@host" }}|{{ reReplaceAll "é" "e" "café é" }}|{{ reReplaceAll "[^a-z]" "" "a1b2-C" }}',
    '{{ reReplaceAll "(a)|(b)" "[$1$2]" "ab" }}|{{ reReplaceAll "\\\\." "_" "a.b.c" }}|{{ reReplaceAll "^(.*?)-\\\\d+" "$1" "web-1" }}',
    '{{ reReplaceAll "x$" "Y" "x\\nx" }}|{{ reReplaceAll "x$" "Y" "x\\n" }}|{{ match "a.c" "a\\nc" }}|{{ match "(?s)a.c" "a\\nc" }}|{{ reReplaceAll "(?m)^" "> " "a\\nb" }}',
    '{{ match "(?i)^WEB" $labels.instance }}|{{ match "\\\\d{4}" "9100" }}|{{ match "\\\\pL+" "é" }}|{{ match "^[[:alpha:]]+$" "abc" }}|{{ match "\\\\bfoo\\\\b" "a foo b" }}',
    '{{ reReplaceAll "\\\\s+" " " "a \\t\\n b" }}|{{ match "[]a]" "]" }}|{{ reReplaceAll "[a&]" "X" "a&b" }}|{{ match "^\\\\d+$" "١٢" }}|{{ match "^\\\\w+$" "é" }}',
    '{{ reReplaceAll "(?P<x>a)" "[$x][$1][$y][${x}]" "a" }}|{{ reReplaceAll "a" "$" "a" }}|{{ reReplaceAll "a" "${" "a" }}|{{ reReplaceAll "a" "$1" "a" }}|{{ reReplaceAll "(a)" "$01|$1a|${1}a" "a" }}',
    '{{ reReplaceAll "" "-" "日本" }}|{{ reReplaceAll "b*" "-" "abc" }}|{{ reReplaceAll "\\\\b" "|" "ab cd" }}',
    '{{ match "\\\\1" "a" }}',
    '{{ match "(?=a)" "a" }}',
    '{{ match "a**" "a" }}',
    '{{ match "*" "a" }}',
    '{{ match ")" "a" }}',
    '{{ match "\\\\Z" "a" }}',
    '{{ reReplaceAll "[a" "" "" }}',
    '{{ parseDuration "1w" }}|{{ parseDuration "2y" }}|{{ parseDuration "90s" }}|{{ parseDuration "1m30s" }}|{{ parseDuration "1s500ms" }}|{{ parseDuration "0s" }}|{{ parseDuration "1h0m" }}',
    '{{ parseDuration "5m1h" }}',
    '{{ parseDuration "10" }}',
    '{{ parseDuration "-1h" }}',
    '{{ parseDuration "300y" }}',
    '{{ parseDuration "106751d" }}|{{ parseDuration "0ms" }}|{{ parseDuration "007s" }}',
    '{{ stripPort "host:" }}|{{ stripPort ":80" }}|{{ stripPort "[::1]:" }}|{{ stripPort "a]:80" }}|{{ stripPort "[a]b:80" }}|{{ stripPort "" }}',
    '{{ $value := 5 }}{{ $value }}',
    '{{ $labels.job | printf "%s-%s" "x" }}',
    '{{ (index (query "up") 0).Labels.job.x }}',
    '{{ .Labels.x.y }}',
    '{{ $x = 1 }}',
    '{{ "a" "b" }}',
    '{{ $x := 1 }}{{ $x.y }}',
    '{{ (nil).x }}',
    '{{ (1).x }}',
    '{{ $.Nope.x }}',
    '{{ 0x1F | printf "%d" }}|{{ 1e3 | printf "%T" }}|{{ 1_000.5 }}|{{ -0 }}|{{ -0.0 }}|{{ 0.1e1 }}|{{ 017 }}|{{ 0X1f }}',
    'line1\nline2 {{ .Nope }}',
    '{{ humanize\n "x" }}',
    'x\n{{ if true }}\n{{ humanize "y" }}{{ end }}',
    '{{ with query "up" }}{{ range . }}{{ .Labels.instance }}{{ end }}{{ end }}',
    '{{ with $v := $value }}{{ $v }}{{ end }}|{{ with 0 }}x{{ else }}zero{{ end }}',
    '{{ range $k, $v := . }}{{ $k }}{{ end }}',
    '{{ range $x := $labels }}{{ $x }};{{ end }}',
    '{{ range $i, $c := "ab" }}{{ end }}',
    '{{ range (args 1 "b" nil) }}[{{ . }}]{{ end }}',
    '{{ range $k, $v := args 1 2 }}{{ $k }}={{ $v }} {{ end }}',
    '{{ if $value }}{{ $value := "shadow" }}{{ $value }}{{ end }}{{ $value }}',
    '{{ toTime 1.999 }}|{{ toTime 0.0005 }}|{{ toTime -0.0005 }}|{{ humanizeTimestamp -1.2345 }}|{{ toTime 9.2e9 }}',
    '{{ (toTime 86399.5).Format "Mon Jan _2 15:04:05 2006|3:04PM|.000|.999|Z07:00|-0700|MST|January 02 06|002" }}',
    '{{ (toTime 1).Year }}|{{ (toTime 1e9).Day }}|{{ (toTime 1e9).Hour }}|{{ (toTime 1e9).YearDay }}|{{ (toTime 1e9).UnixMilli }}',
    '{{ (toTime 1).Nope }}',
    '{{ humanize 1e-30 }}|{{ humanize -1e-30 }}|{{ humanize 1e30 }}|{{ humanize 999999 }}|{{ humanize 999.9999 }}|{{ humanize 0.00099999 }}',
    '{{ humanize1024 1 }}|{{ humanize1024 -1 }}|{{ humanize1024 -2048 }}|{{ humanize1024 1.5 }}|{{ humanize1024 1e30 }}',
    '{{ humanizeDuration 0.5 }}|{{ humanizeDuration -0.5 }}|{{ humanizeDuration 1e-30 }}|{{ humanizeDuration 59.9999 }}|{{ humanizeDuration -90061 }}|{{ humanizeDuration 1e20 }}',
    '{{ .a .b | }}',
    '{{ printf "%d" 1 | }}',
    '{{ humanizePercentage 0.123456 }}|{{ humanizePercentage 1e-9 }}|{{ humanizePercentage -0.5 }}',
]
for t in MORE_CASES:
    CASES.append(case(t))

# Labels that need quoting and unusual values.
for labels in [{"instance": "a\"b\\c", "job": "x y"}, {"a": "1", "b": "", "c": "é"}, {}]:
    for t in ["{{ $labels }}", "{{ range $k, $v := $labels }}[{{ $k }}={{ $v }}]{{ end }}",
              "{{ $labels.instance }}|{{ len $labels }}", "{{ . }}"]:
        CASES.append(case(t, labels=labels))

# Templates that must be rejected when the rule file is loaded.
PARSE_ERRORS = [
    "{{ foo }}",
    "{{ $undefined }}",
    "{{ if true }}x",
    "{{ end }}",
    "{{ else }}",
    "{{ 1",
    "{{ \"unterminated }}",
    "{{ `raw }}",
    "{{ ) }}",
    "{{ ( }}",
    "{{}}",
    "{{ 1x }}",
    "{{ 1 | 2 }}",
    "{{ $x := }}",
    "{{ if }}{{ end }}",
    "{{ range $a, $b, $c := . }}{{ end }}",
    "{{ with true }}{{ else if false }}{{ end }}",
    "{{/* unclosed }}",
    "{{/* a */ 1 }}",
    "{{ .Labels. }}",
    "{{ 3.x }}",
    "{{ \"a\".x }}",
    "{{ $x := 1 }}{{ if true }}{{ $y := 2 }}{{ end }}{{ $y }}",
    "{{ 0x }}",
    "{{ 'ab' }}",
    "{{ \"\\q\" }}",
    "{{ # }}",
    "{{ 1e400 }}",
    "{{ 99999999999999999999 }}",
    "{{ range }}{{ end }}",
    "{{ break }}",
    "{{ range . }}{{ break 1 }}{{ end }}",
    "{{ template }}",
    "{{ template x }}",
    '{{ define "a" }}',
    "{{ if 1 }}{{ else }}{{ else }}{{ end }}",
    "{{ with 1 }}{{ end }}{{ end }}",
    "{{ $a, $b := 1 }}",
    "{{ range $a, 1 }}{{ end }}",
    '{{ "a""b" }}',
    "{{ nil.x }}",
    "{{ with $x := 1 }}{{ $x }}{{ end }}{{ $x }}",
    "{{ $ x }}",
    "{{ ( 1 ) ) }}",
    "{{ \"a\" | printf }}{{",
    "{{ 1 }}\n{{ nosuch }}",
    "{{ if true }}\n{{ else if }}{{ end }}",
    "{{ é }}",
    "{{ .x@ }}",
    '{{ "x" | "y" }}',
    '{{ define "t" }}{{ $labels }}{{ end }}a{{ template "t" . }}',
]

# ---------------------------------------------------------------------------
# Running promtool


def go_unquote(s, i):
    """Parses a Go-quoted string starting at s[i] == '"'; returns (text, next index)."""
    assert s[i] == '"', s[i:i + 20]
    i += 1
    out = bytearray()
    simple = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34, "'": 39}
    while s[i] != '"':
        c = s[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        e = s[i + 1]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif e == "u":
            out += chr(int(s[i + 2:i + 6], 16)).encode()
            i += 6
        elif e == "U":
            out += chr(int(s[i + 2:i + 10], 16)).encode()
            i += 10
        elif e in "01234567":
            out.append(int(s[i + 1:i + 4], 8))
            i += 4
        else:
            raise ValueError("bad escape in %r" % s[i:i + 10])
    return out.decode("utf-8", errors="replace"), i + 1


def parse_annotations(block):
    """Parses `{k="v", k2="v2"}` (Go labels.String form) starting at block[0] == '{'."""
    res = {}
    i = 1
    while block[i] != "}":
        j = block.index("=", i)
        key = block[i:j]
        val, i = go_unquote(block, j + 1)
        res[key] = val
        if block[i] == ",":
            i += 2
    return res


def promql_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$") + '"'


def expr_for(value, labels):
    e = "vector(%s)" % value
    for k, v in sorted(labels.items()):
        e = 'label_replace(%s, "%s", %s, "", "")' % (e, k, promql_string(v))
    return e


def run_promtool(rule_groups, alert_names):
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "rules.yml"), "w") as f:
            json.dump({"groups": rule_groups}, f)
        tests = [{"eval_time": "0m", "alertname": a, "exp_alerts": [{"exp_annotations": {"zz_never": "x"}}]}
                 for a in alert_names]
        series = [{"series": s, "values": v} for s, v in INPUT_SERIES]
        with open(os.path.join(d, "test.yml"), "w") as f:
            json.dump({"rule_files": ["rules.yml"], "evaluation_interval": "1m",
                       "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": tests}]}, f)
        p = subprocess.run([PROMTOOL, "test", "rules", "test.yml"], cwd=d, capture_output=True, text=True)
        return p.stdout + p.stderr


def collect_renderings(cases):
    """Runs every case through promtool; returns the rendered annotation per case."""
    groups = {}
    for idx, c in enumerate(cases):
        key = (c["value"], json.dumps(c["labels"], sort_keys=True))
        groups.setdefault(key, []).append(idx)
    rules, names = [], []
    for n, (key, idxs) in enumerate(sorted(groups.items())):
        value, labels = key[0], json.loads(key[1])
        name = "A%d" % n
        rules.append({"alert": name, "expr": expr_for(value, labels),
                      "annotations": {"c%d" % i: cases[i]["template"] for i in idxs}})
        names.append(name)
    out = run_promtool([{"name": "g", "rules": rules}], names)
    if "got:[" not in out:
        sys.exit("promtool did not run the tests:\n" + out)
    results = {}
    for m in re.finditer(r"alertname: (\S+), time: 0s,.*?got:\[\s*0:\s*Labels:\{.*?\}\s*Annotations:(\{)", out, re.S):
        results.update(parse_annotations(out[m.start(2):]))
    return [results["c%d" % i] for i in range(len(cases))]


def collect_parse_error(tmpl):
    rule = {"alert": "A", "expr": "vector(1)", "annotations": {"a": tmpl}}
    out = run_promtool([{"name": "g", "rules": [rule]}], ["A"])
    m = re.search(r'annotation "a": (.*)', out)
    if not m:
        sys.exit("expected a load error for %r, promtool said:\n%s" % (tmpl, out))
    return m.group(1).strip()


QUERY_DUMP = ('{{ range query `%s` }}{{ range $k, $v := .Labels }}{{ $k }}\x1f{{ $v }}\x1e{{ end }}'
              '\x1d{{ .Value }}\x1c{{ end }}')


def decode_query_dump(out):
    """Turns a QUERY_DUMP rendering back into samples (or the query's error)."""
    m = re.match(r"<error expanding template: .*?error calling query: (.*)>$", out, re.S)
    if m:
        return {"error": m.group(1)}
    samples = []
    for s in out.split("\x1c")[:-1]:
        lab, val = s.split("\x1d")
        labels = dict(kv.split("\x1f") for kv in lab.split("\x1e")[:-1])
        samples.append({"labels": labels, "value": val})
    return {"samples": samples}


# ---------------------------------------------------------------------------
# Emitting Swift


def swift_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif o < 0x20 or 0x7f <= o < 0xa0 or 0x2028 <= o <= 0x2029:
            out.append("\\u{%x}" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def swift_double(v):
    low = v.lower()
    if low == "nan":
        return ".nan"
    if low in ("inf", "+inf"):
        return ".infinity"
    if low == "-inf":
        return "-.infinity"
    if v == "-0":
        return "-0.0"
    f = float(v)
    if f != 0 and abs(f) < 2.2250738585072014e-308:
        # Subnormal: a literal would warn about underflow; spell out the bits.
        return "Double(bitPattern: 0x%016x)" % struct.unpack("<Q", struct.pack("<d", f))[0]
    r = repr(f)
    if "e" not in r and "." not in r and "inf" not in r:
        r += ".0"
    return r


def swift_labels(labels):
    labels = {k: v for k, v in labels.items() if v != ""}
    if not labels:
        return "[:]"
    return "[" + ", ".join("%s: %s" % (swift_string(k), swift_string(v)) for k, v in sorted(labels.items())) + "]"


def emit(cases, outputs, parse_errors, queries):
    lines = ["// BEGIN ORACLE TABLE (generated by template_oracle.py from promtool 2.42; do not edit by hand)"]
    lines.append("private let oracleQueries: [String: OracleQuery] = [")
    for q in QUERIES:
        r = queries[q]
        if "error" in r:
            lines.append("    %s: .failure(%s)," % (swift_string(q), swift_string(r["error"])))
        else:
            ss = ", ".join("QuerySample(labels: %s, value: %s)" % (swift_labels(s["labels"]), swift_double(s["value"]))
                           for s in r["samples"])
            lines.append("    %s: .samples([%s])," % (swift_string(q), ss))
    lines.append("]")
    lines.append("")
    lines.append("private let oracleCases: [OracleCase] = [")
    for c, out in zip(cases, outputs):
        lines.append("    OracleCase(%s, value: %s, labels: %s,\n               expected: %s)," % (
            swift_string(c["template"]), swift_double(c["value"]), swift_labels(c["labels"]), swift_string(out)))
    lines.append("]")
    lines.append("")
    lines.append("private let oracleParseErrors: [(template: String, message: String)] = [")
    for t, msg in parse_errors:
        lines.append("    (%s, %s)," % (swift_string(t), swift_string(msg)))
    lines.append("]")
    lines.append("// END ORACLE TABLE")
    return "\n".join(lines)


def main():
    # The order of a query's result depends on the order promtool happened to
    # create the series in, so the query dumps run in the same promtool run
    # (same storage) as the cases that use them.
    dumps = [case(QUERY_DUMP % q) for q in QUERIES]
    everything = collect_renderings(CASES + dumps)
    outputs = everything[:len(CASES)]
    queries = {q: decode_query_dump(o) for q, o in zip(QUERIES, everything[len(CASES):])}
    parse_errors = [(t, collect_parse_error(t)) for t in PARSE_ERRORS]
    table = emit(CASES, outputs, parse_errors, queries)
    if "--json" in sys.argv:
        path = sys.argv[sys.argv.index("--json") + 1]
        with open(path, "w") as f:
            json.dump({"cases": [dict(c, expected=o) for c, o in zip(CASES, outputs)],
                       "parse_errors": parse_errors, "queries": queries}, f, indent=1, ensure_ascii=False)
    with open(SWIFT_TESTS) as f:
        src = f.read()
    start = src.index("// BEGIN ORACLE TABLE")
    end = src.index("// END ORACLE TABLE") + len("// END ORACLE TABLE")
    with open(SWIFT_TESTS, "w") as f:
        f.write(src[:start] + table + src[end:])
    print("%d render cases, %d parse-error cases, %d queries" % (len(CASES), len(parse_errors), len(queries)))


if __name__ == "__main__":
    main()
