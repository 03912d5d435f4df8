// The format: parsing, outputs replaced not duplicated, bad input.

import Foundation
import Testing
@testable import Notebooks

@Suite struct NotebookFormatTests {
    let source = """
        # Title

        Some *text*.

        ```lua
        x = 1
        x + 1
        ```

        ~~~~
        ```lua
        not a cell
        ```
        ~~~~

        ```lua
        print("hi")
        ```
        Tail text, no newline at the end
        """

    @Test func textIsKeptByteForByteAndCellsAreFound() throws {
        let notebook = try Notebook(bytes: Array(source.utf8), name: "n.md")
        #expect(notebook.markdown() == source)
        #expect(notebook.cells.map(\.code) == ["x = 1\nx + 1\n", "print(\"hi\")\n"])
        #expect(notebook.cells.map(\.firstLine) == [6, 17])
    }

    @Test func outputsAreReplacedNotDuplicated() throws {
        var notebook = try Notebook(bytes: Array(source.utf8), name: "n.md")
        for run in 1...3 {
            for (i, block) in notebook.blocks.enumerated() {
                guard case .cell(var cell) = block else { continue }
                cell.output = Notebook.CellOutput(text: "run \(run)\n", images: [("plot", "n.files/cell-1.svg")])
                notebook.blocks[i] = .cell(cell)
            }
            let text = notebook.markdown()
            notebook = try Notebook(bytes: Array(text.utf8), name: "n.md")
            #expect(notebook.markdown() == text)
            #expect(text.components(separatedBy: "```output").count == 3)
            #expect(text.components(separatedBy: "![plot]").count == 3)
            #expect(text.contains("run \(run)"))
        }
        #expect(notebook.markdown().hasSuffix("Tail text, no newline at the end"))
    }

    @Test func theValueLinesAreMarkedOnTheFence() throws {
        let output = Notebook.CellOutput(printed: "a\nb\n", value: "{ x = 1,\n  y = 2 }\n")
        #expect(output.valueLines == 2)
        #expect(output.printed == "a\nb\n" && output.value == "{ x = 1,\n  y = 2 }\n")
        #expect(Notebook.CellOutput(printed: "", value: "42\n").printed == "")
        #expect(Notebook.CellOutput(printed: "only printed\n", value: "").value == "")
        var notebook = try Notebook(bytes: Array("```lua\nx\n```\n".utf8), name: "n.md")
        guard case .cell(var cell) = notebook.blocks[0] else { Issue.record("no cell"); return }
        cell.output = output
        notebook.blocks[0] = .cell(cell)
        let text = notebook.markdown()
        #expect(text.hasSuffix("\n```output value=2\na\nb\n{ x = 1,\n  y = 2 }\n```\n"))
        #expect(try Notebook(bytes: Array(text.utf8), name: "n.md") == notebook)
    }

    @Test func aValueCountThatIsNotOneIsIgnoredOrClamped() throws {
        func valueLines(_ info: String) throws -> Int? {
            try Notebook(bytes: Array("```lua\nx\n```\n\n```\(info)\na\nb\n```\n".utf8), name: "n.md").cells[0].output?.valueLines
        }
        #expect(try valueLines("output") == 0)
        #expect(try valueLines("output value=1") == 1)
        // More lines than the block holds: all of them.
        #expect(try valueLines("output value=10000") == 2)
        for bad in ["output value=-1", "output value=x", "output value=", "output value=9223372036854775808", "output value=1e300",
                    "output value=nan"] {
            #expect(try valueLines(bad) == 0, "\(bad)")
        }
    }

    @Test func outputHoldingFencesUsesALongerFence() throws {
        var notebook = try Notebook(bytes: Array("```lua\nprint('```')\n```\n".utf8), name: "n.md")
        guard case .cell(var cell) = notebook.blocks[0] else { Issue.record("no cell"); return }
        cell.output = Notebook.CellOutput(text: "```\nstill output\n")
        notebook.blocks[0] = .cell(cell)
        let text = notebook.markdown()
        #expect(text.contains("````output\n```\nstill output\n````\n"))
        #expect(try Notebook(bytes: Array(text.utf8), name: "n.md") == notebook)
    }

    @Test func unclosedFenceIsAnErrorNamingItsLine() {
        #expect(throws: NotebookError("n.md:3: the fence ```lua is never closed (add a line ```)")) {
            try Notebook(bytes: Array("text\n\n```lua\nx = 1\n".utf8), name: "n.md")
        }
        #expect(throws: NotebookError.self) {
            try Notebook(bytes: Array("```lua\nx\n```\n\n```output\nno end\n".utf8), name: "n.md")
        }
    }

    @Test func nonUTF8IsRefusedWithItsPlace() {
        let bytes = Array("ok\nline two ".utf8) + [0xFF, 0x41]
        #expect(throws: NotebookError("n.md:2: not UTF-8 (byte 13); notebooks are UTF-8 Markdown")) {
            try Notebook(bytes: bytes, name: "n.md")
        }
        #expect(NotebookParser.firstInvalidUTF8(Array("é€😀".utf8)) == 9)
        #expect(NotebookParser.firstInvalidUTF8([0x41, 0xE2, 0x82]) == 1)
    }
}

@Suite struct NotebookCheckTests {
    @Test func volatilePartsAreMasked() {
        let text = "took 12.5 ms at 2026-12-06T02:27:40Z (table: 0x5581c2a0b0c0), t=1796558400 12:00:01 1.5s"
        #expect(NotebookCheck.mask(text) == "took <duration> at <timestamp> (table: <address>), t=<unix-time> <time> <duration>")
        #expect(NotebookCheck.mask("loss 0.1234, 42 steps") == "loss 0.1234, 42 steps")
    }

    @Test func unifiedDiffShowsTheChangeWithContext() {
        let stored = "a\nb\nc\nd\ne\nf\ng\nh\n"
        let fresh = "a\nb\nc\nd\nE\nf\ng\nh\n"
        let diff = NotebookCheck.difference(stored: stored, fresh: fresh, name: "n.md")
        #expect(diff == "--- n.md (stored)\n+++ n.md (this run)\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n")
        #expect(NotebookCheck.difference(stored: "took 3 ms\n", fresh: "took 5 ms\n", name: "n") == nil)
    }
}

@Suite struct NotebookFormatPropertyTests {
    /// Documents made of the lines that matter to the parser, in random
    /// orders: parsing never traps, and a parsed document written out and
    /// parsed again is the same document (so runs never drift or duplicate).
    @Test func parseAndWriteAreStable() {
        let pieces = ["```lua", "```", "```output", "~~~", "````", "  ```lua", "text", "", "x = 1",
                      "![a](n.files/cell-1.svg)", "![b](other.png)", "```lua title", "```` output"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        var parsed = 0
        for _ in 0..<20000 {
            let lines = (0..<(1 + next(14))).map { _ in pieces[next(pieces.count)] }
            let text = lines.joined(separator: "\n") + (next(2) == 0 ? "\n" : "")
            guard let notebook = try? Notebook(bytes: Array(text.utf8), name: "n.md") else { continue }
            parsed += 1
            let written = notebook.markdown()
            let again = try? Notebook(bytes: Array(written.utf8), name: "n.md")
            #expect(again?.markdown() == written, "not stable: \(text.debugDescription)")
            #expect(again?.cells.map(\.code) == notebook.cells.map(\.code))
        }
        #expect(parsed > 2000)
    }
}
