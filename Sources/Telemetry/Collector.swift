// The collector protocol and the context a collection pass hands to it.
//
// A collector is a plain value that reads something and returns samples. It
// does not schedule itself, time itself or report its own health: the runner
// does those, the same way for built-in Swift collectors and for Lua plugins
// adapted to this protocol by the Workbench.

/// Everything a collector may depend on during one pass.
///
/// Collectors read kernel files through `proc(_:)` and `sys(_:)` rather than
/// hard-coded paths, so tests point them at fixture trees; they stamp samples
/// with `timestampMs` so that one pass shares one instant; and long-running
/// collectors check `deadline` between steps.
public struct CollectContext: Sendable {
    /// Root of the proc filesystem, normally `/proc`.
    public var procRoot: String
    /// Root of the sys filesystem, normally `/sys`.
    public var sysRoot: String
    /// Wall clock (for timestamps and rates).
    public var clock: any TelemetryClock
    /// When this collector's budget runs out.
    public var deadline: Deadline
    /// The pass's timestamp, milliseconds since the Unix epoch.
    public var timestampMs: Int64

    /// Creates a context; `timestampMs` defaults to the clock's current time.
    public init(
        procRoot: String = "/proc",
        sysRoot: String = "/sys",
        clock: any TelemetryClock = SystemClock(),
        deadline: Deadline = .distant,
        timestampMs: Int64? = nil
    ) {
        self.procRoot = procRoot
        self.sysRoot = sysRoot
        self.clock = clock
        self.deadline = deadline
        self.timestampMs = timestampMs ?? clock.nowMs()
    }

    /// A context for the tree under `root`, which holds `proc/` and `sys/`
    /// (the layout of the test fixtures and of a host's root mounted elsewhere).
    public static func tree(_ root: String, clock: any TelemetryClock = SystemClock(),
                            deadline: Deadline = .distant, timestampMs: Int64? = nil) -> CollectContext {
        CollectContext(procRoot: root + "/proc", sysRoot: root + "/sys", clock: clock,
                       deadline: deadline, timestampMs: timestampMs)
    }

    /// Path of `relative` under the proc root (`proc("meminfo")`).
    public func proc(_ relative: String) -> String { procRoot + "/" + relative }

    /// Path of `relative` under the sys root (`sys("class/net")`).
    public func sys(_ relative: String) -> String { sysRoot + "/" + relative }

    /// A fresh sample builder stamped with this pass's timestamp.
    public func builder() -> SampleBuilder { SampleBuilder(timestampMs: timestampMs) }

    /// Throws `CollectorError.deadlineExceeded` once the budget is spent, so
    /// that collectors doing many small reads stop on their own.
    public func checkDeadline() throws {
        if deadline.isExpired { throw CollectorError.deadlineExceeded }
    }
}

/// Why a collector gave up.
public enum CollectorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The collector noticed its deadline had passed.
    case deadlineExceeded
    /// The source does not exist on this host (no PSI, no GPU driver...).
    case unavailable(String)
    /// Anything else, described.
    case failed(String)

    /// The reason in words.
    public var description: String {
        switch self {
        case .deadlineExceeded: return "deadline exceeded"
        case .unavailable(let why): return "unavailable: \(why)"
        case .failed(let why): return why
        }
    }
}

/// A source of samples run periodically by the scheduler.
///
/// Implementations must be safe to call from any thread; the runner never
/// runs two passes of one collector at once, but does run different
/// collectors concurrently. Stateful collectors (rates from deltas between
/// passes) keep their state behind a lock.
public protocol Collector: Sendable {
    /// Stable, unique name; the `collector` label on health metrics.
    var name: String { get }
    /// One line saying what it collects, for listings.
    var summary: String { get }
    /// Seconds between passes.
    var interval: Double { get }
    /// Seconds one pass may take before it is cut off.
    var timeout: Double { get }
    /// Descriptors of every family this collector may emit.
    var metrics: [MetricDescriptor] { get }
    /// Reads the source once and returns its samples.
    func collect(_ context: CollectContext) throws -> [Sample]
    /// True for collectors that must run on the thread that asks for the
    /// pass and enforce their own budget: those backed by a Lua state, which
    /// belongs to one thread at a time.
    var runsOnCallingThread: Bool { get }
}

extension Collector {
    /// Default interval: 15 s, Prometheus's default scrape interval.
    public var interval: Double { 15 }
    /// Default budget: 80 % of the interval, at most 10 s, so a slow pass
    /// ends before the next tick is due.
    public var timeout: Double { Swift.min(10, Swift.max(0.001, interval * 0.8)) }
    /// Default: no declared families (samples are exposed as untyped).
    public var metrics: [MetricDescriptor] { [] }
    /// Default: no summary.
    public var summary: String { "" }
    /// Default: run on a thread of the runner's, cut off at the deadline.
    public var runsOnCallingThread: Bool { false }
}

/// The collectors that ship with opslab.
///
/// Naming against node_exporter, for comparisons and dashboards:
/// - identical names and values: `node_cpu_seconds_total`, `node_cpu_guest_seconds_total`,
///   `node_load1/5/15`, `node_boot_time_seconds`, `node_time_seconds`, `node_context_switches_total`,
///   `node_forks_total`, `node_intr_total`, `node_procs_running/blocked`, all `node_filesystem_*`
///   (same `{device,fstype,mountpoint}` labels and default mount filter), all `node_disk_*`
///   (same device filter), `node_network_{receive,transmit}_*_total`, `node_network_up`,
///   `node_pressure_*`, `node_processes_*`
/// - same values, snake-cased names: meminfo, `node_memory_MemTotal_bytes` is
///   `node_memory_mem_total_bytes` (see `MemoryCollector.metricName(forField:)`
///   and `nodeExporterName(forField:)`)
/// - opslab's own: `opslab_*` (usage ratios, swap devices, top processes, PSI
///   averages, collector health, errors) and `gpu_*` (node_exporter has no GPU collector)
public enum BuiltinCollectors {
    /// Every host collector reading /proc and /sys, plus the GPU collector.
    public static func all() -> [any Collector] {
        [
            CPUCollector(), MemoryCollector(), SwapCollector(), LoadCollector(),
            FilesystemCollector(), DiskCollector(), NetworkCollector(),
            ProcessCollector(), PressureCollector(), GPUCollector(),
        ]
    }

    /// A collector by name, or nil.
    public static func named(_ name: String) -> (any Collector)? {
        all().first { $0.name == name }
    }
}
