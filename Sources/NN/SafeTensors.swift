import Foundation
import Tensor

/// A safetensors file: named tensors plus string metadata, in the format of
/// huggingface/safetensors. Layout: an 8-byte little-endian header length N,
/// N bytes of JSON (`{"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}`,
/// padded with spaces so the data starts 8-byte aligned), then the tensors'
/// bytes, little-endian, contiguous and in offset order.
public struct SafeTensors {
    /// The tensors, sorted by name.
    public var tensors: [(name: String, tensor: Tensor)]
    /// Free-form string metadata (`__metadata__`); opslab stores a model's config here.
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors.sorted { $0.name < $1.name }
        self.metadata = metadata
    }

    /// The largest header accepted, as in the reference implementation: a
    /// bigger one is far more likely a corrupt length than a real model.
    public static let maxHeaderBytes = 100_000_000

    /// The tensor called `name`.
    public subscript(name: String) -> Tensor? {
        tensors.first { $0.name == name }?.tensor
    }

    // MARK: Writing

    /// The file's bytes. Tensors are written as F32.
    public func encode() throws(SafeTensorsError) -> [UInt8] {
        var header: [String: Any] = [:]
        var offset = 0
        var arrays: [[Float]] = []
        for (name, tensor) in tensors {
            guard name != "__metadata__", !name.isEmpty else { throw .invalidTensor(name, "reserved or empty name") }
            let values = tensor.toArray()
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + values.count * 4]]
            offset += values.count * 4
            arrays.append(values)
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        guard var json = try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]) else {
            throw .invalidHeader("cannot encode the header as JSON")
        }
        // Pad with spaces so the data section starts on an 8-byte boundary.
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes += $0 }
        bytes += json
        for values in arrays {
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        }
        return bytes
    }

    /// Writes the file atomically (a temporary file renamed into place).
    public func write(to path: String) throws(SafeTensorsError) {
        let bytes = try encode()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .io("cannot write \(path): \(error.localizedDescription)")
        }
    }

    // MARK: Reading

    /// Reads and checks a file.
    public static func read(from path: String) throws(SafeTensorsError) -> SafeTensors {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .io("cannot read \(path)")
        }
        return try decode([UInt8](data))
    }

    /// Parses and checks the bytes of a file: header length within the file
    /// and the limit, JSON that is an object, known dtypes, shapes whose
    /// element count matches the byte range, and byte ranges that are in
    /// bounds, contiguous and non-overlapping and cover the data exactly.
    public static func decode(_ bytes: [UInt8]) throws(SafeTensorsError) -> SafeTensors {
        guard bytes.count >= 8 else { throw .truncated("the file is \(bytes.count) bytes, shorter than the 8-byte header length") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(maxHeaderBytes) else { throw .headerTooLarge(length) }
        let headerLength = Int(length)
        guard 8 + headerLength <= bytes.count else {
            throw .truncated("the header says \(headerLength) bytes but only \(bytes.count - 8) follow")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)]))
        } catch {
            throw .invalidHeader("the header is not valid JSON")
        }
        guard let header = object as? [String: Any] else { throw .invalidHeader("the header is not a JSON object") }

        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let dictionary = raw as? [String: Any] else { throw .invalidHeader("__metadata__ is not an object") }
            for (key, value) in dictionary {
                guard let text = value as? String else { throw .invalidHeader("__metadata__ value for \"\(key)\" is not a string") }
                metadata[key] = text
            }
        }

        let dataStart = 8 + headerLength
        let dataCount = bytes.count - dataStart
        var entries: [(name: String, info: TensorInfo)] = []
        for (name, raw) in header where name != "__metadata__" {
            entries.append((name, try TensorInfo(name: name, raw: raw)))
        }
        // Byte ranges must tile the data section exactly, in offset order.
        entries.sort { ($0.info.begin, $0.info.end) < ($1.info.begin, $1.info.end) }
        var expected = 0
        for (name, info) in entries {
            guard info.begin == expected else {
                throw .invalidOffsets(name, info.begin < expected
                    ? "bytes \(info.begin)..<\(info.end) overlap the previous tensor (which ends at \(expected))"
                    : "bytes \(info.begin)..<\(info.end) leave a gap after offset \(expected)")
            }
            expected = info.end
        }
        guard expected == dataCount else {
            throw expected > dataCount
                ? .truncated("the tensors need \(expected) data bytes but the file has \(dataCount)")
                : .invalidOffsets(entries.last?.name ?? "", "\(dataCount - expected) bytes after the last tensor belong to none")
        }
        var tensors: [(name: String, tensor: Tensor)] = []
        for (name, info) in entries {
            let values = info.dtype.decode(bytes, from: dataStart + info.begin, count: info.elementCount)
            do {
                tensors.append((name, try Tensor(shape: info.shape, data: values)))
            } catch {
                throw .invalidTensor(name, "\(error)")
            }
        }
        return SafeTensors(tensors: tensors, metadata: metadata)
    }
}

