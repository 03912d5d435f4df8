// Writing what `opslab serve` collects into the metrics store.
//
// Each collector report is appended as one batch together with the
// staleness markers it makes due (see StalenessTracker), so a series that a
// collector stops reporting ends in the store as it would in Prometheus's
// TSDB, and PromQL over the store stops returning it at once.

import Telemetry

/// Appends collector reports, and the staleness markers they make due, to a store.
public final class ReportRecorder: Sendable {
    /// The store written to.
    public let store: MetricsStore
    private let staleness = StalenessTracker()
    private let clock: any TelemetryClock

    /// Creates a recorder; `clock` stamps markers after runs that kept no samples.
    public init(store: MetricsStore, clock: any TelemetryClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// Appends the report's samples followed by its staleness markers.
    ///
    /// - Throws: the store's error; the markers of a rejected batch are not
    ///   written again later (the next run's series set is what counts).
    public func record(_ report: CollectorReport) throws(StoreError) {
        let samples = report.samples + staleness.markers(after: report, nowMs: clock.nowMs())
        guard !samples.isEmpty else { return }
        try store.append(samples)
    }
}
