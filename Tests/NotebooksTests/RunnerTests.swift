// Running through the evaluator protocol, saving, and the two exports.

import Foundation
import Plotting
import Testing
@testable import Notebooks

/// Evaluates cells by rules keyed on their code: "fail" errors, "stop" is
/// interrupted, "plot" returns a chart, "value" prints a line and returns a
/// two-line value, anything else echoes.
final class ScriptedEvaluator: CellEvaluator {
    var seen: [String] = []

    func evaluate(code: String, notebook: String, firstLine: Int, timeout: Double?) -> CellResult {
        seen.append(code)
        switch code {
        case "fail\n": return CellResult(text: "partial\n", error: "\(notebook):\(firstLine): boom")
        case "stop\n": return CellResult(error: "timeout: time budget exceeded", interrupted: true)
        case "plot\n": return CellResult(plots: [CellPlot(Chart(.xy([ChartSeries(y: [1, 2])]), title: "two points"), width: 300)])
        case "value\n": return CellResult(text: "printed", value: "{\n  a = 1 }\n")
        default: return CellResult(text: "ran " + code)
        }
    }
}

func scratchDirectory() -> String {
    let path = NSTemporaryDirectory() + "notebooks-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct RunnerTests {
    let text = "# N\n\n```lua\na\n```\n\n```lua\nfail\n```\n\n```lua\nplot\n```\n\n```lua\nb\n```\n"

    @Test func errorsAreInTheOutputAndTheRunGoesOn() throws {
        let evaluator = ScriptedEvaluator()
        let result = NotebookRunner().run(try Notebook(bytes: Array(text.utf8), name: "n.md"), path: "dir/n.md", evaluator: evaluator)
        #expect(evaluator.seen == ["a\n", "fail\n", "plot\n", "b\n"])
        #expect(result.failedCells == 1)
        let markdown = result.notebook.markdown()
        // The line is the cell's in the notebook as written, outputs above included.
        #expect(markdown.contains("```output\npartial\nerror: n.md:12: boom\n```\n"))
        #expect(markdown.split(separator: "\n", omittingEmptySubsequences: false)[11] == "fail")
        #expect(markdown.contains("\n![two points](n.files/cell-3.svg)\n"))
        #expect(!markdown.contains("value="))
        #expect(result.plots.map(\.path) == ["n.files/cell-3.svg"])
        #expect(result.plots.first?.svg.contains("viewBox=\"0 0 300 420\"") == true)
    }

    @Test func checkComparesPlotsExceptOnesOnATimeAxis() throws {
        let svg = "<svg>\n<path d=\"M1 2\"/>\n</svg>\n"
        let plots = [PlotFile(path: "n.files/cell-1.svg", svg: svg, onTimeAxis: false),
                     PlotFile(path: "n.files/cell-2.svg", svg: svg, onTimeAxis: false),
                     PlotFile(path: "n.files/cell-3.svg", svg: svg, onTimeAxis: false),
                     PlotFile(path: "n.files/cell-4.svg", svg: svg, onTimeAxis: true)]
        let stored: [String: String] = ["n.files/cell-1.svg": svg, "n.files/cell-2.svg": "<svg>\n<path d=\"M1 3\"/>\n</svg>\n",
                                        "n.files/cell-4.svg": "<svg>\n</svg>\n"]
        #expect(NotebookCheck.plotDifferences(plots) { stored[$0].map { Array($0.utf8) } } == [
            "n.files/cell-2.svg: differs from the stored file from line 2",
            "n.files/cell-3.svg: this run drew a plot that is not stored",
        ])
        #expect(NotebookCheck.plotDifferences([PlotFile(path: "a.svg", svg: svg + "<!-- more -->\n", onTimeAxis: false)]) { _ in
            Array(svg.utf8)
        } == ["a.svg: differs from the stored file from line 4"])
    }

    @Test func stopOnErrorLeavesLaterCellsAlone() throws {
        let evaluator = ScriptedEvaluator()
        let result = NotebookRunner(options: RunOptions(stopOnError: true))
            .run(try Notebook(bytes: Array(text.utf8), name: "n.md"), path: "n.md", evaluator: evaluator)
        #expect(evaluator.seen == ["a\n", "fail\n"])
        #expect(result.notebook.cells.map { $0.output == nil } == [false, false, true, true])
    }

    @Test func anInterruptedRunWritesNothing() throws {
        let directory = scratchDirectory()
        let path = directory + "/n.md"
        let original = "```lua\na\n```\n\n```lua\nstop\n```\n"
        try NotebookFiles.writeAtomically(original, to: path)
        let (notebook, bytes) = try NotebookFiles.load(path)
        let result = NotebookRunner().run(notebook, path: path, evaluator: ScriptedEvaluator())
        #expect(result.interruption == "cell 2 (line 6): timeout: time budget exceeded")
        #expect(try NotebookFiles.read(path) == bytes)
    }

    @Test func savingWritesPlotsAndRefusesAFileEditedMeanwhile() throws {
        let directory = scratchDirectory()
        let path = directory + "/n.md"
        try NotebookFiles.writeAtomically(text, to: path)
        let (notebook, bytes) = try NotebookFiles.load(path)
        let result = NotebookRunner().run(notebook, path: path, evaluator: ScriptedEvaluator())
        try NotebookFiles.save(result, path: path, original: bytes)
        #expect(FileManager.default.fileExists(atPath: directory + "/n.files/cell-3.svg"))
        #expect(try NotebookFiles.read(path) == Array(result.notebook.markdown().utf8))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)

        try NotebookFiles.writeAtomically(text + "edited\n", to: path)
        #expect(throws: NotebookError.self) { try NotebookFiles.save(result, path: path, original: bytes) }
        #expect(String(decoding: try NotebookFiles.read(path), as: UTF8.self).hasSuffix("edited\n"))
    }
}

