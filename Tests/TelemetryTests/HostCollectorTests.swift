// The /proc collectors against fixture trees: host-a and host-b are captures
// of a real 2-CPU VM taken two seconds apart; edge is hand-made to hold the
// odd shapes (old kernels, glued counters, hostile process names, garbage).

import Testing
@testable import Telemetry

@Suite struct CPUCollectorTests {
    @Test func readsSecondsPerCPUAndMode() throws {
        let samples = try CPUCollector().collect(Fixtures.context("host-a"))
        // cpu0 user 1343 ticks at USER_HZ 100.
        #expect(samples.value("node_cpu_seconds_total", ["cpu": "0", "mode": "user"]) == 13.43)
        #expect(samples.value("node_cpu_seconds_total", ["cpu": "1", "mode": "idle"]) == 286.76)
        #expect(samples.value("opslab_cpu_all_seconds_total", ["mode": "system"]) == 18.2)
        #expect(samples.named("node_cpu_seconds_total").count == 16)
        #expect(samples.value("node_context_switches_total") == 197402)
        #expect(samples.value("node_forks_total") == 3214)
        #expect(samples.value("node_procs_running") == 1)
        // No previous pass: no ratio yet.
        #expect(samples.named("opslab_cpu_usage_ratio").isEmpty)
    }

    @Test func usageRatioComesFromTheDeltaBetweenPasses() throws {
        let collector = CPUCollector()
        _ = try collector.collect(Fixtures.context("host-a"))
        let second = try collector.collect(Fixtures.context("host-b"))
        // cpu0: 211 ticks elapsed, 205 of them idle or iowait.
        let cpu0 = try #require(second.value("opslab_cpu_usage_ratio", ["cpu": "0"]))
        #expect(abs(cpu0 - 6.0 / 211.0) < 1e-12)
        let all = try #require(second.value("opslab_cpu_all_usage_ratio"))
        #expect(abs(all - 11.0 / 419.0) < 1e-12)
    }

    @Test func toleratesShortAndGarbageLines() throws {
        let samples = try CPUCollector().collect(Fixtures.context("edge"))
        // cpu1 has only the four classic columns: no iowait series for it.
        #expect(samples.value("node_cpu_seconds_total", ["cpu": "1", "mode": "idle"]) == 25)
        #expect(samples.value("node_cpu_seconds_total", ["cpu": "1", "mode": "iowait"]) == nil)
        #expect(samples.value("node_cpu_guest_seconds_total", ["cpu": "0", "mode": "user"]) == 0.4)
        #expect(!samples.contains { $0.labels["cpu"] == "foo" || $0.labels["cpu"] == "2" && $0.value.isNaN })
        #expect(throws: Never.self) { try SampleValidator.validate(samples) }
    }
}

@Suite struct MemoryCollectorTests {
    @Test func convertsKiBToBytesWithSnakeCaseNames() throws {
        let samples = try MemoryCollector().collect(Fixtures.context("host-a"))
        #expect(samples.value("node_memory_mem_total_bytes") == Double(24_683_656 * 1024))
        #expect(samples.value("node_memory_mem_available_bytes") == Double(24_445_604 * 1024))
        #expect(samples.value("node_memory_used_bytes") == Double((24_683_656 - 24_445_604) * 1024))
        #expect(samples.value("node_memory_active_anon_bytes") != nil)
        #expect(samples.value("node_memory_huge_pages_total_pages") == 0)
        #expect(samples.allSatisfy { MetricNames.isValidMetricName($0.name) && !$0.name.contains("Mem") })
    }

    @Test func mapsToNodeExporterNames() {
        #expect(MemoryCollector.nodeExporterName(forField: "Active(anon)") == "node_memory_Active_anon_bytes")
        #expect(MemoryCollector.nodeExporterName(forField: "HugePages_Total", hasUnit: false) == "node_memory_HugePages_Total")
        #expect(MemoryCollector.metricName(forField: "MemTotal") == "node_memory_mem_total_bytes")
        // Lint-driven renames: a lone "s"/"sec" part would read as seconds.
        #expect(MemoryCollector.metricName(forField: "SReclaimable") == "node_memory_slab_reclaimable_bytes")
        #expect(MemoryCollector.metricName(forField: "DirectMap2M") == "node_memory_direct_map2m_bytes")
    }

