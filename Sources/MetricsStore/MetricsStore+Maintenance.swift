// Keeping the database small: compaction, retention and deletion.
//
// Compaction turns head rows (raw, 16 bytes a sample) into closed Gorilla
// chunks, and merges closed chunks smaller than the target size (the partial
// last chunk a previous compaction left, chunks written around out-of-order
// samples) with whatever follows them. It works series by series, in
// transactions of a bounded number of series, so that appenders on other
// connections wait at most one short transaction.
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
    /// Series handled per compaction transaction.
    static let compactionBatch = 64

    /// Moves head samples into closed chunks and merges small closed chunks.
    ///
    /// - Parameter cutoffMs: when given, only head rows whose samples are all
    ///   older than it are closed; newer ones stay in the head. nil closes all.
    /// - Returns: what was rewritten.
    @discardableResult
    public func compact(before cutoffMs: Int64? = nil) throws(StoreError) -> CompactionReport {
        let limit = cutoffMs ?? Int64.max
        let target = options.chunkSamples
        // Series with head rows to close, or with more than one small chunk.
        let candidates: [Int64] = try read { db in
            try Int64.fetchAll(db, sql: """
                SELECT DISTINCT series_id FROM chunk WHERE encoding = 0 AND max_t < ?
                UNION
                SELECT series_id FROM chunk WHERE encoding = 1 AND count < ?
                GROUP BY series_id HAVING count(*) > 1
                """, arguments: [limit, target])
        }
        var report = CompactionReport()
        var start = 0
        while start < candidates.count {
            let batch = candidates[start..<min(start + Self.compactionBatch, candidates.count)]
            start += Self.compactionBatch
            let partial = try write { db -> CompactionReport in
                var partial = CompactionReport()
                for id in batch { try compactSeries(id, limit: limit, db, into: &partial) }
                return partial
            }
            report.seriesCompacted += partial.seriesCompacted
            report.headSamplesClosed += partial.headSamplesClosed
            report.chunksRead += partial.chunksRead
            report.chunksWritten += partial.chunksWritten
        }
        return report
    }

    /// Rewrites one series' head rows before `limit` and small closed chunks
    /// as closed chunks of the target size.
    private func compactSeries(_ id: Int64, limit: Int64, _ db: Database,
                               into report: inout CompactionReport) throws {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, encoding, data, count FROM chunk
            WHERE series_id = ? AND ((encoding = 0 AND max_t < ?) OR (encoding = 1 AND count < ?))
            ORDER BY min_t
            """, arguments: [id, limit, options.chunkSamples])
        let hasHead = try rows.contains { try $0.decode(Int64.self, atIndex: 1) == ChunkEncoding.head.rawValue }
        guard hasHead || rows.count > 1 else { return }
        var timestamps: [Int64] = []
        var values: [Double] = []
        var ordered = true
        var ids: [Int64] = []
        for row in rows {
            let chunkID: Int64 = try row.decode(atIndex: 0)
            let encoding: Int64 = try row.decode(atIndex: 1)
            let before = timestamps.last
            let start = timestamps.count
            try StoreSchema.decodeChunk(encoding: encoding, data: row.decode(atIndex: 2), seriesID: id,
                                        chunkID: chunkID, into: &timestamps, &values)
            if let before, start < timestamps.count, timestamps[start] <= before { ordered = false }
            if encoding == ChunkEncoding.head.rawValue {
                report.headSamplesClosed += try row.decode(Int.self, atIndex: 3)
            }
            ids.append(chunkID)
        }
        if !ordered { Self.mergeOverlaps(&timestamps, &values) }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO chunk (series_id, encoding, min_t, max_t, count, data) VALUES (?, 1, ?, ?, ?, ?)
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
            let data = XORChunk.encode(timestamps: t, values: Array(values[begin..<end]))
            try insert.execute(arguments: [id, t[0], t[t.count - 1], t.count, Data(data)])
            report.chunksWritten += 1
            begin = end
        }
        let delete = try db.cachedStatement(sql: "DELETE FROM chunk WHERE id = ?")
        for chunkID in ids { try delete.execute(arguments: [chunkID]) }
        report.chunksRead += ids.count
        report.seriesCompacted += 1
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
            let dropped = db.changesCount
            try db.execute(sql: """
                DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM chunk WHERE chunk.series_id = series.id)
                """)
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
            cache.reset()
            return doomed.count
        }
    }
}
