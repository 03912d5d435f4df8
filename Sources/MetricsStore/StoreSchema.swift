// How the store lays its data out in SQLite.
//
// Two tables. `series` gives every metric name plus label set an integer id;
// ids come from AUTOINCREMENT so that an id freed by deletion is never reused
// (a reader holding a cached id must not see another series' samples).
// `chunk` holds samples as blobs, one row per run of samples of one series:
//
//   encoding 0 (head)   raw samples exactly as appended, 16 bytes each
//                       (little-endian Int64 timestamp, then the value's bits);
//                       one row per series per append batch, so an append is
//                       one insert per series and is durable at commit.
//   encoding 1 (closed) Gorilla/XOR compressed (see XORChunk), written by
//                       compaction, about 120 samples or 2 h per chunk.
//
// Every row carries min_t, max_t and its sample count so that range queries,
// retention and statistics need not decode anything. Values are stored inside
// blobs, never as SQLite REALs: SQLite turns NaN into NULL, and the store
// promises bit-exact NaN payloads and staleness markers.
//
// Label sets are stored as text in a length-prefixed form
// (`<bytes>:<name><bytes>:<value>...`) that is unambiguous for any content,
// quotes, newlines and non-ASCII included, and identical for equal sets
// because `Labels` keeps its pairs sorted.

import Foundation
import GRDB
import Telemetry

/// Chunk encodings as stored in `chunk.encoding`.
enum ChunkEncoding: Int64 {
    /// Raw head samples, 16 bytes each.
    case head = 0
    /// A closed Gorilla/XOR chunk.
    case xor = 1
}

enum StoreSchema {
    /// The migrations that create and evolve the schema, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("metrics-store-v1") { db in
            try db.execute(sql: """
                CREATE TABLE series (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    labels TEXT NOT NULL,
                    UNIQUE (name, labels)
                );
                CREATE TABLE chunk (
                    id INTEGER PRIMARY KEY,
                    series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
                    encoding INTEGER NOT NULL,
                    min_t INTEGER NOT NULL,
                    max_t INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    data BLOB NOT NULL
                );
                CREATE INDEX chunk_by_series_time ON chunk (series_id, max_t);
                CREATE INDEX chunk_by_encoding ON chunk (encoding, series_id);
                """)
        }
        return migrator
    }

    // MARK: Label sets as text

    /// Encodes a label set in the length-prefixed text form.
    static func encodeLabels(_ labels: Labels) -> String {
        var out = ""
        for pair in labels {
            out += "\(pair.name.utf8.count):\(pair.name)\(pair.value.utf8.count):\(pair.value)"
        }
        return out
    }

    /// Decodes the length-prefixed text form; nil when it is malformed.
    static func decodeLabels(_ text: String) -> Labels? {
        let bytes = Array(text.utf8)
        var i = 0
        func field() -> String? {
            var length = 0
            var digits = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39, digits < 10 {
                length = length * 10 + Int(bytes[i] - 0x30)
                i += 1
                digits += 1
            }
            guard digits > 0, i < bytes.count, bytes[i] == 0x3a, length <= bytes.count - i - 1 else {
                return nil
            }
            i += 1
            let text = String(decoding: bytes[i..<(i + length)], as: UTF8.self)
            i += length
            return text
        }
        var pairs: [(String, String)] = []
        while i < bytes.count {
            guard let name = field(), let value = field() else { return nil }
            pairs.append((name, value))
        }
        return Labels(pairs)
    }

    // MARK: Raw head blobs

    /// Encodes samples as raw head data: 16 little-endian bytes each.
    static func encodeHead(timestamps: [Int64], bits: [UInt64]) -> Data {
        var data = Data(count: timestamps.count * 16)
        data.withUnsafeMutableBytes { raw in
            for i in timestamps.indices {
                raw.storeBytes(of: timestamps[i].littleEndian, toByteOffset: i * 16, as: Int64.self)
                raw.storeBytes(of: bits[i].littleEndian, toByteOffset: i * 16 + 8, as: UInt64.self)
            }
        }
        return data
    }

    /// Decodes raw head data, appending to the arrays; nil when the length is
    /// not a whole number of samples or timestamps do not increase.
    static func decodeHead(_ data: Data, into timestamps: inout [Int64],
                           _ values: inout [Double]) -> Bool {
        guard data.count % 16 == 0 else { return false }
        let n = data.count / 16
        timestamps.reserveCapacity(timestamps.count + n)
        values.reserveCapacity(values.count + n)
        return data.withUnsafeBytes { raw -> Bool in
            var previous: Int64?
            for i in 0..<n {
                let t = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 16, as: Int64.self))
                let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 16 + 8, as: UInt64.self))
                if let previous, t <= previous { return false }
                previous = t
                timestamps.append(t)
                values.append(Double(bitPattern: v))
            }
            return true
        }
    }

    /// Decodes one stored chunk of either encoding, appending to the arrays.
    /// - Throws: `StoreError.corruptChunk` when the data does not decode.
    static func decodeChunk(encoding: Int64, data: Data, seriesID: Int64, chunkID: Int64,
                            into timestamps: inout [Int64], _ values: inout [Double]) throws(StoreError) {
        switch ChunkEncoding(rawValue: encoding) {
        case .head:
            guard decodeHead(data, into: &timestamps, &values) else {
                throw StoreError.corruptChunk(seriesID: seriesID, chunkID: chunkID,
                                              detail: "head data of \(data.count) bytes is malformed")
            }
        case .xor:
            do {
                try XORChunk.decode([UInt8](data), into: &timestamps, &values)
            } catch {
                throw StoreError.corruptChunk(seriesID: seriesID, chunkID: chunkID, detail: error.message)
            }
        case nil:
            throw StoreError.corruptChunk(seriesID: seriesID, chunkID: chunkID,
                                          detail: "unknown encoding \(encoding)")
        }
    }
}
