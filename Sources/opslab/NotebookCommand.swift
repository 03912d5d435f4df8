import ArgumentParser
import Foundation
import LuaKit
import Notebooks
import Telemetry
import Workbench
#if canImport(Glibc)
import Glibc
#endif

/// `opslab notebook run|export|import`
struct NotebookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notebook",
        abstract: "Run Markdown notebooks, check their outputs, export them to Jupyter and HTML.",
        discussion: """
            A notebook is a Markdown file whose ```lua blocks are cells. A run executes them top to bottom in one fresh Lua state, in the notebook's folder (tensor.manual_seed(0) first; init.lua is not run, so results do not depend on the machine's config) and writes each cell's output after it in an ```output block: what it printed, then the value of its last expression (the fence says how many lines the value takes: ```output value=1). A ```lua block marked no-run (```lua no-run) is shown, not run. A cell whose value is a plot saves it as NAME.files/cell-N.svg with an image line. Old outputs are replaced, never duplicated.
            """,
        subcommands: [Run.self, Export.self, Import.self])

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run notebooks and write their outputs in place (atomically).",
            discussion: """
                --check writes nothing: it exits 1 with a unified diff when the outputs differ from those stored (what CI runs). Before comparing, both sides have volatile parts masked: timestamps, clock times, Unix times, 0x addresses and durations (12 ms, 1.5s). Plots must match their stored SVG files, except charts on a time axis (metric series read from the clock). A cell that errors has the error in its output (with the notebook's line) and the run goes on unless --stop-on-error; the exit status is then 1. A cell stopped by --timeout or Ctrl-C ends the run with the file left as it was. A file changed on disk while it ran is not overwritten.
                """)

        @Argument(help: "The notebooks (.md files).")
        var files: [String]

        @Flag(help: "Compare instead of writing; exit 1 with a diff when outputs differ.")
        var check = false

        @Option(help: ArgumentHelp("Stop a cell after this many seconds; the run fails and nothing is written.", valueName: "seconds"))
        var timeout: Double?

        @Flag(help: "Stop at the first cell that errors (later cells keep their stored outputs).")
        var stopOnError = false

        func validate() throws {
            if let timeout, !(timeout > 0 && timeout <= 86_400) {
                throw ValidationError("--timeout must be between 0 and 86400 seconds, got \(timeout)")
            }
        }

        func run() throws {
            let session = try Session()
            var options = session.options
            options.color = false
            options.recordsCollections = false
            var failed = false
            for file in files {
                failed = try runOne(file, session: session, options: options) || failed
            }
            if failed { throw ExitCode(1) }
        }

        /// Runs one notebook; true when it failed.
        private func runOne(_ file: String, session: Session, options: Workbench.Options) throws -> Bool {
            let loaded: (notebook: Notebook, bytes: [UInt8])
            do { loaded = try NotebookFiles.load(file) } catch {
                writeStandardError("opslab notebook: \(error)\n")
                return true
            }
            let workbench = try Workbench(paths: session.paths, options: options)
            workbench.lua.installInterruptHandler()
            let start = MonotonicInstant.now()
            // Cells run in the notebook's folder, as Jupyter runs a kernel, so
            // a notebook's relative paths work from wherever it is run.
            let caller = FileManager.default.currentDirectoryPath
            guard chdir(NotebookPaths(notebook: file).directory) == 0 else {
                writeStandardError("opslab notebook: cannot enter the folder of \(file): \(String(cString: strerror(errno)))\n")
                return true
            }
            let result = NotebookRunner(options: RunOptions(timeout: timeout, stopOnError: stopOnError))
                .run(loaded.notebook, path: file, evaluator: LuaCellEvaluator(workbench: workbench))
            guard chdir(caller) == 0 else { throw ExitCode(1) }
            let seconds = MonotonicInstant.now().seconds(since: start)
            if let interruption = result.interruption {
                writeStandardError("opslab notebook: \(file): stopped at \(interruption); the file is unchanged\n")
                return true
            }
            let summary = "\(file): \(loaded.notebook.cells.count) cells, \(result.failedCells) failed, "
                + String(format: "%.2f s", seconds)
            if check {
                let stored = String(decoding: loaded.bytes, as: UTF8.self)
                let diff = NotebookCheck.difference(stored: stored, fresh: result.notebook.markdown(), name: file)
                let paths = NotebookPaths(notebook: file)
                let plots = NotebookCheck.plotDifferences(result.plots) { try? NotebookFiles.read(paths.resolve($0)) }
                if diff != nil || !plots.isEmpty {
                    if let diff { print(diff, terminator: "") }
                    for plot in plots { print(plot) }
                    writeStandardError("opslab notebook: \(file): outputs differ from the stored ones\n")
                    return true
                }
                print(summary + ", outputs match")
            } else {
                do { try NotebookFiles.save(result, path: file, original: loaded.bytes) } catch {
                    writeStandardError("opslab notebook: \(error)\n")
                    return true
                }
                print(summary)
            }
            return result.failedCells > 0
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a notebook with its stored outputs to Jupyter (.ipynb, nbformat 4) or one HTML page.",
            discussion: """
                ipynb: markdown and code cells, printed output as stream outputs, a cell's value as an execute_result, plots as display_data with image/svg+xml, and a Lua kernelspec. html: one self-contained file (inline CSS and SVG, no JavaScript) that reads well on a phone. Outputs are those stored in the file: run it first.
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable { case ipynb, html }

        @Argument(help: "The notebook (.md).")
        var file: String

        @Option(help: "ipynb or html.")
        var to: Format

        @Option(name: .shortAndLong, help: ArgumentHelp("Where to write (default: the notebook's name with .ipynb or .html; - for standard output).", valueName: "path"))
        var output: String?

        func run() throws {
            do {
                let (notebook, _) = try NotebookFiles.load(file)
                let paths = NotebookPaths(notebook: file)
                let readFile = { (relative: String) in try NotebookFiles.read(paths.resolve(relative)) }
                let text: String
                switch to {
                case .ipynb: text = try Jupyter.export(notebook, readFile: readFile)
                case .html: text = try HTMLExport.render(notebook, title: paths.displayName, readFile: readFile)
                }
                let target = output ?? (file.hasSuffix(".md") ? String(file.dropLast(3)) : file) + "." + to.rawValue
                if target == "-" {
                    try writeStandardOutput(text)
                } else {
                    try NotebookFiles.writeAtomically(text, to: target)
                }
            } catch {
                writeStandardError("opslab notebook export: \(error)\n")
                throw ExitCode(1)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn a Jupyter notebook (.ipynb) of Lua cells into a Markdown notebook.",
            discussion: """
                Markdown cells become text (a ```lua block shown in one is marked ```lua no-run, so it stays text) and code cells ```lua cells, with their printed (stream) output and their value (execute_result's text/plain). A notebook for another kernel language, or with cells other than markdown and code, is refused with the reason.
                """)

        @Argument(help: "The .ipynb file.")
        var file: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Where to write (default: the same name with .md).", valueName: "path"))
        var output: String?

        @Flag(help: "Replace the output file if it exists.")
        var force = false

        func run() throws {
            do {
                let notebook = try Jupyter.import(try NotebookFiles.read(file), name: file)
                let target = output ?? (file.hasSuffix(".ipynb") ? String(file.dropLast(6)) : file) + ".md"
                if !force && access(target, F_OK) == 0 {
                    throw NotebookError("\(target) exists; pass --force to replace it")
                }
                try NotebookFiles.writeAtomically(notebook.markdown(), to: target)
            } catch {
                writeStandardError("opslab notebook import: \(error)\n")
                throw ExitCode(1)
            }
        }
    }
}
