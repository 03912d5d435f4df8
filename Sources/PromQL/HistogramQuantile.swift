// histogram_quantile over classic (bucketed) histograms.
//
// Buckets are the series of one histogram that differ only in `le`; their
// cumulative counts are interpolated linearly within the bucket where the
// rank falls, exactly as Prometheus's bucketQuantile does, including its
// repairs: buckets with the same bound are merged, counts that decrease
// (scrape races) are raised to stay monotonic, and a histogram without a
// +Inf bucket yields NaN.

import Telemetry

/// One bucket: its upper bound and cumulative count.
private struct Bucket {
    var upperBound: Double
    var count: Double
}

/// The q-quantile of each histogram in `vector`; elements without a
/// parseable `le` label are ignored. Result labels drop `le` and the name.
func histogramQuantile(_ q: Double, _ vector: [VectorElement]) -> [VectorElement] {
    var order: [Labels] = []
    var histograms: [Labels: [Bucket]] = [:]
    for e in vector {
        guard let le = e.labels["le"], let bound = parseGoFloat(le) else { continue }
        let key = e.labels.removing(["le", "__name__"])
        if histograms[key] == nil { order.append(key) }
        histograms[key, default: []].append(Bucket(upperBound: bound, count: e.value))
    }
    return order.compactMap { key in
        guard let buckets = histograms[key], !buckets.isEmpty else { return nil }
        return (key, bucketQuantile(q, buckets))
    }
}

private func bucketQuantile(_ q: Double, _ unsorted: [Bucket]) -> Double {
    if q.isNaN { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    var buckets = unsorted.sorted { $0.upperBound < $1.upperBound }
    guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
    buckets = coalesce(buckets)
    var maximum = -Double.infinity
    for i in buckets.indices {
        if buckets[i].count > maximum { maximum = buckets[i].count } else if buckets[i].count < maximum { buckets[i].count = maximum }
    }
    guard buckets.count >= 2 else { return .nan }
    let observations = buckets[buckets.count - 1].count
    if observations == 0 { return .nan }
    var rank = q * observations
    // sort.Search over all but the +Inf bucket.
    var b = buckets.count - 1
    for i in 0..<(buckets.count - 1) where buckets[i].count >= rank {
        b = i
        break
    }
    if b == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
    if b == 0, buckets[0].upperBound <= 0 { return buckets[0].upperBound }
    var bucketStart = 0.0
    let bucketEnd = buckets[b].upperBound
    var count = buckets[b].count
    if b > 0 {
        bucketStart = buckets[b - 1].upperBound
        count -= buckets[b - 1].count
        rank -= buckets[b - 1].count
    }
    return bucketStart + (bucketEnd - bucketStart) * (rank / count)
}

/// Merges buckets with equal bounds (series that differ only in how `le` is spelled).
private func coalesce(_ buckets: [Bucket]) -> [Bucket] {
    var out: [Bucket] = []
    for b in buckets {
        if let last = out.last, last.upperBound == b.upperBound {
            out[out.count - 1].count += b.count
        } else {
            out.append(b)
        }
    }
    return out
}

/// Parses a float the way Go's strconv.ParseFloat accepts `le` values:
/// decimal and exponent forms, Inf/+Inf/-Inf and NaN in any case.
func parseGoFloat(_ text: String) -> Double? {
    switch text.lowercased() {
    case "inf", "+inf", "infinity", "+infinity": return .infinity
    case "-inf", "-infinity": return -.infinity
    case "nan": return .nan
    default: break
    }
    guard !text.isEmpty, text.unicodeScalars.allSatisfy({ isDigit($0) || "+-.eExXpPabcdefABCDEF".unicodeScalars.contains($0) }) else {
        return nil
    }
    return Double(text)
}
