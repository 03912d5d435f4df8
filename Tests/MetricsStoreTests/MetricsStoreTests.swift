// Appending and selecting: series identity, matchers, the out-of-order and
// duplicate rules, the cardinality limit, bit-exact special values, label
// values with awkward characters, and durability without close.

import Foundation
import Testing
import Telemetry
@testable import MetricsStore

@Suite struct MetricsStoreTests {
    @Test func appendThenSelectReturnsSamplesInOrder() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append(regularSamples("gpu_temp", ["gpu": "0"], count: 10))
        try store.append(regularSamples("gpu_temp", ["gpu": "1"], count: 5, value: { Double($0) * 2 }))
        let all = try store.select([m("__name__", .equal, "gpu_temp")], from: 0, through: .max)
        #expect(all.map(\.labels) == [["gpu": "0"], ["gpu": "1"]])
        #expect(all[0].name == "gpu_temp")
        #expect(all[0].timestamps == (0..<10).map { baseMs + Int64($0) * 15_000 })
        #expect(all[1].values == [0, 2, 4, 6, 8])
        let window = try store.select([m("gpu", .equal, "0")], from: baseMs + 15_000, through: baseMs + 45_000)
        #expect(window.first?.values == [1, 2, 3])
        #expect(try store.select([m("gpu", .equal, "0")], from: 0, through: baseMs - 1).isEmpty)
    }

    @Test func matchersFollowPrometheus() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append([
            Sample("up", ["job": "api"], 1, timestampMs: baseMs),
            Sample("up", ["job": "api-2"], 1, timestampMs: baseMs),
            Sample("up", ["job": "db", "env": "prod"], 0, timestampMs: baseMs),
            Sample("down", ["job": "api"], 1, timestampMs: baseMs),
        ])
        func jobs(_ matchers: [LabelMatcher]) throws -> [String] {
            try store.series(matchers).map { "\($0.name):\($0.labels["job"] ?? "")" }
        }
        #expect(try jobs([m("job", .regexMatch, "api")]) == ["down:api", "up:api"])     // anchored
        #expect(try jobs([m("job", .regexMatch, "api.*"), m("__name__", .equal, "up")]) == ["up:api", "up:api-2"])
        // Key order: label pairs compare by name first, so {env=...,job=db} sorts before {job=api-2}.
        #expect(try jobs([m("__name__", .equal, "up"), m("job", .notEqual, "api")]) == ["up:db", "up:api-2"])
        #expect(try jobs([m("__name__", .regexNoMatch, "u.")]) == ["down:api"])
        #expect(try jobs([m("env", .equal, "")]).count == 3)                               // absent = empty
        #expect(try jobs([m("env", .regexMatch, ".+")]) == ["up:db"])
        #expect(try jobs([]).count == 4)
        #expect(throws: LabelMatcherError.self) { _ = try LabelMatcher("job", .regexMatch, "(") }
    }

    @Test func duplicatesAndOutOfOrderFollowPrometheus() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append(regularSamples("x", count: 3))                   // 0, 1, 2
        try store.append([Sample("x", 2, timestampMs: baseMs + 30_000)])   // exact duplicate: ignored
        #expect(throws: StoreError.duplicateSampleForTimestamp(series: SeriesKey(name: "x", labels: [:]),
                                                               timestampMs: baseMs + 30_000)) {
            try store.append([Sample("x", 9, timestampMs: baseMs + 30_000)])
        }
        do {
            try store.append([Sample("x", 9, timestampMs: baseMs + 60_000), Sample("x", 5, timestampMs: baseMs)])
            Issue.record("out of order sample accepted")
        } catch {
            #expect(error.description.contains("out of order sample"))
        }
        // The rejected batch was atomic: its first, valid sample is not stored.
        #expect(try store.select([], from: 0, through: .max).first?.values == [0, 1, 2])
        #expect(try store.stats().sampleCount == 3)
    }

    @Test func outOfOrderWindowAcceptsLateSamples() throws {
        let dir = try TemporaryDirectory()
        var options = StoreOptions()
        options.outOfOrderWindowMs = 60_000
        let store = try MetricsStore(path: dir.path(), options: options)
        try store.append([Sample("x", 0, timestampMs: baseMs), Sample("x", 4, timestampMs: baseMs + 60_000)])
        try store.compact()
        try store.append([Sample("x", 2, timestampMs: baseMs + 30_000), Sample("x", 4, timestampMs: baseMs + 60_000)])
        try store.append([Sample("x", 0, timestampMs: baseMs)])           // duplicate inside a closed chunk
        #expect(throws: StoreError.self) { try store.append([Sample("x", 1, timestampMs: baseMs)]) }
        #expect(throws: StoreError.self) { try store.append([Sample("x", 1, timestampMs: baseMs - 1)]) }
        #expect(try store.select([], from: 0, through: .max).first?.values == [0, 2, 4])
        try store.compact()
        let after = try store.select([], from: 0, through: .max)
        #expect(after.first?.values == [0, 2, 4])
        #expect(after.first?.timestamps == [baseMs, baseMs + 30_000, baseMs + 60_000])
    }

    @Test func cardinalityLimitIsAClearError() throws {
        let dir = try TemporaryDirectory()
        var options = StoreOptions()
        options.maxSeries = 3
        let store = try MetricsStore(path: dir.path(), options: options)
        try store.append((0..<3).map { Sample("req", ["id": "\($0)"], 1, timestampMs: baseMs) })
        do {
            try store.append([Sample("req", ["id": "0"], 2, timestampMs: baseMs + 1),
                              Sample("req", ["id": "3"], 1, timestampMs: baseMs)])
            Issue.record("series limit not enforced")
        } catch {
            #expect(error == .seriesLimitExceeded(limit: 3, series: SeriesKey(name: "req", labels: ["id": "3"])))
            #expect(error.description.contains("series limit of 3"))
        }
        try store.append([Sample("req", ["id": "0"], 2, timestampMs: baseMs + 1)])  // existing series still fine
        #expect(try store.stats().seriesCount == 3)
    }

    @Test func specialValuesAreBitExactInHeadAndChunks() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        let values: [Double] = [.nan, Double(bitPattern: 0x7ff0_0000_0000_0002), .infinity, -.infinity, -0.0,
                                Double(bitPattern: 0xfff8_1234_5678_9abc), 1.5]
        try store.append(values.indices.map { Sample("v", values[$0], timestampMs: baseMs + Int64($0)) })
        let head = try store.select([], from: 0, through: .max)
        #expect(head.first?.values.map(\.bitPattern) == values.map(\.bitPattern))
        try store.compact()
        #expect(try store.stats().headSampleCount == 0)
        let closed = try store.select([], from: 0, through: .max)
        #expect(closed.first?.values.map(\.bitPattern) == values.map(\.bitPattern))
        // A staleness marker repeated at its own timestamp is a duplicate, not a conflict.
        try store.append([Sample("v", 1.5, timestampMs: baseMs + 6)])
    }

    @Test func awkwardLabelValuesRoundTrip() throws {
        let dir = try TemporaryDirectory()
        let labels: [Labels] = [
            ["path": "C:\\dir\\\"quoted\"", "note": "line1\nline2\ttab"],
            ["device": "nvme0n1 — Größe ✓ 温度", "empty": ""],
            ["a": "1:2", "b": "3:4"], ["a": "1", "b": ":23:4"],   // look alike in naive encodings
        ]
        do {
            let store = try MetricsStore(path: dir.path())
            try store.append(labels.map { Sample("odd_metric", $0, 1, timestampMs: baseMs) })
        }
        let reopened = try MetricsStore(path: dir.path())
        let found = try reopened.series([m("__name__", .equal, "odd_metric")])
        #expect(Set(found.map(\.labels)) == Set(labels))
        #expect(try reopened.select([m("note", .regexMatch, "line1\nline2.*")], from: 0, through: .max).count == 1)
        #expect(try reopened.select([m("device", .equal, "nvme0n1 — Größe ✓ 温度")], from: 0, through: .max).count == 1)
    }

    @Test func appendIsVisibleToAnotherConnectionWithoutClose() throws {
        let dir = try TemporaryDirectory()
        let writer = try MetricsStore(path: dir.path())
        try writer.append(regularSamples("durable", count: 500))
        try writer.append(series: SeriesKey(name: "durable", labels: ["k": "v"]),
                          timestamps: [baseMs, baseMs + 1], values: [1, 2])
        // The writer is never closed or checkpointed: the samples are in the WAL.
        let reader = try MetricsStore(path: dir.path())
        let result = try reader.select([m("__name__", .equal, "durable")], from: 0, through: .max)
        #expect(result.map(\.timestamps.count) == [500, 2])
        _ = writer
    }

    @Test func statsCountSeriesSamplesAndChunks() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append(regularSamples("a", count: 300))
        try store.append(regularSamples("b", count: 10))
        var stats = try store.stats()
        #expect(stats.seriesCount == 2 && stats.sampleCount == 310 && stats.headSampleCount == 310)
        #expect(stats.chunkCount == 0)
        let report = try store.compact()
        #expect(report.headSamplesClosed == 310 && report.chunksWritten == 4)
        stats = try store.stats()
        #expect(stats.sampleCount == 310 && stats.headSampleCount == 0 && stats.chunkCount == 4)
        #expect(stats.bytesOnDisk > 0 && stats.chunkBytes < 310 * 4)
    }
}

