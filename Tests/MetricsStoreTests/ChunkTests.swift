// The tagged chunk format and its decimal value encoding: exact round trips
// over decimals of every scale and the values that must fall back to XOR
// (-0, NaN payloads, staleness markers, ±Inf, magnitudes past 2^53), sizes
// for realistic gauges, damaged data, and chunks written in the older
// untagged format still reading back from a store.

import Foundation
import GRDB
import Testing
import Telemetry
@testable import MetricsStore

@Suite struct ChunkTests {
    static let staleNaN = Double(bitPattern: 0x7ff0_0000_0000_0002)

    /// Encodes, decodes and checks timestamps and value bits exactly;
    /// returns the encoding chosen.
    @discardableResult
    func roundTrip(_ timestamps: [Int64], _ values: [Double],
                   sourceLocation: SourceLocation = #_sourceLocation) throws -> Chunk.ValueEncoding? {
        let bytes = Chunk.encode(timestamps: timestamps, values: values)
        var t: [Int64] = []
        var v: [Double] = []
        try Chunk.decode(bytes, into: &t, &v)
        #expect(t == timestamps, sourceLocation: sourceLocation)
        #expect(v.map(\.bitPattern) == values.map(\.bitPattern), sourceLocation: sourceLocation)
        return Chunk.valueEncoding(of: bytes)
    }

    func regular(_ n: Int) -> [Int64] { (0..<Int64(n)).map { baseMs + $0 * 15_000 } }

    /// `n / 10^places` written out as a decimal, as a collector reads it.
    func decimalText(_ n: Int64, places: Int) -> String {
        let scale = Int64(DecimalChunk.powers[places])
        let whole = (n < 0 ? "-" : "") + "\(abs(n) / scale)"
        guard places > 0 else { return whole }
        let digits = String(abs(n) % scale)
        return whole + "." + String(repeating: "0", count: places - digits.count) + digits
    }

    @Test func decimalsOfEveryScaleRoundTripAsDecimals() throws {
        var rng = SystemRandomNumberGenerator()
        for places in 0...DecimalChunk.maxScale {
            for _ in 0..<20 {
                var n = Int64.random(in: -1_000_000...1_000_000, using: &rng)
                let values = (0..<120).map { _ -> Double in
                    n += Int64.random(in: -50...50, using: &rng)
                    // What a parser makes of the text: the double nearest the decimal.
                    return Double(decimalText(n, places: places)) ?? .nan
                }
                #expect(try roundTrip(regular(120), values) == .decimal, "\(places) places: \(values.prefix(3))")
            }
        }
    }

    @Test func parsedDecimalsUseTheDecimalEncoding() throws {
        let texts = ["0.37", "12.85", "1234.5", "-7.25", "0.001", "99999999.99", "3", "1e3", "0.1", "0.2", "0.3"]
        let values = texts.compactMap(Double.init)
        #expect(try roundTrip(regular(values.count), values) == .decimal)
        // Sums of decimals are not decimals: 0.1 + 0.2 is 0.30000000000000004.
        #expect(try roundTrip(regular(3), [0.1, 0.1 + 0.2, 0.3]) == .xor)
    }

    @Test(arguments: [
        -0.0, .nan, -.nan, Double(bitPattern: 0x7ff8_dead_beef_0001), Double(bitPattern: 0x7ff0_0000_0000_0002),
        .infinity, -.infinity, 1e300, -1e300, .greatestFiniteMagnitude, .leastNonzeroMagnitude,
        .leastNormalMagnitude, 9_007_199_254_740_994, 1e-12, 0.1 + 0.2, Double.pi,
    ])
    func valuesThatAreNotShortDecimalsFallBackToXOR(_ odd: Double) throws {
        var values = (0..<50).map { Double($0) / 10 }
        values[17] = odd
        #expect(try roundTrip(regular(50), values) == .xor)
    }

    @Test func largeExactIntegersStayExact() throws {
        let big = Double(1 << 53)
        #expect(try roundTrip(regular(4), [big, big - 1, -big, 0]) == .decimal)
        #expect(try roundTrip(regular(3), [big * 2, 1, 2]) == .xor)
        // Deltas between extremes need the 64-bit bucket.
        #expect(try roundTrip(regular(6), [big, -big, big, 0, -big, big]) == .decimal)
    }