    @Test func skipsMalformedLines() throws {
        let samples = try MemoryCollector().collect(Fixtures.context("edge"))
        #expect(samples.value("node_memory_mem_total_bytes") == Double(16_384_000 * 1024))
        #expect(samples.value("node_memory_huge_pages_total_pages") == 4)
        #expect(samples.value("node_memory_direct_map4k_bytes") == Double(123 * 1024))
        #expect(samples.names.isDisjoint(with: ["node_memory_not_a_number_bytes", "node_memory_weird_unit_bytes",
                                                  "node_memory_no_colon_bytes"]))
    }
}

@Suite struct SwapAndLoadCollectorTests {
    @Test func swapDevicesAndPageCounters() throws {
        let samples = try SwapCollector().collect(Fixtures.context("edge"))
        #expect(samples.value("opslab_swap_device_size_bytes", ["device": "/dev/sda2"]) == Double(2_097_148 * 1024))
        #expect(samples.value("opslab_swap_device_used_bytes", ["device": "/swap file", "type": "file"]) == 0)
        #expect(samples.value("opslab_swap_devices") == 2)
        #expect(samples.value("opslab_swap_in_pages_total") == 17)
        #expect(samples.value("opslab_swap_out_pages_total") == 42)
        let none = try SwapCollector().collect(Fixtures.context("host-a"))
        #expect(none.value("opslab_swap_devices") == 0)
    }

    @Test func loadUptimeAndBootTime() throws {
        let samples = try LoadCollector().collect(Fixtures.context("edge", timestampMs: 1_700_000_123_500))
        #expect(samples.value("node_load1") == 0.5)
        #expect(samples.value("node_load15") == 2)
        #expect(samples.value("opslab_load_tasks") == 412)
        #expect(samples.value("opslab_uptime_seconds") == 12345.67)
        #expect(samples.value("node_boot_time_seconds") == 1_700_000_000)
        #expect(samples.value("node_time_seconds") == 1_700_000_123.5)
    }

    @Test func loadFailsOnlyWhenEverySourceIsMissing() {
        let context = CollectContext(procRoot: "/nonexistent-opslab", sysRoot: "/nonexistent-opslab")
        #expect(throws: CollectorError.self) { try LoadCollector().collect(context) }
    }
}

@Suite struct DiskAndNetworkCollectorTests {
    @Test func diskCountersInBaseUnits() throws {
        let samples = try DiskCollector().collect(Fixtures.context("host-a"))
        #expect(samples.value("node_disk_read_bytes_total", ["device": "vda"]) == Double(2_473_722 * 512))
        #expect(samples.value("node_disk_read_time_seconds_total", ["device": "vda"]) == 9.064)
        #expect(samples.value("node_disk_flush_requests_total", ["device": "vda"]) == 604)
        #expect(!samples.contains { ($0.labels["device"] ?? "").hasPrefix("loop") })
        #expect(samples.filter { $0.labels["device"] == "zram0" }.isEmpty)
    }

    @Test func diskHandlesOldAndNewKernelsAndSkipsPartitions() throws {
        let samples = try DiskCollector().collect(Fixtures.context("edge"))
        let devices = Set(samples.compactMap { $0.labels["device"] })
        #expect(devices == ["sda", "nvme0n1", "vdb"])
        // sda has the 11 pre-4.18 columns only.
        #expect(samples.value("node_disk_io_time_seconds_total", ["device": "sda"]) == 0.12)
        #expect(samples.value("node_disk_discards_completed_total", ["device": "sda"]) == nil)
        #expect(samples.value("node_disk_discards_completed_total", ["device": "nvme0n1"]) == 5)
        #expect(samples.value("node_disk_flush_requests_time_seconds_total", ["device": "vdb"]) == 0.007)
    }

