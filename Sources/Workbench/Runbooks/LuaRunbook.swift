import Foundation
import LuaKit
import Plugins
import Runbooks

/// A runbook plugin: its table read into the checked `Runbook` shape, and
/// its steps' functions run with a `ctx` for each attempt.
final class LuaRunbook: RunbookActions {
    let plugin: LuaPlugin
    let runbook: Runbook
    private let runs: [LuaReference]
    private let undos: [LuaReference?]
    unowned let workbench: Workbench
    /// `ctx.params` and `ctx.state`: one table each for the whole run, so
    /// that steps pass values to the steps after them.
    private var parametersTable: LuaReference?
    private var stateTable: LuaReference?
    /// The stack the run was started from (a coroutine's, possibly).
    private let stack: LuaStack

    init(plugin: LuaPlugin, workbench: Workbench, stack: LuaStack) throws(RunbookError) {
        self.plugin = plugin
        self.workbench = workbench
        self.stack = stack
        plugin.table.push(on: stack)
        let table = stack.value(at: -1, maxDepth: 4).tableValue ?? LuaTableValue()
        stack.pop()
        let name = plugin.manifest.name
        func problem(_ text: String) -> RunbookError { .definition("runbook '\(name)' (\(plugin.file)): \(text)") }

        var steps: [RunbookStep] = []
        var runs: [LuaReference] = []
        var undos: [LuaReference?] = []
        guard case .table(let list) = table["steps"], list.fields.isEmpty, list.otherKeyCount == 0 else {
            throw problem("steps must be a list of step tables")
        }
        for (position, item) in list.array.enumerated() {
            guard case .table(let fields) = item else { throw problem("step #\(position + 1) must be a table, got \(item.typeName)") }
            guard case .string(let stepName) = fields["name"], !stepName.isEmpty else {
                throw problem("step #\(position + 1) needs a name (a non-empty string)")
            }
            func stepProblem(_ text: String) -> RunbookError { problem("step '\(stepName)': \(text)") }
            let known = ["name", "run", "undo", "timeout", "retries", "readonly", "doc"]
            if let unknown = fields.fields.keys.sorted().first(where: { !known.contains($0) }) {
                throw stepProblem("unknown field '\(unknown)' (known: \(known.joined(separator: ", ")))")
            }
            guard case .function(let run) = fields["run"] else { throw stepProblem("run must be a function, got \(fields["run"].typeName)") }
            var undo: LuaReference?
            switch fields["undo"] {
            case .nil: break
            case .function(let function): undo = function
            case let other: throw stepProblem("undo must be a function, got \(other.typeName)")
            }
            guard let timeout = durationSeconds(fields["timeout"]) else {
                throw stepProblem("timeout must be a duration like \"60s\" or a positive number of seconds, got \(fields["timeout"].luaText)")
            }
            var retries = 0
            if !fields["retries"].isNil {
                guard let n = fields["retries"].exactInteger, (0...100).contains(n) else {
                    throw stepProblem("retries must be an integer from 0 to 100, got \(fields["retries"].luaText)")
                }
                retries = n
            }
            var readonly = false
            switch fields["readonly"] {
            case .nil: break
            case .boolean(let b): readonly = b
            case let other: throw stepProblem("readonly must be a boolean, got \(other.luaText)")
            }
            steps.append(RunbookStep(name: stepName, timeout: timeout, retries: retries, readonly: readonly, hasUndo: undo != nil))
            runs.append(run)
            undos.append(undo)
        }
        var mutates = false
        switch table["mutates"] {
        case .nil: break
        case .boolean(let b): mutates = b
        case let other: throw problem("mutates must be a boolean, got \(other.luaText)")
        }
        let parameters = try Self.parameters(table["params"], problem: problem)
        self.runbook = try Runbook(name: name, version: plugin.manifest.version.description,
                                   description: plugin.manifest.description, mutates: mutates,
                                   parameters: parameters, steps: steps)
        self.runs = runs
        self.undos = undos
    }

