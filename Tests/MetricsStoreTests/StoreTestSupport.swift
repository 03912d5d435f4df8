// Helpers shared by the store suites: a fresh database path per test, and
// builders for regular series.

import Foundation
import Telemetry
@testable import MetricsStore

/// A directory under the system temporary directory, removed on deinit.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("metrics-store-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func path(_ name: String = "opslab.db") -> String {
        url.appendingPathComponent(name).path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// 2023-11-14T22:13:20Z, a present-day timestamp in milliseconds.
let baseMs: Int64 = 1_700_000_000_000

/// `count` samples of `name{labels}` every `stepMs`, with values from `value`.
func regularSamples(_ name: String, _ labels: Labels = [:], count: Int, stepMs: Int64 = 15_000,
                    start: Int64 = baseMs, value: (Int) -> Double = { Double($0) }) -> [Sample] {
    (0..<count).map { Sample(name, labels, value($0), timestampMs: start + Int64($0) * stepMs) }
}

/// A matcher built from a literal; the patterns in the tests are known to
/// compile, so a failure here is a bug in the test itself.
func m(_ label: String, _ op: LabelMatcher.Op, _ value: String) -> LabelMatcher {
    try! LabelMatcher(label, op, value)
}
