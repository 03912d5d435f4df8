// The GPU collector against a fake nvidia-smi: captured outputs, missing
// fields, malformed lines, a missing binary, exit codes 12 and 255, a hang.

import Foundation
import Testing
@testable import Telemetry

@Suite struct GPUCollectorTests {
    /// A directory holding an executable `nvidia-smi` that runs the fixture
    /// script (through /bin/sh, so the fixture's own mode bits do not matter).
    static let fakeDir: String = {
        let script = "#!/bin/sh\nexec /bin/sh '\(Fixtures.nvidiaSMI)/fake-nvidia-smi.sh' \"$@\"\n"
        return (try? temporaryExecutable(named: "nvidia-smi", script: script)) ?? "/nonexistent"
    }()

    static func collector(mode: String, timeout: Double = 5) -> GPUCollector {
        GPUCollector(commandTimeout: timeout, searchPath: fakeDir, environment: ["FAKE_NVIDIA_SMI_MODE": mode])
    }

    static func collect(mode: String, timeout: Double = 5) throws -> [Sample] {
        try collector(mode: mode, timeout: timeout).collect(CollectContext(timestampMs: 0))
    }

    @Test func healthyH200s() throws {
        let samples = try Self.collect(mode: "print:h200x2.csv")
        let gpu1 = ["gpu": "1", "uuid": "GPU-a1d3e9c4-77b0-2f16-5e8a-c4f9021b6d3e", "name": "NVIDIA H200"]
        #expect(samples.value("opslab_gpu_devices") == 2)
        #expect(samples.value("gpu_temperature_celsius", gpu1) == 41)
        #expect(samples.value("gpu_utilization_ratio", gpu1) == 0.97)
        #expect(samples.value("gpu_memory_total_bytes", gpu1) == Double(143_771 * 1_048_576))
        #expect(samples.value("gpu_power_draw_watts", gpu1) == 612.87)
        #expect(samples.value("gpu_sm_clock_hertz", gpu1) == 1_980_000_000)
        #expect(samples.value("gpu_ecc_errors_corrected_total", gpu1) == 3)
        #expect(samples.named("opslab_gpu_collector_error").isEmpty)
        #expect(samples.named("opslab_gpu_field_unavailable").isEmpty)
        let collector = Self.collector(mode: "print:h200x2.csv")
        #expect(throws: Never.self) {
            try SampleValidator.validate(samples, descriptors: MetricCatalog(collector.metrics))
        }
    }

    @Test func unavailableFieldsDegradePerField() throws {
        let samples = try Self.collect(mode: "print:degraded.csv")
        #expect(samples.value("opslab_gpu_devices") == 3)
        #expect(samples.value("opslab_gpu_field_unavailable",
                              ["gpu": "0", "field": "ecc.errors.corrected.volatile.total", "reason": "not_available"]) == 1)
        #expect(samples.value("opslab_gpu_field_unavailable",
                              ["gpu": "1", "field": "temperature.gpu", "reason": "not_supported"]) == 1)
        #expect(samples.value("opslab_gpu_field_unavailable",
                              ["gpu": "2", "field": "ecc.errors.corrected.volatile.total", "reason": "unknown_error"]) == 1)
        // Everything that was reported is still there.
        #expect(samples.value("gpu_temperature_celsius", ["gpu": "0"]) == 45)
        #expect(samples.value("gpu_power_limit_watts", ["gpu": "1"]) == 70)
        #expect(samples.value("gpu_temperature_celsius", ["gpu": "1"]) == nil)
        #expect(samples.value("gpu_ecc_errors_uncorrected_total", ["gpu": "2"]) == 2)
    }

    @Test func malformedLinesAreCountedAndGoodLinesKept() throws {
        let collector = Self.collector(mode: "print:malformed.csv")
        let samples = try collector.collect(CollectContext(timestampMs: 0))
        #expect(samples.value("opslab_gpu_devices") == 1)
        #expect(samples.value("opslab_gpu_collector_error", ["reason": "malformed_line"]) == 2)
        #expect(samples.value("gpu_temperature_celsius", ["gpu": "0"]) == 34)
        #expect(collector.lastError?.contains("Unable to determine the device handle") == true)
    }

    @Test(arguments: [(Int32(12), "nvml_not_found"), (255, "internal_error"), (9, "driver_not_loaded"), (3, "exit_code")])
    func exitCodesBecomeReasons(code: Int32, reason: String) throws {
        let collector = Self.collector(mode: "exit:\(code)")
        let samples = try collector.collect(CollectContext(timestampMs: 0))
        #expect(samples.count == 1)
        #expect(samples.value("opslab_gpu_collector_error", ["reason": reason, "code": String(code)]) == 1)
        #expect(collector.lastError?.contains("couldn't communicate with the NVIDIA driver") == true)
    }

    @Test func missingBinary() throws {
        let collector = GPUCollector(searchPath: "/nonexistent-opslab")
        let samples = try collector.collect(CollectContext(timestampMs: 0))
        #expect(samples.value("opslab_gpu_collector_error", ["reason": "missing_binary"]) == 1)
    }

    @Test func hangingNvidiaSMIIsKilledAtTheTimeout() throws {
        let start = Date()
        let samples = try Self.collect(mode: "hang", timeout: 0.5)
        #expect(Date().timeIntervalSince(start) < 3)
        #expect(samples.value("opslab_gpu_collector_error", ["reason": "timeout"]) == 1)
    }

    @Test func commandRunnerReportsExitStatusAndOutput() {
        let outcome = CommandRunner.run("/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"], timeout: 5)
        #expect(outcome == .finished(CommandResult(stdout: "out\n", stderr: "err\n", exitCode: 3)))
        #expect(CommandRunner.run("no-such-binary-opslab", arguments: [], timeout: 1) == .notFound("no-such-binary-opslab"))
    }
}
