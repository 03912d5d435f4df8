// What the store hands back to the query engine and to callers listing data.
//
// The metric name travels apart from the labels: `labels` never contains
// `__name__`. Functions such as `rate` drop the name from their result while
// keeping the labels, and the exposition writer prints the name outside the
// braces, so keeping the two apart saves every consumer from stripping and
// re-adding it. `SeriesKey` (name plus labels) is the identity.

import Telemetry

/// The samples of one series within a queried time range.
public struct StoredSeries: Sendable, Equatable, CustomStringConvertible {
    /// The metric name.
    public var name: String
    /// The label set, without `__name__`.
    public var labels: Labels
    /// Sample timestamps in milliseconds since the epoch, strictly increasing.
    public var timestamps: [Int64]
    /// Sample values, one per timestamp, bit-exact as appended (NaN payloads,
    /// staleness markers, -0 and infinities included).
    public var values: [Double]

    /// Creates a series.
    public init(name: String, labels: Labels, timestamps: [Int64], values: [Double]) {
        self.name = name
        self.labels = labels
        self.timestamps = timestamps
        self.values = values
    }

    /// The series identity.
    public var key: SeriesKey { SeriesKey(name: name, labels: labels) }

    /// Equal when identity, timestamps and value bit patterns all match
    /// (bitwise, so series holding NaN compare equal to themselves).
    public static func == (lhs: StoredSeries, rhs: StoredSeries) -> Bool {
        lhs.name == rhs.name && lhs.labels == rhs.labels && lhs.timestamps == rhs.timestamps
            && lhs.values.map(\.bitPattern) == rhs.values.map(\.bitPattern)
    }

    /// `name{labels}` and the sample count.
    public var description: String { "\(name)\(labels) [\(timestamps.count) samples]" }
}

/// Counts describing what the store holds.
public struct StoreStats: Sendable, Equatable, CustomStringConvertible {
    /// Number of series with at least one stored sample or chunk.
    public var seriesCount: Int
    /// Number of samples, in the head and in closed chunks.
    public var sampleCount: Int
    /// Samples still in the uncompressed head.
    public var headSampleCount: Int
    /// Number of closed (compressed) chunks.
    public var chunkCount: Int
    /// Bytes of the closed chunks' encoded data alone.
    public var chunkBytes: Int
    /// Size of the database file plus its write-ahead log.
    public var bytesOnDisk: Int

    /// Creates statistics.
    public init(seriesCount: Int, sampleCount: Int, headSampleCount: Int, chunkCount: Int,
                chunkBytes: Int, bytesOnDisk: Int) {
        self.seriesCount = seriesCount
        self.sampleCount = sampleCount
        self.headSampleCount = headSampleCount
        self.chunkCount = chunkCount
        self.chunkBytes = chunkBytes
        self.bytesOnDisk = bytesOnDisk
    }

    /// One line with every figure.
    public var description: String {
        "\(seriesCount) series, \(sampleCount) samples (\(headSampleCount) in head), "
            + "\(chunkCount) chunks of \(chunkBytes) bytes, \(bytesOnDisk) bytes on disk"
    }
}

/// What one compaction pass did.
public struct CompactionReport: Sendable, Equatable {
    /// Series whose head or small chunks were rewritten.
    public var seriesCompacted: Int
    /// Head samples moved into closed chunks.
    public var headSamplesClosed: Int
    /// Chunks (head rows and closed chunks) read and replaced.
    public var chunksRead: Int
    /// Closed chunks written.
    public var chunksWritten: Int

    /// Creates a report.
    public init(seriesCompacted: Int = 0, headSamplesClosed: Int = 0, chunksRead: Int = 0,
                chunksWritten: Int = 0) {
        self.seriesCompacted = seriesCompacted
        self.headSamplesClosed = headSamplesClosed
        self.chunksRead = chunksRead
        self.chunksWritten = chunksWritten
    }
}
