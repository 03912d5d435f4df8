// Alerts as the embedded Alertmanager receives and keeps them.
//
// An alert is posted with labels, annotations and optional times; on
// receipt it is completed as Alertmanager 0.25's API v2 does: a missing
// start becomes the end (or now), a missing end becomes now plus
// `resolve_timeout` and marks the alert as one that times out, labels with
// empty values are dropped, and the result is validated as types.Alert's
// Validate does. An alert whose fingerprint is already held is merged with
// the held one when their activity ranges overlap (provider/mem's Put and
// types.Alert.Merge), so that a late, stale update cannot shorten an alert.
//
// The fingerprint is Prometheus's model.LabelSet.Fingerprint(): FNV-1a 64
// over the label names in byte order, each name followed by 0xff, its value
// and 0xff again. Receivers see it printed as 16 hex digits.

/// The identity of an alert: a hash of its label set.
public struct AlertFingerprint: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The 64-bit hash.
    public let value: UInt64

    /// A fingerprint from its hash.
    public init(_ value: UInt64) { self.value = value }

    /// model.LabelSet.Fingerprint() of `labels`.
    public init(labels: [String: String]) {
        var hash = FNV1a()
        for name in labels.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            hash.add(name)
            hash.add(byte: 0xff)
            hash.add(labels[name] ?? "")
            hash.add(byte: 0xff)
        }
        value = hash.value
    }

    /// The 16 lower-case hex digits Alertmanager prints (`%016x`).
    public var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Reads the printed form; nil unless it is 1 to 16 hex digits.
    public init?(hex: String) {
        guard !hex.isEmpty, hex.utf8.count <= 16, let value = UInt64(hex, radix: 16) else { return nil }
        self.value = value
    }

    /// Orders by hash value.
    public static func < (a: AlertFingerprint, b: AlertFingerprint) -> Bool { a.value < b.value }

    /// Decodes the printed form.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let parsed = AlertFingerprint(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "invalid fingerprint \"\(text)\""))
        }
        self = parsed
    }

    /// Encodes the printed form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// FNV-1a, 64 bits (Go's hash/fnv New64a, as Prometheus's model package uses it).
struct FNV1a {
    private(set) var value: UInt64

    init(offset: UInt64 = 14_695_981_039_346_656_037) { value = offset }

    mutating func add(byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 1_099_511_628_211
    }

    mutating func add(_ text: String) {
        for byte in text.utf8 { add(byte: byte) }
    }
}

/// An alert as a client posts it (an API v2 PostableAlert, times read).
public struct IncomingAlert: Sendable, Equatable, Codable {
    /// The alert's identity.
    public var labels: [String: String]
    /// Descriptions: summary, runbook_url and the like.
    public var annotations: [String: String]
    /// When it started (ms); nil: its end, or the time it arrives.
    public var startsAt: Int64?
    /// When it ends or ended (ms); nil: `resolve_timeout` after it arrives, unless updated.
    public var endsAt: Int64?
    /// Where it comes from (a link to the rule's expression).
    public var generatorURL: String

    /// An alert to post.
    public init(labels: [String: String], annotations: [String: String] = [:], startsAt: Int64? = nil,
                endsAt: Int64? = nil, generatorURL: String = "") {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }

    /// A held alert as it would be posted again, its times fixed, so that a
    /// restarted notifier can take back what it held.
    public init(_ held: ReceivedAlert) {
        self.init(labels: held.labels, annotations: held.annotations, startsAt: held.startsAt, endsAt: held.endsAt,
                  generatorURL: held.generatorURL)
    }

    /// The alert Prometheus (or opslab's rule manager) posts; an empty or
    /// unreadable time counts as missing.
    public init(_ posted: PostableAlert) {
        self.init(labels: posted.labels, annotations: posted.annotations, startsAt: RFC3339.parse(posted.startsAt),
                  endsAt: RFC3339.parse(posted.endsAt), generatorURL: posted.generatorURL)
    }
}

