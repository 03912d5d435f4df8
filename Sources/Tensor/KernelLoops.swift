// How kernels walk memory: strided (and broadcast) operands, and large
// ranges split across cores.
//
// Every kernel that cannot take a contiguous fast path goes through the
// strided plan. It drops size-1 dims and merges neighbouring dims that are
// laid out contiguously for *all* operands, so that e.g. adding a [64, 1000]
// tensor and a [1000] row runs 64 inner loops of 1000 elements, and the
// kernel sees the innermost strides so it can special-case stride 1 and
// stride 0.
//
// Elementwise ops and reductions over a few million floats are memory bound
// on one core; two cores nearly double the bandwidth a kernel can use, so
// `Parallel.chunks` splits big ranges over WorkerPool's threads. Small
// tensors stay on the calling thread: handing work over costs about a
// microsecond, which would dwarf the per-op overhead we aim for.

import Foundation

/// A collapsed iteration space for `k` operands.
struct StridedPlan {
    /// Collapsed sizes, outermost first; never contains a 1 (unless rank 0).
    var sizes: [Int]
    /// Strides of operand `j` along collapsed dim `d`: `strides[j * rank + d]`.
    var strides: [Int]
    /// Number of operands.
    let k: Int
    /// True when some size is 0: nothing to iterate.
    var isEmpty: Bool

    var rank: Int { sizes.count }

    init(shape: [Int], strides operandStrides: [[Int]]) {
        k = operandStrides.count
        isEmpty = shape.contains(0)
        var sz: [Int] = []
        var st: [[Int]] = Array(repeating: [], count: k)
        sz.reserveCapacity(shape.count)
        // Walk from innermost to outermost, merging where possible.
        var d = shape.count - 1
        while d >= 0 {
            let n = shape[d]
            if n != 1 {
                if let last = sz.last {
                    var mergeable = true
                    for j in 0..<k where operandStrides[j][d] != st[j].last! * last {
                        mergeable = false
                        break
                    }
                    if mergeable {
                        sz[sz.count - 1] = last * n
                        d -= 1
                        continue
                    }
                }
                sz.append(n)
                for j in 0..<k { st[j].append(operandStrides[j][d]) }
            }
            d -= 1
        }
        sizes = sz.reversed()
        let r = sizes.count
        var flat = [Int](repeating: 0, count: k * r)
        for j in 0..<k {
            for (i, s) in st[j].reversed().enumerated() { flat[j * r + i] = s }
        }
        strides = flat
    }
}

/// Calls `body(off0, off1, n, inc0, inc1)` once per innermost run.
@inline(__always)
func forEachRun2(_ plan: StridedPlan,
                 _ body: (Int, Int, Int, Int, Int) -> Void) {
    if plan.isEmpty { return }
    let r = plan.rank
    if r == 0 { body(0, 0, 1, 0, 0); return }
    let n = plan.sizes[r - 1]
    let i0 = plan.strides[r - 1], i1 = plan.strides[2 * r - 1]
    if r == 1 { body(0, 0, n, i0, i1); return }
    var idx = [Int](repeating: 0, count: r - 1)
    var o0 = 0, o1 = 0
    while true {
        body(o0, o1, n, i0, i1)
        var d = r - 2
        while d >= 0 {
            idx[d] += 1
            o0 += plan.strides[d]
            o1 += plan.strides[r + d]
            if idx[d] < plan.sizes[d] { break }
            o0 -= plan.strides[d] * plan.sizes[d]
            o1 -= plan.strides[r + d] * plan.sizes[d]
            idx[d] = 0
            d -= 1
        }
        if d < 0 { return }
    }
}