    /// The `params` table: name = {type =, required =, default =, doc =, choices =}.
    private static func parameters(_ value: LuaValue, problem: (String) -> RunbookError) throws(RunbookError) -> [RunbookParameter] {
        guard case .table(let table) = value else {
            if value.isNil { return [] }
            throw problem("params must be a table of name = {type = ...}, got \(value.typeName)")
        }
        guard table.array.isEmpty, table.otherKeyCount == 0 else { throw problem("params must map names to {type = ...} tables") }
        var parameters: [RunbookParameter] = []
        for (name, spec) in table.fields.sorted(by: { $0.key < $1.key }) {
            guard case .table(let fields) = spec else { throw .parameter(name, "must be declared as a table {type = ...}, got \(spec.typeName)") }
            let known = ["type", "required", "default", "doc", "choices"]
            if let unknown = fields.fields.keys.sorted().first(where: { !known.contains($0) }) {
                throw .parameter(name, "has an unknown field '\(unknown)' (known: \(known.joined(separator: ", ")))")
            }
            guard case .string(let typeName) = fields["type"] else {
                throw .parameter(name, "needs a type (\(RunbookParameter.Kind.names.joined(separator: ", ")))")
            }
            let kind: RunbookParameter.Kind
            switch typeName {
            case "string": kind = .string
            case "integer": kind = .integer
            case "number": kind = .number
            case "boolean": kind = .boolean
            case "duration": kind = .duration
            case "enum":
                guard case .table(let list) = fields["choices"], !list.array.isEmpty,
                      case let choices = list.array.compactMap(\.stringValue), choices.count == list.array.count else {
                    throw .parameter(name, "of type enum needs choices, a list of strings")
                }
                kind = .choice(choices)
            default:
                throw .parameter(name, "has an unknown type \"\(typeName)\" (known: \(RunbookParameter.Kind.names.joined(separator: ", ")))")
            }
            var required = false
            switch fields["required"] {
            case .nil: break
            case .boolean(let b): required = b
            case let other: throw .parameter(name, "required must be a boolean, got \(other.luaText)")
            }
            var parameter = RunbookParameter(name: name, kind: kind, required: required, doc: fields["doc"].stringValue ?? "")
            if !fields["default"].isNil {
                do {
                    parameter.defaultValue = try parameter.check(parameterInput(fields["default"]))
                } catch {
                    throw .parameter(name, "has a default that does not fit its type: \(error)")
                }
            }
            parameters.append(parameter)
        }
        return parameters
    }

    // MARK: Running

    /// Builds the run's `ctx.params` and `ctx.state` from the checked values.
    func prepare(_ parameters: [String: ParameterValue]) {
        stack.push(parameters.mapValues(luaValue))
        parametersTable = stack.reference(at: -1)
        stack.pop()
        stack.pushNewTable()
        stateTable = stack.reference(at: -1)
        stack.pop()
    }

    func run(step index: Int, context: StepContext) throws {
        try call(runs[index], context: context)
    }

    func undo(step index: Int, context: StepContext) throws {
        guard let undo = undos[index] else { return }
        // An interrupt that stopped the run must not stop its undo too.
        _ = workbench.lua.consumeStopRequest()
        try call(undo, context: context)
    }

    private func call(_ function: LuaReference, context: StepContext) throws {
        let base = stack.top
        defer { stack.settop(base) }
        try stack.reserve(3, for: "a step")
        function.push(on: stack)
        pushContext(context)
        do {
            if let remaining = context.remaining {
                try workbench.lua.withTimeBudget(seconds: remaining) { try stack.call(arguments: 1, results: 0) }
            } else {
                try stack.call(arguments: 1, results: 0)
            }
        } catch let error as LuaError where error.stopReason == .timeout {
            throw StepFailure("timed out after \(formatSeconds(context.step.timeout ?? 0))")
        }
    }

    private func pushContext(_ context: StepContext) {
        let manifest = plugin.manifest
        stack.pushNewTable()
        parametersTable?.push(on: stack)
        stack.setField("params", inTableAt: -2)
        stateTable?.push(on: stack)
        stack.setField("state", inTableAt: -2)
        stack.push(context.dryRun)
        stack.setField("dry_run", inTableAt: -2)
        stack.push(context.step.name)
        stack.setField("step", inTableAt: -2)
        if let target = context.target {
            stack.push(target.destination)
            stack.setField("host", inTableAt: -2)
        }
        for function in contextFunctions(context, mayExecute: manifest.permissions.contains(.exec)) {
            stack.push(function)
            stack.setField(function.shortName, inTableAt: -2)
        }
        for (name, module) in workbench.sandboxModules where name == "tensor" || name == "nn" {
            stack.push(module)
            stack.setField(name, inTableAt: -2)
        }
        stack.push(workbench.readOnlyMetrics())
        stack.setField("metrics", inTableAt: -2)
    }

    private func contextFunctions(_ context: StepContext, mayExecute: Bool) -> [LuaFunction] {
        [
            LuaFunction("ctx.sh", doc: """
                ctx.sh(command: table) -> table
                Runs {argv..., timeout =, check = true, env =, cwd =, input =, shell = false, readonly = false,
                quiet = false} in its own process group: {code, stdout, stderr, seconds}. Raises on a non-zero
                exit unless check = false. In a dry run it only prints the command, unless readonly.
                """) { [weak self] call in
                // A step may keep ctx.sh in a global; called after its run ended, it refuses.
                guard let self else { throw call.error("this ctx belongs to a runbook run that has ended") }
                guard mayExecute else {
                    throw call.error("runbook '\(runbook.name)' needs the exec permission to run commands (permissions = {\"exec\"})")
                }
                return try shell(call, context: context)
            },
            LuaFunction("ctx.log", doc: """
                ctx.log(...)
                Prints its arguments, tab-separated, as a line of this step's output.
                """) { call in
                let parts = call.argumentCount == 0 ? [] : (1...call.argumentCount).map { i in
                    call.stack.string(at: i) ?? call.stack.describe(at: i)
                }
                context.log(parts.joined(separator: "\t"))
                return 0
            },
            LuaFunction("ctx.confirm", doc: """
                ctx.confirm(question: string) -> boolean
                Yes with --yes, the answer typed at a terminal, no otherwise; audited.
                """) { call in
                let question = try call.string(1)
                do {
                    return call.returns(.boolean(try context.confirm(question)))
                } catch {
                    throw call.error("\(error)")
                }
            },
        ]
    }

