// The rules of a running workbench or server: groups loaded from files
// (reloadable) and groups defined in the shell, evaluated each on its own
// interval.
//
// A reload re-reads every file. A file that now has problems keeps its old
// groups, and the problems are reported: a half-edited file must not
// silence the alerts it held. Alerts of a rule that is unchanged across the
// reload keep their state (pending progress, firing since).

import Foundation
import PromQL
import Telemetry

public final class RuleManager: @unchecked Sendable {
    private let lock = NSLock()
    private var defaultInterval: Int64

    /// The interval of groups that do not set one, in milliseconds; applies to groups loaded after it is set.
    public var defaultIntervalMs: Int64 {
        get { lock.withLock { defaultInterval } }
        set { lock.withLock { defaultInterval = max(1, newValue) } }
    }
    private var patterns: [String] = []
    private var fileGroups: [String: [RuleGroup]] = [:]
    private var fileOrder: [String] = []
    private var shellGroups: [RuleGroup] = []
    private var nextDue: [ObjectIdentifier: Int64] = [:]
    private var retired: [Labels] = []

    public init(defaultIntervalMs: Int64 = 60_000) {
        self.defaultInterval = max(1, defaultIntervalMs)
    }

    /// Every group: file groups in file order, then groups made in the shell.
    public var groups: [RuleGroup] {
        lock.withLock { fileOrder.flatMap { fileGroups[$0] ?? [] } + shellGroups }
    }

    /// Adds rule files (paths or globs) and loads them; returns the problems found.
    @discardableResult
    public func load(_ newPatterns: [String]) -> [YAMLFileError] {
        lock.withLock { patterns += newPatterns.filter { !patterns.contains($0) } }
        return reload()
    }

    /// Re-reads every file. A file with problems keeps the groups it had.
    @discardableResult
    public func reload() -> [YAMLFileError] {
        let patterns = lock.withLock { self.patterns }
        var problems: [YAMLFileError] = []
        var files: [String] = []
        for pattern in patterns {
            let matched = FileGlob.expand(pattern)
            if matched.isEmpty { problems.append(YAMLFileError(file: pattern, line: nil, message: "no rule file matches")) }
            files += matched.filter { !files.contains($0) }
        }
        var loaded: [String: [RuleGroup]] = [:]
        for path in files {
            let file = RuleFile.load(path: path)
            if !file.problems.isEmpty {
                problems += file.problems
                // A file that loaded before keeps what it had; a new one
                // loads the rules that are fine.
                if let old = lock.withLock({ fileGroups[path] }) {
                    loaded[path] = old
                    continue
                }
            }
            loaded[path] = file.groups.map { RuleGroup($0, file: path, defaultIntervalMs: defaultIntervalMs) }
        }
        problems += Self.duplicates(in: files.flatMap { loaded[$0] ?? [] })
        let previous = lock.withLock { fileGroups }
        var retiring: [Labels] = []
        for (path, oldGroups) in previous {
            for old in oldGroups {
                if let group = loaded[path]?.first(where: { $0.name == old.name }) {
                    if group !== old { retiring += group.adoptState(from: old) }
                } else {
                    retiring += old.allPreviousSeries
                }
            }
        }
        lock.withLock {
            retired += retiring
            fileGroups = loaded
            fileOrder = files.filter { loaded[$0] != nil }
        }
        return problems
    }

