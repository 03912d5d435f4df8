// What a store instance remembers between calls so that appends and queries
// need not re-read the series table: series ids by key and by name, and the
// newest sample of each series for the out-of-order and duplicate checks.
//
// The cache is only valid while no other connection has written: several
// store instances may share one file. SQLite's `PRAGMA data_version` changes
// exactly when another connection commits, so every transaction first calls
// `synchronize`, which drops everything when the version moved. This
// connection's own deletions do not move it; those call `reset` themselves.
//
// All access happens inside the store's DatabaseQueue, which runs one block
// at a time; that serialisation is what makes the unchecked Sendable sound.

import GRDB
import Telemetry

/// Per-connection caches of series ids and newest samples.
final class SeriesCache: @unchecked Sendable {
    /// The newest sample of a series: timestamp and value bits.
    struct Newest {
        var t: Int64
        var bits: UInt64
    }

    private var dataVersion: Int64?
    private(set) var idsByKey: [SeriesKey: Int64] = [:]
    private(set) var keysByID: [Int64: SeriesKey] = [:]
    private(set) var idsByName: [String: [Int64]] = [:]
    /// Highest series id loaded from the table; ids only grow, so loading
    /// `id > loadedThrough` picks up series created since.
    private var loadedThrough: Int64 = 0
    /// Series count, when known.
    var seriesCount: Int?
    /// Newest sample per series id, complete once `newestLoaded`.
    private(set) var newest: [Int64: Newest] = [:]
    private var newestLoaded = false

    /// Drops every cached entry when another connection committed since the
    /// last call.
    func synchronize(_ db: Database) {
        let version = try? Int64.fetchOne(db, sql: "PRAGMA data_version")
        if version == nil || version != dataVersion {
            reset()
            dataVersion = version
        }
    }

    /// Forgets everything; entries are rebuilt from the database on demand.
    func reset() {
        idsByKey = [:]
        keysByID = [:]
        idsByName = [:]
        loadedThrough = 0
        seriesCount = nil
        newest = [:]
        newestLoaded = false
    }

    /// Records a series known to exist in the database.
    func remember(_ key: SeriesKey, id: Int64) {
        guard keysByID[id] == nil else { return }
        idsByKey[key] = id
        keysByID[id] = key
        idsByName[key.name, default: []].append(id)
    }

    /// Loads series created since the last load, so that `keysByID` lists
    /// every series in the database.
    func loadAll(_ db: Database, path: String) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT id, name, labels FROM series WHERE id > ? ORDER BY id",
                                       arguments: [loadedThrough])
        while let row = try rows.next() {
            // decode(atIndex:) throws on a NULL or mistyped column where the
            // subscript would trap; the file may be damaged.
            let id: Int64 = try row.decode(atIndex: 0)
            let name: String = try row.decode(atIndex: 1)
            let text: String = try row.decode(atIndex: 2)
            guard let labels = StoreSchema.decodeLabels(text) else {
                throw StoreError.corruptDatabase(path: path, detail: "series \(id) has malformed labels")
            }
            remember(SeriesKey(name: name, labels: labels), id: id)
            loadedThrough = max(loadedThrough, id)
        }
    }

    /// The id of `key` if the series exists, looking in the database on a miss.
    func lookup(_ key: SeriesKey, _ db: Database) throws -> Int64? {
        if let id = idsByKey[key] { return id }
        let statement = try db.cachedStatement(sql: "SELECT id FROM series WHERE name = ? AND labels = ?")
        guard let id = try Int64.fetchOne(statement, arguments: [key.name, StoreSchema.encodeLabels(key.labels)])
        else { return nil }
        remember(key, id: id)
        return id
    }

    /// The number of series in the database.
    func count(_ db: Database) throws -> Int {
        if let seriesCount { return seriesCount }
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM series") ?? 0
        seriesCount = count
        return count
    }

    /// The ids of the series satisfying `matchers`, ordered by series key.
    func matching(_ matchers: [LabelMatcher], _ db: Database, path: String) throws -> [(Int64, SeriesKey)] {
        try loadAll(db, path: path)
        var result: [(Int64, SeriesKey)] = []
        // An equality matcher on the metric name narrows the scan to that
        // metric's series before the other matchers run.
        if let name = matchers.first(where: { $0.name == LabelMatcher.metricNameLabel && $0.op == .equal })?.value {
            for id in idsByName[name] ?? [] {
                if let key = keysByID[id], LabelMatcher.all(matchers, match: key.name, key.labels) {
                    result.append((id, key))
                }
            }
        } else {
            for (id, key) in keysByID where LabelMatcher.all(matchers, match: key.name, key.labels) {
                result.append((id, key))
            }
        }
        result.sort { $0.1 < $1.1 }
        return result
    }

    /// The newest sample of series `id`; nil when the series holds none.
    /// The first call after a reset loads the newest sample of every series
    /// at once: the head is not indexed by series, so one pass over it serves
    /// all series rather than one pass each.
    func newestSample(of id: Int64, _ db: Database) throws -> Newest? {
        try loadNewestIfNeeded(db)
        return newest[id]
    }

    /// Makes `newest` complete, reading it from the database after a reset.
    func loadNewestIfNeeded(_ db: Database) throws {
        guard !newestLoaded else { return }
        newest = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT c.series_id, c.id, c.encoding, c.data FROM chunk c
            JOIN (SELECT series_id, max(max_t) AS newest FROM chunk GROUP BY series_id) latest
            ON c.series_id = latest.series_id AND c.max_t = latest.newest
            """)
        while let row = try rows.next() {
            let id: Int64 = try row.decode(atIndex: 0)
            var timestamps: [Int64] = []
            var values: [Double] = []
            try StoreSchema.decodeChunk(encoding: row.decode(atIndex: 2), data: row.decode(atIndex: 3),
                                        seriesID: id, chunkID: row.decode(atIndex: 1),
                                        into: &timestamps, &values)
            if let t = timestamps.last, let v = values.last { note(id, t, v.bitPattern) }
        }
        try HeadBatch.forEachRow(db) { rowID, data in
            try HeadBatch.decode(data, rowID: rowID) { id, t, bits in note(id, t, bits) }
        }
        newestLoaded = true
    }

    /// Records a sample as the newest of its series if it is newer.
    func note(_ id: Int64, _ t: Int64, _ bits: UInt64) {
        if let current = newest[id], current.t >= t { return }
        newest[id] = Newest(t: t, bits: bits)
    }
}
