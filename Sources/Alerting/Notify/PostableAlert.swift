// Alerts as Alertmanager's API v2 takes them (POST /api/v2/alerts).

import Foundation
import Telemetry

/// One alert of a POST /api/v2/alerts body.
public struct PostableAlert: Codable, Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: String
    public var endsAt: String
    public var generatorURL: String

    private enum CodingKeys: String, CodingKey { case labels, annotations, startsAt, endsAt, generatorURL }

    /// The alert as Prometheus sends it: external labels added where the
    /// alert has no label of that name, startsAt when it started firing,
    /// endsAt when it resolved or until when it is valid.
    public init(_ alert: Alert, expression: String, externalLabels: [String: String], externalURL: String) {
        var labels = alert.labels.dictionary
        for (name, value) in externalLabels where labels[name] == nil { labels[name] = value }
        self.labels = labels
        annotations = alert.annotations.dictionary
        startsAt = RFC3339.withMilliseconds(alert.firedAt ?? alert.activeAt)
        endsAt = RFC3339.withMilliseconds(alert.resolvedAt ?? alert.validUntil ?? alert.activeAt)
        generatorURL = externalURL + "/graph?g0.expr=" + Self.queryEscape(expression) + "&g0.tab=1"
    }

    /// An alert as a client posted it: `labels` is required, the rest may be
    /// left out (an empty time counts as missing, as in the API).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        labels = try container.decode([String: String].self, forKey: .labels)
        annotations = try container.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
        startsAt = try container.decodeIfPresent(String.self, forKey: .startsAt) ?? ""
        endsAt = try container.decodeIfPresent(String.self, forKey: .endsAt) ?? ""
        generatorURL = try container.decodeIfPresent(String.self, forKey: .generatorURL) ?? ""
    }

    /// A notification's alert, forwarded to another Alertmanager: a firing
    /// alert has no end, so Alertmanager applies its own resolve_timeout.
    public init(_ alert: NotificationAlert) {
        labels = alert.labels
        annotations = alert.annotations
        startsAt = RFC3339.withMilliseconds(alert.startsAt)
        endsAt = alert.endsAt.map(RFC3339.withMilliseconds) ?? ""
        generatorURL = alert.generatorURL
    }

    /// Written as the API takes it: an empty time or URL is left out, as it is read.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(labels, forKey: .labels)
        try container.encode(annotations, forKey: .annotations)
        if !startsAt.isEmpty { try container.encode(startsAt, forKey: .startsAt) }
        if !endsAt.isEmpty { try container.encode(endsAt, forKey: .endsAt) }
        if !generatorURL.isEmpty { try container.encode(generatorURL, forKey: .generatorURL) }
    }

    /// Go's url.QueryEscape: spaces as '+', everything but unreserved characters escaped.
    static func queryEscape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "): out += "+"
            default: out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
