import LuaKit
#if canImport(Glibc)
import Glibc
#endif

/// Tab completion for the REPL: REPL commands at the start of a line,
/// file paths inside string literals, fields and methods after `.` and `:`,
/// and globals and keywords otherwise.
struct Completer {
    let lua: LuaState
    let commands: [String]

    /// Candidates for the text before the cursor, and how many of its last
    /// characters they replace.
    func complete(_ text: String) -> (candidates: [String], replacing: Int) {
        if text.hasPrefix(":") && !text.contains(" ") {
            return (commands.filter { $0.hasPrefix(text) }.sorted(), text.count)
        }
        if text.hasPrefix(":load ") {
            let partial = String(text.dropFirst(":load ".count))
            return (paths(matching: partial), lastPathComponent(partial).count)
        }
        if let partial = openStringLiteral(text) {
            return (paths(matching: partial), lastPathComponent(partial).count)
        }
        let expression = trailingExpression(text)
        guard let separator = expression.lastIndex(where: { $0 == "." || $0 == ":" }) else {
            let globals = lua.completionKeys(path: [], methodsOnly: false)
            let words = Set(globals).union(luaKeywords).filter { $0.hasPrefix(expression) }
            return (words.sorted(), expression.count)
        }
        let path = expression[..<separator].split(separator: ".").map(String.init)
        let partial = String(expression[expression.index(after: separator)...])
        let methodsOnly = expression[separator] == ":"
        let keys = lua.completionKeys(path: path, methodsOnly: methodsOnly).filter { $0.hasPrefix(partial) }
        return (keys, partial.count)
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
