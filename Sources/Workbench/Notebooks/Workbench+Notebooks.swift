import Notebooks
import Plotting

/// Notebooks run in this workbench: `opslab notebook run` uses a fresh one
/// per notebook; `:notebook FILE` runs one into the shell's own state.
extension Workbench {
    /// Runs every cell of the notebook at `path` in this state, writing
    /// each cell's header, printed output, value and plots to standard
    /// output as they come; the file is not changed. Returns the number of
    /// cells and of cells that failed. A time limit or Ctrl-C ends the run.
    public func runNotebookHere(path: String) throws -> (cells: Int, failed: Int) {
        let (notebook, _) = try NotebookFiles.load(path)
        let evaluator = LuaCellEvaluator(workbench: self, capturesOutput: false)
        let name = NotebookPaths(notebook: path).displayName
        var failed = 0
        for (number, cell) in notebook.cells.enumerated() {
            try writeStandardOutput("── \(name) cell \(number + 1) (line \(cell.firstLine))\n")
            let result = evaluator.evaluate(code: cell.code, notebook: name, firstLine: cell.firstLine, timeout: nil)
            try writeStandardOutput(result.text + result.value)
            if let error = result.error {
                failed += 1
                writeStandardError("error: \(error)\n")
                if result.interrupted { break }
            }
        }
        return (notebook.cells.count, failed)
    }
}
