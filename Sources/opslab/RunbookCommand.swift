import Alerting
import ArgumentParser
import Foundation
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

                --host runs the steps' commands on that host over OpenSSH (ssh -T -o BatchMode=yes, with keys and \
                known hosts as ssh is configured, or --ssh-config FILE); the runbook's Lua runs here. --hosts a,b,c \
                (or @FILE, one host per line) runs it on each host, --parallel at a time, each in a process of its \
                own, its lines prefixed by the host, then prints each host's result; the exit status is 0 when \
                every host succeeded, 130 when any was interrupted, else 1 (2 when every failure was a refusal). \
                A mutating runbook is confirmed once for all hosts.
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

        @Option(help: ArgumentHelp("Run the commands on this host over ssh (a host, user@host, ssh://user@host:port or an ssh_config alias).", valueName: "host"))
        var host: String?

        @Option(help: ArgumentHelp("Run on each of these hosts: a,b,c or @FILE (one per line).", valueName: "hosts"))
        var hosts: String?

        @Option(help: ArgumentHelp("With --hosts, how many hosts run at once (1 to 256).", valueName: "n"))
        var parallel = 4

        @Option(help: ArgumentHelp("An ssh_config file for ssh -F.", valueName: "file"))
        var sshConfig: String?

        @Option(help: ArgumentHelp("The fingerprint of the alert that started this run, recorded in the audit log (serve passes it).", valueName: "fingerprint"))
        var alert: String?

        func validate() throws {
            if host != nil && hosts != nil { throw ValidationError("--host and --hosts cannot be combined") }
            guard (1...256).contains(parallel) else { throw ValidationError("--parallel must be 1 to 256, got \(parallel)") }
            if hosts == nil && parallel != 4 { throw ValidationError("--parallel needs --hosts") }
            if let alert, AlertFingerprint(hex: alert) == nil { throw ValidationError("--alert expects an alert fingerprint (16 hex digits), got \"\(alert)\"") }
        }

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
            if let hosts { throw ExitCode(try runFleet(hosts, workbench: workbench)) }
            var options = RunOptions(dryRun: dryRun, confirmation: Workbench.confirmation(yes: yes), from: from, only: only)
            options.alert = alert
            do {
                options.target = try host.map { try SSHTarget(destination: $0, configFile: sshConfig) }
            } catch {
                throw ValidationError("--host: \(error)")
            }
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

        /// Runs the runbook on every host of `spec`; returns the exit status.
        private func runFleet(_ spec: String, workbench: Workbench) throws -> Int32 {
            let targets: [SSHTarget]
            let runbook: Runbook
            do {
                targets = try SSHTarget.hosts(spec, configFile: sshConfig) { try String(contentsOfFile: $0, encoding: .utf8) }
                runbook = try workbench.runbookDefinition(name)
            } catch {
                writeStandardError("opslab runbook run: \(error)\n")
                return 2
            }
            var confirmed = yes
            if runbook.mutates && !dryRun && !yes {
                switch Workbench.confirmation(yes: false) {
                case .ask(let ask):
                    confirmed = ask("Run \(runbook.name), which changes the machine, on \(targets.count) hosts (\(targets.prefix(5).map(\.destination).joined(separator: ", "))\(targets.count > 5 ? ", ..." : ""))?")
                    if !confirmed {
                        writeStandardError("opslab runbook run: not confirmed; nothing was run\n")
                        return 2
                    }
                default:
                    writeStandardError("opslab runbook run: runbook '\(runbook.name)' changes the machine (mutates = true) and nobody is at a terminal to confirm: pass --yes (or try --dry-run first)\n")
                    return 2
                }
            }
            var arguments = ["runbook", "run", name] + parameters.flatMap { ["--param", $0] }
            if dryRun { arguments.append("--dry-run") }
            if confirmed { arguments.append("--yes") }
            if let from { arguments += ["--from", from] }
            if let only { arguments += ["--only", only] }
            if let sshConfig { arguments += ["--ssh-config", sshConfig] }
            let fleet = RunbookFleet(arguments: arguments, runbook: runbook.name, hosts: targets, parallel: parallel)
            do {
                return try fleet.run(audit: workbench.openAuditLog())
            } catch {
                writeStandardError("opslab runbook run: refusing to run unaudited: \(error)\n")
                return 2
            }
        }
    }
}
