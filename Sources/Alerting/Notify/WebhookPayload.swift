// The body Alertmanager 0.25 POSTs to a webhook receiver (notify/webhook):
// template.Data plus `version` "4", the group key and how many alerts
// `max_alerts` cut off.
//
// Fields are filled as Alertmanager fills them, quirks included: the
// receiver name is escaped as a regular expression (template.Data applies
// regexp.QuoteMeta to it), the status and the common labels and annotations
// are computed from the alerts that remain after truncation, and a firing
// alert's end is Go's zero time. Times are time.Time's JSON form (RFC 3339,
// fraction only when there is one).
//
//   {"receiver": "team-x", "status": "firing", "alerts": [{"status": "firing",
//     "labels": {...}, "annotations": {...}, "startsAt": "2024-05-01T12:00:00Z",
//     "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "...", "fingerprint": "..."}],
//    "groupLabels": {...}, "commonLabels": {...}, "commonAnnotations": {...},
//    "externalURL": "http://am:9093", "version": "4", "groupKey": "{}:{...}",
//    "truncatedAlerts": 0}

import Foundation

/// The JSON body of an Alertmanager webhook notification (version 4).
public struct WebhookPayload: Encodable, Sendable, Equatable {
    /// One alert of the body.
    public struct Alert: Encodable, Sendable, Equatable {
        /// `firing` or `resolved`.
        public var status: String
        /// The alert's labels.
        public var labels: [String: String]
        /// The alert's annotations.
        public var annotations: [String: String]
        /// When it started, RFC 3339.
        public var startsAt: String
        /// When it ended, RFC 3339; Go's zero time while it fires.
        public var endsAt: String
        /// Where it comes from.
        public var generatorURL: String
        /// Its fingerprint, 16 hex digits.
        public var fingerprint: String
    }

    /// The receiver's name, escaped as a regular expression.
    public var receiver: String
    /// `firing` when any alert of the body fires, otherwise `resolved`.
    public var status: String
    /// The alerts, at most `max_alerts` of them.
    public var alerts: [Alert]
    /// The group's labels.
    public var groupLabels: [String: String]
    /// Labels every alert of the body shares.
    public var commonLabels: [String: String]
    /// Annotations every alert of the body shares.
    public var commonAnnotations: [String: String]
    /// The Alertmanager's external URL.
    public var externalURL: String
    /// The format's version: "4".
    public var version: String
    /// The group key.
    public var groupKey: String
    /// How many alerts were left out by `max_alerts`.
    public var truncatedAlerts: Int

    /// The body for `notification`.
    /// - Parameters:
    ///   - externalURL: the URL receivers should link back to.
    ///   - maxAlerts: the webhook's `max_alerts`: at most that many alerts,
    ///     the first ones in order (0: all).
    public init(_ notification: AlertNotification, externalURL: String, maxAlerts: Int = 0) {
        var kept = notification.alerts
        truncatedAlerts = 0
        if maxAlerts > 0 && kept.count > maxAlerts {
            truncatedAlerts = kept.count - maxAlerts
            kept = Array(kept.prefix(maxAlerts))
        }
        receiver = Self.quoteMeta(notification.receiver)
        status = AlertNotification.status(of: kept).rawValue
        alerts = kept.map { alert in
            Alert(status: alert.status.rawValue, labels: alert.labels, annotations: alert.annotations,
                  startsAt: RFC3339.goTime(alert.startsAt), endsAt: RFC3339.goTime(alert.endsAt),
                  generatorURL: alert.generatorURL, fingerprint: alert.fingerprint.description)
        }
        groupLabels = notification.groupLabels
        (commonLabels, commonAnnotations) = AlertNotification.common(kept)
        self.externalURL = externalURL
        version = "4"
        groupKey = notification.groupKey
    }

    /// The body as JSON: keys sorted and slashes left alone, so that equal
    /// bodies are equal bytes.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Go's regexp.QuoteMeta: a backslash before each of `\.+*?()|[]{}^$`.
    static func quoteMeta(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            if "\\.+*?()|[]{}^$".unicodeScalars.contains(c) { out += "\\" }
            out.unicodeScalars.append(c)
        }
        return out
    }
}
