// The catalog of supported functions and their signatures.
//
// Signatures live apart from implementations (Engine+Functions.swift) so the
// parser can type-check calls without knowing how they evaluate.

/// A PromQL function the engine implements.
public enum Function: String, Sendable, Hashable, CaseIterable {
    case rate, irate, increase, delta, idelta, deriv
    case predictLinear = "predict_linear"
    case avgOverTime = "avg_over_time", minOverTime = "min_over_time"
    case maxOverTime = "max_over_time", sumOverTime = "sum_over_time"
    case countOverTime = "count_over_time", quantileOverTime = "quantile_over_time"
    case stddevOverTime = "stddev_over_time", stdvarOverTime = "stdvar_over_time"
    case lastOverTime = "last_over_time"
    case abs
    case clampMin = "clamp_min", clampMax = "clamp_max"
    case time, absent, vector, scalar

    /// The function's name as written in a query.
    public var name: String { rawValue }

    /// The types of the arguments, in order.
    public var argumentTypes: [ValueType] {
        switch self {
        case .rate, .irate, .increase, .delta, .idelta, .deriv,
             .avgOverTime, .minOverTime, .maxOverTime, .sumOverTime, .countOverTime,
             .stddevOverTime, .stdvarOverTime, .lastOverTime:
            return [.rangeVector]
        case .predictLinear: return [.rangeVector, .scalar]
        case .quantileOverTime: return [.scalar, .rangeVector]
        case .abs, .absent, .scalar: return [.instantVector]
        case .clampMin, .clampMax: return [.instantVector, .scalar]
        case .time: return []
        case .vector: return [.scalar]
        }
    }

    /// The type of the result.
    public var returnType: ValueType {
        switch self {
        case .time, .scalar: return .scalar
        default: return .instantVector
        }
    }

    /// Whether the result keeps the input's metric name. Prometheus drops the
    /// name wherever a function changes what the value means; last_over_time
    /// only picks a sample, so the name still describes it.
    var keepsMetricName: Bool { self == .lastOverTime }
}
