// Clocks: wall time for sample timestamps and tick alignment, a monotonic
// clock for budgets and durations, and a manual clock for tests.
//
// Two kinds of time are kept apart on purpose. Timestamps and aligned ticks
// follow the wall clock, because they must line up with other hosts and with
// Prometheus. Budgets, timeouts and durations use CLOCK_MONOTONIC, because a
// wall-clock step (NTP, a VM resume) must not make a pass look negative or
// cut a collector off early.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Source of wall-clock time for timestamps and tick scheduling.
///
/// Inject a `ManualClock` to test scheduling without waiting.
public protocol TelemetryClock: Sendable {
    /// Seconds since the Unix epoch.
    func now() -> Double
    /// Blocks the calling thread until `now() >= time`, or returns early when
    /// `cancelled()` becomes true (checked at least every 100 ms).
    func sleep(until time: Double, cancelled: @Sendable () -> Bool)
}

extension TelemetryClock {
    /// Current time in whole milliseconds since the Unix epoch.
    public func nowMs() -> Int64 {
        let t = now()
        guard t.isFinite, abs(t) < 9e15 else { return 0 }
        return Int64((t * 1000).rounded(.down))
    }
}

/// The real wall clock (`clock_gettime(CLOCK_REALTIME)`).
public struct SystemClock: TelemetryClock {
    /// Creates the system clock.
    public init() {}

    /// Seconds since the Unix epoch.
    public func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Sleeps in slices of at most 100 ms so that cancellation is noticed promptly.
    public func sleep(until time: Double, cancelled: @Sendable () -> Bool) {
        while !cancelled() {
            let left = time - now()
            // `!(left > 0)` also catches NaN, which the conversion below would trap on.
            if !(left > 0) { return }
            usleep(useconds_t(min(left, 0.1) * 1_000_000))
        }
    }
}

/// A clock that moves only when told; `sleep(until:)` blocks until another
/// thread advances it far enough, which lets tests drive a scheduler loop.
public final class ManualClock: TelemetryClock, @unchecked Sendable {
    // Guarded by `condition`; @unchecked because the lock, not the compiler,
    // provides the synchronisation.
    private var current: Double
    private let condition = NSCondition()

    /// Creates a clock reading `start` seconds since the epoch.
    public init(start: Double = 1_700_000_000) { current = start }

    /// The current reading.
    public func now() -> Double {
        condition.lock(); defer { condition.unlock() }
        return current
    }

    /// Moves the clock forward by `seconds` (negative values are ignored: time
    /// never runs backwards here) and wakes sleepers.
    public func advance(by seconds: Double) {
        condition.lock()
        if seconds > 0 { current += seconds }
        condition.broadcast()
        condition.unlock()
    }

    /// Sets the clock to `time` if that is later than now, and wakes sleepers.
    public func set(_ time: Double) {
        condition.lock()
        if time > current { current = time }
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until the clock reaches `time` or `cancelled()` is true.
    public func sleep(until time: Double, cancelled: @Sendable () -> Bool) {
        condition.lock(); defer { condition.unlock() }
        while current < time && !cancelled() {
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
        }
    }
}

/// A point on the monotonic clock, in nanoseconds since an arbitrary origin.
public struct MonotonicInstant: Comparable, Hashable, Sendable {
    /// Nanoseconds since the monotonic clock's origin (boot, on Linux).
    public var nanoseconds: UInt64

    /// Wraps a raw reading.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The reading in seconds, for measuring durations by subtraction.
    public var seconds: Double { Double(nanoseconds) * 1e-9 }

    /// The current monotonic time.
    public static func now() -> MonotonicInstant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return MonotonicInstant(nanoseconds: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
    }

    /// This instant moved by `seconds` (clamped to the representable range).
    public func advanced(by seconds: Double) -> MonotonicInstant {
        guard seconds.isFinite else {
            return MonotonicInstant(nanoseconds: seconds > 0 ? UInt64.max : 0)
        }
        // Saturating arithmetic throughout: Double rounding can make a
        // bound check pass by a few nanoseconds, and UInt64 traps on overflow.
        let magnitude = min(abs(seconds * 1e9), 1.8e19)  // below 2^64, so the conversion is exact-safe
        let step = UInt64(magnitude)
        if seconds >= 0 {
            let (sum, overflow) = nanoseconds.addingReportingOverflow(step)
            return MonotonicInstant(nanoseconds: overflow ? UInt64.max : sum)
        }
        let (difference, underflow) = nanoseconds.subtractingReportingOverflow(step)
        return MonotonicInstant(nanoseconds: underflow ? 0 : difference)
    }

    /// Seconds from `earlier` to this instant (negative when `earlier` is later).
    public func seconds(since earlier: MonotonicInstant) -> Double {
        nanoseconds >= earlier.nanoseconds
            ? Double(nanoseconds - earlier.nanoseconds) / 1e9
            : -Double(earlier.nanoseconds - nanoseconds) / 1e9
    }

    /// Earlier instants order first.
    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }
}

/// The moment by which work must be finished, on the monotonic clock.
public struct Deadline: Sendable, Hashable {
    /// When the budget runs out.
    public var instant: MonotonicInstant

    /// A deadline at `instant`.
    public init(_ instant: MonotonicInstant) { self.instant = instant }

    /// A deadline `seconds` from now (a non-finite or huge budget means "far away").
    public static func after(_ seconds: Double) -> Deadline {
        Deadline(MonotonicInstant.now().advanced(by: seconds))
    }

    /// A deadline that never arrives in practice.
    public static let distant = Deadline(MonotonicInstant(nanoseconds: UInt64.max))

    /// Seconds left, never negative.
    public var remaining: Double {
        max(0, instant.seconds(since: MonotonicInstant.now()))
    }

    /// True once the deadline has passed.
    public var isExpired: Bool { MonotonicInstant.now() >= instant }

    /// The earlier of this deadline and one `seconds` from now: how a helper
    /// with its own timeout stays inside its caller's budget.
    public func capped(at seconds: Double) -> Deadline {
        min(self, Deadline.after(seconds))
    }
}

extension Deadline: Comparable {
    /// Earlier deadlines order first.
    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant < rhs.instant }
}
