// Function implementations.
//
// rate, increase and delta follow Prometheus's extrapolatedRate exactly: the
// change between the first and last sample in the window (plus every value
// lost at a counter reset) is extrapolated towards the window's edges, but
// only by up to half an average sample interval when the series seems to
// start or end inside the window, and a counter is never extrapolated below
// zero. Their arithmetic is written in the same order as Prometheus's so the
// results agree to the last bits.

import Foundation
import Telemetry

extension Engine {
    func call(_ f: Function, _ args: [Expr], at t: Int64) throws -> Value {
        switch f {
        case .time:
            return .scalar(Double(t) / 1000)
        case .pi:
            return .scalar(Double.pi)
        case .dayOfMonth, .dayOfWeek, .daysInMonth, .hour, .minute, .month, .year:
            let input = args.isEmpty ? [(Labels(), Double(t) / 1000)] : try evalVector(args[0], at: t)
            let out = input.map { ($0.labels.droppingName, calendarField(f, $0.value)) }
            try checkUniqueLabels(out)
            return .vector(out)
        case .holtWinters:
            let sf = try evalScalar(args[1], at: t), tf = try evalScalar(args[2], at: t)
            // Prometheus checks the factors per series, so an empty selection is no error.
            if !(try overTime(args[0], f, at: t) { _, _ in 1 }).isEmpty {
                guard sf > 0, sf < 1 else { throw EvaluationError("invalid smoothing factor. Expected: 0 < sf < 1, got: \(sf)") }
                guard tf > 0, tf < 1 else { throw EvaluationError("invalid trend factor. Expected: 0 < tf < 1, got: \(tf)") }
            }
            return .vector(try overTime(args[0], f, at: t) { points, _ in holtWinters(points, sf, tf) })
        case .vector:
            return .vector([(Labels(), try evalScalar(args[0], at: t))])
        case .scalar:
            let v = try evalVector(args[0], at: t)
            return .scalar(v.count == 1 ? v[0].value : .nan)
        case .absent:
            guard try evalVector(args[0], at: t).isEmpty else { return .vector([]) }
            return .vector([(absentLabels(args[0]), 1)])
        case .abs, .ceil, .floor, .exp, .sqrt, .ln, .log2, .log10, .sgn,
             .sin, .cos, .tan, .asin, .acos, .atan, .sinh, .cosh, .tanh, .asinh, .acosh, .atanh, .deg, .rad:
            return .vector(try mapVector(args[0], at: t, f.elementwise ?? { $0 }))
        case .round:
            let toNearest = args.count > 1 ? try evalScalar(args[1], at: t) : 1
            let inverse = 1 / toNearest
            return .vector(try mapVector(args[0], at: t) { (($0 * inverse + 0.5).rounded(.down)) / inverse })
        case .clamp:
            let lo = try evalScalar(args[1], at: t), hi = try evalScalar(args[2], at: t)
            if hi < lo { return .vector([]) }
            return .vector(try mapVector(args[0], at: t) { goMax(lo, goMin(hi, $0)) })
        case .timestamp:
            return .vector(try timestamps(args[0], at: t))
        case .sort, .sortDesc:
            let v = try evalVector(args[0], at: t)
            let ascending: (VectorElement, VectorElement) -> Bool = { $0.value.isNaN || $0.value < $1.value }
            return .vector(f == .sort ? v.sorted(by: ascending) : v.sorted { !ascending($0, $1) })
        case .labelReplace:
            return .vector(try labelReplace(args, at: t))
        case .labelJoin:
            return .vector(try labelJoin(args, at: t))
        case .histogramQuantile:
            let q = try evalScalar(args[0], at: t)
            return .vector(histogramQuantile(q, try evalVector(args[1], at: t)))
        case .absentOverTime:
            guard try overTime(args[0], f, at: t, { _, _ in 1 }).isEmpty else { return .vector([]) }
            var arg = args[0]
            while case .paren(let inner) = arg { arg = inner }
            if case .matrixSelector(let sel, _) = arg { return .vector([(absentLabels(.vectorSelector(sel)), 1)]) }
            return .vector([(Labels(), 1)])
        case .presentOverTime:
            return .vector(try overTime(args[0], f, at: t) { _, _ in 1 })
        case .clampMin:
            let bound = try evalScalar(args[1], at: t)
            return .vector(try mapVector(args[0], at: t) { goMax(bound, $0) })
        case .clampMax:
            let bound = try evalScalar(args[1], at: t)
            return .vector(try mapVector(args[0], at: t) { goMin(bound, $0) })
        case .predictLinear:
            let seconds = try evalScalar(args[1], at: t)
            return .vector(try overTime(args[0], f, at: t) { points, _ in
                guard points.count >= 2 else { return nil }
                let (slope, intercept) = linearRegression(points, interceptTime: t)
                return slope * seconds + intercept
            })
        case .quantileOverTime:
            let q = try evalScalar(args[0], at: t)
            return .vector(try overTime(args[1], f, at: t) { points, _ in quantile(q, points.map(\.v)) })
        default:
            return .vector(try overTime(args[0], f, at: t) { points, window in
                rangeFunction(f, points, window: window, at: t)
            })
        }
    }

