// Alertmanager's routing tree: which receivers an alert goes to, and in
// which notification group.
//
// This is dispatch/route.go of Alertmanager 0.25. Settings are resolved
// when the tree is built, as NewRoute does: a route without a receiver,
// group_by or timers takes its parent's, and the root takes the defaults
// (30s, 5m, 4h). Time interval names are not inherited. Matching is a
// depth-first, left-to-right search: the first matching child wins unless
// it has `continue`, and a matching route none of whose children match is
// itself the result. A route's key (the path of its matchers) and the
// alert's group labels make the group key that Alertmanager sends to
// receivers and deduplicates notifications by, so both are printed exactly
// as Alertmanager prints them.

import Telemetry

/// How a route groups the alerts it takes.
public enum GroupBy: Sendable, Equatable {
    /// Alerts with equal values of these labels share a group (sorted;
    /// empty: one group for the whole route).
    case labels([String])
    /// `group_by: ['...']`: by every label, so each distinct alert is its own group.
    case allLabels
}

/// One node of the routing tree, with its settings already inherited.
public struct Route: Sendable {
    /// Alertmanager's group_wait when no route up the tree sets one.
    public static let defaultGroupWaitMs: Int64 = 30_000
    /// Alertmanager's group_interval when no route up the tree sets one.
    public static let defaultGroupIntervalMs: Int64 = 5 * 60_000
    /// Alertmanager's repeat_interval when no route up the tree sets one.
    public static let defaultRepeatIntervalMs: Int64 = 4 * 3_600_000

    /// The receiver, the parent's when the route names none.
    public let receiver: String
    /// How matching alerts are grouped.
    public let groupBy: GroupBy
    /// How long a new group waits for more alerts before its first notification.
    public let groupWaitMs: Int64
    /// How long a group waits before notifying about alerts added to it.
    public let groupIntervalMs: Int64
    /// How long before a notification that did not change is sent again.
    public let repeatIntervalMs: Int64
    /// What an alert must satisfy (`match`, `match_re` and `matchers`
    /// together), sorted as Alertmanager sorts them.
    public let matchers: [LabelMatcher]
    /// `continue`: after this route matches, its later siblings are tried too.
    public let continues: Bool
    /// Named time intervals during which the route sends nothing.
    public let muteTimeIntervals: [String]
    /// Named time intervals outside which the route sends nothing (none: always active).
    public let activeTimeIntervals: [String]
    /// The child routes, in file order.
    public internal(set) var routes: [Route] = []
    /// Alertmanager's route key: the parent's key, `/`, then this route's
    /// matchers (`{}` for the root). It need not be unique.
    public let key: String
    /// Where the route starts in its file.
    public let line: Int?

    /// A route without children whose unset settings come from `parent`
    /// (or the defaults); the parser adds the children once it exists,
    /// since they inherit from it.
    init(parent: Route?, receiver: String?, groupBy: GroupBy?, groupWaitMs: Int64?, groupIntervalMs: Int64?,
         repeatIntervalMs: Int64?, matchers: [LabelMatcher], continues: Bool = false,
         muteTimeIntervals: [String] = [], activeTimeIntervals: [String] = [], line: Int? = nil) {
        let sorted = AlertmanagerMatchers.sorted(matchers)
        self.receiver = receiver ?? parent?.receiver ?? ""
        self.groupBy = groupBy ?? parent?.groupBy ?? .labels([])
        self.groupWaitMs = groupWaitMs ?? parent?.groupWaitMs ?? Self.defaultGroupWaitMs
        self.groupIntervalMs = groupIntervalMs ?? parent?.groupIntervalMs ?? Self.defaultGroupIntervalMs
        self.repeatIntervalMs = repeatIntervalMs ?? parent?.repeatIntervalMs ?? Self.defaultRepeatIntervalMs
        self.matchers = sorted
        self.continues = continues
        self.muteTimeIntervals = muteTimeIntervals
        self.activeTimeIntervals = activeTimeIntervals
        self.key = (parent.map { $0.key + "/" } ?? "") + AlertmanagerMatchers.text(sorted)
        self.line = line
    }

    /// Where an alert with `labels` goes: one entry per matching route, in
    /// tree order (Alertmanager's Route.Match). Below the root, an alert
    /// that matches no route goes to the root, so the list is empty only
    /// when this route's own matchers fail.
    public func match(_ labels: [String: String]) -> [RouteMatch] {
        matchingRoutes(labels).map { RouteMatch(route: $0, labels: labels) }
    }

    /// The receivers of `match`, in order (what `amtool config routes test` prints, comma-separated).
    public func receivers(for labels: [String: String]) -> [String] {
        matchingRoutes(labels).map(\.receiver)
    }

    /// Every route of the tree, depth first, this one included.
    public func walk(_ visit: (Route) -> Void) {
        visit(self)
        for child in routes { child.walk(visit) }
    }

    func matchingRoutes(_ labels: [String: String]) -> [Route] {
        guard AlertmanagerMatchers.all(matchers, match: labels) else { return [] }
        var found: [Route] = []
        for child in routes {
            let matched = child.matchingRoutes(labels)
            found += matched
            if !matched.isEmpty && !child.continues { break }
        }
        return found.isEmpty ? [self] : found
    }
}

/// Where one alert goes through one matching route.
public struct RouteMatch: Sendable, Equatable {
    /// The receiver to notify.
    public var receiver: String
    /// How the route groups.
    public var groupBy: GroupBy
    /// The alert's labels that define its group (those named by group_by that it has).
    public var groupLabels: [String: String]
    /// The route's key (Route.key).
    public var routeKey: String
    /// Alertmanager's group key, `ROUTEKEY:{name="value", ...}`, as receivers see it.
    public var groupKey: String
    /// The route's group_wait (Route.groupWaitMs).
    public var groupWaitMs: Int64
    /// The route's group_interval (Route.groupIntervalMs).
    public var groupIntervalMs: Int64
    /// The route's repeat_interval (Route.repeatIntervalMs).
    public var repeatIntervalMs: Int64
    /// The route's mute_time_intervals.
    public var muteTimeIntervals: [String]
    /// The route's active_time_intervals.
    public var activeTimeIntervals: [String]

    init(route: Route, labels: [String: String]) {
        receiver = route.receiver
        groupBy = route.groupBy
        switch route.groupBy {
        case .allLabels: groupLabels = labels
        case .labels(let names): groupLabels = labels.filter { names.contains($0.key) }
        }
        routeKey = route.key
        groupKey = route.key + ":" + Self.labelSetText(groupLabels)
        groupWaitMs = route.groupWaitMs
        groupIntervalMs = route.groupIntervalMs
        repeatIntervalMs = route.repeatIntervalMs
        muteTimeIntervals = route.muteTimeIntervals
        activeTimeIntervals = route.activeTimeIntervals
    }

    /// model.LabelSet.String(): `name="value"` pairs, values quoted as Go's
    /// %q, joined by ", " in braces. Go sorts the printed pairs rather than
    /// the names, so `a1="x"` comes before `a="y"`; so do we.
    public static func labelSetText(_ labels: [String: String]) -> String {
        let pairs = labels.map { $0.key + "=" + GoQuote.quote($0.value) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return "{" + pairs.joined(separator: ", ") + "}"
    }
}
