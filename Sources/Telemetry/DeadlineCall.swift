// Running blocking work under a deadline, and the small lock used across the
// module for shared mutable state.
//
// Why threads and not Swift tasks: the work that needs a deadline is a
// blocking system call that may never return (statvfs on a dead NFS server, a
// read from a wedged driver, a plugin stuck in a loop). A hung call pins its
// thread. On the cooperative pool that would be one of only a few threads per
// core, and a handful of hung mounts would starve every async task in the
// process. A dedicated thread costs a little memory, can be abandoned when the
// deadline passes, and returns its result into a box nobody reads any more.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A value guarded by a lock; the module's one tool for shared mutable state.
///
/// `@unchecked Sendable` because the lock, not the type system, serialises access.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    /// Wraps `value`.
    public init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value and returns its result.
    @discardableResult
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }

    /// A copy of the current value.
    public var current: Value { withLock { $0 } }
}

/// How a call run under a deadline ended.
public enum DeadlineOutcome<Value: Sendable>: Sendable {
    /// The body returned a value before the deadline.
    case returned(Value)
    /// The body threw before the deadline.
    case threw(any Error)
    /// The deadline passed first; the body's thread was abandoned and whatever
    /// it eventually produces is dropped.
    case timedOut
}

/// Blocking work started on its own thread, whose result can be awaited
/// with a deadline; starting and waiting are split so that many calls (one
/// statvfs per mount) run at once and share one budget.
public final class DeadlineTask<Value: Sendable>: Sendable {
    private let box = Locked<DeadlineOutcome<Value>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// Starts `body` on a new thread named `name`.
    public init(name: String = "opslab.deadline", _ body: @escaping @Sendable () throws -> Value) {
        let box = self.box
        let done = self.done
        let thread = Thread {
            let outcome: DeadlineOutcome<Value>
            do { outcome = .returned(try body()) } catch { outcome = .threw(error) }
            box.withLock { $0 = outcome }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits until the body finishes or `deadline` passes, whichever is first.
    /// May be called again after a timeout; a finished task keeps its outcome.
    public func wait(until deadline: Deadline) -> DeadlineOutcome<Value> {
        if let outcome = box.current { return outcome }
        // DispatchTime takes integer nanoseconds; cap the wait at a day so
        // that a "distant" deadline cannot overflow the conversion.
        let seconds = min(deadline.remaining, 86_400)
        if done.wait(timeout: .now() + .nanoseconds(Int(seconds * 1e9))) == .success {
            done.signal()  // leave the semaphore signalled for later waiters
        }
        return box.current ?? .timedOut
    }
}

/// Runs `body` on a new thread and waits for it until `deadline`.
///
/// The calling thread never waits past the deadline. A body that does not
/// return keeps its thread (there is no safe way to kill a thread blocked in
/// the kernel); callers that may start the same hanging work again should
/// remember that it is still outstanding and not pile up threads — see
/// `OutstandingWork`.
public func runWithDeadline<Value: Sendable>(
    _ deadline: Deadline,
    name: String = "opslab.deadline",
    _ body: @escaping @Sendable () throws -> Value
) -> DeadlineOutcome<Value> {
    DeadlineTask(name: name, body).wait(until: deadline)
}

/// Keys of work started under a deadline that has not come back yet.
///
/// A mount that hung once will usually hang again; starting a new thread for
/// it every pass would leak one thread per pass. Callers mark a key when its
/// work times out, skip keys still marked, and the abandoned thread clears
/// its mark when it finally returns.
public final class OutstandingWork: Sendable {
    private let keys = Locked<Set<String>>([])

    /// Creates an empty tracker.
    public init() {}

    /// True when work for `key` was abandoned and has not finished yet.
    public func isOutstanding(_ key: String) -> Bool {
        keys.withLock { $0.contains(key) }
    }

    /// The keys currently outstanding, sorted.
    public var outstanding: [String] { keys.withLock { $0.sorted() } }

    /// Starts `body` for `key` unless earlier work for `key` is still
    /// outstanding (then returns nil and starts nothing). The key stays marked
    /// until the body returns, however long the caller waits.
    public func start<Value: Sendable>(
        _ key: String, _ body: @escaping @Sendable () throws -> Value
    ) -> DeadlineTask<Value>? {
        let started: Bool = keys.withLock { set in set.insert(key).inserted }
        guard started else { return nil }
        let keys = self.keys
        return DeadlineTask(name: "opslab.\(key)") { () throws -> Value in
            // Whoever finishes the body clears the mark, whether or not anyone
            // is still waiting for the result.
            defer { keys.withLock { _ = $0.remove(key) } }
            return try body()
        }
    }

    /// Runs `body` for `key` under `deadline`. When it times out the key stays
    /// marked until the body returns; while marked, further calls return
    /// `.timedOut` at once without starting anything.
    public func run<Value: Sendable>(
        _ key: String, deadline: Deadline, _ body: @escaping @Sendable () throws -> Value
    ) -> DeadlineOutcome<Value> {
        guard let task = start(key, body) else { return .timedOut }
        return task.wait(until: deadline)
    }
}
