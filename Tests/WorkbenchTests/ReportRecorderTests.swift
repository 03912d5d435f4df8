// What `opslab serve` writes to the store: collector reports plus staleness
// markers, so PromQL over the store drops a series the run it vanished in,
// not five minutes later.

import Foundation
import MetricsStore
import Telemetry
import Testing
import Workbench

@Suite("Recording collector reports")
struct ReportRecorderTests {
    func report(_ devices: [String], at ms: Int64) -> CollectorReport {
        CollectorReport(collector: "disk", status: .ok, durationSeconds: 0,
                        samples: devices.map { Sample("disk_bytes", ["device": $0], 1, timestampMs: ms) })
    }

    @Test func vanishedSeriesEndAtOnceInQueries() throws {
        let t = try TemporaryWorkbench()
        let recorder = ReportRecorder(store: try t.workbench.metricsStore())
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try recorder.record(report(["sda", "sdb"], at: now - 30_000))
        #expect(try t.run("return #metrics.query('disk_bytes')")[0].doubleValue == 2)
        try recorder.record(report(["sda"], at: now - 15_000))
        // Without the marker, sdb's last value would count for the 5 m lookback.
        #expect(try t.run("return #metrics.query('disk_bytes')")[0].doubleValue == 1)
        #expect(try t.run("return metrics.query('disk_bytes')[1].labels.device")[0].stringValue == "sda")
        let sdb = try recorder.store.select([LabelMatcher("device", .equal, "sdb")], from: 0, through: .max)
        #expect(sdb.first?.timestamps == [now - 30_000, now - 15_000])
        #expect(sdb.first?.values.last?.bitPattern == staleNaNBits)
        // A failed run ends the rest; an empty report with nothing due writes nothing.
        try recorder.record(CollectorReport(collector: "disk", status: .timedOut, durationSeconds: 0, samples: []))
        #expect(try t.run("return #metrics.query('disk_bytes')")[0].doubleValue == 0)
        try recorder.record(CollectorReport(collector: "disk", status: .timedOut, durationSeconds: 0, samples: []))
        #expect(try recorder.store.stats().sampleCount == 5)   // 2 + 1 + marker for sdb + marker for sda
    }
}
