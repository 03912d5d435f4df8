// Splitting a notebook's Markdown into text, cells and stored outputs.
//
// Fences follow CommonMark: three or more backticks or tildes, indented at
// most three spaces, closed by a line of the same character at least as
// long. Every fence is tracked (a ```lua inside a ~~~~ block is not a
// cell), and one left open is an error naming the line it opened on, since
// silently running to the end of the file would swallow the notebook.
//
// A ```lua fence whose info string holds the word `no-run` is text: Lua
// shown (and highlighted, viewers read only the first word) but not run.

/// One line of the input and where it starts.
struct SourceLine {
    /// The line with its newline (none on a last line without one).
    var raw: Substring
    /// 1-based.
    var number: Int
    /// The line without its newline or a carriage return.
    var content: Substring {
        var c = raw
        if c.hasSuffix("\n") { c = c.dropLast() }
        if c.hasSuffix("\r") { c = c.dropLast() }
        return c
    }
    var isBlank: Bool { content.allSatisfy { $0 == " " || $0 == "\t" } }
}

/// An opening fence: its character, length and info string.
struct Fence {
    var character: Character
    var length: Int
    var info: String

    /// The fence a line opens, if it opens one.
    init?(opening line: Substring) {
        let indent = line.prefix { $0 == " " }.count
        guard indent <= 3 else { return nil }
        let rest = line.dropFirst(indent)
        guard let first = rest.first, first == "`" || first == "~" else { return nil }
        let run = rest.prefix { $0 == first }.count
        guard run >= 3 else { return nil }
        let info = rest.dropFirst(run).trimmingCharacters(in: " \t")
        // A backtick fence's info string may not contain backticks (that is inline code).
        if first == "`" && info.contains("`") { return nil }
        character = first
        length = run
        self.info = info
    }

    /// The language word of the info string (`lua` in "lua title=x").
    var language: String { String(info.prefix { $0 != " " && $0 != "\t" && $0 != "{" }) }

    /// Whether the block is a cell: Lua, not marked `no-run`.
    var isCell: Bool { language == "lua" && !words.contains("no-run") }

    private var words: [Substring] { info.split(whereSeparator: { $0 == " " || $0 == "\t" }) }

    /// N from a `value=N` word in the info string (an output block's value
    /// lines); 0 when there is none or it is not a count.
    var valueLines: Int {
        guard let word = words.first(where: { $0.hasPrefix("value=") }), let n = Int(word.dropFirst(6)), n > 0 else { return 0 }
        return n
    }

    /// Whether `line` closes this fence.
    func isClosed(by line: Substring) -> Bool {
        let indent = line.prefix { $0 == " " }.count
        guard indent <= 3 else { return false }
        let rest = line.dropFirst(indent)
        let run = rest.prefix { $0 == character }.count
        return run >= length && rest.dropFirst(run).allSatisfy { $0 == " " || $0 == "\t" }
    }
}

struct NotebookParser {
    let lines: [SourceLine]
    let name: String

    init(text: String, name: String) {
        var lines: [SourceLine] = []
        var start = text.startIndex
        var number = 1
        while start < text.endIndex {
            let end = text[start...].firstIndex(of: "\n").map { text.index(after: $0) } ?? text.endIndex
            lines.append(SourceLine(raw: text[start..<end], number: number))
            number += 1
            start = end
        }
        self.lines = lines
        self.name = name
    }

    func parse() throws -> Notebook {
        var blocks: [Notebook.Block] = []
        var text = ""
        var i = 0
        while i < lines.count {
            let line = lines[i]
            guard let fence = Fence(opening: line.content) else {
                text += line.raw
                i += 1
                continue
            }
            let close = try closingLine(of: fence, openedAt: i)
            guard fence.isCell else {
                for l in lines[i...close] { text += l.raw }
                i = close + 1
                continue
            }
            if !text.isEmpty { blocks.append(.text(text)); text = "" }
            var cell = Notebook.Cell(code: lines[(i + 1)..<close].map { String($0.raw) }.joined(), firstLine: line.number + 1)
            cell.opening = String(line.raw)
            cell.closing = String(lines[close].raw)
            i = close + 1
            (cell.output, i) = try storedOutput(after: i)
            blocks.append(.cell(cell))
        }
        if !text.isEmpty { blocks.append(.text(text)) }
        return Notebook(blocks: blocks)
    }

