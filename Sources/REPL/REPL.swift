import Alerting
import LuaKit
import Plugins
import Runbooks
import Telemetry
import Workbench
#if canImport(Glibc)
import Glibc
#endif

/// The interactive shell: reads Lua with libedit, prints values, keeps
/// history, and offers `:commands`, `?name` help and `!shell` escapes.
public final class REPL {
    /// Builds a fresh workbench (at start and for `:reset`).
    public typealias WorkbenchFactory = () throws -> Workbench

    private var workbench: Workbench
    private let makeWorkbench: WorkbenchFactory
    private let runInit: Bool
    private let color: Bool
    private let history: History
    private var editor: LineEditor!
    private var reportedHistoryProblem = false

    static let commands = [":help", ":quit", ":time", ":load", ":reset", ":plugins", ":collect", ":alerts", ":notebook", ":run"]

    /// - Parameters:
    ///   - runInit: run `~/.config/opslab/init.lua` at start and on `:reset`.
    ///   - color: colour output (decided by the caller from TTY and NO_COLOR).
    public init(makeWorkbench: @escaping WorkbenchFactory, runInit: Bool, color: Bool) throws {
        self.makeWorkbench = makeWorkbench
        self.runInit = runInit
        self.color = color
        self.workbench = try makeWorkbench()
        self.history = History(path: workbench.paths.history)
        self.editor = LineEditor(program: "opslab") { [unowned self] text in
            Completer(lua: workbench.lua, commands: REPL.commands).complete(text)
        }
    }

    /// Runs until `:quit` or Ctrl-D; returns the exit status.
    public func run(banner: String) -> Int32 {
        workbench.lua.installInterruptHandler()
        startSession()
        for entry in history.load() { editor.remember(entry) }
        print(banner)
        var pending = ""
        while true {
            if pending.isEmpty { reportReloadedPlugins() }
            switch editor.read(prompt: pending.isEmpty ? "opslab> " : "   ...> ") {
            case .endOfInput:
                print("")
                return 0
            case .interrupted:
                // Ctrl-C at the prompt: drop the line (and any unfinished chunk).
                pending = ""
                print("")
                continue
            case .line(let line):
                if line.trimmingSpaces().isEmpty && pending.isEmpty { continue }
                remember(line)
                if pending.isEmpty, let quit = handleCommand(line) {
                    if quit { return 0 }
                    continue
                }
                let source = pending.isEmpty ? line : pending + "\n" + line
                if evaluate(source, timed: false) == .incomplete {
                    pending = source
                } else {
                    pending = ""
                }
            }
        }
    }

    private func startSession() {
        guard runInit else { return }
        do {
            try workbench.runInitScript()
        } catch {
            printError("init.lua: \(error)")
        }
    }

    private func remember(_ line: String) {
        editor.remember(line)
        history.append(line)
        if let problem = history.problem, !reportedHistoryProblem {
            reportedHistoryProblem = true
            printError(problem)
        }
    }

    // MARK: Commands

    /// Handles `:command`, `?name` and `!shell`. Returns nil when the line is
    /// Lua, true to quit, false when handled.
    private func handleCommand(_ line: String) -> Bool? {
        let trimmed = line.trimmingSpaces()
        if trimmed.hasPrefix("?") {
            let topic = String(trimmed.dropFirst()).trimmingSpaces()
            output(topic.isEmpty ? workbench.helpIndex() : workbench.help(topic: topic))
            return false
        }
        if trimmed.hasPrefix("!") {
            runShell(String(trimmed.dropFirst()))
            return false
        }
        guard trimmed.hasPrefix(":") else { return nil }
        let parts = trimmed.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingSpaces() : ""
        switch parts[0] {
        case ":quit", ":q", ":exit":
            return true
        case ":help", ":h":
            output(argument.isEmpty ? workbench.helpIndex() : workbench.help(topic: argument))
        case ":time":
            guard !argument.isEmpty else { printError(":time needs an expression, e.g. :time fib(25)"); break }
            _ = evaluate(argument, timed: true)
        case ":load":
            guard !argument.isEmpty else { printError(":load needs a file name"); break }
            do {
                try workbench.runScript(path: argument, arguments: [])
            } catch {
                printError("\(error)")
            }
        case ":reset":
            do {
                workbench = try makeWorkbench()
                workbench.lua.installInterruptHandler()
                startSession()
                output("Fresh Lua state; plugins reloaded.")
            } catch {
                printError("reset failed, keeping the current state: \(error)")
            }
        case ":notebook":
            guard !argument.isEmpty else { printError(":notebook needs a notebook file, e.g. :notebook notebooks/mathematics.md"); break }
            do {
                let run = try workbench.runNotebookHere(path: argument)
                output("\(run.cells) cells, \(run.failed) failed; their variables are in this session.")
            } catch {
                printError("\(error)")
            }
        case ":plugins":
            output(pluginTable())
        case ":collect":
            output(collectTable(names: argument))
        case ":alerts":
            output(alertsTable())
        case ":run":
            runRunbook(argument)
        default:
            printError("unknown command \(parts[0]); :help lists the commands")
        }
        return false
    }

