// NVIDIA GPUs through nvidia-smi's CSV query interface.
//
// GPU monitoring fails in many partial ways: a consumer card has no ECC, a
// passively cooled one reports no fan, a GPU that fell off the bus turns its
// row into an error message, the driver may be missing (exit 12), broken
// (255) or wedged (nvidia-smi hangs). Each of those becomes an error metric at
// the narrowest level that fits (per field, per line, or per run), and every
// value that is there is still reported: one bad field must not hide the
// temperature of eight healthy GPUs.

import Foundation

/// Runs `nvidia-smi --query-gpu=... --format=csv,noheader,nounits`.
///
/// Emits, labelled `{gpu,uuid,name}` (gpu is the index nvidia-smi prints):
/// `gpu_temperature_celsius`, `gpu_utilization_ratio`,
/// `gpu_memory_utilization_ratio` (0...1, from percent), `gpu_memory_total_bytes`,
/// `gpu_memory_used_bytes` (from MiB), `gpu_power_draw_watts`,
/// `gpu_power_limit_watts`, `gpu_sm_clock_hertz`, `gpu_memory_clock_hertz`
/// (from MHz), `gpu_ecc_errors_corrected_total`, `gpu_ecc_errors_uncorrected_total`
/// (volatile counts, reset by a driver reload), and `opslab_gpu_devices`.
///
/// Errors, never thrown, always reported as samples:
/// - `opslab_gpu_field_unavailable{gpu,field,reason}` = 1 for a field printed as
///   `[N/A]` (reason `not_available`), `[Not Supported]` (`not_supported`),
///   another bracketed message (its words, snake-cased) or a non-number (`unparsable`)
/// - `opslab_gpu_collector_error{reason,code}` = 1 (or the count of bad lines)
///   with reason `missing_binary`, `timeout`, `still_running`, `launch_failed`,
///   `nvml_not_found` (exit 12), `driver_not_loaded` (9), `gpu_lost` (15),
///   `no_permission` (4), `internal_error` (255), `exit_code` (others) or `malformed_line`
public final class GPUCollector: Collector, Sendable {
    /// The fields queried, in output order.
    public static let queryFields = [
        "index", "uuid", "name", "temperature.gpu", "utilization.gpu", "utilization.memory",
        "memory.total", "memory.used", "power.draw", "power.limit", "clocks.sm", "clocks.mem",
        "ecc.errors.corrected.volatile.total", "ecc.errors.uncorrected.volatile.total",
    ]

    /// The arguments passed to nvidia-smi.
    public static let arguments = [
        "--query-gpu=" + queryFields.joined(separator: ","), "--format=csv,noheader,nounits",
    ]

    /// Numeric columns: query field, metric, factor to base units, type, help.
    static let numericFields: [(field: String, metric: String, scale: Double, type: MetricType, help: String)] = [
        ("temperature.gpu", "gpu_temperature_celsius", 1, .gauge, "GPU core temperature in degrees Celsius."),
        ("utilization.gpu", "gpu_utilization_ratio", 0.01, .gauge, "Share of the last sample period a kernel was running on the GPU."),
        ("utilization.memory", "gpu_memory_utilization_ratio", 0.01, .gauge, "Share of the last sample period device memory was being read or written."),
        ("memory.total", "gpu_memory_total_bytes", 1_048_576, .gauge, "Total device memory in bytes."),
        ("memory.used", "gpu_memory_used_bytes", 1_048_576, .gauge, "Device memory in use in bytes."),
        ("power.draw", "gpu_power_draw_watts", 1, .gauge, "Board power draw in watts."),
        ("power.limit", "gpu_power_limit_watts", 1, .gauge, "Software power limit in watts."),
        ("clocks.sm", "gpu_sm_clock_hertz", 1_000_000, .gauge, "Current SM clock in hertz."),
        ("clocks.mem", "gpu_memory_clock_hertz", 1_000_000, .gauge, "Current memory clock in hertz."),
        ("ecc.errors.corrected.volatile.total", "gpu_ecc_errors_corrected_total", 1, .counter, "Corrected ECC errors since the last driver load."),
        ("ecc.errors.uncorrected.volatile.total", "gpu_ecc_errors_uncorrected_total", 1, .counter, "Uncorrected ECC errors since the last driver load."),
    ]

    /// Collector name.
    public let name = "gpu"
    public let summary = "NVIDIA GPU temperature, utilisation, memory, power, clocks and ECC errors (nvidia-smi)"
    /// Seconds nvidia-smi may run before it is killed.
    public let commandTimeout: Double
    /// Executable name or path.
    public let executable: String
    /// Where to look for `executable` (nil: the process's PATH).
    public let searchPath: String?
    /// Environment for the child (nil: inherit).
    public let environment: [String: String]?

    private let running = Locked<Bool>(false)
    private let lastErrorText = Locked<String?>(nil)

    /// Creates the collector.
    public init(commandTimeout: Double = 5, executable: String = "nvidia-smi",
                searchPath: String? = nil, environment: [String: String]? = nil) {
        self.commandTimeout = commandTimeout
        self.executable = executable
        self.searchPath = searchPath
        self.environment = environment
    }

    /// The pass budget leaves nvidia-smi its whole timeout plus a margin for parsing.
    public var timeout: Double { commandTimeout + 1 }

