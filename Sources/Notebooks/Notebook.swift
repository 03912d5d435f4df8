// The notebook format: plain Markdown in which fenced ```lua blocks are
// cells. Everything else is kept byte for byte. The output a run produced
// follows its cell, after one blank line:
//
//     ```lua
//     1 + 1
//     ```
//
//     ```output
//     2
//     ```
//
//     ![cell 3](NAME.files/cell-3.svg)        (when the cell made a plot)
//
// Parsing takes such a block (and the image lines after it) as the cell's
// stored output, so a run replaces it instead of adding another. An output
// fence is longer than any backtick run inside it, so printed Markdown
// cannot close it early.
//
// When the block ends with the value of the cell's last expression, its
// fence says how many lines that value takes (```output value=1), so an
// export can tell Jupyter's printed text (a stream) from the cell's result
// (an execute_result). Viewers show only the first word of a fence.

/// A parse or read failure, with the line it concerns.
public struct NotebookError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The text shown to the user, starting with the file (and line) it concerns.
    public let message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// A parsed notebook: text and cells in document order.
public struct Notebook: Sendable, Equatable {
    /// A piece of the document.
    public enum Block: Sendable, Equatable {
        /// Markdown kept exactly as written (newlines included).
        case text(String)
        case cell(Cell)
    }

    /// One ```lua block and the output stored after it.
    public struct Cell: Sendable, Equatable {
        /// The opening fence line as written, with its newline.
        public var opening: String
        /// The code, each line with its newline.
        public var code: String
        /// The closing fence line as written (no newline at the end of a file).
        public var closing: String
        /// The 1-based line of the code's first line in the notebook.
        public var firstLine: Int
        /// The output stored after the cell; nil when there is none.
        public var output: CellOutput?

        /// A cell in a ```lua fence holding `code` (a final newline is added
        /// when missing); the fence is longer than any backtick run in the code,
        /// so code that holds a fence (an imported cell) stays one cell.
        public init(code: String, firstLine: Int = 1, output: CellOutput? = nil) {
            let fence = String(repeating: "`", count: max(3, NotebookParser.longestBacktickRun(code) + 1))
            self.opening = fence + "lua\n"
            self.code = code.isEmpty || code.hasSuffix("\n") ? code : code + "\n"
            self.closing = fence + "\n"
            self.firstLine = firstLine
            self.output = output
        }
    }

    /// What follows a cell: printed text and image lines.
    public struct CellOutput: Sendable, Equatable {
        /// The text of the ```output block (empty: no block): what the cell
        /// printed, then its value.
        public var text: String
        /// How many of the text's last lines are the value of the cell's last
        /// expression (0: none, or not known).
        public var valueLines: Int
        /// Image references, as `(alt, path)`, written one per line.
        public var images: [(alt: String, path: String)]

        /// Output of `text`, whose last `valueLines` lines are the cell's
        /// value, followed by `images`.
        public init(text: String, valueLines: Int = 0, images: [(alt: String, path: String)] = []) {
            self.text = text
            self.valueLines = valueLines
            self.images = images
        }

        /// Output of what a cell printed, then its value (each empty or ending in a newline).
        public init(printed: String, value: String, images: [(alt: String, path: String)] = []) {
            self.init(text: printed + value, valueLines: value.utf8.count { $0 == UInt8(ascii: "\n") }, images: images)
        }

        /// The text before the value: what the cell printed.
        public var printed: String { String(text[..<valueStart]) }
        /// The value's lines at the end of the text.
        public var value: String { String(text[valueStart...]) }

        private var valueStart: String.Index {
            var start = text.endIndex
            var remaining = valueLines
            // The value is the last `valueLines` lines; a final newline ends the last one.
            var i = text.hasSuffix("\n") ? text.index(before: text.endIndex) : text.endIndex
            while remaining > 0 {
                guard let newline = text[..<i].lastIndex(of: "\n") else { return text.startIndex }
                start = text.index(after: newline)
                i = newline
                remaining -= 1
            }
            return start
        }

        /// True when there is neither text nor an image.
        public var isEmpty: Bool { text.isEmpty && images.isEmpty }

        /// Same text and the same images in order (tuples are not Equatable).
        public static func == (a: CellOutput, b: CellOutput) -> Bool {
            a.text == b.text && a.valueLines == b.valueLines
                && a.images.map(\.alt) == b.images.map(\.alt) && a.images.map(\.path) == b.images.map(\.path)
        }
    }

    /// The document in order.
    public var blocks: [Block]

    /// A notebook of `blocks`.
    public init(blocks: [Block]) {
        self.blocks = blocks
    }

    /// The cells in order.
    public var cells: [Cell] {
        blocks.compactMap { if case .cell(let c) = $0 { return c } else { return nil } }
    }

    /// Reads a notebook from bytes, which must be UTF-8.
    /// - Parameter name: the file, for messages.
    public init(bytes: [UInt8], name: String) throws {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let offset = NotebookParser.firstInvalidUTF8(bytes)
            let line = bytes.prefix(offset).filter { $0 == 0x0A }.count + 1
            throw NotebookError("\(name):\(line): not UTF-8 (byte \(offset + 1)); notebooks are UTF-8 Markdown")
        }
        self = try NotebookParser(text: text, name: name).parse()
    }

    /// The document as Markdown: the text as it was read, each cell followed by its output.
    public func markdown() -> String {
        blocks.map(Notebook.markdown).joined()
    }

    /// One block as Markdown.
    static func markdown(_ block: Block) -> String {
        switch block {
        case .text(let text): return text
        case .cell(let cell):
            var out = cell.opening + cell.code + cell.closing
            guard let output = cell.output else { return out }
            if !cell.closing.hasSuffix("\n") { out += "\n" }
            // An empty block read from the file is written back as one, so that
            // what follows it is not taken for this cell's output next time.
            if !output.text.isEmpty || output.images.isEmpty {
                let fence = String(repeating: "`", count: max(3, NotebookParser.longestBacktickRun(output.text) + 1))
                let info = output.valueLines > 0 ? "output value=\(output.valueLines)" : "output"
                out += "\n" + fence + info + "\n" + output.text + (output.text.hasSuffix("\n") ? "" : "\n") + fence + "\n"
            }
            for image in output.images { out += "\n![\(image.alt)](\(image.path))\n" }
            return out
        }
    }
}
