// What the dispatcher hands on: one notification for one integration of a
// receiver, about one aggregation group.
//
// Alertmanager notifies per integration, not per receiver: a receiver with
// a webhook and an email gets two deliveries, deduplicated separately in the
// notification log, and each integration decides whether it wants resolved
// alerts (`send_resolved`, whose default differs between integrations). A
// receiver without integrations receives nothing: that is how a "null"
// receiver drops alerts.
//
// The alerts of a notification are those of the flush, in Alertmanager's
// order, with their status at the flush time and firing alerts' end time
// cleared (so a receiver never sees a future end it could mistake for a
// resolution). Common labels and annotations are those every alert shares.
// The dedup key identifies the notification itself, so that a downstream
// outbox that retries can recognise a delivery it already made.

/// One integration of a receiver: its kind and its place among its kind.
public struct IntegrationRef: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The receiver's name.
    public var receiver: String
    /// The integration's kind as Alertmanager names it (`webhook`, `email`,
    /// `slack`, ...), or `opslab` for an opslab sink.
    public var integration: String
    /// Its index among the receiver's integrations of that kind.
    public var index: Int

    /// An integration of `receiver`.
    public init(receiver: String, integration: String, index: Int) {
        self.receiver = receiver
        self.integration = integration
        self.index = index
    }

    /// `receiver/webhook[0]`, as Alertmanager's logs name integrations.
    public var description: String { "\(receiver)/\(integration)[\(index)]" }

    /// Orders by receiver, kind, then index.
    public static func < (a: IntegrationRef, b: IntegrationRef) -> Bool {
        (a.receiver, a.integration, a.index) < (b.receiver, b.integration, b.index)
    }
}

extension Receiver {
    /// Integration kinds in the order Alertmanager 0.25 builds them, each
    /// with its `send_resolved` default.
    static let integrationKinds: [(key: String, name: String, sendsResolvedByDefault: Bool)] = [
        ("webhook_configs", "webhook", true), ("email_configs", "email", false),
        ("pagerduty_configs", "pagerduty", true), ("opsgenie_configs", "opsgenie", true),
        ("wechat_configs", "wechat", false), ("slack_configs", "slack", false),
        ("victorops_configs", "victorops", true), ("pushover_configs", "pushover", true),
        ("sns_configs", "sns", true), ("telegram_configs", "telegram", true),
        ("discord_configs", "discord", true), ("webex_configs", "webex", true),
    ]

    /// The receiver's integrations: Alertmanager's in its order, then opslab sinks.
    public var integrationRefs: [IntegrationRef] {
        var refs: [IntegrationRef] = []
        for kind in Self.integrationKinds {
            for index in (integrations[kind.key] ?? []).indices {
                refs.append(IntegrationRef(receiver: name, integration: kind.name, index: index))
            }
        }
        for index in opslabSinks.indices { refs.append(IntegrationRef(receiver: name, integration: "opslab", index: index)) }
        return refs
    }

    /// The settings of one of the receiver's integrations (an opslab sink's `options`).
    public func settings(of ref: IntegrationRef) -> ConfigNode? {
        if ref.integration == "opslab" {
            return opslabSinks.indices.contains(ref.index) ? .mapping(opslabSinks[ref.index].options) : nil
        }
        guard let kind = Self.integrationKinds.first(where: { $0.name == ref.integration }),
              let entries = integrations[kind.key], entries.indices.contains(ref.index) else { return nil }
        return entries[ref.index]
    }

    /// Whether the integration wants resolved alerts: its `send_resolved`
    /// setting, or the kind's default (opslab sinks: true).
    public func sendsResolved(_ ref: IntegrationRef) -> Bool {
        let fallback = Self.integrationKinds.first { $0.name == ref.integration }?.sendsResolvedByDefault ?? true
        switch settings(of: ref)?["send_resolved"]?.text?.lowercased() {
        case "true", "yes", "on", "y": return true
        case "false", "no", "off", "n": return false
        default: return fallback
        }
    }

    /// A webhook's `max_alerts` (0: no limit).
    public func maxAlerts(_ ref: IntegrationRef) -> Int {
        settings(of: ref)?["max_alerts"]?.text.flatMap { Int($0) }.map { max($0, 0) } ?? 0
    }
}

/// Whether an alert, or a notification, is firing or resolved.
public enum AlertStatus: String, Sendable, Codable {
    /// Still active.
    case firing
    /// Ended.
    case resolved
}

/// One alert of a notification, as of the flush.
public struct NotificationAlert: Sendable, Equatable, Codable {
    /// Firing or resolved at the flush time.
    public var status: AlertStatus
    /// The alert's labels.
    public var labels: [String: String]
    /// The alert's annotations.
    public var annotations: [String: String]
    /// When it started (ms).
    public var startsAt: Int64
    /// When it ended (ms); nil while it fires.
    public var endsAt: Int64?
    /// Where it comes from.
    public var generatorURL: String
    /// Its fingerprint.
    public var fingerprint: AlertFingerprint

