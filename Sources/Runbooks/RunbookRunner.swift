import Foundation
import Telemetry

/// Where a run's lines go (the terminal, a test's buffer).
public struct RunOutput: Sendable {
    public let line: @Sendable (String) -> Void
    /// The step now running, nil between steps: for a spinner at a terminal.
    public let activity: @Sendable (String?) -> Void

    public init(line: @escaping @Sendable (String) -> Void, activity: @escaping @Sendable (String?) -> Void = { _ in }) {
        self.line = line
        self.activity = activity
    }
}

/// How a run was asked for.
public struct RunOptions {
    /// How `mutates = true` runbooks and `ctx.confirm` get their yes.
    public enum Confirmation {
        /// --yes.
        case assumeYes
        /// At a terminal: ask the person.
        case ask((String) -> Bool)
        /// Nobody to ask: mutating runs are refused, confirmations are no.
        case refuse
    }

    public var dryRun = false
    public var confirmation: Confirmation = .refuse
    public var from: String?
    public var only: String?
    /// The host the steps' commands run on over ssh; this machine when nil.
    public var target: SSHTarget?
    /// The fingerprint of the alert that started the run (serve's runbook trigger), for the audit log.
    public var alert: String?

    public init(dryRun: Bool = false, confirmation: Confirmation = .refuse, from: String? = nil, only: String? = nil,
                target: SSHTarget? = nil) {
        self.dryRun = dryRun
        self.confirmation = confirmation
        self.from = from
        self.only = only
        self.target = target
    }
}

/// What a runbook's steps do: supplied by whoever loaded it (the Lua binding).
public protocol RunbookActions: AnyObject {
    /// Runs step `index`'s `run`; throwing fails the attempt.
    func run(step index: Int, context: StepContext) throws
    /// Runs step `index`'s `undo`.
    func undo(step index: Int, context: StepContext) throws
}

/// How a run ended.
public struct RunResult: Sendable {
    public enum Status: String, Sendable {
        /// Every step ran (or, in a dry run, was planned).
        case succeeded
        /// A step failed; the completed steps were undone.
        case failed
        /// SIGINT or SIGTERM stopped it; the completed steps were undone.
        case interrupted
        /// It did not start: bad parameters, no confirmation, no audit log.
        case refused
    }

    /// One step's (or one undo's) outcome.
    public struct StepOutcome: Sendable {
        public var name: String
        /// "ok", "failed", "interrupted"; for undos "undone" or "undo failed".
        public var status: String
        public var seconds: Double
        public var attempts: Int
        public var error: String?
    }

    public var runbook: String
    public var status: Status
    public var dryRun: Bool
    public var steps: [StepOutcome] = []
    public var undos: [StepOutcome] = []
    public var failedStep: String?
    public var error: String?
    public var seconds = 0.0

    /// 0 succeeded, 1 failed, 2 refused, 130 interrupted (as shells report SIGINT).
    public var exitCode: Int32 {
        switch status {
        case .succeeded: return 0
        case .failed: return 1
        case .refused: return 2
        case .interrupted: return 130
        }
    }
}

/// Runs a runbook's steps in order: parameters checked first, a failure
/// stops the run and undoes the completed steps in reverse, an interrupt
/// does the same, and all of it is written to the audit log, which must be
/// writable before anything runs.
public final class RunbookRunner {
    public let runbook: Runbook
    let actions: RunbookActions
    let audit: AuditLog
    let output: RunOutput

    public init(runbook: Runbook, actions: RunbookActions, audit: AuditLog, output: RunOutput) {
        self.runbook = runbook
        self.actions = actions
        self.audit = audit
        self.output = output
    }

