// Staleness markers: how a series says it has ended.
//
// Prometheus's scrape loop remembers the series each target returned; when a
// scrape lacks one of them, or fails, it writes a staleness marker for it, a
// NaN with a bit pattern no arithmetic produces. Queries then stop returning
// the series at once instead of repeating its last value for the five-minute
// lookback. `opslab serve` does the same per collector, which plays the part
// of a target: a disk that is unmounted or a process that exits ends its
// series the moment it stops being reported.

/// The bit pattern Prometheus writes as a staleness marker: a NaN that ends a
/// series, distinct from NaN values a target may report.
public let staleNaNBits: UInt64 = 0x7ff0_0000_0000_0002

/// The staleness-marker value.
public let staleNaN = Double(bitPattern: staleNaNBits)

/// True when `value` is a staleness marker (not just any NaN).
@inlinable public func isStaleNaN(_ value: Double) -> Bool {
    value.bitPattern == staleNaNBits
}

/// Remembers the series each collector reported in its last run and gives
/// the staleness markers due when a run no longer reports some of them.
public final class StalenessTracker: Sendable {
    private let previous = Locked<[String: Set<SeriesKey>]>([:])

    /// Creates a tracker that has seen no run.
    public init() {}

    /// The markers due after `report`: one for every series the collector's
    /// previous run reported and this one does not, stamped with this run's
    /// sample time (`nowMs` when the run kept no samples). A run that failed
    /// or timed out reports nothing, so it ends all of the collector's
    /// series, as a failed scrape does; a skipped run (the previous one still
    /// in flight) changes nothing.
    public func markers(after report: CollectorReport, nowMs: Int64) -> [Sample] {
        if report.status == .skipped { return [] }
        var current = Set<SeriesKey>()
        current.reserveCapacity(report.samples.count)
        for sample in report.samples { current.insert(sample.seriesKey) }
        let gone = previous.withLock { all -> [SeriesKey] in
            let before = all[report.collector] ?? []
            all[report.collector] = current
            return before.subtracting(current).sorted()
        }
        let timestampMs = report.samples.map(\.timestampMs).max() ?? nowMs
        return gone.map { Sample($0.name, $0.labels, staleNaN, timestampMs: timestampMs) }
    }
}