    /// Applies `transform` to every value, dropping the metric name.
    func mapVector(_ arg: Expr, at t: Int64, _ transform: (Double) -> Double) throws -> [VectorElement] {
        let out = try evalVector(arg, at: t).map { ($0.labels.droppingName, transform($0.value)) }
        try checkUniqueLabels(out)
        return out
    }

    /// Evaluates a range-vector argument and reduces each series' window to
    /// one value (nil leaves the series out).
    func overTime(_ arg: Expr, _ f: Function, at t: Int64,
                  _ reduce: ([(t: Int64, v: Double)], RangeWindow) -> Double?) throws -> [VectorElement] {
        var arg = arg
        while case .paren(let inner) = arg { arg = inner }  // rate((foo[5m])) is valid
        let window: RangeWindow
        let matrix: Matrix
        switch arg {
        case .matrixSelector(let sel, let range):
            let end = referenceTime(at: sel.at, offset: sel.offset, t)
            window = RangeWindow(start: end &- range, end: end, range: range)
            matrix = try rangeSelect(sel, range: range, at: t)
        case .subquery(let inner, let range, let step, let offset, let at):
            let end = referenceTime(at: at, offset: offset, t)
            window = RangeWindow(start: end &- range, end: end, range: range)
            matrix = try subquery(inner, range: range, step: step, end: end)
        default:
            throw EvaluationError("expected a range vector in call to \(f.name)")
        }
        var out: [VectorElement] = []
        for series in matrix {
            guard let v = reduce(series.points, window) else { continue }
            out.append((f.keepsMetricName ? series.labels : series.labels.droppingName, v))
        }
        try checkUniqueLabels(out)
        return out
    }

    /// absent()'s labels: those of the argument's equality matchers, unless a
    /// label is also constrained some other way (then it is ambiguous).
    func absentLabels(_ arg: Expr) -> Labels {
        var matchers: [LabelMatcher] = []
        if case .vectorSelector(let sel) = arg { matchers = sel.matchers }
        var result: [String: String] = [:]
        var dropped = Set<String>()
        for m in matchers where m.name != "__name__" {
            if m.op == .equal, result[m.name] == nil, !dropped.contains(m.name) {
                result[m.name] = m.value
            } else {
                result[m.name] = nil
                dropped.insert(m.name)
            }
        }
        return Labels(result)
    }
}

/// The window a range function looks at: [start, end], `range` long.
struct RangeWindow {
    var start: Int64
    var end: Int64
    var range: Int64
}

