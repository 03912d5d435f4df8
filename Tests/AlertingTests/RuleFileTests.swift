import Testing
@testable import Alerting

@Suite struct RuleFileTests {
    @Test func loadsPrometheusRuleFiles() throws {
        let file = RuleFile.parse("""
            groups:
            - name: node
              interval: 30s
              limit: 10
              rules:
              - record: job:up:sum
                expr: sum by (job) (up)
                labels: {team: infra}
              - alert: InstanceDown
                expr: up == 0
                for: 5m
                keep_firing_for: 10m
                labels:
                  severity: page
                annotations:
                  summary: "{{ $labels.instance }} is down"
            """, file: "rules.yml")
        #expect(file.problems.isEmpty)
        let group = try #require(file.groups.first)
        #expect(group.name == "node" && group.intervalMs == 30_000 && group.limit == 10)
        #expect(group.rules.map(\.name) == ["job:up:sum", "InstanceDown"])
        let alert = group.rules[1]
        #expect(alert.kind == .alerting && alert.holdDurationMs == 300_000 && alert.keepFiringForMs == 600_000)
        #expect(alert.labels.map(\.0) == ["severity"])
    }

    @Test func unknownFieldsAreNamedWithFileLineAndRule() {
        let file = RuleFile.parse("""
            groups:
            - name: g
              rules:
              - alert: A
                expr: up
                anotations: {summary: x}
              - alert: B
                expr: up
            """, file: "r.yml")
        #expect(file.problems.count == 1)
        let text = file.problems.first?.description ?? ""
        #expect(text.contains("r.yml:6") && text.contains("anotations") && text.contains("(A)"), "\(text)")
        // The other rule still loads.
        #expect(file.groups.first?.rules.map(\.name) == ["B"])
    }

    @Test func aRuleThatDoesNotParseIsReportedAndTheOthersLoad() {
        let file = RuleFile.parse("""
            groups:
            - name: g
              rules:
              - alert: Good
                expr: up == 0
              - alert: Bad
                expr: rate(up[5m]
            """, file: "r.yml")
        #expect(file.groups.first?.rules.map(\.name) == ["Good"])
        #expect(file.problems.first?.description.contains("could not parse expression") == true)
        #expect(file.problems.first?.line == 7)
    }

    @Test(arguments: [
        ("groups: [", "YAML syntax error"),
        ("groups:\n- name: a\n  rules: []\n- name: a\n  rules: []", "repeated in the same file"),
        ("groups:\n- rules: []", "a group needs a name"),
        ("groups:\n- name: a\n  interval: soon\n  rules: []", "interval must be a positive duration"),
        ("groups:\n- name: a\n  limit: -1\n  rules: []", "non-negative integer"),
        ("rules: []", "field rules is not allowed"),
        ("groups:\n- name: a\n  query_offset: 1m\n  rules: []", "query_offset is not supported"),
    ])
    func fileLevelProblemsLoadNothing(text: String, message: String) {
        let file = RuleFile.parse(text, file: "r.yml")
        #expect(file.groups.isEmpty)
        #expect(file.problems.first?.description.contains(message) == true, "\(file.problems)")
    }

    @Test(arguments: [
        ("- record: x\n    expr: up\n    for: 5m", "invalid field 'for' in recording rule"),
        ("- record: x\n    expr: up\n    annotations: {a: b}", "invalid field 'annotations'"),
        ("- record: 'bad name'\n    expr: up", "invalid recording rule name"),
        ("- alert: A\n    record: b\n    expr: up", "only one of"),
        ("- expr: up", "one of 'record' or 'alert' must be set"),
        ("- alert: A", "field 'expr' must be set"),
        ("- alert: A\n    expr: up\n    for: forever", "for must be a duration"),
        ("- alert: A\n    expr: up\n    labels: {__name__: x}", "invalid label name"),
        ("- alert: A\n    expr: up\n    labels: {'9lives': x}", "invalid label name"),
        ("- alert: A\n    expr: up\n    annotations: {'a-b': x}", "invalid annotation name"),
        ("- alert: A\n    expr: up\n    labels: {a: x, a: y}", "duplicate"),
    ])
    func ruleLevelProblems(rule: String, message: String) {
        let file = RuleFile.parse("groups:\n- name: g\n  rules:\n  \(rule)\n", file: "r.yml")
        #expect(file.problems.contains { $0.description.contains(message) }, "\(file.problems)")
    }

    @Test func zeroDurationsAreModelDurations() {
        // Prometheus's model.Duration reads a bare 0; files that use it load unchanged.
        let file = RuleFile.parse("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 0\n    keep_firing_for: 0s\n", file: "r.yml")
        #expect(file.problems.isEmpty, "\(file.problems)")
        #expect(file.groups.first?.rules.first?.holdDurationMs == 0)
    }

    @Test func emptyAndNullDocumentsHaveNoGroups() {
        #expect(RuleFile.parse("", file: "r.yml").problems.isEmpty)
        #expect(RuleFile.parse("groups:", file: "r.yml").problems.isEmpty)
    }

    @Test func manyRulesLoad() {
        for count in [0, 200, 10_000] {
            var text = count == 0 ? "groups:\n- name: g\n  rules: []\n" : "groups:\n- name: g\n  rules:\n"
            for i in 0..<count { text += "  - alert: A\(i)\n    expr: up > \(i)\n" }
            let file = RuleFile.parse(text, file: "r.yml")
            #expect(file.problems.isEmpty)
            #expect(file.groups.first?.rules.count == count)
        }
    }

    @Test func missingFileIsAProblem() {
        let file = RuleFile.load(path: "/nonexistent/rules.yml")
        #expect(file.problems.first?.description.contains("cannot read") == true)
    }
}
