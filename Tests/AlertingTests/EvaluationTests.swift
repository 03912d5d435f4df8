import PromQL
import Telemetry
import Testing
@testable import Alerting

/// Drives one group over a series laid out one sample a minute.
private struct Harness {
    let storage = TestStorage()
    let group: RuleGroup

    init(_ rules: [RuleDefinition], limit: Int = 0, series: [String: String] = [:]) throws {
        group = RuleGroup(name: "g", intervalMs: 60_000, limit: limit, rules: rules)
        for (name, values) in series {
            let labels = try SeriesNotation.labels(of: name)
            for (i, step) in try SeriesNotation.expand(values).enumerated() {
                if case .value(let v) = step { storage.append(labels, Int64(i) * 60_000, v) }
            }
        }
    }

    func evaluate(minute: Int) {
        let storage = self.storage
        try? group.evaluate(at: Int64(minute) * 60_000, context: RuleContext(source: storage),
                       output: { samples, ts in for s in samples { storage.append(s.labels, ts, s.value) } })
    }

    var alerts: [Alert] { group.alertingRules.flatMap(\.alerts) }
}

private func alert(_ expr: String, hold: Int64 = 0, keep: Int64 = 0, labels: [(String, String)] = []) throws -> RuleDefinition {
    try RuleDefinition(kind: .alerting, name: "A", expression: .promql(try Query.parse(expr), text: expr),
                       holdDurationMs: hold, keepFiringForMs: keep, labels: labels)
}

@Suite struct EvaluationTests {
    @Test func pendingThenFiringAfterFor() throws {
        let h = try Harness([alert("x > 0", hold: 120_000)], series: ["x": "1x10"])
        h.evaluate(minute: 0)
        #expect(h.alerts.map(\.state) == [.pending])
        h.evaluate(minute: 1)
        #expect(h.alerts.map(\.state) == [.pending])
        h.evaluate(minute: 2)
        #expect(h.alerts.map(\.state) == [.firing])
        #expect(h.alerts.first?.activeAt == 0 && h.alerts.first?.firedAt == 120_000)
    }

    @Test func pendingAlertClearedIsDropped() throws {
        let h = try Harness([alert("x > 0", hold: 300_000)], series: ["x": "1 1 0 0"])
        h.evaluate(minute: 1)
        h.evaluate(minute: 2)
        #expect(h.alerts.isEmpty)
    }

    @Test func resolvedAlertsAreKeptFifteenMinutes() throws {
        let h = try Harness([alert("x > 0")], series: ["x": "1 0x30"])
        h.evaluate(minute: 0)
        h.evaluate(minute: 1)
        #expect(h.alerts.map(\.state) == [.inactive])
        #expect(h.alerts.first?.resolvedAt == 60_000)
        h.evaluate(minute: 16)
        #expect(h.alerts.count == 1)
        h.evaluate(minute: 17)
        #expect(h.alerts.isEmpty)
    }

    @Test func keepFiringFor() throws {
        let h = try Harness([alert("x > 0", keep: 120_000)], series: ["x": "1 0 0 0 0"])
        h.evaluate(minute: 0)
        h.evaluate(minute: 1)
        #expect(h.alerts.map(\.state) == [.firing])
        h.evaluate(minute: 2)
        #expect(h.alerts.map(\.state) == [.firing])
        h.evaluate(minute: 3)
        #expect(h.alerts.map(\.state) == [.inactive])
    }

    @Test func alertsSeriesAreWrittenAndGoStale() throws {
        let h = try Harness([alert("x > 0", hold: 60_000)], series: ["x{i=\"1\"}": "1 1 0"])
        h.evaluate(minute: 0)
        h.evaluate(minute: 1)
        let engine = Engine(source: h.storage)
        let firing = try engine.instant("ALERTS{alertstate=\"firing\"}", at: 60_000).vector ?? []
        #expect(firing.count == 1 && firing.first?.labels["i"] == "1")
        let forState = try engine.instant("ALERTS_FOR_STATE", at: 60_000).vector ?? []
        #expect(forState.first?.value == 0)
        h.evaluate(minute: 2)
        #expect(try engine.instant("ALERTS", at: 120_000).vector?.isEmpty == true)
    }

    @Test func limitClearsAlertsAndFailsTheRule() throws {
        let h = try Harness([alert("x > 0")], limit: 1, series: ["x{i=\"1\"}": "1", "x{i=\"2\"}": "1"])
        h.evaluate(minute: 0)
        #expect(h.alerts.isEmpty)
        #expect(h.group.rules[0].status.health == .err)
        #expect(h.group.rules[0].status.lastError?.contains("exceeded limit of 1 with 2 alerts") == true)
    }

