// CPU time from /proc/stat, and usage ratios from the change between passes.
//
// Metric names follow node_exporter's cpu and stat collectors where they
// exist (node_cpu_seconds_total, node_context_switches_total, ...). Like
// node_exporter, user time is reported as the kernel gives it, guest time
// included; guest time is also reported on its own.

/// Reads `/proc/stat`.
///
/// Emits:
/// - `node_cpu_seconds_total{cpu,mode}`: seconds per CPU in user, nice, system,
///   idle, iowait, irq, softirq, steal (same as node_exporter)
/// - `node_cpu_guest_seconds_total{cpu,mode}`: guest time, mode user or nice
/// - `opslab_cpu_all_seconds_total{mode}`: the machine-wide `cpu` line
/// - `opslab_cpu_usage_ratio{cpu}` and `opslab_cpu_all_usage_ratio`: busy share
///   of the time elapsed since the previous pass (from the second pass on)
/// - `node_context_switches_total`, `node_forks_total`, `node_intr_total`,
///   `node_procs_running`, `node_procs_blocked`
public final class CPUCollector: Collector, Sendable {
    /// The order of the time columns on a `cpu` line.
    static let modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]

    /// Collector name.
    public let name = "cpu"
    public let summary = "CPU seconds by mode per CPU and in total, and usage ratios (/proc/stat)"

    // Busy and total seconds per CPU label ("all" for the cpu line) at the
    // previous pass, the base of the usage ratio.
    private let previous = Locked<[String: (busy: Double, total: Double)]>([:])

    /// Families emitted.
    public var metrics: [MetricDescriptor] {
        [
            MetricDescriptor("node_cpu_seconds_total", .counter, "Seconds the CPUs spent in each mode."),
            MetricDescriptor("node_cpu_guest_seconds_total", .counter, "Seconds the CPUs spent running guests (also counted in user/nice)."),
            MetricDescriptor("opslab_cpu_all_seconds_total", .counter, "Seconds all CPUs together spent in each mode (the cpu line of /proc/stat)."),
            MetricDescriptor("opslab_cpu_usage_ratio", .gauge, "Share of time a CPU was busy (not idle or iowait) since the previous pass."),
            MetricDescriptor("opslab_cpu_all_usage_ratio", .gauge, "Share of time all CPUs together were busy since the previous pass."),
            MetricDescriptor("node_context_switches_total", .counter, "Total number of context switches."),
            MetricDescriptor("node_forks_total", .counter, "Total number of forks."),
            MetricDescriptor("node_intr_total", .counter, "Total number of interrupts serviced."),
            MetricDescriptor("node_procs_running", .gauge, "Number of processes in runnable state."),
            MetricDescriptor("node_procs_blocked", .gauge, "Number of processes blocked waiting for I/O to complete."),
        ]
    }

    /// One parsed `cpu` or `cpuN` line, in seconds.
    struct CPUTimes {
        var cpu: String          // "all" for the aggregate line, else the index
        var modes: [Double?]     // indexed like `CPUCollector.modes`
        var guest: Double?
        var guestNice: Double?

        /// Seconds not spent idle or waiting for I/O; guest time is already
        /// inside user/nice and must not be counted twice.
        var busyAndTotal: (busy: Double, total: Double) {
            let values = modes.map { $0 ?? 0 }
            let total = values.reduce(0, +)
            let idle = values[3] + values[4]
            return (total - idle, total)
        }
    }

    /// Parses a `cpu...` line; nil when it is not one or has no time columns.
    static func parseCPULine(_ line: Substring) -> CPUTimes? {
        let f = ProcParse.fields(line)
        guard let head = f.first, head.hasPrefix("cpu"), f.count >= 5 else { return nil }
        let suffix = head.dropFirst(3)
        let cpu: String
        if suffix.isEmpty { cpu = "all" } else if let n = Int(suffix) { cpu = String(n) } else { return nil }
        let hz = KernelUnits.ticksPerSecond
        let value: (Int) -> Double? = { i in ProcParse.double(f, i).map { $0 / hz } }
        // Older kernels stop after idle (4 columns) or iowait..steal; absent
        // columns stay nil and are left out rather than reported as zero.
        let modes = (0..<CPUCollector.modes.count).map { value($0 + 1) }
        return CPUTimes(cpu: cpu, modes: modes, guest: value(9), guestNice: value(10))
    }

    /// Reads /proc/stat once.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        let path = context.proc("stat")
        var out = context.builder()
        var current: [String: (busy: Double, total: Double)] = [:]
        var sawCPU = false
        for line in try ProcFiles.lines(path) {
            if line.hasPrefix("cpu") {
                guard let times = CPUCollector.parseCPULine(line) else { continue }
                sawCPU = true
                emit(times, into: &out)
                current[times.cpu] = times.busyAndTotal
                continue
            }
            let f = ProcParse.fields(line)
            guard f.count >= 2 else { continue }
            switch f[0] {
            case "ctxt": out.add("node_context_switches_total", ifPresent: ProcParse.double(f, 1))
            case "processes": out.add("node_forks_total", ifPresent: ProcParse.double(f, 1))
            case "intr": out.add("node_intr_total", ifPresent: ProcParse.double(f, 1))
            case "procs_running": out.add("node_procs_running", ifPresent: ProcParse.double(f, 1))
            case "procs_blocked": out.add("node_procs_blocked", ifPresent: ProcParse.double(f, 1))
            default: break
            }
        }
        guard sawCPU else { throw ProcFileError.malformed(path: path, detail: "no cpu lines") }
        let before = previous.withLock { state -> [String: (busy: Double, total: Double)] in
            let old = state
            state = current
            return old
        }
        for (cpu, now) in current.sorted(by: { $0.key < $1.key }) {
            guard let then = before[cpu] else { continue }
            let dTotal = now.total - then.total
            let dBusy = now.busy - then.busy
            // A negative or zero delta means a counter reset (CPU hotplug) or
            // two passes within one tick: no meaningful ratio this time.
            guard dTotal > 0, dBusy >= 0 else { continue }
            let ratio = min(1, dBusy / dTotal)
            if cpu == "all" {
                out.add("opslab_cpu_all_usage_ratio", ratio)
            } else {
                out.add("opslab_cpu_usage_ratio", ["cpu": cpu], ratio)
            }
        }
        return out.samples
    }

    private func emit(_ times: CPUTimes, into out: inout SampleBuilder) {
        for (i, mode) in CPUCollector.modes.enumerated() {
            guard let seconds = times.modes[i] else { continue }
            if times.cpu == "all" {
                out.add("opslab_cpu_all_seconds_total", ["mode": mode], seconds)
            } else {
                out.add("node_cpu_seconds_total", ["cpu": times.cpu, "mode": mode], seconds)
            }
        }
        guard times.cpu != "all" else { return }
        out.add("node_cpu_guest_seconds_total", ["cpu": times.cpu, "mode": "user"], ifPresent: times.guest)
        out.add("node_cpu_guest_seconds_total", ["cpu": times.cpu, "mode": "nice"], ifPresent: times.guestNice)
    }
}
