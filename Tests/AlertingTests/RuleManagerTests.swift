import Foundation
import PromQL
import Telemetry
import Testing
@testable import Alerting

@Suite struct RuleManagerTests {
    let dir: String = {
        let path = NSTemporaryDirectory() + "opslab-rules-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func write(_ name: String, _ text: String) -> String {
        let path = dir + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func aBrokenReloadKeepsTheOldRules() throws {
        let path = write("r.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: vector(1)\n")
        let manager = RuleManager()
        #expect(manager.load([path]).isEmpty)
        let storage = TestStorage()
        try manager.evaluateAll(at: 0, context: RuleContext(source: storage), output: { _, _ in })
        #expect(manager.groups.first?.alertingRules.first?.state == .firing)
        _ = write("r.yml", "groups: [\n")
        let problems = manager.reload()
        #expect(problems.first?.description.contains("YAML syntax error") == true)
        #expect(manager.groups.first?.alertingRules.map(\.name) == ["A"])
        #expect(manager.groups.first?.alertingRules.first?.state == .firing)
    }

    @Test func unchangedRulesKeepTheirAlertsAcrossAReload() throws {
        let path = write("r.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: vector(1)\n    for: 10m\n")
        let manager = RuleManager()
        manager.load([path])
        try manager.evaluateAll(at: 0, context: RuleContext(source: TestStorage()), output: { _, _ in })
        _ = write("r.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: vector(1)\n    for: 10m\n  - alert: B\n    expr: vector(1)\n")
        #expect(manager.reload().isEmpty)
        let a = try #require(manager.groups.first?.alertingRules.first { $0.name == "A" })
        #expect(a.alerts.first?.activeAt == 0)
    }

    @Test func removedRulesGetStaleMarkers() throws {
        let path = write("r.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: vector(1)\n  - alert: B\n    expr: vector(1)\n")
        let manager = RuleManager()
        manager.load([path])
        try manager.evaluateAll(at: 0, context: RuleContext(source: TestStorage()), output: { _, _ in })
        _ = write("r.yml", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: vector(1)\n")
        manager.reload()
        let retired = manager.takeRetiredSeries()
        #expect(retired.contains { $0["alertname"] == "B" && $0["__name__"] == "ALERTS" })
        #expect(!retired.contains { $0["alertname"] == "A" })
        #expect(manager.takeRetiredSeries().isEmpty)
    }

    @Test func duplicateRulesAcrossFilesAreReported() {
        let a = write("a.yml", "groups:\n- name: ga\n  rules:\n  - record: job:x\n    expr: vector(1)\n")
        let b = write("b.yml", "groups:\n- name: gb\n  rules:\n  - record: job:x\n    expr: vector(2)\n  - alert: Distinct\n    expr: up\n")
        let manager = RuleManager()
        let problems = manager.load([a, b])
        #expect(problems.count == 1)
        #expect(problems.first?.description.contains("job:x duplicates the one in group \"ga\"") == true, "\(problems)")
        // Both still load, as Prometheus loads them.
        #expect(manager.groups.count == 2)
    }

    @Test func globsAndMissingFiles() {
        _ = write("one.yml", "groups:\n- name: one\n  rules: []\n")
        _ = write("two.yml", "groups:\n- name: two\n  rules: []\n")
        let manager = RuleManager()
        #expect(manager.load([dir + "/*.yml"]).isEmpty)
        #expect(manager.groups.map(\.name) == ["one", "two"])
        #expect(manager.load([dir + "/missing.yml"]).first?.description.contains("no rule file matches") == true)
    }

    @Test func schedulingFollowsEachGroupsInterval() {
        let path = write("r.yml", "groups:\n- name: fast\n  interval: 10s\n  rules: []\n- name: slow\n  interval: 1m\n  rules: []\n")
        let manager = RuleManager()
        manager.load([path])
        var (due, next) = manager.dueGroups(at: 0)
        #expect(due.map(\.name) == ["fast", "slow"] && next == 10_000)
        (due, next) = manager.dueGroups(at: 10_000)
        #expect(due.map(\.name) == ["fast"] && next == 20_000)
        (due, _) = manager.dueGroups(at: 60_000)
        #expect(due.map(\.name) == ["fast", "slow"])
    }

    @Test func intervalsOfCenturiesDoNotOverflow() {
        let path = write("r.yml", "groups:\n- name: slow\n  interval: 292000y\n  rules: []\n")
        let manager = RuleManager()
        #expect(manager.load([path]).isEmpty)
        let (due, next) = manager.dueGroups(at: 1_800_000_000_000)
        #expect(due.count == 1 && next > 1_800_000_000_000)
    }

    @Test func evalTimesTooFarAwayAreRefused() throws {
        let test = RuleTestFile.TestGroup(intervalMs: 60_000, inputSeries: [("up", "1")],
                                          alertTests: [.init(evalTimeMs: 100 * 365 * 86_400_000, alertname: "A", expected: [])])
        let failures = try RuleTestRunner.run(test, groups: [], evaluationIntervalMs: 60_000)
        #expect(failures.first?.contains("evaluation intervals away") == true, "\(failures)")
        let far = RuleTestFile.TestGroup(intervalMs: 3_000_000_000_000_000_000, inputSeries: [("up", "1 1 1 1 1")])
        #expect(try RuleTestRunner.run(far, groups: [], evaluationIntervalMs: 60_000).first?.contains("runs past") == true)
    }

    @Test func shellRulesReplaceByName() throws {
        let manager = RuleManager()
        let rule = try RuleDefinition(kind: .alerting, name: "A", expression: .promql(try Query.parse("up"), text: "up"))
        manager.add(rule, group: "shell")
        manager.add(rule, group: "shell")
        #expect(manager.groups.first?.rules.count == 1)
        #expect(manager.remove(name: "A") == 1)
        #expect(manager.groups.isEmpty)
    }
}
