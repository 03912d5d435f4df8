// Load averages, uptime and boot time.
//
// These three live in three files (/proc/loadavg, /proc/uptime and the btime
// line of /proc/stat) but answer one question, "how busy is this box and
// since when", so one collector reads them. A missing file drops its
// metrics; only when all three are missing does the pass fail.

/// Reads `/proc/loadavg`, `/proc/uptime` and the `btime` line of `/proc/stat`.
///
/// Emits:
/// - `node_load1`, `node_load5`, `node_load15` (as node_exporter)
/// - `node_boot_time_seconds` (as node_exporter: btime, seconds since the epoch)
/// - `node_time_seconds` (as node_exporter: the pass's wall-clock time)
/// - `opslab_uptime_seconds` (from /proc/uptime; node_exporter has no
///   counterpart, compute `node_time_seconds - node_boot_time_seconds` there)
/// - `opslab_idle_seconds_total` (second column of /proc/uptime, summed over CPUs)
/// - `opslab_load_runnable_tasks`, `opslab_load_tasks`, from the
///   "running/total" column of /proc/loadavg (scheduling entities, threads included)
public struct LoadCollector: Collector {
    /// Collector name.
    public let name = "load"
    public let summary = "Load averages, boot time and uptime (/proc/loadavg, /proc/uptime)"

    /// Families emitted.
    public var metrics: [MetricDescriptor] {
        [
            MetricDescriptor("node_load1", .gauge, "1m load average."),
            MetricDescriptor("node_load5", .gauge, "5m load average."),
            MetricDescriptor("node_load15", .gauge, "15m load average."),
            MetricDescriptor("node_boot_time_seconds", .gauge, "Node boot time, in unixtime."),
            MetricDescriptor("node_time_seconds", .gauge, "System time in seconds since epoch (1970)."),
            MetricDescriptor("opslab_uptime_seconds", .gauge, "Seconds since boot, from /proc/uptime."),
            MetricDescriptor("opslab_idle_seconds_total", .counter, "Seconds all CPUs together spent idle, from /proc/uptime."),
            MetricDescriptor("opslab_load_runnable_tasks", .gauge, "Runnable scheduling entities, from /proc/loadavg."),
            MetricDescriptor("opslab_load_tasks", .gauge, "Existing scheduling entities (processes and threads), from /proc/loadavg."),
        ]
    }

    /// Reads the three files once.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        var out = context.builder()
        var failures: [String] = []

        do {
            let f = ProcParse.fields(try ProcFiles.read(context.proc("loadavg")))
            guard f.count >= 3 else {
                throw ProcFileError.malformed(path: context.proc("loadavg"), detail: "expected 3 load averages")
            }
            out.add("node_load1", ifPresent: ProcParse.double(f, 0))
            out.add("node_load5", ifPresent: ProcParse.double(f, 1))
            out.add("node_load15", ifPresent: ProcParse.double(f, 2))
            if f.count >= 4 {
                let parts = f[3].split(separator: "/")
                if parts.count == 2 {
                    out.add("opslab_load_runnable_tasks", ifPresent: ProcParse.double(parts[0]))
                    out.add("opslab_load_tasks", ifPresent: ProcParse.double(parts[1]))
                }
            }
        } catch {
            failures.append("\(error)")
        }

        do {
            let f = ProcParse.fields(try ProcFiles.read(context.proc("uptime")))
            out.add("opslab_uptime_seconds", ifPresent: ProcParse.double(f, 0))
            out.add("opslab_idle_seconds_total", ifPresent: ProcParse.double(f, 1))
        } catch {
            failures.append("\(error)")
        }

        do {
            var found = false
            for line in try ProcFiles.lines(context.proc("stat")) where line.hasPrefix("btime") {
                let f = ProcParse.fields(line)
                if let boot = ProcParse.double(f, 1) {
                    out.add("node_boot_time_seconds", boot)
                    found = true
                }
            }
            if !found { failures.append("\(context.proc("stat")): no btime line") }
        } catch {
            failures.append("\(error)")
        }

        if failures.count == 3 {
            throw CollectorError.failed(failures.joined(separator: "; "))
        }
        out.add("node_time_seconds", Double(context.timestampMs) / 1000)
        return out.samples
    }
}
