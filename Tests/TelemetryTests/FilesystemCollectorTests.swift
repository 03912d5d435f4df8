// The filesystem collector: mount table parsing and filtering, and a hung
// statvfs that must be reported, not waited for.

import Foundation
import Testing
@testable import Telemetry

@Suite struct FilesystemCollectorTests {
    /// statvfs stand-in: 1 KiB blocks, sizes keyed by mount point.
    static func fakeStat(hanging: Set<String> = [], failing: Set<String> = [],
                         hangSeconds: Double = 3) -> FilesystemCollector.StatFunction {
        return { path in
            if hanging.contains(path) { Thread.sleep(forTimeInterval: hangSeconds) }
            if failing.contains(path) { throw ProcFileError.unreadable(path: path, errno: EACCES) }
            return FilesystemStats(blockSize: 1024, blocks: 1000, blocksFree: 400, blocksAvailable: 300,
                                   files: 50, filesFree: 20)
        }
    }

    @Test func parsesEscapesAndAppliesNodeExporterFilters() throws {
        let collector = FilesystemCollector(stat: Self.fakeStat())
        let mounts = try collector.mounts(Fixtures.context("edge"))
        #expect(mounts.map(\.mountPoint) == ["/", "/data disk", "/mnt/nfs", "/run", "/srv"])
        // Two mounts at /srv: the later one is the visible one.
        #expect(mounts.last?.device == "/dev/vdd")
        let debian = FilesystemCollector(filter: .debianNodeExporterDefaults, stat: Self.fakeStat())
        #expect(try debian.mounts(Fixtures.context("edge")).map(\.mountPoint) == ["/", "/data disk", "/srv"])
    }

    @Test func reportsSizesInBytes() throws {
        let samples = try FilesystemCollector(stat: Self.fakeStat()).collect(Fixtures.context("edge"))
        let root = ["mountpoint": "/", "device": "/dev/vda", "fstype": "ext4"]
        #expect(samples.value("node_filesystem_size_bytes", root) == 1_024_000)
        #expect(samples.value("node_filesystem_free_bytes", root) == 409_600)
        #expect(samples.value("node_filesystem_avail_bytes", root) == 307_200)
        #expect(samples.value("node_filesystem_files_free", root) == 20)
        #expect(samples.value("node_filesystem_readonly", ["mountpoint": "/data disk"]) == 1)
        #expect(samples.value("node_filesystem_device_error", root) == 0)
        #expect(throws: Never.self) { try SampleValidator.validate(samples) }
    }

    @Test func hungMountTimesOutAndIsThenMarkedStuck() throws {
        let collector = FilesystemCollector(statTimeout: 0.3, stat: Self.fakeStat(hanging: ["/mnt/nfs"], failing: ["/run"]))
        let start = Date()
        let samples = try collector.collect(Fixtures.context("edge"))
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 2, "a hung statvfs must not stall the pass")
        #expect(samples.value("opslab_filesystem_error", ["mountpoint": "/mnt/nfs", "reason": "timeout"]) == 1)
        #expect(samples.value("node_filesystem_device_error", ["mountpoint": "/mnt/nfs"]) == 1)
        #expect(samples.value("node_filesystem_size_bytes", ["mountpoint": "/mnt/nfs"]) == nil)
        #expect(samples.value("opslab_filesystem_error", ["mountpoint": "/run", "reason": "stat_failed"]) == 1)
        // The healthy mounts are still there.
        #expect(samples.value("node_filesystem_size_bytes", ["mountpoint": "/srv"]) == 1_024_000)
        // The abandoned call is still blocked: the next pass does not start another.
        #expect(collector.stuckMountPoints == ["/mnt/nfs"])
        let again = try collector.collect(Fixtures.context("edge"))
        #expect(again.value("opslab_filesystem_error", ["mountpoint": "/mnt/nfs", "reason": "stuck"]) == 1)
    }

    @Test func realStatvfsOfRoot() throws {
        let stats = try FilesystemStats.measure("/")
        #expect(stats.blocks > 0 && stats.blockSize > 0)
        #expect(throws: ProcFileError.self) { try FilesystemStats.measure("/nonexistent-opslab-path") }
    }
}
