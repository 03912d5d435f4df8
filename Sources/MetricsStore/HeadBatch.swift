// The head: samples not yet compacted, stored raw, one row per append batch.
//
// Each head row holds the accepted samples of one `append` as 24-byte
// records: little-endian series id, timestamp and value bits. Writing a batch
// is then a single row insert whatever the number of series in it, and the
// row is durable when the append's transaction commits. Readers find the
// rows overlapping a time range through the index on max_t and pick out the
// series they want; the head stays small because compaction moves its
// samples into per-series chunks.

import Foundation
import GRDB

/// The samples of one series gathered from head rows, in the order read.
struct SeriesSamples {
    /// Timestamps, in the order read.
    var timestamps: [Int64] = []
    /// Values, one per timestamp.
    var values: [Double] = []
    /// False once a timestamp was not greater than the one before it.
    var ordered = true

    mutating func append(_ t: Int64, _ v: Double) {
        if let last = timestamps.last, t <= last { ordered = false }
        timestamps.append(t)
        values.append(v)
    }
}

/// Encoding and reading of head rows.
enum HeadBatch {
    /// Bytes per record: series id, timestamp, value bits.
    static let recordSize = 24

    /// Encodes records; the three arrays have equal length.
    static func encode(ids: [Int64], timestamps: [Int64], bits: [UInt64]) -> Data {
        var data = Data(count: ids.count * recordSize)
        data.withUnsafeMutableBytes { raw in
            for i in ids.indices {
                let offset = i * recordSize
                raw.storeBytes(of: ids[i].littleEndian, toByteOffset: offset, as: Int64.self)
                raw.storeBytes(of: timestamps[i].littleEndian, toByteOffset: offset + 8, as: Int64.self)
                raw.storeBytes(of: bits[i].littleEndian, toByteOffset: offset + 16, as: UInt64.self)
            }
        }
        return data
    }

    /// Calls `visit(seriesID, timestamp, valueBits)` for every record.
    /// - Throws: `StoreError.corruptHead` when the length is not a whole
    ///   number of records.
    static func decode(_ data: Data, rowID: Int64,
                       _ visit: (Int64, Int64, UInt64) throws -> Void) throws {
        guard data.count % recordSize == 0 else {
            throw StoreError.corruptHead(rowID: rowID, detail: "\(data.count) bytes is not a whole number of samples")
        }
        try data.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: raw.count, by: recordSize) {
                let id = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                let t = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8, as: Int64.self))
                let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self))
                try visit(id, t, bits)
            }
        }
    }

    /// Visits every head row whose samples may fall in `[from, through]`.
    static func forEachRow(_ db: Database, from: Int64 = .min, through: Int64 = .max,
                           _ body: (_ rowID: Int64, _ data: Data) throws -> Void) throws {
        let statement = try db.cachedStatement(sql: """
            SELECT id, data FROM head WHERE max_t >= ? AND min_t <= ? ORDER BY id
            """)
        let rows = try Row.fetchCursor(statement, arguments: [from, through])
        while let row = try rows.next() {
            try body(try row.decode(atIndex: 0), try row.decode(atIndex: 1))
        }
    }

    /// The head samples in `[from, through]` of the series in `wanted`
    /// (every series when nil), by series id.
    static func collect(_ db: Database, from: Int64 = .min, through: Int64 = .max,
                        wanted: Set<Int64>?) throws -> [Int64: SeriesSamples] {
        var result: [Int64: SeriesSamples] = [:]
        try forEachRow(db, from: from, through: through) { rowID, data in
            try decode(data, rowID: rowID) { id, t, bits in
                guard t >= from, t <= through, wanted?.contains(id) ?? true else { return }
                result[id, default: SeriesSamples()].append(t, Double(bitPattern: bits))
            }
        }
        return result
    }
}
