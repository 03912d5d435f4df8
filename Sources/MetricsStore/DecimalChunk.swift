// Compression of chunks whose values are all decimals with few places.
//
// Most gauges are read from text (/proc, sysfs, nvidia-smi, an exposition)
// and so hold numbers such as 0.37, 12.85 or 1234.5. As doubles their
// mantissas differ in almost every bit from one sample to the next, and the
// XOR encoding spends 7 to 9 bytes on each. The same numbers as integers
// scaled by 10^k (37, 1285, 12345) change by a few units, which a few bits
// hold. This encoding is used for a chunk only when every value converts to
// such an integer and back to the identical bit pattern, so it is lossless:
// NaN, infinities, -0 and anything else that does not convert leave the chunk
// to XORChunk.
//
// The integers are stored as deltas or, when that is smaller (counters with a
// steady rate), as deltas of deltas, after dropping the trailing zero bits all
// of them share (memory sizes move in whole pages). Each difference goes in
// one of three buckets whose widths the encoder picks per chunk to minimise
// its size, since a load average and a byte counter need very different ones.
//
// Layout, most significant bit first:
//
//   uvarint  sample count n
//   64 bits  first timestamp (two's complement)
//   4 bits   scale k: values are integers divided by 10^k
//   1 bit    0: deltas, 1: deltas of deltas
//   6 bits   shift s: the differences are stored divided by 2^s
//   6 bits   w1, the first bucket's width (1...63)
//   6 bits   w2 - 1, the second bucket's width (w1 < w2 <= 64)
//   uvarint  first integer, zigzag-encoded
//   then for each following sample:
//     delta-of-delta of the timestamp, in XORChunk's buckets;
//     difference (zigzag): '0' for zero | '10' w1 bits | '110' w2 bits | '111' 64 bits
//
// A value is decoded as Double(integer) / 10^k: IEEE division is correctly
// rounded, so that is exactly the double nearest the decimal, the one a
// parser produces from its text. The encoder checks every value against that
// same expression before choosing this encoding.

/// Encodes and decodes chunks of scaled-integer values.
enum DecimalChunk {
    /// The most decimal places a chunk may use; 10^k is exact in a double up
    /// to k = 22, and past nine places values are rarely decimals at all.
    static let maxScale = 9

    /// 10^k for k in 0...maxScale, exact.
    static let powers: [Double] = (0...maxScale).map { k in (0..<k).reduce(1.0) { x, _ in x * 10 } }

    /// Integers beyond 2^53 are not all representable as doubles.
    static let maxMagnitude = Double(1 << 53)

    /// The value of `integer` at scale `k`.
    @inline(__always)
    static func value(_ integer: Int64, scale k: Int) -> Double {
        Double(integer) / powers[k]
    }

    /// The integer `v` is at scale `k`, when it is one whose value is
    /// bit-for-bit `v`; nil otherwise (NaN, ±Inf, -0, too many places or too large).
    @inline(__always)
    static func integer(_ v: Double, scale k: Int) -> Int64? {
        let x = (v * powers[k]).rounded()
        guard abs(x) <= maxMagnitude else { return nil }   // false for NaN too
        let n = Int64(x)
        return value(n, scale: k).bitPattern == v.bitPattern ? n : nil
    }

    /// The smallest scale at which every value is a scaled integer, with the
    /// integers; nil when there is none.
    static func scaledIntegers(_ values: ArraySlice<Double>) -> (scale: Int, integers: [Int64])? {
        var k = 0
        for v in values {
            guard v.isFinite else { return nil }
            // A value that converts at scale k also converts at k + 1 (its
            // integer times ten names the same decimal) while within 2^53,
            // so the scale only ever needs to rise.
            while integer(v, scale: k) == nil {
                k += 1
                if k > maxScale { return nil }
            }
        }
        var integers: [Int64] = []
        integers.reserveCapacity(values.count)
        for v in values {
            guard let n = integer(v, scale: k) else { return nil }
            integers.append(n)
        }
        return (k, integers)
    }

    /// The bucket widths and differences chosen for a chunk.
    private struct Plan {
        var dod: Bool
        var shift: Int
        var w1: Int
        var w2: Int
        var bits: Int
        var zigzags: [UInt64]
    }

