// Periodic scheduling of collectors.
//
// Ticks are aligned to the wall clock (a 15 s collector runs at :00, :15,
// :30, :45 plus its offset) so that series from many hosts line up in
// Prometheus and in range queries. Each collector gets a fixed offset within
// a fraction of its interval, derived from its name, so collectors with the
// same interval do not all wake in the same millisecond; the offset is a
// stable hash rather than a random draw so a restarted process keeps its phase.
//
// The scheduler is split into a pure part (`poll()` decides what is due at the
// clock's current time) and a loop (`run`) that sleeps on the clock between
// polls; tests drive `poll()` with a ManualClock and need no real waiting.

/// One scheduled job: a name and an interval.
public struct ScheduledJob: Sendable, Hashable {
    /// Job (collector) name, unique within a scheduler.
    public var name: String
    /// Seconds between ticks.
    public var interval: Double

    /// Creates a job; a non-finite or tiny interval is raised to 10 ms.
    public init(name: String, interval: Double) {
        self.name = name
        self.interval = interval.isFinite ? max(0.01, interval) : 15
    }
}

/// Per-job scheduling state, as seen by `CollectorScheduler.state(of:)`.
public struct ScheduleState: Sendable, Equatable {
    /// Wall-clock time of the next tick.
    public var nextTick: Double
    /// Phase offset within the interval.
    public var offset: Double
    /// Whether a run started by this scheduler has not completed yet.
    public var inFlight: Bool
    /// Runs started.
    public var runs: Int
    /// Ticks skipped (overlap with a running pass, or ticks missed while the
    /// process was not polling).
    public var skippedTicks: Int
}

/// Starts jobs on aligned ticks, never two runs of one job at once.
public final class CollectorScheduler: Sendable {
    /// Starts a run of `job` for the tick at wall time `tick`; must call
    /// `completion` exactly once when the run is over (from any thread).
    public typealias Execute = @Sendable (_ job: ScheduledJob, _ tick: Double, _ completion: @escaping @Sendable () -> Void) -> Void

    /// The jobs, in registration order.
    public let jobs: [ScheduledJob]
    /// Clock for ticks and sleeping.
    public let clock: any TelemetryClock
    /// Largest phase offset, as a fraction of the interval (0...0.5).
    public let jitterFraction: Double

    private let execute: Execute
    private let onSkip: @Sendable (_ job: String, _ count: Int) -> Void
    private let states: Locked<[String: ScheduleState]>
    private let stopped = Locked(false)

    /// Creates a scheduler for `jobs` that starts runs through `execute`.
    /// `onSkip` hears about skipped ticks (the runner counts them as health).
    public init(jobs: [ScheduledJob], clock: any TelemetryClock = SystemClock(), jitterFraction: Double = 0.1,
                onSkip: @escaping @Sendable (String, Int) -> Void = { _, _ in }, execute: @escaping Execute) {
        var seen = Set<String>()
        self.jobs = jobs.filter { seen.insert($0.name).inserted }
        self.clock = clock
        self.jitterFraction = jitterFraction.isFinite ? min(0.5, max(0, jitterFraction)) : 0
        self.execute = execute
        self.onSkip = onSkip
        let now = clock.now()
        var initial: [String: ScheduleState] = [:]
        for job in self.jobs {
            let offset = CollectorScheduler.offset(for: job, jitterFraction: self.jitterFraction)
            initial[job.name] = ScheduleState(nextTick: CollectorScheduler.firstTick(after: now, job: job, offset: offset),
                                              offset: offset, inFlight: false, runs: 0, skippedTicks: 0)
        }
        states = Locked(initial)
    }

    /// A scheduler that runs the runner's collectors, each run on its own
    /// thread through `CollectorRunner.run`, handing each report to `onReport`.
    public convenience init(runner: CollectorRunner, clock: any TelemetryClock = SystemClock(),
                            jitterFraction: Double = 0.1,
                            onReport: @escaping @Sendable (CollectorReport) -> Void = { _ in }) {
        let jobs = runner.collectors.map { ScheduledJob(name: $0.name, interval: $0.interval) }
        self.init(jobs: jobs, clock: clock, jitterFraction: jitterFraction,
                  onSkip: { runner.recordSkippedTicks($0, count: $1) }) { job, tick, completion in
            guard let collector = runner.collector(named: job.name) else { completion(); return }
            let timestampMs = Int64((tick * 1000).rounded(.down))
            _ = DeadlineTask(name: "opslab.scheduler.\(job.name)") {
                let report = runner.run(collector, timestampMs: timestampMs)
                completion()
                onReport(report)
            }
        }
    }

    /// The phase offset of `job`: FNV-1a of its name scaled into
    /// [0, jitterFraction * interval). Stable across processes, unlike `hashValue`.
    public static func offset(for job: ScheduledJob, jitterFraction: Double) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in job.name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Double(hash >> 11) / Double(1 << 53) * jitterFraction * job.interval
    }

    /// The first aligned tick strictly after `now`: k * interval + offset.
    static func firstTick(after now: Double, job: ScheduledJob, offset: Double) -> Double {
        guard now.isFinite else { return offset }
        let k = ((now - offset) / job.interval).rounded(.down) + 1
        return k * job.interval + offset
    }

    /// The state of job `name`, if scheduled.
    public func state(of name: String) -> ScheduleState? {
        states.withLock { $0[name] }
    }

    /// The earliest next tick over all jobs (infinity when there are none).
    public var nextWake: Double {
        states.withLock { $0.values.map(\.nextTick).min() ?? .infinity }
    }

    /// Starts every job whose tick has come, skipping (and counting) jobs still
    /// in flight and ticks that passed unpolled; returns the names started.
    @discardableResult
    public func poll() -> [String] {
        let now = clock.now()
        var due: [(ScheduledJob, Double)] = []
        var skips: [(String, Int)] = []
        states.withLock { states in
            for job in jobs {
                guard var s = states[job.name], now >= s.nextTick else { continue }
                let tick = s.nextTick
                // Ticks that passed entirely while nobody polled (a stopped
                // process, a slow host) are skipped, never run in a burst.
                let missed = Int(min(1e9, ((now - tick) / job.interval).rounded(.down)))
                var skipped = missed
                if s.inFlight {
                    skipped += 1
                } else {
                    s.inFlight = true
                    s.runs += 1
                    due.append((job, tick + Double(missed) * job.interval))
                }
                s.skippedTicks += skipped
                s.nextTick = tick + Double(missed + 1) * job.interval
                states[job.name] = s
                if skipped > 0 { skips.append((job.name, skipped)) }
            }
        }
        for (name, count) in skips { onSkip(name, count) }
        for (job, tick) in due {
            let name = job.name
            execute(job, tick) { [states] in
                states.withLock { $0[name]?.inFlight = false }
            }
        }
        return due.map { $0.0.name }
    }

    /// Polls on every tick until `stop()` is called; blocks the calling thread.
    /// A stopped scheduler stays stopped (make a new one to resume), so a
    /// `stop()` that races ahead of `start()`'s thread is never lost.
    public func run() {
        let stopped = self.stopped
        while !stopped.current {
            clock.sleep(until: nextWake) { stopped.current }
            if stopped.current { break }
            poll()
        }
    }

    /// Runs the loop on a background thread; returns at once.
    public func start() {
        _ = DeadlineTask(name: "opslab.scheduler") { [self] in run() }
    }

    /// Makes `run()` return after its current sleep or poll.
    public func stop() {
        stopped.withLock { $0 = true }
    }
}
