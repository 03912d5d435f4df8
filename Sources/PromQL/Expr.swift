// The syntax tree of a parsed query and the catalog of functions it can call.
//
// The tree is typed after parsing (see `Expr.type`): Prometheus rejects
// `rate(foo)` or `sum(foo[5m])` before evaluation, and so does `Query.parse`,
// so the evaluator can assume well-typed input and stay short. Function
// signatures live here, apart from their implementations
// (Engine+Functions.swift), so the parser can type-check calls without
// knowing how they evaluate.

import Foundation
import Telemetry

/// The type of value an expression evaluates to.
public enum ValueType: String, Sendable, Hashable {
    /// A single number, without labels.
    case scalar
    /// One sample per series at the evaluation instant.
    case instantVector = "instant vector"
    /// A window of samples per series.
    case rangeVector = "range vector"
    /// A string literal.
    case string
}

/// A binary operator.
public enum BinaryOp: String, Sendable, Hashable, CaseIterable {
    /// Arithmetic: `+ - * / % ^` (`%` is Go's math.Mod, `^` is pow).
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^"
    /// Comparisons: `== != > < >= <=`.
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    /// Set operators over label sets.
    case and, or, unless
    /// `atan2`: Go's math.Atan2(lhs, rhs), binding like `*`.
    case atan2

    /// Binding strength; higher binds tighter (Prometheus's grammar order).
    var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eql, .neq, .gtr, .lss, .gte, .lte: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }

    /// `^` is the one right-associative operator: `2 ^ 3 ^ 2` is `2 ^ 9`.
    var isRightAssociative: Bool { self == .pow }

    /// `==`, `!=`, `>`, `<`, `>=`, `<=`: they filter unless `bool` is given.
    public var isComparison: Bool {
        switch self {
        case .eql, .neq, .gtr, .lss, .gte, .lte: return true
        default: return false
        }
    }

    /// Arithmetic drops the metric name; comparisons, set operators and (as
    /// Prometheus 2.42 does) atan2 keep it.
    var dropsMetricName: Bool {
        switch self {
        case .add, .sub, .mul, .div, .mod, .pow: return true
        default: return false
        }
    }

    /// `and`, `or`, `unless`: they work on vectors only and keep sample values.
    public var isSetOperator: Bool { self == .and || self == .or || self == .unless }
}

/// How two vectors' samples are paired in a binary operation.
public struct VectorMatching: Sendable, Equatable {
    /// Which side may hold several elements per match group.
    public enum Cardinality: Sendable, Equatable {
        /// Each pair is unique on both sides (the default).
        case oneToOne
        /// `group_left`: many left elements may pair with one right element.
        case manyToOne
        /// `group_right`: one left element may pair with many right elements.
        case oneToMany
    }

    /// True for `on(...)`: match on the listed labels only; false for
    /// `ignoring(...)` (or no clause): match on all labels but the listed ones
    /// and the metric name.
    public var on: Bool
    /// The labels listed in `on(...)` or `ignoring(...)`.
    public var labels: [String]
    /// One-to-one unless `group_left` or `group_right` was given.
    public var cardinality: Cardinality
    /// Labels listed in `group_left(...)`/`group_right(...)`, copied from the "one" side.
    public var include: [String]

    /// Creates a matching clause.
    public init(on: Bool = false, labels: [String] = [], cardinality: Cardinality = .oneToOne, include: [String] = []) {
        self.on = on
        self.labels = labels
        self.cardinality = cardinality
        self.include = include
    }
}

/// An aggregation operator.
public enum AggregationOp: String, Sendable, Hashable, CaseIterable {
    /// The aggregations, named as in PromQL.
    case sum, avg, min, max, count, topk, bottomk, quantile, stddev, stdvar
    /// `group`: 1 per group; `count_values("label", v)`: how many elements have each value.
    case group
    case countValues = "count_values"

    /// topk, bottomk, quantile and count_values take a parameter before the vector.
    var takesParameter: Bool { parameterType != nil }

    /// The parameter's type, if the aggregation takes one.
    var parameterType: ValueType? {
        switch self {
        case .topk, .bottomk, .quantile: return .scalar
        case .countValues: return .string
        default: return nil
        }
    }
}

