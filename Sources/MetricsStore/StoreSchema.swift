// How the store lays its data out in SQLite.
//
// Three tables. `series` gives every metric name plus label set an integer
// id; ids come from AUTOINCREMENT so that an id freed by deletion is never
// reused (a reader holding a cached id must not see another series' samples).
//
// `head` is the write-ahead part: one row per append batch holding the
// batch's samples raw (see HeadBatch). One row per batch, not per series,
// because a per-series row means one index entry per series per batch, and
// a batch of a thousand series then dirties a thousand index pages: that
// write amplification capped ingest at a few ten thousand samples a second.
// Its only index is on max_t, which grows with time and so appends at the
// right edge.
//
// `chunk` holds closed chunks, one row per run of about 120 samples or 2 h of
// one series, compressed by compaction (Gorilla timestamps; values as scaled
// decimals or XOR, see Chunk), indexed by (series_id, max_t) for range queries.
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

/// Chunk encodings as stored in `chunk.encoding`; a column rather than an
/// assumption so that a later encoding can coexist with existing chunks.
enum ChunkEncoding: Int64 {
    /// A closed Gorilla/XOR chunk without a header (XORChunk), as written
    /// before tagged chunks; still read, no longer written.
    case xor = 1
    /// A chunk whose first byte names its value encoding (Chunk): what
    /// compaction writes.
    case tagged = 2
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
                CREATE TABLE head (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    min_t INTEGER NOT NULL,
                    max_t INTEGER NOT NULL,
                    count INTEGER NOT NULL,
                    data BLOB NOT NULL
                );
                CREATE INDEX head_by_time ON head (max_t);
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

    /// Decodes one stored chunk of either encoding, appending to the arrays.
    /// - Throws: `StoreError.corruptChunk` when the data does not decode.
    static func decodeChunk(encoding: Int64, data: Data, seriesID: Int64, chunkID: Int64,
                            into timestamps: inout [Int64], _ values: inout [Double]) throws(StoreError) {
        switch ChunkEncoding(rawValue: encoding) {
        case .xor:
            do {
                try XORChunk.decode([UInt8](data), into: &timestamps, &values)
            } catch {
                throw StoreError.corruptChunk(seriesID: seriesID, chunkID: chunkID, detail: error.message)
            }
        case .tagged:
            do {
                try Chunk.decode([UInt8](data), into: &timestamps, &values)
            } catch {
                throw StoreError.corruptChunk(seriesID: seriesID, chunkID: chunkID, detail: error.message)
            }
        case nil:
            throw StoreError.corruptChunk(seriesID: seriesID, chunkID: chunkID,
                                          detail: "unknown encoding \(encoding)")
        }
    }
}
