// Splitting large kernels across cores.
//
// Elementwise ops and reductions over a few million floats are memory bound
// on one core; two cores nearly double the bandwidth a kernel can use. Small
// tensors stay on the calling thread: a dispatch costs microseconds, which
// would dwarf the per-op overhead we aim for.

import Dispatch
import Foundation

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
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: parts) { t in
                let lo = n * t / parts
                let hi = n * (t + 1) / parts
                box.value(lo, hi)
            }
        }
    }
}

/// Carries a non-Sendable value into a concurrent closure. Safe here because
/// the callers hand each worker a disjoint range of the output.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
