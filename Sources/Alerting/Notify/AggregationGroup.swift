// An aggregation group: the alerts one route sends to one receiver with the
// same group labels, notified together.
//
// This is Alertmanager 0.25's dispatch.aggrGroup with its timer made
// explicit. A new group first flushes group_wait after it is created, so
// that alerts starting together go out together; but an alert that started
// more than group_wait ago (one re-sent after a restart, say) makes a group
// that has not flushed yet flush at once, since waiting would only delay
// news that is already late. After each flush the next one is due
// group_interval later (counted from the flush, as Go's timer is reset when
// it fires). A flush looks at every alert the group holds; afterwards, the
// resolved alerts it included are dropped, unless they were updated since.
//
// One difference: Alertmanager removes empty groups in a maintenance pass
// every 30 seconds, so an alert arriving within that window joins the old
// group and waits for its group_interval; here an empty group is removed
// right after the flush that emptied it, and such an alert starts a new
// group (with group_wait, or at once if it started long ago).

/// Identifies an aggregation group: its group key and receiver.
public struct AggregationGroupID: Hashable, Comparable, Sendable {
    /// Alertmanager's group key (`ROUTEKEY:{labels}`).
    public var groupKey: String
    /// The receiver.
    public var receiver: String

    /// Orders by group key, then receiver.
    public static func < (a: AggregationGroupID, b: AggregationGroupID) -> Bool {
        (a.groupKey, a.receiver) < (b.groupKey, b.receiver)
    }
}

/// The alerts one route groups together for one receiver.
public struct AggregationGroup: Sendable {
    /// The group key and receiver.
    public let id: AggregationGroupID
    /// The route's settings and the group labels.
    public let route: RouteMatch
    /// When the group was created (ms).
    public let createdAt: Int64
    /// When the group flushes next (ms).
    public internal(set) var nextFlushAt: Int64
    /// Whether it has flushed at least once.
    public internal(set) var hasFlushed = false
    /// The alerts it holds, by fingerprint.
    public private(set) var alerts: [AlertFingerprint: ReceivedAlert] = [:]

    /// A new, empty group for alerts matched by `route`; it flushes
    /// group_wait after `now` unless an alert makes it flush sooner.
    init(route: RouteMatch, now: Int64) {
        id = AggregationGroupID(groupKey: route.groupKey, receiver: route.receiver)
        self.route = route
        createdAt = now
        nextFlushAt = now + route.groupWaitMs
    }

    /// The group key.
    public var groupKey: String { id.groupKey }
    /// The receiver.
    public var receiver: String { id.receiver }
    /// The group labels.
    public var groupLabels: [String: String] { route.groupLabels }
    /// True when it holds no alert.
    public var isEmpty: Bool { alerts.isEmpty }

    /// Adds or replaces `alert`. A group that has not flushed yet flushes
    /// at once when the alert started more than group_wait before `now`.
    mutating func insert(_ alert: ReceivedAlert, now: Int64) {
        alerts[alert.fingerprint] = alert
        if !hasFlushed && alert.startsAt + route.groupWaitMs < now { nextFlushAt = min(nextFlushAt, now) }
    }

    /// The alerts to flush at `now`, in Alertmanager's order.
    func alertsToFlush() -> [ReceivedAlert] {
        AlertOrder.sorted(Array(alerts.values))
    }

    /// After a flush at `now` that included `flushed`: the resolved ones are
    /// dropped unless updated since, and the next flush is group_interval away.
    mutating func finishFlush(_ flushed: [ReceivedAlert], now: Int64) {
        for alert in flushed where alert.isResolved(at: now) {
            if alerts[alert.fingerprint]?.updatedAt == alert.updatedAt { alerts[alert.fingerprint] = nil }
        }
        hasFlushed = true
        nextFlushAt = now + route.groupIntervalMs
    }
}

/// The order in which Alertmanager lists a group's alerts (types.AlertSlice):
/// by `job`, then `instance` (an alert with the label before one without),
/// then by label set (model.LabelSet.Before: fewer labels first, then the
/// first differing label in name order).
enum AlertOrder {
    /// `alerts` sorted; each label set is put in name order once, not per comparison.
    static func sorted(_ alerts: [ReceivedAlert]) -> [ReceivedAlert] {
        let keyed = alerts.map { alert in
            (alert, alert.labels.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) })
        }
        return keyed.sorted { a, b in precedes(a.0.labels, a.1, b.0.labels, b.1) }.map(\.0)
    }

    private static func precedes(_ a: [String: String], _ aSorted: [(key: String, value: String)],
                                 _ b: [String: String], _ bSorted: [(key: String, value: String)]) -> Bool {
        for name in ["job", "instance"] {
            switch (a[name], b[name]) {
            case (nil, nil): continue
            case (nil, _?): return false
            case (_?, nil): return true
            case let (x?, y?): if x != y { return less(x, y) }
            }
        }
        if aSorted.count != bSorted.count { return aSorted.count < bSorted.count }
        // Both have as many labels: walk the merged name order.
        var i = 0, j = 0
        while i < aSorted.count || j < bSorted.count {
            let nameA = i < aSorted.count ? aSorted[i].key : nil
            let nameB = j < bSorted.count ? bSorted[j].key : nil
            guard let name = [nameA, nameB].compactMap({ $0 }).min(by: less) else { break }
            guard nameA == name else { return true }   // a lacks a name b has
            guard nameB == name else { return false }  // b lacks a name a has
            if aSorted[i].value != bSorted[j].value { return less(aSorted[i].value, bSorted[j].value) }
            i += 1
            j += 1
        }
        return false
    }

    /// Go's string comparison: bytewise.
    private static func less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}
