import ArgumentParser
import Plugins
import Workbench

/// `opslab plugin list|check`
struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin",
        abstract: "List the plugins on the search path, or check plugin files.",
        subcommands: [List.self, Check.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered plugins and files that failed to load.")

        func run() throws {
            let workbench = try Session().workbench()
            for entry in workbench.registry.entries {
                print("\(entry.kind)\t\(entry.name)\t\(entry.manifest.version)\t\(entry.source)")
            }
            let problems = workbench.registry.problems
            for problem in problems { writeStandardError("not loaded: \(problem)\n") }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check plugin files as the registry would load them; exit 1 if any is refused.")

        @Argument(help: "Plugin files to check.")
        var files: [String]

        func run() throws {
            let workbench = try Session().workbench()
            var failed = false
            for file in files {
                switch workbench.checkPlugin(file: file) {
                case .success(let manifest):
                    print("\(file): ok (\(manifest.kind) \(manifest.name) \(manifest.version))")
                case .failure(let problem):
                    writeStandardError("\(problem)\n")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
