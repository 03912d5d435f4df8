// Filesystem sizes: the mount table from /proc/self/mounts, sizes from statvfs.
//
// statvfs on a network mount whose server is gone blocks in the kernel,
// possibly forever. Every statvfs therefore runs on a helper thread; all of a
// pass's calls start together and share one deadline, a mount that misses it
// is reported as an error metric, and while its abandoned call is still
// blocked the mount is not stat'ed again (node_exporter's "stuck mounts"), so
// a dead server costs one thread, not one per pass.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of the mount table.
public struct MountEntry: Sendable, Hashable {
    /// Device or source (`/dev/vda`, `tmpfs`, `server:/export`).
    public var device: String
    /// Where it is mounted (octal escapes decoded).
    public var mountPoint: String
    /// Filesystem type (`ext4`, `nfs4`, ...).
    public var fsType: String
    /// Mount options.
    public var options: [String]

    /// Creates an entry.
    public init(device: String, mountPoint: String, fsType: String, options: [String]) {
        self.device = device
        self.mountPoint = mountPoint
        self.fsType = fsType
        self.options = options
    }

    /// True when mounted read-only.
    public var isReadOnly: Bool { options.contains("ro") }

    /// Parses /proc/self/mounts text; short lines are skipped.
    public static func parseTable(_ text: String) -> [MountEntry] {
        text.split(separator: "\n").compactMap { line in
            let f = ProcParse.fields(line)
            guard f.count >= 4 else { return nil }
            return MountEntry(device: ProcParse.unescapeOctal(f[0]), mountPoint: ProcParse.unescapeOctal(f[1]),
                              fsType: String(f[2]), options: f[3].split(separator: ",").map(String.init))
        }
    }
}

/// The numbers statvfs returns, as the collector needs them.
public struct FilesystemStats: Sendable, Hashable {
    /// Block size used for the block counts (statvfs f_bsize, as node_exporter).
    public var blockSize: Double
    /// Total blocks.
    public var blocks: Double
    /// Free blocks (including those reserved for root).
    public var blocksFree: Double
    /// Blocks available to unprivileged users.
    public var blocksAvailable: Double
    /// Total inodes.
    public var files: Double
    /// Free inodes.
    public var filesFree: Double

    /// Creates stats.
    public init(blockSize: Double, blocks: Double, blocksFree: Double, blocksAvailable: Double,
                files: Double, filesFree: Double) {
        self.blockSize = blockSize
        self.blocks = blocks
        self.blocksFree = blocksFree
        self.blocksAvailable = blocksAvailable
        self.files = files
        self.filesFree = filesFree
    }

    /// Calls statvfs(2) on `path`.
    public static func measure(_ path: String) throws -> FilesystemStats {
        var buf = statvfs()
        guard statvfs(path, &buf) == 0 else { throw ProcFileError.unreadable(path: path, errno: errno) }
        return FilesystemStats(blockSize: Double(buf.f_bsize), blocks: Double(buf.f_blocks),
                               blocksFree: Double(buf.f_bfree), blocksAvailable: Double(buf.f_bavail),
                               files: Double(buf.f_files), filesFree: Double(buf.f_ffree))
    }
}

/// Mounts the collector leaves out, node_exporter's defaults.
public struct MountFilter: Sendable {
    /// Filesystem types never reported (pseudo and virtual filesystems).
    public var ignoredTypes: Set<String>
    /// Mount points excluded with everything below them.
    public var ignoredTrees: [String]
    /// Prefixes whose strict sub-paths are excluded (the prefix itself is kept).
    public var ignoredBelow: [String]

    /// Upstream node_exporter's `--collector.filesystem.fs-types-exclude` and
    /// `--collector.filesystem.mount-points-exclude` defaults (1.6 and later).
    public static let nodeExporterDefaults = MountFilter(
        ignoredTypes: ["autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
                       "devtmpfs", "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc",
                       "procfs", "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "erofs",
                       "sysfs", "tracefs"],
        ignoredTrees: ["/dev", "/proc", "/sys"],
        ignoredBelow: ["/run/credentials/", "/var/lib/docker/", "/var/lib/containers/storage/"])

    /// The defaults of Debian's prometheus-node-exporter package (bookworm,
    /// 1.5), which also leaves out /run, /mnt and /media; use it when
    /// comparing against a Debian-packaged node_exporter.
    public static let debianNodeExporterDefaults = MountFilter(
        ignoredTypes: nodeExporterDefaults.ignoredTypes,
        ignoredTrees: ["/dev", "/proc", "/run", "/sys", "/mnt", "/media"],
        ignoredBelow: ["/var/lib/docker/", "/var/lib/containers/storage/"])

    /// Creates a filter.
    public init(ignoredTypes: Set<String>, ignoredTrees: [String], ignoredBelow: [String]) {
        self.ignoredTypes = ignoredTypes
        self.ignoredTrees = ignoredTrees
        self.ignoredBelow = ignoredBelow
    }

    /// True when `mount` should be reported.
    public func accepts(_ mount: MountEntry) -> Bool {
        if ignoredTypes.contains(mount.fsType) { return false }
        let point = mount.mountPoint
        for tree in ignoredTrees where point == tree || point.hasPrefix(tree + "/") { return false }
        for prefix in ignoredBelow where point.hasPrefix(prefix) && point.count > prefix.count { return false }
        return true
    }
}

