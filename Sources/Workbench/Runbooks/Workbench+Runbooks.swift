import Foundation
import LuaKit
import Plugins
import Runbooks
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `runbook`: listing, showing and running runbook plugins; the same run
/// serves `runbook.run`, `:run` and `opslab runbook run`.
extension Workbench {
    func installRunbooks() {
        registry.addKind(.runbook)
        lua.registerModule("runbook", functions: runbookFunctions())
        document("runbook", "runbook: checks and fixes written as runbook plugins, run step by step with undo, dry run and audit; :help runbooks.")
        lua.registerModule("audit", functions: auditFunctions())
        document("audit", "audit: the hash-chained log of what opslab did ($OPSLAB_HOME/audit.jsonl): show, verify, head.")
        addTopic("runbooks", Self.runbooksTopic)
    }

    /// The audit log of this workbench's home.
    public func openAuditLog() -> AuditLog {
        makeDirectories(paths.home)
        return AuditLog(path: paths.auditLog, databasePath: paths.database)
    }

    /// The runbook `nameOrFile` names: a registered runbook, or a file
    /// (a path ending in .lua) loaded for this run only.
    func loadRunbook(_ nameOrFile: String, stack: LuaStack) throws -> LuaRunbook {
        let plugin: LuaPlugin
        if nameOrFile.hasSuffix(".lua") || nameOrFile.contains("/") {
            let scratch = PluginRegistry()
            for kind in registry.kinds { scratch.addKind(kind) }
            switch loadPlugin(file: nameOrFile, into: scratch) {
            case .loaded:
                guard let entry = scratch.entries.first, entry.kind == "runbook", let loaded = entry.implementation as? LuaPlugin else {
                    throw LuaRuntimeError("\(nameOrFile) is not a runbook (its kind is not \"runbook\")", named: false)
                }
                plugin = loaded
            case .skipped:
                throw LuaRuntimeError("\(nameOrFile) was not loaded", named: false)
            case .failed(let problem):
                throw LuaRuntimeError(problem.description, named: false)
            }
        } else {
            guard let entry = registry.entry(kind: "runbook", name: nameOrFile), let loaded = entry.implementation as? LuaPlugin else {
                let problem = registry.problems.first { $0.file.hasSuffix("/\(nameOrFile).lua") }
                let known = registry.entries(ofKind: "runbook").map(\.name).joined(separator: ", ")
                throw LuaRuntimeError("no runbook named \"\(nameOrFile)\"" + (problem.map { " (\($0))" } ?? " (known: \(known.isEmpty ? "none" : known))"),
                                      named: false)
            }
            plugin = loaded
        }
        do {
            return try LuaRunbook(plugin: plugin, workbench: self, stack: stack)
        } catch {
            throw LuaRuntimeError(error.description, named: false)
        }
    }

    /// Runs a runbook, printing its steps' output and status lines, and
    /// returns how it went.
    public func runRunbook(_ nameOrFile: String, parameters: [String: ParameterInput], options: RunOptions,
                           on callerStack: LuaStack? = nil) throws -> RunResult {
        let stack = callerStack ?? lua.stack
        let loaded = try loadRunbook(nameOrFile, stack: stack)
        // At a terminal, lines and the spinner share one unbuffered writer;
        // what print buffered before must go out first.
        fflush(nil)
        let spinner = isatty(1) != 0 ? TerminalSpinner() : nil
        defer { spinner?.stop() }
        let runner = RunbookRunner(runbook: loaded.runbook, actions: loaded, audit: openAuditLog(),
                                   output: spinner?.output ?? RunOutput { line in
                                       print(line)
                                       fflush(nil)
                                   })
        let forwarder = InterruptForwarder(lua.interruptHandle)
        defer { forwarder.stop() }
        let result = runner.run(parameters: parameters, options: options, prepare: loaded.prepare)
        _ = lua.consumeStopRequest()
        return result
    }

    /// The runbook `nameOrFile` names, as loaded, for a caller that plans
    /// runs without running it here (the fleet fan-out).
    public func runbookDefinition(_ nameOrFile: String) throws -> Runbook {
        try loadRunbook(nameOrFile, stack: lua.stack).runbook
    }

    /// A runbook's parameters and steps as text, for `opslab runbook show`.
    public func describeRunbook(_ nameOrFile: String) throws -> String {
        let loaded = try loadRunbook(nameOrFile, stack: lua.stack)
        let runbook = loaded.runbook
        var text = "\(runbook.name) \(runbook.version): \(runbook.description)\n"
        text += "source: \(loaded.plugin.file)\n"
        text += "permissions: \(loaded.plugin.manifest.permissions.map(\.rawValue).joined(separator: ", "))\n"
        if runbook.mutates { text += "mutates: yes (needs --yes, or a yes typed at a terminal)\n" }
        text += "params:\n"
        if runbook.parameters.isEmpty { text += "  (none)\n" }
        for parameter in runbook.parameters {
            var line = "  \(parameter.name): \(parameter.kind)"
            if parameter.required { line += ", required" }
            if let value = parameter.defaultValue { line += ", default \(value)" }
            if !parameter.doc.isEmpty { line += " - \(parameter.doc)" }
            text += line + "\n"
        }
        text += "steps:\n"
        for (i, step) in runbook.steps.enumerated() {
            var flags: [String] = []
            if let timeout = step.timeout { flags.append("timeout \(formatSeconds(timeout))") }
            if step.retries > 0 { flags.append("\(step.retries) retries") }
            if step.readonly { flags.append("readonly") }
            if step.hasUndo { flags.append("undo") }
            text += "  \(i + 1). \(step.name)" + (flags.isEmpty ? "" : " (" + flags.joined(separator: ", ") + ")") + "\n"
        }
        return text
    }