    /// `:run NAME [name=value ...] [--dry-run] [--yes] [--from=STEP] [--only=STEP]`: runbook.run's sugar.
    private func runRunbook(_ argument: String) {
        var words = argument.split(separator: " ").map(String.init)
        guard !words.isEmpty else { printError(":run needs a runbook name, e.g. :run disk-pressure path=/data --dry-run"); return }
        let name = words.removeFirst()
        var parameters: [String: ParameterInput] = [:]
        var options = RunOptions()
        var yes = false
        for word in words {
            switch word {
            case "--dry-run": options.dryRun = true
            case "--yes": yes = true
            case _ where word.hasPrefix("--from="): options.from = String(word.dropFirst("--from=".count))
            case _ where word.hasPrefix("--only="): options.only = String(word.dropFirst("--only=".count))
            default:
                guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                    printError(":run: expected name=value, --dry-run, --yes, --from=STEP or --only=STEP, got \(word)")
                    return
                }
                parameters[String(word[..<eq])] = .text(String(word[word.index(after: eq)...]))
            }
        }
        options.confirmation = Workbench.confirmation(yes: yes)
        do {
            let result = try workbench.runRunbook(name, parameters: parameters, options: options)
            if result.status != .succeeded, let error = result.error { printError("\(result.status.rawValue): \(error)") }
        } catch {
            printError("\(error)")
        }
    }

    /// Hot reload: plugin files edited since the last prompt are read again.
    private func reportReloadedPlugins() {
        for message in workbench.reloadChangedPlugins() { printError("plugins: " + message) }
    }

    private func runShell(_ command: String) {
        guard !command.trimmingSpaces().isEmpty else { printError("! needs a shell command"); return }
        fflush(nil)
        let status = runShellCommand(command)
        if status != 0 { printError("[exit \(status)]") }
    }

    private func pluginTable() -> String {
        let entries = workbench.registry.entries
        var rows = [["KIND", "NAME", "VERSION", "STATUS", "CALLS", "FAILS", "SOURCE"]]
        for e in entries {
            rows.append([e.kind, e.name, e.manifest.version.description, e.quarantined ? "quarantined" : "active",
                         String(e.calls), String(e.failures), e.source.description])
        }
        var text = entries.isEmpty ? "No plugins loaded.\n" : formatTable(rows)
        let problems = workbench.registry.problems
        if !problems.isEmpty {
            text += "\nNot loaded:\n" + problems.map { "  " + $0.description }.joined(separator: "\n") + "\n"
        }
        text += "\nSearch path: " + workbench.paths.pluginSearchPath.joined(separator: ":")
        return text
    }

    /// `:alerts`: alerts, silences, what was last sent where, the outbox.
    private func alertsTable() -> String {
        let overview: AlertsOverview
        do {
            overview = try workbench.alertsOverview()
        } catch {
            return "\(error)"
        }
        func labels(_ map: [String: String]) -> String {
            "{" + map.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ") + "}"
        }
        func time(_ ms: Int64) -> String { RFC3339.withMilliseconds(ms).replacingOccurrences(of: "T", with: " ") }
        var text = ""
        if overview.alerts.isEmpty {
            text += "No alerts firing or pending.\n"
        } else {
            text += formatTable([["ALERT", "STATE", "LABELS"]] + overview.alerts.map { [$0.name, $0.state, labels($0.labels)] })
        }
        if !overview.silences.isEmpty {
            text += "\nSilences:\n" + formatTable([["ID", "STATE", "MATCHERS", "ENDS", "COMMENT"]] + overview.silences.map { silence, state in
                [String(silence.id.prefix(8)), state.rawValue, silence.matchers.map(\.description).joined(separator: ", "),
                 time(silence.endsAt), silence.comment]
            })
        }
        if !overview.sent.isEmpty {
            text += "\nLast sent:\n" + formatTable([["WHEN", "TO", "GROUP", "FIRING", "RESOLVED"]] + overview.sent.prefix(20).map { entry in
                [time(entry.timestamp), entry.integration.description, entry.groupKey, String(entry.firing.count), String(entry.resolved.count)]
            })
            if overview.sent.count > 20 { text += "  ... and \(overview.sent.count - 20) more groups\n" }
        }
        let pending = overview.outbox.values.reduce(0) { $0 + $1.pending }
        let dead = overview.outbox.values.reduce(0) { $0 + $1.dead }
        if pending + dead > 0 {
            text += "\nOutbox: \(pending) waiting, \(dead) dead (opslab alerts outbox)\n"
        }
        return text
    }

    /// `:collect [names]`: one pass, summarised per collector.
    private func collectTable(names: String) -> String {
        let chosen = names.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        let pass: CollectionPass
        do {
            pass = try workbench.collect(only: chosen.isEmpty ? nil : Set(chosen))
        } catch {
            return "\(error)"
        }
        var rows = [["COLLECTOR", "STATUS", "SAMPLES", "TIME"]]
        var problems: [String] = []
        for report in pass.reports {
            let status: String
            switch report.status {
            case .ok: status = "ok"
            case .skipped: status = "skipped"
            case .timedOut: status = "timed out"
            case .failed(let why):
                status = "failed"
                problems.append("  \(report.collector): \(why)")
            case .malformed(let why):
                status = "malformed"
                problems.append("  \(report.collector): \(why)")
            }
            rows.append([report.collector, status, String(report.samples.count),
                         format3(report.durationSeconds * 1000) + " ms"])
        }
        var text = formatTable(rows)
        if !problems.isEmpty { text += "\nProblems:\n" + problems.joined(separator: "\n") + "\n" }
        let collected = pass.reports.reduce(0) { $0 + $1.samples.count }
        let stored = workbench.record(pass).map { "not stored (\($0))" } ?? "stored, so metrics.query sees them"
        return text + "\n\(collected) samples from the collectors, \(stored); metrics.collect() returns them "
            + "with the collectors' \(pass.samples.count - collected) health series."
    }

    // MARK: Evaluation

    enum Outcome { case done, incomplete }

    /// Compiles `source` as an expression (`return source`) if it is one,
    /// else as statements; runs it and prints what it returns.
    private func evaluate(_ source: String, timed: Bool) -> Outcome {
        let lua = workbench.lua
        let stack = lua.stack
        let base = stack.top
        defer { stack.settop(base) }
        do {
            try lua.load("return " + source, name: "=repl")
        } catch {
            do {
                try lua.load(source, name: "=repl")
            } catch let error as LuaError {
                if error.message.hasSuffix("<eof>") { return .incomplete }
                printError(error.message)
                return .done
            } catch {
                printError("\(error)")
                return .done
            }
        }
        let start = MonotonicInstant.now()
        do {
            try lua.runInterruptible {
                try lua.call(arguments: 0, results: -1)
            }
        } catch let error as LuaError {
            // After Ctrl-C the terminal has echoed ^C; start the message on its own line.
            printError(error.stopReason == .interrupted ? "\n" + error.message : error.message)
            return .done
        } catch {
            printError("\(error)")
            return .done
        }
        let elapsed = MonotonicInstant.now().seconds(since: start)
        let top = stack.top
        if top > base {
            lua.setGlobal("_", valueAt: base + 1)
            output(LuaPrettyPrinter(color: color).render(stack, from: base + 1, to: top))
        }
        if timed { output(formatDuration(elapsed)) }
        return .done
    }

    // MARK: Output

    private func output(_ text: String) {
        do {
            try writeStandardOutput(text.hasSuffix("\n") ? text : text + "\n")
        } catch {
            // stdout is gone; nothing sensible is left to print to.
        }
    }

    private func printError(_ message: String) {
        let text = color ? "\u{1B}[31m\(message)\u{1B}[0m\n" : message + "\n"
        writeStandardError(text)
    }
}

/// Wall time for `:time`, in the unit that reads best.
func formatDuration(_ seconds: Double) -> String {
    if seconds < 1e-3 { return "time: \(String(format3(seconds * 1e6))) µs" }
    if seconds < 1 { return "time: \(String(format3(seconds * 1e3))) ms" }
    return "time: \(String(format3(seconds))) s"
}

func format3(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return String(scaled)
}

func formatTable(_ rows: [[String]]) -> String {
    guard let header = rows.first else { return "" }
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    return rows.map { row in
        row.enumerated().map { i, cell in
            i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
        }.joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
