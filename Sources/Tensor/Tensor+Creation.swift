// Making tensors: from Swift arrays, nested literals, and the usual
// factories (zeros, ones, full, eye, arange, linspace, *Like).
//
// Every size that comes from a user passes through checkedNumel, so
// `Tensor.zeros([-1])` or `Tensor.zeros([1 << 40, 1 << 40])` throws instead
// of trapping on overflow or asking for terabytes.

import Foundation

/// A nested list of numbers, for building tensors from literals:
/// `try Tensor(nested: [[1, 2], [3, 4]])`. The Lua binding builds one of
/// these from a nested Lua table.
public indirect enum NestedData: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
                                 ExpressibleByArrayLiteral, Sendable {
    /// A single number (a leaf of the nesting).
    case scalar(Float)
    /// A list of equally shaped sub-lists or numbers.
    case list([NestedData])

    /// A scalar from a float literal.
    public init(floatLiteral value: Float) { self = .scalar(value) }
    /// A scalar from an integer literal.
    public init(integerLiteral value: Int) { self = .scalar(Float(value)) }
    /// A list from an array literal.
    public init(arrayLiteral elements: NestedData...) { self = .list(elements) }
}

extension Tensor {
    // MARK: - From data

    /// A 0-d tensor holding `value`.
    public convenience init(scalar value: Float) throws {
        let s = try Storage.make(count: 1, op: "tensor")
        s.data[0] = value
        self.init(storage: s, shape: [])
    }

    /// A 1-d tensor of the given values.
    public convenience init(_ values: [Float]) throws {
        try self.init(shape: [values.count], data: values)
    }

    /// A 2-d tensor from rows of equal length.
    public convenience init(_ rows: [[Float]]) throws {
        let cols = rows.first?.count ?? 0
        for (i, r) in rows.enumerated() where r.count != cols {
            throw TensorError.shape("tensor", "row \(i) has \(r.count) elements, expected \(cols) like row 0")
        }
        try self.init(shape: [rows.count, cols], data: rows.flatMap { $0 })
    }

    /// A tensor of `shape` filled row-major from `data`, whose length must
    /// equal the product of `shape`.
    public convenience init(shape: [Int], data: [Float]) throws {
        let n = try checkedNumel(shape, op: "tensor")
        guard n == data.count else {
            throw TensorError.shape("tensor", "shape \(fmt(shape)) needs \(n) values, got \(data.count)")
        }
        let s = try Storage.make(count: n, op: "tensor")
        data.withUnsafeBufferPointer { buf in
            if let b = buf.baseAddress { s.data.update(from: b, count: n) }
        }
        self.init(storage: s, shape: shape)
    }

    /// A tensor from nested lists; every list at one depth must have the
    /// same length (ragged input throws).
    public convenience init(nested: NestedData) throws {
        var shape: [Int] = []
        var probe = nested
        while case .list(let items) = probe {
            shape.append(items.count)
            guard let first = items.first else { break }
            probe = first
        }
        var flat: [Float] = []
        flat.reserveCapacity(try checkedNumel(shape, op: "tensor"))
        // Explicit stack: deep nesting from a hostile Lua table must not
        // overflow the Swift stack.
        var stack: [(NestedData, Int)] = [(nested, 0)]
        while let (node, depth) = stack.popLast() {
            switch node {
            case .scalar(let v):
                guard depth == shape.count else {
                    throw TensorError.shape("tensor", "ragged nested data: a number at depth \(depth), expected lists down to depth \(shape.count)")
                }
                flat.append(v)
            case .list(let items):
                guard depth < shape.count, items.count == shape[depth] else {
                    throw TensorError.shape("tensor", "ragged nested data: a list of \(items.count) at depth \(depth), expected shape \(fmt(shape))")
                }
                for item in items.reversed() { stack.append((item, depth + 1)) }
            }
        }
        try self.init(shape: shape, data: flat)
    }

    // MARK: - Factories

    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) throws -> Tensor {
        let n = try checkedNumel(shape, op: "full")
        let t = Tensor(storage: try Storage.make(count: n, repeating: value, op: "full"), shape: shape)
        t.requiresGradFlag = requiresGrad
        return t
    }

    /// A tensor of `shape` filled with zeros.
    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) throws -> Tensor {
        try full(shape, 0, requiresGrad: requiresGrad)
    }

    /// A tensor of `shape` filled with ones.
    public static func ones(_ shape: [Int], requiresGrad: Bool = false) throws -> Tensor {
        try full(shape, 1, requiresGrad: requiresGrad)
    }

    /// An `n` x `m` matrix with ones on the diagonal (`m` defaults to `n`).
    public static func eye(_ n: Int, _ m: Int? = nil) throws -> Tensor {
        let cols = m ?? n
        let t = try zeros([n, cols])
        for i in 0..<Swift.min(n, cols) { t.base[i * cols + i] = 1 }
        return t
    }

    /// Values from `start` up to but excluding `end`, `step` apart.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) throws -> Tensor {
        guard start.isFinite && end.isFinite && step.isFinite else {
            throw TensorError.arg("arange", "start, end and step must be finite (got \(start), \(end), \(step))")
        }
        guard step != 0 else { throw TensorError.arg("arange", "step must be nonzero") }
        guard (end - start) * step >= 0 || start == end else {
            throw TensorError.arg("arange", "step \(step) goes away from the end: start \(start), end \(end)")
        }
        let len = (Double(end) - Double(start)) / Double(step)
        guard len < Double(Int.max / 2) else {
            throw TensorError(.allocation, "arange", "\(len) elements is too many")
        }
        let n = Int(len.rounded(.up))
        let t = try uninitialized([n], op: "arange")
        for i in 0..<n { t.base[i] = Float(Double(start) + Double(i) * Double(step)) }
        return t
    }

    /// 0, 1, ..., end-1.
    public static func arange(_ end: Float) throws -> Tensor {
        try arange(0, end)
    }

    /// `steps` evenly spaced values from `start` to `end` inclusive.
    public static func linspace(_ start: Float, _ end: Float, steps: Int) throws -> Tensor {
        guard steps >= 0 else { throw TensorError.arg("linspace", "number of steps must be non-negative, got \(steps)") }
        let t = try uninitialized([steps], op: "linspace")
        if steps == 1 { t.base[0] = start }
        if steps > 1 {
            let step = (Double(end) - Double(start)) / Double(steps - 1)
            // Fill the halves from each end, like PyTorch, so the last
            // value is exactly `end`.
            let half = steps / 2
            for i in 0..<steps {
                t.base[i] = i < half
                    ? Float(Double(start) + step * Double(i))
                    : Float(Double(end) - step * Double(steps - 1 - i))
            }
        }
        return t
    }

    /// Zeros shaped like `other`.
    public static func zerosLike(_ other: Tensor) throws -> Tensor { try zeros(other.shape) }
    /// Ones shaped like `other`.
    public static func onesLike(_ other: Tensor) throws -> Tensor { try ones(other.shape) }
    /// `value` everywhere, shaped like `other`.
    public static func fullLike(_ other: Tensor, _ value: Float) throws -> Tensor { try full(other.shape, value) }

    // MARK: - Copies

    /// A contiguous copy with its own storage; gradients flow back unchanged.
    public func clone() throws -> Tensor {
        let out = try cloneRaw()
        if needsRecording {
            out.record("CloneBackward0", inputs: [self]) { ctx in [ctx.grad] }
        }
        return out
    }

    /// `self` if already contiguous, otherwise a contiguous copy (recorded,
    /// so gradients flow back).
    public func contiguous() throws -> Tensor {
        if isContiguous { return self }
        return try clone()
    }
}
