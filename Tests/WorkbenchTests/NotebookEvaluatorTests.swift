import Notebooks
import Testing
@testable import Workbench

/// The Lua cell evaluator: values shown as the REPL shows them, errors at
/// the notebook's lines, time limits, plots. Serialized: a cell's output is
/// captured by redirecting the process's standard output.
@Suite(.serialized) struct NotebookEvaluatorTests {
    func run(_ cells: [String], firstLine: Int = 1, timeout: Double? = nil) throws -> [CellResult] {
        let t = try TemporaryWorkbench()
        let evaluator = LuaCellEvaluator(workbench: t.workbench)
        return cells.map { evaluator.evaluate(code: $0, notebook: "n.md", firstLine: firstLine, timeout: timeout) }
    }

    @Test func theLastExpressionIsShownAndStateIsShared() throws {
        let results = try run(["x = 2\nx * 21\n", "print('hi')\n{a = x}\n", "t = 0\nfor i = 1, 3 do\n  t = t + i\n  print(i)\nend\n", "t\n"])
        #expect(results[0].text.isEmpty && results[0].value == "42\n")
        #expect(results[1].text == "hi\n" && results[1].value == "{ a = 2 }\n")
        // A loop whose body ends in a call is not cut short by a `return` put before it.
        #expect(results[2].text == "1\n2\n3\n" && results[2].value.isEmpty)
        #expect(results[3].value == "6\n")
        #expect(results.allSatisfy { $0.error == nil })
    }

    @Test func errorsNameTheNotebooksLines() throws {
        let results = try run(["local a = 1\nerror('boom')\n", "plot.hist({1}, {bins = 0})\n", "x = = 1\n"], firstLine: 10)
        #expect(results[0].error == "n.md:11: boom")
        #expect(results[1].error == "n.md:10: plot.hist: option 'bins' must be an integer in 1...10000, got 0")
        #expect(results[2].error?.hasPrefix("n.md:10:") == true)
        #expect(results.allSatisfy { !$0.interrupted })
    }

    @Test func aTimeLimitStopsALoopAndTheStateStaysUsable() throws {
        let t = try TemporaryWorkbench()
        let evaluator = LuaCellEvaluator(workbench: t.workbench)
        let stopped = evaluator.evaluate(code: "while true do end\n", notebook: "n.md", firstLine: 1, timeout: 0.2)
        #expect(stopped.interrupted)
        #expect(stopped.error?.contains("timeout") == true)
        let after = evaluator.evaluate(code: "1 + 1\n", notebook: "n.md", firstLine: 1, timeout: 0.2)
        #expect(after.value == "2\n")
    }

    @Test func aPlotValueBecomesAPlotAtItsSize() throws {
        let results = try run(["plot.line({1, 2, 3}, {title = 'p', width = 300, height = 200})\n"])
        #expect(results[0].plots.count == 1)
        #expect(results[0].plots.first?.chart.title == "p")
        #expect(results[0].plots.first?.width == 300 && results[0].plots.first?.height == 200)
        #expect(!results[0].text.contains("⠀") && results[0].value.isEmpty)
    }
}
