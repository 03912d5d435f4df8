// A silence: while it is active, alerts its matchers select are not
// notified.
//
// This is Alertmanager 0.25's silence model. A silence is pending before
// its start, active from its start to its end inclusive, and expired after
// (getState compares with strict Before and After, so the instant a silence
// is expired it still counts as active). Validation follows
// silence.validateSilence, with its messages: at least one matcher, label
// names as Prometheus allows them, not every matcher matching the empty
// string (so a silence cannot mute every alert by accident), and an end not
// before the start. The API v2 requires `createdBy` and `comment` to be
// present but accepts them empty, and so do we.
//
// In JSON a silence has the API v2 GettableSilence shape, so that what is
// persisted is also what `amtool`-style listings print:
//
//   {"id": "...", "status": {"state": "active"}, "updatedAt": "...",
//    "matchers": [{"name": "job", "value": "api", "isRegex": false, "isEqual": true}],
//    "startsAt": "...", "endsAt": "...", "createdBy": "...", "comment": "..."}

import Foundation
import Telemetry

/// Where a silence is in its life, as Alertmanager names it.
public enum SilenceState: String, Sendable, Codable, CaseIterable {
    /// Its start is still ahead.
    case pending
    /// Between its start and its end: it mutes matching alerts.
    case active
    /// Its end has passed.
    case expired
}

/// A silence Alertmanager would refuse, or an operation on silences it would.
public struct SilenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in Alertmanager's words where it has them.
    public let message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// One silence.
public struct Silence: Sendable, Equatable {
    /// A UUID, assigned when the silence is added; empty before.
    public var id: String
    /// Which alerts it mutes: those satisfying every matcher.
    public var matchers: [LabelMatcher]
    /// When it starts muting (ms since the epoch).
    public var startsAt: Int64
    /// When it stops muting (ms since the epoch).
    public var endsAt: Int64
    /// When it was last changed (ms since the epoch).
    public var updatedAt: Int64
    /// Who made it.
    public var createdBy: String
    /// Why.
    public var comment: String

    /// A silence; `id` and `updatedAt` are set when it is added to a `Silences`.
    public init(id: String = "", matchers: [LabelMatcher], startsAt: Int64, endsAt: Int64, createdBy: String,
                comment: String, updatedAt: Int64 = 0) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.updatedAt = updatedAt
        self.createdBy = createdBy
        self.comment = comment
    }

    /// A silence whose matchers are written as `amtool silence add` takes
    /// them (`alertname=Foo, job=~"api|web"`, braces optional).
    public init(id: String = "", matchers text: String, startsAt: Int64, endsAt: Int64, createdBy: String,
                comment: String) throws(SilenceError) {
        do {
            self.init(id: id, matchers: try AlertmanagerMatchers.parseList(text), startsAt: startsAt, endsAt: endsAt,
                      createdBy: createdBy, comment: comment)
        } catch {
            throw SilenceError(error.message)
        }
    }

    /// The silence's state at `now` (silence.getState).
    public func state(at now: Int64) -> SilenceState {
        if now < startsAt { return .pending }
        if now > endsAt { return .expired }
        return .active
    }

    /// True when the alert labelled `labels` satisfies every matcher (a
    /// missing label reads as ""). Whether the silence is active is not considered.
    public func matches(_ labels: [String: String]) -> Bool {
        AlertmanagerMatchers.all(matchers, match: labels)
    }

    /// Throws what silence.validateSilence would say about the silence's
    /// matchers and times (the id and update time are the collection's).
    public func validate() throws(SilenceError) {
        guard !matchers.isEmpty else { throw SilenceError("at least one matcher required") }
        for (index, matcher) in matchers.enumerated() where !isAlertmanagerLabelName(matcher.name) {
            throw SilenceError("invalid label matcher \(index): invalid label name \"\(matcher.name)\"")
        }
        let allMatchEmpty = matchers.allSatisfy { matcher in
            // Negative matchers are not counted as matching "" (matchesEmpty in silence.go).
            switch matcher.op {
            case .equal, .regexMatch: return matcher.matches("")
            case .notEqual, .regexNoMatch: return false
            }
        }
        if allMatchEmpty { throw SilenceError("at least one matcher must not match the empty string") }
        if endsAt < startsAt { throw SilenceError("end time must not be before start time") }
    }
}

// MARK: - JSON

extension Silence: Codable {
    /// An encoder's userInfo key: the time (Int64 ms) at which `status.state`
    /// is computed. Without it the state is computed at the current time.
    public static let stateTimeKey = CodingUserInfoKey(rawValue: "opslab.silence.stateTime")!

    private enum Key: String, CodingKey {
        case id, status, updatedAt, matchers, startsAt, endsAt, createdBy, comment
    }

    private struct Status: Codable {
        var state: SilenceState
    }

    /// One matcher as the API v2 writes it.
    private struct MatcherJSON: Codable {
        var name: String
        var value: String
        var isRegex: Bool
        var isEqual: Bool?
    }

    /// Reads a GettableSilence (or a PostableSilence: `id`, `status` and
    /// `updatedAt` may be missing). `status` is ignored: it is recomputed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var matchers: [LabelMatcher] = []
        for item in try container.decode([MatcherJSON].self, forKey: .matchers) {
            let op: LabelMatcher.Op
            switch (item.isRegex, item.isEqual ?? true) {
            case (false, true): op = .equal
            case (false, false): op = .notEqual
            case (true, true): op = .regexMatch
            case (true, false): op = .regexNoMatch
            }
            do {
                matchers.append(try LabelMatcher(item.name, op, item.value))
            } catch {
                throw DecodingError.dataCorruptedError(forKey: .matchers, in: container, debugDescription: error.message)
            }
        }
        self.init(id: try container.decodeIfPresent(String.self, forKey: .id) ?? "", matchers: matchers,
                  startsAt: try container.decodeRFC3339(forKey: .startsAt), endsAt: try container.decodeRFC3339(forKey: .endsAt),
                  createdBy: try container.decode(String.self, forKey: .createdBy),
                  comment: try container.decode(String.self, forKey: .comment),
                  updatedAt: container.contains(.updatedAt) ? try container.decodeRFC3339(forKey: .updatedAt) : 0)
    }

    /// Writes a GettableSilence, times with milliseconds as the API v2 does.
    public func encode(to encoder: any Encoder) throws {
        let now = encoder.userInfo[Self.stateTimeKey] as? Int64 ?? Int64(Date().timeIntervalSince1970 * 1_000)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(id, forKey: .id)
        try container.encode(Status(state: state(at: now)), forKey: .status)
        try container.encode(RFC3339.withMilliseconds(updatedAt), forKey: .updatedAt)
        try container.encode(matchers.map { matcher in
            MatcherJSON(name: matcher.name, value: matcher.value,
                        isRegex: matcher.op == .regexMatch || matcher.op == .regexNoMatch,
                        isEqual: matcher.op == .equal || matcher.op == .regexMatch)
        }, forKey: .matchers)
        try container.encode(RFC3339.withMilliseconds(startsAt), forKey: .startsAt)
        try container.encode(RFC3339.withMilliseconds(endsAt), forKey: .endsAt)
        try container.encode(createdBy, forKey: .createdBy)
        try container.encode(comment, forKey: .comment)
    }
}
