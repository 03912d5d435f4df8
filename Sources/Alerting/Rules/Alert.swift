// An alert: one label set for which an alerting rule's expression holds, or
// recently held.

import Telemetry

/// Where an alert is in its life.
public enum AlertState: String, Sendable, Comparable, CaseIterable {
    /// Not active: resolved, kept for a while so that the resolution is
    /// reported (Prometheus keeps resolved alerts 15 minutes).
    case inactive
    /// Active for less than the rule's `for`.
    case pending
    /// Active for at least `for`, or kept firing by `keep_firing_for`.
    case firing

    private var rank: Int {
        switch self {
        case .inactive: return 0
        case .pending: return 1
        case .firing: return 2
        }
    }

    public static func < (a: AlertState, b: AlertState) -> Bool { a.rank < b.rank }
}

/// One alert of a rule. Times are milliseconds since the epoch.
public struct Alert: Sendable {
    /// The alert's identity: the series' labels without `__name__`, the
    /// rule's labels, and `alertname`.
    public var labels: Labels
    /// The rule's annotations, expanded for this alert.
    public var annotations: Labels
    public var state: AlertState
    /// The expression's value at the last evaluation that returned this alert.
    public var value: Double
    /// When the alert became pending.
    public var activeAt: Int64
    /// When it started firing.
    public var firedAt: Int64?
    /// When it was resolved; set only for inactive alerts.
    public var resolvedAt: Int64?
    /// When the condition stopped holding while `keep_firing_for` kept it firing.
    public var keepFiringSince: Int64?
    /// When it was last handed to the notifier.
    public var lastSentAt: Int64?
    /// Until when the last notification said it fires (its endsAt).
    public var validUntil: Int64?

    public init(labels: Labels, annotations: Labels, state: AlertState, value: Double, activeAt: Int64) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.activeAt = activeAt
    }
}

/// How a rule's last evaluation went.
public enum RuleHealth: String, Sendable {
    case unknown, ok, err
}

/// Resolved alerts stay this long before they are dropped (Prometheus's resolvedRetention).
public let resolvedRetentionMs: Int64 = 15 * 60_000