@Suite struct ExportTests {
    func ranNotebook() throws -> (Notebook, (String) throws -> [UInt8]) {
        let result = NotebookRunner().run(try Notebook(bytes: Array("# T\n\nIntro <b>.\n\n```lua\nplot\n```\n\n```lua\nx\n```\n\n```lua\nvalue\n```\n".utf8), name: "n.md"),
                                          path: "n.md", evaluator: ScriptedEvaluator())
        let files = Dictionary(uniqueKeysWithValues: result.plots.map { ($0.path, Array($0.svg.utf8)) })
        return (result.notebook, { path in
            guard let bytes = files[path] else { throw NotebookError("no \(path)") }
            return bytes
        })
    }

    @Test func ipynbHasCellsOutputsAndALuaKernel() throws {
        let (notebook, read) = try ranNotebook()
        let json = try Jupyter.export(notebook, readFile: read)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(root["nbformat"] as? Int == 4)
        let cells = try #require(root["cells"] as? [[String: Any]])
        #expect(cells.map { $0["cell_type"] as? String } == ["markdown", "code", "code", "code"])
        let plotOutput = try #require((cells[1]["outputs"] as? [[String: Any]])?.first)
        #expect(plotOutput["output_type"] as? String == "display_data")
        let data = try #require(plotOutput["data"] as? [String: Any])
        #expect(Jupyter.joined(data["image/svg+xml"]).hasPrefix("<svg"))
        #expect((cells[2]["outputs"] as? [[String: Any]])?.map { $0["output_type"] as? String } == ["stream"])
        // Printed text is a stream, the cell's value an execute_result.
        let valueOutputs = try #require(cells[3]["outputs"] as? [[String: Any]])
        #expect(valueOutputs.map { $0["output_type"] as? String } == ["stream", "execute_result"])
        #expect(Jupyter.joined(valueOutputs[0]["text"]) == "printed\n")
        #expect(Jupyter.joined((valueOutputs[1]["data"] as? [String: Any])?["text/plain"]) == "{\n  a = 1 }\n")
        #expect(valueOutputs[1]["execution_count"] is NSNull)
        let kernel = (root["metadata"] as? [String: Any])?["kernelspec"] as? [String: Any]
        #expect(kernel?["language"] as? String == "lua")
    }

    @Test func ipynbRoundTripsThroughImport() throws {
        let (notebook, read) = try ranNotebook()
        let imported = try Jupyter.import(Array(try Jupyter.export(notebook, readFile: read).utf8), name: "n.ipynb")
        #expect(imported.cells.map(\.code) == notebook.cells.map(\.code))
        #expect(imported.cells.map(\.output) == notebook.cells.map(\.output).map { $0?.images.isEmpty == false ? nil : $0 })
        #expect(imported.cells.last?.output?.printed == "printed\n")
        #expect(imported.cells.last?.output?.value == "{\n  a = 1 }\n")
        // Written as Markdown and read back, the split between printed text and value survives.
        let reread = try Notebook(bytes: Array(imported.markdown().utf8), name: "n.md")
        #expect(reread.cells.map(\.output) == imported.cells.map(\.output))
        #expect(imported.markdown().contains("```output value=2\nprinted\n{\n  a = 1 }\n```"))
    }

