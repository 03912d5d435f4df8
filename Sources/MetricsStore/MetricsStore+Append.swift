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
// Accepted samples go to the head as one raw row for the whole batch (see
// HeadBatch), committed with it, so an append that returned survives a kill -9.

import Foundation
import GRDB
import Telemetry

extension MetricsStore {
    /// Appends a batch of samples atomically.
    ///
    /// - Throws: `StoreError.outOfOrderSample` or
    ///   `.duplicateSampleForTimestamp` for a rejected sample,
    ///   `.seriesLimitExceeded` for a new series beyond the limit,
    ///   `.invalidArgument` for a new series with an empty name or a
    ///   `__name__` label, `.diskFull` when the disk or size cap is full; in
    ///   every case nothing of the batch is stored.
    public func append(_ samples: [Sample]) throws(StoreError) {
        guard !samples.isEmpty else { return }
        try appendBatch(count: samples.count) { emit in
            for sample in samples { try emit(sample.seriesKey, sample.timestampMs, sample.value) }
        }
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
        try appendBatch(count: timestamps.count) { emit in
            for i in timestamps.indices { try emit(key, timestamps[i], values[i]) }
        }
    }

    /// Resolves, validates and writes one batch in one transaction. `produce`
    /// feeds the samples to the closure it is given, in arrival order.
    private func appendBatch(count total: Int,
                             _ produce: ((SeriesKey, Int64, Double) throws -> Void) throws -> Void) throws(StoreError) {
        let window = options.outOfOrderWindowMs
        let maxSeries = options.maxSeries
        let cache = self.cache
        // The cache is updated as the batch goes (new series, newest samples);
        // when the transaction rolls back, `write` resets the cache, so no
        // tentative entry outlives it.
        try write { db in
            try cache.loadNewestIfNeeded(db)
            var created = 0
            var previous: (key: SeriesKey, id: Int64)?
            var ids: [Int64] = []
            var acceptedT: [Int64] = []
            var acceptedBits: [UInt64] = []
            ids.reserveCapacity(total)
            acceptedT.reserveCapacity(total)
            acceptedBits.reserveCapacity(total)

            /// The id of `key`, creating the series within the limit; a run of
            /// samples of one series resolves once (no hashing).
            func resolve(_ key: SeriesKey) throws -> Int64 {
                if let previous, previous.key == key { return previous.id }
                let id: Int64
                if let existing = try cache.lookup(key, db) {
                    id = existing
                } else {
                    // Checked only when a series is created, so it costs nothing per sample.
                    guard !key.name.isEmpty, key.labels[LabelMatcher.metricNameLabel] == nil else {
                        throw StoreError.invalidArgument(key.name.isEmpty
                            ? "sample \(key) has an empty metric name"
                            : "sample \(key) has a __name__ label; the metric name goes in Sample.name")
                    }
                    guard try cache.count(db) + created < maxSeries else {
                        throw StoreError.seriesLimitExceeded(limit: maxSeries, series: key)
                    }
                    try db.execute(sql: "INSERT INTO series (name, labels) VALUES (?, ?)",
                                   arguments: [key.name, StoreSchema.encodeLabels(key.labels)])
                    id = db.lastInsertedRowID
                    created += 1
                    cache.remember(key, id: id)
                }
                previous = (key, id)
                return id
            }

            try produce { key, t, value in
                let id = try resolve(key)
                let bits = value.bitPattern
                if let last = cache.newest[id], t <= last.t {
                    if t == last.t {
                        if bits == last.bits { return }
                        throw StoreError.duplicateSampleForTimestamp(series: key, timestampMs: t)
                    }
                    guard last.t - t <= window else {
                        throw StoreError.outOfOrderSample(series: key, timestampMs: t, newestMs: last.t)
                    }
                    // Within the window: look for a sample already at t, in
                    // this batch first, then in the database.
                    let inBatch = acceptedT.indices.first { acceptedT[$0] == t && ids[$0] == id }
                    if let existing = try inBatch.map({ acceptedBits[$0] }) ?? storedValueBits(seriesID: id, at: t, db) {
                        if existing == bits { return }
                        throw StoreError.duplicateSampleForTimestamp(series: key, timestampMs: t)
                    }
                } else {
                    cache.note(id, t, bits)
                }
                ids.append(id)
                acceptedT.append(t)
                acceptedBits.append(bits)
            }
            cache.seriesCount = cache.seriesCount.map { $0 + created }
            guard let minT = acceptedT.min(), let maxT = acceptedT.max() else { return }
            let insert = try db.cachedStatement(sql: "INSERT INTO head (min_t, max_t, count, data) VALUES (?, ?, ?, ?)")
            try insert.execute(arguments: [minT, maxT, acceptedT.count,
                                           HeadBatch.encode(ids: ids, timestamps: acceptedT, bits: acceptedBits)])
        }
    }

    /// The value bits stored for series `id` at exactly `t`, if any; only the
    /// out-of-order path needs this, so it decodes what covers `t`.
    private func storedValueBits(seriesID id: Int64, at t: Int64, _ db: Database) throws -> UInt64? {
        var found: UInt64?
        try HeadBatch.forEachRow(db, from: t, through: t) { rowID, data in
            try HeadBatch.decode(data, rowID: rowID) { sid, st, bits in
                if sid == id, st == t { found = bits }
            }
        }
        if let found { return found }
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
