// Label matchers: the selector half of a PromQL query, shared by everything
// that picks series (the store, the query engine, live selectors).
//
// Semantics follow Prometheus: a series without a label matches as if the
// label were present with the empty value, so `{env=""}` selects series that
// have no `env`; the metric name is matched as the label `__name__`; and
// regular expressions use RE2's syntax and are fully anchored, so
// `job=~"api"` does not match `api-2` (see AnchoredRegex). Patterns are
// compiled once, when the matcher is built, so a bad pattern is reported
// before any series is read.

/// One condition on one label of a series, e.g. `job=~"api|web"`.
public struct LabelMatcher: Sendable, Equatable, CustomStringConvertible {
    /// How a matcher compares the label value with its operand.
    public enum Op: String, Sendable, Hashable, CaseIterable {
        /// `=`: the value equals the operand.
        case equal = "="
        /// `!=`: the value differs from the operand.
        case notEqual = "!="
        /// `=~`: the whole value matches the regular expression.
        case regexMatch = "=~"
        /// `!~`: the whole value does not match the regular expression.
        case regexNoMatch = "!~"
    }

    /// The label name; `__name__` stands for the metric name.
    public let name: String
    /// The comparison.
    public let op: Op
    /// The operand: a literal value or a regular expression's source text.
    public let value: String
    // Compiled once: matching runs for every candidate series.
    private let regex: AnchoredRegex?

    /// The label name that stands for the metric name.
    public static let metricNameLabel = "__name__"

    /// Builds a matcher.
    /// - Throws: `LabelMatcherError` when a regular expression does not
    ///   compile or uses syntax RE2 lacks (lookaround, backreferences).
    public init(_ name: String, _ op: Op, _ value: String) throws(LabelMatcherError) {
        self.name = name
        self.op = op
        self.value = value
        switch op {
        case .equal, .notEqual:
            regex = nil
        case .regexMatch, .regexNoMatch:
            guard let compiled = AnchoredRegex(value) else {
                throw LabelMatcherError(message: "invalid regular expression \"\(value)\"")
            }
            regex = compiled
        }
    }

    /// True when a label value (empty when the label is absent) satisfies the matcher.
    public func matches(_ labelValue: String) -> Bool {
        switch op {
        case .equal: return labelValue == value
        case .notEqual: return labelValue != value
        case .regexMatch: return regex?.fullMatch(labelValue) ?? false
        case .regexNoMatch: return !(regex?.fullMatch(labelValue) ?? false)
        }
    }

    /// True when a label set that holds the metric name as `__name__` satisfies the matcher.
    public func matches(labels: Labels) -> Bool {
        matches(labels[name] ?? "")
    }

    /// True when the series `name{labels}`, whose labels do not hold the
    /// metric name, satisfies the matcher.
    public func matches(name metricName: String, labels: Labels) -> Bool {
        matches(name == Self.metricNameLabel ? metricName : labels[name] ?? "")
    }

    /// True when the series `name{labels}` satisfies every matcher (an empty list matches all).
    public static func all(_ matchers: [LabelMatcher], match metricName: String, _ labels: Labels) -> Bool {
        matchers.allSatisfy { $0.matches(name: metricName, labels: labels) }
    }

    /// Equal when label, operator and operand are.
    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    /// `name="value"` with the operator of this matcher and the value quoted as PromQL does.
    public var description: String { "\(name)\(op.rawValue)\(Self.quote(value))" }

    /// `text` as a double-quoted PromQL string: quotes, backslashes,
    /// newlines and tabs escaped.
    public static func quote(_ text: String) -> String {
        "\"" + text.unicodeScalars.map { escapes[$0] ?? String($0) }.joined() + "\""
    }

    private static let escapes: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\t": "\\t"]
}

/// A label matcher whose regular expression does not compile.
public struct LabelMatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    /// Creates an error.
    public init(message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
