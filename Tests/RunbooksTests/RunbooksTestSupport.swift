import Foundation
import Testing
@testable import Runbooks
#if canImport(Glibc)
import Glibc
#endif

/// The suites that start processes, run one test at a time: an interrupt
/// (a process-wide flag, as signals are) raised by one test must not stop
/// another test's command.
@Suite(.serialized) enum ProcessTests {}

/// A fresh directory under /tmp, removed when the value is dropped.
final class ScratchDirectory: Sendable {
    let path: String

    init() {
        var template = Array("/tmp/opslab-runbooks-XXXXXX".utf8CString)
        path = mkdtemp(&template).map { String(cString: $0) } ?? "/tmp/opslab-runbooks-fallback"
    }

    deinit { system("rm -rf '\(path)'") }

    func auditLog() -> AuditLog {
        AuditLog(path: path + "/audit.jsonl", databasePath: path + "/opslab.db", user: "tester", host: "testhost")
    }

    var auditLines: [String] {
        get {
            ((try? String(contentsOfFile: path + "/audit.jsonl", encoding: .utf8)) ?? "")
                .split(separator: "\n").map(String.init)
        }
        set {
            try? (newValue.map { $0 + "\n" }.joined()).write(toFile: path + "/audit.jsonl", atomically: false, encoding: .utf8)
        }
    }
}

/// Collects a run's output lines.
final class CollectedOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    var output: RunOutput { RunOutput { [self] line in lock.withLock { stored.append(line) } } }
}

/// Steps written in Swift: each runs a closure and records what ran.
final class ScriptedActions: RunbookActions {
    var journal: [String] = []
    let runs: [String: (StepContext) throws -> Void]
    let undos: [String: (StepContext) throws -> Void]

    init(runs: [String: (StepContext) throws -> Void], undos: [String: (StepContext) throws -> Void] = [:]) {
        self.runs = runs
        self.undos = undos
    }

    func run(step index: Int, context: StepContext) throws {
        journal.append("run \(context.step.name)")
        try runs[context.step.name]?(context)
    }

    func undo(step index: Int, context: StepContext) throws {
        journal.append("undo \(context.step.name)")
        try undos[context.step.name]?(context)
    }
}
