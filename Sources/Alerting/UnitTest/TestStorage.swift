// The series of one rule unit test: the input series, and what the rules
// write while the test runs (recorded series, ALERTS, staleness markers).

import PromQL
import Telemetry

final class TestStorage: SeriesSource {
    private var series: [Labels: (t: [Int64], v: [Double])] = [:]

    /// Adds one sample; samples of a series arrive in time order, except
    /// that a rule may write a time the input already has, which replaces it.
    func append(_ labels: Labels, _ t: Int64, _ v: Double) {
        var entry = series[labels] ?? ([], [])
        if let last = entry.t.last, t <= last {
            if t == last { entry.v[entry.v.count - 1] = v } else {
                let i = entry.t.firstIndex { $0 >= t }!
                if entry.t[i] == t { entry.v[i] = v } else { entry.t.insert(t, at: i); entry.v.insert(v, at: i) }
            }
        } else {
            entry.t.append(t)
            entry.v.append(v)
        }
        series[labels] = entry
    }

    func select(_ matchers: [LabelMatcher], from: Int64, through: Int64) throws -> [SourceSeries] {
        var out: [SourceSeries] = []
        for (labels, samples) in series where matchers.allSatisfy({ $0.matches(labels: labels) }) {
            var lo = 0
            while lo < samples.t.count, samples.t[lo] < from { lo += 1 }
            var hi = lo
            while hi < samples.t.count, samples.t[hi] <= through { hi += 1 }
            if hi > lo {
                out.append(SourceSeries(labels: labels, timestamps: Array(samples.t[lo..<hi]), values: Array(samples.v[lo..<hi])))
            }
        }
        return out.sorted { labelsOrder($0.labels, $1.labels) }
    }
}