/// What the header says about one tensor, checked.
struct TensorInfo {
    let dtype: SafeTensorsDType
    let shape: [Int]
    let begin: Int
    let end: Int
    let elementCount: Int

    init(name: String, raw: Any) throws(SafeTensorsError) {
        guard let fields = raw as? [String: Any] else { throw .invalidTensor(name, "its entry is not an object") }
        guard let dtypeValue = fields["dtype"] else { throw .invalidTensor(name, "dtype is missing") }
        guard let dtypeName = dtypeValue as? String else { throw .invalidTensor(name, "dtype must be a string such as \"F32\"") }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw .unsupportedDType(name, dtypeName)
        }
        guard let shapeValues = fields["shape"] as? [Any] else { throw .invalidTensor(name, "shape is missing") }
        var shape: [Int] = []
        var count = 1
        for value in shapeValues {
            guard let number = value as? NSNumber, let dim = Int(exactly: number.doubleValue), dim >= 0 else {
                throw .invalidTensor(name, "shape must be a list of non-negative integers")
            }
            shape.append(dim)
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            guard !overflow else { throw .invalidTensor(name, "shape \(shapeValues) is too large") }
            count = product
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
              let b = (offsets[0] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }),
              let e = (offsets[1] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }), b >= 0, e >= b else {
            throw .invalidTensor(name, "data_offsets must be two non-negative integers [begin, end] with begin <= end")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, bytes == e - b else {
            throw .invalidTensor(name, "shape \(shape) of \(dtypeName) needs \(overflow ? "too many" : String(bytes)) bytes but data_offsets span \(e - b)")
        }
        self.dtype = dtype
        self.shape = shape
        self.begin = b
        self.end = e
        self.elementCount = count
    }
}

/// The element types opslab reads; everything becomes float32.
enum SafeTensorsDType: String {
    case f32 = "F32", f64 = "F64", f16 = "F16", bf16 = "BF16", i64 = "I64", i32 = "I32", i8 = "I8", u8 = "U8", bool = "BOOL"

    var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    func decode(_ bytes: [UInt8], from start: Int, count: Int) -> [Float] {
        func word(_ at: Int, _ width: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<width { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            return v
        }
        return (0..<count).map { i in
            let at = start + i * size
            switch self {
            case .f32: return Float(bitPattern: UInt32(word(at, 4)))
            case .f64: return Float(Double(bitPattern: word(at, 8)))
            case .f16: return Float(Float16(bitPattern: UInt16(word(at, 2))))
            case .bf16: return Float(bitPattern: UInt32(word(at, 2)) << 16)
            case .i64: return Float(Int64(bitPattern: word(at, 8)))
            case .i32: return Float(Int32(bitPattern: UInt32(word(at, 4))))
            case .i8: return Float(Int8(bitPattern: bytes[at]))
            case .u8: return Float(bytes[at])
            case .bool: return bytes[at] == 0 ? 0 : 1
            }
        }
    }
}

/// Why a safetensors file was refused.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    case io(String)
    case truncated(String)
    case headerTooLarge(UInt64)
    case invalidHeader(String)
    case invalidTensor(String, String)
    case invalidOffsets(String, String)
    case unsupportedDType(String, String)

    public var description: String {
        switch self {
        case .io(let why): return why
        case .truncated(let why): return "truncated safetensors file: \(why)"
        case .headerTooLarge(let n): return "safetensors header of \(n) bytes is larger than the \(SafeTensors.maxHeaderBytes)-byte limit (corrupt file?)"
        case .invalidHeader(let why): return "invalid safetensors header: \(why)"
        case .invalidTensor(let name, let why): return "tensor \"\(name)\": \(why)"
        case .invalidOffsets(let name, let why): return "tensor \"\(name)\": \(why)"
        case .unsupportedDType(let name, let dtype): return "tensor \"\(name)\": unsupported dtype \(dtype)"
        }
    }
}
