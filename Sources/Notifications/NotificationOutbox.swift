// The outbox: every notification is written here before it is attempted,
// and leaves only when its sink confirmed it.
//
// It lives in the workbench's database ($OPSLAB_HOME/opslab.db) beside the
// time series, in tables of its own, so that one file holds all state. A
// notification is stored in the same transaction as the notification log
// that says it was sent: after a crash either both are there (it will be
// delivered, and not flushed again) or neither (the group flushes it again).
// Rows are keyed by the notification's dedup key, so storing one twice keeps
// one row, and a sink that retries can recognise a delivery it already made.

import Alerting
import Foundation
import GRDB

/// The durable queue of notifications and the notifier's saved state.
public final class NotificationOutbox: @unchecked Sendable {
    private let queue: DatabaseQueue
    /// When to try again, and when to give up.
    public let policy: RetryPolicy

    /// Opens (creating when needed) the outbox in the database at `path`.
    public init(path: String, policy: RetryPolicy = RetryPolicy()) throws {
        var configuration = Configuration()
        // serve's metrics store writes the same file from another connection.
        configuration.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        self.policy = policy
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS notification_outbox (
                    id INTEGER PRIMARY KEY,
                    dedup_key TEXT NOT NULL UNIQUE,
                    integration TEXT NOT NULL,
                    body BLOB NOT NULL,
                    created_ms INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_ms INTEGER NOT NULL,
                    last_error TEXT,
                    dead INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX IF NOT EXISTS notification_outbox_due
                    ON notification_outbox (integration, dead, next_attempt_ms);
                CREATE TABLE IF NOT EXISTS notifier_state (name TEXT PRIMARY KEY, value BLOB NOT NULL);
                """)
        }
    }

    // MARK: - Writing

    /// Stores `notifications`, due at once, together with `state` (the
    /// notification log and the like), in one transaction.
    public func enqueue(_ notifications: [AlertNotification], state: [String: Data] = [:], now: Int64) throws {
        let encoder = JSONEncoder()
        let rows = try notifications.map { ($0, try encoder.encode($0)) }
        try queue.write { db in
            for (notification, body) in rows {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO notification_outbox (dedup_key, integration, body, created_ms, next_attempt_ms)
                    VALUES (?, ?, ?, ?, ?)
                    """, arguments: [notification.dedupKey, notification.integration.description, body, now, now])
            }
            for (name, value) in state { try Self.save(name, value, db) }
        }
    }

    /// Removes a delivered notification.
    public func delivered(_ id: Int64) throws {
        try queue.write { db in try db.execute(sql: "DELETE FROM notification_outbox WHERE id = ?", arguments: [id]) }
    }

    /// Records a failed attempt: the entry is tried again after the policy's
    /// backoff (or `retryAfterMs`, when the sink was told a time), or becomes
    /// a dead letter when `permanent` or out of attempts. Returns whether it is now dead.
    @discardableResult
    public func failed(_ id: Int64, error: String, retryAfterMs: Int64? = nil, permanent: Bool = false,
                       now: Int64) throws -> Bool {
        try queue.write { db in
            let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM notification_outbox WHERE id = ?",
                                            arguments: [id]) ?? 0
            let dead = permanent || attempts + 1 >= policy.maxAttempts
            let next = now + max(retryAfterMs ?? 0, policy.backoffMs(afterAttempt: attempts + 1))
            try db.execute(sql: """
                UPDATE notification_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ?, dead = ?
                WHERE id = ?
                """, arguments: [String(error.prefix(1_000)), next, dead, id])
            return dead
        }
    }

    /// Makes every dead letter pending again, due at once; returns how many.
    @discardableResult
    public func retryDead(now: Int64) throws -> Int {
        try queue.write { db in
            try db.execute(sql: "UPDATE notification_outbox SET dead = 0, attempts = 0, next_attempt_ms = ? WHERE dead = 1",
                           arguments: [now])
            return db.changesCount
        }
    }

    // MARK: - Reading

    /// The pending entries of `integration` due at `now`, oldest first.
    public func due(for integration: IntegrationRef, now: Int64, limit: Int = 32) throws -> [OutboxEntry] {
        try fetch("WHERE integration = ? AND dead = 0 AND next_attempt_ms <= ? ORDER BY id LIMIT ?",
                  [integration.description, now, limit])
    }

    /// When `integration` next has a pending entry due; nil when it has none.
    public func nextAttempt(for integration: IntegrationRef) throws -> Int64? {
        try queue.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT MIN(next_attempt_ms) FROM notification_outbox WHERE integration = ? AND dead = 0
                """, arguments: [integration.description])
        }
    }

    /// Every entry, pending and dead, oldest first.
    public func entries() throws -> [OutboxEntry] {
        try fetch("ORDER BY id", [])
    }

    /// Pending and dead entry counts per integration (its description).
    public func counts() throws -> [String: (pending: Int, dead: Int)] {
        try queue.read { db in
            var out: [String: (pending: Int, dead: Int)] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT integration, SUM(dead = 0) AS pending, SUM(dead = 1) AS dead FROM notification_outbox GROUP BY integration
                """) {
                out[row["integration"]] = (row["pending"], row["dead"])
            }
            return out
        }
    }

    private func fetch(_ clause: String, _ arguments: StatementArguments) throws -> [OutboxEntry] {
        let decoder = JSONDecoder()
        return try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM notification_outbox " + clause, arguments: arguments).map { row in
                OutboxEntry(id: row["id"], notification: try decoder.decode(AlertNotification.self, from: row["body"] as Data),
                            createdAt: row["created_ms"], attempts: row["attempts"], nextAttemptAt: row["next_attempt_ms"],
                            lastError: row["last_error"], dead: row["dead"])
            }
        }
    }

    // MARK: - Saved state

    /// The state saved under `name`, if any.
    public func state(_ name: String) throws -> Data? {
        try queue.read { db in try Data.fetchOne(db, sql: "SELECT value FROM notifier_state WHERE name = ?", arguments: [name]) }
    }

    /// Saves `value` under `name`.
    public func saveState(_ name: String, _ value: Data) throws {
        try queue.write { db in try Self.save(name, value, db) }
    }

    /// Reads the state under `name`, lets `change` modify it and saves the
    /// result, in one transaction, so that two processes editing (the CLI
    /// adding a silence while serve expires one) do not lose either change.
    public func updateState<T>(_ name: String, _ change: (Data?) throws -> (Data, T)) throws -> T {
        try queue.write { db in
            let (value, result) = try change(try Data.fetchOne(db, sql: "SELECT value FROM notifier_state WHERE name = ?",
                                                                arguments: [name]))
            try Self.save(name, value, db)
            return result
        }
    }

    private static func save(_ name: String, _ value: Data, _ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO notifier_state (name, value) VALUES (?, ?)", arguments: [name, value])
    }
}