/// A selector of series at an instant: `name{matchers} offset d`.
public struct VectorSelector: Sendable {
    /// The metric name when written before the braces.
    public var name: String?
    /// All matchers, including `__name__="name"` for a written name.
    public var matchers: [LabelMatcher]
    /// Milliseconds to shift back in time (negative shifts forward).
    public var offset: Int64
    /// The `@` modifier: evaluate at this instant instead of the query's.
    public var at: AtModifier? = nil
}

/// The instant an `@` modifier pins a selector or subquery to.
public enum AtModifier: Sendable, Equatable {
    /// `@ <seconds>`, held in milliseconds.
    case timestamp(Int64)
    /// `@ start()`: the range query's start (the instant of an instant query).
    case start
    /// `@ end()`: the range query's end (the instant of an instant query).
    case end
}

/// A parsed PromQL expression.
public indirect enum Expr: Sendable {
    /// A number literal such as `1`, `0x1f`, `1e3`, `Inf`, `NaN`.
    case number(Double)
    /// A string literal.
    case string(String)
    /// An instant-vector selector.
    case vectorSelector(VectorSelector)
    /// A range-vector selector: `selector[range]`, range in milliseconds.
    case matrixSelector(VectorSelector, range: Int64)
    /// A subquery: `expr[range:step] offset d`, all in milliseconds; a nil
    /// step means the engine's default (Prometheus: the evaluation interval).
    case subquery(Expr, range: Int64, step: Int64?, offset: Int64, at: AtModifier?)
    /// A function call.
    case call(Function, [Expr])
    /// An aggregation; `without` false means `by` (including no clause).
    case aggregate(AggregationOp, Expr, parameter: Expr?, grouping: [String], without: Bool)
    /// A binary operation; `bool` turns comparisons into 0/1 values.
    case binary(BinaryOp, Expr, Expr, matching: VectorMatching?, bool: Bool)
    /// Unary minus (`negate` true) or plus.
    case unary(negate: Bool, Expr)
    /// A parenthesised expression.
    case paren(Expr)

    /// The type of value the expression produces.
    public var type: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vectorSelector: return .instantVector
        case .matrixSelector, .subquery: return .rangeVector
        case .call(let f, _): return f.returnType
        case .aggregate: return .instantVector
        case .binary(_, let l, let r, _, _):
            return l.type == .scalar && r.type == .scalar ? .scalar : .instantVector
        case .unary(_, let e), .paren(let e): return e.type
        }
    }
}

/// A PromQL function the engine implements.
public enum Function: String, Sendable, Hashable, CaseIterable {
    /// Rates and slopes over a range.
    case rate, irate, increase, delta, idelta, deriv
    /// Linear extrapolation over a range.
    case predictLinear = "predict_linear"
    /// Reductions of each series' window (`*_over_time`).
    case avgOverTime = "avg_over_time", minOverTime = "min_over_time"
    /// Reductions of each series' window (`*_over_time`).
    case maxOverTime = "max_over_time", sumOverTime = "sum_over_time"
    /// Reductions of each series' window (`*_over_time`).
    case countOverTime = "count_over_time", quantileOverTime = "quantile_over_time"
    /// Reductions of each series' window (`*_over_time`).
    case stddevOverTime = "stddev_over_time", stdvarOverTime = "stdvar_over_time"
    /// The newest sample of each window.
    case lastOverTime = "last_over_time"
    /// How often a window's value changed or decreased.
    case changes, resets
    /// Whether a range selector found samples.
    case absentOverTime = "absent_over_time", presentOverTime = "present_over_time"
    /// Element-wise math.
    case abs, ceil, floor, exp, sqrt, ln, log2, log10, sgn, round
    /// Bounding values.
    case clamp, clampMin = "clamp_min", clampMax = "clamp_max"
    /// Time, presence, type conversion and ordering.
    case time, timestamp, absent, vector, scalar, sort
    /// Descending order by value.
    case sortDesc = "sort_desc"
    /// Label rewriting.
    case labelReplace = "label_replace", labelJoin = "label_join"
    /// Quantiles of classic bucketed histograms.
    case histogramQuantile = "histogram_quantile"
    /// Trigonometry, element-wise; deg and rad convert angles; pi() is a scalar.
    case sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, asinh, acosh, atanh, deg, rad, pi
    /// Double exponential smoothing of each window (Prometheus 2's name).
    case holtWinters = "holt_winters"
    /// Calendar fields (UTC) of each value read as Unix seconds; of time() without an argument.
    case dayOfMonth = "day_of_month", dayOfWeek = "day_of_week", daysInMonth = "days_in_month"
    /// Calendar fields (UTC), continued.
    case hour, minute, month, year

