// Results of evaluation.

import Telemetry

/// One series of a range result: its labels and (time, value) points in time order.
public struct MatrixSeries: Sendable {
    /// The series' labels (with `__name__` unless an operation dropped it).
    public var labels: Labels
    /// Points in ascending time, milliseconds since the epoch.
    public var points: [(t: Int64, v: Double)]

    /// Creates a series.
    public init(labels: Labels, points: [(t: Int64, v: Double)]) {
        self.labels = labels
        self.points = points
    }
}

/// A range result: one entry per series, sorted by labels.
public typealias Matrix = [MatrixSeries]

/// One element of an instant vector.
public typealias VectorElement = (labels: Labels, value: Double)

/// The value of an expression at one instant.
public enum Value: Sendable {
    /// A number without labels.
    case scalar(Double)
    /// One value per series.
    case vector([VectorElement])
    /// A window of samples per series (a range selector evaluated at an instant).
    case matrix(Matrix)
    /// A string literal.
    case string(String)

    /// The elements when the value is a vector, else nil.
    public var vector: [VectorElement]? {
        if case .vector(let v) = self { return v }
        return nil
    }

    /// The number when the value is a scalar, else nil.
    public var scalar: Double? {
        if case .scalar(let s) = self { return s }
        return nil
    }
}

extension Value: CustomStringConvertible {
    /// One line per element, `{labels} value` (matrices: `{labels} v@t ...`),
    /// in label order; for printing results in a shell or a log.
    public var description: String {
        switch self {
        case .scalar(let s): return formatNumber(s)
        case .string(let s): return quoteString(s)
        case .vector(let v):
            return v.sorted { labelsLess($0.labels, $1.labels) }
                .map { "\($0.labels) \(formatNumber($0.value))" }.joined(separator: "\n")
        case .matrix(let m):
            return m.sorted { labelsLess($0.labels, $1.labels) }
                .map { s in "\(s.labels) " + s.points.map { "\(formatNumber($0.v))@\($0.t)" }.joined(separator: " ") }
                .joined(separator: "\n")
        }
    }
}

/// An evaluation error (a query that parsed but cannot be answered), worded as Prometheus words it.
public struct EvaluationError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

extension Labels {
    /// The set without `__name__`: what remains when an operation changes a
    /// value's meaning so the metric name no longer describes it.
    var droppingName: Labels {
        guard self["__name__"] != nil else { return self }
        return Labels(pairs.lazy.filter { $0.name != "__name__" }.map { ($0.name, $0.value) })
    }

    /// Only the labels named in `names`.
    func keeping(_ names: Set<String>) -> Labels {
        Labels(pairs.lazy.filter { names.contains($0.name) }.map { ($0.name, $0.value) })
    }

    /// The set without the labels named in `names`.
    func removing(_ names: Set<String>) -> Labels {
        Labels(pairs.lazy.filter { !names.contains($0.name) }.map { ($0.name, $0.value) })
    }
}
