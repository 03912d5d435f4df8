// Memory from /proc/meminfo.
//
// node_exporter publishes every meminfo field as node_memory_<Field>_bytes,
// keeping the kernel's CamelCase (node_memory_MemTotal_bytes). promtool's
// linter rejects CamelCase metric names, and `promtool check metrics` is part
// of opslab's checks, so opslab snake-cases the field instead and keeps the
// values identical:
//
//     node_exporter                      opslab
//     node_memory_MemTotal_bytes         node_memory_mem_total_bytes
//     node_memory_MemAvailable_bytes     node_memory_mem_available_bytes
//     node_memory_Active_anon_bytes      node_memory_active_anon_bytes
//     node_memory_HugePages_Total        node_memory_huge_pages_total_pages
//     node_memory_SReclaimable_bytes     node_memory_slab_reclaimable_bytes
//     node_memory_SUnreclaim_bytes       node_memory_slab_unreclaimable_bytes
//     node_memory_SecPageTables_bytes    node_memory_secondary_page_tables_bytes
//
// `MemoryCollector.metricName(forField:)` is that mapping, and
// `nodeExporterName(forField:)` gives the node_exporter side of it, so a
// comparison against a real node_exporter needs no hand-written table.

import Foundation

/// Reads `/proc/meminfo`.
///
/// Emits one gauge per field: `node_memory_<snake_field>_bytes` for fields in
/// kB (converted to bytes), `node_memory_<snake_field>_pages` for unit-less
/// counts (the HugePages_* fields), and the derived
/// `node_memory_used_bytes` = MemTotal - MemAvailable.
public struct MemoryCollector: Collector {
    /// Collector name.
    public let name = "memory"
    public let summary = "Memory in bytes from /proc/meminfo"

    /// The well-known families; other meminfo fields are emitted under the
    /// same rule and described generically.
    public var metrics: [MetricDescriptor] {
        // Every field of a 6.x kernel; fields added by later kernels are still
        // emitted under the same rule, as untyped families.
        let known = [
            "MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active", "Inactive",
            "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "Mlocked",
            "SwapTotal", "SwapFree", "Zswap", "Zswapped", "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem",
            "KReclaimable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables", "SecPageTables",
            "NFS_Unstable", "Bounce", "WritebackTmp", "CommitLimit", "Committed_AS", "VmallocTotal",
            "VmallocUsed", "VmallocChunk", "Percpu", "AnonHugePages", "ShmemHugePages", "ShmemPmdMapped",
            "FileHugePages", "FilePmdMapped", "Balloon", "HugePages_Total", "HugePages_Free", "HugePages_Rsvd",
            "HugePages_Surp", "Hugepagesize", "Hugetlb", "DirectMap4k", "DirectMap2M", "DirectMap1G",
            "CmaTotal", "CmaFree", "Unaccepted", "HardwareCorrupted", "Quicklists", "MmapCopy",
            "ShadowCallStack",
        ]
        return known.map { MemoryCollector.descriptor(forField: $0, hasUnit: !$0.hasPrefix("HugePages_")) }
            + [MetricDescriptor("node_memory_used_bytes", .gauge,
                                "Memory in use: MemTotal minus MemAvailable, in bytes.")]
    }

    /// The opslab metric name for a meminfo field (`MemTotal` ->
    /// `node_memory_mem_total_bytes`); `hasUnit` is false for unit-less fields.
    public static func metricName(forField field: String, hasUnit: Bool = true) -> String {
        "node_memory_" + (renamed[field] ?? MetricNames.snakeCase(field)) + (hasUnit ? "_bytes" : "_pages")
    }

    /// Fields whose mechanical snake case would trip promtool's lint: a lone
    /// "s" or "sec" part reads as an abbreviated unit (seconds).
    static let renamed: [String: String] = [
        "SReclaimable": "slab_reclaimable",
        "SUnreclaim": "slab_unreclaimable",
        "SecPageTables": "secondary_page_tables",
    ]

    /// node_exporter's name for the same field (`Active(anon)` ->
    /// `node_memory_Active_anon_bytes`, `HugePages_Total` -> `node_memory_HugePages_Total`).
    public static func nodeExporterName(forField field: String, hasUnit: Bool = true) -> String {
        var cleaned = field.replacingOccurrences(of: "(", with: "_")
        cleaned = cleaned.replacingOccurrences(of: ")", with: "")
        return "node_memory_" + cleaned + (hasUnit ? "_bytes" : "")
    }

    static func descriptor(forField field: String, hasUnit: Bool) -> MetricDescriptor {
        MetricDescriptor(metricName(forField: field, hasUnit: hasUnit), .gauge,
                         "Memory information field \(field) from /proc/meminfo" + (hasUnit ? ", in bytes." : "."))
    }

