// Evaluation of expressions at an instant and over a range.
//
// A range query is evaluated as a series of instant queries, one per step;
// that is what Prometheus's range evaluation computes too, only with fewer
// storage reads. Selectors follow Prometheus 2.x: an instant selector takes
// the newest sample in [t - lookback, t] (both ends included) unless that
// sample is a staleness marker; a range selector takes every sample in
// [t - range, t] and skips staleness markers.

import Telemetry

/// Evaluates parsed queries against a `SeriesSource`.
public struct Engine {
    /// Where samples come from.
    public let source: any SeriesSource
    /// How far back an instant selector looks for a sample, in milliseconds (Prometheus: 5 minutes).
    public var lookbackDelta: Int64
    /// The most steps a range query may have (Prometheus refuses more than 11,000).
    public var maxSteps: Int64 = 11_000
    /// The step of a subquery written without one, in milliseconds
    /// (Prometheus uses the global evaluation interval, 1 minute by default).
    public var defaultSubqueryStep: Int64 = 60_000
    /// The most samples one query may load or produce, counted over every
    /// selector and subquery step (Prometheus: --query.max-samples, 50 million).
    /// It bounds the work of nested subqueries with tiny steps.
    public var maxSamples = 50_000_000
    /// Called once per evaluation step (of a range query and of every
    /// subquery): throwing from it abandons the query. The workbench stops
    /// a query here on Ctrl-C or a time budget, which cannot reach Swift code.
    public var checkCancellation: () throws -> Void = {}
    // Per-query counter; each public entry point evaluates on a copy with a fresh one.
    private var budget = SampleBudget(limit: 0)
    // The query's start and end, which `@ start()` and `@ end()` refer to.
    private var queryStart: Int64 = 0
    private var queryEnd: Int64 = 0

    /// Creates an engine reading from `source`.
    public init(source: any SeriesSource, lookbackDelta: Int64 = 300_000) {
        self.source = source
        self.lookbackDelta = lookbackDelta
    }

    /// Evaluates `expr` at `time` (milliseconds since the epoch).
    public func instant(_ expr: Expr, at time: Int64) throws -> Value {
        try withFreshBudget(start: time, end: time).eval(expr, at: time)
    }

    /// Parses and evaluates `query` at `time`.
    public func instant(_ query: String, at time: Int64) throws -> Value {
        try instant(try Query.parse(query), at: time)
    }

