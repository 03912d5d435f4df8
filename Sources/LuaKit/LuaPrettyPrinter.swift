import CLua
import CLuaShim

/// Renders Lua values for people: tables nested with sorted keys and
/// indentation, cycles and depth limits marked, strings quoted, userdata
/// through `__tostring`, documented functions by their signature; ANSI
/// colour only when asked.
public struct LuaPrettyPrinter {
    public var maxDepth = 4
    public var width = 80
    /// Entries shown per table before "... (N more)".
    public var maxItems = 100
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    /// A rendered value before layout: a leaf, or a table with its entries.
    indirect enum Node {
        case leaf(String)
        case table(entries: [(key: String?, value: Node)], more: Int)
    }

    /// Renders the value at `index` of `stack`.
    public func render(_ stack: LuaStack, at index: Int32) -> String {
        var seen: [UnsafeRawPointer] = []
        let node = build(stack, lua_absindex(stack.L, index), depth: 0, seen: &seen)
        return layout(node, indent: 0)
    }

    /// Renders several values (a REPL result list) separated by tabs.
    public func render(_ stack: LuaStack, from first: Int32, to last: Int32) -> String {
        guard first <= last else { return "" }
        return (first...last).map { render(stack, at: $0) }.joined(separator: "\t")
    }

    // MARK: Building

    private func build(_ stack: LuaStack, _ index: Int32, depth: Int, seen: inout [UnsafeRawPointer]) -> Node {
        let L = stack.L
        switch lua_type(L, index) {
        case LUA_TSTRING:
            return .leaf(paint(quote(stack.bytes(at: index) ?? []), .green))
        case LUA_TNUMBER, LUA_TBOOLEAN, LUA_TNIL, LUA_TNONE:
            return .leaf(paint(stack.describe(at: index), .cyan))
        case LUA_TTABLE:
            break
        case LUA_TFUNCTION:
            // A documented function shows its signature, as IPython shows one.
            if let signature = stack.docString(at: index)?.split(separator: "\n").first {
                return .leaf(paint("<function \(signature)>", .yellow))
            }
            return .leaf(paint(stack.describe(at: index), .yellow))
        default:
            return .leaf(paint(stack.describe(at: index), .yellow))
        }
        guard let pointer = lua_topointer(L, index) else { return .leaf("table") }
        if seen.contains(pointer) { return .leaf(paint("<cycle: \(stack.describe(at: index))>", .dim)) }
        // A table with its own __tostring speaks for itself.
        if hasToString(stack, index) { return .leaf(paint(stack.describe(at: index), .yellow)) }
        if depth >= maxDepth { return .leaf(paint("{...}", .dim)) }
        seen.append(pointer)
        defer { seen.removeLast() }

        guard lua_checkstack(L, 4) != 0 else { return .leaf("{...}") }
        var entries: [(key: String?, value: Node)] = []
        let length = Int(lua_rawlen(L, index))
        var shown = 0
        for i in 0..<min(length, maxItems) {
            lua_rawgeti(L, index, lua_Integer(i + 1))
            entries.append((nil, build(stack, lua_gettop(L), depth: depth + 1, seen: &seen)))
            stack.pop()
            shown += 1
        }
        // Remaining keys, sorted: strings alphabetically, then numbers, then the rest.
        var keyed: [(sortKey: (Int, String, Double), label: String, node: Node)] = []
        var extra = max(0, length - maxItems)
        // Keys' __tostring runs in the loop and may change the table; the
        // protected next then reports it instead of raising through Swift.
        lua_pushnil(L)
        var traversal: Int32
        while true {
            traversal = luakit_next(L, index)
            guard traversal == 1 else { break }
            defer { stack.pop() }
            if isSequenceKey(stack, -2, length: length) { continue }
            if keyed.count + shown >= maxItems { extra += 1; continue }
            let label: String
            let sortKey: (Int, String, Double)
            switch lua_type(L, -2) {
            case LUA_TSTRING:
                let key = stack.string(at: -2) ?? ""
                label = isIdentifier(key) ? key : "[\(quote(Array(key.utf8)))]"
                sortKey = (0, key, 0)
            case LUA_TNUMBER:
                var isNumber: Int32 = 0
                let value = lua_tonumberx(L, -2, &isNumber)
                label = "[\(describeKey(stack))]"
                sortKey = (1, "", value)
            default:
                label = "[\(describeKey(stack))]"
                sortKey = (2, label, 0)
            }
            keyed.append((sortKey, label, build(stack, lua_gettop(L), depth: depth + 1, seen: &seen)))
        }
        keyed.sort { a, b in
            if a.sortKey.0 != b.sortKey.0 { return a.sortKey.0 < b.sortKey.0 }
            if a.sortKey.0 == 1 { return a.sortKey.2 < b.sortKey.2 }
            return a.sortKey.1 < b.sortKey.1
        }
        entries += keyed.map { (paint($0.label, .plain), $0.node) }
        if traversal < 0 { entries.append((nil, .leaf(paint("<the table changed while it was printed>", .dim)))) }
        return .table(entries: entries, more: extra)
    }

