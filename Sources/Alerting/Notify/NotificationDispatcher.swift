// The dispatcher: alerts in, notifications out, with Alertmanager 0.25's
// dispatch and notification pipeline in between.
//
// Received alerts are kept (merged by fingerprint, as provider/mem keeps
// them) and routed through the configuration's tree into aggregation
// groups, one per route, group labels and receiver. When a group's flush is
// due, its alerts go through the stages Alertmanager runs for the receiver,
// in its order:
//
//   inhibition      alerts inhibited by a firing alert (any alert held, not
//                   only the group's) are taken out
//   active times    outside the route's active_time_intervals nothing goes out
//   mute times      inside the route's mute_time_intervals nothing goes out
//   silences        alerts an active silence matches are taken out
//   per integration dedup against the notification log, then the resolved
//                   alerts are left out for integrations without
//                   send_resolved, then the log is written
//
// A stage that leaves nothing ends the flush quietly; the flush still counts
// as done, so resolved alerts leave the group even when muted, as in
// Alertmanager, where a muted resolution is never sent later.
//
// There are no threads or timers here: the caller passes the time to
// `ingest` and `due` and asks `nextWake` when to call `due` again. Time
// intervals without a location are read in UTC, as Alertmanager 0.25 reads
// them (it checks `now.UTC()`), unless another zone is given.

import Foundation

/// Routes, groups and deduplicates alerts into notifications, driven by an explicit clock.
public struct NotificationDispatcher: Sendable {
    /// The configuration: routes, receivers, inhibit rules, time intervals.
    public let config: AlertmanagerConfig
    /// What was notified; persist it, and pass it back after a restart.
    public private(set) var notificationLog: NotificationLog
    /// The zone of time intervals that name no location.
    public var timeZone: TimeZone

    private let sendResolvedOverride: (@Sendable (IntegrationRef) -> Bool)?
    private let receivers: [String: Receiver]
    private var alerts: [AlertFingerprint: ReceivedAlert] = [:] {
        didSet { heldRevision &+= 1 }
    }
    /// Changes whenever the alerts held change, so that a caller saving them
    /// (the notifier, to survive a restart) saves only when there is news.
    public private(set) var heldRevision = 0
    private var groups: [AggregationGroupID: AggregationGroup] = [:]

    /// A dispatcher for `config`.
    /// - Parameters:
    ///   - notificationLog: the log restored from a previous run, or an empty one.
    ///   - timeZone: the zone of time intervals that name no location (UTC, as Alertmanager 0.25).
    ///   - sendResolved: whether an integration wants resolved alerts; by
    ///     default its `send_resolved` setting or its kind's default.
    public init(config: AlertmanagerConfig, notificationLog: NotificationLog = NotificationLog(),
                timeZone: TimeZone = TimeZone(secondsFromGMT: 0) ?? .current,
                sendResolved: (@Sendable (IntegrationRef) -> Bool)? = nil) {
        self.config = config
        self.notificationLog = notificationLog
        self.timeZone = timeZone
        sendResolvedOverride = sendResolved
        var receivers: [String: Receiver] = [:]
        for receiver in config.receivers { receivers[receiver.name] = receiver }
        self.receivers = receivers
    }

    // MARK: - Input

    /// Receives `incoming` at `now`, as a POST to /api/v2/alerts: each alert
    /// is completed, validated, merged with the one held under its
    /// fingerprint and routed into its groups. Returns the refused alerts.
    @discardableResult
    public mutating func ingest(_ incoming: [IncomingAlert], now: Int64) -> [AlertRejection] {
        var rejections: [AlertRejection] = []
        for posted in incoming {
            switch ReceivedAlert.receive(posted, now: now, resolveTimeoutMs: config.global.resolveTimeoutMs) {
            case .failure(let rejection):
                rejections.append(rejection)
            case .success(var alert):
                if let held = alerts[alert.fingerprint] { alert = held.updated(by: alert, now: now) }
                alerts[alert.fingerprint] = alert
                for match in config.route.match(alert.labels) {
                    let id = AggregationGroupID(groupKey: match.groupKey, receiver: match.receiver)
                    // Mutated in place: a copied group would copy its alerts on every insert.
                    groups[id, default: AggregationGroup(route: match, now: now)].insert(alert, now: now)
                }
            }
        }
        return rejections
    }

    // MARK: - Time

    /// When `due` next has work: the earliest flush of any group (not
    /// before `now`); nil while there are no groups.
    public func nextWake(now: Int64) -> Int64? {
        groups.values.map(\.nextFlushAt).min().map { max($0, now) }
    }

    /// Flushes every group whose flush is due at `now` (once, however late),
    /// and returns the notifications to deliver, in flush order.
    /// - Parameter silences: the silences to apply at `now`.
    public mutating func due(now: Int64, silences: Silences = Silences()) -> [AlertNotification] {
        let dueIDs = groups.values.filter { $0.nextFlushAt <= now }
            .sorted { ($0.nextFlushAt, $0.id) < ($1.nextFlushAt, $1.id) }.map(\.id)
        guard !dueIDs.isEmpty else { return [] }

        var inhibition: InhibitionIndex?
        var notifications: [AlertNotification] = []
        for id in dueIDs {
            guard let group = groups[id] else { continue }
            let flushed = group.alertsToFlush()
            if !flushed.isEmpty {
                notifications += notify(group, flushed, now: now, silences: silences, inhibition: &inhibition)
            }
            groups[id]?.finishFlush(flushed, now: now)
            if groups[id]?.isEmpty == true { groups[id] = nil }
        }
        dropSettledAlerts(now: now)
        return notifications
    }

