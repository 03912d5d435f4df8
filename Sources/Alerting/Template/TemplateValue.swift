/// A value a template sees: what Go's reflection would give for Prometheus's
/// template data and the results of its template functions.
///
/// Each case stands for one Go type, because Go's text/template behaves by
/// type: a missing key of a `map[string]string` is `""` but of a
/// `map[string]interface{}` is nil, `eq 1 1.0` is an error (int vs float64),
/// `printf "%T"` names the type.  The Go type each case stands for is in
/// `goTypeName`.
public indirect enum TemplateValue: Sendable {
    /// Go `string`.
    case string(String)
    /// `html/template.HTML`, what `safeHtml` returns: prints as a string, but is
    /// not a `string` to functions that take one.
    case html(String)
    /// Go `float64`: `$value`, `value`, `parseDuration`, float constants.
    case number(Double)
    /// Go `int`: integer and character constants, `len`, `index` into a string.
    case int(Int)
    /// Go `bool`.
    case bool(Bool)
    /// Go `map[string]string`: `$labels`, `$externalLabels`, a sample's `.Labels`.
    case labels([String: String])
    /// Go `map[string]interface{}`: what `args` returns.
    case map([String: TemplateValue])
    /// Prometheus's `queryResult` (`[]*sample`): what `query` returns.
    case list([TemplateValue])
    /// Prometheus's `*sample`: an element of a query result.
    case querySample(QuerySample)
    /// Go `*time.Time` (always UTC): what `toTime` returns.
    case time(TemplateTime)
    /// The struct Prometheus passes as dot: `.Labels`, `.ExternalLabels`, `.ExternalURL`, `.Value`.
    case alertData(AlertTemplateData)
    /// Go nil (a nil interface, or reflection's invalid value).
    case nil_

    /// The Go type this value stands for, as `%T` prints it.
    public var goTypeName: String {
        switch self {
        case .string: return "string"
        case .html: return "template.HTML"
        case .number: return "float64"
        case .int: return "int"
        case .bool: return "bool"
        case .labels: return "map[string]string"
        case .map: return "map[string]interface {}"
        case .list: return "template.queryResult"
        case .querySample: return "*template.sample"
        case .time: return "*time.Time"
        case .alertData: return AlertTemplateData.goTypeName
        case .nil_: return "<nil>"
        }
    }

    /// Go's truth for `if`, `with`, `and`, `or`, `not`: empty strings, maps and
    /// lists, zero numbers, false and nil are false; NaN, pointers and structs are true.
    var isTrue: Bool {
        switch self {
        case .string(let s), .html(let s): return !s.isEmpty
        case .number(let d): return d != 0
        case .int(let i): return i != 0
        case .bool(let b): return b
        case .labels(let m): return !m.isEmpty
        case .map(let m): return !m.isEmpty
        case .list(let l): return !l.isEmpty
        case .querySample, .time, .alertData: return true
        case .nil_: return false
        }
    }

    var isNil: Bool {
        if case .nil_ = self { return true }
        return false
    }

    /// Whether Go's `reflect.Kind` of this value is String (fmt and eq treat
    /// named string types like `template.HTML` as strings).
    var isStringKind: Bool {
        switch self {
        case .string, .html: return true
        default: return false
        }
    }
}

/// One element of a `query` result, as Prometheus's templates see it.
public struct QuerySample: Sendable, Equatable {
    /// The series' labels, `__name__` included when the query kept it.
    public var labels: [String: String]
    /// The sample value.
    public var value: Double

    /// A sample with these labels and this value.
    public init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// A template that failed to parse or to render, worded as Go and Prometheus word it.
///
/// Parse errors read `template: NAME:LINE: MESSAGE`; render errors read
/// `error executing template NAME: template: NAME:LINE:COL: executing "NAME" at <NODE>: MESSAGE`,
/// which is what Prometheus puts inside `<error expanding template: ...>`.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    /// The message, as Go and Prometheus word it.
    public var description: String

    /// An error with this message.
    public init(_ description: String) {
        self.description = description
    }
}

/// The data Prometheus hands an alert's annotation and label templates.
public struct AlertTemplateData: Sendable {
    /// The alert's labels (the sample's labels, before the rule's own labels are added).
    public var labels: [String: String]
    /// The sample value that made the alert fire.
    public var value: Double
    /// The server's external labels.
    public var externalLabels: [String: String]
    /// The server's external URL, as configured.
    public var externalURL: String
    /// Runs a PromQL instant query at the evaluation time, for the `query`
    /// function. nil: `query` fails with an error.
    public var query: (@Sendable (String) throws -> [QuerySample])?

    /// The data for one firing sample; `externalLabels`, `externalURL` and
    /// `query` default to what a server without them would have.
    public init(
        labels: [String: String],
        value: Double,
        externalLabels: [String: String] = [:],
        externalURL: String = "",
        query: (@Sendable (String) throws -> [QuerySample])? = nil
    ) {
        self.labels = labels
        self.value = value
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.query = query
    }

    /// The anonymous struct type Prometheus 2.42 builds in `AlertTemplateData`.
    static let goTypeName =
        "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }"

    /// The struct's fields in declaration order, for field access and printing.
    var fields: [(name: String, value: TemplateValue)] {
        [("Labels", .labels(labels)), ("ExternalLabels", .labels(externalLabels)),
         ("ExternalURL", .string(externalURL)), ("Value", .number(value))]
    }
}

/// Go's byte-wise string order, which fmt, `range` over maps and `sortByLabel` use.
func goLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
