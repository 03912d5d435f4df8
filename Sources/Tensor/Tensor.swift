// The Tensor class: a strided view of a Storage plus autograd bookkeeping.
//
// Tensor is a final class so that it has reference semantics like a torch
// tensor: parameters are shared between a model and its optimizer, and
// in-place updates are seen by everyone holding the tensor. The geometry
// (shape, strides, offset) is immutable; only the data (through in-place
// ops), the gradient and the autograd links change.
//
// Conventions of the Swift API: dims and indices are 0-based, negative ones
// count from the end, and ranges are half-open (`slice(dim, 2, 5)` takes
// elements 2, 3, 4). The Lua binding converts from Lua's 1-based, inclusive
// conventions.

/// An n-dimensional array of float32 values with reverse-mode autodiff.
///
/// Create tensors with the static factories (`Tensor.zeros`, `Tensor.randn`,
/// `Tensor(shape:data:)`, ...), combine them with the operations of the
/// `Tensor+*.swift` extensions, and call `backward()` on a scalar result to
/// fill `grad` of every leaf that `requiresGrad`.
public final class Tensor {
    let storage: Storage
    /// Sizes of the dims, outermost first. `[]` for a 0-d (scalar) tensor.
    public let shape: [Int]
    /// Distance in elements between neighbours along each dim (0 for
    /// expanded dims).
    public let strides: [Int]
    /// Index in the underlying storage of the first element.
    public let storageOffset: Int
    /// Number of elements (product of `shape`).
    public let count: Int
    /// Whether the elements lie densely in row-major order, so that kernels
    /// can walk them with one pointer.
    public let isContiguous: Bool
    /// True for tensors made by a view op (reshape without copy, transpose,
    /// slice, expand, detach, ...): they share storage with another tensor.
    let isView: Bool

    var requiresGradFlag: Bool
    /// The node that computes this tensor's gradient inputs, nil for leaves.
    var gradFn: Node?
    var gradStore: Tensor?