@Suite struct SharedFileTests {
    @Test func instancesSeeEachOthersSeriesAndDeletions() throws {
        let dir = try TemporaryDirectory()
        let a = try MetricsStore(path: dir.path())
        let b = try MetricsStore(path: dir.path())
        try a.append([Sample("x", ["k": "1"], 1, timestampMs: baseMs)])
        #expect(try b.series().count == 1)                     // b caches one series
        try a.append([Sample("x", ["k": "2"], 1, timestampMs: baseMs)])
        #expect(try b.series().count == 2)                     // ... and sees the new one
        // b learns x{k=1}'s newest sample, then a deletes the series.
        #expect(throws: StoreError.self) { try b.append([Sample("x", ["k": "1"], 2, timestampMs: baseMs)]) }
        #expect(try a.delete([m("k", .equal, "1")]) == 1)
        // For b the series is gone too: an older sample starts it afresh.
        try b.append([Sample("x", ["k": "1"], 7, timestampMs: baseMs - 1000)])
        #expect(try a.select([m("k", .equal, "1")], from: 0, through: .max).first?.values == [7])
        // a's newest-sample cache follows b's appends.
        try b.append([Sample("x", ["k": "2"], 5, timestampMs: baseMs + 1000)])
        #expect(throws: StoreError.self) { try a.append([Sample("x", ["k": "2"], 1, timestampMs: baseMs + 500)]) }
    }

    @Test func headAndChunksMergeInRangeQueries() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append(regularSamples("g", count: 300))
        try store.compact()
        try store.append(regularSamples("g", count: 100, start: baseMs + 300 * 15_000, value: { Double($0 + 300) }))
        let all = try store.select([], from: 0, through: .max)
        #expect(all.first?.values == (0..<400).map { Double($0) })
        // A range cutting through a closed chunk and into the head.
        let part = try store.select([], from: baseMs + 250 * 15_000, through: baseMs + 320 * 15_000 - 1)
        #expect(part.first?.values == (250..<320).map { Double($0) })
    }

    @Test func reservedAndEmptyNamesAreRejected() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        #expect(throws: StoreError.self) { try store.append([Sample("", 1, timestampMs: baseMs)]) }
        #expect(throws: StoreError.self) {
            try store.append([Sample("x", ["__name__": "y"], 1, timestampMs: baseMs)])
        }
        #expect(try store.stats().seriesCount == 0)
    }
}
