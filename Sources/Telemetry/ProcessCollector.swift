// Process counts by state, and the heaviest processes by CPU and by memory.
//
// Per-process series are the classic way to blow up a time-series database:
// every pid is a new series. Only the top N processes are exported, labelled
// by rank, so the number of series is bounded by 2N whatever runs on the box
// (pid and comm ride along as labels to say who holds each rank).

import Foundation

/// Scans `/proc/[pid]/stat`.
///
/// Emits:
/// - `node_processes_state{state}`: processes per state letter (R, S, D, Z, T, I, ...)
/// - `node_processes_pids`, `node_processes_threads`: totals
/// - `node_processes_max_processes`, `node_processes_max_threads`: kernel limits
///   (from /proc/sys/kernel/pid_max and threads-max, when readable)
/// - `opslab_top_process_cpu_ratio{rank,pid,comm}`: CPU used (1.0 = one core)
///   since the previous pass, or over the process's lifetime on the first pass
/// - `opslab_top_process_resident_memory_bytes{rank,pid,comm}`: resident set size
///
/// Names of the first four are node_exporter's (its processes collector).
public final class ProcessCollector: Collector, Sendable {
    /// Collector name.
    public let name = "processes"
    public let summary = "Process counts by state and the top processes by CPU and memory"
    /// How many processes each top list holds.
    public let topN: Int

    // CPU seconds per pid (keyed with start time, since pids are reused) at
    // the previous pass, and that pass's timestamp.
    private let previous = Locked<(timestampMs: Int64, cpu: [ProcessKey: Double])?>(nil)

    /// Creates the collector; `topN` is clamped to 0...100.
    public init(topN: Int = 5) {
        self.topN = max(0, min(100, topN))
    }

    /// Families emitted.
    public var metrics: [MetricDescriptor] {
        [
            MetricDescriptor("node_processes_state", .gauge, "Number of processes in each state."),
            MetricDescriptor("node_processes_pids", .gauge, "Number of PIDs."),
            MetricDescriptor("node_processes_threads", .gauge, "Allocated threads in system."),
            MetricDescriptor("node_processes_max_processes", .gauge, "Number of max PIDs limit."),
            MetricDescriptor("node_processes_max_threads", .gauge, "Limit of threads in the system."),
            MetricDescriptor("opslab_top_process_cpu_ratio", .gauge, "CPU used by one of the top processes, in cores, since the previous pass."),
            MetricDescriptor("opslab_top_process_resident_memory_bytes", .gauge, "Resident memory of one of the top processes, in bytes."),
        ]
    }

    struct ProcessKey: Hashable {
        var pid: Int
        var startTicks: UInt64
    }

    /// The fields of /proc/[pid]/stat this collector uses.
    struct ProcessStat {
        var pid: Int
        var comm: String
        var state: String
        var cpuSeconds: Double
        var threads: Double
        var startTicks: UInt64
        var rssBytes: Double
    }

