import ArgumentParser
import Foundation
import Plugins
import Telemetry
import Workbench

/// `opslab plugin list|check|new|test`
struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin",
        abstract: "List the plugins on the search path, check plugin files, start a new plugin, run plugin tests.",
        subcommands: [List.self, Check.self, New.self, Test.self],
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

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new plugin of a kind, and a test for it, that work as written.",
            discussion: "Writes DIR/NAME.lua and DIR/NAME_test.lua; never overwrites. Then: opslab plugin check DIR/NAME.lua and opslab plugin test DIR.")

        @Argument(help: ArgumentHelp("The kind (collector, sink, optimizer, layer, or any kind plugins.kinds() lists).", valueName: "kind"))
        var kind: String

        @Argument(help: ArgumentHelp("The plugin's name: letters, digits and _, not starting with a digit.", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("Where to write the files.", valueName: "dir"))
        var dir = "."

        func run() throws {
            guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]{0,63}$", options: .regularExpression) != nil else {
                throw ValidationError("the name must be letters, digits and _ (at most 64), not starting with a digit, got \"\(name)\"")
            }
            let workbench = try Session().workbench()
            guard let pluginKind = workbench.registry.kinds.first(where: { $0.name == kind }) else {
                throw ValidationError("no plugin kind \"\(kind)\" (kinds: \(workbench.registry.kinds.map(\.name).sorted().joined(separator: ", ")))")
            }
            let files = PluginTemplates.files(kind: kind, name: name, requiredFunctions: pluginKind.requiredFunctions)
            let pluginPath = dir + "/" + name + ".lua", testPath = dir + "/" + name + "_test.lua"
            for path in [pluginPath, testPath] where FileManager.default.fileExists(atPath: path) {
                throw ValidationError("\(path) exists; not overwriting it")
            }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try Data(files.plugin.utf8).write(to: URL(fileURLWithPath: pluginPath), options: .withoutOverwriting)
            try Data(files.test.utf8).write(to: URL(fileURLWithPath: testPath), options: .withoutOverwriting)
            print("wrote \(pluginPath) and \(testPath)\nnext: opslab plugin check \(pluginPath) && opslab plugin test \(dir)")
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run plugin tests (*_test.lua) with the testing library; exit 1 when any fails.",
            discussion: """
                Each test file runs in a fresh workbench of its own process, in its own folder, with describe, it and expect as globals and the testing module's fixtures (testing.tmpdir, testing.clock, testing.notification). A file that runs past --timeout is stopped and counted as failed.
                """)

        @Argument(help: ArgumentHelp("Test files, or folders searched for *_test.lua (default: the current folder).", valueName: "path"))
        var paths: [String] = ["."]

        @Option(help: ArgumentHelp("Seconds each test file may run.", valueName: "seconds"))
        var timeout: Double = 60

        @Option(help: .hidden)
        var runOne: String?

        func validate() throws {
            guard timeout.isFinite, timeout > 0, timeout <= 86_400 else {
                throw ValidationError("--timeout expects seconds between 0 and 86400, got \(timeout)")
            }
        }

        func run() throws {
            if let runOne { return try runFile(runOne) }
            var files: [String] = []
            for path in paths {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw ValidationError("no such file or folder: \(path)")
                }
                if !isDirectory.boolValue { files.append(path); continue }
                let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix("_test.lua") }.sorted()
                files += found.map { path + "/" + $0 }
            }
            guard !files.isEmpty else { throw ValidationError("no *_test.lua files in \(paths.joined(separator: " "))") }
            var passed = 0, failed = 0
            for file in files {
                let outcome = CommandRunner.run(CommandLine.arguments[0], arguments: ["plugin", "test", "--run-one", file],
                                                timeout: timeout)
                switch outcome {
                case .finished(let result):
                    // The failures first, then the file's summary line.
                    fflush(nil)
                    writeStandardError(result.stderr)
                    print(result.stdout, terminator: "")
                    if let counts = Self.counts(result.stdout) {
                        passed += counts.passed
                        failed += counts.failed
                        if result.exitCode != 0 && counts.failed == 0 { failed += 1 }
                    } else {
                        failed += 1
                    }
                case .timedOut:
                    print("\(file): did not finish within \(Int(timeout))s; stopped")
                    failed += 1
                case .notFound(let what), .launchFailed(let what):
                    print("\(file): could not run: \(what)")
                    failed += 1
                }
            }
            print("plugin tests: \(passed) passed, \(failed) failed (\(files.count) file\(files.count == 1 ? "" : "s"))")
            if failed > 0 { throw ExitCode(1) }
        }

        /// Runs one test file in this process: in its own folder, with the
        /// testing library's describe/it/expect as globals.
        private func runFile(_ file: String) throws {
            let url = URL(fileURLWithPath: file)
            FileManager.default.changeCurrentDirectoryPath(url.deletingLastPathComponent().path)
            let session = try Session(interruptsLua: false)
            let workbench = try session.workbench()
            try workbench.lua.run("describe, it, expect = testing.describe, testing.it, testing.expect", name: "=plugin test")
            var crashed = false
            do {
                try workbench.runScript(path: url.lastPathComponent, arguments: [])
            } catch {
                writeStandardError("\(file): \(error)\n")
                crashed = true
            }
            let counts = try workbench.lua.run("return testing.passed, testing.failed", name: "=plugin test")
            let failed = Int(counts[1].doubleValue ?? 0) + (crashed ? 1 : 0)
            print("\(file): \(Int(counts[0].doubleValue ?? 0)) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
        }

        static func counts(_ output: String) -> (passed: Int, failed: Int)? {
            guard let line = output.split(separator: "\n").last(where: { $0.hasSuffix(" failed") }) else { return nil }
            let numbers = line.split(separator: ":").last?.split(separator: " ").compactMap { Int($0) } ?? []
            return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
        }
    }
}
