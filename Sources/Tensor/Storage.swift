// Raw float32 buffers shared by a tensor and its views, and the checks that
// keep user-supplied sizes from turning into crashes.
//
// A Storage is the unit of aliasing: every view made by reshape, transpose,
// slice, expand or detach points at the same Storage with its own shape,
// strides and offset. The version counter lives here too, because an in-place
// write through any view changes what every other view (and every tensor that
// autograd saved) sees.

import Foundation

/// Allocation bounds, shared by the whole process.
public enum TensorLimits {
    private static let lock = NSLock()
    // Half the machine's memory, at most 2^32 elements: a bigger tensor is
    // a typo, and Linux would hand it out lazily and then kill the process.
    nonisolated(unsafe) private static var _maxElements =
        Swift.min(1 << 32, Swift.max(1 << 24, Int(ProcessInfo.processInfo.physicalMemory / 8)))

    /// The largest number of elements one tensor may hold (default: half of
    /// physical memory, at most 2^32). Larger requests throw `TensorError`
    /// of kind `.allocation` instead of asking the OS for memory it will not
    /// have.
    public static var maxElements: Int {
        get { lock.lock(); defer { lock.unlock() }; return _maxElements }
        set { lock.lock(); _maxElements = max(0, newValue); lock.unlock() }
    }
}

/// What a Storage records besides its floats.
struct StorageHeader {
    /// The first float: the object's own tail for small buffers, a separate
    /// cache-line aligned block for big ones.
    var data: UnsafeMutablePointer<Float>
    /// Number of floats the buffer holds.
    let count: Int
    /// Bumped by every in-place write.
    var version: Int
    /// Whether `data` is a separate block that deinit frees.
    let isSeparate: Bool
}

/// A reference-counted float32 buffer.
///
/// Small buffers live in the object itself (one allocation per tensor
/// instead of two, which matters when an op on a handful of floats costs
/// less than a malloc); big ones are a separate block aligned to 64 bytes,
/// so that SIMD loads of a fresh tensor never straddle a cache line at the
/// start, recycled through `BlockCache`.
final class Storage: ManagedBuffer<StorageHeader, Float> {
    // The accessors go through the header's address: `header` is a class
    // property, and every access to it would be checked for exclusivity at
    // run time, a cost paid on each op.

    /// Pointer to the first float; never null, even for an empty buffer.
    @inline(__always)
    var data: UnsafeMutablePointer<Float> { withUnsafeMutablePointerToHeader { $0.pointee.data } }
    /// Number of floats the buffer holds.
    @inline(__always)
    var count: Int { withUnsafeMutablePointerToHeader { $0.pointee.count } }
    /// Bumped by every in-place write; autograd compares it with the value it
    /// recorded when it saved a tensor for backward.
    @inline(__always)
    var version: Int {
        get { withUnsafeMutablePointerToHeader { $0.pointee.version } }
        set { withUnsafeMutablePointerToHeader { $0.pointee.version = newValue } }
    }

    /// Small tensors skip the limit lookup (it takes a lock) because they
    /// cannot be absurd; the check matters only for big requests.
    private static let uncheckedCount = 1 << 20

    /// Buffers up to this many floats are stored inline.
    private static let inlineCount = 1024

    /// Allocates `count` uninitialised floats.
    static func make(count: Int, op: String) throws -> Storage {
        guard count >= 0 else {
            throw TensorError(.allocation, op, "negative element count \(count)")
        }
        if count > uncheckedCount {
            let limit = TensorLimits.maxElements
            if count > limit {
                throw TensorError(.allocation, op,
                    "tensor of \(count) elements exceeds the limit of \(limit) elements")
            }
        }
        // At least one float, so that data is never null and empty tensors
        // need no special case.
        let n = Swift.max(count, 1)
        if n <= inlineCount {
            let buffer = Storage.create(minimumCapacity: n) { buffer in
                StorageHeader(data: buffer.withUnsafeMutablePointerToElements { $0 },
                              count: count, version: 0, isSeparate: false)
            }
            return unsafeDowncast(buffer, to: Storage.self)
        }
        let bytes = n * MemoryLayout<Float>.stride
        guard let raw = BlockCache.allocate(bytes) else {
            throw TensorError(.allocation, op,
                "cannot allocate \(count) floats (\(bytes) bytes)")
        }
        let data = raw.bindMemory(to: Float.self, capacity: n)
        let buffer = Storage.create(minimumCapacity: 0) { _ in
            StorageHeader(data: data, count: count, version: 0, isSeparate: true)
        }
        return unsafeDowncast(buffer, to: Storage.self)
    }

    /// Allocates `count` floats set to `value`.
    static func make(count: Int, repeating value: Float, op: String) throws -> Storage {
        let s = try make(count: count, op: op)
        if value == 0 && value.sign == .plus {
            memset(s.data, 0, count * MemoryLayout<Float>.stride)
        } else {
            s.data.update(repeating: value, count: count)
        }
        return s
    }

    deinit {
        withUnsafeMutablePointerToHeader {
            if $0.pointee.isSeparate {
                BlockCache.free(UnsafeMutableRawPointer($0.pointee.data),
                                bytes: Swift.max($0.pointee.count, 1) * MemoryLayout<Float>.stride)
            }
        }
    }
}

/// Number of elements of `shape`, or an error naming `op` when a size is
/// negative or the product overflows `Int`.
func checkedNumel(_ shape: [Int], op: String) throws -> Int {
    try checkRank(shape.count, op: op)
    var n = 1
    // The product of the nonzero sizes must fit too: kernels multiply
    // subsets of the dims, and [0, 2^40, 2^40] must not overflow there.
    var nonzero = 1
    for s in shape {
        guard s >= 0 else {
            throw TensorError.arg(op, "negative size \(s) in shape \(fmt(shape))")
        }
        let (p, o) = nonzero.multipliedReportingOverflow(by: Swift.max(s, 1))
        guard !o else {
            throw TensorError(.allocation, op, "shape \(fmt(shape)) has too many elements")
        }
        nonzero = p
        n = s == 0 ? 0 : n * s
    }
    // Views of a zero-size tensor may have huge other dims; only the
    // product matters for memory, but the product must still stay sane.
    if n > 1 << 20 {
        let limit = TensorLimits.maxElements
        if n > limit {
            throw TensorError(.allocation, op,
                "shape \(fmt(shape)) has \(n) elements, more than the limit of \(limit)")
        }
    }
    return n
}

/// Most dims a tensor may have. Deeper shapes are almost surely bugs, and
/// the cap bounds the recursion depth of printing.
let maxDims = 64

/// Throws when a shape would have more than `maxDims` dims.
@inline(__always)
func checkRank(_ rank: Int, op: String) throws {
    if rank > maxDims {
        throw TensorError.dim(op, "tensors may have at most \(maxDims) dims, got \(rank)")
    }
}

/// Row-major strides of `shape`.
@inline(__always)
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var acc = 1
    var i = shape.count - 1
    while i >= 0 {
        strides[i] = acc
        acc &*= Swift.max(shape[i], 1)
        i -= 1
    }
    return strides
}

/// Product of sizes, for shapes already validated.
@inline(__always)
func numelOf(_ shape: [Int]) -> Int {
    var n = 1
    for s in shape { n &*= s }
    return n
}