    /// The last error in words (stderr or output of a failed run), for
    /// humans; labels carry only the short reason.
    public var lastError: String? { lastErrorText.current }

    /// Families emitted.
    public var metrics: [MetricDescriptor] {
        GPUCollector.numericFields.map { MetricDescriptor($0.metric, $0.type, $0.help) } + [
            MetricDescriptor("opslab_gpu_devices", .gauge, "Number of GPUs nvidia-smi reported."),
            MetricDescriptor("opslab_gpu_field_unavailable", .gauge, "A GPU field nvidia-smi could not report; reason says why."),
            MetricDescriptor("opslab_gpu_collector_error", .gauge, "nvidia-smi could not be run or its output not parsed; reason says why."),
        ]
    }

    /// Maps nvidia-smi's documented exit codes to reasons.
    public static func reason(forExitCode code: Int32) -> String {
        switch code {
        case 4: return "no_permission"
        case 9: return "driver_not_loaded"
        case 12: return "nvml_not_found"
        case 15: return "gpu_lost"
        case 255: return "internal_error"
        default: return "exit_code"
        }
    }

    /// Runs nvidia-smi once and converts its output.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        var out = context.builder()
        let started = running.withLock { busy -> Bool in
            if busy { return false }
            busy = true
            return true
        }
        guard started else {
            // The previous nvidia-smi has not exited even after SIGKILL (a
            // driver hang in the kernel); a second one would hang the same way.
            return fail("still_running", code: nil, detail: "previous nvidia-smi has not exited", into: &out)
        }
        let running = self.running
        let budget = min(commandTimeout, max(0.001, context.deadline.remaining))
        let outcome = CommandRunner.run(executable, arguments: GPUCollector.arguments, environment: environment,
                                        searchPath: searchPath, timeout: budget,
                                        onExit: { running.withLock { $0 = false } })
        switch outcome {
        case .notFound(let name):
            return fail("missing_binary", code: nil, detail: "\(name) not found", into: &out)
        case .timedOut:
            return fail("timeout", code: nil, detail: "nvidia-smi did not finish in \(budget) s", into: &out)
        case .launchFailed(let why):
            return fail("launch_failed", code: nil, detail: why, into: &out)
        case .finished(let result) where result.exitCode != 0:
            let text = (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
            return fail(GPUCollector.reason(forExitCode: result.exitCode), code: result.exitCode, detail: text, into: &out)
        case .finished(let result):
            let malformed = GPUCollector.parse(result.stdout, into: &out)
            if malformed.isEmpty {
                lastErrorText.withLock { $0 = nil }
            } else {
                out.add("opslab_gpu_collector_error", ["reason": "malformed_line"], Double(malformed.count))
                lastErrorText.withLock { $0 = "unparsable nvidia-smi lines: " + malformed.joined(separator: " | ") }
            }
            return out.samples
        }
    }

    private func fail(_ reason: String, code: Int32?, detail: String, into out: inout SampleBuilder) -> [Sample] {
        lastErrorText.withLock { $0 = "\(reason): \(detail)" }
        // The exit code rides along only when there is one; an empty label
        // value would read as "no such label" to Prometheus anyway.
        let labels: Labels = code.map { ["reason": reason, "code": String($0)] } ?? ["reason": reason]
        out.add("opslab_gpu_collector_error", labels, 1)
        return out.samples
    }

    /// Converts nvidia-smi CSV output into samples; returns the lines it could not parse.
    @discardableResult
    static func parse(_ text: String, into out: inout SampleBuilder) -> [String] {
        var malformed: [String] = []
        var devices = 0
        var seenIndex = Set<String>()
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let columns = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard columns.count == queryFields.count, let index = Int(columns[0]), index >= 0,
                  !columns[1].isEmpty, seenIndex.insert(columns[0]).inserted else {
                malformed.append(line)
                continue
            }
            devices += 1
            let gpu = String(index)
            let labels: Labels = ["gpu": gpu, "uuid": columns[1], "name": columns[2]]
            for (offset, spec) in numericFields.enumerated() {
                let raw = columns[offset + 3]
                if let value = Double(raw), value.isFinite {
                    out.add(spec.metric, labels, value * spec.scale)
                } else {
                    let reason = unavailableReason(raw)
                    out.add("opslab_gpu_field_unavailable", ["gpu": gpu, "field": spec.field, "reason": reason], 1)
                }
            }
        }
        out.add("opslab_gpu_devices", Double(devices))
        return malformed
    }

    /// `[N/A]` -> not_available, `[Not Supported]` -> not_supported, other
    /// bracketed messages snake-cased (`[GPU requires reset]` ->
    /// gpu_requires_reset), anything else unparsable.
    static func unavailableReason(_ raw: String) -> String {
        switch raw {
        case "[N/A]", "N/A": return "not_available"
        case "[Not Supported]", "Not Supported": return "not_supported"
        default:
            guard raw.hasPrefix("["), raw.hasSuffix("]"), raw.count > 2 else { return "unparsable" }
            let words = raw.dropFirst().dropLast().lowercased()
            let snake = MetricNames.sanitize(String(words))
            return snake.isEmpty ? "unparsable" : String(snake.prefix(48))
        }
    }
}
