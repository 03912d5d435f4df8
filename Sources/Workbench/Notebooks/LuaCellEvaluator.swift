import Foundation
import LuaKit
import Notebooks
import Plotting
import Tensor
#if canImport(Glibc)
import Glibc
#endif

/// Runs notebook cells in a workbench's Lua state: one state for all cells,
/// so a cell sees what the cells above it defined, and nothing else.
///
/// A cell is compiled the way the REPL reads a line: as an expression if it
/// is one, else as statements, and when its last statement is an expression
/// that one is returned (`x = 2` then `x * 21` shows 42). Lines are padded so
/// that errors name the notebook's own line numbers.
public final class LuaCellEvaluator: CellEvaluator {
    let workbench: Workbench
    /// Whether output is captured into the result (a notebook run) or left
    /// to reach the terminal as it is written (`:notebook` in the shell).
    let capturesOutput: Bool

    /// - Parameter seed: given to tensor.manual_seed before the first cell,
    ///   so every run draws the same random numbers unless the notebook reseeds.
    public init(workbench: Workbench, seed: UInt64 = 0, capturesOutput: Bool = true) {
        self.workbench = workbench
        self.capturesOutput = capturesOutput
        Tensor.manualSeed(seed)
    }

    /// Runs one cell; see `CellEvaluator`.
    public func evaluate(code: String, notebook: String, firstLine: Int, timeout: Double?) -> CellResult {
        let lua = workbench.lua
        let stack = lua.stack
        let base = stack.top
        defer { stack.settop(base) }
        let padding = String(repeating: "\n", count: max(0, firstLine - 1))
        let chunkName = "@" + notebook
        var result = CellResult()
        let capture = capturesOutput ? OutputCapture() : nil
        do {
            try compile(code, padding: padding, chunkName: chunkName)
            try lua.runInterruptible {
                if let timeout {
                    try lua.withTimeBudget(seconds: timeout) { try lua.call(arguments: 0, results: -1) }
                } else {
                    try lua.call(arguments: 0, results: -1)
                }
            }
            var shown: [String] = []
            for index in (base + 1)..<(stack.top + 1) {
                if let plot = stack.object(at: index, PlotBinding.luaClass) {
                    result.plots.append(CellPlot(plot.chart, width: plot.svgWidth, height: plot.svgHeight))
                    if !capturesOutput { shown.append(TerminalRenderer(useColor: workbench.options.color).render(plot.chart)) }
                } else {
                    shown.append(LuaPrettyPrinter(color: !capturesOutput && workbench.options.color).render(stack, at: index))
                }
            }
            if stack.top > base { lua.setGlobal("_", valueAt: base + 1) }
            result.value = shown.isEmpty ? "" : shown.joined(separator: "\t") + "\n"
        } catch let error as LuaError {
            result.error = located(error.message, notebook: notebook, line: firstLine)
            result.interrupted = error.stopReason != nil
        } catch {
            result.error = located("\(error)", notebook: notebook, line: firstLine)
        }
        if let capture { result.text = capture.finish() }
        return result
    }

    /// Loads the cell as a function on the stack: its statements with the
    /// last one returned when it is an expression, or the whole cell as one
    /// expression, or its statements as they are. Statements come first:
    /// `print(x)` then `{a = 1}` on the next line also reads as one call,
    /// `print(x){a = 1}`, which is not what two lines mean.
    private func compile(_ code: String, padding: String, chunkName: String) throws {
        let lua = workbench.lua
        let lines = code.split(separator: "\n", omittingEmptySubsequences: false)
        // The last statement starts on some line k: everything before it must
        // compile alone, and "return" + the rest must too.
        for k in stride(from: lines.count - 1, to: 0, by: -1) {
            let head = lines[..<k].joined(separator: "\n"), tail = lines[k...].joined(separator: "\n")
            guard !tail.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\n" }),
                  (try? lua.load("return " + tail, name: chunkName)) != nil else { continue }
            lua.stack.pop()
            guard (try? lua.load(head, name: chunkName)) != nil else { continue }
            lua.stack.pop()
            if (try? lua.load(padding + head + "\nreturn " + tail, name: chunkName)) != nil { return }
        }
        if (try? lua.load(padding + "return " + code, name: chunkName)) != nil { return }
        try lua.load(padding + code, name: chunkName)
    }

    /// Errors raised by Swift functions carry no position; they get the cell's line.
    private func located(_ message: String, notebook: String, line: Int) -> String {
        message.hasPrefix(notebook + ":") ? message : "\(notebook):\(line): \(message)"
    }
}

/// Standard output redirected to a temporary file while a cell runs, then
/// read back: it catches print, io.write and anything Swift writes to fd 1.
/// A file, not a pipe, so a cell printing megabytes cannot block on a full pipe.
final class OutputCapture {
    private let saved: Int32
    private let file: UnsafeMutablePointer<FILE>?

    init() {
        fflush(nil)
        saved = dup(1)
        file = tmpfile()
        if let file { dup2(fileno(file), 1) }
    }

    /// Restores standard output and returns what was written, as UTF-8
    /// (invalid bytes replaced, since the output lands in a UTF-8 file).
    func finish() -> String {
        fflush(nil)
        if saved >= 0 {
            dup2(saved, 1)
            close(saved)
        }
        guard let file else { return "" }
        defer { fclose(file) }
        rewind(file)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n == 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
