import ArgumentParser
import LuaKit
import Runbooks
import Workbench

/// `opslab runbook list|show|run`
struct RunbookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbook",
        abstract: "List, show and run runbooks: audited checks and fixes with dry runs and undo.",
        discussion: """
            Runbooks are Lua plugins of kind "runbook", found on the plugin search path and in scripts/runbooks/ \
            (`:help runbooks` in the shell shows the file format). Every run, step, command and confirmation is \
            appended to $OPSLAB_HOME/audit.jsonl (see `opslab audit`); a run refuses to start when it cannot be.
            """,
        subcommands: [List.self, Show.self, RunRunbook.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the runbooks found, and runbook files that failed to load.")

        func run() throws {
            let workbench = try Session().workbench()
            for entry in workbench.registry.entries(ofKind: "runbook") {
                print("\(entry.name)\t\(entry.manifest.version)\t\(entry.manifest.description)\t\(entry.source)")
            }
            for problem in workbench.registry.problems { writeStandardError("not loaded: \(problem)\n") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a runbook's parameters and steps.")

        @Argument(help: "A runbook name, or a runbook file (.lua).")
        var name: String

        func run() throws {
            let session = try Session()
            let workbench = try session.workbench()
            let text: String
            do {
                text = try workbench.describeRunbook(name)
            } catch {
                writeStandardError("opslab runbook show: \(error)\n")
                throw ExitCode(2)
            }
            print(text, terminator: "")
        }
    }

    struct RunRunbook: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a runbook's steps in order; a failure undoes the completed steps in reverse.",
            discussion: """
                Exit status: 0 when every step succeeded (or, with --dry-run, could be planned), 1 when a step \
                failed (the output names it; completed steps were undone), 2 when the run was refused before any \
                step (bad parameters, a mutating runbook without --yes off a terminal, an unwritable audit log), \
                130 when SIGINT or SIGTERM stopped it (its undos ran).
                """)

        @Argument(help: "A runbook name, or a runbook file (.lua).")
        var name: String

        @Option(name: .customLong("param"), help: ArgumentHelp("A parameter, as name=value (may be repeated).", valueName: "name=value"))
        var parameters: [String] = []

        @Flag(help: "Print the commands instead of running them (commands marked readonly still run).")
        var dryRun = false

        @Flag(help: "Run a runbook that changes the machine (mutates = true) without asking.")
        var yes = false

        @Option(help: ArgumentHelp("Start at this step, to resume a failed run; the readonly steps before it run again, so that the state they gather is there.", valueName: "step"))
        var from: String?

        @Option(help: ArgumentHelp("Run only this step.", valueName: "step"))
        var only: String?

        func run() throws {
            var given: [String: ParameterInput] = [:]
            for parameter in parameters {
                guard let eq = parameter.firstIndex(of: "="), eq != parameter.startIndex else {
                    throw ValidationError("--param expects name=value, got \"\(parameter)\"")
                }
                let key = String(parameter[..<eq])
                guard given[key] == nil else { throw ValidationError("--param \(key) is given twice") }
                given[key] = .text(String(parameter[parameter.index(after: eq)...]))
            }
            let workbench = try Session().workbench()
            let options = RunOptions(dryRun: dryRun, confirmation: Workbench.confirmation(yes: yes), from: from, only: only)
            let result: RunResult
            do {
                result = try workbench.runRunbook(name, parameters: given, options: options)
            } catch {
                writeStandardError("opslab runbook run: \(error)\n")
                throw ExitCode(2)
            }
            if result.status != .succeeded, let error = result.error {
                let at = result.failedStep.map { " (step \($0))" } ?? ""
                writeStandardError("opslab runbook run: \(result.status.rawValue)\(at): \(error)\n")
            }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }
}
