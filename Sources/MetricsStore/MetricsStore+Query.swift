// Reading: the selection API the query engine builds on, series listing and
// statistics.
//
// A series' samples may sit in several places at once: closed chunks, head
// rows, and (after out-of-order appends or a merge of small chunks) chunks
// whose time ranges overlap. `select` reads the head rows overlapping the
// range once for all selected series, then each series' chunks through the
// (series_id, max_t) index, concatenates chunks and head samples and, only
// when something starts before what precedes it ended, sorts and drops
// repeated timestamps. The common case, everything in time order, costs one
// pass.

import Foundation
import GRDB
import Telemetry

extension MetricsStore {
    /// The samples with `from <= t <= through` of every series satisfying all
    /// `matchers`, ordered by series key; series with no sample in the range
    /// are left out. An empty matcher list selects every series.
    ///
    /// The metric name is returned in `StoredSeries.name` and is never among
    /// its `labels`; match it with the `__name__` label.
    ///
    /// - Throws: `StoreError.corruptChunk` when a chunk in range does not decode.
    public func select(_ matchers: [LabelMatcher], from: Int64, through: Int64) throws(StoreError) -> [StoredSeries] {
        guard from <= through else { return [] }
        let path = self.path
        let cache = self.cache
        return try read { db in
            var result: [StoredSeries] = []
            let selected = try cache.matching(matchers, db, path: path)
            guard !selected.isEmpty else { return [] }
            // One pass over the head serves every selected series.
            var head = try HeadBatch.collect(db, from: from, through: through, wanted: Set(selected.map(\.0)))
            for (id, key) in selected {
                let (timestamps, values) = try Self.samples(of: id, from: from, through: through,
                                                            head: head.removeValue(forKey: id), db)
                if !timestamps.isEmpty {
                    result.append(StoredSeries(name: key.name, labels: key.labels,
                                               timestamps: timestamps, values: values))
                }
            }
            return result
        }
    }

    /// The series (name and labels) satisfying all `matchers`, in key order.
    public func series(_ matchers: [LabelMatcher] = []) throws(StoreError) -> [SeriesKey] {
        let path = self.path
        let cache = self.cache
        return try read { db in
            try cache.matching(matchers, db, path: path).map(\.1)
        }
    }

    /// Counts of series, samples and chunks, and the bytes used on disk.
    public func stats() throws(StoreError) -> StoreStats {
        let counts = try read { db -> (Int, Int, Int, Int, Int) in
            let series = try Int.fetchOne(db, sql: "SELECT count(*) FROM series") ?? 0
            var head = 0
            var closed = 0
            var chunks = 0
            var bytes = 0
            // total() is a float that never overflows; these counts fit a Double exactly.
            if let row = try Row.fetchOne(db, sql: "SELECT total(count), count(*), total(length(data)) FROM chunk") {
                closed = Self.count(try row.decode(Double.self, atIndex: 0))
                chunks = try row.decode(Int.self, atIndex: 1)
                bytes = Self.count(try row.decode(Double.self, atIndex: 2))
            }
            head = Self.count(try Double.fetchOne(db, sql: "SELECT total(count) FROM head") ?? 0)
            return (series, head, closed, chunks, bytes)
        }
        return StoreStats(seriesCount: counts.0, sampleCount: counts.1 + counts.2, headSampleCount: counts.1,
                          chunkCount: counts.3, chunkBytes: counts.4, bytesOnDisk: fileBytes())
    }

    /// A SQL total as an Int; a damaged file can hold any number, and
    /// `Int(Double)` traps on NaN or out-of-range values, so those clamp.
    static func count(_ total: Double) -> Int {
        guard total.isFinite else { return total > 0 ? Int.max : 0 }
        return Int(max(0, min(total, 9.0e18)))
    }

    /// Reads the closed chunks of series `id` overlapping `[from, through]`
    /// and merges them with the series' head samples.
    static func samples(of id: Int64, from: Int64, through: Int64, head: SeriesSamples?,
                        _ db: Database) throws -> ([Int64], [Double]) {
        let statement = try db.cachedStatement(sql: """
            SELECT id, encoding, min_t, data FROM chunk
            WHERE series_id = ? AND max_t >= ? AND min_t <= ? ORDER BY max_t
            """)
        var timestamps: [Int64] = []
        var values: [Double] = []
        var ordered = true
        let rows = try Row.fetchCursor(statement, arguments: [id, from, through])
        while let row = try rows.next() {
            let minT: Int64 = try row.decode(atIndex: 2)
            if let last = timestamps.last, minT <= last { ordered = false }
            try StoreSchema.decodeChunk(encoding: row.decode(atIndex: 1), data: row.decode(atIndex: 3),
                                        seriesID: id, chunkID: row.decode(atIndex: 0),
                                        into: &timestamps, &values)
        }
        if let head, !head.timestamps.isEmpty {
            if !head.ordered { ordered = false }
            if let last = timestamps.last, let first = head.timestamps.first, first <= last { ordered = false }
            timestamps += head.timestamps
            values += head.values
        }
        if !ordered { mergeOverlaps(&timestamps, &values) }
        // Chunks overlapping the range may hold samples outside it; trim by
        // binary search, the arrays being sorted now.
        let lower = firstIndex(in: timestamps) { $0 >= from }
        let upper = firstIndex(in: timestamps) { $0 > through }
        if lower == 0 && upper == timestamps.count { return (timestamps, values) }
        return (Array(timestamps[lower..<upper]), Array(values[lower..<upper]))
    }

    /// Sorts samples by time, keeping the first of any repeated timestamp.
    static func mergeOverlaps(_ timestamps: inout [Int64], _ values: inout [Double]) {
        let order = timestamps.indices.sorted {
            timestamps[$0] != timestamps[$1] ? timestamps[$0] < timestamps[$1] : $0 < $1
        }
        var t: [Int64] = []
        var v: [Double] = []
        t.reserveCapacity(order.count)
        v.reserveCapacity(order.count)
        for index in order where t.last != timestamps[index] {
            t.append(timestamps[index])
            v.append(values[index])
        }
        timestamps = t
        values = v
    }

    /// The first index whose element satisfies a predicate that is false then
    /// true along the sorted array.
    static func firstIndex(in sorted: [Int64], where predicate: (Int64) -> Bool) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if predicate(sorted[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