    /// The alert as of `now`: firing ones lose their (future) end.
    init(_ alert: ReceivedAlert, at now: Int64) {
        let resolved = alert.isResolved(at: now)
        status = resolved ? .resolved : .firing
        labels = alert.labels
        annotations = alert.annotations
        startsAt = alert.startsAt
        endsAt = resolved ? alert.endsAt : nil
        generatorURL = alert.generatorURL
        fingerprint = alert.fingerprint
    }
}

/// A notification for one integration of a receiver about one aggregation group.
public struct AlertNotification: Sendable, Equatable, Codable {
    /// Where it goes.
    public var integration: IntegrationRef
    /// Alertmanager's group key (`ROUTEKEY:{labels}`).
    public var groupKey: String
    /// The group's labels (those named by `group_by`).
    public var groupLabels: [String: String]
    /// Firing when any alert fires, otherwise resolved.
    public var status: AlertStatus
    /// The alerts, in Alertmanager's order.
    public var alerts: [NotificationAlert]
    /// The labels every alert has with the same value.
    public var commonLabels: [String: String]
    /// The annotations every alert has with the same value.
    public var commonAnnotations: [String: String]
    /// When the group was flushed (ms).
    public var flushedAt: Int64
    /// Identifies this notification: the same group, integration, alerts
    /// and flush time give the same key (32 hex digits).
    public var dedupKey: String

    /// The receiver's name.
    public var receiver: String { integration.receiver }

    /// A notification of `alerts`; status, common labels and dedup key are derived.
    init(integration: IntegrationRef, groupKey: String, groupLabels: [String: String], alerts: [NotificationAlert],
         flushedAt: Int64) {
        self.integration = integration
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.alerts = alerts
        self.flushedAt = flushedAt
        status = Self.status(of: alerts)
        (commonLabels, commonAnnotations) = Self.common(alerts)
        dedupKey = Self.dedupKey(integration: integration, groupKey: groupKey, alerts: alerts, flushedAt: flushedAt)
    }

    /// Firing when any alert fires (types.Alerts.Status).
    static func status(of alerts: [NotificationAlert]) -> AlertStatus {
        alerts.contains { $0.status == .firing } ? .firing : .resolved
    }

    /// The labels and annotations all `alerts` share (template.Data's
    /// CommonLabels and CommonAnnotations; empty for no alerts).
    static func common(_ alerts: [NotificationAlert]) -> ([String: String], [String: String]) {
        guard var labels = alerts.first?.labels, var annotations = alerts.first?.annotations else { return ([:], [:]) }
        for alert in alerts.dropFirst() {
            if labels.isEmpty && annotations.isEmpty { break }
            labels = labels.filter { alert.labels[$0.key] == $0.value }
            annotations = annotations.filter { alert.annotations[$0.key] == $0.value }
        }
        return (labels, annotations)
    }

    /// Two FNV-1a 64 hashes (different offsets) of the group key, the
    /// integration, the sorted firing and resolved fingerprints and the
    /// flush time, printed as 32 hex digits.
    static func dedupKey(integration: IntegrationRef, groupKey: String, alerts: [NotificationAlert],
                         flushedAt: Int64) -> String {
        let firing = alerts.filter { $0.status == .firing }.map(\.fingerprint).sorted()
        let resolved = alerts.filter { $0.status == .resolved }.map(\.fingerprint).sorted()
        let text = [groupKey, integration.receiver, integration.integration, String(integration.index),
                    firing.map(\.description).joined(separator: ","), resolved.map(\.description).joined(separator: ","),
                    String(flushedAt)].joined(separator: "\u{0}")
        var first = FNV1a()
        var second = FNV1a(offset: 0x6c62_272e_07bb_0142)
        first.add(text)
        second.add(text)
        return AlertFingerprint(first.value).description + AlertFingerprint(second.value).description
    }
}

extension AlertNotification {
    /// What `opslab alerts notify-test` sends through a receiver's sinks: one
    /// alert with `labels` and `annotations`, firing since `now` (its end five
    /// minutes ahead), in the group the route tree would put it in.
    public static func test(integration: IntegrationRef, groupKey: String, groupLabels: [String: String],
                            labels: [String: String], annotations: [String: String], now: Int64) -> AlertNotification {
        let alert = ReceivedAlert(labels: labels, annotations: annotations, startsAt: now, endsAt: now + 5 * 60_000,
                                  generatorURL: "", updatedAt: now, timeout: false)
        return AlertNotification(integration: integration, groupKey: groupKey, groupLabels: groupLabels,
                                 alerts: [NotificationAlert(alert, at: now)], flushedAt: now)
    }
}
