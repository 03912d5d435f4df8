// Appending samples: series resolution, the cardinality limit, and the
// Prometheus rules for out-of-order and duplicate samples.
//
// A batch is atomic: it is written in one transaction, and when any sample is
// rejected the whole batch is rolled back and the error names that sample.
// Callers that want "keep the good ones" can split on the error; a store that
// silently half-applies a batch would be harder to reason about.
//
// The rules, per series, in the order samples appear in the batch:
//   - newer than the series' newest sample: appended;
//   - same timestamp, same value bits: ignored (Prometheus drops exact
//     duplicates, which happen when a scrape is retried);
//   - same timestamp, different value: "duplicate sample for timestamp";
//   - older than the newest: "out of order sample", unless it is within
//     `StoreOptions.outOfOrderWindowMs` of the newest, in which case it is
//     stored unless it collides with an existing sample (same rules as above).
//     The default window is 0, as in Prometheus.
//
// Samples go to the head as one raw blob per series per batch, committed
// with the batch, so an append that returned survives a kill -9.

import Foundation
import GRDB
import Telemetry

extension MetricsStore {
    /// Appends a batch of samples atomically.
    ///
    /// - Throws: `StoreError.outOfOrderSample` or
    ///   `.duplicateSampleForTimestamp` for a rejected sample,
    ///   `.seriesLimitExceeded` for a new series beyond the limit,
    ///   `.diskFull` when the disk or size cap is full; in every case nothing
    ///   of the batch is stored.
    public func append(_ samples: [Sample]) throws(StoreError) {
        guard !samples.isEmpty else { return }
        // Group by series, keeping each series' samples in arrival order.
        var groupIndex: [SeriesKey: Int] = [:]
        var keys: [SeriesKey] = []
        var groupTimes: [[Int64]] = []
        var groupValues: [[Double]] = []
        for sample in samples {
            let key = sample.seriesKey
            if let index = groupIndex[key] {
                groupTimes[index].append(sample.timestampMs)
                groupValues[index].append(sample.value)
            } else {
                groupIndex[key] = keys.count
                keys.append(key)
                groupTimes.append([sample.timestampMs])
                groupValues.append([sample.value])
            }
        }
        try appendGroups(keys: keys, times: groupTimes, values: groupValues)
    }

    /// Appends many samples of one series, in order; the fast path for
    /// backfilling and for callers that already hold arrays.
    ///
    /// - Throws: as `append(_:)`.
    public func append(series key: SeriesKey, timestamps: [Int64], values: [Double]) throws(StoreError) {
        guard timestamps.count == values.count else {
            throw StoreError.invalidArgument("append: \(timestamps.count) timestamps but \(values.count) values")
        }
        guard !timestamps.isEmpty else { return }
        try appendGroups(keys: [key], times: [timestamps], values: [values])
    }

    private func appendGroups(keys: [SeriesKey], times: [[Int64]], values: [[Double]]) throws(StoreError) {
        let window = options.outOfOrderWindowMs
        let maxSeries = options.maxSeries
        let cache = self.cache
        // The cache is updated as the batch goes; when the transaction rolls
        // back, `write` resets the cache, so no tentative entry outlives it.
        try write { db in
            var created = 0
            let insert = try db.cachedStatement(sql: """
                INSERT INTO chunk (series_id, encoding, min_t, max_t, count, data) VALUES (?, 0, ?, ?, ?, ?)
                """)
            for (index, key) in keys.enumerated() {
                var isNew = false
                let id: Int64
                if let existing = try cache.lookup(key, db) {
                    id = existing
                } else {
                    guard try cache.count(db) + created < maxSeries else {
                        throw StoreError.seriesLimitExceeded(limit: maxSeries, series: key)
                    }
                    try db.execute(sql: "INSERT INTO series (name, labels) VALUES (?, ?)",
                                   arguments: [key.name, StoreSchema.encodeLabels(key.labels)])
                    id = db.lastInsertedRowID
                    created += 1
                    isNew = true
                }
                var newest = isNew ? nil : try cache.newestSample(of: id, db)
                var acceptedT: [Int64] = []
                var acceptedBits: [UInt64] = []
                acceptedT.reserveCapacity(times[index].count)
                acceptedBits.reserveCapacity(times[index].count)
                var sorted = true
                for (t, value) in zip(times[index], values[index]) {
                    let bits = value.bitPattern
                    guard let last = newest, t <= last.t else {
                        acceptedT.append(t)
                        acceptedBits.append(bits)
                        newest = SeriesCache.Newest(t: t, bits: bits)
                        continue
                    }
                    if t == last.t {
                        if bits == last.bits { continue }
                        throw StoreError.duplicateSampleForTimestamp(series: key, timestampMs: t)
                    }
                    guard last.t - t <= window else {
                        throw StoreError.outOfOrderSample(series: key, timestampMs: t, newestMs: last.t)
                    }
                    // Within the window: look for a sample already at t.
                    let existing = try acceptedT.firstIndex(of: t).map { acceptedBits[$0] }
                        ?? storedValueBits(seriesID: id, at: t, db)
                    if let existing {
                        if existing == bits { continue }
                        throw StoreError.duplicateSampleForTimestamp(series: key, timestampMs: t)
                    }
                    acceptedT.append(t)
                    acceptedBits.append(bits)
                    sorted = false
                }
                guard !acceptedT.isEmpty else { continue }
                if !sorted {
                    let order = acceptedT.indices.sorted { acceptedT[$0] < acceptedT[$1] }
                    acceptedT = order.map { acceptedT[$0] }
                    acceptedBits = order.map { acceptedBits[$0] }
                }
                let data = StoreSchema.encodeHead(timestamps: acceptedT, bits: acceptedBits)
                try insert.execute(arguments: [id, acceptedT[0], acceptedT[acceptedT.count - 1],
                                               acceptedT.count, data])
                if isNew {
                    cache.remember(key, id: id)
                    cache.seriesCount = cache.seriesCount.map { $0 + 1 }
                    created -= 1
                }
                cache.newest[id] = newest
            }
        }
    }

    /// The value bits stored for series `id` at exactly `t`, if any; only the
    /// out-of-order path needs this, so it decodes the chunks covering `t`.
    private func storedValueBits(seriesID id: Int64, at t: Int64, _ db: Database) throws -> UInt64? {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, encoding, data FROM chunk WHERE series_id = ? AND min_t <= ? AND max_t >= ?
            """, arguments: [id, t, t])
        for row in rows {
            var timestamps: [Int64] = []
            var values: [Double] = []
            try StoreSchema.decodeChunk(encoding: row.decode(atIndex: 1), data: row.decode(atIndex: 2),
                                        seriesID: id, chunkID: row.decode(atIndex: 0),
                                        into: &timestamps, &values)
            if let index = timestamps.firstIndex(of: t) { return values[index].bitPattern }
        }
        return nil
    }
}
