// Running a notebook: every cell, top to bottom, through an evaluator that
// owns the language (Workbench's Lua evaluator; tests use their own), then
// the notebook with fresh outputs and the plots to save beside it.

import Plotting

/// A chart a cell returned and the size to save it at.
public struct CellPlot: Sendable {
    /// What to draw.
    public var chart: Chart
    /// SVG viewBox size.
    public var width: Int
    /// See `width`.
    public var height: Int

    /// `chart` at `width` x `height`.
    public init(_ chart: Chart, width: Int = 720, height: Int = 420) {
        self.chart = chart
        self.width = width
        self.height = height
    }
}

/// What one cell produced.
public struct CellResult: Sendable {
    /// Everything the cell printed.
    public var text: String
    /// The values of its last expression, as the REPL shows them (tab-separated,
    /// ending in a newline), or empty.
    public var value: String
    /// Charts the cell returned, saved as SVG files.
    public var plots: [CellPlot]
    /// The error the cell stopped with (message with the notebook line), or nil.
    public var error: String?
    /// True when it was stopped from outside (time limit, Ctrl-C): the
    /// whole run is abandoned and the file left as it was.
    public var interrupted: Bool

    /// A result; all parts default to none.
    public init(text: String = "", value: String = "", plots: [CellPlot] = [], error: String? = nil, interrupted: Bool = false) {
        self.text = text
        self.value = value
        self.plots = plots
        self.error = error
        self.interrupted = interrupted
    }
}

/// Runs cells in one shared state. One evaluator serves one run.
public protocol CellEvaluator: AnyObject {
    /// Runs `code`, whose first line is line `firstLine` of `notebook`
    /// (for error messages), stopping it after `timeout` seconds if given.
    func evaluate(code: String, notebook: String, firstLine: Int, timeout: Double?) -> CellResult
}

/// How a run behaves.
public struct RunOptions: Sendable {
    /// Seconds each cell may run; nil for no limit.
    public var timeout: Double?
    /// Stop at the first cell that errors (later cells keep their stored output).
    public var stopOnError = false

    /// Options with a per-cell `timeout` in seconds (nil: none).
    public init(timeout: Double? = nil, stopOnError: Bool = false) {
        self.timeout = timeout
        self.stopOnError = stopOnError
    }
}

/// A plot a run made, to be written as an SVG file.
public struct PlotFile: Sendable {
    /// Relative to the notebook's folder.
    public var path: String
    /// The document.
    public var svg: String
    /// Drawn on a time axis: its data is usually read from the clock (a
    /// metric series), so `--check` compares it only through its image line.
    public var onTimeAxis: Bool
}

/// The result of running a notebook.
public struct RunResult: Sendable {
    /// The notebook with the new outputs.
    public var notebook: Notebook
    /// SVG files to write.
    public var plots: [PlotFile]
    /// How many cells raised an error.
    public var failedCells: Int
    /// Set when a cell was stopped from outside: which cell and why. The
    /// run is then incomplete and nothing should be written.
    public var interruption: String?
}

/// Runs notebooks through an evaluator.
public struct NotebookRunner {
    /// How runs behave.
    public var options: RunOptions

    /// A runner with `options`.
    public init(options: RunOptions = RunOptions()) {
        self.options = options
    }

    /// Runs every cell of `notebook`, read from `path`, in order.
    public func run(_ notebook: Notebook, path: String, evaluator: CellEvaluator) -> RunResult {
        let files = NotebookPaths(notebook: path)
        var result = RunResult(notebook: notebook, plots: [], failedCells: 0, interruption: nil)
        var cellNumber = 0
        // Lines are counted in the notebook as this run writes it (new
        // outputs above included), so an error's line is right in the
        // written file and the same on every run.
        var line = 1
        for (index, block) in notebook.blocks.enumerated() {
            guard case .cell(var cell) = block else {
                line += Notebook.markdown(block).utf8.count { $0 == UInt8(ascii: "\n") }
                continue
            }
            cellNumber += 1
            let lineInFile = cell.firstLine
            cell.firstLine = line + 1
            let outcome = evaluator.evaluate(code: cell.code, notebook: files.displayName, firstLine: cell.firstLine,
                                             timeout: options.timeout)
            if outcome.interrupted {
                result.interruption = "cell \(cellNumber) (line \(lineInFile)): \(outcome.error ?? "stopped")"
                return result
            }
            var printed = outcome.text
            if !outcome.value.isEmpty && !printed.isEmpty && !printed.hasSuffix("\n") { printed += "\n" }
            if let error = outcome.error {
                result.failedCells += 1
                printed += (printed.isEmpty || printed.hasSuffix("\n") ? "" : "\n") + "error: " + error + "\n"
            }
            var output = Notebook.CellOutput(printed: printed, value: outcome.value)
            for (k, plot) in outcome.plots.enumerated() {
                let chart = plot.chart
                let name = outcome.plots.count == 1 ? "cell-\(cellNumber).svg" : "cell-\(cellNumber)-\(k + 1).svg"
                let relative = files.plotFolderName + "/" + name
                result.plots.append(PlotFile(path: relative, svg: SVGRenderer(width: plot.width, height: plot.height).render(chart),
                                             onTimeAxis: chart.xAxis == .time))
                output.images.append((chart.title.isEmpty ? "cell \(cellNumber) plot" : chart.title, relative))
            }
            cell.output = output.isEmpty ? nil : output
            result.notebook.blocks[index] = .cell(cell)
            line += Notebook.markdown(.cell(cell)).utf8.count { $0 == UInt8(ascii: "\n") }
            if outcome.error != nil && options.stopOnError { break }
        }
        return result
    }
}

/// Where a notebook's files go: `dir/NAME.md` keeps plots in `dir/NAME.files/`.
public struct NotebookPaths: Sendable {
    /// The folder holding it ("." for a bare file name).
    public let directory: String
    /// The file name, for messages and chunk names.
    public let displayName: String
    /// `NAME.files`, relative to `directory`.
    public let plotFolderName: String

    /// The paths of the notebook at `notebook`.
    public init(notebook: String) {
        let slash = notebook.lastIndex(of: "/")
        directory = slash.map { String(notebook[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        displayName = slash.map { String(notebook[notebook.index(after: $0)...]) } ?? notebook
        let stem = displayName.hasSuffix(".md") ? String(displayName.dropLast(3)) : displayName
        plotFolderName = stem + ".files"
    }

    /// A path relative to the notebook's folder, as a path from here.
    public func resolve(_ relative: String) -> String {
        directory == "." ? relative : directory + "/" + relative
    }
}