    // MARK: - Inspection

    /// The aggregation groups, by group key and receiver.
    public var aggregationGroups: [AggregationGroup] {
        groups.values.sorted { $0.id < $1.id }
    }

    /// Every alert held, by fingerprint.
    public var heldAlerts: [ReceivedAlert] {
        alerts.values.sorted { $0.fingerprint < $1.fingerprint }
    }

    /// Whether `integration` is sent resolved alerts.
    public func sendsResolved(_ integration: IntegrationRef) -> Bool {
        sendResolvedOverride?(integration) ?? receivers[integration.receiver]?.sendsResolved(integration) ?? true
    }

    /// Removes notification log entries expired by `now`; returns how many.
    @discardableResult
    public mutating func garbageCollectLog(now: Int64) -> Int {
        notificationLog.garbageCollect(now: now)
    }

    // MARK: - The pipeline

    /// The notifications of one flush of `group`, whose alerts are `flushed`.
    private mutating func notify(_ group: AggregationGroup, _ flushed: [ReceivedAlert], now: Int64,
                                 silences: Silences, inhibition: inout InhibitionIndex?) -> [AlertNotification] {
        let integrations = receivers[group.receiver]?.integrationRefs ?? []
        guard !integrations.isEmpty else { return [] }

        var remaining = flushed
        if !config.inhibitRules.isEmpty {
            // Built once per `due`, from every firing alert held: a source may be in any group.
            let index = inhibition ?? InhibitionIndex(rules: config.inhibitRules,
                                                      firing: alerts.values.filter { !$0.isResolved(at: now) })
            inhibition = index
            remaining.removeAll { index.inhibits($0.labels) }
        }
        let date = Date(timeIntervalSince1970: Double(now) / 1_000)
        if !group.route.activeTimeIntervals.isEmpty && !isInside(group.route.activeTimeIntervals, date) { return [] }
        if isInside(group.route.muteTimeIntervals, date) { return [] }
        remaining.removeAll { silences.isSilenced($0.labels, at: now) }
        guard !remaining.isEmpty else { return [] }

        let snapshot = remaining.map { NotificationAlert($0, at: now) }
        let firing = snapshot.filter { $0.status == .firing }.map(\.fingerprint)
        let resolved = snapshot.filter { $0.status == .resolved }.map(\.fingerprint)
        let firingSet = Set(firing), resolvedSet = Set(resolved)

        var notifications: [AlertNotification] = []
        for integration in integrations {
            let wantsResolved = sendsResolved(integration)
            guard notificationLog.needsNotification(
                groupKey: group.groupKey, integration: integration, firing: firingSet, resolved: resolvedSet,
                sendResolved: wantsResolved, repeatIntervalMs: group.route.repeatIntervalMs, at: now)
            else { continue }
            // Without send_resolved only firing alerts go out, and a flush with
            // none sends nothing, but is still logged, so that the log stops
            // listing alerts as firing (notify.RetryStage).
            let sent = wantsResolved ? snapshot : snapshot.filter { $0.status == .firing }
            if !sent.isEmpty {
                notifications.append(AlertNotification(integration: integration, groupKey: group.groupKey,
                                                  groupLabels: group.groupLabels, alerts: sent, flushedAt: now))
            }
            notificationLog.record(groupKey: group.groupKey, integration: integration, firing: firing,
                                   resolved: resolved, at: now)
        }
        return notifications
    }

    /// True when `date` is inside one of the named intervals (a name the
    /// configuration lacks counts as no interval; parsing refuses such names).
    private func isInside(_ names: [String], _ date: Date) -> Bool {
        names.contains { config.timeInterval(named: $0)?.contains(date, defaultTimeZone: timeZone) ?? false }
    }

    /// Forgets resolved alerts no group holds any more: they have been
    /// notified (or muted) wherever they went, and resolved alerts inhibit nothing.
    private mutating func dropSettledAlerts(now: Int64) {
        var held = Set<AlertFingerprint>()
        for group in groups.values { held.formUnion(group.alerts.keys) }
        let kept = alerts.filter { !$0.value.isResolved(at: now) || held.contains($0.key) }
        if kept.count != alerts.count { alerts = kept }
    }
}

/// The firing alerts that can inhibit, per inhibit rule, bucketed by the
/// values of the rule's `equal` labels, so that finding whether an alert is
/// inhibited looks only at sources that agree with it.
struct InhibitionIndex {
    private let rules: [InhibitRule]
    private let sources: [[[String]: [[String: String]]]]

    init(rules: [InhibitRule], firing: [ReceivedAlert]) {
        self.rules = rules
        sources = rules.map { rule in
            var buckets: [[String]: [[String: String]]] = [:]
            for alert in firing where AlertmanagerMatchers.all(rule.sourceMatchers, match: alert.labels) {
                buckets[rule.equal.map { alert.labels[$0] ?? "" }, default: []].append(alert.labels)
            }
            return buckets
        }
    }

    /// True when some rule and some firing source alert inhibit `target`.
    func inhibits(_ target: [String: String]) -> Bool {
        for (index, rule) in rules.enumerated() where AlertmanagerMatchers.all(rule.targetMatchers, match: target) {
            let candidates = sources[index][rule.equal.map { target[$0] ?? "" }] ?? []
            if candidates.contains(where: { rule.inhibits(source: $0, target: target) }) { return true }
        }
        return false
    }
}
