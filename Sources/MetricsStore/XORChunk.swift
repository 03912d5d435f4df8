// Gorilla-style compression of one chunk of one series.
//
// Timestamps are stored as delta-of-deltas in variable-width buckets and
// values as the XOR with the previous value, keeping only the meaningful bits
// (Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory Time Series
// Database", VLDB 2015; the bucket widths are those of Prometheus TSDB's
// chunkenc/xor.go). A regular series costs one bit per timestamp and, for a
// value that did not change, one bit per value.
//
// Layout, most significant bit first:
//
//   uvarint  sample count n
//   64 bits  first timestamp (two's complement)
//   64 bits  first value (IEEE 754 bit pattern, so NaN payloads survive)
//   then for each following sample:
//     delta-of-delta: '0' | '10' 14 bits | '110' 17 bits | '1110' 20 bits | '1111' 64 bits
//     value:          '0' (same bits) | '10' bits in the previous window |
//                     '11' 5 bits leading zeros, 6 bits width (0 = 64), bits
//
// Arithmetic on timestamps wraps, so deltas between any two Int64 values
// (e.g. Int64.min then Int64.max) round-trip exactly through the 64-bit
// bucket. The decoder validates every field and throws on anything a correct
// encoder cannot produce, because a corrupt blob on disk must not trap.

/// Encodes and decodes the XOR (Gorilla) chunk format described above.
public enum XORChunk {
    /// Samples per closed chunk that compaction aims for: Prometheus's figure,
    /// at which the per-chunk header is amortised and decoding stays cheap.
    public static let targetSamples = 120

    /// Encodes samples whose timestamps are strictly increasing.
    ///
    /// - Parameters:
    ///   - timestamps: milliseconds since the epoch, strictly increasing.
    ///   - values: one value per timestamp; compared by bit pattern.
    /// - Returns: the encoded bytes.
    public static func encode(timestamps: [Int64], values: [Double]) -> [UInt8] {
        let n = min(timestamps.count, values.count)
        var header = BitWriter(capacity: 10)
        header.writeUVarint(UInt64(n))
        guard n > 0 else { return header.bytes }
        var w = BitWriter(capacity: 16 + n * 2)
        w.writeBits(UInt64(bitPattern: timestamps[0]), count: 64)
        w.writeBits(values[0].bitPattern, count: 64)
        var prevT = timestamps[0]
        var prevDelta: Int64 = 0
        var prevBits = values[0].bitPattern
        var leading = -1   // no window yet
        var trailing = 0
        for i in 1..<n {
            let t = timestamps[i]
            let delta = t &- prevT
            writeDoD(delta &- prevDelta, to: &w)
            prevT = t
            prevDelta = delta
            let bits = values[i].bitPattern
            writeXOR(bits ^ prevBits, leading: &leading, trailing: &trailing, to: &w)
            prevBits = bits
        }
        return header.bytes + w.bytes
    }

    /// Writes one delta-of-delta in the smallest bucket that holds it.
    /// Shared with `DecimalChunk`, whose timestamps use the same buckets.
    static func writeDoD(_ dod: Int64, to w: inout BitWriter) {
        if dod == 0 {
            w.writeBit(false)
        } else if fits(dod, bits: 14) {
            w.writeBits(0b10, count: 2)
            w.writeBits(UInt64(bitPattern: dod), count: 14)
        } else if fits(dod, bits: 17) {
            w.writeBits(0b110, count: 3)
            w.writeBits(UInt64(bitPattern: dod), count: 17)
        } else if fits(dod, bits: 20) {
            w.writeBits(0b1110, count: 4)
            w.writeBits(UInt64(bitPattern: dod), count: 20)
        } else {
            w.writeBits(0b1111, count: 4)
            w.writeBits(UInt64(bitPattern: dod), count: 64)
        }
    }

    /// True when `x` is in Prometheus's range for an n-bit bucket:
    /// -(2^(n-1) - 1) ... 2^(n-1). The asymmetric range lets the decoder tell
    /// the sign from the raw bits without a separate sign bit.
    private static func fits(_ x: Int64, bits: Int) -> Bool {
        let half = Int64(1) << Int64(bits - 1)
        return x >= -(half - 1) && x <= half
    }