    @Test(arguments: [("sda1", true), ("sda", false), ("nvme0n1p2", true), ("nvme0n1", false), ("loop7", true),
                      ("ram0", true), ("zram1", true), ("xvda3", true), ("dm-0", false), ("md127", false)])
    func nodeExporterDeviceFilter(device: String, ignored: Bool) {
        #expect(DiskCollector.isIgnoredDevice(device) == ignored)
    }

    @Test func networkCountersAndLinkState() throws {
        let samples = try NetworkCollector().collect(Fixtures.context("edge"))
        #expect(samples.value("node_network_receive_bytes_total", ["device": "eth0"]) == 123_456_789_012)
        #expect(samples.value("node_network_receive_multicast_total", ["device": "eth0"]) == 7)
        #expect(samples.value("node_network_transmit_packets_total", ["device": "weird.dev"]) == 4)
        #expect(samples.value("node_network_up", ["device": "eth0"]) == 1)
        #expect(samples.value("node_network_up", ["device": "weird.dev"]) == 0)
        #expect(samples.filter { $0.labels["device"] == "short" }.isEmpty)
        let host = try NetworkCollector().collect(Fixtures.context("host-a"))
        #expect(host.value("node_network_receive_bytes_total", ["device": "eth0"]) == 25_874_829)
        #expect(host.value("node_network_up", ["device": "lo"]) == 0) // operstate "unknown"
    }
}

@Suite struct ProcessAndPressureCollectorTests {
    @Test func countsStatesAndRanksTopProcesses() throws {
        let samples = try ProcessCollector(topN: 2).collect(Fixtures.context("edge"))
        #expect(samples.value("node_processes_state", ["state": "R"]) == 1)
        #expect(samples.value("node_processes_state", ["state": "Z"]) == 1)
        #expect(samples.value("node_processes_pids") == 2)  // 102 is unparsable
        #expect(samples.value("node_processes_threads") == 5)
        #expect(samples.value("node_processes_max_processes") == 4_194_304)
        let top = try #require(samples.named("opslab_top_process_resident_memory_bytes").first { $0.labels["rank"] == "1" })
        #expect(top.labels["comm"] == "evil) name (x")
        #expect(top.labels["pid"] == "100")
        #expect(top.value == 2560 * KernelUnits.pageSize)
        // First pass: lifetime average, 4 CPU seconds over (12345.67 - 10) s.
        let cpu = try #require(samples.value("opslab_top_process_cpu_ratio", ["rank": "1"]))
        #expect(abs(cpu - 4 / (12345.67 - 10)) < 1e-9)
        #expect(samples.named("opslab_top_process_cpu_ratio").count == 2)
    }

    @Test func topListIsBoundedOnARealCapture() throws {
        let collector = ProcessCollector(topN: 3)
        _ = try collector.collect(Fixtures.context("host-a", timestampMs: 1_000))
        let second = try collector.collect(Fixtures.context("host-b", timestampMs: 3_000))
        #expect(second.named("opslab_top_process_cpu_ratio").count == 3)
        #expect(second.named("opslab_top_process_resident_memory_bytes").count == 3)
        #expect(second.allSatisfy { $0.value.isFinite && $0.value >= 0 })
        #expect(throws: Never.self) { try SampleValidator.validate(second) }
    }

    @Test func pressureTotalsAndAverages() throws {
        let samples = try PressureCollector().collect(Fixtures.context("edge"))
        #expect(samples.value("node_pressure_cpu_waiting_seconds_total") == 2.5)
        #expect(samples.value("node_pressure_memory_stalled_seconds_total") == 1.5)
        #expect(samples.value("opslab_pressure_ratio", ["resource": "cpu", "kind": "some", "window": "10s"]) == 0.125)
        // No io file in the edge tree: that resource is simply absent.
        #expect(samples.value("node_pressure_io_waiting_seconds_total") == nil)
        let host = try PressureCollector().collect(Fixtures.context("host-a"))
        #expect(host.value("node_pressure_io_stalled_seconds_total") == 3.482307)
    }

    @Test func pressureUnavailableWithoutPSI() {
        #expect(throws: CollectorError.self) {
            try PressureCollector().collect(CollectContext(procRoot: "/nonexistent-opslab"))
        }
    }
}
