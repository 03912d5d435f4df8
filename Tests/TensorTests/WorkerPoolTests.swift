// The thread pool behind Parallel.chunks: every part runs exactly once,
// workers really take parts, and nested or concurrent callers neither
// deadlock nor lose parts.

import Foundation
import Synchronization
import Testing
@testable import Tensor

@Suite struct WorkerPoolTests {
    /// A pool of its own, so that the tests do not depend on the machine's
    /// core count.
    static let pool = WorkerPool(workers: 3)

    @Test func everyPartRunsExactlyOnce() {
        for parts in [2, 3, 4, 7, 64] {
            let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: parts)
            defer { counts.deallocate() }
            counts.initialize(repeating: 0)
            let jobs = 2_000
            for _ in 0..<jobs {
                // Each part writes only its own slot.
                Self.pool.run(parts: parts) { part in counts[part] += 1 }
            }
            #expect(counts.allSatisfy { $0 == jobs }, "parts \(parts): \(Array(counts))")
        }
    }

    @Test func workersTakeParts() {
        // Part 0 waits until another thread is inside part 1, which only a
        // worker can be while the caller is held in part 0. A pool of its
        // own: a busy pool runs a second caller's parts on that caller.
        let pool = WorkerPool(workers: 1)
        let entered = Atomic<Int>(0)
        let deadline = Date().addingTimeInterval(30)
        var metPartner = true
        pool.run(parts: 2) { part in
            entered.add(1, ordering: .sequentiallyConsistent)
            if part == 0 {
                while entered.load(ordering: .sequentiallyConsistent) < 2 {
                    if Date() > deadline { metPartner = false; return }
                    sched_yield()
                }
            }
        }
        #expect(metPartner, "no worker took part 1 within 30 s")
    }

    @Test func nestedJobsRunOnTheirCaller() {
        let outer = 4, inner = 5
        let cells = UnsafeMutableBufferPointer<Int>.allocate(capacity: outer * inner)
        defer { cells.deallocate() }
        cells.initialize(repeating: 0)
        for _ in 0..<200 {
            Self.pool.run(parts: outer) { o in
                Self.pool.run(parts: inner) { i in cells[o * inner + i] += 1 }
            }
        }
        #expect(cells.allSatisfy { $0 == 200 })
    }

    @Test func concurrentCallersEachGetAllTheirParts() {
        let callers = 4, parts = 6, jobs = 500
        let cells = UnsafeMutableBufferPointer<Int>.allocate(capacity: callers * parts)
        defer { cells.deallocate() }
        cells.initialize(repeating: 0)
        let shared = UnsafeSendable(cells)
        DispatchQueue.concurrentPerform(iterations: callers) { c in
            for _ in 0..<jobs {
                Self.pool.run(parts: parts) { p in shared.value[c * parts + p] += 1 }
            }
        }
        #expect(cells.allSatisfy { $0 == jobs })
    }

    @Test func chunksCoverTheRangeOnce() throws {
        for n in [0, 1, 1 << 16, (1 << 17) + 3, (1 << 20) + 7] {
            let seen = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Swift.max(n, 1))
            defer { seen.deallocate() }
            seen.initialize(repeating: 0)
            Parallel.chunks(n) { lo, hi in for i in lo..<hi { seen[i] &+= 1 } }
            #expect(seen.prefix(n).allSatisfy { $0 == 1 }, "n = \(n)")
        }
    }
}

/// Hands a buffer to concurrent closures that write disjoint slots.
private struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
