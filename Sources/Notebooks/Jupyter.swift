// Jupyter's .ipynb (nbformat 4.5) to and from the Markdown format.
//
// Export: text between cells becomes markdown cells, each cell a code cell
// whose printed output becomes a `stream` output, whose value (the lines an
// output block's `value=N` marks) becomes an `execute_result` with
// text/plain, and whose plots become `display_data` with image/svg+xml (the
// file's text) and text/plain. The
// kernelspec and language_info say Lua, so Jupyter tools show the code as
// Lua. Cells get stable ids (cell-1, ...) so exports diff well.
//
// Import: markdown and code cells only, from a notebook whose kernel
// language is Lua (or unstated). Any other cell type or language is an
// error naming it, rather than a notebook that silently lost cells or holds
// Python in ```lua fences. Lua shown in a markdown cell is fenced as
// ```lua no-run, so it stays text rather than becoming a cell. Stream outputs and execute_result's text/plain
// are kept; other outputs are left for the next run to produce.

import Foundation

/// Conversion between notebooks and .ipynb files.
public enum Jupyter {
    /// The notebook as .ipynb JSON.
    /// - Parameter readFile: reads a plot's file given its path relative to the notebook.
    public static func export(_ notebook: Notebook, readFile: (String) throws -> [UInt8]) throws -> String {
        var cells: [[String: Any]] = []
        var id = 0
        func nextID() -> String { id += 1; return "cell-\(id)" }
        for block in notebook.blocks {
            switch block {
            case .text(let text):
                let trimmed = trimBlankLines(text)
                guard !trimmed.isEmpty else { continue }
                cells.append(["cell_type": "markdown", "id": nextID(), "metadata": [String: Any](), "source": sourceLines(trimmed)])
            case .cell(let cell):
                var outputs: [[String: Any]] = []
                if let output = cell.output {
                    let printed = output.printed, value = output.value
                    if !printed.isEmpty {
                        outputs.append(["output_type": "stream", "name": "stdout", "text": sourceLines(printed)])
                    }
                    if !value.isEmpty {
                        outputs.append(["output_type": "execute_result", "execution_count": NSNull(), "metadata": [String: Any](),
                                        "data": ["text/plain": sourceLines(value)]])
                    }
                    for image in output.images {
                        let bytes = try readFile(image.path)
                        guard let svg = String(validating: bytes, as: UTF8.self) else {
                            throw NotebookError("\(image.path): not UTF-8")
                        }
                        outputs.append(["output_type": "display_data", "metadata": [String: Any](),
                                        "data": ["image/svg+xml": sourceLines(svg), "text/plain": [image.alt]]])
                    }
                }
                var code = cell.code
                if code.hasSuffix("\n") { code.removeLast() }
                cells.append(["cell_type": "code", "id": nextID(), "execution_count": NSNull(), "metadata": [String: Any](),
                              "outputs": outputs, "source": sourceLines(code)])
            }
        }
        let document: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 5, "cells": cells,
            "metadata": [
                "kernelspec": ["name": "lua", "display_name": "Lua 5.4 (opslab)", "language": "lua"],
                "language_info": ["name": "lua", "version": "5.4", "file_extension": ".lua", "mimetype": "text/x-lua",
                                  "codemirror_mode": "lua"],
            ],
        ]
        let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A notebook from .ipynb JSON.
    /// - Parameter name: the file, for messages.
    public static func `import`(_ bytes: [UInt8], name: String) throws -> Notebook {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)), let root = object as? [String: Any] else {
            throw NotebookError("\(name): not a Jupyter notebook (not a JSON object)")
        }
        guard let format = root["nbformat"] as? Int, format == 4 else {
            throw NotebookError("\(name): nbformat \(root["nbformat"].map { "\($0)" } ?? "missing"); only nbformat 4 can be imported")
        }
        let metadata = root["metadata"] as? [String: Any] ?? [:]
        let language = (metadata["kernelspec"] as? [String: Any])?["language"] as? String
            ?? (metadata["language_info"] as? [String: Any])?["name"] as? String
        if let language, language.lowercased() != "lua" {
            throw NotebookError("\(name): the kernel's language is \(language); only Lua notebooks can be imported")
        }
        guard let cells = root["cells"] as? [[String: Any]] else { throw NotebookError("\(name): no list of cells") }
        var blocks: [Notebook.Block] = []
        var line = 1
        for (index, cell) in cells.enumerated() {
            let source = joined(cell["source"])
            let separator = blocks.isEmpty ? "" : "\n"
            switch cell["cell_type"] as? String {
            case "markdown":
                let shown = NotebookParser.markingCellFencesNoRun(source)
                let text = separator + shown + (shown.hasSuffix("\n") ? "" : "\n")
                blocks.append(.text(text))
                line += text.filter { $0 == "\n" }.count
            case "code":
                if !separator.isEmpty { blocks.append(.text(separator)); line += 1 }
                let outputs = cell["outputs"] as? [[String: Any]] ?? []
                let streams = outputs.filter { $0["output_type"] as? String == "stream" }.map { joined($0["text"]) }.joined()
                let results = outputs.filter { $0["output_type"] as? String == "execute_result" }
                    .map { joined(($0["data"] as? [String: Any])?["text/plain"]) }.filter { !$0.isEmpty }
                var value = results.last ?? ""
                if !value.isEmpty && !value.hasSuffix("\n") { value += "\n" }
                let printed = streams.isEmpty || streams.hasSuffix("\n") || value.isEmpty ? streams : streams + "\n"
                let output = Notebook.CellOutput(printed: printed, value: value)
                let imported = Notebook.Cell(code: source, firstLine: line + 1, output: output.isEmpty ? nil : output)
                blocks.append(.cell(imported))
                line += 2 + imported.code.filter { $0 == "\n" }.count
            case let other:
                throw NotebookError("\(name): cell \(index + 1) is of type \(other ?? "none"); only markdown and code cells can be imported")
            }
        }
        return Notebook(blocks: blocks)
    }

    /// nbformat's multiline strings: a list of lines, each keeping its newline.
    static func sourceLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = ""
        for c in text {
            current.append(c)
            if c == "\n" { lines.append(current); current = "" }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// A multiline string given as a string or a list of strings.
    static func joined(_ value: Any?) -> String {
        if let text = value as? String { return text }
        return (value as? [Any] ?? []).compactMap { $0 as? String }.joined()
    }

    /// Text without the blank lines around it.
    static func trimBlankLines(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        while let first = lines.first, first.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { lines.removeFirst() }
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