    private func describeKey(_ stack: LuaStack) -> String {
        // describe() converts through a copy, so lua_next's key is untouched.
        stack.describe(at: -2)
    }

    private func isSequenceKey(_ stack: LuaStack, _ index: Int32, length: Int) -> Bool {
        guard lua_type(stack.L, index) == LUA_TNUMBER, lua_isinteger(stack.L, index) != 0 else { return false }
        let key = lua_tointegerx(stack.L, index, nil)
        return key >= 1 && key <= length
    }

    private func hasToString(_ stack: LuaStack, _ index: Int32) -> Bool {
        guard lua_getmetatable(stack.L, index) != 0 else { return false }
        defer { stack.pop(2) }
        stack.push("__tostring")
        return lua_rawget(stack.L, -2) != LUA_TNIL
    }

    // MARK: Layout

    private func layout(_ node: Node, indent: Int) -> String {
        switch node {
        case .leaf(let text):
            return text
        case .table(let entries, let more):
            if entries.isEmpty && more == 0 { return "{}" }
            let parts = entries.map { entry in
                (entry.key.map { "\($0) = " } ?? "") + layout(entry.value, indent: indent + 2)
            } + (more > 0 ? [paint("... (\(more) more)", .dim)] : [])
            let oneLine = "{ " + parts.joined(separator: ", ") + " }"
            if !oneLine.contains("\n") && visibleWidth(oneLine) + indent <= width { return oneLine }
            let pad = String(repeating: " ", count: indent + 2)
            return "{\n" + parts.map { pad + $0 }.joined(separator: ",\n") + "\n" + String(repeating: " ", count: indent) + "}"
        }
    }

    /// Width without ANSI escape sequences.
    private func visibleWidth(_ text: String) -> Int {
        var count = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape { if scalar == "m" { inEscape = false }; continue }
            if scalar == "\u{1B}" { inEscape = true; continue }
            count += 1
        }
        return count
    }

    // MARK: Text

    enum Tint: String {
        case plain = "", green = "32", cyan = "36", yellow = "33", dim = "2"
    }

    private func paint(_ text: String, _ tint: Tint) -> String {
        guard color, tint != .plain else { return text }
        return "\u{1B}[\(tint.rawValue)m\(text)\u{1B}[0m"
    }
}

/// A Lua string literal for these bytes: quotes and escapes as `%q` would,
/// with valid UTF-8 kept readable.
public func quote(_ bytes: [UInt8]) -> String {
    let text = String(decoding: bytes, as: UTF8.self)
    // Not UTF-8: quoted byte by byte, each byte outside printable ASCII as \xHH.
    let valid = Array(text.utf8) == bytes
    let units: [UInt32] = valid ? text.unicodeScalars.map(\.value) : bytes.map(UInt32.init)
    var out = "\""
    for (i, unit) in units.enumerated() {
        let scalar = Unicode.Scalar(unit)!
        if let escaped = luaEscapes[scalar] {
            out += escaped
        } else if !valid && !(0x20..<0x7F).contains(unit) {
            out += "\\x" + String(unit, radix: 16).leftPadded(to: 2)
        } else if unit < 0x20 || unit == 0x7F {
            // As %q: three digits when a digit follows, so the two do not read as one escape.
            let digitFollows = i + 1 < units.count && (0x30...0x39).contains(units[i + 1])
            out += "\\" + (digitFollows ? String(unit).leftPadded(to: 3) : String(unit))
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

private let luaEscapes: [Unicode.Scalar: String] = ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"]

/// A valid Lua name that is not a keyword.
public func isIdentifier(_ text: String) -> Bool {
    guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
    return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } && !luaKeywords.contains(text)
}

public let luaKeywords: Set<String> = ["and", "break", "do", "else", "elseif", "end", "false", "for", "function",
                                "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
                                "true", "until", "while"]

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