/// Calls `body(off0, off1, off2, n, inc0, inc1, inc2)` once per innermost run.
@inline(__always)
func forEachRun3(_ plan: StridedPlan,
                 _ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
    if plan.isEmpty { return }
    let r = plan.rank
    if r == 0 { body(0, 0, 0, 1, 0, 0, 0); return }
    let n = plan.sizes[r - 1]
    let i0 = plan.strides[r - 1], i1 = plan.strides[2 * r - 1], i2 = plan.strides[3 * r - 1]
    if r == 1 { body(0, 0, 0, n, i0, i1, i2); return }
    var idx = [Int](repeating: 0, count: r - 1)
    var o0 = 0, o1 = 0, o2 = 0
    while true {
        body(o0, o1, o2, n, i0, i1, i2)
        var d = r - 2
        while d >= 0 {
            idx[d] += 1
            o0 += plan.strides[d]
            o1 += plan.strides[r + d]
            o2 += plan.strides[2 * r + d]
            if idx[d] < plan.sizes[d] { break }
            let s = plan.sizes[d]
            o0 -= plan.strides[d] * s
            o1 -= plan.strides[r + d] * s
            o2 -= plan.strides[2 * r + d] * s
            idx[d] = 0
            d -= 1
        }
        if d < 0 { return }
    }
}

/// Copies the elements of a strided source into a strided destination of
/// the same shape. The caller guarantees the two do not overlap.
func copyStrided(from src: UnsafePointer<Float>, strides ss: [Int], shape: [Int],
                 to dst: UnsafeMutablePointer<Float>, dstStrides ds: [Int]) {
    let plan = StridedPlan(shape: shape, strides: [ds, ss])
    forEachRun2(plan) { od, os, n, id, is_ in
        let d = dst + od, s = src + os
        if id == 1 && is_ == 1 {
            d.update(from: s, count: n)
        } else if id == 1 && is_ == 0 {
            d.update(repeating: s[0], count: n)
        } else {
            var p = 0, q = 0
            for _ in 0..<n { d[p] = s[q]; p += id; q += is_ }
        }
    }
}

/// Strides that make `t` (of `shape`) readable as a tensor of `outShape`
/// under NumPy broadcasting: missing leading dims and size-1 dims get
/// stride 0. The shapes must already be known to broadcast.
@inline(__always)
func broadcastStrides(_ shape: [Int], _ strides: [Int], to outShape: [Int]) -> [Int] {
    let lead = outShape.count - shape.count
    var out = [Int](repeating: 0, count: outShape.count)
    for i in 0..<shape.count where shape[i] != 1 {
        out[lead + i] = strides[i]
    }
    return out
}

/// The NumPy broadcast of two shapes, or an error naming `op`.
func broadcastShapes(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
    if a == b { return a }
    let n = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let x = i < n - a.count ? 1 : a[i - (n - a.count)]
        let y = i < n - b.count ? 1 : b[i - (n - b.count)]
        if x == y || y == 1 {
            out[i] = x
        } else if x == 1 {
            out[i] = y
        } else {
            throw TensorError.shape(op, "shapes \(fmt(a)) and \(fmt(b)) cannot be broadcast (\(x) vs \(y) at dim \(dim: i - n))")
        }
    }
    return out
}

// MARK: - Parallel chunks

enum Parallel {
    /// Number of worker chunks a big kernel is split into: the active CPU
    /// count, or `OPSLAB_TENSOR_THREADS` when set (1 disables threading).
    static let cores: Int = {
        if let s = ProcessInfo.processInfo.environment["OPSLAB_TENSOR_THREADS"], let n = Int(s), n >= 1 {
            return Swift.min(n, 64)
        }
        return Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Below this many elements a kernel runs on the calling thread.
    static let grain = 1 << 16

    /// Calls `body(lo, hi)` on disjoint ranges covering `0..<n`, in parallel
    /// when `n` (scaled by `cost`, the relative work per element) is large.
    @inline(__always)
    static func chunks(_ n: Int, cost: Int = 1, enabled: Bool = true, _ body: (Int, Int) -> Void) {
        let work = n &* cost
        let parts = enabled ? Swift.min(cores, work / grain) : 1
        if parts <= 1 {
            body(0, n)
            return
        }
        WorkerPool.shared.run(parts: parts) { t in
            body(n * t / parts, n * (t + 1) / parts)
        }
    }
}