    @Test func luaShownInAMarkdownCellStaysText() throws {
        let ipynb = #"""
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
              {"cell_type": "markdown", "metadata": {}, "source": ["Call it so:\n", "```lua\n", "f(1)\n", "```\n", "~~~\n", "```lua\n", "~~~\n", "```` lua\n", "g()\n", "````"]},
              {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": "f(2)"}]}
            """#
        let imported = try Jupyter.import(Array(ipynb.utf8), name: "n.ipynb")
        #expect(imported.cells.map(\.code) == ["f(2)\n"])
        let markdown = imported.markdown()
        #expect(markdown.hasPrefix("Call it so:\n```lua no-run\nf(1)\n```\n~~~\n```lua\n~~~\n```` lua no-run\ng()\n````\n"))
        #expect(try Notebook(bytes: Array(markdown.utf8), name: "n.md").cells.map(\.code) == ["f(2)\n"])
    }

    @Test func importRefusesOtherLanguagesAndCellTypes() {
        let python = #"{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"language": "python"}}, "cells": []}"#
        #expect(throws: NotebookError("p.ipynb: the kernel's language is python; only Lua notebooks can be imported")) {
            try Jupyter.import(Array(python.utf8), name: "p.ipynb")
        }
        let raw = #"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "raw", "source": "x"}]}"#
        #expect(throws: NotebookError("r.ipynb: cell 1 is of type raw; only markdown and code cells can be imported")) {
            try Jupyter.import(Array(raw.utf8), name: "r.ipynb")
        }
        #expect(throws: NotebookError.self) { try Jupyter.import(Array("[1, 2".utf8), name: "b.ipynb") }
        #expect(throws: NotebookError.self) { try Jupyter.import(Array(#"{"nbformat": 3, "cells": []}"#.utf8), name: "o.ipynb") }
    }

    @Test func htmlIsOneSelfContainedPage() throws {
        let (notebook, read) = try ranNotebook()
        let html = try HTMLExport.render(notebook, title: "n.md", readFile: read)
        #expect(html.contains("<title>T</title>"))
        #expect(html.contains("<meta name=\"viewport\""))
        #expect(html.contains("<svg xmlns="))
        #expect(html.contains("Intro &lt;b&gt;."))
        #expect(html.contains("<pre class=\"output\">ran x\n</pre>"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("src=\"http"))
    }

    @Test func hostileMarkdownAndPlotsRunNothingAndDoNotExhaustTheStack() throws {
        for target in [" javascript:alert(1)", "\tJAVASCRIPT:x", "data:text/html,<script>x</script>", "vbscript:x"] {
            #expect(MarkdownHTML.render("[l](\(target))\n").contains("<a href=\"#\">l</a>"), "\(target)")
        }
        #expect(MarkdownHTML.render("[l](https://example.com/a:b)\n").contains("href=\"https://example.com/a:b\""))
        #expect(MarkdownHTML.render("[l](notes/a.md)\n").contains("href=\"notes/a.md\""))
        let deep = MarkdownHTML.render(String(repeating: ">", count: 5_000) + " deep\n")
        #expect(deep.contains("deep"))
        let links = MarkdownHTML.render(String(repeating: "[", count: 5_000) + "x" + String(repeating: "](u)", count: 5_000) + "\n")
        #expect(links.contains("x"))
        #expect(HTMLExport.mayRunCode("<svg><script>alert(1)</script></svg>"))
        #expect(HTMLExport.mayRunCode("<svg><rect onload =\"x()\"/></svg>"))
        #expect(!HTMLExport.mayRunCode("<svg xmlns=\"http://www.w3.org/2000/svg\"><text>onward</text></svg>"))
    }

    @Test func anImportedCellHoldingAFenceStaysOneCell() throws {
        let source = #"{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"language": "lua"}}, "cells": [{"cell_type": "code", "source": "s = [[\n```\nnot the end\n]]\nprint(#s)", "outputs": [], "metadata": {}, "execution_count": null}]}"#
        let imported = try Jupyter.import(Array(source.utf8), name: "f.ipynb")
        let reparsed = try NotebookParser(text: imported.markdown(), name: "f.md").parse()
        #expect(reparsed.cells.count == 1)
        #expect(reparsed.cells.first?.code.contains("not the end") == true)
    }

    @Test func markdownBasicsBecomeHTML() {
        let html = MarkdownHTML.render("## A *b*\n\n- one `x`\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[l](javascript:alert(1))\n")
        #expect(html.contains("<h2>A <em>b</em></h2>"))
        #expect(html.contains("<li>one <code>x</code></li>"))
        #expect(html.contains("<td>1</td><td>2</td>"))
        #expect(html.contains("<a href=\"#\">l</a>"))
    }
}