    /// Writes one XOR'd value, reusing the previous leading/trailing window
    /// when the new meaningful bits fit inside it.
    private static func writeXOR(_ delta: UInt64, leading: inout Int, trailing: inout Int,
                                 to w: inout BitWriter) {
        if delta == 0 {
            w.writeBit(false)
            return
        }
        w.writeBit(true)
        // Five bits hold the leading-zero count, so it is capped at 31.
        let lz = min(delta.leadingZeroBitCount, 31)
        let tz = delta.trailingZeroBitCount
        if leading >= 0, lz >= leading, tz >= trailing {
            w.writeBit(false)
            w.writeBits(delta >> UInt64(trailing), count: 64 - leading - trailing)
        } else {
            leading = lz
            trailing = tz
            let width = 64 - lz - tz
            w.writeBit(true)
            w.writeBits(UInt64(lz), count: 5)
            // A width of 64 does not fit in six bits; 0 stands for it since a
            // non-zero delta always has at least one meaningful bit.
            w.writeBits(UInt64(width & 63), count: 6)
            w.writeBits(delta >> UInt64(tz), count: width)
        }
    }

    /// Decodes a chunk, appending its samples to `timestamps` and `values`.
    ///
    /// - Throws: `BitStreamError` when the data is truncated, a field is out of
    ///   range, or timestamps do not strictly increase.
    public static func decode(_ bytes: [UInt8], into timestamps: inout [Int64],
                              _ values: inout [Double]) throws(BitStreamError) {
        var r = BitReader(bytes)
        try decode(&r, into: &timestamps, &values)
    }

    /// Decodes a chunk starting at the reader's position; tagged chunks
    /// (Chunk) start one byte in.
    static func decode(_ r: inout BitReader, into timestamps: inout [Int64],
                       _ values: inout [Double]) throws(BitStreamError) {
        let n = try r.readSampleCount()
        guard n > 0 else { return }
        timestamps.reserveCapacity(timestamps.count + n)
        values.reserveCapacity(values.count + n)
        var t = Int64(bitPattern: try r.readBits(64))
        var bits = try r.readBits(64)
        timestamps.append(t)
        values.append(Double(bitPattern: bits))
        var delta: Int64 = 0
        var leading = -1
        var trailing = 0
        for _ in 1..<n {
            // Deltas wrap like the encoder's (Int64.min to Int64.max is a
            // delta of -1 after wrapping); what must hold is that time moves on.
            delta = delta &+ (try readDoD(&r))
            let next = t &+ delta
            guard next > t else { throw BitStreamError("chunk timestamps do not increase") }
            t = next
            bits ^= try readXOR(&r, leading: &leading, trailing: &trailing)
            timestamps.append(t)
            values.append(Double(bitPattern: bits))
        }
    }

    /// Reads one bucketed delta-of-delta.
    static func readDoD(_ r: inout BitReader) throws(BitStreamError) -> Int64 {
        var prefix = 0
        while prefix < 4, try r.readBit() { prefix += 1 }
        let width: Int
        switch prefix {
        case 0: return 0
        case 1: width = 14
        case 2: width = 17
        case 3: width = 20
        default: return Int64(bitPattern: try r.readBits(64))
        }
        var raw = Int64(try r.readBits(width))
        // Undo the n-bit two's complement; see `fits` for the range.
        if raw > Int64(1) << Int64(width - 1) { raw -= Int64(1) << Int64(width) }
        return raw
    }

    /// Reads one XOR'd value delta (0 when the value repeats).
    private static func readXOR(_ r: inout BitReader, leading: inout Int,
                                trailing: inout Int) throws(BitStreamError) -> UInt64 {
        guard try r.readBit() else { return 0 }
        if try r.readBit() {
            let lz = Int(try r.readBits(5))
            var width = Int(try r.readBits(6))
            if width == 0 { width = 64 }
            guard lz + width <= 64 else { throw BitStreamError("bad XOR window \(lz)+\(width)") }
            leading = lz
            trailing = 64 - lz - width
        } else {
            guard leading >= 0 else { throw BitStreamError("XOR window reused before it was set") }
        }
        let width = 64 - leading - trailing
        let bits = try r.readBits(width)
        guard bits != 0 else { throw BitStreamError("XOR value with no meaningful bits") }
        return bits << UInt64(trailing)
    }
}
