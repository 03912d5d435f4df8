// Compaction, retention and deletion: what they keep, what they drop, and
// that queries see the same samples before and after.

import Foundation
import Testing
import Telemetry
@testable import MetricsStore

@Suite struct MaintenanceTests {
    @Test func compactionKeepsEverySampleAndCutsTargetSizedChunks() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        for start in stride(from: 0, to: 1000, by: 100) {
            try store.append(regularSamples("g", ["i": "1"], count: 100, start: baseMs + Int64(start) * 15_000,
                                            value: { Double(($0 + start) % 13) }))
        }
        let before = try store.select([], from: 0, through: .max)
        let report = try store.compact()
        #expect(report.headSamplesClosed == 1000 && report.chunksRead == 10)
        let stats = try store.stats()
        #expect(stats.chunkCount == 9 && stats.headSampleCount == 0)   // 8 x 120 + 40
        #expect(try store.select([], from: 0, through: .max) == before)
        // Nothing left to do: a second pass rewrites nothing.
        #expect(try store.compact().chunksWritten == 0)
    }

    @Test func compactionInSmallStepsGivesTheSameChunks() throws {
        let dir = try TemporaryDirectory()
        var options = StoreOptions()
        options.compactionStepSamples = 250
        let stepped = try MetricsStore(path: dir.path("stepped.db"), options: options)
        let whole = try MetricsStore(path: dir.path("whole.db"))
        for start in stride(from: 0, to: 2000, by: 100) {
            let samples = (0..<5).flatMap {
                regularSamples("g", ["i": "\($0)"], count: 100, start: baseMs + Int64(start) * 15_000)
            }
            try stepped.append(samples)
            try whole.append(samples)
        }
        let report = try stepped.compact()
        try whole.compact()
        #expect(report.headSamplesClosed == 10_000)
        #expect(try stepped.select([], from: 0, through: .max) == whole.select([], from: 0, through: .max))
        #expect(try stepped.stats().chunkCount == whole.stats().chunkCount)
        #expect(try stepped.stats().headSampleCount == 0)
        #expect(throws: StoreError.self) {
            var bad = StoreOptions()
            bad.compactionStepSamples = 0
            _ = try MetricsStore(path: dir.path("bad.db"), options: bad)
        }
    }

    @Test func smallChunksMergeWithLaterSamples() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append(regularSamples("g", count: 50))
        try store.compact()
        try store.append(regularSamples("g", count: 50, start: baseMs + 50 * 15_000))
        try store.compact()
        #expect(try store.stats().chunkCount == 1)
        try store.append(regularSamples("g", count: 100, start: baseMs + 100 * 15_000))
        try store.compact()
        #expect(try store.stats().chunkCount == 2)
        let all = try store.select([], from: 0, through: .max)
        // Each append numbered its values from 0.
        let fifty: [Double] = (0..<50).map { Double($0) }
        let hundred: [Double] = (0..<100).map { Double($0) }
        #expect(all.first?.values == fifty + fifty + hundred)
        #expect(all.first?.timestamps == (0..<200).map { baseMs + Int64($0) * 15_000 })
    }

    @Test func lateSamplesInsideAFullChunkMergeInQueries() throws {
        let dir = try TemporaryDirectory()
        var options = StoreOptions()
        options.outOfOrderWindowMs = 3_600_000
        let store = try MetricsStore(path: dir.path(), options: options)
        try store.append(regularSamples("g", count: 130))                 // 120 + 10 after compaction
        try store.compact()
        // Late samples between existing ones, inside the full first chunk.
        let late = [Sample("g", -1, timestampMs: baseMs + 7_500), Sample("g", -2, timestampMs: baseMs + 97_500)]
        try store.append(late)
        var expectedT = (0..<130).map { baseMs + Int64($0) * 15_000 } + late.map(\.timestampMs)
        expectedT.sort()
        let before = try store.select([], from: 0, through: .max)
        #expect(before.first?.timestamps == expectedT)
        try store.compact()
        let after = try store.select([], from: 0, through: .max)
        #expect(after == before)
        #expect(after.first?.values[1] == -1 && after.first?.values[8] == -2)
    }

    @Test func chunksAreCutAtTwoHours() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append(regularSamples("slow", count: 30, stepMs: 600_000))   // every 10 min, 5 h
        try store.compact()
        #expect(try store.stats().chunkCount == 3)                         // 12 + 12 + 6
    }

    @Test func compactionBeforeCutoffLeavesRecentHead() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append(regularSamples("g", count: 10))
        try store.append(regularSamples("g", count: 10, start: baseMs + 3_600_000))
        try store.compact(before: baseMs + 3_600_000)
        let stats = try store.stats()
        #expect(stats.headSampleCount == 10 && stats.sampleCount == 20)
    }

    @Test func retentionDropsOldChunksAndEmptySeries() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append(regularSamples("old", count: 10))
        try store.append(regularSamples("long", count: 1440, stepMs: 60_000))  // one day
        try store.compact()
        let now = baseMs + 86_400_000
        try store.applyRetention(12 * 3_600_000, nowMs: now)
        #expect(try store.series().map(\.name) == ["long"])
        let kept = try store.select([], from: 0, through: .max)
        #expect(kept.first?.timestamps.first.map { $0 >= now - 12 * 3_600_000 - 2 * 3_600_000 } == true)
        #expect(kept.first?.timestamps.last == baseMs + 1439 * 60_000)
        #expect(throws: StoreError.self) { try store.applyRetention(-1, nowMs: now) }
        // The dropped series can come back, with a fresh id and no old samples.
        try store.append([Sample("old", 5, timestampMs: now)])
        #expect(try store.select([m("__name__", .equal, "old")], from: 0, through: .max).first?.values == [5])
    }

    @Test func deleteBySelectorRemovesSeries() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append((0..<4).map { Sample("gpu_temp", ["gpu": "\($0)"], 60, timestampMs: baseMs) })
        try store.compact()
        try store.append((0..<4).map { Sample("gpu_temp", ["gpu": "\($0)"], 61, timestampMs: baseMs + 1) })
        #expect(try store.delete([m("gpu", .regexMatch, "[02]")]) == 2)
        #expect(try store.series().map { $0.labels["gpu"] ?? "" } == ["1", "3"])
        #expect(try store.stats().sampleCount == 4)
        #expect(throws: StoreError.self) { try store.delete([]) }
        // An older sample for a deleted series is accepted: it is a new series.
        try store.append([Sample("gpu_temp", ["gpu": "0"], 59, timestampMs: baseMs - 1)])
    }

    @Test func vacuumAndCheckpointShrinkTheFile() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        for i in 0..<20 { try store.append(regularSamples("g", ["i": "\(i)"], count: 240)) }
        try store.compact()
        try store.vacuum()
        let stats = try store.stats()
        #expect(stats.bytesOnDisk < 20 * 240 * 16)
    }
}
