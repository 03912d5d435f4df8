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

/// An aligned, reference-counted float32 buffer.
final class Storage {
    /// 64-byte aligned so that SIMD loads of a fresh tensor never straddle a
    /// cache line at the start.
    let data: UnsafeMutablePointer<Float>
    /// Number of floats the buffer holds.
    let count: Int
    /// Bumped by every in-place write; autograd compares it with the value it
    /// recorded when it saved a tensor for backward.
    var version: Int = 0

    /// Small tensors skip the limit lookup (it takes a lock) because they
    /// cannot be absurd; the check matters only for big requests.
    private static let uncheckedCount = 1 << 20

    /// Allocates `count` uninitialised floats.
    init(count: Int, op: String) throws {
        guard count >= 0 else {
            throw TensorError(.allocation, op, "negative element count \(count)")
        }
        if count > Storage.uncheckedCount {
            let limit = TensorLimits.maxElements
            if count > limit {
                throw TensorError(.allocation, op,
                    "tensor of \(count) elements exceeds the limit of \(limit) elements")
            }
        }
        var raw: UnsafeMutableRawPointer? = nil
        // Allocate at least one float so that data is never null and empty
        // tensors need no special case.
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            throw TensorError(.allocation, op,
                "cannot allocate \(count) floats (\(bytes) bytes)")
        }
        data = raw.bindMemory(to: Float.self, capacity: Swift.max(count, 1))
        self.count = count
    }

    /// Allocates `count` floats set to `value`.
    convenience init(count: Int, repeating value: Float, op: String) throws {
        try self.init(count: count, op: op)
        if value == 0 && value.sign == .plus {
            memset(data, 0, count * MemoryLayout<Float>.stride)
        } else {
            data.update(repeating: value, count: count)
        }
    }

    deinit { free(data) }
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
