// Alerts as Alertmanager's API v2 takes them (POST /api/v2/alerts).

import Foundation
import Telemetry

/// One alert of a POST /api/v2/alerts body.
public struct PostableAlert: Encodable, Sendable, Equatable {
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: String
    public var endsAt: String
    public var generatorURL: String

    /// The alert as Prometheus sends it: external labels added where the
    /// alert has no label of that name, startsAt when it started firing,
    /// endsAt when it resolved or until when it is valid.
    public init(_ alert: Alert, expression: String, externalLabels: [String: String], externalURL: String) {
        var labels = alert.labels.dictionary
        for (name, value) in externalLabels where labels[name] == nil { labels[name] = value }
        self.labels = labels
        annotations = alert.annotations.dictionary
        startsAt = Self.timestamp(alert.firedAt ?? alert.activeAt)
        endsAt = Self.timestamp(alert.resolvedAt ?? alert.validUntil ?? alert.activeAt)
        generatorURL = externalURL + "/graph?g0.expr=" + Self.queryEscape(expression) + "&g0.tab=1"
    }

    /// RFC 3339 with milliseconds, in UTC.
    static func timestamp(_ ms: Int64) -> String {
        let seconds = Double(ms) / 1000
        var time = time_t(Int(seconds.rounded(.down)))
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int((Double(ms) - Double(time) * 1000).rounded())
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
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
