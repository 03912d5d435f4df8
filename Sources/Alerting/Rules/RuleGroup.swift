// A group of rules evaluated in order at one instant. Each rule's output is
// written before the next rule runs, so an alert can use a series recorded
// just above it; series a rule wrote last time and not this time get a
// staleness marker, so `ALERTS` and recorded series end when their
// condition does, as in Prometheus.

import Foundation
import PromQL
import Telemetry

/// A rule of either kind.
public enum Rule: Sendable {
    case alerting(AlertingRule)
    case recording(RecordingRule)

    public var definition: RuleDefinition {
        switch self {
        case .alerting(let r): return r.definition
        case .recording(let r): return r.definition
        }
    }

    public var name: String { definition.name }

    public var status: RuleStatus {
        switch self {
        case .alerting(let r): return r.lastStatus
        case .recording(let r): return r.lastStatus
        }
    }

    func record(_ status: RuleStatus) {
        switch self {
        case .alerting(let r): r.record(status)
        case .recording(let r): r.record(status)
        }
    }
}

/// Where a group writes its output: recorded series, ALERTS and
/// ALERTS_FOR_STATE, and staleness markers. Labels include `__name__`.
public typealias RuleOutput = (_ samples: [VectorElement], _ timestampMs: Int64) throws -> Void

public final class RuleGroup: @unchecked Sendable {
    public let name: String
    /// The file the group came from ("" for groups made in the shell).
    public let file: String
    public let intervalMs: Int64
    public let limit: Int
    public let rules: [Rule]

    private let lock = NSLock()
    private var previousSeries: [Set<Labels>]
    private var needsRestore = true
    private var stats = GroupStatus()

    /// How long after a restart saved `for` state is still trusted (Prometheus's outage tolerance).
    public static let outageToleranceMs: Int64 = 3_600_000

    public init(name: String, file: String = "", intervalMs: Int64, limit: Int = 0, rules: [RuleDefinition]) {
        self.name = name
        self.file = file
        self.intervalMs = intervalMs
        self.limit = limit
        self.rules = rules.map { $0.kind == .alerting ? .alerting(AlertingRule($0)) : .recording(RecordingRule($0)) }
        self.previousSeries = Array(repeating: [], count: rules.count)
    }

    public convenience init(_ spec: RuleGroupSpec, file: String, defaultIntervalMs: Int64) {
        self.init(name: spec.name, file: file, intervalMs: spec.intervalMs ?? defaultIntervalMs,
                  limit: spec.limit, rules: spec.rules)
    }

    /// What each rule wrote at its last evaluation.
    var previousSeriesByRule: [Set<Labels>] { lock.withLock { previousSeries } }
    /// Every series the group wrote at its last evaluation.
    public var allPreviousSeries: [Labels] { previousSeriesByRule.flatMap { $0 } }
    func setPreviousSeries(_ series: Set<Labels>, forRule index: Int) { lock.withLock { previousSeries[index] = series } }

    /// State carried over from a group this one replaces needs no restoring from the store.
    func markRestored() { lock.withLock { needsRestore = false } }

    /// Timing and counts of the group's evaluations.
    public var status: GroupStatus { lock.withLock { stats } }

    /// The alerting rules, in order.
    public var alertingRules: [AlertingRule] {
        rules.compactMap { if case .alerting(let r) = $0 { return r } else { return nil } }
    }

    /// Evaluates every rule at `ts` (ms), writing each rule's output through
    /// `output` before the next rule runs. A failing rule is marked
    /// unhealthy and the others still run. On the first evaluation, alerts
    /// take back their `activeAt` from ALERTS_FOR_STATE in `restoreFrom`.
    /// Throws only when the evaluation is stopped from outside
    /// (`context.checkCancellation`), with the stop's own error.
    public func evaluate(at ts: Int64, context: RuleContext, output: RuleOutput,
                         restoreFrom: (any SeriesSource)? = nil) throws {
        let started = ContinuousClock.now
        let restoring = lock.withLock { () -> Bool in
            defer { needsRestore = false }
            return needsRestore
        }
        var failed = 0
        for (index, rule) in rules.enumerated() {
            let ruleStarted = ContinuousClock.now
            var status = rule.status
            status.evaluations += 1
            status.lastEvaluationMs = ts
            do {
                try context.stopIfAsked()
                let samples: [VectorElement]
                switch rule {
                case .recording(let r):
                    samples = try r.evaluate(at: ts, context: context, limit: limit)
                case .alerting(let r):
                    let restore = restoring ? restoreFrom.map { Self.savedActiveAt(of: r, in: $0, at: ts) } : nil
                    samples = try r.evaluate(at: ts, context: context, limit: limit, restore: restore)
                }
                var returned = Set<Labels>(minimumCapacity: samples.count)
                for sample in samples { returned.insert(sample.labels) }
                let gone = previousSeriesByRule[index].subtracting(returned)
                try output(samples + gone.map { ($0, staleNaN) }, ts)
                setPreviousSeries(returned, forRule: index)
                status.health = .ok
                status.lastError = nil
            } catch let stop as EvaluationStopped {
                throw stop.reason
            } catch {
                status.health = .err
                status.lastError = "\(error)"
                status.failures += 1
                failed += 1
            }
            status.lastDurationSeconds = (ContinuousClock.now - ruleStarted).seconds
            rule.record(status)
        }
        let duration = (ContinuousClock.now - started).seconds
        lock.withLock {
            stats.evaluations += 1
            stats.failures += failed
            stats.lastEvaluationMs = ts
            stats.lastDurationSeconds = duration
        }
    }

    /// Looks up each alert's saved activeAt in ALERTS_FOR_STATE. An alert
    /// that was firing when the process stopped gets its original activeAt
    /// back and fires again at once; a pending one keeps the progress it
    /// had made towards `for` (the downtime does not count).
    static func savedActiveAt(of rule: AlertingRule, in source: any SeriesSource, at ts: Int64) -> (Labels) -> Int64? {
        guard let matchers = try? [LabelMatcher("__name__", .equal, "ALERTS_FOR_STATE"),
                                   LabelMatcher("alertname", .equal, rule.name)] else { return { _ in nil } }
        let series = (try? source.select(matchers, from: ts - outageToleranceMs, through: ts)) ?? []
        var saved: [Labels: (activeAt: Int64, seenAt: Int64)] = [:]
        for s in series {
            // Anyone can write this series (metrics.write): only a Unix time
            // in seconds within ±10^11 is taken as an activeAt.
            guard let last = s.values.indices.last, s.values[last].isFinite, abs(s.values[last]) < 1e11 else { continue }
            var labels = s.labels.dictionary
            labels["__name__"] = nil
            saved[Labels(labels)] = (Int64(s.values[last]) * 1000, s.timestamps[last])
        }
        let hold = rule.definition.holdDurationMs
        return { identity in
            guard let entry = saved[identity] else { return nil }
            let spentPending = entry.seenAt - entry.activeAt
            return spentPending >= hold ? entry.activeAt : ts - spentPending
        }
    }
}

/// The outcome of a group's evaluations.
public struct GroupStatus: Sendable {
    public var evaluations = 0
    /// Rule evaluations that failed, summed over the group's rules.
    public var failures = 0
    public var lastEvaluationMs: Int64?
    public var lastDurationSeconds: Double = 0
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
