// Keeping the database small: compaction, retention and deletion.
//
// Compaction turns head rows (raw, 24 bytes a sample) into closed compressed
// chunks per series (see Chunk), and merges closed chunks smaller than the target size
// (the partial last chunk a previous compaction left, chunks written around
// out-of-order samples) with the new samples. It closes whole head rows,
// oldest first, about a million samples per transaction: head rows hold many
// series, so closing part of a row would mean rewriting it. Run it every few
// minutes and a run is one short transaction.
//
// Retention is chunk-granular, as Prometheus's is block-granular: a chunk is
// dropped once its newest sample is older than the cutoff, so a few samples
// just past the cutoff can outlive it until their chunk goes; queries are
// unaffected since they filter by time. A series left with no samples is
// removed along with its id.

import Foundation
import GRDB
import Telemetry

extension MetricsStore {
    /// Moves head samples into closed chunks and merges small closed chunks.
    ///
    /// Runs as a series of transactions, each closing the oldest head rows up
    /// to `StoreOptions.compactionStepSamples` samples, so it can be stopped (or fail) between
    /// steps without losing or duplicating anything.
    ///
    /// - Parameter cutoffMs: when given, only head rows whose samples are all
    ///   older than it are closed; newer ones stay in the head. nil closes all.
    /// - Returns: what was rewritten.
    @discardableResult
    public func compact(before cutoffMs: Int64? = nil) throws(StoreError) -> CompactionReport {
        let limit = cutoffMs ?? Int64.max
        var report = CompactionReport()
        while try compactStep(limit: limit, into: &report) {}
        // Series with more than one small chunk get merged even without head data.
        try write { db in
            let smallOnly = try Int64.fetchAll(db, sql: """
                SELECT series_id FROM chunk WHERE count < ? GROUP BY series_id HAVING count(*) > 1
                """, arguments: [options.chunkSamples])
            for id in smallOnly { try compactSeries(id, head: SeriesSamples(), db, into: &report) }
        }
        return report
    }

