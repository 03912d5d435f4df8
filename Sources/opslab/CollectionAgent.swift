import Foundation
import Synchronization
import Telemetry
import Workbench

/// What `opslab serve` runs: the workbench's collectors on their schedule,
/// keeping each collector's latest samples for the /metrics endpoint.
/// Until the metrics store exists, samples live in memory only.
public final class CollectionAgent: Sendable {
    public let runner: CollectorRunner
    private let scheduler: CollectorScheduler
    private let latest: LatestSamples
    private let ready = Atomic<Bool>(false)
    private let onReport: @Sendable (CollectorReport) -> Void

    /// - Parameter onReport: hears every run (for logging), from the run's thread.
    public init(workbench: Workbench, onReport: @escaping @Sendable (CollectorReport) -> Void = { _ in }) {
        let runner = workbench.collectorRunner
        let latest = LatestSamples()
        self.runner = runner
        self.latest = latest
        self.onReport = onReport
        scheduler = CollectorScheduler(runner: runner) { report in
            // A failed run leaves the collector's previous samples out: stale
            // values must not look current. Its health samples say why.
            latest.byCollector.withLock { $0[report.collector] = report.samples }
            onReport(report)
        }
    }

    /// Runs every collector once (so /metrics has data from the start), then
    /// starts the schedule on a background thread.
    public func start() {
        let pass = runner.runPass()
        latest.byCollector.withLock { all in
            for report in pass.reports { all[report.collector] = report.samples }
        }
        pass.reports.forEach(onReport)
        ready.store(true, ordering: .releasing)
        scheduler.start()
    }

    public func stop() {
        scheduler.stop()
    }

    /// True once the first pass has finished.
    public var isReady: Bool { ready.load(ordering: .acquiring) }

    /// The latest samples of every collector plus their health, in the
    /// Prometheus text format 0.0.4.
    public func exposition() -> String {
        var seen = Set<SeriesKey>()
        var samples: [Sample] = []
        let byCollector = latest.byCollector.withLock { $0 }
        for collector in runner.collectors {
            for sample in byCollector[collector.name] ?? [] where seen.insert(sample.seriesKey).inserted {
                samples.append(sample)
            }
        }
        samples += runner.healthSamples()
        return PrometheusText.render(samples, catalog: runner.catalog)
    }
}

/// Each collector's samples from its latest run, shared with the scheduler's threads.
private final class LatestSamples: Sendable {
    let byCollector = Mutex<[String: [Sample]]>([:])
}