    /// One meminfo line: field, value in base units, and whether it had a unit.
    struct Field {
        var name: String
        var value: Double
        var hasUnit: Bool
    }

    /// Parses meminfo text; lines that do not look like `Name: value [kB]` are skipped.
    static func parse(_ text: String) -> [Field] {
        var fields: [Field] = []
        for (name, rest) in ProcParse.namedLines(text) {
            guard let number = ProcParse.double(rest.first) else { continue }
            if rest.count >= 2 {
                // The kernel prints "kB" but means KiB.
                guard rest[1].lowercased() == "kb" else { continue }
                fields.append(Field(name: name, value: number * 1024, hasUnit: true))
            } else {
                fields.append(Field(name: name, value: number, hasUnit: false))
            }
        }
        return fields
    }

    /// Reads /proc/meminfo once.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        let path = context.proc("meminfo")
        let fields = MemoryCollector.parse(try ProcFiles.read(path))
        guard !fields.isEmpty else { throw ProcFileError.malformed(path: path, detail: "no fields") }
        var out = context.builder()
        var seen = Set<String>()
        var byName: [String: Double] = [:]
        for field in fields {
            let metric = MemoryCollector.metricName(forField: field.name, hasUnit: field.hasUnit)
            // Two kernel fields could snake-case to one name; keep the first
            // rather than emit a duplicate series.
            guard MetricNames.isValidMetricName(metric), seen.insert(metric).inserted else { continue }
            out.add(metric, field.value)
            byName[field.name] = field.value
        }
        if let total = byName["MemTotal"], let available = byName["MemAvailable"] {
            out.add("node_memory_used_bytes", max(0, total - available))
        }
        return out.samples
    }
}

/// Reads `/proc/swaps` (per swap device) and the swap counters of `/proc/vmstat`.
///
/// Machine-wide swap size and free space are meminfo fields
/// (`node_memory_swap_total_bytes`, `node_memory_swap_free_bytes`, from the
/// memory collector). This one adds:
/// - `opslab_swap_device_size_bytes{device,type}`, `opslab_swap_device_used_bytes{device,type}`
/// - `opslab_swap_in_pages_total`, `opslab_swap_out_pages_total` (node_exporter's
///   untyped `node_vmstat_pswpin` / `node_vmstat_pswpout`)
/// - `opslab_swap_devices`: number of active swap areas
public struct SwapCollector: Collector {
    /// Collector name.
    public let name = "swap"
    public let summary = "Swap devices and paging (/proc/swaps, /proc/vmstat)"

    /// Families emitted.
    public var metrics: [MetricDescriptor] {
        [
            MetricDescriptor("opslab_swap_device_size_bytes", .gauge, "Size of a swap area, in bytes."),
            MetricDescriptor("opslab_swap_device_used_bytes", .gauge, "Space used in a swap area, in bytes."),
            MetricDescriptor("opslab_swap_devices", .gauge, "Number of active swap areas."),
            MetricDescriptor("opslab_swap_in_pages_total", .counter, "Pages swapped in since boot (vmstat pswpin)."),
            MetricDescriptor("opslab_swap_out_pages_total", .counter, "Pages swapped out since boot (vmstat pswpout)."),
        ]
    }

    /// Reads /proc/swaps and /proc/vmstat once.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        var out = context.builder()
        let swapsPath = context.proc("swaps")
        var devices = 0
        // Header: "Filename Type Size Used Priority"; sizes are in KiB.
        for line in try ProcFiles.lines(swapsPath).dropFirst() {
            let f = ProcParse.fields(line)
            guard f.count >= 4, let size = ProcParse.double(f, 2), let used = ProcParse.double(f, 3) else { continue }
            let labels: Labels = ["device": ProcParse.unescapeOctal(f[0]), "type": String(f[1])]
            out.add("opslab_swap_device_size_bytes", labels, size * 1024)
            out.add("opslab_swap_device_used_bytes", labels, used * 1024)
            devices += 1
        }
        out.add("opslab_swap_devices", Double(devices))
        if let vmstat = ProcFiles.readIfPresent(context.proc("vmstat")) {
            for line in vmstat.split(separator: "\n") {
                let f = ProcParse.fields(line)
                guard f.count == 2 else { continue }
                if f[0] == "pswpin" { out.add("opslab_swap_in_pages_total", ifPresent: ProcParse.double(f, 1)) }
                if f[0] == "pswpout" { out.add("opslab_swap_out_pages_total", ifPresent: ProcParse.double(f, 1)) }
            }
        }
        return out.samples
    }
}
