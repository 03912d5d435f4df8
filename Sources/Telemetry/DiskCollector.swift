// Block device I/O from /proc/diskstats.
//
// Names, units and the default device filter are node_exporter's diskstats
// collector's: sectors become bytes (always 512-byte sectors in this file),
// milliseconds become seconds, and partitions, loop, ram and zram devices are
// left out so that sums over devices do not count the same I/O twice.

/// Reads `/proc/diskstats`.
///
/// Emits, labelled `{device}`: `node_disk_reads_completed_total`,
/// `node_disk_reads_merged_total`, `node_disk_read_bytes_total`,
/// `node_disk_read_time_seconds_total`, `node_disk_writes_completed_total`,
/// `node_disk_writes_merged_total`, `node_disk_written_bytes_total`,
/// `node_disk_write_time_seconds_total`, `node_disk_io_now`,
/// `node_disk_io_time_seconds_total`, `node_disk_io_time_weighted_seconds_total`,
/// and on kernels that report them (4.18+, 5.5+) `node_disk_discards_completed_total`,
/// `node_disk_discards_merged_total`, `node_disk_discarded_sectors_total`,
/// `node_disk_discard_time_seconds_total`, `node_disk_flush_requests_total`,
/// `node_disk_flush_requests_time_seconds_total`.
public struct DiskCollector: Collector {
    /// Collector name.
    public let name = "disk"
    public let summary = "Disk I/O: reads, writes, bytes and time per device (/proc/diskstats)"

    /// Column (0-based, after major, minor and name), metric, scale, type, help.
    static let columns: [(index: Int, name: String, scale: Double, type: MetricType, help: String)] = [
        (0, "node_disk_reads_completed_total", 1, .counter, "The total number of reads completed successfully."),
        (1, "node_disk_reads_merged_total", 1, .counter, "The total number of reads merged."),
        (2, "node_disk_read_bytes_total", KernelUnits.diskSectorBytes, .counter, "The total number of bytes read successfully."),
        (3, "node_disk_read_time_seconds_total", 0.001, .counter, "The total number of seconds spent by all reads."),
        (4, "node_disk_writes_completed_total", 1, .counter, "The total number of writes completed successfully."),
        (5, "node_disk_writes_merged_total", 1, .counter, "The number of writes merged."),
        (6, "node_disk_written_bytes_total", KernelUnits.diskSectorBytes, .counter, "The total number of bytes written successfully."),
        (7, "node_disk_write_time_seconds_total", 0.001, .counter, "This is the total number of seconds spent by all writes."),
        (8, "node_disk_io_now", 1, .gauge, "The number of I/Os currently in progress."),
        (9, "node_disk_io_time_seconds_total", 0.001, .counter, "Total seconds spent doing I/Os."),
        (10, "node_disk_io_time_weighted_seconds_total", 0.001, .counter, "The weighted number of seconds spent doing I/Os."),
        (11, "node_disk_discards_completed_total", 1, .counter, "The total number of discards completed successfully."),
        (12, "node_disk_discards_merged_total", 1, .counter, "The total number of discards merged."),
        (13, "node_disk_discarded_sectors_total", 1, .counter, "The total number of sectors discarded successfully."),
        (14, "node_disk_discard_time_seconds_total", 0.001, .counter, "This is the total number of seconds spent by all discards."),
        (15, "node_disk_flush_requests_total", 1, .counter, "The total number of flush requests completed successfully."),
        (16, "node_disk_flush_requests_time_seconds_total", 0.001, .counter, "This is the total number of seconds spent by all flush requests."),
    ]

    /// Families emitted.
    public var metrics: [MetricDescriptor] {
        DiskCollector.columns.map { MetricDescriptor($0.name, $0.type, $0.help) }
    }

    /// node_exporter's default `--collector.diskstats.device-exclude`,
    /// `^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$`, written out by hand
    /// because the pattern is fixed and a hand check cannot fail to compile.
    public static func isIgnoredDevice(_ device: String) -> Bool {
        let chars = Array(device)
        // Splits "sda12" into ("sda", "12"): the pattern always ends in digits.
        var split = chars.count
        while split > 0, chars[split - 1].isASCII, chars[split - 1].isNumber { split -= 1 }
        guard split < chars.count, split > 0 else { return false }
        let stem = String(chars[..<split])
        if ["ram", "zram", "loop", "fd"].contains(stem) { return true }
        if stem.count == 3, let first = stem.first, ["h", "s", "v"].contains(first), stem.dropFirst().first == "d",
           let last = stem.last, last.isASCII, last.isLowercase {
            return true
        }
        if stem.count == 4, stem.hasPrefix("xvd"), let last = stem.last, last.isASCII, last.isLowercase {
            return true
        }
        // nvme<digits>n<digits>p
        if stem.hasPrefix("nvme"), stem.hasSuffix("p") {
            let middle = stem.dropFirst(4).dropLast()
            let parts = middle.split(separator: "n", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        }
        return false
    }

    /// Reads /proc/diskstats once.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        var out = context.builder()
        var seen = Set<String>()
        for line in try ProcFiles.lines(context.proc("diskstats")) {
            let f = ProcParse.fields(line)
            // major minor name + at least the 11 classic columns.
            guard f.count >= 14 else { continue }
            let device = String(f[2])
            guard !DiskCollector.isIgnoredDevice(device), seen.insert(device).inserted else { continue }
            let values = Array(f.dropFirst(3))
            let labels: Labels = ["device": device]
            for column in DiskCollector.columns where column.index < values.count {
                guard let raw = ProcParse.double(values[column.index]) else { continue }
                out.add(column.name, labels, raw * column.scale)
            }
        }
        return out.samples
    }
}
