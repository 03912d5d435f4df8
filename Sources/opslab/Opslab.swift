import ArgumentParser
import LuaKit
import REPL
import Workbench
#if canImport(Glibc)
import Glibc
#endif

/// The opslab command: with no subcommand, the interactive workbench (or a
/// script from stdin when it is not a terminal).
@main
struct Opslab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opslab",
        abstract: "A scriptable workbench for the people who run AI infrastructure.",
        discussion: """
            With no subcommand, opslab starts the interactive Lua 5.4 shell. When standard input is not a terminal it runs it as a script instead (echo 'print(1)' | opslab).

            Modules in the shell: metrics (collectors, the store, PromQL), alerts (alerting and recording rules, Lua rules, previews), tensor (autodiff), nn, optim and data (layers, losses, optimizers, loaders, checkpoints), plugins, opslab. `:help` lists them and `help(module)` each one's functions with their signatures; `opslab run scripts/train_digits.lua` trains a model end to end.

            `opslab alerts test` runs rule unit tests in promtool's format; `opslab serve --rules` evaluates Prometheus rule files.

            Files: $OPSLAB_HOME (default ~/.local/share/opslab) holds the history. ~/.config/opslab/init.lua runs at start. Plugins are searched in $OPSLAB_PLUGIN_PATH, ~/.config/opslab/plugins, then the bundled plugins/ folder.

            Environment: NO_COLOR disables colour; OPSLAB_LUA_MEMORY_MB caps the Lua heap while Lua code runs (default 1024; past it, "not enough memory" errors); OPSLAB_TENSOR_THREADS sets how many threads big tensor ops use (default: one per CPU).
            """,
        version: Workbench.version,
        subcommands: [Run.self, Serve.self, AlertsCommand.self, PluginCommand.self, ModelCommand.self, NotebookCommand.self,
                      RunbookCommand.self, AuditCommand.self])

    @Option(name: .shortAndLong, help: ArgumentHelp("Run this Lua code and exit (may be repeated).", valueName: "code"))
    var execute: [String] = []

    @Flag(name: .long, help: "Do not run ~/.config/opslab/init.lua.")
    var noInit = false

    @Flag(name: .shortAndLong, help: "Enter the interactive shell after running -e code.")
    var interactive = false

    func run() throws {
        let session = try Session()
        if !execute.isEmpty {
            if !noInit { try session.report { try session.workbench().runInitScript() } }
            let workbench = try session.workbench()
            for (i, code) in execute.enumerated() {
                try session.report {
                    try workbench.lua.runInterruptible { _ = try workbench.lua.run(code, name: "=(command line \(i + 1))") }
                }
            }
            if !interactive { return }
            try session.repl(noInit: true, reuse: workbench)
            return
        }
        if isatty(0) == 0 {
            if !noInit { try session.report { try session.workbench().runInitScript() } }
            try session.runStandardInput()
            return
        }
        try session.repl(noInit: noInit)
    }
}

/// `opslab run FILE [ARGS...]`
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a Lua script; its arguments are in the `arg` table and in `...`.")

    @Argument(help: "The Lua file to run.")
    var file: String

    @Argument(parsing: .captureForPassthrough, help: "Arguments passed to the script.")
    var arguments: [String] = []

    @Flag(name: .long, help: "Do not run ~/.config/opslab/init.lua first.")
    var noInit = false

    func run() throws {
        let session = try Session()
        let workbench = try session.workbench()
        if !noInit { try session.report { try workbench.runInitScript() } }
        try session.report { try workbench.runScript(path: file, arguments: arguments) }
    }
}