    /// `metrics` as runbook steps see it: the functions that read.
    func readOnlyMetrics() -> LuaValue {
        guard case .table(let module) = lua.global("metrics") else { return .nil }
        return .table(LuaTableValue(fields: module.fields.filter { ["query", "range", "series", "stats", "promql"].contains($0.key) }))
    }

    /// How a run from the shell confirms: --yes, a person at the terminal, or nobody.
    public static func confirmation(yes: Bool) -> RunOptions.Confirmation {
        if yes { return .assumeYes }
        guard isatty(0) != 0 && isatty(1) != 0 else { return .refuse }
        return .ask { question in
            print("\(question) [y/N] ", terminator: "")
            fflush(nil)
            let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            return answer == "y" || answer == "yes"
        }
    }

    private func runbookFunctions() -> [LuaFunction] {
        [
            LuaFunction("runbook.run", doc: """
                runbook.run(name: string [, params: table] [, {dry_run = false, yes = false, from = "step", only = "step", host = "web1", ssh_config = "path"}]) -> table
                Runs a runbook (a name, or a .lua file) and returns {status, ok, exit_code, failed_step, error,
                steps = {{name, status, seconds, attempts, error}...}, undos = {...}}. A runbook with
                mutates = true needs yes = true, or a yes typed at a terminal. host runs its commands on that
                host over ssh (ssh_config: a file for ssh -F). :run NAME is the same.
                """) { [unowned self] call in
                let name = try call.string(1)
                let given = try call.optionalTable(2) ?? LuaTableValue()
                guard given.array.isEmpty, given.otherKeyCount == 0 else {
                    throw call.argumentError(2, "must map parameter names to values, like {path = \"/data\"}")
                }
                let options = try call.options(3)
                var target: SSHTarget?
                let sshConfig = try options.optionalString("ssh_config")
                if let host = try options.optionalString("host") {
                    do { target = try SSHTarget(destination: host, configFile: sshConfig) } catch { throw call.error("\(error)") }
                }
                let runOptions = RunOptions(dryRun: try options.boolean("dry_run", default: false),
                                            confirmation: Self.confirmation(yes: try options.boolean("yes", default: false)),
                                            from: try options.optionalString("from"), only: try options.optionalString("only"),
                                            target: target)
                let result = try runRunbook(name, parameters: given.fields.mapValues(parameterInput), options: runOptions, on: call.stack)
                return call.returns(.table(Self.describe(result)))
            },
            LuaFunction("runbook.list", doc: """
                runbook.list() -> list
                The runbooks found on the plugin search path and in scripts/runbooks: {name, version,
                description, mutates, source}.
                """) { [unowned self] call in
                var rows: [LuaValue] = []
                for entry in registry.entries(ofKind: "runbook") {
                    guard let plugin = entry.implementation as? LuaPlugin else { continue }
                    plugin.table.push(on: call.stack)
                    let mutates = call.stack.value(at: -1, maxDepth: 1).tableValue?["mutates"] ?? .nil
                    call.stack.pop()
                    rows.append(.table(LuaTableValue(fields: [
                        "name": .string(entry.name), "version": .string(entry.manifest.version.description),
                        "description": .string(entry.manifest.description), "source": .string(entry.source.description),
                        "mutates": .boolean(mutates.isTrue),
                    ])))
                }
                return call.returns(.table(LuaTableValue(array: rows)))
            },
            LuaFunction("runbook.show", doc: """
                runbook.show(name: string) -> table
                A runbook's checked shape: {name, version, description, mutates, permissions,
                params = {{name, type, required, default, doc}...}, steps = {{name, timeout, retries, readonly, undo}...}}.
                """) { [unowned self] call in
                let loaded = try loadRunbook(try call.string(1), stack: call.stack)
                return call.returns(.table(Self.describe(loaded.runbook, permissions: loaded.plugin.manifest.permissions)))
            },
        ]
    }