    @Test func randomMixedValuesRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let n = Int.random(in: 1...240, using: &rng)
            var t = Int64.random(in: -1_000_000_000_000...2_000_000_000_000, using: &rng)
            var ts: [Int64] = []
            var vs: [Double] = []
            let places = Double(Int.random(in: 0...3, using: &rng))
            var level = Int64.random(in: -100_000...100_000, using: &rng)
            for _ in 0..<n {
                ts.append(t)
                t += Int64.random(in: 1...(Bool.random(using: &rng) ? 20_000 : 5_000_000_000), using: &rng)
                level += Int64.random(in: -1000...1000, using: &rng)
                switch Int.random(in: 0..<20, using: &rng) {
                case 0: vs.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng)))
                case 1: vs.append(vs.last ?? 0)
                case 2: vs.append(Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &rng)))
                default: vs.append(Double(level) / pow(10, places))
                }
            }
            try roundTrip(ts, vs)
        }
    }

    @Test func countersAndPageSizedStepsUseFewBits() throws {
        // A counter with a steady rate: deltas of deltas are zero.
        let counter = (0..<120).map { Double(1_000_000_000 + $0 * 4_096) }
        let steady = Chunk.encode(timestamps: regular(120), values: counter)
        #expect(Chunk.valueEncoding(of: steady) == .decimal && steady.count <= 60)
        // Memory in whole pages: the shared trailing zeros are dropped.
        var rng = SystemRandomNumberGenerator()
        var level = 8e9
        let memory = (0..<120).map { _ -> Double in level += Double(Int.random(in: -8...8, using: &rng) * 4096); return level }
        #expect(Chunk.encode(timestamps: regular(120), values: memory).count <= 120 * 7 / 8 + 60)
        try roundTrip(regular(120), counter)
        try roundTrip(regular(120), memory)
    }

    @Test func realisticDecimalGaugesFitInAFewBitsASample() throws {
        var rng = SystemRandomNumberGenerator()
        var load = 1.0
        let loadAverage = (0..<120).map { _ -> Double in
            load = load * 0.78 + 0.22 * Double(Int.random(in: 0...8, using: &rng))
            return (load * 100).rounded() / 100
        }
        var temperature = 450
        let temperatures = (0..<120).map { _ -> Double in
            temperature += Int.random(in: -2...2, using: &rng)
            return Double(temperature) / 10
        }
        for values in [loadAverage, temperatures] {
            let bytes = Chunk.encode(timestamps: regular(120), values: values)
            #expect(Chunk.valueEncoding(of: bytes) == .decimal)
            // XOR needs 7 to 9 bytes a sample here; the target is under 3 on disk.
            #expect(bytes.count <= 120 * 2, "\(bytes.count) bytes")
            try roundTrip(regular(120), values)
        }
    }

    @Test func emptyAndSingleSampleChunks() throws {
        try roundTrip([], [])
        try roundTrip([42], [-0.0])
        try roundTrip([42], [12.5])
        try roundTrip([-5], [Self.staleNaN])
        try roundTrip([Int64.min, Int64.max], [1.5, 2.5])
    }

    @Test func damagedChunksThrowAndNeverTrap() {
        let t = regular(120)
        let good = Chunk.encode(timestamps: t, values: t.map { Double($0 % 700) / 10 })
        #expect(Chunk.valueEncoding(of: good) == .decimal)
        for cut in 0..<good.count {
            var ts: [Int64] = []
            var vs: [Double] = []
            #expect(throws: BitStreamError.self) { try Chunk.decode(Array(good[0..<cut]), into: &ts, &vs) }
        }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = good
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            var ts: [Int64] = []
            var vs: [Double] = []
            _ = try? Chunk.decode(bytes, into: &ts, &vs)
            let garbage = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? Chunk.decode(garbage, into: &ts, &vs)
        }
        var ts: [Int64] = []
        var vs: [Double] = []
        #expect(throws: BitStreamError.self) { try Chunk.decode([9, 1, 0, 0], into: &ts, &vs) }
        #expect(throws: BitStreamError.self) { try Chunk.decode([], into: &ts, &vs) }
    }

    @Test func untaggedChunksOnDiskStillRead() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        let store = try MetricsStore(path: path)
        try store.append(regularSamples("g", ["i": "1"], count: 1, value: { _ in 0 }))
        let t = Array(regular(101).dropFirst())
        let values = t.indices.map { Double($0) / 10 }
        // A chunk as stores before the tagged format wrote it: encoding 1, bare XOR data.
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO chunk (series_id, encoding, min_t, max_t, count, data) VALUES (1, 1, ?, ?, ?, ?)",
                           arguments: [t[0], t[t.count - 1], t.count, Data(XORChunk.encode(timestamps: t, values: values))])
        }
        let reopened = try MetricsStore(path: path)
        let series = try reopened.select([], from: 0, through: .max)
        #expect(series.count == 1 && series[0].timestamps == [baseMs] + t)
        #expect(series[0].values.map(\.bitPattern) == ([0] + values).map(\.bitPattern))
        // Compaction rewrites the small old chunk in the tagged format and keeps every sample.
        try reopened.compact()
        #expect(try reopened.select([], from: 0, through: .max) == series)
        let encodings = try queue.read { db in try Int64.fetchAll(db, sql: "SELECT DISTINCT encoding FROM chunk") }
        #expect(encodings == [ChunkEncoding.tagged.rawValue])
    }
}
