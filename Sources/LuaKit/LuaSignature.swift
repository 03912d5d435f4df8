/// What the first line of a function's doc says about how it is called:
/// `metrics.range(expr, range [, step]) -> {...}` takes at most 3 arguments,
/// `t:sum([dim [, keepdim]])` at most 3 counting `t`, `data.loader{...}`
/// exactly one table, `print(...)` any number. The doc is the one place a
/// function's parameters are written down, so the arity check is read from
/// it rather than written again in each body.
public struct LuaSignature: Equatable, Sendable {
    /// The parameter names as written (`expr`, `[, step]` gives `step`).
    public let parameters: [String]
    /// The most arguments a call may pass; nil when it takes `...`.
    public let maxArguments: Int?

    /// Reads a doc's first line; nil when it does not start with a call of
    /// `name` (a qualified name such as `metrics.range` or `Tensor:sum` is
    /// matched by its last part, as methods are documented `t:sum(`).
    public init?(doc: String, name: String) {
        guard let line = doc.split(separator: "\n", maxSplits: 1).first else { return nil }
        let short = name.split(whereSeparator: { $0 == "." || $0 == ":" }).last.map(String.init) ?? name
        // The callee: everything before the first ( or {, ending in the short name.
        guard let open = line.firstIndex(where: { $0 == "(" || $0 == "{" }) else { return nil }
        let callee = line[..<open]
        guard callee.hasSuffix(short), !callee.contains(" ") else { return nil }
        let isMethod = callee.contains(":")
        if line[open] == "{" {
            parameters = ["options"]
            maxArguments = 1
            return
        }
        guard let close = LuaSignature.matchingParenthesis(in: line, from: open) else { return nil }
        let inside = line[line.index(after: open)..<close]
        let names = LuaSignature.splitParameters(String(inside))
        parameters = (isMethod ? ["self"] : []) + names
        maxArguments = inside.contains("...") ? nil : parameters.count
    }

    private static func matchingParenthesis(in line: Substring, from open: Substring.Index) -> Substring.Index? {
        var depth = 0
        var index = open
        while index < line.endIndex {
            switch line[index] {
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
            index = line.index(after: index)
        }
        return nil
    }

    /// `a, b [, c [, {d = 1, e = 2}]]` -> a, b, c, {...}: commas split
    /// parameters except inside braces, and brackets only mark them optional.
    private static func splitParameters(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var braces = 0
        for character in text {
            switch character {
            case "{": braces += 1; current.append(character)
            case "}": braces -= 1; current.append(character)
            case ",":
                if braces == 0 {
                    parts.append(current)
                    current = ""
                } else {
                    current.append(character)
                }
            case "[", "]":
                if braces > 0 { current.append(character) }
            default: current.append(character)
            }
        }
        parts.append(current)
        return parts.map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
    }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
