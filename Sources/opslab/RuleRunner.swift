import Alerting
import Dispatch
import Foundation
import Logging
import MetricsStore
import PromQL
import Telemetry
import Workbench

/// The rule side of `opslab serve`: evaluates the workbench's rule groups
/// on their intervals against the store, writes what they produce back to
/// it, reloads the files on SIGHUP or POST /-/reload, and describes itself
/// on /metrics.
final class RuleRunner: @unchecked Sendable {
    let manager: RuleManager
    let store: MetricsStore
    let source: StoreSeriesSource
    let logger: Logger
    let externalLabels: [String: String]
    let externalURL: String
    private let workbench: Workbench
    private var hangup: DispatchSourceSignal?
    /// Where firing and resolved alerts go: Alertmanagers (`--alertmanager`)
    /// and the embedded notifier (`--notify`); none sends nothing.
    var alertSenders: [any AlertSender] = []
    /// How often a firing alert is sent again (Prometheus: 1m).
    var resendDelayMs: Int64 = 60_000

    init(workbench: Workbench, store: MetricsStore, logger: Logger, defaultIntervalMs: Int64,
         externalLabels: [String: String], externalURL: String) {
        self.workbench = workbench
        self.manager = workbench.rules
        manager.defaultIntervalMs = defaultIntervalMs
        self.store = store
        self.source = StoreSeriesSource(store: store)
        self.logger = logger
        self.externalLabels = externalLabels
        self.externalURL = externalURL
    }

    func load(_ patterns: [String]) {
        report(manager.load(patterns))
    }

    @discardableResult
    func reload() -> [YAMLFileError] {
        let problems = manager.reload()
        report(problems)
        logger.info("rules reloaded", metadata: ["groups": "\(manager.groups.count)", "problems": "\(problems.count)"])
        return problems
    }

    private func report(_ problems: [YAMLFileError]) {
        for problem in problems { logger.warning("rule file problem", metadata: ["problem": "\(problem)"]) }
    }

    /// Starts evaluating, and reloading on SIGHUP; cancel the task to stop.
    func start() -> Task<Void, Never> {
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { [weak self] in self?.reload() }
        hangup.resume()
        self.hangup = hangup
        return Task.detached { [self] in
            while !Task.isCancelled {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let retired = manager.takeRetiredSeries()
                if !retired.isEmpty { try? write(retired.map { ($0, staleNaN) }, at: now) }
                let (due, next) = manager.dueGroups(at: now)
                for group in due { evaluate(group, at: now) }
                let wait = max(10, min(next - Int64(Date().timeIntervalSince1970 * 1000), 1000))
                try? await Task.sleep(for: .milliseconds(wait))
            }
        }
    }

    private let busy = NSLock()
    private var running = Set<ObjectIdentifier>()
    private var waiting: [(group: RuleGroup, ts: Int64)] = []
    private let work = DispatchSemaphore(value: 0)
    private var workers: [Thread] = []

    /// Hands a due group to the evaluation threads, so that a slow group (a
    /// Lua rule at its time budget) does not hold up the others. A group
    /// still running from its last slot skips this one, as in Prometheus.
    private func evaluate(_ group: RuleGroup, at ts: Int64) {
        let id = ObjectIdentifier(group)
        guard busy.withLock({ running.insert(id).inserted }) else {
            logger.warning("rule group missed an evaluation: the previous one is still running", metadata: ["group": "\(group.name)"])
            return
        }
        busy.withLock {
            waiting.append((group, ts))
            // Threads of our own, not libdispatch's shared pool: groups that
            // keep the CPUs busy must not starve the signal handlers (SIGTERM
            // and SIGHUP arrive through dispatch sources).
            if workers.count < min(waiting.count + running.count, max(2, ProcessInfo.processInfo.activeProcessorCount)) {
                let thread = Thread { [self] in evaluationLoop() }
                thread.name = "opslab-rules-\(workers.count)"
                workers.append(thread)
                thread.start()
            }
        }
        work.signal()
    }