/// One notification in the outbox.
public struct OutboxEntry: Sendable {
    /// The row id.
    public var id: Int64
    /// What to deliver.
    public var notification: AlertNotification
    /// When it was stored (ms).
    public var createdAt: Int64
    /// Failed attempts so far.
    public var attempts: Int
    /// When it is tried next (ms).
    public var nextAttemptAt: Int64
    /// Why the last attempt failed.
    public var lastError: String?
    /// Given up on: kept, listed, retried only when asked.
    public var dead: Bool
}

/// How often a failed notification is tried again: exponential backoff
/// with jitter, capped, and a number of attempts after which it is a dead letter.
public struct RetryPolicy: Sendable {
    /// The wait after the first failure (ms).
    public var initialBackoffMs: Int64
    /// The longest wait between attempts (ms).
    public var maxBackoffMs: Int64
    /// Attempts before a notification becomes a dead letter.
    public var maxAttempts: Int
    /// The random share taken off or added to each wait (0.2: ±20 %), so
    /// that notifications failed together do not retry in lockstep.
    public var jitter: Double

    /// The defaults keep trying a receiver that is down for well over an
    /// hour (100 attempts, at most a minute apart) before giving up.
    public init(initialBackoffMs: Int64 = 1_000, maxBackoffMs: Int64 = 60_000, maxAttempts: Int = 100, jitter: Double = 0.2) {
        self.initialBackoffMs = max(1, initialBackoffMs)
        self.maxBackoffMs = max(self.initialBackoffMs, maxBackoffMs)
        self.maxAttempts = max(1, maxAttempts)
        self.jitter = jitter.isNaN ? 0 : min(max(jitter, 0), 1)
    }

    /// The wait after `attempt` failures.
    public func backoffMs(afterAttempt attempt: Int) -> Int64 {
        let doubled = Double(initialBackoffMs) * pow(2, Double(min(max(attempt - 1, 0), 40)))
        let capped = min(doubled, Double(maxBackoffMs))
        return Int64(capped * (1 + Double.random(in: -jitter...jitter)))
    }
}
