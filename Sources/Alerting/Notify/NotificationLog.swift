// The notification log: what was last notified, per aggregation group and
// integration.
//
// This is Alertmanager 0.25's nflog, and the dedup stage that reads it. An
// entry holds the alerts that were firing and those that were resolved in
// the last notification of a group to an integration, and when it was sent.
// At the next flush a notification is due only when it tells the receiver
// something new (DedupStage.needsUpdate):
//
// - nothing was sent before: due when something fires;
// - an alert fires that the last notification did not list as firing: due;
// - nothing fires any more: due when the last notification had firing
//   alerts (whatever send_resolved says, so the log stops listing them);
// - the integration wants resolved alerts and one resolved that the last
//   notification did not list as resolved: due;
// - otherwise due only once repeat_interval has passed since the last one.
//
// Alertmanager logs xxhash digests of the label sets; this log keeps the
// alerts' fingerprints, which identify them as well and can be read back.
// Entries expire a retention period after they are written (Alertmanager's
// --data.retention, 120h by default); an expired entry counts as absent.
// The log is Codable so that it survives a restart: restored, it keeps a
// restarted dispatcher from repeating notifications inside repeat_interval.

import Foundation

/// What was last notified, per group key and integration.
public struct NotificationLog: Sendable, Equatable {
    /// Alertmanager's default retention: 120 hours.
    public static let defaultRetentionMs: Int64 = 120 * 3_600_000

    /// One group's last notification to one integration.
    public struct Entry: Sendable, Equatable, Codable {
        /// The group key.
        public var groupKey: String
        /// The integration notified.
        public var integration: IntegrationRef
        /// The alerts that were firing, sorted.
        public var firing: [AlertFingerprint]
        /// The alerts that were resolved, sorted.
        public var resolved: [AlertFingerprint]
        /// When it was sent (ms).
        public var timestamp: Int64
        /// When the entry stops counting (ms).
        public var expiresAt: Int64

        /// True when every alert of `current` was listed as firing.
        public func listsAsFiring(_ current: Set<AlertFingerprint>) -> Bool {
            current.isSubset(of: Set(firing))
        }

        /// True when every alert of `current` was listed as resolved.
        public func listsAsResolved(_ current: Set<AlertFingerprint>) -> Bool {
            current.isSubset(of: Set(resolved))
        }

        private enum Key: String, CodingKey {
            case groupKey, integration, firing, resolved, timestamp, expiresAt
        }

        /// An entry.
        public init(groupKey: String, integration: IntegrationRef, firing: [AlertFingerprint],
                    resolved: [AlertFingerprint], timestamp: Int64, expiresAt: Int64) {
            self.groupKey = groupKey
            self.integration = integration
            self.firing = firing.sorted()
            self.resolved = resolved.sorted()
            self.timestamp = timestamp
            self.expiresAt = expiresAt
        }

        /// Reads an entry; times are RFC 3339.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            self.init(groupKey: try container.decode(String.self, forKey: .groupKey),
                      integration: try container.decode(IntegrationRef.self, forKey: .integration),
                      firing: try container.decode([AlertFingerprint].self, forKey: .firing),
                      resolved: try container.decode([AlertFingerprint].self, forKey: .resolved),
                      timestamp: try container.decodeRFC3339(forKey: .timestamp), expiresAt: try container.decodeRFC3339(forKey: .expiresAt))
        }

        /// Writes an entry; times are RFC 3339 with milliseconds.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(groupKey, forKey: .groupKey)
            try container.encode(integration, forKey: .integration)
            try container.encode(firing, forKey: .firing)
            try container.encode(resolved, forKey: .resolved)
            try container.encode(RFC3339.withMilliseconds(timestamp), forKey: .timestamp)
            try container.encode(RFC3339.withMilliseconds(expiresAt), forKey: .expiresAt)
        }
    }

    private struct Key: Hashable, Sendable {
        var groupKey: String
        var integration: IntegrationRef
    }

    /// How long an entry counts after it is written.
    public var retentionMs: Int64
    private var entries: [Key: Entry] = [:]

    /// An empty log.
    public init(retentionMs: Int64 = defaultRetentionMs) {
        self.retentionMs = retentionMs
    }

    /// Every entry, expired or not, by group key then integration.
    public var allEntries: [Entry] {
        entries.values.sorted { ($0.groupKey, $0.integration) < ($1.groupKey, $1.integration) }
    }

    /// The last notification of group `groupKey` to `integration`, unless
    /// it has expired by `now`.
    public func entry(groupKey: String, integration: IntegrationRef, at now: Int64) -> Entry? {
        guard let entry = entries[Key(groupKey: groupKey, integration: integration)], entry.expiresAt > now else {
            return nil
        }
        return entry
    }

    /// Records a notification sent (or, for an integration that drops
    /// resolved alerts, settled without sending) at `now`.
    public mutating func record(groupKey: String, integration: IntegrationRef, firing: [AlertFingerprint],
                                resolved: [AlertFingerprint], at now: Int64) {
        entries[Key(groupKey: groupKey, integration: integration)] = Entry(
            groupKey: groupKey, integration: integration, firing: firing, resolved: resolved,
            timestamp: now, expiresAt: now + retentionMs)
    }

    /// Removes entries expired by `now`; returns how many.
    @discardableResult
    public mutating func garbageCollect(now: Int64) -> Int {
        let expired = entries.filter { $0.value.expiresAt <= now }.map(\.key)
        for key in expired { entries[key] = nil }
        return expired.count
    }

    /// DedupStage.needsUpdate: whether a flush whose alerts are `firing` and
    /// `resolved` must notify `integration`, given the last entry.
    public func needsNotification(groupKey: String, integration: IntegrationRef, firing: Set<AlertFingerprint>,
                                  resolved: Set<AlertFingerprint>, sendResolved: Bool, repeatIntervalMs: Int64,
                                  at now: Int64) -> Bool {
        guard let entry = entry(groupKey: groupKey, integration: integration, at: now) else { return !firing.isEmpty }
        if !entry.listsAsFiring(firing) { return true }
        // Everything resolved: notify only if the receiver was told something fired.
        if firing.isEmpty { return !entry.firing.isEmpty }
        if sendResolved && !entry.listsAsResolved(resolved) { return true }
        return entry.timestamp < now - repeatIntervalMs
    }
}

extension NotificationLog: Codable {
    private enum CodingKeys: String, CodingKey {
        case retentionMs, entries
    }

    /// Reads `{"retentionMs": N, "entries": [...]}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(retentionMs: try container.decodeIfPresent(Int64.self, forKey: .retentionMs) ?? Self.defaultRetentionMs)
        for entry in try container.decode([Entry].self, forKey: .entries) {
            entries[Key(groupKey: entry.groupKey, integration: entry.integration)] = entry
        }
    }

    /// Writes the retention and every entry, sorted.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(retentionMs, forKey: .retentionMs)
        try container.encode(allEntries, forKey: .entries)
    }
}
