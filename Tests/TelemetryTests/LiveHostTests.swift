// Every built-in collector against this machine's real /proc and /sys.
// Values cannot be predicted, so the checks are sanity bounds; the point is
// that the parsers accept the running kernel's files and produce valid output.

import Foundation
import Testing
@testable import Telemetry

@Suite(.serialized) struct LiveHostTests {
    static let isLinux = FileManager.default.fileExists(atPath: "/proc/stat")

    @Test(.enabled(if: isLinux)) func everyCollectorProducesValidSamples() {
        let runner = CollectorRunner(collectors: BuiltinCollectors.all())
        let pass = runner.runPass()
        for report in pass.reports {
            switch (report.collector, report.status) {
            case (_, .ok): break
            // No PSI or no NVIDIA driver is a property of the host, not a bug.
            case ("pressure", .failed): break
            default: Issue.record("\(report.collector): \(report.status)")
            }
        }
        let s = pass.samples
        #expect((s.value("node_memory_mem_total_bytes") ?? 0) > 0)
        #expect((s.value("node_memory_mem_available_bytes") ?? -1) >= 0)
        #expect((s.value("node_boot_time_seconds") ?? 0) > 1_000_000_000)
        // In a container "/" is an overlay, which node_exporter's filter leaves out.
        if let root = s.value("node_filesystem_size_bytes", ["mountpoint": "/"]) { #expect(root > 0) }
        #expect(s.named("node_filesystem_size_bytes").allSatisfy { $0.value >= 0 })
        #expect(!s.named("node_network_receive_bytes_total").isEmpty)
        #expect((s.value("node_processes_pids") ?? 0) > 0)
        // The GPU collector reports an error metric or real GPUs, never nothing.
        #expect(!s.named("opslab_gpu_collector_error").isEmpty || (s.value("opslab_gpu_devices") ?? 0) > 0)
        #expect(throws: Never.self) { try SampleValidator.validate(s, descriptors: runner.catalog) }
        let text = pass.exposition(catalog: runner.catalog)
        #expect(text.hasPrefix("# HELP "))
        // The naming rules `promtool check metrics` lints, checked on every
        // family a real host produces (promtool itself is not a test dependency).
        for family in runner.catalog.families(for: s) {
            let name = family.name
            // Meminfo fields newer than the collector's list are untyped by design.
            #expect(family.descriptor.type != .untyped || name.hasPrefix("node_memory_"), "\(name) has no descriptor")
            #expect(name.range(of: "[a-z][A-Z]", options: .regularExpression) == nil, "\(name) is camelCase")
            #expect((family.descriptor.type == .counter) == name.hasSuffix("_total"), "\(name): _total iff counter")
            let parts = Set(name.split(separator: "_").map(String.init))
            #expect(parts.isDisjoint(with: ["s", "ms", "sec", "kb", "mb", "gb", "percent", "m"]), "\(name): abbreviated unit")
        }
    }

    @Test(.enabled(if: isLinux)) func cpuSecondsIncreaseBetweenPasses() throws {
        let collector = CPUCollector()
        let first = try collector.collect(CollectContext())
        // Burn a little CPU so that at least one tick (10 ms) is accounted.
        let until = Date().addingTimeInterval(0.15)
        var x = 0.0
        while Date() < until { x += sin(x) + 1 }
        #expect(x > 0)
        let second = try collector.collect(CollectContext())
        let sum = { (samples: [Sample]) in samples.named("node_cpu_seconds_total").reduce(0) { $0 + $1.value } }
        #expect(sum(second) > sum(first))
        let ratio = try #require(second.value("opslab_cpu_all_usage_ratio"))
        #expect(ratio >= 0 && ratio <= 1)
    }
}
