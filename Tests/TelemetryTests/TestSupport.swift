// Helpers shared by the Telemetry tests: where the fixtures are, and lookups
// over sample lists that read like the assertions they serve.

import Foundation
import Testing
@testable import Telemetry

/// Fixture locations. Paths are derived from this file's location so the
/// tests run from any working directory.
enum Fixtures {
    /// Tests/fixtures/telemetry.
    static let root: String = {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return here.deletingLastPathComponent().appendingPathComponent("fixtures/telemetry").path
    }()

    /// A captured or hand-made host tree holding proc/ and sys/.
    static func tree(_ name: String) -> String { root + "/" + name }

    /// A context reading fixture tree `name`, stamped with `timestampMs`.
    static func context(_ name: String, timestampMs: Int64 = 1_700_000_000_000) -> CollectContext {
        CollectContext.tree(tree(name), clock: ManualClock(), timestampMs: timestampMs)
    }

    /// The nvidia-smi fixtures folder.
    static let nvidiaSMI = root + "/nvidia-smi"
}

extension Array where Element == Sample {
    /// The value of the one sample named `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matches = filter { s in
            s.name == name && labels.allSatisfy { s.labels[$0.key] == $0.value }
        }
        return matches.count == 1 ? matches[0].value : nil
    }

    /// Samples named `name`.
    func named(_ name: String) -> [Sample] { filter { $0.name == name } }

    /// Distinct metric names.
    var names: Set<String> { Set(map(\.name)) }
}

/// A collector scripted by a closure, for runner and scheduler tests.
struct ScriptedCollector: Collector {
    let name: String
    var interval: Double = 1
    var timeout: Double = 0.5
    var metrics: [MetricDescriptor] = [MetricDescriptor("scripted_value", .gauge, "A scripted value.")]
    let body: @Sendable (CollectContext) throws -> [Sample]

    func collect(_ context: CollectContext) throws -> [Sample] { try body(context) }
}

/// A collector that returns one good sample.
func goodCollector(_ name: String, value: Double = 1) -> ScriptedCollector {
    ScriptedCollector(name: name) { ctx in
        [Sample("scripted_value", ["source": name], value, timestampMs: ctx.timestampMs)]
    }
}

/// Writes an executable shell script into a fresh temporary directory and
/// returns the directory; used to stand in for nvidia-smi.
func temporaryExecutable(named name: String, script: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("opslab-telemetry-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/" + name
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    return dir
}