/// The range functions that need only the window's points.
func rangeFunction(_ f: Function, _ points: [(t: Int64, v: Double)], window: RangeWindow, at t: Int64) -> Double? {
    switch f {
    case .rate: return extrapolatedRate(points, window: window, isCounter: true, isRate: true)
    case .increase: return extrapolatedRate(points, window: window, isCounter: true, isRate: false)
    case .delta: return extrapolatedRate(points, window: window, isCounter: false, isRate: false)
    case .irate: return instantValue(points, isRate: true)
    case .idelta: return instantValue(points, isRate: false)
    case .deriv:
        guard points.count >= 2 else { return nil }
        return linearRegression(points, interceptTime: points[0].t).slope
    case .avgOverTime:
        var mean = 0.0, count = 0.0
        for (_, v) in points {
            count += 1
            if mean.isInfinite {
                // Once infinite, the incremental formula would turn into NaN.
                if v.isInfinite && (mean > 0) == (v > 0) { continue }
                if !v.isInfinite && !v.isNaN { continue }
            }
            mean += v / count - mean / count
        }
        return mean
    case .sumOverTime: return points.reduce(0) { $0 + $1.v }
    case .countOverTime: return Double(points.count)
    case .minOverTime:
        var m = points[0].v
        for (_, v) in points where v < m || m.isNaN { m = v }
        return m
    case .maxOverTime:
        var m = points[0].v
        for (_, v) in points where v > m || m.isNaN { m = v }
        return m
    case .lastOverTime: return points.last?.v
    case .changes, .resets:
        var count = 0
        var previous = points[0].v
        for (_, v) in points.dropFirst() {
            if f == .changes ? (v != previous && !(v.isNaN && previous.isNaN)) : v < previous { count += 1 }
            previous = v
        }
        return Double(count)
    case .stddevOverTime, .stdvarOverTime:
        // Welford's algorithm, as Prometheus uses.
        var count = 0.0, mean = 0.0, aux = 0.0
        for (_, v) in points {
            count += 1
            let delta = v - mean
            mean += delta / count
            aux += delta * (v - mean)
        }
        let variance = aux / count
        return f == .stddevOverTime ? variance.squareRoot() : variance
    default: return nil
    }
}

/// Double exponential smoothing, written as Prometheus's funcHoltWinters.
func holtWinters(_ points: [(t: Int64, v: Double)], _ sf: Double, _ tf: Double) -> Double? {
    guard points.count >= 2 else { return nil }
    var s0 = 0.0, s1 = points[0].v
    var b = points[1].v - points[0].v
    for i in 1..<points.count {
        let x = sf * points[i].v
        if i > 1 { b = tf * (s1 - s0) + (1 - tf) * b }   // calcTrendValue(i-1, ...)
        let y = (1 - sf) * (s1 + b)
        (s0, s1) = (s1, x + y)
    }
    return s1
}

/// A calendar field of `seconds` since the epoch, in UTC (Go's time.Unix(int64(v), 0).UTC()).
func calendarField(_ f: Function, _ seconds: Double) -> Double {
    if !seconds.isFinite || Swift.abs(seconds) >= 9.2e18 {
        // Go converts NaN, ±Inf and out-of-range floats to the minimum int64,
        // and time.Unix of that wraps to 292277026596-12-04 15:30 UTC, a Sunday.
        switch f {
        case .year: return 292_277_026_596
        case .month: return 12
        case .dayOfMonth: return 4
        case .daysInMonth: return 31
        case .hour: return 15
        case .minute: return 30
        default: return 0
        }
    }
    guard Swift.abs(seconds) < 1e17 else { return .nan }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
    let date = Date(timeIntervalSince1970: Double(Int64(seconds)))
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
    switch f {
    case .dayOfMonth: return Double(c.day ?? 0)
    case .dayOfWeek: return Double((c.weekday ?? 1) - 1)          // Sunday is 0
    case .daysInMonth: return Double(calendar.range(of: .day, in: .month, for: date)?.count ?? 0)
    case .hour: return Double(c.hour ?? 0)
    case .minute: return Double(c.minute ?? 0)
    case .month: return Double(c.month ?? 0)
    case .year: return Double(c.year ?? 0)
    default: return .nan
    }
}