    private func shell(_ call: LuaCall, context: StepContext) throws -> Int32 {
        let table = try call.table(1)
        let options = try LuaOptions(LuaTableValue(fields: table.fields), function: "ctx.sh",
                                     allowed: ["timeout", "check", "env", "cwd", "input", "shell", "readonly", "quiet"])
        guard table.otherKeyCount == 0 else { throw call.argumentError(1, "must hold the command's words and name = value options only") }
        var argv: [String] = []
        for (i, word) in table.array.enumerated() {
            switch word {
            case .string(let s): argv.append(s)
            case .integer(let n): argv.append(String(n))
            default: throw call.argumentError(1, "word #\(i + 1) of the command must be a string, got \(word.luaText)")
            }
        }
        guard !argv.isEmpty else { throw call.argumentError(1, "needs a command: {\"program\", \"arg\", ...}") }
        var request = ProcessRequest(argv: argv)
        request.shell = try options.boolean("shell", default: false)
        if request.shell && argv.count != 1 {
            throw options.error("shell", "needs the command as one string, e.g. ctx.sh{\"du -s * | sort -n\", shell = true}")
        }
        guard let timeout = durationSeconds(table["timeout"]) else {
            throw options.error("timeout", "must be a duration like \"30s\" or a positive number of seconds, got \(table["timeout"].luaText)")
        }
        request.timeout = timeout
        switch table["env"] {
        case .nil: break
        case .table(let env) where env.array.isEmpty && env.otherKeyCount == 0:
            for (key, value) in env.fields {
                guard let text = value.stringValue ?? value.exactInteger.map(String.init), !key.contains("=") else {
                    throw options.error("env", "must map names to strings, got \(key) = \(value.luaText)")
                }
                request.environment[key] = text
            }
        case let other: throw options.error("env", "must be a table of NAME = \"value\", got \(other.typeName)")
        }
        request.directory = try options.optionalString("cwd")
        if case .string(let text) = table["input"] {
            request.input = Array(text.utf8)
        } else if !table["input"].isNil {
            throw options.error("input", "must be a string, got \(table["input"].luaText)")
        }
        let readonly = try options.boolean("readonly", default: false)
        let check = try options.boolean("check", default: true)
        let quiet = try options.boolean("quiet", default: false)
        let outcome: ProcessOutcome?
        do {
            outcome = try context.run(request, readonly: readonly, check: check, echo: !quiet)
        } catch {
            throw call.error("\(error)")
        }
        guard let outcome else {
            return call.returns(.table(LuaTableValue(fields: ["code": .integer(0), "stdout": .string(""), "stderr": .string(""),
                                                              "seconds": .number(0), "dry_run": .boolean(true)])))
        }
        var fields: [String: LuaValue] = [
            "code": .integer(Int64(outcome.exitCode)), "stdout": .string(outcome.stdout.text),
            "stderr": .string(outcome.stderr.text), "seconds": .number(outcome.seconds),
        ]
        if outcome.stdout.omitted > 0 || outcome.stderr.omitted > 0 {
            fields["omitted"] = .integer(Int64(outcome.stdout.omitted + outcome.stderr.omitted))
        }
        return call.returns(.table(LuaTableValue(fields: fields)))
    }
}

/// A timeout field: nil when absent (.some(nil)), the seconds of a duration
/// string or positive number, or nil when it is neither.
func durationSeconds(_ value: LuaValue) -> Double?? {
    switch value {
    case .nil: return .some(nil)
    case .string(let text): return Duration.parse(text).map { .some($0.totalSeconds) }
    default:
        guard let seconds = value.doubleValue, seconds > 0, seconds < 1e9 else { return nil }
        return .some(seconds)
    }
}

/// A Lua value given as a parameter, for checking.
func parameterInput(_ value: LuaValue) -> ParameterInput {
    switch value {
    case .string(let s): return .string(s)
    case .integer(let i): return .integer(i)
    case .number(let d): return .number(d)
    case .boolean(let b): return .boolean(b)
    default: return .other(value.typeName)
    }
}

/// A checked parameter as steps see it (durations in seconds).
func luaValue(_ value: ParameterValue) -> LuaValue {
    switch value {
    case .string(let s): return .string(s)
    case .integer(let i): return .integer(i)
    case .number(let d): return .number(d)
    case .boolean(let b): return .boolean(b)
    case .duration(let seconds): return .number(seconds)
    }
}
