// Label matchers: the selector half of a PromQL query.
//
// Semantics follow Prometheus: a series without a label matches as if the
// label were present with the empty value, so `{env=""}` selects series that
// have no `env`; the metric name is matched as the label `__name__`; and
// regular expressions are fully anchored, so `job=~"api"` does not match
// `api-2`. Patterns are compiled once, when the matcher is built, so a bad
// pattern is reported before any query runs.

import Telemetry

/// One condition on one label of a series.
public struct LabelMatcher: Sendable, CustomStringConvertible {
    /// How a matcher compares the label value with its operand.
    public enum Kind: String, Sendable, CaseIterable {
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
    public let label: String
    /// The comparison.
    public let kind: Kind
    /// The operand: a literal value or a regular expression.
    public let value: String
    /// The compiled pattern for the regex kinds. Swift's `Regex` is not
    /// `Sendable`, so it is wrapped; it is immutable after construction.
    private let regex: CompiledPattern?

    /// The label name that stands for the metric name.
    public static let metricNameLabel = "__name__"

    /// Builds a matcher.
    /// - Throws: `StoreError.invalidMatcher` when a regex operand does not compile.
    public init(_ label: String, _ kind: Kind, _ value: String) throws(StoreError) {
        self.label = label
        self.kind = kind
        self.value = value
        switch kind {
        case .equal, .notEqual:
            regex = nil
        case .regexMatch, .regexNoMatch:
            do {
                regex = CompiledPattern(try Regex(value))
            } catch {
                throw StoreError.invalidMatcher(label: label, pattern: value, detail: "\(error)")
            }
        }
    }

    /// `name="value"` with the operator of this matcher.
    public var description: String { "\(label)\(kind.rawValue)\"\(value)\"" }

    /// True when a label value (empty when the label is absent) satisfies this matcher.
    public func matches(_ labelValue: String) -> Bool {
        switch kind {
        case .equal: return labelValue == value
        case .notEqual: return labelValue != value
        case .regexMatch: return regex?.matchesWhole(labelValue) ?? false
        case .regexNoMatch: return !(regex?.matchesWhole(labelValue) ?? false)
        }
    }

    /// True when the series `name{labels}` satisfies this matcher.
    public func matches(name: String, labels: Labels) -> Bool {
        if label == Self.metricNameLabel { return matches(name) }
        return matches(labels[label] ?? "")
    }

    /// True when the series satisfies every matcher (an empty list matches all).
    public static func all(_ matchers: [LabelMatcher], match name: String, _ labels: Labels) -> Bool {
        matchers.allSatisfy { $0.matches(name: name, labels: labels) }
    }

    /// The metric name this list pins with an equality matcher on `__name__`,
    /// if any; the store uses it to skip other metrics without evaluating the rest.
    static func pinnedName(_ matchers: [LabelMatcher]) -> String? {
        matchers.first { $0.label == metricNameLabel && $0.kind == .equal }?.value
    }
}

/// A compiled regular expression, shareable across threads.
///
/// `Regex` holds no mutable state once built, but the standard library does
/// not mark it `Sendable`; this box records that it is only ever read.
final class CompiledPattern: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>

    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }

    /// Prometheus anchors patterns at both ends; `wholeMatch` does the same.
    func matchesWhole(_ text: String) -> Bool {
        (try? regex.wholeMatch(in: text)) != nil
    }
}
