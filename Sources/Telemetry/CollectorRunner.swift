// Running collectors under their budgets and keeping their health.
//
// Every collector, built-in or plugin, goes through here: it runs on its own
// thread with a deadline, its output is validated, and the outcome updates the
// opslab_collector_* health series. A collector that throws, hangs or returns
// malformed samples loses that pass's samples and is reported; the others are
// untouched. A collector still hung from an earlier pass is not started again
// (its tick is counted as skipped), so one wedged plugin costs one thread.

/// How one run of one collector ended.
public enum CollectorStatus: Sendable, Equatable {
    /// Returned valid samples in time.
    case ok
    /// Threw; the error is described.
    case failed(String)
    /// Missed its deadline and was abandoned.
    case timedOut
    /// Returned samples that failed validation; the problem is described.
    case malformed(String)
    /// Not started because an earlier run has not returned yet.
    case skipped
}

/// The outcome of one collector run.
public struct CollectorReport: Sendable {
    /// Collector name.
    public var collector: String
    /// How it ended.
    public var status: CollectorStatus
    /// Wall time the run took (for a timeout: the time waited), in seconds.
    public var durationSeconds: Double
    /// The samples kept (empty unless status is `.ok`).
    public var samples: [Sample]

    /// Creates a report.
    public init(collector: String, status: CollectorStatus, durationSeconds: Double, samples: [Sample]) {
        self.collector = collector
        self.status = status
        self.durationSeconds = durationSeconds
        self.samples = samples
    }
}

/// Per-collector health counters, as exported in `opslab_collector_*`.
public struct CollectorHealth: Sendable, Equatable {
    /// Whether the last completed run succeeded (nil before the first run).
    public var up: Bool?
    /// Duration of the last run in seconds.
    public var lastDurationSeconds: Double = 0
    /// Samples kept from the last successful run.
    public var lastSampleCount: Int = 0
    /// Runs that threw or returned malformed samples.
    public var errors: Int = 0
    /// Runs that missed their deadline.
    public var timeouts: Int = 0
    /// Ticks not run because a previous run was still in flight.
    public var skippedTicks: Int = 0
    /// The last problem, in words.
    public var lastError: String?
}

/// The result of a pass over several collectors.
public struct CollectionPass: Sendable {
    /// When the pass started, milliseconds since the epoch.
    public var timestampMs: Int64
    /// One report per collector run (or skipped), in collector order.
    public var reports: [CollectorReport]
    /// Every kept sample followed by the health samples, duplicates across
    /// collectors removed (the first collector to emit a series keeps it).
    public var samples: [Sample]
}

/// Runs collectors under their time budgets and tracks their health.
public final class CollectorRunner: Sendable {
    /// The collectors, in registration order.
    public let collectors: [any Collector]
    /// Root of /proc handed to collectors.
    public let procRoot: String
    /// Root of /sys handed to collectors.
    public let sysRoot: String
    /// Clock used for timestamps.
    public let clock: any TelemetryClock

    private let health = Locked<[String: CollectorHealth]>([:])
    private let inFlight = OutstandingWork()

    /// Creates a runner; collectors with a duplicate name after the first are dropped.
    public init(collectors: [any Collector], procRoot: String = "/proc", sysRoot: String = "/sys",
                clock: any TelemetryClock = SystemClock()) {
        var seen = Set<String>()
        self.collectors = collectors.filter { seen.insert($0.name).inserted }
        self.procRoot = procRoot
        self.sysRoot = sysRoot
        self.clock = clock
    }

    /// Descriptors of the health families every runner exports.
    public static let healthMetrics: [MetricDescriptor] = [
        MetricDescriptor("opslab_collector_up", .gauge, "1 if the collector's last run succeeded, 0 if it failed, timed out or returned malformed samples."),
        MetricDescriptor("opslab_collector_duration_seconds", .gauge, "Duration of the collector's last run in seconds."),
        MetricDescriptor("opslab_collector_samples", .gauge, "Samples returned by the collector's last successful run."),
        MetricDescriptor("opslab_collector_errors_total", .counter, "Runs that threw or returned malformed samples."),
        MetricDescriptor("opslab_collector_timeouts_total", .counter, "Runs cut off at their deadline."),
        MetricDescriptor("opslab_collector_skipped_ticks_total", .counter, "Scheduled runs skipped because the previous run was still in flight."),
    ]

    /// Every descriptor: the collectors' families and the health families.
    public var catalog: MetricCatalog {
        var catalog = MetricCatalog(CollectorRunner.healthMetrics)
        for collector in collectors { catalog.register(collector.metrics) }
        return catalog
    }

    /// The collector called `name`, if registered.
    public func collector(named name: String) -> (any Collector)? {
        collectors.first { $0.name == name }
    }

    /// Health of one collector (default values before its first run).
    public func health(of name: String) -> CollectorHealth {
        health.withLock { $0[name] ?? CollectorHealth() }
    }

    /// Records ticks the scheduler skipped for `name`.
    public func recordSkippedTicks(_ name: String, count: Int) {
        guard count > 0 else { return }
        health.withLock { $0[name, default: CollectorHealth()].skippedTicks += count }
    }