    /// The function's name as written in a query.
    public var name: String { rawValue }

    /// The types of the arguments, in order.
    public var argumentTypes: [ValueType] {
        switch self {
        case .rate, .irate, .increase, .delta, .idelta, .deriv,
             .avgOverTime, .minOverTime, .maxOverTime, .sumOverTime, .countOverTime,
             .stddevOverTime, .stdvarOverTime, .lastOverTime, .changes, .resets,
             .absentOverTime, .presentOverTime:
            return [.rangeVector]
        case .predictLinear: return [.rangeVector, .scalar]
        case .quantileOverTime: return [.scalar, .rangeVector]
        case .abs, .ceil, .floor, .exp, .sqrt, .ln, .log2, .log10, .sgn,
             .absent, .scalar, .timestamp, .sort, .sortDesc:
            return [.instantVector]
        case .round, .clampMin, .clampMax: return [.instantVector, .scalar]
        case .clamp: return [.instantVector, .scalar, .scalar]
        case .time: return []
        case .vector: return [.scalar]
        case .labelReplace: return [.instantVector, .string, .string, .string, .string]
        case .labelJoin: return [.instantVector, .string, .string, .string]
        case .histogramQuantile: return [.scalar, .instantVector]
        case .sin, .cos, .tan, .asin, .acos, .atan, .sinh, .cosh, .tanh, .asinh, .acosh, .atanh, .deg, .rad:
            return [.instantVector]
        case .pi: return []
        case .holtWinters: return [.rangeVector, .scalar, .scalar]
        case .dayOfMonth, .dayOfWeek, .daysInMonth, .hour, .minute, .month, .year: return [.instantVector]
        }
    }

    /// As in Prometheus: 0 when every argument is required; n > 0 when up to
    /// n trailing arguments may be left out (round's to_nearest); -1 when the
    /// last argument may repeat or be left out (label_join's source labels).
    public var variadic: Int {
        switch self {
        case .round, .dayOfMonth, .dayOfWeek, .daysInMonth, .hour, .minute, .month, .year: return 1
        case .labelJoin: return -1
        default: return 0
        }
    }

    /// The type of the result.
    public var returnType: ValueType {
        switch self {
        case .time, .scalar, .pi: return .scalar
        default: return .instantVector
        }
    }

    /// Whether the result keeps the input's metric name. Prometheus drops the
    /// name wherever a function changes what the value means; last_over_time
    /// only picks a sample, so the name still describes it.
    var keepsMetricName: Bool { self == .lastOverTime }

    /// The element-wise math functions.
    var elementwise: ((Double) -> Double)? {
        switch self {
        case .abs: return { Swift.abs($0) }
        case .ceil: return { $0.rounded(.up) }
        case .floor: return { $0.rounded(.down) }
        case .exp: return { Foundation.exp($0) }
        case .sqrt: return { $0.squareRoot() }
        case .ln: return { Foundation.log($0) }
        case .log2: return { Foundation.log2($0) }
        case .log10: return { Foundation.log10($0) }
        case .sgn: return { $0 < 0 ? -1 : ($0 > 0 ? 1 : $0) }
        case .sin: return { Foundation.sin($0) }
        case .cos: return { Foundation.cos($0) }
        case .tan: return { Foundation.tan($0) }
        case .asin: return { Foundation.asin($0) }
        case .acos: return { Foundation.acos($0) }
        case .atan: return { Foundation.atan($0) }
        case .sinh: return { Foundation.sinh($0) }
        case .cosh: return { Foundation.cosh($0) }
        case .tanh: return { Foundation.tanh($0) }
        case .asinh: return { Foundation.asinh($0) }
        case .acosh: return { Foundation.acosh($0) }
        case .atanh: return { Foundation.atanh($0) }
        case .deg: return { $0 * 180 / Double.pi }
        case .rad: return { $0 * Double.pi / 180 }
        default: return nil
        }
    }
}