/// Reads the mount table and statvfs of every real filesystem.
///
/// Emits, labelled `{device,fstype,mountpoint}` like node_exporter:
/// `node_filesystem_size_bytes`, `node_filesystem_free_bytes`,
/// `node_filesystem_avail_bytes`, `node_filesystem_files`,
/// `node_filesystem_files_free`, `node_filesystem_readonly`,
/// `node_filesystem_device_error` (1 when statvfs failed or timed out), and
/// `opslab_filesystem_error{device,fstype,mountpoint,reason}` = 1 with reason
/// `timeout` (statvfs missed the deadline), `stuck` (an earlier call on that
/// mount is still blocked) or `stat_failed`.
public final class FilesystemCollector: Collector, Sendable {
    /// A statvfs-like function; injectable so tests can simulate hung mounts.
    public typealias StatFunction = @Sendable (String) throws -> FilesystemStats

    /// Collector name.
    public let name = "filesystem"
    public let summary = "Filesystem sizes, free and available bytes, inodes (statvfs of each mount)"
    /// Seconds all statvfs calls of a pass may take together.
    public let statTimeout: Double
    /// Which mounts are reported.
    public let filter: MountFilter
    private let stat: StatFunction
    private let stuck = OutstandingWork()

    /// Creates the collector.
    public init(statTimeout: Double = 5, filter: MountFilter = .nodeExporterDefaults,
                stat: @escaping StatFunction = { try FilesystemStats.measure($0) }) {
        self.statTimeout = statTimeout
        self.filter = filter
        self.stat = stat
    }

    /// Mount points whose statvfs from an earlier pass has not returned yet.
    public var stuckMountPoints: [String] { stuck.outstanding }

    /// Families emitted.
    public var metrics: [MetricDescriptor] {
        [
            MetricDescriptor("node_filesystem_size_bytes", .gauge, "Filesystem size in bytes."),
            MetricDescriptor("node_filesystem_free_bytes", .gauge, "Filesystem free space in bytes."),
            MetricDescriptor("node_filesystem_avail_bytes", .gauge, "Filesystem space available to non-root users in bytes."),
            MetricDescriptor("node_filesystem_files", .gauge, "Filesystem total file nodes."),
            MetricDescriptor("node_filesystem_files_free", .gauge, "Filesystem total free file nodes."),
            MetricDescriptor("node_filesystem_readonly", .gauge, "Filesystem read-only status."),
            MetricDescriptor("node_filesystem_device_error", .gauge, "Whether an error occurred while getting statistics for the given device."),
            MetricDescriptor("opslab_filesystem_error", .gauge, "A filesystem could not be measured; reason is timeout, stuck or stat_failed."),
        ]
    }

    /// The mounts a pass would measure: filtered, one per mount point (the
    /// last entry wins, since a later mount hides an earlier one at the same place).
    public func mounts(_ context: CollectContext) throws -> [MountEntry] {
        let table = MountEntry.parseTable(try ProcFiles.read(context.proc("self/mounts")))
        var byPoint: [String: MountEntry] = [:]
        for mount in table where filter.accepts(mount) { byPoint[mount.mountPoint] = mount }
        return byPoint.values.sorted { $0.mountPoint < $1.mountPoint }
    }

    /// Measures every mount once.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        let mounts = try mounts(context)
        let deadline = context.deadline.capped(at: statTimeout)
        let stat = self.stat
        // Start every call before waiting on any, so hung mounts overlap
        // instead of each costing the full timeout.
        let tasks = mounts.map { mount in
            stuck.start(mount.mountPoint) { try stat(mount.mountPoint) }
        }
        var out = context.builder()
        for (mount, task) in zip(mounts, tasks) {
            let labels: Labels = ["device": mount.device, "fstype": mount.fsType, "mountpoint": mount.mountPoint]
            let reason: String
            if let task {
                switch task.wait(until: deadline) {
                case .returned(let s):
                    emit(s, mount: mount, labels: labels, into: &out)
                    continue
                case .threw: reason = "stat_failed"
                case .timedOut: reason = "timeout"
                }
            } else {
                reason = "stuck"
            }
            out.add("node_filesystem_device_error", labels, 1)
            out.add("node_filesystem_readonly", labels, mount.isReadOnly ? 1 : 0)
            out.add("opslab_filesystem_error", labels.with("reason", reason), 1)
        }
        return out.samples
    }

    private func emit(_ s: FilesystemStats, mount: MountEntry, labels: Labels, into out: inout SampleBuilder) {
        out.add("node_filesystem_size_bytes", labels, s.blocks * s.blockSize)
        out.add("node_filesystem_free_bytes", labels, s.blocksFree * s.blockSize)
        out.add("node_filesystem_avail_bytes", labels, s.blocksAvailable * s.blockSize)
        out.add("node_filesystem_files", labels, s.files)
        out.add("node_filesystem_files_free", labels, s.filesFree)
        out.add("node_filesystem_readonly", labels, mount.isReadOnly ? 1 : 0)
        out.add("node_filesystem_device_error", labels, 0)
    }
}
