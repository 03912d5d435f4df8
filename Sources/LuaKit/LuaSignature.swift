/// What the first line of a function's doc says about how it is called:
/// `metrics.range(expr, range [, step]) -> {...}` takes at most 3 arguments,
/// `t:sum([dim [, keepdim]])` at most 3 counting `t`, `data.loader{...}`
/// exactly one table, `print(...)` any number. The doc is the one place a
/// function's parameters are written down, so the arity check is read from
/// it rather than written again in each body.
public struct LuaSignature: Equatable, Sendable {
    /// One parameter as written: `range: duration` has a type, `[, step]`
    /// is optional (it stands inside brackets).
    public struct Parameter: Equatable, Sendable {
        public let name: String
        /// The type after a colon (`string`, `duration`, `Tensor`), if given;
        /// see LuaArgumentTypes for the names calls are checked against.
        public let type: String?
        public let optional: Bool

        public init(name: String, type: String?, optional: Bool) {
            self.name = name
            self.type = type
            self.optional = optional
        }
    }

    /// The parameters in order (`self` first for a method).
    public let parameters: [Parameter]
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
            parameters = [Parameter(name: "options", type: nil, optional: false)]
            maxArguments = 1
            return
        }
        guard let close = LuaSignature.matchingParenthesis(in: line, from: open) else { return nil }
        let inside = line[line.index(after: open)..<close]
        let written = LuaSignature.splitParameters(String(inside))
        parameters = (isMethod ? [Parameter(name: "self", type: nil, optional: false)] : []) + written
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

    /// `a: string, b [, c [, {d = 1, e = 2}]]` -> a, b, c, {...}: commas
    /// split parameters except inside braces; one that starts inside
    /// brackets is optional; `name: type` gives its type.
    private static func splitParameters(_ text: String) -> [Parameter] {
        var parameters: [Parameter] = []
        var current = ""
        var braces = 0
        var brackets = 0
        var optional = false
        func finish() {
            let written = current.trimmingCharacters(in: " ")
            current = ""
            guard !written.isEmpty, written != "..." else { return }
            let parts = written.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: " ") }
            if parts.count == 2, parts[0].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !parts[1].isEmpty {
                parameters.append(Parameter(name: parts[0], type: parts[1], optional: optional))
            } else {
                parameters.append(Parameter(name: written, type: nil, optional: optional))
            }
        }
        for character in text {
            switch character {
            case "{": braces += 1; current.append(character)
            case "}": braces -= 1; current.append(character)
            case "," where braces == 0:
                finish()
            case "[" where braces == 0:
                brackets += 1
            case "]" where braces == 0:
                brackets -= 1
            default:
                // A parameter is optional when its first character stands in brackets.
                if current.trimmingCharacters(in: " ").isEmpty && character != " " { optional = brackets > 0 }
                current.append(character)
            }
        }
        finish()
        return parameters
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
