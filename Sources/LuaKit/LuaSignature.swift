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
        /// For an options table written out (`{lr = 0.01, eps = 1e-8}`),
        /// the keys it names: the only ones a call may pass (LuaCall.options).
        public let optionKeys: [String]?

        public init(name: String, type: String?, optional: Bool, optionKeys: [String]? = nil) {
            self.name = name
            self.type = type
            self.optional = optional
            self.optionKeys = optionKeys
        }
    }

    /// The parameters in order (`self` first for a method).
    public let parameters: [Parameter]
    /// The most arguments a call may pass; nil when it takes `...`.
    public let maxArguments: Int?

    /// Reads a doc's first line; nil when it does not start with a call of
    /// `name` (a qualified name such as `metrics.range` or `Tensor:sum` is
    /// matched by its last part, as methods are documented `t:sum(`).
    ///
    /// Every bound function's doc is read once at start, so this works on
    /// the line's UTF-8 bytes (its syntax is ASCII) rather than on Characters.
    public init?(doc: String, name: String) {
        let bytes = Array(doc.utf8.prefix { $0 != UInt8(ascii: "\n") })
        let shortName = name.utf8.split(whereSeparator: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") }).last.map(Array.init)
            ?? Array(name.utf8)
        // The callee: everything before the first ( or {, ending in the short name.
        guard let open = bytes.firstIndex(where: { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: "{") }) else { return nil }
        let callee = bytes[..<open]
        guard callee.count >= shortName.count, callee.suffix(shortName.count).elementsEqual(shortName),
              !callee.contains(UInt8(ascii: " ")) else { return nil }
        let isMethod = callee.contains(UInt8(ascii: ":"))
        if bytes[open] == UInt8(ascii: "{") {
            let table = LuaSignature.matchingBrace(in: bytes, from: open).map { bytes[open...$0] }
            parameters = [Parameter(name: "options", type: "table", optional: false, optionKeys: table.flatMap(LuaSignature.optionKeys))]
            maxArguments = 1
            return
        }
        guard let close = LuaSignature.matchingParenthesis(in: bytes, from: open) else { return nil }
        let inside = bytes[(open + 1)..<close]
        parameters = (isMethod ? [Parameter(name: "self", type: nil, optional: false)] : []) + LuaSignature.splitParameters(inside)
        let hasVarargs = inside.indices.contains { inside[$0...].starts(with: "...".utf8) }
        maxArguments = hasVarargs ? nil : parameters.count
    }

    private static func matchingParenthesis(in line: [UInt8], from open: Int) -> Int? {
        matching(UInt8(ascii: "("), UInt8(ascii: ")"), in: line, from: open)
    }

    private static func matchingBrace(in line: [UInt8], from open: Int) -> Int? {
        matching(UInt8(ascii: "{"), UInt8(ascii: "}"), in: line, from: open)
    }

    private static func matching(_ opening: UInt8, _ closing: UInt8, in line: [UInt8], from open: Int) -> Int? {
        var depth = 0
        for index in open..<line.count {
            if line[index] == opening { depth += 1 }
            if line[index] == closing {
                depth -= 1
                if depth == 0 { return index }
            }
        }
        return nil
    }

    /// `{lr = 0.01, betas = {0.9, 0.999}}` -> lr, betas: the names before
    /// `=` at the table's top level. Nil when the text is not a table of
    /// `name = value` pairs or ends in `...` (more keys than it shows).
    private static func optionKeys(_ table: ArraySlice<UInt8>) -> [String]? {
        guard table.first == UInt8(ascii: "{"), table.last == UInt8(ascii: "}") else { return nil }
        var keys: [String] = []
        var depth = 0
        var item: [UInt8] = []
        func finish() -> Bool {
            defer { item.removeAll(keepingCapacity: true) }
            guard let equals = item.firstIndex(of: UInt8(ascii: "=")) else { return item.allSatisfy { $0 == UInt8(ascii: " ") } }
            let name = item[..<equals].filter { $0 != UInt8(ascii: " ") }
            guard !name.isEmpty, name.allSatisfy(isNameByte) else { return false }
            keys.append(String(decoding: name, as: UTF8.self))
            return true
        }
        for byte in table.dropFirst().dropLast() {
            switch byte {
            case UInt8(ascii: "{"): depth += 1; item.append(byte)
            case UInt8(ascii: "}"): depth -= 1; item.append(byte)
            case UInt8(ascii: ",") where depth == 0: guard finish() else { return nil }
            default: item.append(byte)
            }
        }
        guard finish(), !keys.isEmpty else { return nil }
        return keys
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "_") || (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// `a: string, b [, c [, {d = 1, e = 2}]]` -> a, b, c, {...}: commas
    /// split parameters except inside braces; one that starts inside
    /// brackets is optional; `name: type` gives its type.
    private static func splitParameters(_ text: ArraySlice<UInt8>) -> [Parameter] {
        var parameters: [Parameter] = []
        var current: [UInt8] = []
        var braces = 0
        var brackets = 0
        var optional = false
        func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            let start = bytes.firstIndex { $0 != UInt8(ascii: " ") } ?? bytes.endIndex
            let end = bytes.lastIndex { $0 != UInt8(ascii: " ") }.map { $0 + 1 } ?? start
            return bytes[start..<max(start, end)]
        }
        func finish() {
            let written = trimmed(current[...])
            current.removeAll(keepingCapacity: true)
            guard !written.isEmpty, !written.elementsEqual("...".utf8) else { return }
            if let colon = written.firstIndex(of: UInt8(ascii: ":")) {
                let name = trimmed(written[..<colon]), type = trimmed(written[(colon + 1)...])
                let isName = !name.isEmpty && name.allSatisfy(isNameByte)
                if isName, !type.isEmpty {
                    parameters.append(Parameter(name: String(decoding: name, as: UTF8.self),
                                                type: String(decoding: type, as: UTF8.self), optional: optional))
                    return
                }
            }
            parameters.append(Parameter(name: String(decoding: written, as: UTF8.self), type: nil, optional: optional,
                                        optionKeys: optionKeys(written)))
        }
        for byte in text {
            switch byte {
            case UInt8(ascii: "{"): braces += 1; current.append(byte)
            case UInt8(ascii: "}"): braces -= 1; current.append(byte)
            case UInt8(ascii: ",") where braces == 0: finish()
            case UInt8(ascii: "[") where braces == 0: brackets += 1
            case UInt8(ascii: "]") where braces == 0: brackets -= 1
            default:
                // A parameter is optional when its first character stands in brackets.
                if byte != UInt8(ascii: " ") && current.allSatisfy({ $0 == UInt8(ascii: " ") }) { optional = brackets > 0 }
                current.append(byte)
            }
        }
        finish()
        return parameters
    }
}
