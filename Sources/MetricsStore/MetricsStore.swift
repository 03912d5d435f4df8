// The embedded time-series store: opening, configuration, transactions and
// the translation of SQLite failures into `StoreError`.
//
// One SQLite file in WAL mode holds everything (see StoreSchema). WAL lets
// readers run while a writer appends, and lets several store instances, in
// one process or several, share the file: every write runs in a BEGIN
// IMMEDIATE transaction, so writers queue on the busy timeout instead of
// failing with "database is locked" when a read transaction tries to upgrade.
//
// Durability: `append` returns after its transaction commits. With WAL and
// `synchronous = NORMAL` a committed transaction survives the process being
// killed (kill -9); only an OS crash or power cut can lose the last
// transactions, and `StoreOptions.syncEveryCommit` closes that gap too at the
// cost of an fsync per append.
//
// Facets live in their own files: MetricsStore+Append, +Query, +Maintenance;
// the per-connection caches are in SeriesCache.

import Foundation
import GRDB
import Telemetry

/// Settings of a store, fixed when it is opened.
public struct StoreOptions: Sendable {
    /// The most series the store will hold; appending a sample of a new series
    /// beyond it throws `StoreError.seriesLimitExceeded`. Guards against a
    /// label with unbounded values (a request id, a timestamp) filling the disk.
    public var maxSeries: Int = 1_000_000
    /// How far behind the newest sample of its series a sample may be and still
    /// be accepted. 0, the default, is Prometheus's default: any sample older
    /// than the newest is rejected as out of order.
    public var outOfOrderWindowMs: Int64 = 0
    /// How long a writer waits for another writer's transaction before failing.
    public var busyTimeoutSeconds: Double = 30
    /// Caps the database file, in bytes (SQLite's `max_page_count`); nil for
    /// no cap. Writes past it fail with `StoreError.diskFull`.
    public var maxDatabaseBytes: Int?
    /// fsync on every commit (`synchronous = FULL`), so that even a power cut
    /// loses nothing; the default survives process kills but not power loss.
    public var syncEveryCommit: Bool = false
    /// Samples per closed chunk at which compaction starts a new chunk.
    public var chunkSamples: Int = XORChunk.targetSamples
    /// Time span per closed chunk at which compaction starts a new chunk.
    public var chunkSpanMs: Int64 = 2 * 3_600_000
    /// Head samples closed per compaction transaction. Bounds the memory a
    /// compaction holds (24 bytes a sample) and how long it keeps other
    /// writers waiting; large enough that a series' partial last chunk is not
    /// rewritten at every step.
    public var compactionStepSamples: Int = 1_000_000

    /// The defaults.
    public init() {}
}

/// A time-series store in one SQLite database file.
///
/// Safe to use from several threads (calls are serialised on one
/// connection) and from several instances or processes on one file.
public final class MetricsStore: Sendable {
    /// Path of the database file.
    public let path: String
    /// The options the store was opened with.
    public let options: StoreOptions
    let queue: DatabaseQueue
    let cache: SeriesCache

    /// Opens (creating if needed) the store at `path`.
    ///
    /// - Throws: `StoreError.corruptDatabase` when the file is not a SQLite
    ///   database; `StoreError.database` for other failures (no such directory,
    ///   no permission).
    public init(path: String, options: StoreOptions = StoreOptions()) throws(StoreError) {
        self.path = path
        self.options = options
        guard options.maxSeries > 0, options.outOfOrderWindowMs >= 0, options.chunkSamples > 1,
              options.chunkSpanMs > 0, options.busyTimeoutSeconds >= 0, options.compactionStepSamples > 0 else {
            throw StoreError.invalidArgument("StoreOptions: maxSeries, chunkSamples, chunkSpanMs and "
                + "compactionStepSamples must be positive and outOfOrderWindowMs, busyTimeoutSeconds not negative")
        }
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(options.busyTimeoutSeconds)
        config.label = "MetricsStore"
        let synchronous = options.syncEveryCommit ? "FULL" : "NORMAL"
        let maxBytes = options.maxDatabaseBytes
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // 32 MiB of page cache (SQLite's default is 2 MiB): index pages
            // of a day of chunks stay in memory instead of being re-read.
            try db.execute(sql: "PRAGMA cache_size = -32768")
            if let maxBytes {
                let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA max_page_count = \(max(1, maxBytes / pageSize))")
            }
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try StoreSchema.migrator.migrate(queue)
        } catch {
            throw StoreError(translating: error, path: path)
        }
        cache = SeriesCache()
    }

    // MARK: Transactions

    /// Runs `body` in an IMMEDIATE write transaction, committing when it
    /// returns and rolling back when it throws. IMMEDIATE takes the write lock
    /// up front, so the busy timeout covers waiting for other writers.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.writeWithoutTransaction { db -> T in
                var result: Result<T, Error>?
                try db.inTransaction(.immediate) {
                    cache.synchronize(db)
                    result = Result { try body(db) }
                    if case .failure = result { return .rollback }
                    return .commit
                }
                guard let result else { throw StoreError.invalidArgument("transaction produced no result") }
                return try result.get()
            }
        } catch {
            // A rolled-back transaction may have left tentative entries in the
            // caches; they are rebuilt from the database on next use.
            cache.reset()
            throw StoreError(translating: error, path: path)
        }
    }

    /// Runs `body` in a read transaction, which sees one consistent snapshot.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try queue.read { db -> T in
                cache.synchronize(db)
                return try body(db)
            }
        } catch {
            throw StoreError(translating: error, path: path)
        }
    }

    /// Sizes of the database file and its write-ahead log, in bytes.
    func fileBytes() -> Int {
        var total = 0
        for suffix in ["", "-wal"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
            total += (attributes?[.size] as? NSNumber)?.intValue ?? 0
        }
        return total
    }

    /// Writes the write-ahead log back into the database file and truncates
    /// it, so that `stats().bytesOnDisk` reflects the data, not the log.
    public func checkpoint() throws(StoreError) {
        do {
            try queue.writeWithoutTransaction { db in
                _ = try db.checkpoint(.truncate)
            }
        } catch {
            throw StoreError(translating: error, path: path)
        }
    }

    /// Rebuilds the database file without free pages (SQLite VACUUM), giving
    /// space freed by compaction, retention and deletion back to the disk.
    public func vacuum() throws(StoreError) {
        do {
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "VACUUM")
                _ = try db.checkpoint(.truncate)
            }
        } catch {
            throw StoreError(translating: error, path: path)
        }
    }
}