    /// Closes the oldest head rows before `limit`, up to the step size, in
    /// one transaction; false when there was nothing left to close.
    private func compactStep(limit: Int64, into report: inout CompactionReport) throws(StoreError) -> Bool {
        let step = try write { db -> CompactionReport? in
            var step = CompactionReport()
            var bySeries: [Int64: SeriesSamples] = [:]
            var rowIDs: [Int64] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT id, data, count FROM head WHERE max_t < ? ORDER BY id",
                                           arguments: [limit])
            while step.headSamplesClosed < options.compactionStepSamples, let row = try rows.next() {
                let rowID: Int64 = try row.decode(atIndex: 0)
                try HeadBatch.decode(try row.decode(atIndex: 1), rowID: rowID) { id, t, bits in
                    bySeries[id, default: SeriesSamples()].append(t, Double(bitPattern: bits))
                }
                step.headSamplesClosed += try row.decode(Int.self, atIndex: 2)
                rowIDs.append(rowID)
            }
            guard !rowIDs.isEmpty else { return nil }
            step.chunksRead += rowIDs.count
            for id in bySeries.keys.sorted() {
                guard let head = bySeries[id] else { continue }
                try compactSeries(id, head: head, db, into: &step)
            }
            let delete = try db.cachedStatement(sql: "DELETE FROM head WHERE id = ?")
            for rowID in rowIDs { try delete.execute(arguments: [rowID]) }
            return step
        }
        guard let step else { return false }
        report.seriesCompacted += step.seriesCompacted
        report.headSamplesClosed += step.headSamplesClosed
        report.chunksRead += step.chunksRead
        report.chunksWritten += step.chunksWritten
        return true
    }

    /// Rewrites one series' closed head samples together with its small
    /// closed chunks as chunks of the target size.
    private func compactSeries(_ id: Int64, head: SeriesSamples, _ db: Database,
                               into report: inout CompactionReport) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, encoding, data FROM chunk WHERE series_id = ? AND count < ? ORDER BY min_t
            """, arguments: [id, options.chunkSamples])
        guard !head.timestamps.isEmpty || rows.count > 1 else { return }
        var timestamps: [Int64] = []
        var values: [Double] = []
        var ordered = head.ordered
        var ids: [Int64] = []
        for row in rows {
            let chunkID: Int64 = try row.decode(atIndex: 0)
            let before = timestamps.last
            let start = timestamps.count
            try StoreSchema.decodeChunk(encoding: row.decode(atIndex: 1), data: row.decode(atIndex: 2),
                                        seriesID: id, chunkID: chunkID, into: &timestamps, &values)
            if let before, start < timestamps.count, timestamps[start] <= before { ordered = false }
            ids.append(chunkID)
        }
        if let last = timestamps.last, let first = head.timestamps.first, first <= last { ordered = false }
        timestamps += head.timestamps
        values += head.values
        if !ordered { Self.mergeOverlaps(&timestamps, &values) }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO chunk (series_id, encoding, min_t, max_t, count, data) VALUES (?, ?, ?, ?, ?, ?)
            """)
        var begin = 0
        while begin < timestamps.count {
            // Cut at the sample count or the time span, whichever comes first.
            var end = begin + 1
            while end < timestamps.count, end - begin < options.chunkSamples,
                  timestamps[end] &- timestamps[begin] < options.chunkSpanMs {
                end += 1
            }
            let t = Array(timestamps[begin..<end])
            let data = Chunk.encode(timestamps: t, values: Array(values[begin..<end]))
            try insert.execute(arguments: [id, ChunkEncoding.tagged.rawValue, t[0], t[t.count - 1], t.count, Data(data)])
            report.chunksWritten += 1
            begin = end
        }
        let delete = try db.cachedStatement(sql: "DELETE FROM chunk WHERE id = ?")
        for chunkID in ids { try delete.execute(arguments: [chunkID]) }
        report.chunksRead += ids.count
        report.seriesCompacted += 1
    }

    /// Rewrites the head rows holding samples of `ids` without them.
    static func removeFromHead(_ ids: Set<Int64>, _ db: Database) throws {
        guard !ids.isEmpty else { return }
        var rewrites: [(Int64, [Int64], [Int64], [UInt64])] = []
        try HeadBatch.forEachRow(db) { rowID, data in
            var keptIDs: [Int64] = []
            var keptT: [Int64] = []
            var keptBits: [UInt64] = []
            var changed = false
            try HeadBatch.decode(data, rowID: rowID) { id, t, bits in
                if ids.contains(id) { changed = true; return }
                keptIDs.append(id)
                keptT.append(t)
                keptBits.append(bits)
            }
            if changed { rewrites.append((rowID, keptIDs, keptT, keptBits)) }
        }
        for (rowID, keptIDs, keptT, keptBits) in rewrites {
            if let minT = keptT.min(), let maxT = keptT.max() {
                try db.execute(sql: "UPDATE head SET min_t = ?, max_t = ?, count = ?, data = ? WHERE id = ?",
                               arguments: [minT, maxT, keptT.count,
                                           HeadBatch.encode(ids: keptIDs, timestamps: keptT, bits: keptBits), rowID])
            } else {
                try db.execute(sql: "DELETE FROM head WHERE id = ?", arguments: [rowID])
            }
        }
    }

    /// Drops chunks whose samples are all older than `cutoffMs`, and series
    /// left empty.
    ///
    /// - Returns: the number of chunks (head rows included) dropped.
    @discardableResult
    public func dropSamples(before cutoffMs: Int64) throws(StoreError) -> Int {
        let cache = self.cache
        return try write { db in
            try db.execute(sql: "DELETE FROM chunk WHERE max_t < ?", arguments: [cutoffMs])
            var dropped = db.changesCount
            try db.execute(sql: "DELETE FROM head WHERE max_t < ?", arguments: [cutoffMs])
            dropped += db.changesCount
            // Series with neither chunks nor head samples left go too.
            var inHead = Set<Int64>()
            try HeadBatch.forEachRow(db) { rowID, data in
                try HeadBatch.decode(data, rowID: rowID) { id, _, _ in inHead.insert(id) }
            }
            let empty = try Int64.fetchAll(db, sql: """
                SELECT id FROM series WHERE NOT EXISTS (SELECT 1 FROM chunk WHERE chunk.series_id = series.id)
                """)
            let delete = try db.cachedStatement(sql: "DELETE FROM series WHERE id = ?")
            for id in empty where !inHead.contains(id) { try delete.execute(arguments: [id]) }
            // This connection's own writes do not move data_version.
            cache.reset()
            return dropped
        }
    }

    /// Applies a retention period: drops data older than `retentionMs` before `nowMs`.
    ///
    /// - Throws: `StoreError.invalidArgument` for a negative period.
    @discardableResult
    public func applyRetention(_ retentionMs: Int64, nowMs: Int64) throws(StoreError) -> Int {
        guard retentionMs >= 0 else {
            throw StoreError.invalidArgument("retention must not be negative, got \(retentionMs) ms")
        }
        return try dropSamples(before: nowMs &- retentionMs)
    }

    /// Deletes every series satisfying all `matchers`, with all its samples.
    ///
    /// - Returns: the number of series deleted.
    /// - Throws: `StoreError.invalidArgument` for an empty matcher list, which
    ///   would delete everything (Prometheus refuses it too).
    @discardableResult
    public func delete(_ matchers: [LabelMatcher]) throws(StoreError) -> Int {
        guard !matchers.isEmpty else {
            throw StoreError.invalidArgument("delete needs at least one label matcher")
        }
        let path = self.path
        let cache = self.cache
        return try write { db in
            let doomed = try cache.matching(matchers, db, path: path)
            let chunks = try db.cachedStatement(sql: "DELETE FROM chunk WHERE series_id = ?")
            let series = try db.cachedStatement(sql: "DELETE FROM series WHERE id = ?")
            for (id, _) in doomed {
                try chunks.execute(arguments: [id])
                try series.execute(arguments: [id])
            }
            try Self.removeFromHead(Set(doomed.map(\.0)), db)
            cache.reset()
            return doomed.count
        }
    }
}
