// Bad conditions: a file that is not a database, a damaged chunk, a full
// disk, and two store instances writing one file at once. Each must end in
// a clear error or in correct data, never a crash or a lost sample.

import Foundation
import GRDB
import Testing
import Telemetry
@testable import MetricsStore

@Suite struct FailureTests {
    @Test func garbageFileIsAClearError() throws {
        let dir = try TemporaryDirectory()
        var rng = SystemRandomNumberGenerator()
        let garbage = Data((0..<16_384).map { _ in UInt8.random(in: 0...255, using: &rng) })
        try garbage.write(to: URL(fileURLWithPath: dir.path()))
        do {
            _ = try MetricsStore(path: dir.path())
            Issue.record("a garbage file opened as a store")
        } catch {
            guard case .corruptDatabase = error else { Issue.record("unexpected \(error)"); return }
            #expect(error.description.contains("not a valid database"))
        }
    }

    @Test func damagedDatabasePagesAreAClearError() throws {
        let dir = try TemporaryDirectory()
        do {
            let store = try MetricsStore(path: dir.path())
            for i in 0..<50 { try store.append(regularSamples("g", ["i": "\(i)"], count: 200)) }
            try store.compact()
            try store.vacuum()
        }
        // Keep SQLite's header page, overwrite everything after it.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: dir.path()))
        for i in 4096..<bytes.count { bytes[i] = UInt8(truncatingIfNeeded: i &* 31) }
        try bytes.write(to: URL(fileURLWithPath: dir.path()))
        do {
            let store = try MetricsStore(path: dir.path())
            _ = try store.select([], from: 0, through: .max)
            _ = try store.stats()
            Issue.record("a damaged database read without error")
        } catch {
            // Which error depends on what the damage hit; it must be a StoreError.
            #expect(!error.description.isEmpty)
        }
    }

    @Test func randomlyDamagedFilesNeverCrash() throws {
        let dir = try TemporaryDirectory()
        let original = dir.path("original.db")
        do {
            let store = try MetricsStore(path: original)
            for i in 0..<20 { try store.append(regularSamples("g", ["i": "\(i)"], count: 300)) }
            try store.compact()
            try store.append(regularSamples("g", ["i": "0"], count: 10, start: baseMs + 300 * 15_000))
            try store.checkpoint()
        }
        let pristine = try Data(contentsOf: URL(fileURLWithPath: original))
        var rng = SystemRandomNumberGenerator()
        var failures = 0
        for round in 0..<40 {
            var bytes = pristine
            for _ in 0..<Int.random(in: 1...64, using: &rng) {
                bytes[Int.random(in: 100..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            let path = dir.path("damaged-\(round).db")
            try bytes.write(to: URL(fileURLWithPath: path))
            // Any outcome but a trap is acceptable: data, or a StoreError.
            do {
                let store = try MetricsStore(path: path)
                _ = try store.select([], from: 0, through: .max)
                _ = try store.stats()
                try store.append([Sample("g", ["i": "0"], 1, timestampMs: baseMs + 400 * 15_000)])
                try store.compact()
            } catch {
                failures += 1
            }
        }
        #expect(failures > 0)
    }

    @Test func corruptChunkThrowsAndOtherSeriesStillRead() throws {
        let dir = try TemporaryDirectory()
        let store = try MetricsStore(path: dir.path())
        try store.append(regularSamples("a", count: 200))
        try store.append(regularSamples("b", count: 200))
        try store.compact()
        try store.queue.write { db in
            let id = try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE name = 'a'")
            try db.execute(sql: "UPDATE chunk SET data = x'ffffffff0f0102' WHERE series_id = ?", arguments: [id])
        }
        #expect {
            _ = try store.select([m("__name__", .equal, "a")], from: 0, through: .max)
        } throws: { error in
            guard let error = error as? StoreError, case .corruptChunk = error else { return false }
            return true
        }
        #expect(try store.select([m("__name__", .equal, "b")], from: 0, through: .max).first?.values.count == 200)
    }

    @Test func fullDiskIsAClearErrorAndKeepsEarlierData() throws {
        let dir = try TemporaryDirectory()
        var options = StoreOptions()
        options.maxDatabaseBytes = 256 * 1024
        let store = try MetricsStore(path: dir.path(), options: options)
        var stored = 0
        var failure: StoreError?
        for batch in 0..<1000 {
            let samples = regularSamples("fill", ["batch": "\(batch)"], count: 500)
            do {
                try store.append(samples)
                stored += samples.count
            } catch {
                failure = error
                break
            }
        }
        #expect(failure == .diskFull(path: dir.path()))
        #expect(failure?.description.contains("disk full") == true)
        #expect(stored > 0)
        #expect(try store.stats().sampleCount == stored)
        let reopened = try MetricsStore(path: dir.path())
        #expect(try reopened.select([], from: 0, through: .max).reduce(0) { $0 + $1.timestamps.count } == stored)
    }

    @Test func twoWritersOnOneFileLoseNothing() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        let writers = try (0..<2).map { _ in try MetricsStore(path: path) }
        let batches = 100
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (w, store) in writers.enumerated() {
                group.addTask {
                    for b in 0..<batches {
                        // Each batch: one new series plus samples for long-lived ones.
                        var samples = [Sample("new_series", ["writer": "\(w)", "b": "\(b)"], 1, timestampMs: baseMs)]
                        for s in 0..<10 {
                            samples.append(Sample("steady", ["writer": "\(w)", "s": "\(s)"], Double(b),
                                                  timestampMs: baseMs + Int64(b) * 1000))
                        }
                        try store.append(samples)
                        if b % 25 == 0 { _ = try store.select([], from: 0, through: .max) }
                    }
                }
            }
            // A compaction running alongside must not lose samples either.
            group.addTask { for _ in 0..<5 { try writers[0].compact() } }
            try await group.waitForAll()
        }
        let reader = try MetricsStore(path: path)
        let all = try reader.select([], from: 0, through: .max)
        #expect(all.count == 2 * batches + 2 * 10)
        #expect(all.reduce(0) { $0 + $1.timestamps.count } == 2 * batches * 11)
        #expect(try reader.stats().seriesCount == 2 * batches + 20)
    }
}
