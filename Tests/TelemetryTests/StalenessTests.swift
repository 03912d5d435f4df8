// Staleness markers after collector runs: due exactly for the series a run
// no longer reports, once, with Prometheus's bit pattern.

import Testing
import Telemetry

@Suite("Staleness markers")
struct StalenessTests {
    func report(_ devices: [String], at t: Int64, collector: String = "disk", status: CollectorStatus = .ok) -> CollectorReport {
        CollectorReport(collector: collector, status: status, durationSeconds: 0,
                        samples: devices.map { Sample("disk_bytes", ["device": $0], 1, timestampMs: t) })
    }

    @Test func vanishedSeriesGetOneMarkerAtTheRunsTime() {
        let tracker = StalenessTracker()
        #expect(tracker.markers(after: report(["sda", "sdb", "sdc"], at: 1000), nowMs: 0).isEmpty)
        let markers = tracker.markers(after: report(["sda"], at: 2000), nowMs: 9999)
        #expect(markers.map(\.labels) == [["device": "sdb"], ["device": "sdc"]])
        #expect(markers.allSatisfy { $0.name == "disk_bytes" && $0.timestampMs == 2000 })
        #expect(markers.allSatisfy { $0.value.bitPattern == 0x7ff0_0000_0000_0002 && isStaleNaN($0.value) })
        #expect(!isStaleNaN(.nan))
        // Once ended, a series is not ended again; one that comes back is live.
        #expect(tracker.markers(after: report(["sda"], at: 3000), nowMs: 0).isEmpty)
        #expect(tracker.markers(after: report(["sda", "sdb"], at: 4000), nowMs: 0).isEmpty)
        #expect(tracker.markers(after: report(["sda"], at: 5000), nowMs: 0).map(\.labels) == [["device": "sdb"]])
    }

    @Test func failedRunsEndEverySeriesAndSkippedRunsNothing() {
        let tracker = StalenessTracker()
        _ = tracker.markers(after: report(["sda", "sdb"], at: 1000), nowMs: 0)
        #expect(tracker.markers(after: report([], at: 0, status: .skipped), nowMs: 1500).isEmpty)
        let failed = tracker.markers(after: report([], at: 0, status: .timedOut), nowMs: 2000)
        #expect(failed.count == 2 && failed.allSatisfy { $0.timestampMs == 2000 && isStaleNaN($0.value) })
        #expect(tracker.markers(after: report([], at: 0, status: .failed("x")), nowMs: 3000).isEmpty)
    }

    @Test func collectorsAreTrackedApart() {
        let tracker = StalenessTracker()
        _ = tracker.markers(after: report(["x"], at: 1000, collector: "a"), nowMs: 0)
        #expect(tracker.markers(after: report(["y"], at: 1000, collector: "b"), nowMs: 0).isEmpty)
        #expect(tracker.markers(after: report(["x"], at: 2000, collector: "a"), nowMs: 0).isEmpty)
        #expect(tracker.markers(after: report([], at: 2000, collector: "b"), nowMs: 0).map(\.labels) == [["device": "y"]])
    }
}