    /// The index of the line closing `fence`, which opened at `index`.
    private func closingLine(of fence: Fence, openedAt index: Int) throws -> Int {
        var j = index + 1
        while j < lines.count {
            if fence.isClosed(by: lines[j].content) { return j }
            j += 1
        }
        let opener = String(repeating: fence.character, count: fence.length) + fence.info
        throw NotebookError("\(name):\(lines[index].number): the fence \(opener) is never closed (add a line \(String(repeating: fence.character, count: fence.length)))")
    }

    /// The output block and image lines right after a cell (blank lines
    /// between them included), and the index after them.
    private func storedOutput(after start: Int) throws -> (Notebook.CellOutput?, Int) {
        var i = start
        var output = Notebook.CellOutput(text: "")
        var found = false
        let next = { (from: Int) -> Int in
            var j = from
            while j < lines.count && lines[j].isBlank { j += 1 }
            return j
        }
        var j = next(i)
        if j < lines.count, let fence = Fence(opening: lines[j].content), fence.language == "output" {
            let close = try closingLine(of: fence, openedAt: j)
            output.text = lines[(j + 1)..<close].map { String($0.raw) }.joined()
            output.valueLines = min(fence.valueLines, close - j - 1)
            found = true
            i = close + 1
            j = next(i)
        }
        while j < lines.count, let image = NotebookParser.imageLine(lines[j].content) {
            output.images.append(image)
            found = true
            i = j + 1
            j = next(i)
        }
        return (found ? output : nil, i)
    }

    /// `![alt](path)` alone on a line where path is a notebook's saved plot
    /// (`*.files/*.svg`), which marks it as generated.
    static func imageLine(_ line: Substring) -> (alt: String, path: String)? {
        guard line.hasPrefix("!["), line.hasSuffix(")"), let middle = line.firstRange(of: "](") else { return nil }
        let alt = line[line.index(line.startIndex, offsetBy: 2)..<middle.lowerBound]
        let path = line[middle.upperBound..<line.index(before: line.endIndex)]
        guard path.contains(".files/"), path.hasSuffix(".svg"), !path.contains(" ") else { return nil }
        return (String(alt), String(path))
    }

    /// `text` with ` no-run` added to each fence that would make a cell, so
    /// Markdown that shows Lua (an imported markdown cell) stays text.
    static func markingCellFencesNoRun(_ text: String) -> String {
        let parser = NotebookParser(text: text, name: "")
        var out = ""
        var open: Fence? = nil
        for line in parser.lines {
            if let fence = open {
                if fence.isClosed(by: line.content) { open = nil }
                out += line.raw
            } else if let fence = Fence(opening: line.content) {
                open = fence
                guard fence.isCell else { out += line.raw; continue }
                let ending = line.raw.dropFirst(line.content.count)
                out += line.content + " no-run" + ending
            } else {
                out += line.raw
            }
        }
        return out
    }

    /// The longest run of backticks in `text`.
    static func longestBacktickRun(_ text: String) -> Int {
        var longest = 0, run = 0
        for c in text.utf8 {
            run = c == UInt8(ascii: "`") ? run + 1 : 0
            longest = max(longest, run)
        }
        return longest
    }

    /// The offset of the first byte that is not part of valid UTF-8.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >= 0xC2 && b < 0xE0 ? 2 : b >= 0xE0 && b < 0xF0 ? 3 : b >= 0xF0 && b < 0xF5 ? 4 : 0
            // Validating the one character also refuses overlong forms and surrogates.
            guard length > 0, i + length <= bytes.count,
                  String(validating: bytes[i..<(i + length)], as: UTF8.self) != nil else { return i }
            i += length
        }
        return i
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