    /// Evaluates `expr` at `start`, `start + step`, ... up to `end` (inclusive)
    /// and gathers the results into one series per label set, sorted by labels.
    /// Scalars become one series without labels.
    public func range(_ expr: Expr, start: Int64, end: Int64, step: Int64) throws -> Matrix {
        guard expr.type == .scalar || expr.type == .instantVector else {
            throw EvaluationError("invalid expression type \"\(expr.type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        guard step > 0 else { throw EvaluationError("zero or negative query resolution step widths are not accepted") }
        guard end >= start else { throw EvaluationError("end timestamp must not be before start time") }
        guard (end - start) / step < maxSteps else {
            throw EvaluationError("exceeded maximum resolution of 11,000 points per timeseries")
        }
        var byLabels: [Labels: [(t: Int64, v: Double)]] = [:]
        var t = start
        while t <= end {
            try checkCancellation()
            // The sample limit applies per step, as each step is one instant query.
            switch try withFreshBudget(start: start, end: end).eval(expr, at: t) {
            case .scalar(let s): byLabels[Labels(), default: []].append((t, s))
            case .vector(let v): for e in v { byLabels[e.labels, default: []].append((t, e.value)) }
            default: break
            }
            let (next, overflow) = t.addingReportingOverflow(step)
            if overflow { break }
            t = next
        }
        return byLabels.map { MatrixSeries(labels: $0.key, points: $0.value) }.sorted { labelsLess($0.labels, $1.labels) }
    }

    /// Parses and evaluates `query` over a range.
    public func range(_ query: String, start: Int64, end: Int64, step: Int64) throws -> Matrix {
        try range(try Query.parse(query), start: start, end: end, step: step)
    }

    private func withFreshBudget(start: Int64, end: Int64) -> Engine {
        var copy = self
        copy.budget = SampleBudget(limit: maxSamples)
        copy.queryStart = start
        copy.queryEnd = end
        return copy
    }

    /// The instant a selector or subquery reads at: its `@` time (or the
    /// evaluation time) moved back by its offset.
    func referenceTime(at: AtModifier?, offset: Int64, _ t: Int64) -> Int64 {
        let base: Int64
        switch at {
        case nil: base = t
        case .start: base = queryStart
        case .end: base = queryEnd
        case .timestamp(let ms): base = ms
        }
        return base &- offset
    }

    func eval(_ expr: Expr, at t: Int64) throws -> Value {
        switch expr {
        case .number(let n): return .scalar(n)
        case .string(let s): return .string(s)
        case .paren(let e): return try eval(e, at: t)
        case .vectorSelector(let sel): return .vector(try instantSelect(sel, at: t))
        case .matrixSelector(let sel, let range): return .matrix(try rangeSelect(sel, range: range, at: t))
        case .subquery(let inner, let range, let step, let offset, let at):
            return .matrix(try subquery(inner, range: range, step: step, end: referenceTime(at: at, offset: offset, t)))
        case .unary(let negate, let e):
            let v = try eval(e, at: t)
            guard negate else { return v }
            switch v {
            case .scalar(let s): return .scalar(-s)
            case .vector(let elements): return .vector(elements.map { ($0.labels.droppingName, -$0.value) })
            default: throw EvaluationError("unary minus on \(e.type.rawValue)")
            }
        case .call(let f, let args): return try call(f, args, at: t)
        case .aggregate(let op, let e, let param, let grouping, let without):
            return .vector(try aggregate(op, e, parameter: param, grouping: grouping, without: without, at: t))
        case .binary(let op, let l, let r, let matching, let bool):
            return try binary(op, l, r, matching: matching, bool: bool, at: t)
        }
    }

    /// The newest non-stale sample of each matching series within the lookback window.
    func instantSelect(_ sel: VectorSelector, at t: Int64) throws -> [VectorElement] {
        let ref = referenceTime(at: sel.at, offset: sel.offset, t)
        let series = try source.select(sel.matchers, from: ref &- lookbackDelta, through: ref)
        var out: [VectorElement] = []
        out.reserveCapacity(series.count)
        for s in series {
            // The source may return more than asked; find the newest sample at or before ref.
            var i = s.timestamps.count - 1
            while i >= 0, s.timestamps[i] > ref { i -= 1 }
            guard i >= 0, s.timestamps[i] >= ref &- lookbackDelta, !isStaleNaN(s.values[i]) else { continue }
            out.append((s.labels, s.values[i]))
        }
        try budget.spend(out.count)
        return out
    }

    /// Every non-stale sample of each matching series within [t - offset - range, t - offset].
    func rangeSelect(_ sel: VectorSelector, range: Int64, at t: Int64) throws -> Matrix {
        let ref = referenceTime(at: sel.at, offset: sel.offset, t)
        let from = ref &- range
        let series = try source.select(sel.matchers, from: from, through: ref)
        var out: Matrix = []
        for s in series {
            var points: [(t: Int64, v: Double)] = []
            for (ts, v) in zip(s.timestamps, s.values) where ts >= from && ts <= ref && !isStaleNaN(v) {
                points.append((ts, v))
            }
            try budget.spend(points.count)
            if !points.isEmpty { out.append(MatrixSeries(labels: s.labels, points: points)) }
        }
        return out
    }

    /// Evaluates `inner` at every multiple of the step within
    /// [t - offset - range, t - offset]: steps are aligned to absolute time,
    /// not to `t`, as in Prometheus, so consecutive evaluations share points.
    func subquery(_ inner: Expr, range: Int64, step: Int64?, end: Int64) throws -> Matrix {
        let interval = Swift.max(1, step ?? defaultSubqueryStep)
        let from = end &- range
        // Go's integer division truncates toward zero, and so does Swift's.
        var ts = interval &* (from / interval)
        if ts < from { ts &+= interval }
        var byLabels: [Labels: [(t: Int64, v: Double)]] = [:]
        var order: [Labels] = []
        while ts <= end {
            try checkCancellation()
            let vector = try evalVector(inner, at: ts)
            try budget.spend(vector.count + 1)
            for e in vector {
                if byLabels[e.labels] == nil { order.append(e.labels) }
                byLabels[e.labels, default: []].append((ts, e.value))
            }
            let (next, overflow) = ts.addingReportingOverflow(interval)
            if overflow { break }
            ts = next
        }
        return order.map { MatrixSeries(labels: $0, points: byLabels[$0] ?? []) }
    }

    /// Evaluates an expression the parser typed as an instant vector.
    func evalVector(_ expr: Expr, at t: Int64) throws -> [VectorElement] {
        guard case .vector(let v) = try eval(expr, at: t) else {
            throw EvaluationError("expected instant vector, got \(expr.type.rawValue)")
        }
        return v
    }

    /// Evaluates an expression the parser typed as a scalar.
    func evalScalar(_ expr: Expr, at t: Int64) throws -> Double {
        guard case .scalar(let s) = try eval(expr, at: t) else {
            throw EvaluationError("expected scalar, got \(expr.type.rawValue)")
        }
        return s
    }

    /// Evaluates an expression the parser typed as a range vector.
    func evalMatrix(_ expr: Expr, at t: Int64) throws -> Matrix {
        guard case .matrix(let m) = try eval(expr, at: t) else {
            throw EvaluationError("expected range vector, got \(expr.type.rawValue)")
        }
        return m
    }
}

/// Prometheus refuses results in which two elements share a label set (for
/// example after dropping the metric name from `a_total` and `b_total`).
func checkUniqueLabels(_ vector: [VectorElement]) throws {
    var seen = Set<Labels>()
    for e in vector where !seen.insert(e.labels).inserted {
        throw EvaluationError("vector cannot contain metrics with the same labelset")
    }
}

/// Counts samples against a query's limit; a class so that the count is
/// shared by every evaluation step of one query.
private final class SampleBudget {
    let limit: Int
    var used = 0
    init(limit: Int) { self.limit = limit }

    func spend(_ n: Int) throws {
        used += n
        if used > limit {
            throw EvaluationError("query processing would load too many samples into memory in query execution")
        }
    }
}
