// The errors a caller of the metrics store can see.
//
// SQLite and GRDB report failures as result codes; the store translates the
// ones a user can act on (a full disk, a file that is not a database, a
// corrupt chunk, a lock that outlived the busy timeout) into cases that say
// what happened and to which file, and keeps the underlying message for the
// rest. Rejected samples carry the series and timestamp so that a collector
// author can find the offending sample.

import GRDB
import Telemetry

/// A failure of the metrics store.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file exists but is not a SQLite database, or SQLite found it damaged.
    case corruptDatabase(path: String, detail: String)
    /// A stored chunk could not be decoded; the rest of the database may be fine.
    case corruptChunk(seriesID: Int64, chunkID: Int64, detail: String)
    /// A head row (raw samples of one append batch) could not be decoded.
    case corruptHead(rowID: Int64, detail: String)
    /// The disk (or the configured size cap) is full; the batch was not written
    /// and everything committed before it is intact.
    case diskFull(path: String)
    /// Creating another series would exceed the configured cardinality limit.
    case seriesLimitExceeded(limit: Int, series: SeriesKey)
    /// A sample's timestamp is older than the newest sample of its series by
    /// more than the out-of-order window.
    case outOfOrderSample(series: SeriesKey, timestampMs: Int64, newestMs: Int64)
    /// A sample repeats a timestamp of its series with a different value.
    case duplicateSampleForTimestamp(series: SeriesKey, timestampMs: Int64)
    /// An argument was out of range (e.g. a negative retention).
    case invalidArgument(String)
    /// Another SQLite failure, with SQLite's own message.
    case database(path: String, detail: String)

    /// A one-line message saying what happened.
    public var description: String {
        switch self {
        case let .corruptDatabase(path, detail):
            return "metrics database \(path) is not a valid database or is damaged: \(detail)"
        case let .corruptChunk(seriesID, chunkID, detail):
            return "corrupt chunk \(chunkID) of series \(seriesID): \(detail)"
        case let .corruptHead(rowID, detail):
            return "corrupt head row \(rowID): \(detail)"
        case let .diskFull(path):
            return "disk full while writing \(path); the batch was not stored, earlier data is intact"
        case let .seriesLimitExceeded(limit, series):
            return "series limit of \(limit) reached; refusing new series \(series)"
        case let .outOfOrderSample(series, t, newest):
            return "out of order sample for \(series) at \(t) (newest is \(newest))"
        case let .duplicateSampleForTimestamp(series, t):
            return "duplicate sample for timestamp \(t) of \(series) with a different value"
        case let .invalidArgument(message):
            return message
        case let .database(path, detail):
            return "metrics database \(path): \(detail)"
        }
    }
}

extension StoreError {
    /// Maps a GRDB or SQLite error to the case a caller can act on: a full
    /// disk (SQLITE_FULL, also raised by the `max_page_count` cap), a file
    /// that is not a database or is damaged (SQLITE_NOTADB, SQLITE_CORRUPT),
    /// and otherwise SQLite's own message with its extended result code.
    /// A `StoreError` passes through unchanged.
    init(translating error: Error, path: String) {
        if let error = error as? StoreError {
            self = error
            return
        }
        guard let error = error as? DatabaseError else {
            self = .database(path: path, detail: "\(error)")
            return
        }
        let detail = error.message ?? "\(error)"
        switch error.resultCode {
        case .SQLITE_FULL:
            self = .diskFull(path: path)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            self = .corruptDatabase(path: path, detail: detail)
        default:
            self = .database(path: path, detail: "\(detail) (SQLite code \(error.extendedResultCode.rawValue))")
        }
    }
}
