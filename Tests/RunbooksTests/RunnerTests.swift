import Foundation
import Testing
@testable import Runbooks
#if canImport(Glibc)
import Glibc
#endif

extension ProcessTests {
@Suite struct RunnerTests {
    func runbook(_ steps: [RunbookStep], mutates: Bool = false,
                 parameters: [RunbookParameter] = []) throws -> Runbook {
        try Runbook(name: "test-book", version: "1.0.0", description: "a test", mutates: mutates,
                    parameters: parameters, steps: steps)
    }

    @Test func failureStopsAndUndoesCompletedStepsInReverse() throws {
        let dir = ScratchDirectory()
        let actions = ScriptedActions(runs: ["c": { _ in throw StepFailure("boom") }],
                                      undos: ["a": { _ in }, "b": { _ in throw StepFailure("undo broke") }])
        let book = try runbook([RunbookStep(name: "a", hasUndo: true), RunbookStep(name: "b", hasUndo: true),
                                RunbookStep(name: "c", hasUndo: true), RunbookStep(name: "d")])
        let output = CollectedOutput()
        let result = RunbookRunner(runbook: book, actions: actions, audit: dir.auditLog(), output: output.output)
            .run(parameters: [:], options: RunOptions())
        #expect(result.status == .failed)
        #expect(result.exitCode == 1)
        #expect(result.failedStep == "c")
        #expect(actions.journal == ["run a", "run b", "run c", "undo b", "undo a"])
        #expect(result.undos.map(\.status) == ["undo failed", "undone"])
        #expect(output.lines.last?.contains("UNDO FAILED for b") == true)
        let actionsLogged = try dir.auditLog().query().map(\.action)
        #expect(actionsLogged == ["runbook.start", "runbook.step", "runbook.step", "runbook.step",
                                  "runbook.undo", "runbook.undo", "runbook.end"])
        #expect(try dir.auditLog().verify().valid)
    }

    @Test func retriesThenSucceeds() throws {
        let dir = ScratchDirectory()
        var attempts = 0
        let actions = ScriptedActions(runs: ["flaky": { _ in
            attempts += 1
            if attempts < 3 { throw StepFailure("not yet") }
        }])
        let result = RunbookRunner(runbook: try runbook([RunbookStep(name: "flaky", retries: 2)]), actions: actions,
                                   audit: dir.auditLog(), output: CollectedOutput().output)
            .run(parameters: [:], options: RunOptions())
        #expect(result.status == .succeeded)
        #expect(result.steps.first?.attempts == 3)
    }

    @Test func mutatingRunbookIsRefusedWithoutYesBeforeAnyStep() throws {
        let dir = ScratchDirectory()
        let actions = ScriptedActions(runs: [:])
        let book = try runbook([RunbookStep(name: "a")], mutates: true)
        let result = RunbookRunner(runbook: book, actions: actions, audit: dir.auditLog(), output: CollectedOutput().output)
            .run(parameters: [:], options: RunOptions(confirmation: .refuse))
        #expect(result.status == .refused)
        #expect(result.exitCode == 2)
        #expect(actions.journal.isEmpty)
        #expect(result.error?.contains("--yes") == true)
        var asked: String?
        let declined = RunbookRunner(runbook: book, actions: actions, audit: dir.auditLog(), output: CollectedOutput().output)
            .run(parameters: [:], options: RunOptions(confirmation: .ask { asked = $0; return false }))
        #expect(declined.status == .refused)
        #expect(asked?.contains("steps: a") == true)
        #expect(actions.journal.isEmpty)
        #expect(try dir.auditLog().query(action: "runbook.confirm").first?.detail["answer"] == "no")
    }

    @Test func unwritableAuditLogRefusesTheRun() throws {
        let dir = ScratchDirectory()
        mkdir(dir.path + "/audit.jsonl", 0o755)
        let actions = ScriptedActions(runs: [:])
        let result = RunbookRunner(runbook: try runbook([RunbookStep(name: "a")]), actions: actions,
                                   audit: dir.auditLog(), output: CollectedOutput().output)
            .run(parameters: [:], options: RunOptions())
        #expect(result.status == .refused)
        #expect(result.error?.contains("unaudited") == true)
        #expect(actions.journal.isEmpty)
    }

    @Test func badParameterRefusesBeforeAnyStep() throws {
        let dir = ScratchDirectory()
        let actions = ScriptedActions(runs: [:])
        let book = try runbook([RunbookStep(name: "a")], parameters: [RunbookParameter(name: "days", kind: .integer)])
        let result = RunbookRunner(runbook: book, actions: actions, audit: dir.auditLog(), output: CollectedOutput().output)
            .run(parameters: ["days": .text("many")], options: RunOptions())
        #expect(result.status == .refused)
        #expect(result.error == "param 'days' expected an integer, got \"many\"")
        #expect(actions.journal.isEmpty)
    }

    @Test func dryRunPrintsCommandsUnlessReadonly() throws {
        let dir = ScratchDirectory()
        let marker = dir.path + "/ran"
        var readonlyOutput: String?
        let actions = ScriptedActions(runs: ["a": { ctx in
            #expect(try ctx.run(ProcessRequest(argv: ["touch", marker])) == nil)
            readonlyOutput = try ctx.run(ProcessRequest(argv: ["echo", "looked"]), readonly: true, echo: false)?.stdout.text
        }])
        let output = CollectedOutput()
        let result = RunbookRunner(runbook: try runbook([RunbookStep(name: "a")], mutates: true), actions: actions,
                                   audit: dir.auditLog(), output: output.output)
            .run(parameters: [:], options: RunOptions(dryRun: true))
        #expect(result.status == .succeeded)
        #expect(access(marker, F_OK) != 0)
        #expect(readonlyOutput == "looked\n")
        #expect(output.lines.contains("[a] would run: touch \(marker)"))
    }

    @Test func fromAndOnlySelectSteps() throws {
        let dir = ScratchDirectory()
        let steps = [RunbookStep(name: "a"), RunbookStep(name: "b"), RunbookStep(name: "c")]
        for (options, expected) in [(RunOptions(from: "b"), ["run b", "run c"]), (RunOptions(only: "b"), ["run b"])] {
            let actions = ScriptedActions(runs: [:])
            _ = RunbookRunner(runbook: try runbook(steps), actions: actions, audit: dir.auditLog(),
                              output: CollectedOutput().output).run(parameters: [:], options: options)
            #expect(actions.journal == expected)
        }
        let looking = [RunbookStep(name: "look", readonly: true), RunbookStep(name: "change"), RunbookStep(name: "verify")]
        let resumed = ScriptedActions(runs: [:])
        _ = RunbookRunner(runbook: try runbook(looking), actions: resumed, audit: dir.auditLog(),
                          output: CollectedOutput().output).run(parameters: [:], options: RunOptions(from: "verify"))
        #expect(resumed.journal == ["run look", "run verify"])
        let unknown = RunbookRunner(runbook: try runbook(steps), actions: ScriptedActions(runs: [:]), audit: dir.auditLog(),
                                    output: CollectedOutput().output).run(parameters: [:], options: RunOptions(from: "zz"))
        #expect(unknown.status == .refused)
        #expect(unknown.error == "no step named \"zz\" (steps: a, b, c)")
    }

    @Test func stepTimeoutStopsItsCommand() throws {
        let dir = ScratchDirectory()
        let actions = ScriptedActions(runs: ["slow": { ctx in _ = try ctx.run(ProcessRequest(argv: ["sleep", "30"])) }],
                                      undos: [:])
        let started = Date()
        let result = RunbookRunner(runbook: try runbook([RunbookStep(name: "slow", timeout: 0.3)]), actions: actions,
                                   audit: dir.auditLog(), output: CollectedOutput().output)
            .run(parameters: [:], options: RunOptions())
        #expect(result.status == .failed)
        #expect(result.error?.contains("timed out") == true)
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try dir.auditLog().query(action: "runbook.exec").first?.detail["note"] == "timed out")
    }

    @Test func interruptStopsTheRunAndUndoes() throws {
        let dir = ScratchDirectory()
        let actions = ScriptedActions(runs: ["b": { ctx in
            Interruption.request()
            _ = try ctx.run(ProcessRequest(argv: ["sleep", "30"]))
        }], undos: ["a": { ctx in _ = try ctx.run(ProcessRequest(argv: ["true"])) }])
        let result = RunbookRunner(runbook: try runbook([RunbookStep(name: "a", hasUndo: true), RunbookStep(name: "b")]),
                                   actions: actions, audit: dir.auditLog(), output: CollectedOutput().output)
            .run(parameters: [:], options: RunOptions())
        #expect(result.status == .interrupted)
        #expect(result.exitCode == 130)
        #expect(result.undos.map(\.status) == ["undone"])
        #expect(try dir.auditLog().query(action: "runbook.end").first?.detail["status"] == "interrupted")
    }
}
}