    /// Starts `collector` on its own thread; the returned closure waits for it
    /// (up to its deadline) and records the outcome. Splitting start from wait
    /// lets a pass run all collectors at once.
    private func start(_ collector: any Collector, timestampMs: Int64) -> () -> CollectorReport {
        let name = collector.name
        let budget = collector.timeout.isFinite && collector.timeout > 0 ? collector.timeout : 10
        let deadline = Deadline.after(budget)
        let context = CollectContext(procRoot: procRoot, sysRoot: sysRoot, clock: clock,
                                     deadline: deadline, timestampMs: timestampMs)
        let startedAt = MonotonicInstant.now()
        if collector.runsOnCallingThread {
            // Run when the pass waits for it, on the waiting thread.
            return { [self] in
                let outcome: DeadlineOutcome<[Sample]>
                do { outcome = .returned(try collector.collect(context)) } catch { outcome = .threw(error) }
                return finish(collector, outcome: outcome, startedAt: startedAt)
            }
        }
        guard let task = inFlight.start("collector.\(name)", { try collector.collect(context) }) else {
            return { [self] in
                recordSkippedTicks(name, count: 1)
                return CollectorReport(collector: name, status: .skipped, durationSeconds: 0, samples: [])
            }
        }
        return { [self] in
            finish(collector, outcome: task.wait(until: deadline), startedAt: startedAt)
        }
    }

    /// Validates what a run produced and records its health.
    private func finish(_ collector: any Collector, outcome: DeadlineOutcome<[Sample]>,
                        startedAt: MonotonicInstant) -> CollectorReport {
        let duration = MonotonicInstant.now().seconds(since: startedAt)
        var status: CollectorStatus
        var kept: [Sample] = []
        switch outcome {
        case .timedOut, .threw(CollectorError.deadlineExceeded):
            // A collector that noticed its own deadline timed out as surely
            // as one the runner had to abandon.
            status = .timedOut
        case .threw(let error):
            status = .failed("\(error)")
        case .returned(let samples):
            do {
                try SampleValidator.validate(samples, descriptors: MetricCatalog(collector.metrics))
                status = .ok
                kept = samples
            } catch {
                status = .malformed("\(error)")
            }
        }
        record(collector.name, status: status, duration: duration, sampleCount: kept.count)
        return CollectorReport(collector: collector.name, status: status, durationSeconds: duration, samples: kept)
    }

    private func record(_ name: String, status: CollectorStatus, duration: Double, sampleCount: Int) {
        health.withLock { all in
            var h = all[name] ?? CollectorHealth()
            h.lastDurationSeconds = duration
            switch status {
            case .ok:
                h.up = true
                h.lastSampleCount = sampleCount
                h.lastError = nil
            case .failed(let why), .malformed(let why):
                h.up = false
                h.errors += 1
                h.lastError = why
            case .timedOut:
                h.up = false
                h.timeouts += 1
                h.lastError = "timed out"
            case .skipped:
                break
            }
            all[name] = h
        }
    }

    /// Runs one collector under its budget, blocking the caller at most that long.
    public func run(_ collector: any Collector, timestampMs: Int64? = nil) -> CollectorReport {
        start(collector, timestampMs: timestampMs ?? clock.nowMs())()
    }

    /// Runs the named collectors (all when nil) concurrently, each under its
    /// own budget, and returns their samples plus the health samples.
    public func runPass(only names: Set<String>? = nil) -> CollectionPass {
        let timestampMs = clock.nowMs()
        let chosen = collectors.filter { names?.contains($0.name) ?? true }
        let waits = chosen.map { start($0, timestampMs: timestampMs) }
        let reports = waits.map { $0() }
        var seen = Set<SeriesKey>()
        var samples: [Sample] = []
        for report in reports {
            for sample in report.samples where seen.insert(sample.seriesKey).inserted {
                samples.append(sample)
            }
        }
        samples += healthSamples(timestampMs: timestampMs)
        return CollectionPass(timestampMs: timestampMs, reports: reports, samples: samples)
    }

    /// The `opslab_collector_*` samples for every registered collector.
    public func healthSamples(timestampMs: Int64? = nil) -> [Sample] {
        var out = SampleBuilder(timestampMs: timestampMs ?? clock.nowMs())
        let snapshot = health.current
        for collector in collectors {
            let h = snapshot[collector.name] ?? CollectorHealth()
            let labels: Labels = ["collector": collector.name]
            if let up = h.up { out.add("opslab_collector_up", labels, up ? 1 : 0) }
            out.add("opslab_collector_duration_seconds", labels, h.lastDurationSeconds)
            out.add("opslab_collector_samples", labels, Double(h.lastSampleCount))
            out.add("opslab_collector_errors_total", labels, Double(h.errors))
            out.add("opslab_collector_timeouts_total", labels, Double(h.timeouts))
            out.add("opslab_collector_skipped_ticks_total", labels, Double(h.skippedTicks))
        }
        return out.samples
    }
}
