import Foundation
import NN
import Tensor
import Testing

@Suite("safetensors")
struct SafeTensorsTests {
    /// A file from a header dictionary and raw data bytes, as a writer might produce it.
    static func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (length ?? UInt64(json.count)).littleEndian) { bytes += $0 }
        return bytes + json + data
    }

    static func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    @Test func roundTripKeepsValuesShapesAndMetadata() throws {
        let weight = try Tensor([[1, 2, 3], [4, 5, 6]])
        let bias = try Tensor([0.5, -0.25])
        let empty = try Tensor.zeros([0, 4])
        let original = SafeTensors(tensors: [("layer.weight", weight), ("layer.bias", bias), ("empty", empty)],
                                   metadata: ["config": "{\"hidden\": 3}", "format": "pt"])
        let bytes = try original.encode()
        // Data starts 8-byte aligned; the header is JSON padded with spaces.
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        #expect((8 + length) % 8 == 0)
        let decoded = try SafeTensors.decode(bytes)
        #expect(decoded.tensors.map(\.name) == ["empty", "layer.bias", "layer.weight"])
        #expect(decoded["layer.weight"]?.shape == [2, 3])
        #expect(decoded["layer.weight"]?.toArray() == [1, 2, 3, 4, 5, 6])
        #expect(decoded["layer.bias"]?.toArray() == [0.5, -0.25])
        #expect(decoded["empty"]?.shape == [0, 4])
        #expect(decoded.metadata == original.metadata)
    }

    @Test func readsOtherDtypesAsFloat32() throws {
        let f64 = [1.5, -2.0].flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        let i64 = [Int64(7), -3].flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let bf16: [UInt8] = [0x80, 0x3F, 0x00, 0xC0]   // 1.0, -2.0
        let f16: [UInt8] = [0x00, 0x3C, 0x00, 0xC0]    // 1.0, -2.0
        let header = """
        {"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"b":{"dtype":"I64","shape":[2],"data_offsets":[16,32]},\
        "c":{"dtype":"BF16","shape":[2],"data_offsets":[32,36]},"d":{"dtype":"F16","shape":[2],"data_offsets":[36,40]}}
        """
        let decoded = try SafeTensors.decode(Self.file(header, data: f64 + i64 + bf16 + f16))
        #expect(decoded["a"]?.toArray() == [1.5, -2])
        #expect(decoded["b"]?.toArray() == [7, -3])
        #expect(decoded["c"]?.toArray() == [1, -2])
        #expect(decoded["d"]?.toArray() == [1, -2])
    }

    /// Bad files, each with the error it must give. None may crash.
    static let corpus: [(name: String, bytes: [UInt8], error: String)] = [
        ("empty file", [], "shorter than the 8-byte header length"),
        ("short length", [1, 0, 0], "shorter than the 8-byte header length"),
        ("oversized header", file("{}", length: 1 << 40), "larger than the 100000000-byte limit"),
        ("header past the end", file("{}", length: 50), "the header says 50 bytes but only 2 follow"),
        ("not JSON", file("{nope"), "not valid JSON"),
        ("JSON array", file("[1,2]"), "not a JSON object"),
        ("garbage", file(String(repeating: "\u{1}", count: 16)), "not valid JSON"),
        ("unknown dtype", file(#"{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}"#, data: floats([1])), "unsupported dtype Q7"),
        ("missing shape", file(#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, data: floats([1])), "shape is missing"),
        ("negative dim", file(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: floats([1])), "non-negative integers"),
        ("shape/bytes mismatch", file(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,4]}}"#, data: floats([1])), "needs 12 bytes but data_offsets span 4"),
        ("huge shape", file(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, data: floats([1])), "too large"),
        ("truncated data", file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: floats([1])), "need 8 data bytes but the file has 4"),
        ("overlap", file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: floats([1, 2])), "overlap"),
        ("gap", file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: floats([1, 2])), "leave a gap after offset 0"),
        ("trailing bytes", file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: floats([1, 2])), "belong to none"),
        ("bad offsets", file(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, data: floats([1])), "begin <= end"),
        ("metadata not strings", file(#"{"__metadata__":{"k":1}}"#), "is not a string"),
        ("entry not object", file(#"{"a":5}"#), "its entry is not an object"),
    ]

    @Test(arguments: corpus.map(\.name))
    func badFilesGiveClearErrors(_ name: String) throws {
        let entry = try #require(Self.corpus.first { $0.name == name })
        do {
            _ = try SafeTensors.decode(entry.bytes)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description.contains(entry.error), "\(name): \(error)")
        }
    }

    @Test func randomGarbageNeverCrashes() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2000 {
            var bytes = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if round % 2 == 0 {
                // A plausible header with corrupted bytes sprinkled in.
                bytes = Self.file(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: Self.floats([1, 2]))
                for _ in 0..<3 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            }
            _ = try? SafeTensors.decode(bytes)
        }
    }

    @Test func filesOnDisk() throws {
        let path = NSTemporaryDirectory() + "opslab-st-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors(tensors: [("x", try Tensor([1, 2]))]).write(to: path)
        #expect(try SafeTensors.read(from: path)["x"]?.toArray() == [1, 2])
        #expect(throws: SafeTensorsError.io("cannot read /nonexistent/x.safetensors")) {
            try SafeTensors.read(from: "/nonexistent/x.safetensors")
        }
    }
}
