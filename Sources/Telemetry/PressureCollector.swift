// Pressure stall information from /proc/pressure/{cpu,memory,io}.
//
// PSI exists only on kernels built with CONFIG_PSI (4.20+) and may be disabled
// at boot (psi=0, where reads fail with EOPNOTSUPP). Missing files are not an
// error: the collector reports which resources it found, and fails only when
// the kernel has no PSI at all, so the runner's up metric says "unavailable"
// once instead of a stream of errors.

/// Reads `/proc/pressure/cpu`, `/proc/pressure/memory` and `/proc/pressure/io`.
///
/// Emits node_exporter's pressure names for the stall totals (the kernel's
/// microseconds converted to seconds):
/// - `node_pressure_cpu_waiting_seconds_total` (cpu "some"),
///   `node_pressure_cpu_stalled_seconds_total` (cpu "full", kernels 5.13+)
/// - `node_pressure_memory_waiting_seconds_total`, `node_pressure_memory_stalled_seconds_total`
/// - `node_pressure_io_waiting_seconds_total`, `node_pressure_io_stalled_seconds_total`
///
/// and the kernel's running averages, which node_exporter does not export:
/// - `opslab_pressure_ratio{resource,kind,window}`: share of time stalled over
///   the last 10 s, 60 s or 300 s (kind "some" or "full"), 0...1
public struct PressureCollector: Collector {
    /// Collector name.
    public let name = "pressure"
    public let summary = "Pressure stall information for CPU, memory and I/O (/proc/pressure)"

    static let resources = ["cpu", "memory", "io"]

    /// Families emitted.
    public var metrics: [MetricDescriptor] {
        var result: [MetricDescriptor] = []
        for resource in PressureCollector.resources {
            result.append(MetricDescriptor("node_pressure_\(resource)_waiting_seconds_total", .counter,
                                           "Total time in seconds that processes have waited for \(resource)."))
            result.append(MetricDescriptor("node_pressure_\(resource)_stalled_seconds_total", .counter,
                                           "Total time in seconds no process could make progress due to \(resource) contention."))
        }
        result.append(MetricDescriptor("opslab_pressure_ratio", .gauge,
                                       "Share of recent time stalled on a resource (kernel PSI running average)."))
        return result
    }

    /// One line of a pressure file.
    struct Line: Equatable {
        var kind: String                 // "some" or "full"
        var averages: [String: Double]   // "10", "60", "300" -> percent
        var totalMicroseconds: Double?
    }

    /// Parses `some avg10=0.00 avg60=0.00 avg300=0.00 total=0` lines.
    static func parse(_ text: String) -> [Line] {
        text.split(separator: "\n").compactMap { line in
            let f = ProcParse.fields(line)
            guard let kind = f.first, kind == "some" || kind == "full" else { return nil }
            var parsed = Line(kind: String(kind), averages: [:], totalMicroseconds: nil)
            for field in f.dropFirst() {
                let parts = field.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let value = ProcParse.double(parts[1]) else { continue }
                if parts[0] == "total" {
                    parsed.totalMicroseconds = value
                } else if parts[0].hasPrefix("avg") {
                    parsed.averages[String(parts[0].dropFirst(3))] = value
                }
            }
            return parsed
        }
    }

    /// Reads the pressure files once.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        var out = context.builder()
        var found = 0
        for resource in PressureCollector.resources {
            guard let text = ProcFiles.readIfPresent(context.proc("pressure/\(resource)")) else { continue }
            found += 1
            for line in PressureCollector.parse(text) {
                let metric = line.kind == "some"
                    ? "node_pressure_\(resource)_waiting_seconds_total"
                    : "node_pressure_\(resource)_stalled_seconds_total"
                out.add(metric, ifPresent: line.totalMicroseconds.map { $0 / 1_000_000 })
                for (window, percent) in line.averages.sorted(by: { $0.key < $1.key }) {
                    let labels: Labels = ["resource": resource, "kind": line.kind, "window": window + "s"]
                    out.add("opslab_pressure_ratio", labels, min(1, max(0, percent / 100)))
                }
            }
        }
        guard found > 0 else {
            throw CollectorError.unavailable("no pressure stall information under \(context.proc("pressure"))")
        }
        return out.samples
    }
}
