// The silences of one Alertmanager, with the rules by which they change.
//
// This is Alertmanager 0.25's silence.Silences behind its API v2: a POST
// without an id adds a silence, a POST with one updates it, a DELETE
// expires it. The API refuses a silence whose start is not before its end
// or whose end has passed; the store then validates it and stamps it with
// the time of the change.
//
// Silences keep history: a silence that has muted alerts must go on saying
// what it muted. So an update may only change what does not rewrite the
// past (Silences.Set and canUpdate): a pending silence may change its times
// as long as it does not start in the past, an active one may move its end
// (not into the past) and edit its comment, and nothing of an expired one
// may change. Any other update expires the silence (unless it already has)
// and creates a new one under a new id, starting no earlier than now.
// Expired silences are kept for a retention period (Alertmanager's
// --data.retention, 120h by default) and then garbage-collected.
//
// Time is passed in explicitly, so that the dispatcher and tests drive it.

import Foundation

/// A set of silences, keyed by id.
public struct Silences: Sendable, Equatable {
    /// Alertmanager's default retention of expired silences: 120 hours.
    public static let defaultRetentionMs: Int64 = 120 * 3_600_000

    private var byID: [String: Silence] = [:]

    /// No silences.
    public init() {}

    /// Silences restored from storage, as they were (no validation: they
    /// were valid when stored, and an expired one must stay as it was).
    public init(restoring silences: [Silence]) {
        for silence in silences { byID[silence.id] = silence }
    }

    /// How many silences are held, expired ones included.
    public var count: Int { byID.count }

    /// The silence with id `id`.
    public func silence(id: String) -> Silence? { byID[id] }

    /// Adds `silence` under a new id, as a POST without an id does, and
    /// returns the id. A start in the past becomes `now`.
    /// - Parameter newID: makes ids (random UUIDs by default; tests may fix them).
    @discardableResult
    public mutating func add(_ silence: Silence, now: Int64,
                             newID: () -> String = { UUID().uuidString.lowercased() }) throws(SilenceError) -> String {
        try Self.checkAsPosted(silence, now: now)
        return try create(silence, now: now, newID: newID)
    }

    /// Changes the silence with `silence.id` to `silence`, as a POST with an
    /// id does, and returns the id it now has: the same one when the change
    /// keeps history intact, otherwise a new one (the old silence is then
    /// expired, unless it already was).
    @discardableResult
    public mutating func update(_ silence: Silence, now: Int64,
                                newID: () -> String = { UUID().uuidString.lowercased() }) throws(SilenceError) -> String {
        guard let previous = byID[silence.id] else { throw SilenceError("silence \(silence.id) not found") }
        try Self.checkAsPosted(silence, now: now)
        if Self.canUpdate(previous, to: silence, now: now) {
            var changed = silence
            changed.updatedAt = now
            try changed.validate()
            byID[silence.id] = changed
            return silence.id
        }
        // Checked before the old silence is expired, so that a refused
        // update leaves everything as it was.
        var replacement = silence
        replacement.startsAt = max(replacement.startsAt, now)
        try replacement.validate()
        if previous.state(at: now) != .expired { try expire(id: previous.id, now: now) }
        return try create(silence, now: now, newID: newID)
    }

    /// Expires the silence `id` at `now`: an active one ends now, a pending
    /// one starts and ends now. Expiring an expired silence is an error.
    public mutating func expire(id: String, now: Int64) throws(SilenceError) {
        guard var silence = byID[id] else { throw SilenceError("silence \(id) not found") }
        switch silence.state(at: now) {
        case .expired:
            throw SilenceError("silence \(id) already expired")
        case .active:
            silence.endsAt = now
        case .pending:
            silence.startsAt = now
            silence.endsAt = now
        }
        silence.updatedAt = now
        byID[id] = silence
    }

    /// Every silence with its state at `now`, in the API v2's order: active
    /// ones first, then pending ones, each by end time, then expired ones,
    /// most recently ended first (ties by id).
    public func list(at now: Int64) -> [(silence: Silence, state: SilenceState)] {
        func rank(_ state: SilenceState) -> Int {
            switch state {
            case .active: return 0
            case .pending: return 1
            case .expired: return 2
            }
        }
        return byID.values.map { ($0, $0.state(at: now)) }.sorted { a, b in
            if a.1 != b.1 { return rank(a.1) < rank(b.1) }
            if a.0.endsAt != b.0.endsAt { return a.1 == .expired ? a.0.endsAt > b.0.endsAt : a.0.endsAt < b.0.endsAt }
            return a.0.id < b.0.id
        }
    }

    /// The ids of the silences active at `now` that match the alert
    /// labelled `labels`, sorted: empty when nothing silences it.
    public func silencingIDs(for labels: [String: String], at now: Int64) -> [String] {
        byID.values.filter { $0.state(at: now) == .active && $0.matches(labels) }.map(\.id).sorted()
    }

    /// True when a silence active at `now` matches the alert labelled `labels`.
    public func isSilenced(_ labels: [String: String], at now: Int64) -> Bool {
        byID.values.contains { $0.state(at: now) == .active && $0.matches(labels) }
    }

    /// Removes the silences that ended at least `retentionMs` before `now`
    /// and returns how many were removed.
    @discardableResult
    public mutating func garbageCollect(now: Int64, retentionMs: Int64 = defaultRetentionMs) -> Int {
        let old = byID.values.filter { $0.endsAt + retentionMs <= now }.map(\.id)
        for id in old { byID[id] = nil }
        return old.count
    }

    // MARK: - Rules

    /// What the API v2 refuses before the store sees a silence.
    private static func checkAsPosted(_ silence: Silence, now: Int64) throws(SilenceError) {
        if silence.startsAt >= silence.endsAt { throw SilenceError("start time must be before end time") }
        if silence.endsAt < now { throw SilenceError("end time can't be in the past") }
    }

    /// silence.canUpdate: whether `previous` may become `next` in place
    /// without changing what it has already muted.
    private static func canUpdate(_ previous: Silence, to next: Silence, now: Int64) -> Bool {
        guard previous.matchers == next.matchers else { return false }
        switch previous.state(at: now) {
        case .active: return next.startsAt == previous.startsAt && next.endsAt >= now
        case .pending: return next.startsAt >= now
        case .expired: return false
        }
    }

    /// Stores `silence` under a fresh id, starting no earlier than `now`.
    private mutating func create(_ silence: Silence, now: Int64, newID: () -> String) throws(SilenceError) -> String {
        var created = silence
        created.startsAt = max(created.startsAt, now)
        created.updatedAt = now
        try created.validate()
        var id = newID()
        // A generator that repeats itself must not overwrite another silence.
        while id.isEmpty || byID[id] != nil { id = UUID().uuidString.lowercased() }
        created.id = id
        byID[id] = created
        return id
    }
}

extension Silences: Codable {
    /// Reads a JSON array of silences (GettableSilences), as `encode` writes it.
    public init(from decoder: any Decoder) throws {
        let silences = try decoder.singleValueContainer().decode([Silence].self)
        if let unnamed = silences.first(where: { $0.id.isEmpty }) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "a stored silence has no id (\(unnamed.comment))"))
        }
        self.init(restoring: silences)
    }

    /// Writes every silence as a JSON array, in `list` order; states are
    /// computed as Silence's encoding says (Silence.stateTimeKey).
    public func encode(to encoder: any Encoder) throws {
        let now = encoder.userInfo[Silence.stateTimeKey] as? Int64 ?? Int64(Date().timeIntervalSince1970 * 1_000)
        var container = encoder.singleValueContainer()
        try container.encode(list(at: now).map(\.silence))
    }
}