/// An alert the dispatcher holds: completed, validated, merged.
public struct ReceivedAlert: Sendable, Equatable {
    /// The alert's identity, without empty values.
    public var labels: [String: String]
    /// Descriptions.
    public var annotations: [String: String]
    /// When it started (ms).
    public var startsAt: Int64
    /// When it ends or ended (ms); resolved from then on.
    public var endsAt: Int64
    /// Where it comes from.
    public var generatorURL: String
    /// When it was last received (ms).
    public var updatedAt: Int64
    /// True when the end was not given but set from `resolve_timeout`.
    public var timeout: Bool
    /// model.LabelSet.Fingerprint() of the labels.
    public let fingerprint: AlertFingerprint

    /// An alert as held; the fingerprint is computed from `labels`.
    public init(labels: [String: String], annotations: [String: String], startsAt: Int64, endsAt: Int64,
                generatorURL: String, updatedAt: Int64, timeout: Bool) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.updatedAt = updatedAt
        self.timeout = timeout
        fingerprint = AlertFingerprint(labels: labels)
    }

    /// The posted alert completed as Alertmanager's API v2 does on receipt,
    /// or why it is refused (in Alertmanager's words).
    public static func receive(_ alert: IncomingAlert, now: Int64, resolveTimeoutMs: Int64)
        -> Result<ReceivedAlert, AlertRejection> {
        let labels = alert.labels.filter { !$0.value.isEmpty }
        let startsAt = alert.startsAt ?? alert.endsAt ?? now
        let endsAt = alert.endsAt ?? (now + resolveTimeoutMs)
        func refuse(_ message: String) -> Result<ReceivedAlert, AlertRejection> {
            .failure(AlertRejection(labels: alert.labels, message: message))
        }
        if endsAt < startsAt { return refuse("start time must be before end time") }
        if let bad = labels.keys.sorted().first(where: { !isAlertmanagerLabelName($0) }) {
            return refuse("invalid label set: invalid name \"\(bad)\"")
        }
        if labels.isEmpty { return refuse("at least one label pair required") }
        if let bad = alert.annotations.keys.sorted().first(where: { !isAlertmanagerLabelName($0) }) {
            return refuse("invalid annotations: invalid name \"\(bad)\"")
        }
        return .success(ReceivedAlert(labels: labels, annotations: alert.annotations, startsAt: startsAt, endsAt: endsAt,
                                      generatorURL: alert.generatorURL, updatedAt: now, timeout: alert.endsAt == nil))
    }

    /// True when the alert has ended by `now` (an end equal to now counts).
    public func isResolved(at now: Int64) -> Bool { endsAt <= now }

    /// What provider/mem's Put keeps when `newer` arrives for the alert held
    /// as `self`: the two merged when their activity ranges overlap,
    /// otherwise `newer` as it is.
    func updated(by newer: ReceivedAlert, now: Int64) -> ReceivedAlert {
        let overlaps = (newer.endsAt > startsAt && newer.endsAt < endsAt)
            || (newer.startsAt > startsAt && newer.startsAt < endsAt)
        return overlaps ? merged(with: newer, now: now) : newer
    }

    /// types.Alert.Merge: the younger alert wins, with the earlier start,
    /// and the later end where that end is an explicit one.
    private func merged(with other: ReceivedAlert, now: Int64) -> ReceivedAlert {
        if other.updatedAt < updatedAt { return other.merged(with: self, now: now) }
        var result = other
        if startsAt < other.startsAt { result.startsAt = startsAt }
        if other.isResolved(at: now) {
            if isResolved(at: now) && endsAt > other.endsAt { result.endsAt = endsAt }
        } else if endsAt > other.endsAt && !timeout {
            result.endsAt = endsAt
        }
        return result
    }
}

/// A posted alert that was refused, and why.
public struct AlertRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The labels it was posted with.
    public var labels: [String: String]
    /// What is wrong, in Alertmanager's words.
    public var message: String

    /// The message, with the labels it concerns.
    public var description: String { "\(message) (alert \(RouteMatch.labelSetText(labels)))" }
}