    init(storage: Storage, shape: [Int], strides: [Int], offset: Int,
         count: Int, isView: Bool) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.storageOffset = offset
        self.count = count
        self.isView = isView
        self.requiresGradFlag = false
        var contiguous = true
        var expected = 1
        var i = shape.count - 1
        while i >= 0 {
            if shape[i] != 1 && strides[i] != expected { contiguous = false; break }
            expected &*= shape[i]
            i -= 1
        }
        self.isContiguous = contiguous || count == 0
    }

    /// A fresh contiguous tensor over a new storage.
    convenience init(storage: Storage, shape: [Int]) {
        self.init(storage: storage, shape: shape, strides: contiguousStrides(shape),
                  offset: 0, count: storage.count, isView: false)
    }

    /// Allocates an uninitialised contiguous tensor; callers fill every element.
    static func uninitialized(_ shape: [Int], op: String) throws -> Tensor {
        let n = try checkedNumel(shape, op: op)
        return Tensor(storage: try Storage.make(count: n, op: op), shape: shape)
    }

    /// Allocates without re-validating a shape that came from an existing tensor.
    @inline(__always)
    static func uninitialized(knownShape shape: [Int], count: Int, op: String) throws -> Tensor {
        Tensor(storage: try Storage.make(count: count, op: op), shape: shape)
    }

    /// Pointer to the first element (storage plus offset).
    @inline(__always)
    var base: UnsafeMutablePointer<Float> { storage.data + storageOffset }

    // MARK: - Public properties

    /// Number of dims.
    public var ndim: Int { shape.count }

    /// Size of dim `d` (negative counts from the end).
    public func size(_ d: Int) throws -> Int {
        shape[try normDim(d, shape.count, "size")]
    }

    /// Whether operations on this tensor are recorded for `backward()`.
    public var requiresGrad: Bool { requiresGradFlag }

    /// True for tensors not produced by a recorded operation (created by
    /// the user, or results computed without grad).
    public var isLeaf: Bool { gradFn == nil }

    /// The accumulated gradient, filled by `backward()` for leaves that
    /// require grad. Use `zeroGrad()` to reset, `setGrad(_:)` to replace.
    public var grad: Tensor? { gradStore }

    /// Name of the backward node that produced this tensor, e.g.
    /// `"AddBackward0"`, or nil for leaves.
    public var gradFnName: String? { gradFn?.name }

    /// Number of in-place writes to this tensor's storage so far.
    public var version: Int { storage.version }

    /// Whether `self` and `other` view the same storage.
    public func sharesStorage(with other: Tensor) -> Bool { storage === other.storage }

    // MARK: - Element access

    /// The elements in row-major order (copied).
    public func toArray() -> [Float] {
        if count == 0 { return [] }
        if isContiguous {
            return Array(UnsafeBufferPointer(start: base, count: count))
        }
        return [Float](unsafeUninitializedCapacity: count) { buf, n in
            copyStrided(from: base, strides: strides, shape: shape,
                        to: buf.baseAddress!, dstStrides: contiguousStrides(shape))
            n = count
        }
    }

    /// The single value of a one-element tensor.
    public func item() throws -> Float {
        guard count == 1 else {
            throw TensorError.shape("item", "only one-element tensors can be converted to a number, got shape \(fmt(shape))")
        }
        return base[0]
    }

    /// Storage position of the element at `indices` (one per dim, negative
    /// counts from the end).
    func elementOffset(_ indices: [Int], op: String) throws -> Int {
        guard indices.count == shape.count else {
            throw TensorError.index(op, "expected \(shape.count) indices for shape \(fmt(shape)), got \(indices.count)")
        }
        var off = storageOffset
        for (d, i) in indices.enumerated() {
            var j = i
            if j < 0 { j += shape[d] }
            guard j >= 0 && j < shape[d] else {
                throw TensorError.index(op, "index \(index: i) is out of range for dim \(dim: d) of size \(shape[d]) (shape \(fmt(shape)))")
            }
            off += j * strides[d]
        }
        return off
    }

    /// The element at `indices` (0-based; negative counts from the end).
    public func value(at indices: [Int]) throws -> Float {
        storage.data[try elementOffset(indices, op: "value")]
    }

    /// Writes one element in place (0-based indices). Subject to the same
    /// autograd rules as the other in-place ops.
    public func setValue(_ value: Float, at indices: [Int]) throws {
        let off = try elementOffset(indices, op: "setValue")
        try checkInPlaceAllowed("setValue")
        storage.data[off] = value
        storage.version &+= 1
    }

    /// Calls `body` with the elements in row-major order, copying only when
    /// the tensor is not contiguous.
    public func withContiguousBuffer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) throws -> R {
        let c = try contiguousRaw()
        return try body(UnsafeBufferPointer(start: c.base, count: c.count))
    }
}

// MARK: - Dim helpers

/// Wraps a possibly negative dim into `0..<ndim`. A 0-d tensor accepts 0
/// and -1, as in PyTorch.
@inline(__always)
func normDim(_ d: Int, _ ndim: Int, _ op: String) throws -> Int {
    let n = Swift.max(ndim, 1)
    let w = d < 0 ? d + n : d
    guard w >= 0 && w < n else {
        throw TensorError.dim(op, "dim \(dim: d) is out of range for a tensor with \(ndim) dims (expected \(validDimsOf: n))")
    }
    return w
}

/// Normalises a list of dims, rejecting repeats. nil means all dims.
func normDims(_ dims: [Int]?, _ ndim: Int, _ op: String) throws -> [Int] {
    guard let dims else { return Array(0..<ndim) }
    var seen = [Bool](repeating: false, count: Swift.max(ndim, 1))
    var out: [Int] = []
    out.reserveCapacity(dims.count)
    for d in dims {
        let w = try normDim(d, ndim, op)
        if seen[w] { throw TensorError.dim(op, "dim \(dim: d) appears more than once") }
        seen[w] = true
        out.append(w)
    }
    if ndim == 0 { return [] }
    return out.sorted()
}