    @Test func labelsThatCollideAreAnError() throws {
        let h = try Harness([alert("x", labels: [("i", "same")])], series: ["x{i=\"1\"}": "1", "x{i=\"2\"}": "1"])
        h.evaluate(minute: 0)
        #expect(h.group.rules[0].status.lastError?.contains("same labelset") == true)
    }

    @Test func aFailingRuleDoesNotStopTheOthers() throws {
        let failing = try RuleDefinition(kind: .alerting, name: "Lua", expression: .custom(description: "f") { _ in
            throw RuleError("boom")
        })
        let h = try Harness([failing, alert("x > 0")], series: ["x": "1"])
        h.evaluate(minute: 0)
        #expect(h.group.rules[0].status.health == .err)
        #expect(h.group.rules[1].status.health == .ok)
        #expect(h.alerts.count == 1)
        #expect(h.group.status.failures == 1)
    }

    @Test func tenThousandAlertsAtOnce() throws {
        var series = ""
        series = "x"
        let h = try Harness([try RuleDefinition(kind: .alerting, name: "Many", expression: .custom(description: "many") { _ in
            (0..<10_000).map { (Labels(["i": String($0)]), 1) }
        })], series: [series: "1"])
        h.evaluate(minute: 0)
        #expect(h.alerts.count == 10_000)
    }

    @Test func recordingRuleWritesSeries() throws {
        let rule = try RuleDefinition(kind: .recording, name: "x:sum", expression: .promql(try Query.parse("sum(x)"), text: "sum(x)"),
                                      labels: [("team", "infra")])
        let h = try Harness([rule], series: ["x{i=\"1\"}": "1", "x{i=\"2\"}": "2"])
        h.evaluate(minute: 0)
        let v = try Engine(source: h.storage).instant("x:sum", at: 0).vector ?? []
        #expect(v.count == 1 && v.first?.value == 3 && v.first?.labels["team"] == "infra")
    }

    @Test func aStopFromOutsideEndsTheEvaluationWithoutBlamingTheRule() throws {
        struct Interrupted: Error {}
        let group = RuleGroup(name: "g", intervalMs: 60_000, rules: [try alert("x > 0")])
        let context = RuleContext(source: TestStorage(), checkCancellation: { throw Interrupted() })
        #expect(throws: Interrupted.self) { try group.evaluate(at: 0, context: context, output: { _, _ in }) }
        #expect(group.rules[0].status.health == .unknown)
        #expect(group.status.failures == 0)
    }

    @Test func savedStateThatIsNotATimeIsIgnored() throws {
        let storage = TestStorage()
        for (i, bad) in [Double.nan, .infinity, -.infinity, 1e300, 9.3e18].enumerated() {
            storage.append(Labels(["__name__": "ALERTS_FOR_STATE", "alertname": "A", "i": "\(i)"]), 600_000, bad)
            storage.append(Labels(["__name__": "x", "i": "\(i)"]), 900_000, 1)
        }
        let group = RuleGroup(name: "g", intervalMs: 60_000, rules: [try alert("x > 0", hold: 300_000)])
        try group.evaluate(at: 900_000, context: RuleContext(source: storage), output: { _, _ in }, restoreFrom: storage)
        #expect(group.alertingRules[0].alerts.map(\.activeAt) == Array(repeating: 900_000, count: 5))
    }

    @Test func restoreKeepsFiringAndPendingProgress() throws {
        // A previous run wrote ALERTS_FOR_STATE: A1 active since t=0 (firing
        // at the stop, t=10m) and A2 active since t=8m (pending, 2m of 5m).
        let storage = TestStorage()
        storage.append(Labels(["__name__": "ALERTS_FOR_STATE", "alertname": "A", "i": "1"]), 600_000, 0)
        storage.append(Labels(["__name__": "ALERTS_FOR_STATE", "alertname": "A", "i": "2"]), 600_000, 480)
        for i in ["1", "2"] { storage.append(Labels(["__name__": "x", "i": i]), 900_000, 1) }
        let group = RuleGroup(name: "g", intervalMs: 60_000, rules: [try alert("x > 0", hold: 300_000)])
        try group.evaluate(at: 900_000, context: RuleContext(source: storage), output: { _, _ in }, restoreFrom: storage)
        let alerts = group.alertingRules[0].alerts
        let wasFiring = try #require(alerts.first { $0.labels["i"] == "1" })
        let wasPending = try #require(alerts.first { $0.labels["i"] == "2" })
        #expect(wasFiring.activeAt == 0 && wasFiring.state == .firing)
        // 2 of its 5 minutes were done at the stop; the 5 minutes down do not count.
        #expect(wasPending.activeAt == 780_000)
        #expect(wasPending.state == .pending)
    }
}
