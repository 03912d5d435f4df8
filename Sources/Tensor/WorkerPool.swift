// The threads behind Parallel.chunks.
//
// DispatchQueue.concurrentPerform wakes a sleeping worker on every call, and
// on a small VM that took 10-15 us: as long as the whole of a 2^17-float add,
// so splitting a mid-size kernel across two cores made it slower, and a
// 2^20-float add gained a third instead of half. These workers stay awake
// for a short while after each job, yielding the CPU on every turn (so that
// BLAS threads or anything else that needs the core gets it at once), and
// pick up a kernel that follows within about a microsecond; only after
// `spinNanoseconds` without work do they sleep on a condition variable. The
// caller claims parts of its own job like any worker, so a worker that is
// slow to wake costs nothing but its share: the caller does that part too.
//
// A job is a `Job` object with its own counters, published through
// `current`. A worker announces itself in `inside` before it reads
// `current`, and the caller clears `current` and waits for `inside` to drop
// to zero before it lets the job go, so no worker ever reads a freed job.

import Foundation
import Synchronization

final class WorkerPool: @unchecked Sendable {
    /// The pool of `Parallel.cores - 1` workers (the caller is the last).
    static let shared = WorkerPool(workers: Parallel.cores - 1)

    /// How long an idle worker keeps looking for the next job before it sleeps.
    static let spinNanoseconds: UInt64 = 200_000

    /// One call of `run`: `parts` parts, claimed in any order by any thread.
    private final class Job {
        let parts: Int
        let body: (Int) -> Void
        /// The next part to hand out (may run past `parts`).
        let next = Atomic<Int>(0)
        /// Parts not yet finished.
        let unfinished: Atomic<Int>

        init(parts: Int, body: @escaping (Int) -> Void) {
            self.parts = parts
            self.body = body
            unfinished = Atomic(parts)
        }

        /// Runs parts until none are left to claim.
        func work() {
            while true {
                let part = next.add(1, ordering: .relaxed).oldValue
                if part >= parts { return }
                body(part)
                unfinished.subtract(1, ordering: .releasing)
            }
        }
    }

    private let workers: Int
    /// Whether a job is running; a second caller (another thread, or a
    /// kernel called from inside a part) runs its parts itself.
    private let busy = Atomic<Bool>(false)
    /// Bumped for every job, so that idle workers notice one.
    private let generation = Atomic<Int>(0)
    /// The running job's address, or 0.
    private let current = Atomic<Int>(0)
    /// Workers between announcing themselves and leaving a job.
    private let inside = Atomic<Int>(0)
    /// Workers asleep on `wakeUp` (or about to be).
    private let sleepers = Atomic<Int>(0)
    private let wakeUp = NSCondition()
    private let startThreads = Mutex(false)

    init(workers: Int) {
        self.workers = Swift.max(0, workers)
    }

    /// Calls `body(part)` for every part in `0..<parts`, spread over the
    /// workers and the calling thread; returns when all have finished.
    func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 || workers == 0
            || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for part in 0..<parts { body(part) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        startIfNeeded()
        withoutActuallyEscaping(body) { body in
            let job = Job(parts: parts, body: body)
            withExtendedLifetime(job) {
                current.store(Int(bitPattern: Unmanaged.passUnretained(job).toOpaque()),
                              ordering: .sequentiallyConsistent)
                generation.add(1, ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    wakeUp.lock()
                    wakeUp.broadcast()
                    wakeUp.unlock()
                }
                job.work()
                while job.unfinished.load(ordering: .acquiring) > 0 { sched_yield() }
                current.store(0, ordering: .sequentiallyConsistent)
                while inside.load(ordering: .sequentiallyConsistent) > 0 { sched_yield() }
            }
        }
    }

    private func startIfNeeded() {
        startThreads.withLock { started in
            if started { return }
            started = true
            // A thread may start after the first job is published; it must
            // still see that job as new.
            let before = generation.load(ordering: .acquiring)
            for i in 0..<workers {
                // Named from inside: on Linux a name set before start is
                // not given to the system thread (top and perf show this one).
                let name = "opslab-tensor-\(i + 1)"
                Thread { [self] in
                    Thread.current.name = name
                    workerLoop(seen: before)
                }.start()
            }
        }
    }

    private func workerLoop(seen start: Int) {
        var seen = start
        while true {
            waitForJob(after: &seen)
            inside.add(1, ordering: .sequentiallyConsistent)
            let address = current.load(ordering: .sequentiallyConsistent)
            if let raw = UnsafeRawPointer(bitPattern: address) {
                // No retain: the caller keeps the job alive until `inside`
                // is back to zero.
                Unmanaged<Job>.fromOpaque(raw)._withUnsafeGuaranteedRef { $0.work() }
            }
            inside.subtract(1, ordering: .sequentiallyConsistent)
        }
    }

    /// Returns once `generation` differs from `seen` (and updates `seen`):
    /// yielding turns first, then asleep.
    private func waitForJob(after seen: inout Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        while DispatchTime.now().uptimeNanoseconds - start < WorkerPool.spinNanoseconds {
            let g = generation.load(ordering: .acquiring)
            if g != seen { seen = g; return }
            sched_yield()
        }
        wakeUp.lock()
        sleepers.add(1, ordering: .sequentiallyConsistent)
        while generation.load(ordering: .sequentiallyConsistent) == seen { wakeUp.wait() }
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
        wakeUp.unlock()
        seen = generation.load(ordering: .acquiring)
    }
}
