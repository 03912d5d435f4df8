// The Markdown a notebook's prose uses, as HTML: headings, paragraphs,
// lists, block quotes, fenced code, pipe tables, and inline code, emphasis,
// links and images. Not all of CommonMark; what it does not know is shown as
// text (escaped), never dropped, so nothing written is lost from the page.

import Plotting

/// Converts Markdown text to HTML.
enum MarkdownHTML {
    /// Block quotes and links nest at most this deep; deeper markers are text,
    /// so a line of thousands of '>' cannot exhaust the stack.
    static let maxNesting = 16

    static func render(_ text: String, depth: Int = 0) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        var html = ""
        var paragraph: [Substring] = []
        var i = 0
        func flushParagraph() {
            guard !paragraph.isEmpty else { return }
            html += "<p>" + paragraph.map { inline(Substring($0.trimmingCharacters(in: " \t"))) }.joined(separator: "\n") + "</p>\n"
            paragraph = []
        }
        while i < lines.count {
            let line = lines[i]
            let trimmed = line.trimmingCharacters(in: " \t")
            if trimmed.isEmpty {
                flushParagraph()
                i += 1
            } else if let fence = Fence(opening: line) {
                flushParagraph()
                var j = i + 1
                var code = ""
                while j < lines.count, !fence.isClosed(by: lines[j]) { code += lines[j] + "\n"; j += 1 }
                let kind = fence.language == "output" ? "output" : "code"
                html += "<pre class=\"\(kind)\"><code>" + Markup.escape(code) + "</code></pre>\n"
                i = j + 1
            } else if let level = headingLevel(trimmed) {
                flushParagraph()
                html += "<h\(level)>" + inline(Substring(Substring(trimmed).dropFirst(level + 1).trimmingCharacters(in: " #"))) + "</h\(level)>\n"
                i += 1
            } else if listMarker(trimmed) != nil {
                flushParagraph()
                let ordered = listMarker(trimmed) == "ol"
                html += ordered ? "<ol>\n" : "<ul>\n"
                while i < lines.count, let item = listItem(lines[i].trimmingCharacters(in: " \t")) {
                    var text = item
                    i += 1
                    // Continuation lines: indented, not a new item.
                    while i < lines.count, lines[i].hasPrefix("  "), listMarker(lines[i].trimmingCharacters(in: " \t")) == nil,
                          !lines[i].trimmingCharacters(in: " \t").isEmpty {
                        text += " " + lines[i].trimmingCharacters(in: " \t")
                        i += 1
                    }
                    html += "<li>" + inline(Substring(text)) + "</li>\n"
                }
                html += ordered ? "</ol>\n" : "</ul>\n"
            } else if trimmed.hasPrefix(">"), depth < maxNesting {
                flushParagraph()
                var quoted = ""
                while i < lines.count, lines[i].trimmingCharacters(in: " \t").hasPrefix(">") {
                    quoted += lines[i].trimmingCharacters(in: " \t").dropFirst().trimmingCharacters(in: " ") + "\n"
                    i += 1
                }
                html += "<blockquote>\n" + render(quoted, depth: depth + 1) + "</blockquote>\n"
            } else if trimmed.hasPrefix("|"), i + 1 < lines.count, isTableRule(lines[i + 1]) {
                flushParagraph()
                html += "<table>\n<tr>" + cells(trimmed).map { "<th>" + inline(Substring($0)) + "</th>" }.joined() + "</tr>\n"
                i += 2
                while i < lines.count, lines[i].trimmingCharacters(in: " \t").hasPrefix("|") {
                    html += "<tr>" + cells(lines[i].trimmingCharacters(in: " \t")).map { "<td>" + inline(Substring($0)) + "</td>" }.joined() + "</tr>\n"
                    i += 1
                }
                html += "</table>\n"
            } else {
                paragraph.append(line)
                i += 1
            }
        }
        flushParagraph()
        return html
    }

    static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    /// "ul" or "ol" when the line starts a list item.
    static func listMarker(_ line: String) -> String? {
        if line.hasPrefix("- ") || line.hasPrefix("* ") || line.hasPrefix("+ ") { return "ul" }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count < 10, line.dropFirst(digits.count).hasPrefix(". ") { return "ol" }
        return nil
    }

    static func listItem(_ line: String) -> String? {
        guard let marker = listMarker(line) else { return nil }
        if marker == "ul" { return String(line.dropFirst(2)) }
        return String(line.drop { $0.isNumber }.dropFirst(2))
    }

    static func isTableRule(_ line: Substring) -> Bool {
        let t = line.trimmingCharacters(in: " \t")
        return t.hasPrefix("|") && t.contains("-") && t.allSatisfy { "|-: ".contains($0) }
    }

    static func cells(_ row: String) -> [String] {
        var inner = Substring(row)
        if inner.hasPrefix("|") { inner = inner.dropFirst() }
        if inner.hasSuffix("|") { inner = inner.dropLast() }
        return inner.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " ") }
    }

    /// A link target the page may point at: relative, or http, https or
    /// mailto. Browsers trim spaces and control characters before reading a
    /// scheme, so the check does too (` javascript:` is refused).
    static func isSafeURL(_ url: String) -> Bool {
        let trimmed = url.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters)).lowercased()
        guard let colon = trimmed.firstIndex(of: ":") else { return true }
        let scheme = trimmed[..<colon]
        if scheme.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { return true }  // a ':' after the path began
        return ["http", "https", "mailto"].contains(String(scheme))
    }

    /// Inline code, images, links, bold and italic; everything else escaped.
    static func inline(_ text: Substring, depth: Int = 0) -> String {
        guard depth < maxNesting else { return Markup.escape(String(text)) }
        var out = ""
        var rest = text
        while let c = rest.first {
            if c == "`", let end = rest.dropFirst().firstIndex(of: "`") {
                out += "<code>" + Markup.escape(String(rest[rest.index(after: rest.startIndex)..<end])) + "</code>"
                rest = rest[rest.index(after: end)...]
            } else if (c == "!" && rest.dropFirst().first == "[") || c == "[", let link = parseLink(c == "!" ? rest.dropFirst() : rest) {
                // Links run no code: the page promises no JavaScript.
                let url = isSafeURL(link.url) ? Markup.escape(link.url) : "#"
                out += c == "!" ? "<img src=\"\(url)\" alt=\"\(Markup.escape(link.text))\">"
                    : "<a href=\"\(url)\">" + inline(Substring(link.text), depth: depth + 1) + "</a>"
                rest = link.rest
            } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).firstRange(of: "**") {
                out += "<strong>" + inline(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound], depth: depth + 1) + "</strong>"
                rest = rest[end.upperBound...]
            } else if c == "*" || c == "_", rest.dropFirst().first.map({ $0 != " " }) ?? false,
                      let end = rest.dropFirst().firstIndex(of: c) {
                out += "<em>" + inline(rest[rest.index(after: rest.startIndex)..<end], depth: depth + 1) + "</em>"
                rest = rest[rest.index(after: end)...]
            } else {
                out += Markup.escape(String(c))
                rest = rest.dropFirst()
            }
        }
        return out
    }

    /// `[text](url)` at the start of `text`.
    static func parseLink(_ text: Substring) -> (text: String, url: String, rest: Substring)? {
        guard text.first == "[", let close = text.firstIndex(of: "]"), text[text.index(after: close)...].first == "(",
              let end = text[close...].firstIndex(of: ")") else { return nil }
        let label = text[text.index(after: text.startIndex)..<close]
        let url = text[text.index(close, offsetBy: 2)..<end]
        return (String(label), String(url), text[text.index(after: end)...])
    }
}
