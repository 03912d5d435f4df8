// What rules are evaluated against: a series source for PromQL, the
// external labels and URL that templates see, and how long Lua rules may
// run (enforced by the embedder's custom expressions).

import PromQL
import Telemetry

/// The environment of one evaluation.
public struct RuleContext {
    /// Where PromQL expressions read samples (the store, or a unit test's series).
    public var source: any SeriesSource
    /// `$externalLabels` in templates.
    public var externalLabels: [String: String]
    /// `$externalURL` in templates.
    public var externalURL: String
    /// The instant-selector lookback, in milliseconds (Prometheus: 5m).
    public var lookbackDeltaMs: Int64
    /// Called between rules and by queries; throwing stops the whole
    /// evaluation, not just the rule (Ctrl-C in the shell).
    public var checkCancellation: () throws -> Void
    /// When set, PromQL (rule expressions and templates' `query`) runs
    /// here instead of on `source`: a remote Prometheus, for previews.
    public var remoteQuery: ((_ expr: String, _ timeMs: Int64) throws -> [VectorElement])?

    public init(source: any SeriesSource, externalLabels: [String: String] = [:], externalURL: String = "",
                lookbackDeltaMs: Int64 = 300_000, checkCancellation: @escaping () throws -> Void = {}) {
        self.source = source
        self.externalLabels = externalLabels
        self.externalURL = externalURL
        self.lookbackDeltaMs = lookbackDeltaMs
        self.checkCancellation = checkCancellation
    }

    var engine: Engine {
        var engine = Engine(source: source, lookbackDelta: lookbackDeltaMs)
        engine.checkCancellation = stopIfAsked
        return engine
    }

    /// Runs `checkCancellation`, marking what it throws as a stop of the
    /// evaluation, which RuleGroup passes on instead of blaming the rule.
    func stopIfAsked() throws {
        do { try checkCancellation() } catch { throw EvaluationStopped(reason: error) }
    }

    /// Evaluates a rule's expression: a vector, or a scalar as one element
    /// without labels, as Prometheus's rule query function does.
    func query(_ expression: RuleExpression, at ts: Int64) throws -> [VectorElement] {
        switch expression {
        case .custom(_, let evaluate):
            return try evaluate(ts)
        case .promql(_, let text) where remoteQuery != nil:
            return try remoteQuery!(text, ts)
        case .promql(let expr, _):
            switch try engine.instant(expr, at: ts) {
            case .vector(let v): return v
            case .scalar(let s): return [(Labels(), s)]
            default: throw RuleError("rule result is not a vector or scalar")
            }
        }
    }

    /// The template data for one sample; `query` in templates runs at `ts`.
    func templateData(labels: Labels, value: Double, at ts: Int64) -> AlertTemplateData {
        let engine = UncheckedBox(engine)
        let remote = UncheckedBox(remoteQuery)
        return AlertTemplateData(
            labels: labels.dictionary, value: value, externalLabels: externalLabels, externalURL: externalURL,
            query: { text in
                if let remote = remote.value {
                    return try remote(text, ts).map { QuerySample(labels: $0.labels.dictionary, value: $0.value) }
                }
                let result: Value = try engine.value.instant(text, at: ts)
                switch result {
                case .vector(let v): return v.map { QuerySample(labels: $0.labels.dictionary, value: $0.value) }
                case .scalar(let s): return [QuerySample(labels: [:], value: s)]
                default: throw RuleError("rule result is not a vector or scalar")
                }
            })
    }
}

/// The evaluation was stopped from outside (Ctrl-C); `reason` is what stopped it.
public struct EvaluationStopped: Error {
    public let reason: any Error
    public init(reason: any Error) { self.reason = reason }
}

/// Carries a value that is only used on the thread that made it into a
/// closure that must be Sendable: template expansion runs synchronously,
/// inside the evaluation that built the closure.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
