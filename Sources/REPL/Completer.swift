import LuaKit
#if canImport(Glibc)
import Glibc
#endif

/// Tab completion for the REPL: REPL commands at the start of a line,
/// file paths inside string literals, fields and methods after `.` and `:`,
/// and globals and keywords otherwise. Inside the parentheses of a call
/// (`tensor.matmul(a, `), where there is nothing to complete, it shows the
/// function's signature line instead.
struct Completer {
    let lua: LuaState
    let commands: [String]

    /// Candidates for the text before the cursor, and how many of its last
    /// characters they replace; or, right inside a call's parentheses, the
    /// signature of the function called.
    func complete(_ text: String) -> LineEditor.Completion {
        if text.hasPrefix(":") && !text.contains(" ") {
            return (commands.filter { $0.hasPrefix(text) }.sorted(), text.count, nil)
        }
        if text.hasPrefix(":load ") {
            let partial = String(text.dropFirst(":load ".count))
            return (paths(matching: partial), lastPathComponent(partial).count, nil)
        }
        if let partial = openStringLiteral(text) {
            return (paths(matching: partial), lastPathComponent(partial).count, nil)
        }
        let expression = trailingExpression(text)
        guard let separator = expression.lastIndex(where: { $0 == "." || $0 == ":" }) else {
            if expression.isEmpty, let signature = signature(text) { return ([], 0, signature) }
            let globals = lua.completionKeys(path: [], methodsOnly: false)
            let words = Set(globals).union(luaKeywords).filter { $0.hasPrefix(expression) }
            return (words.sorted(), expression.count, nil)
        }
        let path = expression[..<separator].split(separator: ".").map(String.init)
        let partial = String(expression[expression.index(after: separator)...])
        let methodsOnly = expression[separator] == ":"
        let keys = lua.completionKeys(path: path, methodsOnly: methodsOnly).filter { $0.hasPrefix(partial) }
        return (keys, partial.count, nil)
    }

    /// The signature of the function whose call is open at the end of
    /// `text` (`metrics.range("up", ` -> `metrics.range(expr: string, ...)`).
    /// An options table being written (`nn.Linear(2, 2, {`) shows the
    /// signature of the call around it.
    func signature(_ text: String) -> String? {
        guard openStringLiteral(text) == nil else { return nil }
        for open in openBrackets(text).reversed() {
            let callee = trailingExpression(String(text[..<open]))
            if callee.isEmpty { continue }
            return lua.completionSignature(path: callee.split(whereSeparator: { $0 == "." || $0 == ":" }).map(String.init))
        }
        return nil
    }

    /// The positions of the `(` and `{` still open at the end of `text`,
    /// outermost first, skipping string literals and closed brackets.
    private func openBrackets(_ text: String) -> [String.Index] {
        var opens: [String.Index] = []
        var quote: Character?
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let ch = text[index]
            if let q = quote {
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == q { quote = nil }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch == "(" || ch == "{" {
                opens.append(index)
            } else if ch == ")" || ch == "}" {
                _ = opens.popLast()
            }
            index = text.index(after: index)
        }
        return opens
    }

    /// The dotted name being typed at the end of `text` (`plugins.in`).
    private func trailingExpression(_ text: String) -> String {
        var result = ""
        for ch in text.reversed() {
            guard ch.isASCII, ch.isLetter || ch.isNumber || ch == "_" || ch == "." || ch == ":" else { break }
            result.insert(ch, at: result.startIndex)
        }
        // A name cannot start with a digit or a separator.
        while let first = result.first, first.isNumber || first == "." || first == ":" { result.removeFirst() }
        // `a:b.c` is not a path we can follow: only the last separator may be ':'.
        if let colon = result.firstIndex(of: ":"), result[result.index(after: colon)...].contains(where: { $0 == "." || $0 == ":" }) {
            return ""
        }
        return result
    }

    /// The contents of an unterminated string literal at the end of `text`, if any.
    private func openStringLiteral(_ text: String) -> String? {
        var quote: Character?
        var content = ""
        var escaped = false
        for ch in text {
            if let q = quote {
                if escaped { escaped = false; content.append(ch); continue }
                if ch == "\\" { escaped = true; continue }
                if ch == q { quote = nil; content = "" } else { content.append(ch) }
            } else if ch == "\"" || ch == "'" {
                quote = ch
                content = ""
            } else if ch == "-" && text.hasSuffix("--") {
                break
            }
        }
        return quote == nil ? nil : content
    }

    private func lastPathComponent(_ path: String) -> String {
        path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
    }

    /// Entries of the directory named by `partial` whose names start with
    /// its last component; directories get a trailing slash.
    private func paths(matching partial: String) -> [String] {
        var directory = "."
        var prefix = partial
        if let slash = partial.lastIndex(of: "/") {
            directory = String(partial[...slash])
            prefix = String(partial[partial.index(after: slash)...])
        }
        if directory.hasPrefix("~/"), let home = getenv("HOME") {
            directory = String(cString: home) + directory.dropFirst()
        }
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir), names.count < 1000 {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name != ".", name != "..", name.hasPrefix(prefix), prefix.hasPrefix(".") || !name.hasPrefix(".") else { continue }
            var info = stat()
            let isDirectory = stat(directory + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
            names.append(isDirectory ? name + "/" : name)
        }
        return names.sorted()
    }
}
