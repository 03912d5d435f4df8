// One rule, validated: an alerting rule (with `for`, `keep_firing_for`,
// templated labels and annotations) or a recording rule. Rules come from
// files (PromQL expressions) or from the workbench, whose expression may be
// computed outside PromQL (a Lua function scoring series with a model).

import PromQL
import Telemetry

/// What a rule evaluates.
public enum RuleExpression: Sendable {
    /// A PromQL expression and its text as written.
    case promql(Expr, text: String)
    /// An expression computed by the embedder: given the evaluation time in
    /// milliseconds, the vector it yields. Errors mark the rule unhealthy.
    case custom(description: String, evaluate: @Sendable (Int64) throws -> [VectorElement])

    /// The expression as shown to people.
    public var text: String {
        switch self {
        case .promql(_, let text): return text
        case .custom(let description, _): return description
        }
    }
}

/// A rule that cannot be built, with the reason.
public struct RuleError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A validated rule.
public struct RuleDefinition: Sendable {
    public enum Kind: String, Sendable { case alerting = "alert", recording = "record" }

    public let kind: Kind
    /// The alert name, or the metric a recording rule writes.
    public let name: String
    public let expression: RuleExpression
    /// How long an alert stays pending before it fires (`for`), in milliseconds.
    public let holdDurationMs: Int64
    /// How long a firing alert keeps firing after its condition clears, in milliseconds.
    public let keepFiringForMs: Int64
    /// Labels added to each alert or series, as written (templates, for alerts).
    public let labels: [(String, String)]
    /// Annotations of each alert, as written (templates).
    public let annotations: [(String, String)]
    /// Where the rule was defined ("rules.yml:12", or "shell").
    public let source: String

    let labelTemplates: [(name: String, template: AlertTemplate)]
    let annotationTemplates: [(name: String, template: AlertTemplate)]

    public init(kind: Kind, name: String, expression: RuleExpression, holdDurationMs: Int64 = 0, keepFiringForMs: Int64 = 0,
                labels: [(String, String)] = [], annotations: [(String, String)] = [], source: String = "") throws(RuleError) {
        switch kind {
        case .recording:
            guard Self.isMetricName(name) else { throw RuleError("invalid recording rule name: \(name)") }
            guard annotations.isEmpty else { throw RuleError("invalid field 'annotations' in recording rule") }
            guard holdDurationMs == 0 else { throw RuleError("invalid field 'for' in recording rule") }
            guard keepFiringForMs == 0 else { throw RuleError("invalid field 'keep_firing_for' in recording rule") }
        case .alerting:
            break
        }
        guard holdDurationMs >= 0, keepFiringForMs >= 0 else { throw RuleError("durations must not be negative") }
        for (label, _) in labels {
            guard Self.isLabelName(label), label != "__name__" else { throw RuleError("invalid label name: \(label)") }
        }
        for (annotation, _) in annotations where !Self.isLabelName(annotation) {
            throw RuleError("invalid annotation name: \(annotation)")
        }
        self.kind = kind
        self.name = name
        self.expression = expression
        self.holdDurationMs = holdDurationMs
        self.keepFiringForMs = keepFiringForMs
        self.labels = labels
        self.annotations = annotations
        self.source = source
        // Only alerting rules expand templates (Prometheus copies a
        // recording rule's labels verbatim); they are parsed once, here, so
        // that an unknown function is a load-time error naming the rule.
        if kind == .alerting {
            let templateName = "__alert_" + name
            do {
                labelTemplates = try labels.map { ($0.0, try AlertTemplate($0.1, name: templateName)) }
                annotationTemplates = try annotations.map { ($0.0, try AlertTemplate($0.1, name: templateName)) }
            } catch {
                throw RuleError("template error: \(error)")
            }
        } else {
            labelTemplates = []
            annotationTemplates = []
        }
    }

    static func isMetricName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCIILetter || first == "_" || first == ":" else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == ":" }
    }

    static func isLabelName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { (value >= 65 && value <= 90) || (value >= 97 && value <= 122) }
    var isASCIIDigit: Bool { value >= 48 && value <= 57 }
}
