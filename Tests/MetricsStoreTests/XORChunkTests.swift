// Round trips of the bit stream and the Gorilla chunk codec, including the
// values Prometheus cares about (staleness markers, NaN payloads, ±Inf, -0)
// and timestamps that stress every delta-of-delta bucket; and decoding of
// damaged data, which must throw, never trap.

import Testing
@testable import MetricsStore

@Suite struct BitStreamTests {
    @Test func bitsRoundTripAcrossByteBoundaries() throws {
        var w = BitWriter()
        let fields: [(UInt64, Int)] = [(1, 1), (0b101, 3), (0x1234, 14), (UInt64.max, 64), (0, 7),
                                       (0x7f, 7), (1 << 63, 64), (42, 6), (0, 0)]
        for (value, width) in fields { w.writeBits(value, count: width) }
        w.writeUVarint(300)
        #expect(w.bitCount == fields.reduce(0) { $0 + $1.1 } + 16)
        var r = BitReader(w.bytes)
        for (value, width) in fields { #expect(try r.readBits(width) == value) }
        #expect(try r.readUVarint() == 300)
        #expect(r.remainingBits < 8)
    }

    @Test func readingPastTheEndThrows() {
        var r = BitReader([0xff])
        #expect(throws: BitStreamError.self) { _ = try r.readBits(9) }
        var empty = BitReader([])
        #expect(throws: BitStreamError.self) { _ = try empty.readBit() }
        var endless = BitReader([UInt8](repeating: 0xff, count: 20))
        #expect(throws: BitStreamError.self) { _ = try endless.readUVarint() }
    }
}

@Suite struct XORChunkTests {
    /// Encodes, decodes and checks timestamps and value bits exactly.
    func roundTrip(_ timestamps: [Int64], _ values: [Double]) throws {
        let bytes = XORChunk.encode(timestamps: timestamps, values: values)
        var t: [Int64] = []
        var v: [Double] = []
        try XORChunk.decode(bytes, into: &t, &v)
        #expect(t == timestamps)
        #expect(v.map(\.bitPattern) == values.map(\.bitPattern))
    }

    static let staleNaN = Double(bitPattern: 0x7ff0_0000_0000_0002)

    @Test func specialValuesKeepTheirBits() throws {
        let values: [Double] = [1, Self.staleNaN, .nan, -.nan, Double(bitPattern: 0x7ff8_dead_beef_0001),
                                .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude,
                                .greatestFiniteMagnitude, -1.5, Self.staleNaN, Self.staleNaN, 3]
        try roundTrip((0..<Int64(values.count)).map { 1_700_000_000_000 + $0 * 15_000 }, values)
    }

    @Test func emptyAndSingleSampleChunks() throws {
        try roundTrip([], [])
        try roundTrip([42], [-0.0])
        try roundTrip([-5], [Self.staleNaN])
    }

    @Test func irregularIntervalsHitEveryBucket() throws {
        var t: [Int64] = [1_700_000_000_000]
        let gaps: [Int64] = [15_000, 15_000, 15_001, 14_990, 1, 8_000, 30_000, 100_000, 600_000,
                             3_600_000, 1, 86_400_000 * 365, 2, 15_000, 70_000, 500_000, 1_000_000]
        for gap in gaps { t.append(t[t.count - 1] + gap) }
        try roundTrip(t, t.indices.map { Double($0) * 0.1 })
    }

    @Test func hugeDeltasWrapExactly() throws {
        try roundTrip([Int64.min, -1, 0, Int64.max - 1, Int64.max], [1, 2, 3, 4, 5])
        try roundTrip([Int64.min, Int64.max], [.nan, .infinity])
    }

    @Test func randomSeriesRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let n = Int.random(in: 1...300, using: &rng)
            var t = Int64.random(in: -1_000_000_000_000...2_000_000_000_000, using: &rng)
            var ts: [Int64] = []
            var vs: [Double] = []
            for _ in 0..<n {
                ts.append(t)
                t += Int64.random(in: 1...(Bool.random() ? 20_000 : 5_000_000_000), using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: vs.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng)))
                case 1: vs.append(Double(Int.random(in: 0...100, using: &rng)))
                case 2: vs.append(vs.last ?? 0)
                default: vs.append(Double.random(in: -1e6...1e6, using: &rng))
                }
            }
            try roundTrip(ts, vs)
        }
    }

    @Test func regularGaugeCompressesWell() {
        let t = (0..<120).map { Int64($0) * 15_000 + 1_700_000_000_000 }
        let constant = XORChunk.encode(timestamps: t, values: Array(repeating: 42, count: 120))
        // Header (count, first timestamp and value, first delta) plus two bits a sample.
        #expect(constant.count <= 50)
    }

    @Test func damagedChunksThrowAndNeverTrap() {
        let t = (0..<120).map { Int64($0) * 15_000 }
        let good = XORChunk.encode(timestamps: t, values: t.map { Double($0 % 7) })
        for cut in 0..<good.count {
            var ts: [Int64] = []
            var vs: [Double] = []
            #expect(throws: BitStreamError.self) { try XORChunk.decode(Array(good[0..<cut]), into: &ts, &vs) }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            var ts: [Int64] = []
            var vs: [Double] = []
            _ = try? XORChunk.decode(bytes, into: &ts, &vs)
            let garbage = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? XORChunk.decode(garbage, into: &ts, &vs)
        }
        var ts: [Int64] = []
        var vs: [Double] = []
        #expect(throws: BitStreamError.self) { try XORChunk.decode([0xff, 0xff, 0xff, 0xff, 0x0f], into: &ts, &vs) }
    }
}