    private func evaluationLoop() {
        while true {
            work.wait()
            guard let (group, ts) = busy.withLock({ waiting.isEmpty ? nil : waiting.removeFirst() }) else { continue }
            let id = ObjectIdentifier(group)
            defer { _ = busy.withLock { running.remove(id) } }
            let context = RuleContext(source: source, externalLabels: externalLabels, externalURL: externalURL)
            // Nothing stops serve's evaluations from outside: its context never cancels.
            try? group.evaluate(at: ts, context: context, output: { [self] samples, ts in try write(samples, at: ts) },
                           restoreFrom: source)
            if !alertSenders.isEmpty {
                let alerts = group.alertsToSend(at: ts, resendDelayMs: resendDelayMs).flatMap { rule in
                    rule.alerts.map { PostableAlert($0, expression: rule.expression, externalLabels: externalLabels, externalURL: externalURL) }
                }
                for sender in alertSenders { sender.send(alerts) }
            }
        }
    }

    private func write(_ samples: [VectorElement], at ts: Int64) throws {
        guard !samples.isEmpty else { return }
        let rows = samples.map { element -> Sample in
            var labels = element.labels.dictionary
            let name = labels.removeValue(forKey: "__name__") ?? ""
            return Sample(name, Labels(labels), element.value, timestampMs: ts)
        }
        do {
            try store.append(rows)
        } catch {
            logger.warning("rule output not stored", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Rule metrics in the Prometheus text format.
    func exposition() -> String {
        var families: [String: (type: String, help: String, lines: [String])] = [:]
        func add(_ name: String, _ type: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            let labelText = labels.map { "\($0.0)=\"\(PrometheusText.escapeLabelValue($0.1))\"" }.joined(separator: ",")
            families[name, default: (type, help, [])].lines.append("\(name){\(labelText)} \(PrometheusText.formatValue(value))")
        }
        var healthCounts: [RuleHealth: Int] = [:]
        for group in manager.groups {
            let key = [("rule_group", "\(group.file.isEmpty ? "shell" : group.file);\(group.name)")]
            let status = group.status
            add("opslab_rule_group_last_duration_seconds", "gauge", "How long the group's last evaluation took.", key, status.lastDurationSeconds)
            add("opslab_rule_group_interval_seconds", "gauge", "The group's evaluation interval.", key, Double(group.intervalMs) / 1000)
            add("opslab_rule_group_rules", "gauge", "Rules in the group.", key, Double(group.rules.count))
            add("opslab_rule_group_last_evaluation_timestamp_seconds", "gauge", "When the group was last evaluated.", key,
                Double(status.lastEvaluationMs ?? 0) / 1000)
            add("opslab_rule_evaluations_total", "counter", "Evaluations of the group.", key, Double(status.evaluations))
            add("opslab_rule_evaluation_failures_total", "counter", "Rule evaluations that failed.", key, Double(status.failures))
            var byState: [AlertState: Int] = [.inactive: 0, .pending: 0, .firing: 0]
            for rule in group.alertingRules { byState[rule.state, default: 0] += 1 }
            for state in AlertState.allCases {
                add("opslab_rule_group_alerting_rules", "gauge", "Alerting rules by their highest alert state.",
                    key + [("state", state.rawValue)], Double(byState[state] ?? 0))
            }
            for rule in group.rules { healthCounts[rule.status.health, default: 0] += 1 }
        }
        for health in [RuleHealth.ok, .err, .unknown] {
            add("opslab_rules", "gauge", "Rules by the health of their last evaluation.", [("health", health.rawValue)],
                Double(healthCounts[health] ?? 0))
        }
        return alertSenders.map { $0.exposition() }.joined() + families.sorted { $0.key < $1.key }.map { name, f in
            "# HELP \(name) \(f.help)\n# TYPE \(name) \(f.type)\n" + f.lines.joined(separator: "\n") + "\n"
        }.joined()
    }
}