    /// Parses one /proc/[pid]/stat line. The command name sits in parentheses
    /// and may itself contain spaces and ')' — so fields are counted from the
    /// last ')'.
    static func parseStat(_ text: String) -> ProcessStat? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close,
              let pid = Int(text[..<open].trimmingCharacters(in: .whitespaces)) else { return nil }
        let comm = String(text[text.index(after: open)..<close])
        let f = ProcParse.fields(text[text.index(after: close)...])
        // f[0] is field 3 (state); utime is field 14, stime 15, num_threads
        // 20, starttime 22, rss 24 — so indices 11, 12, 17, 19, 21.
        guard f.count >= 22, let utime = ProcParse.double(f, 11), let stime = ProcParse.double(f, 12),
              let start = ProcParse.uint(f[19]) else { return nil }
        let hz = KernelUnits.ticksPerSecond
        return ProcessStat(pid: pid, comm: comm, state: String(f[0]), cpuSeconds: (utime + stime) / hz,
                           threads: ProcParse.double(f, 17) ?? 1, startTicks: start,
                           rssBytes: max(0, ProcParse.double(f, 21) ?? 0) * KernelUnits.pageSize)
    }

    /// Scans every process once.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        var stats: [ProcessStat] = []
        let pids = ProcFiles.directoryEntries(context.procRoot).filter { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
        guard !pids.isEmpty else { throw CollectorError.unavailable("no processes under \(context.procRoot)") }
        for (i, pid) in pids.enumerated() {
            if i % 256 == 0 { try context.checkDeadline() }
            // A process may exit between listing and reading: skip it.
            guard let text = ProcFiles.readIfPresent(context.proc("\(pid)/stat")),
                  let stat = ProcessCollector.parseStat(text) else { continue }
            stats.append(stat)
        }

        var out = context.builder()
        var byState: [String: Double] = [:]
        for stat in stats { byState[stat.state, default: 0] += 1 }
        for (state, count) in byState.sorted(by: { $0.key < $1.key }) {
            out.add("node_processes_state", ["state": state], count)
        }
        out.add("node_processes_pids", Double(stats.count))
        out.add("node_processes_threads", stats.reduce(0) { $0 + $1.threads })
        out.add("node_processes_max_processes", ifPresent: readNumber(context.proc("sys/kernel/pid_max")))
        out.add("node_processes_max_threads", ifPresent: readNumber(context.proc("sys/kernel/threads-max")))

        let rates = cpuRates(stats, context: context)
        let labels = { (rank: Int, s: ProcessStat) -> Labels in
            ["rank": String(rank), "pid": String(s.pid), "comm": s.comm]
        }
        // Ties broken by pid so that the ranking is stable between passes.
        let byCPU = zip(stats, rates).sorted { ($0.1, -$0.0.pid) > ($1.1, -$1.0.pid) }.prefix(topN)
        for (rank, entry) in byCPU.enumerated() {
            out.add("opslab_top_process_cpu_ratio", labels(rank + 1, entry.0), entry.1)
        }
        let byRSS = stats.sorted { ($0.rssBytes, -$0.pid) > ($1.rssBytes, -$1.pid) }.prefix(topN)
        for (rank, stat) in byRSS.enumerated() {
            out.add("opslab_top_process_resident_memory_bytes", labels(rank + 1, stat), stat.rssBytes)
        }
        return out.samples
    }

    /// CPU cores used by each process: from the previous pass when one exists
    /// for that process, else averaged over the process's lifetime.
    private func cpuRates(_ stats: [ProcessStat], context: CollectContext) -> [Double] {
        var current: [ProcessKey: Double] = [:]
        for s in stats { current[ProcessKey(pid: s.pid, startTicks: s.startTicks)] = s.cpuSeconds }
        let before = previous.withLock { state -> (timestampMs: Int64, cpu: [ProcessKey: Double])? in
            let old = state
            state = (context.timestampMs, current)
            return old
        }
        let uptime = ProcFiles.readIfPresent(context.proc("uptime"))
            .flatMap { ProcParse.double(ProcParse.fields($0), 0) }
        let hz = KernelUnits.ticksPerSecond
        return stats.map { s in
            let key = ProcessKey(pid: s.pid, startTicks: s.startTicks)
            if let before, let then = before.cpu[key] {
                let elapsed = Double(context.timestampMs - before.timestampMs) / 1000
                guard elapsed > 0 else { return 0 }
                return max(0, s.cpuSeconds - then) / elapsed
            }
            guard let uptime else { return 0 }
            let age = uptime - Double(s.startTicks) / hz
            return age > 0 ? s.cpuSeconds / age : 0
        }
    }

    private func readNumber(_ path: String) -> Double? {
        ProcFiles.readIfPresent(path).flatMap { ProcParse.double(ProcParse.fields($0), 0) }
    }
}
