// Durability under kill -9: a child process appends batches and acknowledges
// each one after `append` returns; the parent kills it with SIGKILL at an
// arbitrary point and reopens the database. Every acknowledged batch must be
// there, and the batch in flight must be there entirely or not at all.
//
// Swift tests cannot fork, and the package has no helper executable, so the
// child is this test binary itself, run with a filter that selects only
// `childWriter` and an environment variable that tells that test what to
// do. Without the variable `childWriter` does nothing and passes.

import Foundation
import Testing
import Telemetry
@testable import MetricsStore

@Suite struct DurabilityTests {
    static let databaseVariable = "METRICS_STORE_KILL_TEST_DB"
    static let seriesPerBatch = 100

    /// The child's side: append batches until killed, acknowledging each on stderr.
    @Test func childWriter() throws {
        guard let path = ProcessInfo.processInfo.environment[Self.databaseVariable] else { return }
        let store = try MetricsStore(path: path)
        for batch in 0..<1_000_000 {
            let samples = (0..<Self.seriesPerBatch).map {
                Sample("kill_test", ["s": "\($0)"], Double(batch), timestampMs: baseMs + Int64(batch) * 1000)
            }
            try store.append(samples)
            FileHandle.standardError.write(Data("ACK \(batch)\n".utf8))
        }
    }

    /// Re-running the test binary needs its path; /proc/self/exe gives it on
    /// Linux, where the binary is the test runner itself.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/exe")))
    func killedWriterLosesNoAcknowledgedBatch() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path()
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["--testing-library", "swift-testing", "--filter", "DurabilityTests/childWriter"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.databaseVariable] = path
        child.environment = environment
        let errors = Pipe()
        child.standardError = errors
        child.standardOutput = FileHandle.nullDevice
        try child.run()

        // Read acknowledgements until enough batches are committed.
        var lastAck = -1
        var pending = ""
        while lastAck < 40 {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }   // the child ended on its own: a failure below
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline]
                pending = String(pending[pending.index(after: newline)...])
                if line.hasPrefix("ACK "), let n = Int(line.dropFirst(4)) { lastAck = n }
            }
        }
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        #expect(lastAck >= 40)

        let store = try MetricsStore(path: path)
        let series = try store.select([m("__name__", .equal, "kill_test")], from: 0, through: .max)
        #expect(series.count == Self.seriesPerBatch)
        let counts = Set(series.map(\.timestamps.count))
        // All series hold the same number of batches: the one in flight is all or nothing.
        #expect(counts.count == 1)
        let stored = counts.first ?? 0
        #expect(stored >= lastAck + 1)
        for s in series {
            #expect(s.values == (0..<stored).map { Double($0) })
        }
    }
}