    /// Runs the runbook. The `prepare` closure sees the checked parameters
    /// before the first step (the binding builds its `ctx` from them).
    public func run(parameters given: [String: ParameterInput], options: RunOptions,
                    prepare: ([String: ParameterValue]) throws -> Void = { _ in }) -> RunResult {
        var result = RunResult(runbook: runbook.name, status: .refused, dryRun: options.dryRun)
        let parameters: [String: ParameterValue]
        let plan: [Int]
        do {
            parameters = try checkParameters(given, against: runbook.parameters)
            plan = try runbook.plan(from: options.from, only: options.only)
        } catch {
            result.error = error.description
            return result
        }
        let runID = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        if runbook.mutates && !options.dryRun {
            switch options.confirmation {
            case .assumeYes: break
            case .refuse:
                result.error = "runbook '\(runbook.name)' changes the machine (mutates = true) and nobody is at a terminal to confirm: pass --yes (or try --dry-run first)"
                return result
            case .ask(let ask):
                let steps = plan.map { runbook.steps[$0].name }.joined(separator: ", ")
                let machine = options.target.map { "host \($0.destination)" } ?? "this machine"
                let answer = ask("Run \(runbook.name) (steps: \(steps)), which changes \(machine)?")
                do {
                    try audit.append(action: "runbook.confirm", subject: runbook.name,
                                     detail: ["run": runID, "question": "run", "answer": answer ? "yes" : "no"])
                } catch {
                    result.error = "refusing to run unaudited: \(error)"
                    return result
                }
                guard answer else {
                    result.error = "not confirmed; nothing was run"
                    return result
                }
            }
        }
        var startDetail = ["run": runID, "dry_run": String(options.dryRun), "mutates": String(runbook.mutates),
                           "version": runbook.version,
                           "params": parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")]
        if let from = options.from { startDetail["from"] = from }
        if let only = options.only { startDetail["only"] = only }
        if let target = options.target { startDetail["target"] = target.destination }
        if let alert = options.alert { startDetail["alert"] = alert }
        do {
            try audit.append(action: "runbook.start", subject: runbook.name, detail: startDetail)
        } catch {
            result.error = "refusing to run unaudited: \(error)"
            return result
        }
        do {
            try prepare(parameters)
        } catch {
            result.error = "\(error)"
            finish(&result, runID: runID)
            return result
        }
        let started = MonotonicInstant.now().seconds
        Interruption.catching {
            var completed: [Int] = []
            result.status = .succeeded
            for index in plan {
                let outcome = runStep(index, parameters: parameters, options: options, runID: runID)
                result.steps.append(outcome)
                if outcome.status == "ok" {
                    completed.append(index)
                    continue
                }
                result.status = outcome.status == "interrupted" ? .interrupted : .failed
                result.failedStep = outcome.name
                result.error = outcome.error
                break
            }
            if result.status != .succeeded {
                undo(completed, parameters: parameters, options: options, runID: runID, into: &result)
            }
        }
        result.seconds = MonotonicInstant.now().seconds - started
        finish(&result, runID: runID)
        return result
    }

    private func context(_ index: Int, parameters: [String: ParameterValue], options: RunOptions,
                         runID: String) -> StepContext {
        let step = runbook.steps[index]
        return StepContext(runbook: runbook, step: step, parameters: parameters, dryRun: options.dryRun,
                           deadline: step.timeout.map { MonotonicInstant.now().seconds + $0 }, audit: audit, output: output,
                           confirmPolicy: options.confirmation, runID: runID, target: options.target)
    }

    private func runStep(_ index: Int, parameters: [String: ParameterValue], options: RunOptions,
                         runID: String) -> RunResult.StepOutcome {
        let step = runbook.steps[index]
        let started = MonotonicInstant.now().seconds
        var outcome = RunResult.StepOutcome(name: step.name, status: "ok", seconds: 0, attempts: 0)
        output.activity(step.name)
        defer { output.activity(nil) }
        for attempt in 0...step.retries {
            outcome.attempts = attempt + 1
            if Interruption.requested {
                outcome.status = "interrupted"
                outcome.error = "interrupted before the step started"
                break
            }
            do {
                try actions.run(step: index, context: context(index, parameters: parameters, options: options, runID: runID))
                outcome.status = "ok"
                outcome.error = nil
                break
            } catch {
                outcome.error = "\(error)"
                if Interruption.requested {
                    outcome.status = "interrupted"
                    break
                }
                outcome.status = "failed"
                if attempt < step.retries {
                    output.line("[\(step.name)] attempt \(attempt + 1) failed: \(error); retrying (\(attempt + 1) of \(step.retries) retries)")
                }
            }
        }
        outcome.seconds = MonotonicInstant.now().seconds - started
        let mark = outcome.status == "ok" ? "ok" : outcome.status.uppercased()
        let tries = outcome.attempts > 1 ? ", \(outcome.attempts) attempts" : ""
        output.line("== \(step.name): \(mark) (\(formatSeconds(outcome.seconds))\(tries))" + (outcome.error.map { ": \($0)" } ?? ""))
        var detail = ["run": runID, "step": step.name, "status": outcome.status,
                      "seconds": formatSeconds(outcome.seconds), "attempts": String(outcome.attempts)]
        if let error = outcome.error { detail["error"] = String(error.prefix(2000)) }
        if (try? audit.append(action: "runbook.step", subject: runbook.name, detail: detail)) == nil, outcome.status == "ok" {
            outcome.status = "failed"
            outcome.error = "the audit log could not be written after the step"
        }
        return outcome
    }

    /// Undoes `completed` in reverse. A second interrupt is honoured by the
    /// commands it stops; every undo is still attempted and reported.
    private func undo(_ completed: [Int], parameters: [String: ParameterValue], options: RunOptions,
                      runID: String, into result: inout RunResult) {
        Interruption.clear()
        for index in completed.reversed() where runbook.steps[index].hasUndo {
            let step = runbook.steps[index]
            let started = MonotonicInstant.now().seconds
            var outcome = RunResult.StepOutcome(name: step.name, status: "undone", seconds: 0, attempts: 1)
            output.activity("undo " + step.name)
            defer { output.activity(nil) }
            do {
                try actions.undo(step: index, context: context(index, parameters: parameters, options: options, runID: runID))
            } catch {
                outcome.status = "undo failed"
                outcome.error = "\(error)"
            }
            outcome.seconds = MonotonicInstant.now().seconds - started
            output.line("== undo \(step.name): \(outcome.status == "undone" ? "ok" : "FAILED") (\(formatSeconds(outcome.seconds)))"
                        + (outcome.error.map { ": \($0)" } ?? ""))
            var detail = ["run": runID, "step": step.name, "status": outcome.status]
            if let error = outcome.error { detail["error"] = String(error.prefix(2000)) }
            _ = try? audit.append(action: "runbook.undo", subject: runbook.name, detail: detail)
            result.undos.append(outcome)
        }
    }

    private func finish(_ result: inout RunResult, runID: String) {
        var detail = ["run": runID, "status": result.status.rawValue, "seconds": formatSeconds(result.seconds)]
        if let step = result.failedStep { detail["failed_step"] = step }
        if let error = result.error { detail["error"] = String(error.prefix(2000)) }
        let failedUndos = result.undos.filter { $0.status != "undone" }.map(\.name)
        if !failedUndos.isEmpty { detail["failed_undos"] = failedUndos.joined(separator: ",") }
        _ = try? audit.append(action: "runbook.end", subject: runbook.name, detail: detail)
        var summary = "\(runbook.name): \(result.status.rawValue)"
        if result.dryRun { summary += " (dry run)" }
        if let step = result.failedStep { summary += " at step \(step)" }
        if !failedUndos.isEmpty { summary += "; UNDO FAILED for \(failedUndos.joined(separator: ", "))" }
        output.line(summary + " in \(formatSeconds(result.seconds))")
    }
}
