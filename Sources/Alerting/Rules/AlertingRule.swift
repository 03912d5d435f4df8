// An alerting rule and its alerts, evaluated as Prometheus 2.42 does:
// a new label set starts pending; it fires once it has been active for
// `for`; when the expression stops returning it, a pending alert is
// dropped and a firing one resolves (unless `keep_firing_for` holds it),
// and resolved alerts are kept 15 minutes so the resolution is delivered.

import Foundation
import PromQL
import Telemetry

/// An alerting rule with its state. Evaluation and readers may be on
/// different threads (serve evaluates, the shell lists), so state sits
/// behind a lock.
public final class AlertingRule: @unchecked Sendable {
    public let definition: RuleDefinition
    private let lock = NSLock()
    private var active: [Labels: Alert] = [:]
    private var status = RuleStatus()

    /// Made by RuleGroup, which picks the class by the rule's kind.
    init(_ definition: RuleDefinition) {
        assert(definition.kind == .alerting)
        self.definition = definition
    }

    public var name: String { definition.name }

    /// Every alert the rule holds: pending, firing, and resolved ones still kept.
    public var alerts: [Alert] {
        lock.withLock { Array(active.values) }.sorted { labelsOrder($0.labels, $1.labels) }
    }

    /// Health, last error and timing of the last evaluation.
    public var lastStatus: RuleStatus { lock.withLock { status } }

    /// The highest state of any alert.
    public var state: AlertState { alerts.map(\.state).max() ?? .inactive }

    func record(_ update: RuleStatus) { lock.withLock { status = update } }

    /// Evaluates at `ts` (ms) and returns the ALERTS and ALERTS_FOR_STATE
    /// samples to write. `restore` gives an alert's saved activeAt when the
    /// group restores state after a restart (nil otherwise).
    func evaluate(at ts: Int64, context: RuleContext, limit: Int,
                  restore: ((Labels) -> Int64?)? = nil) throws -> [VectorElement] {
        let vector = try context.query(definition.expression, at: ts)
        var fresh: [Labels: Alert] = [:]
        for sample in vector {
            try context.stopIfAsked()
            let data = context.templateData(labels: sample.labels, value: sample.value, at: ts)
            var labels = sample.labels.dictionary
            labels["__name__"] = nil
            for (name, template) in definition.labelTemplates {
                // Prometheus's label builder deletes a label set to "".
                let value = Self.expand(template, data)
                labels[name] = value.isEmpty ? nil : value
            }
            labels["alertname"] = definition.name
            let annotations = Labels(definition.annotationTemplates.map { ($0.name, Self.expand($0.template, data)) })
            let identity = Labels(labels)
            guard fresh[identity] == nil else {
                throw RuleError("vector contains metrics with the same labelset after applying alert labels")
            }
            fresh[identity] = Alert(labels: identity, annotations: annotations, state: .pending,
                                    value: sample.value, activeAt: ts)
        }
        return try lock.withLock { () throws -> [VectorElement] in
            for (identity, alert) in fresh {
                if var existing = active[identity], existing.state != .inactive {
                    existing.value = alert.value
                    existing.annotations = alert.annotations
                    active[identity] = existing
                    continue
                }
                var alert = alert
                if let restore, let savedActiveAt = restore(identity) { alert.activeAt = savedActiveAt }
                active[identity] = alert
            }
            var output: [VectorElement] = []
            var activeCount = 0
            for identity in Array(active.keys) {
                guard var alert = active[identity] else { continue }
                if fresh[identity] == nil {
                    var keepFiring = false
                    if alert.state == .firing, definition.keepFiringForMs > 0 {
                        let since = alert.keepFiringSince ?? ts
                        alert.keepFiringSince = since
                        keepFiring = ts - since < definition.keepFiringForMs
                    }
                    if alert.state == .pending
                        || (alert.resolvedAt.map { ts - $0 > resolvedRetentionMs } ?? false) {
                        active[identity] = nil
                        continue
                    }
                    if !keepFiring {
                        if alert.state != .inactive {
                            alert.state = .inactive
                            alert.resolvedAt = ts
                        }
                        active[identity] = alert
                        continue
                    }
                } else {
                    alert.keepFiringSince = nil
                }
                activeCount += 1
                if alert.state == .pending, ts - alert.activeAt >= definition.holdDurationMs {
                    alert.state = .firing
                    alert.firedAt = ts
                }
                active[identity] = alert
                output.append((alert.labels.with("__name__", "ALERTS").with("alertstate", alert.state.rawValue), 1))
                // Whole seconds, as Prometheus writes it.
                output.append((alert.labels.with("__name__", "ALERTS_FOR_STATE"),
                               Double(Self.floorDiv(alert.activeAt, 1000))))
            }
            if limit > 0, activeCount > limit {
                active = [:]
                throw RuleError("exceeded limit of \(limit) with \(activeCount) alerts")
            }
            return output
        }
    }

    /// Applies `body` to every alert under the lock; returns copies of
    /// those for which it returned true.
    func updateAlerts(_ body: (inout Alert) -> Bool) -> [Alert] {
        lock.withLock {
            var chosen: [Alert] = []
            for identity in Array(active.keys) {
                guard var alert = active[identity] else { continue }
                if body(&alert) { chosen.append(alert) }
                active[identity] = alert
            }
            return chosen.sorted { labelsOrder($0.labels, $1.labels) }
        }
    }

    /// Drops every alert (a reload that changed the rule's meaning).
    func reset() { lock.withLock { active = [:] } }

    /// Carries alerts over from the same rule before a reload.
    func adopt(_ other: AlertingRule) {
        let alerts = other.lock.withLock { other.active }
        lock.withLock { active = alerts }
    }

    static func expand(_ template: AlertTemplate, _ data: AlertTemplateData) -> String {
        do { return try template.render(data) } catch { return "<error expanding template: \(error)>" }
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

/// The outcome of a rule's last evaluation.
public struct RuleStatus: Sendable {
    public var health: RuleHealth = .unknown
    public var lastError: String?
    /// When it was last evaluated, ms since the epoch.
    public var lastEvaluationMs: Int64?
    /// How long that took, in seconds.
    public var lastDurationSeconds: Double = 0
    /// Evaluations that failed, since load.
    public var failures: Int = 0
    /// Evaluations, since load.
    public var evaluations: Int = 0
}

/// Prometheus's label-set order: pair by pair, name then value.
func labelsOrder(_ a: Labels, _ b: Labels) -> Bool {
    for (x, y) in zip(a.pairs, b.pairs) {
        if x.name != y.name { return x.name.utf8.lexicographicallyPrecedes(y.name.utf8) }
        if x.value != y.value { return x.value.utf8.lexicographicallyPrecedes(y.value.utf8) }
    }
    return a.count < b.count
}
