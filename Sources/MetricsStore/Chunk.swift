// The chunk format compaction writes: one header byte naming the value
// encoding, then that encoding's data.
//
// Chunks written before the header existed are plain XORChunk data; the
// `chunk.encoding` column tells the two apart (ChunkEncoding.xor for those,
// .tagged for these), so every chunk already on disk still decodes. The
// header byte lets a later value encoding coexist without another column
// value, and makes a blob self-describing when it is read outside the table.
//
// The encoder tries the decimal encoding first, which fits most gauges, and
// keeps the XOR encoding when the values are not all short decimals or when
// XOR comes out smaller (integers with long runs of equal high bits can).

/// Encodes and decodes tagged chunks, choosing the value encoding per chunk.
public enum Chunk {
    /// How the values of a tagged chunk are encoded: its first byte.
    public enum ValueEncoding: UInt8, Sendable, CaseIterable {
        /// Gorilla XOR of the IEEE bit patterns (XORChunk), for any values.
        case xor = 1
        /// Integers scaled by a power of ten (DecimalChunk).
        case decimal = 2
    }

    /// Encodes samples whose timestamps are strictly increasing, in whichever
    /// value encoding is smaller. Values keep their exact bit patterns.
    public static func encode(timestamps: [Int64], values: [Double]) -> [UInt8] {
        let xor = XORChunk.encode(timestamps: timestamps, values: values)
        if let decimal = DecimalChunk.encode(timestamps: timestamps[...], values: values[...]),
           decimal.count < xor.count {
            return [ValueEncoding.decimal.rawValue] + decimal
        }
        return [ValueEncoding.xor.rawValue] + xor
    }

    /// The value encoding of a tagged chunk; nil when the header is unknown.
    public static func valueEncoding(of bytes: [UInt8]) -> ValueEncoding? {
        bytes.first.flatMap(ValueEncoding.init(rawValue:))
    }

    /// Decodes a tagged chunk, appending its samples to `timestamps` and `values`.
    ///
    /// - Throws: `BitStreamError` when the header is unknown or the data does
    ///   not decode (see XORChunk and DecimalChunk).
    public static func decode(_ bytes: [UInt8], into timestamps: inout [Int64],
                              _ values: inout [Double]) throws(BitStreamError) {
        guard let header = bytes.first else { throw BitStreamError("chunk has no header byte") }
        switch ValueEncoding(rawValue: header) {
        case .xor:
            var reader = BitReader(bytes, startingAtByte: 1)
            try XORChunk.decode(&reader, into: &timestamps, &values)
        case .decimal:
            var reader = BitReader(bytes, startingAtByte: 1)
            try DecimalChunk.decode(&reader, into: &timestamps, &values)
        case nil:
            throw BitStreamError("unknown chunk value encoding \(header)")
        }
    }
}