// MARK: - Printing
//
// The printed form parses back to the same tree: parentheses are kept as
// nodes by the parser, so printing needs no precedence logic of its own, and
// numbers print in Swift's shortest round-tripping form. Rule editors and
// error messages show queries this way, normalised (`sum by (job) (x)`).

extension Expr: CustomStringConvertible {
    /// The expression as PromQL text that parses back to the same tree.
    public var description: String {
        switch self {
        case .number(let n): return printNumber(n)
        case .string(let s): return quoteString(s)
        case .vectorSelector(let sel): return printSelector(sel) + printOffset(sel.offset) + printAt(sel.at)
        case .matrixSelector(let sel, let range):
            return printSelector(sel) + "[\(formatDuration(range))]" + printOffset(sel.offset) + printAt(sel.at)
        case .subquery(let inner, let range, let step, let offset, let at):
            return "\(inner)[\(formatDuration(range)):\(step.map(formatDuration) ?? "")]" + printOffset(offset) + printAt(at)
        case .call(let f, let args):
            return f.name + "(" + args.map(\.description).joined(separator: ", ") + ")"
        case .aggregate(let op, let e, let param, let grouping, let without):
            var text = op.rawValue
            if without || !grouping.isEmpty {
                text += (without ? " without (" : " by (") + grouping.joined(separator: ", ") + ") "
            }
            return text + "(" + (param.map { "\($0), " } ?? "") + e.description + ")"
        case .binary(let op, let l, let r, let matching, let bool):
            var text = "\(l) \(op.rawValue)"
            if bool { text += " bool" }
            if let m = matching {
                if m.on || !m.labels.isEmpty || m.cardinality != .oneToOne {
                    text += (m.on ? " on(" : " ignoring(") + m.labels.joined(separator: ", ") + ")"
                }
                switch m.cardinality {
                case .oneToOne: break
                case .manyToOne: text += " group_left(" + m.include.joined(separator: ", ") + ")"
                case .oneToMany: text += " group_right(" + m.include.joined(separator: ", ") + ")"
                }
            }
            return text + " \(r)"
        case .unary(let negate, let e): return (negate ? "-" : "+") + e.description
        case .paren(let e): return "(\(e))"
        }
    }
}

private func printNumber(_ n: Double) -> String {
    if n.isNaN { return "NaN" }
    if n.isInfinite { return n > 0 ? "Inf" : "-Inf" }
    if n == n.rounded(), Swift.abs(n) < 1e15 { return String(Int64(n)) }
    return "\(n)"
}

private func printSelector(_ sel: VectorSelector) -> String {
    let rest = sel.matchers.filter { !(sel.name != nil && $0.name == "__name__" && $0.op == .equal) }
    if let name = sel.name, rest.isEmpty { return name }
    return (sel.name ?? "") + "{" + rest.map(\.description).joined(separator: ", ") + "}"
}

private func printAt(_ at: AtModifier?) -> String {
    switch at {
    case nil: return ""
    case .start: return " @ start()"
    case .end: return " @ end()"
    case .timestamp(let ms): return " @ " + printNumber(Double(ms) / 1000)
    }
}

private func printOffset(_ offset: Int64) -> String {
    if offset == 0 { return "" }
    return offset < 0 ? " offset -\(formatDuration(0 &- offset))" : " offset \(formatDuration(offset))"
}

/// Formats milliseconds as a compound Prometheus duration (`1h30m`, `250ms`);
/// `0s` for zero.
public func formatDuration(_ ms: Int64) -> String {
    guard ms > 0 else { return "0s" }
    let units: [(String, Int64)] = [("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
                                    ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
    var rest = ms
    var text = ""
    for (unit, size) in units where rest >= size {
        text += "\(rest / size)\(unit)"
        rest %= size
    }
    return text
}
