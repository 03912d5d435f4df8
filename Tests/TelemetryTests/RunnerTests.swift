// Collector health: a throwing, a hanging and a malformed collector are each
// cut off and reported while the healthy one carries on.

import Foundation
import Testing
@testable import Telemetry

struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

@Suite struct CollectorRunnerTests {
    static let throwing = ScriptedCollector(name: "throwing") { _ in throw Boom() }
    static let hanging = ScriptedCollector(name: "hanging", timeout: 0.3) { _ in
        Thread.sleep(forTimeInterval: 2)
        return []
    }
    static let badName = ScriptedCollector(name: "bad_name") { ctx in
        [Sample("bad name", 1, timestampMs: ctx.timestampMs)]
    }
    static let duplicate = ScriptedCollector(name: "duplicate") { ctx in
        [Sample("scripted_value", 1, timestampMs: ctx.timestampMs), Sample("scripted_value", 2, timestampMs: ctx.timestampMs)]
    }
    static let nanLabel = ScriptedCollector(name: "nan_label") { ctx in
        [Sample("scripted_value", ["gpu": "NaN"], 1, timestampMs: ctx.timestampMs)]
    }

    @Test func badCollectorsAreCutOffAndOthersCarryOn() {
        let runner = CollectorRunner(collectors: [goodCollector("good"), Self.throwing, Self.hanging,
                                                  Self.badName, Self.duplicate, Self.nanLabel])
        let start = Date()
        let pass = runner.runPass()
        #expect(Date().timeIntervalSince(start) < 1.5, "collectors run concurrently, the hang is cut at 0.3 s")
        let status = Dictionary(uniqueKeysWithValues: pass.reports.map { ($0.collector, $0.status) })
        #expect(status["good"] == .ok)
        #expect(status["throwing"] == .failed("boom"))
        #expect(status["hanging"] == .timedOut)
        #expect(status["bad_name"] == .malformed("invalid metric name 'bad name'"))
        if case .malformed = status["duplicate"] {} else { Issue.record("duplicate series not caught") }
        if case .malformed = status["nan_label"] {} else { Issue.record("NaN label not caught") }

        let s = pass.samples
        #expect(s.value("scripted_value", ["source": "good"]) == 1)
        #expect(s.named("scripted_value").count == 1, "rejected collectors contribute nothing")
        #expect(s.value("opslab_collector_up", ["collector": "good"]) == 1)
        #expect(s.value("opslab_collector_up", ["collector": "throwing"]) == 0)
        #expect(s.value("opslab_collector_errors_total", ["collector": "throwing"]) == 1)
        #expect(s.value("opslab_collector_errors_total", ["collector": "bad_name"]) == 1)
        #expect(s.value("opslab_collector_timeouts_total", ["collector": "hanging"]) == 1)
        #expect(s.value("opslab_collector_samples", ["collector": "good"]) == 1)
        #expect((s.value("opslab_collector_duration_seconds", ["collector": "hanging"]) ?? 0) >= 0.29)
        #expect(runner.health(of: "throwing").lastError == "boom")

        // The hung run is still in flight: the next pass skips it instead of
        // starting a second thread, and counts the skip.
        let second = runner.runPass(only: ["hanging", "good"])
        #expect(second.reports.first { $0.collector == "hanging" }?.status == .skipped)
        #expect(second.samples.value("opslab_collector_skipped_ticks_total", ["collector": "hanging"]) == 1)
        #expect(second.samples.value("opslab_collector_timeouts_total", ["collector": "hanging"]) == 1)
    }

    @Test func passRendersAsValidExposition() {
        let runner = CollectorRunner(collectors: [goodCollector("a"), goodCollector("b", value: 2), Self.throwing])
        let text = runner.runPass().exposition(catalog: runner.catalog)
        #expect(text.contains("# TYPE opslab_collector_errors_total counter\n"))
        #expect(text.contains("opslab_collector_up{collector=\"throwing\"} 0\n"))
        #expect(text.contains("scripted_value{source=\"b\"} 2\n"))
        #expect(text.components(separatedBy: "# TYPE scripted_value gauge").count == 2)
    }

    @Test func duplicateSeriesAcrossCollectorsKeepTheFirst() {
        let one = ScriptedCollector(name: "one") { ctx in [Sample("scripted_value", 1, timestampMs: ctx.timestampMs)] }
        let two = ScriptedCollector(name: "two") { ctx in [Sample("scripted_value", 2, timestampMs: ctx.timestampMs)] }
        let pass = CollectorRunner(collectors: [one, two]).runPass()
        #expect(pass.samples.value("scripted_value") == 1)
    }
}