    /// Encodes samples whose values are all scaled integers; nil when they
    /// are not (the caller then uses XORChunk). Timestamps strictly increase.
    static func encode(timestamps: ArraySlice<Int64>, values: ArraySlice<Double>) -> [UInt8]? {
        let n = min(timestamps.count, values.count)
        guard n > 0, let (scale, integers) = scaledIntegers(values.prefix(n)) else { return nil }
        let deltas = steps(integers)
        // Deltas of deltas, the first delta taken against zero.
        let dods = deltas.isEmpty ? [] : [deltas[0]] + steps(deltas)
        let byDelta = plan(deltas, dod: false)
        let byDoD = plan(dods, dod: true)
        let plan = byDoD.bits < byDelta.bits ? byDoD : byDelta
        var w = BitWriter(capacity: 24 + (plan.bits + 7) / 8 + n / 8)
        w.writeUVarint(UInt64(n))
        let t = Array(timestamps.prefix(n))
        w.writeBits(UInt64(bitPattern: t[0]), count: 64)
        w.writeBits(UInt64(scale), count: 4)
        w.writeBit(plan.dod)
        w.writeBits(UInt64(plan.shift), count: 6)
        w.writeBits(UInt64(plan.w1), count: 6)
        w.writeBits(UInt64(plan.w2 - 1), count: 6)
        w.writeUVarint(zigzag(integers[0]))
        var prevT = t[0]
        var prevDelta: Int64 = 0
        for i in 1..<n {
            let delta = t[i] &- prevT
            XORChunk.writeDoD(delta &- prevDelta, to: &w)
            prevT = t[i]
            prevDelta = delta
            let z = plan.zigzags[i - 1]
            let width = 64 - z.leadingZeroBitCount
            if z == 0 {
                w.writeBit(false)
            } else if width <= plan.w1 {
                w.writeBits(0b10, count: 2)
                w.writeBits(z, count: plan.w1)
            } else if width <= plan.w2 {
                w.writeBits(0b110, count: 3)
                w.writeBits(z, count: plan.w2)
            } else {
                w.writeBits(0b111, count: 3)
                w.writeBits(z, count: 64)
            }
        }
        return w.bytes
    }

    /// `xs[i] - xs[i - 1]` for every i after the first.
    private static func steps(_ xs: [Int64]) -> [Int64] {
        guard xs.count > 1 else { return [] }
        var out: [Int64] = []
        out.reserveCapacity(xs.count - 1)
        for i in 1..<xs.count { out.append(xs[i] &- xs[i - 1]) }
        return out
    }

    /// The cheapest bucket widths for `diffs`, and their total size in bits.
    private static func plan(_ diffs: [Int64], dod: Bool) -> Plan {
        // Trailing zeros common to every difference (two's complement keeps
        // them for negative numbers too).
        let union = diffs.reduce(UInt64(0)) { $0 | UInt64(bitPattern: $1) }
        let shift = union == 0 ? 0 : min(union.trailingZeroBitCount, 63)
        var histogram = [Int](repeating: 0, count: 65)
        let zigzags = diffs.map { d -> UInt64 in
            let z = zigzag(d >> Int64(shift))
            histogram[64 - z.leadingZeroBitCount] += 1
            return z
        }
        // below[w]: differences needing at most w bits.
        var below = [Int](repeating: 0, count: 65)
        var running = 0
        for w in 0...64 {
            running += histogram[w]
            below[w] = running
        }
        let total = diffs.count
        let zeros = histogram[0]
        var best = Plan(dod: dod, shift: shift, w1: 1, w2: 64, bits: .max, zigzags: zigzags)
        for w1 in 1...63 {
            let first = (below[w1] - zeros) * (2 + w1)
            for w2 in (w1 + 1)...64 {
                let bits = zeros + first + (below[w2] - below[w1]) * (3 + w2) + (total - below[w2]) * 67
                if bits < best.bits {
                    best.w1 = w1
                    best.w2 = w2
                    best.bits = bits
                }
            }
        }
        return best
    }

    @inline(__always)
    static func zigzag(_ x: Int64) -> UInt64 {
        UInt64(bitPattern: (x &<< 1) ^ (x >> 63))
    }

    @inline(__always)
    static func unzigzag(_ z: UInt64) -> Int64 {
        Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1)
    }

    /// Decodes a chunk, appending its samples to `timestamps` and `values`.
    ///
    /// - Throws: `BitStreamError` when the data is truncated, a field is out
    ///   of range, or timestamps do not strictly increase.
    static func decode(_ reader: inout BitReader, into timestamps: inout [Int64],
                       _ values: inout [Double]) throws(BitStreamError) {
        let n = try reader.readSampleCount()
        guard n > 0 else { return }
        var t = Int64(bitPattern: try reader.readBits(64))
        let scale = Int(try reader.readBits(4))
        let dod = try reader.readBit()
        let shift = Int64(try reader.readBits(6))
        let w1 = Int(try reader.readBits(6))
        let w2 = Int(try reader.readBits(6)) + 1
        guard scale <= maxScale else { throw BitStreamError("decimal chunk scale \(scale) out of range") }
        guard w1 >= 1, w1 < w2 else { throw BitStreamError("decimal chunk bucket widths \(w1), \(w2)") }
        var integer = unzigzag(try reader.readUVarint())
        timestamps.reserveCapacity(timestamps.count + n)
        values.reserveCapacity(values.count + n)
        timestamps.append(t)
        values.append(value(integer, scale: scale))
        var timeDelta: Int64 = 0
        var valueDelta: Int64 = 0
        for _ in 1..<n {
            timeDelta = timeDelta &+ (try XORChunk.readDoD(&reader))
            let next = t &+ timeDelta
            guard next > t else { throw BitStreamError("chunk timestamps do not increase") }
            t = next
            let z: UInt64
            if !(try reader.readBit()) {
                z = 0
            } else if !(try reader.readBit()) {
                z = try reader.readBits(w1)
            } else if !(try reader.readBit()) {
                z = try reader.readBits(w2)
            } else {
                z = try reader.readBits(64)
            }
            let difference = unzigzag(z) &<< shift
            if dod {
                valueDelta = valueDelta &+ difference
                integer = integer &+ valueDelta
            } else {
                integer = integer &+ difference
            }
            timestamps.append(t)
            values.append(value(integer, scale: scale))
        }
    }
}
