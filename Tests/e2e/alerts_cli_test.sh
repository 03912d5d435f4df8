#!/usr/bin/env bash
# `opslab alerts check` and `opslab alerts test` as a user runs them: exit
# statuses, messages that name file, line and rule, and bad input.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

cat > good.yml <<'YAML'
groups:
- name: node
  rules:
  - alert: InstanceDown
    expr: up == 0
    for: 2m
    labels: {severity: page}
    annotations: {summary: "{{ $labels.instance }} down"}
  - record: job:up:sum
    expr: sum by (job) (up)
YAML
out=$("$OPSLAB" alerts check good.yml 2>&1); rc=$?
check "check accepts a good file ($out)" [ $rc -eq 0 ]
check "check counts groups and rules" contains "$out" "1 groups, 2 rules"

printf 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    anotations: {a: b}\n' > typo.yml
out=$("$OPSLAB" alerts check typo.yml 2>&1); rc=$?
check "an unknown field fails check" [ $rc -eq 1 ]
check "and is named with file, line and rule ($out)" contains "$out" "typo.yml:6: group \"g\", rule 1 (A): field anotations is not allowed"

printf 'groups: [\n' > broken.yml
out=$("$OPSLAB" alerts check broken.yml 2>&1); rc=$?
check "YAML syntax error fails with the line ($out)" [ $rc -eq 1 ] && contains "$out" "broken.yml:2: YAML syntax error"

printf 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum(rate(x[5m])\n  - alert: B\n    expr: up\n' > parse.yml
out=$("$OPSLAB" alerts check parse.yml 2>&1); rc=$?
check "a PromQL parse error names the rule ($out)" [ $rc -eq 1 ] && contains "$out" "rule 1 (A): could not parse expression"

printf 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations: {s: "{{ nosuchfunc 1 }}"}\n' > tmpl.yml
out=$("$OPSLAB" alerts check tmpl.yml 2>&1); rc=$?
check "a template with an unknown function fails at load ($out)" [ $rc -eq 1 ] && contains "$out" "nosuchfunc"

out=$("$OPSLAB" alerts check missing.yml 2>&1); rc=$?
check "a missing file fails check" [ $rc -eq 1 ] && contains "$out" "cannot read"

cat > test.yml <<'YAML'
rule_files: [good.yml]
tests:
- interval: 1m
  input_series:
  - series: 'up{job="api", instance="a"}'
    values: '1 1 0 0 0 0'
  alert_rule_test:
  - eval_time: 5m
    alertname: InstanceDown
    exp_alerts:
    - exp_labels: {severity: page, instance: a, job: api}
      exp_annotations: {summary: "a down"}
  promql_expr_test:
  - expr: job:up:sum
    eval_time: 4m
    exp_samples:
    - labels: 'job:up:sum{job="api"}'
      value: 0
YAML
out=$("$OPSLAB" alerts test test.yml 2>&1); rc=$?
check "a passing unit test exits 0 ($out)" [ $rc -eq 0 ] && contains "$out" "SUCCESS"
sed 's/value: 0/value: 1/' test.yml > failing.yml
out=$("$OPSLAB" alerts test failing.yml 2>&1); rc=$?
check "a failing unit test exits 1" [ $rc -eq 1 ]
check "and shows expected and got as promtool does ($out)" contains "$out" 'exp: {__name__="job:up:sum", job="api"} 1E+00'
out=$("$OPSLAB" alerts test test.yml failing.yml 2>&1); rc=$?
check "one failing file among several fails the run" [ $rc -eq 1 ] && contains "$out" "SUCCESS"
printf 'rule_files: [good.yml]\ntests:\n- input_series:\n  - series: up\n    values: "1+1x99999999999"\n' > huge.yml
out=$("$OPSLAB" alerts test huge.yml 2>&1); rc=$?
check "an input series that expands too far is refused ($out)" [ $rc -eq 1 ] && contains "$out" "more than"
out=$("$OPSLAB" alerts test nothere.yml 2>&1); rc=$?
check "a missing test file fails" [ $rc -eq 1 ]
out=$("$OPSLAB" alerts --help 2>&1)
check "help lists test and check" contains "$out" "test" && contains "$out" "check"
out=$("$OPSLAB" serve --help 2>&1)
check "serve help documents --rules" contains "$out" "--rules" && contains "$out" "--evaluation-interval"

echo "alerts cli: $PASSED passed, $FAILED failed"
[ $FAILED -eq 0 ]
