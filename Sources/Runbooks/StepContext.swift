import Foundation
import Telemetry

/// A step's failure as the runner reports it.
public struct StepFailure: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What one attempt of a step (or an undo) may do: run commands, log,
/// ask. Commands honour the dry run, the step's deadline and interrupts,
/// and each one run is written to the audit log.
public final class StepContext {
    public let runbook: Runbook
    public let step: RunbookStep
    public let parameters: [String: ParameterValue]
    public let dryRun: Bool
    /// Monotonic seconds at which the attempt must end; nil for no limit.
    public let deadline: Double?
    let audit: AuditLog
    let output: RunOutput
    let confirmPolicy: RunOptions.Confirmation
    let runID: String
    /// Where commands run: a host over ssh, or this machine when nil.
    public let target: SSHTarget?

    init(runbook: Runbook, step: RunbookStep, parameters: [String: ParameterValue], dryRun: Bool, deadline: Double?,
         audit: AuditLog, output: RunOutput, confirmPolicy: RunOptions.Confirmation, runID: String, target: SSHTarget? = nil) {
        self.runbook = runbook
        self.step = step
        self.parameters = parameters
        self.dryRun = dryRun
        self.deadline = deadline
        self.audit = audit
        self.output = output
        self.confirmPolicy = confirmPolicy
        self.runID = runID
        self.target = target
    }

    /// Seconds left before the deadline (nil when there is none).
    public var remaining: Double? { deadline.map { max(0.001, $0 - MonotonicInstant.now().seconds) } }

    /// A line of the step's own output, prefixed by its name.
    public func log(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            output.line("[\(step.name)] \(line)")
        }
    }

    /// Runs a command, or in a dry run prints it and returns nil, unless it
    /// is `readonly` (or the step is), in which case it runs anyway so that
    /// later steps plan with real data. Throws when it cannot start, is
    /// interrupted, runs out of time, or exits non-zero while `check`.
    /// - Parameter echo: print its output, line by line, prefixed by the step.
    public func run(_ request: ProcessRequest, readonly: Bool = false, check: Bool = true,
                    echo: Bool = true) throws(StepFailure) -> ProcessOutcome? {
        let shown = request.shell ? request.argv.joined(separator: " ") : request.argv.map(shellQuoted).joined(separator: " ")
        if dryRun && !readonly && !step.readonly {
            log("would run" + (target.map { " on \($0.destination)" } ?? "") + ": \(shown)")
            return nil
        }
        var request = target?.wrap(request) ?? request
        if let remaining { request.timeout = min(request.timeout ?? remaining, remaining) }
        return try start(request, shown, check, echo)
    }

    private func start(_ request: ProcessRequest, _ shown: String, _ check: Bool, _ echo: Bool) throws(StepFailure) -> ProcessOutcome {
        var lines = [OutputStream.stdout: LineBuffer(), .stderr: LineBuffer()]
        // A command that prints megabytes gets its first lines echoed live
        // and its last ones at the end; the middle is only counted.
        var echoed = 0
        let echoLimit = 256 << 10
        let outcome: ProcessOutcome
        do {
            outcome = try ProcessRunner.run(request) { stream, chunk in
                guard echo, echoed < echoLimit else { return }
                echoed += chunk.count
                for line in lines[stream, default: LineBuffer()].add(chunk) { log(line) }
            }
        } catch {
            try record(shown, code: 127, seconds: 0, note: error.description)
            throw StepFailure("\(shown): \(error)")
        }
        if echo && echoed >= echoLimit {
            let total = outcome.stdout.total + outcome.stderr.total
            log("[... \(total - echoed) more bytes of output; its last lines:]")
            log(outcome.stdout.text.suffix(2048).split(separator: "\n").suffix(10).joined(separator: "\n"))
        } else if echo {
            for stream in [OutputStream.stdout, .stderr] {
                if let rest = lines[stream]?.rest { log(rest) }
            }
        }
        let note = outcome.interrupted ? "interrupted" : outcome.timedOut ? "timed out" : nil
        try record(shown, code: outcome.exitCode, seconds: outcome.seconds, note: note)
        if outcome.interrupted {
            throw StepFailure("\(shown): interrupted (its process group was stopped)")
        }
        if outcome.timedOut {
            throw StepFailure("\(shown): timed out after \(formatSeconds(request.timeout ?? 0)) (its process group was stopped)")
        }
        if let target, outcome.exitCode == SSHTarget.connectionFailure {
            // ssh's own failure, not the command's: say so even with check = false.
            let detail = outcome.stderr.text.trimmingCharacters(in: .whitespacesAndNewlines).suffix(400)
            throw StepFailure("\(shown): ssh to \(target.destination) failed (exit 255)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        if check && outcome.exitCode != 0 {
            let detail = outcome.stderr.text.trimmingCharacters(in: .whitespacesAndNewlines).suffix(400)
            throw StepFailure("\(shown): exited with code \(outcome.exitCode)" + (detail.isEmpty ? "" : ": \(detail)"))
        }
        return outcome
    }

    private func record(_ shown: String, code: Int32, seconds: Double, note: String?) throws(StepFailure) {
        var detail = ["run": runID, "step": step.name, "command": shown, "code": String(code),
                      "seconds": formatSeconds(seconds)]
        if let note { detail["note"] = note }
        if let target { detail["target"] = target.destination }
        do {
            try audit.append(action: "runbook.exec", subject: runbook.name, detail: detail)
        } catch {
            throw StepFailure("cannot audit \(shown): \(error)")
        }
    }

    /// Asks a yes/no question: yes with --yes, the answer typed at a
    /// terminal, and no otherwise. Every answer is audited.
    public func confirm(_ question: String) throws(StepFailure) -> Bool {
        let answer: Bool
        switch confirmPolicy {
        case .assumeYes: answer = true
        case .ask(let ask):
            // The spinner must not draw over the question.
            output.activity(nil)
            answer = ask("[\(step.name)] \(question)")
            output.activity(step.name)
        case .refuse: answer = false
        }
        do {
            try audit.append(action: "runbook.confirm", subject: runbook.name,
                             detail: ["run": runID, "step": step.name, "question": question, "answer": answer ? "yes" : "no"])
        } catch {
            throw StepFailure("cannot audit the confirmation: \(error)")
        }
        return answer
    }
}

/// Splits a stream of bytes into lines, keeping an unfinished last line
/// (bounded, so that output without newlines cannot grow it forever).
public struct LineBuffer {
    public init() {}

    private var pending: [UInt8] = []

    public mutating func add(_ chunk: ArraySlice<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
                if pending.count >= 4096 {
                    lines.append(String(decoding: pending, as: UTF8.self))
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
        return lines
    }

    public var rest: String? { pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self) }
}

/// An argument as a POSIX shell would need it written, for messages and dry runs.
public func shellQuoted(_ argument: String) -> String {
    let safe = argument.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0)) }
    if safe && !argument.isEmpty { return argument }
    return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// "0.012s", "1.50s", "12.3s".
public func formatSeconds(_ seconds: Double) -> String {
    seconds < 0.1 ? String(format: "%.3fs", seconds) : seconds < 10 ? String(format: "%.2fs", seconds) : String(format: "%.1fs", seconds)
}
