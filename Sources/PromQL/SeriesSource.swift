// Where the engine reads samples from.
//
// The engine never sees the storage directly: it asks a `SeriesSource` for the
// series that match a selector's label matchers (Telemetry's LabelMatcher,
// which the store takes too) within a time window. The
// time-series store (built separately) conforms to this protocol; tests and
// the differential harness use `InMemorySeriesSource`.

import Foundation
import Telemetry

/// One series as a source returns it: all labels (the metric name under
/// `__name__`) and its samples in time order.
public struct SourceSeries: Sendable {
    /// Labels including `__name__`.
    public var labels: Labels
    /// Sample times in milliseconds since the epoch, ascending.
    public var timestamps: [Int64]
    /// Sample values; a staleness marker is a NaN with `staleNaNBits`.
    public var values: [Double]

    /// Creates a series; `timestamps` and `values` must have the same length.
    public init(labels: Labels, timestamps: [Int64], values: [Double]) {
        self.labels = labels
        let n = min(timestamps.count, values.count)
        self.timestamps = Array(timestamps.prefix(n))
        self.values = Array(values.prefix(n))
    }
}

/// Reads series for the engine.
public protocol SeriesSource {
    /// The series whose labels satisfy every matcher, each holding only its
    /// samples with `from <= t <= through`; series without such samples may be
    /// left out. Staleness markers are returned like any other sample.
    func select(_ matchers: [LabelMatcher], from: Int64, through: Int64) throws -> [SourceSeries]
}

/// A `SeriesSource` over series held in memory, for tests and the harness.
public struct InMemorySeriesSource: SeriesSource, Sendable {
    /// Every series, sorted by labels.
    public private(set) var series: [SourceSeries]

    /// Creates a source; samples of each series are sorted by time, and the
    /// series by labels, the order Prometheus's storage returns.
    public init(_ series: [SourceSeries]) {
        self.series = series.map { s in
            let order = s.timestamps.indices.sorted { s.timestamps[$0] < s.timestamps[$1] }
            return SourceSeries(labels: s.labels, timestamps: order.map { s.timestamps[$0] }, values: order.map { s.values[$0] })
        }.sorted { labelsLess($0.labels, $1.labels) }
    }

    /// Builds a source from samples; samples of one name and label set form one series.
    public init(samples: [Sample]) {
        var byKey: [Labels: (t: [Int64], v: [Double])] = [:]
        for sample in samples {
            let labels = sample.labels.with("__name__", sample.name)
            byKey[labels, default: ([], [])].t.append(sample.timestampMs)
            byKey[labels, default: ([], [])].v.append(sample.value)
        }
        self.init(byKey.map { SourceSeries(labels: $0.key, timestamps: $0.value.t, values: $0.value.v) })
    }

    /// Series matching all matchers, cut to `[from, through]`.
    public func select(_ matchers: [LabelMatcher], from: Int64, through: Int64) throws -> [SourceSeries] {
        var out: [SourceSeries] = []
        for s in series where matchers.allSatisfy({ $0.matches(labels: s.labels) }) {
            let lo = lowerBound(s.timestamps, from)
            var hi = lo
            while hi < s.timestamps.count, s.timestamps[hi] <= through { hi += 1 }
            if hi > lo {
                out.append(SourceSeries(labels: s.labels, timestamps: Array(s.timestamps[lo..<hi]), values: Array(s.values[lo..<hi])))
            }
        }
        return out
    }
}

/// Index of the first element `>= value` in an ascending array.
func lowerBound(_ array: [Int64], _ value: Int64) -> Int {
    var lo = 0, hi = array.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if array[mid] < value { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// Prometheus's label-set order: pair by pair, name then value, shorter first.
/// Series reach functions in this order, which decides ties in topk/bottomk.
func labelsLess(_ a: Labels, _ b: Labels) -> Bool {
    for (x, y) in zip(a.pairs, b.pairs) {
        if x.name != y.name { return x.name.utf8.lexicographicallyPrecedes(y.name.utf8) }
        if x.value != y.value { return x.value.utf8.lexicographicallyPrecedes(y.value.utf8) }
    }
    return a.count < b.count
}