    static func describe(_ runbook: Runbook, permissions: [Permission]) -> LuaTableValue {
        LuaTableValue(fields: [
            "name": .string(runbook.name), "version": .string(runbook.version),
            "description": .string(runbook.description), "mutates": .boolean(runbook.mutates),
            "permissions": .table(LuaTableValue(array: permissions.map { .string($0.rawValue) })),
            "params": .table(LuaTableValue(array: runbook.parameters.map { parameter in
                var fields: [String: LuaValue] = ["name": .string(parameter.name), "type": .string(parameter.kind.description),
                                                  "required": .boolean(parameter.required), "doc": .string(parameter.doc)]
                if let value = parameter.defaultValue { fields["default"] = luaValue(value) }
                return .table(LuaTableValue(fields: fields))
            })),
            "steps": .table(LuaTableValue(array: runbook.steps.map { step in
                var fields: [String: LuaValue] = ["name": .string(step.name), "retries": .integer(Int64(step.retries)),
                                                  "readonly": .boolean(step.readonly), "undo": .boolean(step.hasUndo)]
                if let timeout = step.timeout { fields["timeout"] = .number(timeout) }
                return .table(LuaTableValue(fields: fields))
            })),
        ])
    }

    static func describe(_ result: RunResult) -> LuaTableValue {
        func outcomes(_ list: [RunResult.StepOutcome]) -> LuaValue {
            .table(LuaTableValue(array: list.map { outcome in
                var fields: [String: LuaValue] = ["name": .string(outcome.name), "status": .string(outcome.status),
                                                  "seconds": .number(outcome.seconds), "attempts": .integer(Int64(outcome.attempts))]
                if let error = outcome.error { fields["error"] = .string(error) }
                return .table(LuaTableValue(fields: fields))
            }))
        }
        var fields: [String: LuaValue] = [
            "runbook": .string(result.runbook), "status": .string(result.status.rawValue),
            "ok": .boolean(result.status == .succeeded), "exit_code": .integer(Int64(result.exitCode)),
            "dry_run": .boolean(result.dryRun), "seconds": .number(result.seconds),
            "steps": outcomes(result.steps), "undos": outcomes(result.undos),
        ]
        if let step = result.failedStep { fields["failed_step"] = .string(step) }
        if let error = result.error { fields["error"] = .string(error) }
        return LuaTableValue(fields: fields)
    }

    static let runbooksTopic = """
    Runbooks are checks and fixes written once in Lua and run from the shell (runbook.run, :run NAME),
    the CLI (opslab runbook run NAME) or a script. A runbook is a plugin of kind "runbook" on the plugin
    search path or in scripts/runbooks/:

      return {
        kind = "runbook", name = "disk-pressure", version = "1.0.0",
        description = "Find and remove stale files when a filesystem fills",
        permissions = { "exec", "fs.write" },
        mutates = true,              -- needs --yes (yes = true), or a yes typed at a terminal
        params = { path = { type = "string", required = true, doc = "directory to clean" },
                   days = { type = "integer", default = 7 } },
        steps = {
          { name = "measure", readonly = true, run = function(ctx) ... end },
          { name = "clean", run = function(ctx) ... end, undo = function(ctx) ... end, timeout = "60s", retries = 1 },
        },
      }

    Param types: string, integer, number, boolean, duration (seconds in ctx.params), enum (with choices);
    all checked before the first step. ctx: params, state (shared by the steps), dry_run, step, host
    (the host commands go to, nil for this machine),
    sh{argv..., timeout =, check = true, env =, cwd =, input =, shell = false, readonly = false,
    quiet = false} -> {code, stdout, stderr, seconds} (needs the exec permission), log(...),
    confirm(question), and read-only metrics, tensor and nn.

    A failing step stops the run and the completed steps' undo run in reverse; a timeout or Ctrl-C
    stops the step's whole process group (SIGTERM, then SIGKILL). A dry run prints commands instead of
    running them, except readonly ones. from = "step" resumes a failed run there, running the readonly
    steps before it again so that ctx.state holds what they found. Every run, step, command and
    confirmation is appended to the audit log: audit.show{since = "1h"}, audit.verify(), audit.head();
    opslab audit verify from a shell.

    Fleet: runbook.run(name, params, {host = "web1"}) sends every ctx.sh to that host over OpenSSH
    (ssh -T -o BatchMode=yes: keys and known hosts as ssh is configured; ssh_config = FILE for -F);
    the Lua runs here. From a shell, opslab runbook run NAME --hosts a,b,c (or @FILE) --parallel N
    runs it on each host, one process per host, with a summary of each host's result.
    """
}

/// Turns the flag a signal raised during a run into an interrupt of the Lua
/// state, so that Lua code between commands stops too, not just commands.
private final class InterruptForwarder: Sendable {
    private let running = Atomic<Bool>(true)

    init(_ handle: LuaInterruptHandle) {
        Thread { [self] in
            var forwarded = false
            while running.load(ordering: .relaxed) {
                if Interruption.requested && !forwarded { handle.interrupt() }
                forwarded = Interruption.requested
                usleep(20_000)
            }
        }.start()
    }

    func stop() { running.store(false, ordering: .relaxed) }
}

extension LuaValue {
    fileprivate var isTrue: Bool { if case .boolean(true) = self { return true } else { return false } }
}