    /// Rules in different groups with the same name, kind and labels: they
    /// would write the same series (ALERTS, or the recorded metric), each
    /// marking the other's stale. Prometheus loads them silently; both load
    /// here too, with a warning naming both places.
    static func duplicates(in groups: [RuleGroup]) -> [YAMLFileError] {
        var seen: [String: (group: RuleGroup, source: String)] = [:]
        var problems: [YAMLFileError] = []
        for group in groups {
            for rule in group.rules {
                let d = rule.definition
                let key = "\(d.kind.rawValue)\u{0}\(d.name)\u{0}" + d.labels.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: "\u{0}")
                if let first = seen[key], first.group !== group {
                    problems.append(YAMLFileError(file: group.file, line: nil, message:
                        "group \"\(group.name)\": \(d.kind == .alerting ? "alert" : "recording rule") \(d.name) duplicates the one in group \"\(first.group.name)\" (\(first.group.file)) with the same labels; their series collide"))
                } else if seen[key] == nil {
                    seen[key] = (group, group.file)
                }
            }
        }
        return problems
    }

    /// Adds a rule made in the shell to the group `group` (created with the
    /// default interval when new); a rule of the same name and kind is replaced.
    public func add(_ rule: RuleDefinition, group name: String) {
        lock.withLock {
            var rules = shellGroups.first { $0.name == name }?.rules.map(\.definition) ?? []
            rules.removeAll { $0.name == rule.name && $0.kind == rule.kind }
            rules.append(rule)
            let old = shellGroups.first { $0.name == name }
            let group = RuleGroup(name: name, intervalMs: old?.intervalMs ?? defaultInterval, rules: rules)
            if let old { retired += group.adoptState(from: old) }
            shellGroups.removeAll { $0.name == name }
            shellGroups.append(group)
        }
    }

    /// Removes shell rules named `name`; returns how many went.
    public func remove(name: String) -> Int {
        lock.withLock {
            var removed = 0
            shellGroups = shellGroups.compactMap { group in
                let rules = group.rules.map(\.definition).filter { $0.name != name }
                removed += group.rules.count - rules.count
                if rules.count == group.rules.count { return group }
                if rules.isEmpty { return nil }
                let replacement = RuleGroup(name: group.name, intervalMs: group.intervalMs, rules: rules)
                retired += replacement.adoptState(from: group)
                return replacement
            }
            return removed
        }
    }

    /// Evaluates every group now, whatever its schedule; throws when stopped from outside.
    public func evaluateAll(at ts: Int64, context: RuleContext, output: RuleOutput, restoreFrom: (any SeriesSource)? = nil) throws {
        for group in groups { try group.evaluate(at: ts, context: context, output: output, restoreFrom: restoreFrom) }
    }

    /// The groups whose time has come at `now`, each then scheduled for
    /// its next slot, and when the next one is due. Evaluation times are
    /// multiples of each group's interval, so restarts and reloads keep the
    /// same grid. The caller evaluates them (serve runs groups side by side,
    /// so a slow group does not hold up the others).
    public func dueGroups(at now: Int64) -> (due: [RuleGroup], next: Int64) {
        let all = groups
        return lock.withLock {
            var earliest = Int64.max
            var due: [RuleGroup] = []
            var live: [ObjectIdentifier: Int64] = [:]
            for group in all {
                let id = ObjectIdentifier(group)
                var next = nextDue[id] ?? now
                if next <= now {
                    due.append(group)
                    // The next multiple of the interval; an interval of
                    // centuries saturates instead of overflowing.
                    let (slot, overflow) = (now / group.intervalMs + 1).multipliedReportingOverflow(by: group.intervalMs)
                    next = overflow ? .max : slot
                }
                live[id] = next
                earliest = min(earliest, next)
            }
            // Groups a reload replaced are forgotten.
            nextDue = live
            return (due, earliest == .max ? now &+ defaultInterval : earliest)
        }
    }

    /// Series of groups and rules that a reload removed, to be marked stale
    /// once (then they are forgotten).
    public func takeRetiredSeries() -> [Labels] {
        lock.withLock {
            defer { retired = [] }
            return retired
        }
    }
}

extension RuleGroup {
    /// Takes over from the group this one replaces: the alerts of rules
    /// that are unchanged (same kind, name, expression, `for`, labels and
    /// annotations), and what each rule of the same name wrote last time, so
    /// that series it no longer writes are marked stale. Returns the series
    /// of old rules that have no successor, which the caller marks stale.
    func adoptState(from old: RuleGroup) -> [Labels] {
        for rule in alertingRules {
            guard let match = old.alertingRules.first(where: { $0.definition.sameMeaning(as: rule.definition) }) else { continue }
            rule.adopt(match)
        }
        var orphaned: [Labels] = []
        let previous = old.previousSeriesByRule
        var taken = Set<Int>()
        for (index, rule) in rules.enumerated() {
            if let match = previous.indices.first(where: { !taken.contains($0) && old.rules[$0].name == rule.name
                                                           && old.rules[$0].definition.kind == rule.definition.kind }) {
                taken.insert(match)
                setPreviousSeries(previous[match], forRule: index)
            }
        }
        for index in previous.indices where !taken.contains(index) { orphaned += previous[index] }
        markRestored()
        return orphaned
    }
}

extension RuleDefinition {
    func sameMeaning(as other: RuleDefinition) -> Bool {
        kind == other.kind && name == other.name && expression.text == other.expression.text
            && holdDurationMs == other.holdDurationMs && keepFiringForMs == other.keepFiringForMs
            && labels.elementsEqual(other.labels, by: ==) && annotations.elementsEqual(other.annotations, by: ==)
    }
}