/// Prometheus's extrapolatedRate for rate (isRate), increase and delta (not isCounter).
func extrapolatedRate(_ points: [(t: Int64, v: Double)], window: RangeWindow, isCounter: Bool, isRate: Bool) -> Double? {
    guard points.count >= 2, let first = points.first, let last = points.last else { return nil }
    var result = last.v - first.v
    if isCounter {
        // A drop means the counter restarted from zero; the value before the
        // drop was lost from the difference and is added back.
        var previous = first.v
        for p in points.dropFirst() {
            if p.v < previous { result += previous }
            previous = p.v
        }
    }
    var durationToStart = Double(first.t - window.start) / 1000
    let durationToEnd = Double(window.end - last.t) / 1000
    let sampledInterval = Double(last.t - first.t) / 1000
    let averageDurationBetweenSamples = sampledInterval / Double(points.count - 1)

    if isCounter, result > 0, first.v >= 0 {
        // Do not extrapolate a counter to before the point where it would have been zero.
        let durationToZero = sampledInterval * (first.v / result)
        if durationToZero < durationToStart { durationToStart = durationToZero }
    }
    // Extrapolate to an edge only when a sample probably exists near it.
    let threshold = averageDurationBetweenSamples * 1.1
    var extrapolateToInterval = sampledInterval
    extrapolateToInterval += durationToStart < threshold ? durationToStart : averageDurationBetweenSamples / 2
    extrapolateToInterval += durationToEnd < threshold ? durationToEnd : averageDurationBetweenSamples / 2
    var factor = extrapolateToInterval / sampledInterval
    if isRate { factor /= Double(window.range) / 1000 }
    return result * factor
}

/// irate and idelta: from the last two samples only.
func instantValue(_ points: [(t: Int64, v: Double)], isRate: Bool) -> Double? {
    guard points.count >= 2 else { return nil }
    let last = points[points.count - 1], previous = points[points.count - 2]
    var result = isRate && last.v < previous.v ? last.v : last.v - previous.v
    let interval = last.t - previous.t
    guard interval != 0 else { return nil }
    if isRate { result /= Double(interval) / 1000 }
    return result
}

/// Least-squares line through the points, x in seconds from `interceptTime`.
func linearRegression(_ points: [(t: Int64, v: Double)], interceptTime: Int64) -> (slope: Double, intercept: Double) {
    var n = 0.0, sumX = 0.0, sumY = 0.0, sumXY = 0.0, sumX2 = 0.0
    let initY = points[0].v
    var constY = true
    for (i, p) in points.enumerated() {
        if constY, i > 0, p.v != initY { constY = false }
        n += 1
        let x = Double(p.t - interceptTime) / 1e3
        sumX += x
        sumY += p.v
        sumXY += x * p.v
        sumX2 += x * x
    }
    if constY {
        // A constant series has slope 0 exactly; the formula would give rounding noise.
        if initY.isInfinite { return (.nan, .nan) }
        return (0, initY)
    }
    let covXY = sumXY - sumX * sumY / n
    let varX = sumX2 - sumX * sumX / n
    let slope = covXY / varX
    return (slope, sumY / n - slope * sumX / n)
}

/// The q-quantile by linear interpolation between closest ranks; q outside
/// [0, 1] gives -Inf or +Inf, as in Prometheus.
func quantile(_ q: Double, _ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    if q.isNaN { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    // Prometheus sorts NaN first.
    let sorted = values.sorted { $0.isNaN && !$1.isNaN || (!$0.isNaN && !$1.isNaN && $0 < $1) }
    let n = Double(sorted.count)
    let rank = q * (n - 1)
    let lower = Swift.max(0, rank.rounded(.down))
    let upper = Swift.min(n - 1, lower + 1)
    let weight = rank - rank.rounded(.down)
    return sorted[Int(lower)] * (1 - weight) + sorted[Int(upper)] * weight
}

/// Go's math.Max: +Inf wins, then NaN.
func goMax(_ a: Double, _ b: Double) -> Double {
    if a == .infinity || b == .infinity { return .infinity }
    if a.isNaN || b.isNaN { return .nan }
    return Swift.max(a, b)
}

/// Go's math.Min: -Inf wins, then NaN.
func goMin(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity || b == -.infinity { return -.infinity }
    if a.isNaN || b.isNaN { return .nan }
    return Swift.min(a, b)
}
