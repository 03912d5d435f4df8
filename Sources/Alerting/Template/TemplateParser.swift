/// The parser of Go's text/template (text/template/parse/parse.go, Go 1.19).
///
/// It checks what Go checks at parse time, so a template Prometheus would
/// refuse to load is refused here too: unknown functions, undefined
/// variables, unbalanced `{{end}}`s, `{{break}}` outside `{{range}}`.
struct TemplateParser {
    private let tokens: [TemplateToken]
    private var index = 0
    private var furthest = 0
    private let name: String
    private let functions: Set<String>
    private var vars: [String] = ["$"]
    private var rangeDepth = 0
    private var defined: [String: [TemplateNode]] = [:]
    /// Open parentheses and blocks.  Go has no limit (its stacks grow); here
    /// deep nesting would overflow a thread's stack, so it is refused.
    private var nesting = 0
    static let maxNesting = 50

    private mutating func enter() throws(TemplateError) {
        nesting += 1
        if nesting > Self.maxNesting { throw error("nesting deeper than \(Self.maxNesting) levels") }
    }

    /// What an item in a list turned out to be: a node, or the `{{end}}` /
    /// `{{else}}` that closes the list.
    private enum Item {
        case node(TemplateNode)
        case end(pos: Int)
        case else_(pos: Int)

        var description: String {
            switch self {
            case .node(let n): return n.description
            case .end: return "{{end}}"
            case .else_: return "{{else}}"
            }
        }
    }

    static func parse(_ text: String, name: String, functions: Set<String>) throws(TemplateError) -> ParsedTemplate {
        var p = TemplateParser(tokens: TemplateLexer.lex(Array(text.utf8)), name: name, functions: functions)
        var root: [TemplateNode] = []
        while p.peek().kind != .eof {
            if p.peek().kind == .leftDelim {
                let delim = p.index
                _ = p.next()
                if p.nextNonSpace().kind == .keyword(.define) {
                    try p.parseDefinition()
                    continue
                }
                p.index = delim
            }
            switch try p.textOrAction() {
            case .node(let n): root.append(n)
            case let other: throw p.error("unexpected \(other.description)")
            }
        }
        return ParsedTemplate(root: root, defined: p.defined)
    }

    private init(tokens: [TemplateToken], name: String, functions: Set<String>) {
        self.tokens = tokens
        self.name = name
        self.functions = functions
    }

    // MARK: Token stream

    private mutating func next() -> TemplateToken {
        let t = tokens[min(index, tokens.count - 1)]
        if index < tokens.count - 1 { index += 1 } else { index = tokens.count }
        furthest = max(furthest, min(index, tokens.count) - 1)
        return t
    }

    private mutating func backup() { index -= 1 }

    private mutating func peek() -> TemplateToken {
        let t = next()
        backup()
        return t
    }

    private mutating func nextNonSpace() -> TemplateToken {
        var t = next()
        while t.kind == .space { t = next() }
        return t
    }

    private mutating func peekNonSpace() -> TemplateToken {
        let t = nextNonSpace()
        backup()
        return t
    }

    // MARK: Errors

    private func error(_ message: String) -> TemplateError {
        let line = tokens.isEmpty ? 1 : tokens[min(furthest, tokens.count - 1)].line
        return TemplateError("template: \(name):\(line): \(message)")
    }

    private static func describe(_ t: TemplateToken) -> String {
        switch t.kind {
        case .eof: return "EOF"
        case .error: return t.val
        case .keyword, .dot, .nil_: return "<\(t.val)>"
        default:
            if t.val.unicodeScalars.count > 10 {
                return GoQuote.quote(String(String.UnicodeScalarView(t.val.unicodeScalars.prefix(10)))) + "..."
            }
            return GoQuote.quote(t.val)
        }
    }

    private func unexpected(_ t: TemplateToken, _ context: String) -> TemplateError {
        if t.kind == .error { return error(t.val) }
        return error("unexpected \(Self.describe(t)) in \(context)")
    }

    private mutating func expect(_ kind: TemplateToken.Kind, _ context: String) throws(TemplateError) -> TemplateToken {
        let t = nextNonSpace()
        if t.kind != kind { throw unexpected(t, context) }
        return t
    }

    // MARK: Lists and actions

    private mutating func itemList() throws(TemplateError) -> ([TemplateNode], Item) {
        var list: [TemplateNode] = []
        while peekNonSpace().kind != .eof {
            let item = try textOrAction()
            switch item {
            case .node(let n): list.append(n)
            default: return (list, item)
            }
        }
        throw error("unexpected EOF")
    }

    private mutating func textOrAction() throws(TemplateError) -> Item {
        let t = nextNonSpace()
        switch t.kind {
        case .text: return .node(.text(t.val))
        case .leftDelim: return try action()
        default: throw unexpected(t, "input")
        }
    }

    private mutating func action() throws(TemplateError) -> Item {
        let t = nextNonSpace()
        switch t.kind {
        case .keyword(.block): return .node(try blockControl())
        case .keyword(.break): return .node(try loopControl(t, isBreak: true))
        case .keyword(.continue): return .node(try loopControl(t, isBreak: false))
        case .keyword(.else): return try elseControl()
        case .keyword(.end): return .end(pos: try expect(.rightDelim, "end").pos)
        case .keyword(.if): return .node(try branchControl(.if))
        case .keyword(.range): return .node(try branchControl(.range))
        case .keyword(.template): return .node(try templateControl())
        case .keyword(.with): return .node(try branchControl(.with))
        default: break
        }
        backup()
        let pos = peek().pos
        return .node(.action(ActionNode(pos: pos, pipe: try pipeline("command", end: .rightDelim))))
    }

    private mutating func loopControl(_ t: TemplateToken, isBreak: Bool) throws(TemplateError) -> TemplateNode {
        let word = isBreak ? "{{break}}" : "{{continue}}"
        let next = nextNonSpace()
        if next.kind != .rightDelim { throw unexpected(next, word) }
        if rangeDepth == 0 { throw error("\(word) outside {{range}}") }
        return isBreak ? .breakLoop(pos: t.pos) : .continueLoop(pos: t.pos)
    }

    private mutating func elseControl() throws(TemplateError) -> Item {
        let peeked = peekNonSpace()
        if peeked.kind == .keyword(.if) {
            // "{{else if ...": leave the "if" for parseControl to pick up.
            return .else_(pos: peeked.pos)
        }
        return .else_(pos: try expect(.rightDelim, "else").pos)
    }

    private mutating func branchControl(_ kind: BranchNode.Kind) throws(TemplateError) -> TemplateNode {
        let savedVars = vars.count
        try enter()
        defer {
            vars = Array(vars.prefix(savedVars))
            nesting -= 1
        }
        let pipe = try pipeline(kind.rawValue, end: .rightDelim)
        if kind == .range { rangeDepth += 1 }
        let (list, next) = try itemList()
        if kind == .range { rangeDepth -= 1 }
        var elseList: [TemplateNode]? = nil
        switch next {
        case .end:
            break
        case .else_:
            if kind == .if && peek().kind == .keyword(.if) {
                // {{if a}}_{{else if b}}_{{end}} is {{if a}}_{{else}}{{if b}}_{{end}}{{end}}.
                _ = self.next()
                elseList = [try branchControl(.if)]
                break
            }
            let (list2, end) = try itemList()
            guard case .end = end else { throw error("expected end; found \(end.description)") }
            elseList = list2
        case .node:
            break
        }
        return .branch(BranchNode(kind: kind, pos: pipe.pos, pipe: pipe, list: list, elseList: elseList))
    }

    private mutating func templateName(_ t: TemplateToken, _ context: String) throws(TemplateError) -> String {
        guard t.kind == .string || t.kind == .rawString else { throw unexpected(t, context) }
        guard let s = GoQuote.unquote(t.bytes) else { throw error("invalid syntax") }
        return s
    }

    private mutating func templateControl() throws(TemplateError) -> TemplateNode {
        let context = "template clause"
        let t = nextNonSpace()
        let name = try templateName(t, context)
        var pipe: PipeNode? = nil
        if nextNonSpace().kind != .rightDelim {
            backup()
            pipe = try pipeline(context, end: .rightDelim)
        }
        return .template(TemplateCallNode(pos: t.pos, name: name, pipe: pipe))
    }

    private mutating func blockControl() throws(TemplateError) -> TemplateNode {
        let context = "block clause"
        let t = nextNonSpace()
        let name = try templateName(t, context)
        let pipe = try pipeline(context, end: .rightDelim)
        // The body is a template of its own: no variables from outside.
        let (savedVars, savedDepth) = (vars, rangeDepth)
        vars = ["$"]
        rangeDepth = 0
        try enter()
        defer { (vars, rangeDepth, nesting) = (savedVars, savedDepth, nesting - 1) }
        let (body, end) = try itemList()
        guard case .end = end else { throw error("unexpected \(end.description) in \(context)") }
        add(name, body)
        return .template(TemplateCallNode(pos: t.pos, name: name, pipe: pipe))
    }

    private mutating func parseDefinition() throws(TemplateError) {
        let context = "define clause"
        let t = nextNonSpace()
        guard t.kind == .string || t.kind == .rawString else { throw unexpected(t, context) }
        guard let defName = GoQuote.unquote(t.bytes) else { throw error("invalid syntax") }
        _ = try expect(.rightDelim, context)
        let (savedVars, savedDepth) = (vars, rangeDepth)
        vars = ["$"]
        rangeDepth = 0
        defer { (vars, rangeDepth) = (savedVars, savedDepth) }
        let (body, end) = try itemList()
        guard case .end = end else { throw error("unexpected \(end.description) in \(context)") }
        add(defName, body)
    }

    /// A later non-empty definition replaces an empty one, as Go's treeSet does.
    private mutating func add(_ name: String, _ body: [TemplateNode]) {
        func isEmpty(_ nodes: [TemplateNode]) -> Bool {
            nodes.allSatisfy {
                if case .text(let s) = $0 { return s.allSatisfy(\.isWhitespace) }
                return false
            }
        }
        if let existing = defined[name], !isEmpty(existing) { return }
        defined[name] = body
    }

    // MARK: Pipelines

    private mutating func pipeline(_ context: String, end: TemplateToken.Kind) throws(TemplateError) -> PipeNode {
        var pipe = PipeNode(pos: peekNonSpace().pos, isAssign: false, decl: [], cmds: [])
        decls: while peekNonSpace().kind == .variable {
            let v = nextNonSpace()
            let variableIndex = index - 1
            let n = peekNonSpace()
            if n.kind == .assign || n.kind == .declare {
                pipe.isAssign = n.kind == .assign
                _ = nextNonSpace()
                pipe.decl.append(v.val)
                vars.append(v.val)
            } else if n.kind == .char && n.val == "," {
                _ = nextNonSpace()
                pipe.decl.append(v.val)
                vars.append(v.val)
                if context == "range" && pipe.decl.count < 2 {
                    switch peekNonSpace().kind {
                    case .variable, .rightDelim, .rightParen:
                        continue decls
                    default:
                        throw error("range can only initialize variables")
                    }
                }
                throw error("too many declarations in \(context)")
            } else {
                // "$x foo": the variable is an argument, not a declaration.
                index = variableIndex
            }
            break
        }
        while true {
            let t = nextNonSpace()
            if t.kind == end {
                if pipe.cmds.isEmpty { throw error("missing value for \(context)") }
                for (i, c) in pipe.cmds.enumerated().dropFirst() {
                    switch c.args[0] {
                    case .bool, .dot, .nil_, .number, .string:
                        throw error("non executable command in pipeline stage \(i + 1)")
                    default: break
                    }
                }
                return pipe
            }
            switch t.kind {
            case .bool, .charConstant, .dot, .field, .identifier, .number, .nil_, .rawString, .string, .variable,
                 .leftParen:
                backup()
                pipe.cmds.append(try command())
            default:
                throw unexpected(t, context)
            }
        }
    }

    private mutating func command() throws(TemplateError) -> CommandNode {
        var cmd = CommandNode(pos: peekNonSpace().pos, args: [])
        while true {
            _ = peekNonSpace()
            if let op = try operand() { cmd.args.append(op) }
            let t = next()
            switch t.kind {
            case .space:
                continue
            case .rightDelim, .rightParen:
                backup()
            case .pipe:
                break
            default:
                throw unexpected(t, "operand")
            }
            break
        }
        if cmd.args.isEmpty { throw error("empty command") }
        return cmd
    }

    private mutating func operand() throws(TemplateError) -> Operand? {
        guard let node = try term() else { return nil }
        guard peek().kind == .field else { return node }
        let chainPos = peek().pos
        var fields: [String] = []
        while peek().kind == .field { fields.append(String(next().val.dropFirst())) }
        switch node {
        case .field(let idents, _):
            return .field(idents + fields, pos: chainPos)
        case .variable(let idents, _):
            return .variable(idents + fields, pos: chainPos)
        case .bool, .string, .number, .nil_, .dot:
            throw error("unexpected . after term \(GoQuote.quote(node.description))")
        default:
            return .chain(node, fields, pos: chainPos)
        }
    }

    private mutating func term() throws(TemplateError) -> Operand? {
        let t = nextNonSpace()
        switch t.kind {
        case .identifier:
            if !functions.contains(t.val) { throw error("function \(GoQuote.quote(t.val)) not defined") }
            return .identifier(t.val, pos: t.pos)
        case .dot:
            return .dot(pos: t.pos)
        case .nil_:
            return .nil_(pos: t.pos)
        case .variable:
            let idents = t.val.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if !vars.contains(idents[0]) { throw error("undefined variable \(GoQuote.quote(idents[0]))") }
            return .variable(idents, pos: t.pos)
        case .field:
            return .field([String(t.val.dropFirst())], pos: t.pos)
        case .bool:
            return .bool(t.val == "true", pos: t.pos)
        case .charConstant, .number:
            return .number(try number(t), pos: t.pos)
        case .leftParen:
            try enter()
            defer { nesting -= 1 }
            return .pipe(try pipeline("parenthesized pipeline", end: .rightParen))
        case .string, .rawString:
            guard let s = GoQuote.unquote(t.bytes) else { throw error("invalid syntax") }
            return .string(s, quoted: t.val, pos: t.pos)
        default:
            backup()
            return nil
        }
    }

    // MARK: Numbers

    private func number(_ t: TemplateToken) throws(TemplateError) -> NumberConstant {
        var n = NumberConstant(text: t.val)
        if t.kind == .charConstant {
            let b = t.bytes
            guard b.count >= 3, let (bytes, next) = GoQuote.unquoteChar(b, 1, quote: UInt8(ascii: "'")) else {
                throw error("invalid syntax")
            }
            guard next == b.count - 1 else { throw error("malformed character constant: \(t.val)") }
            let value: Int64
            if b[1] == UInt8(ascii: "\\") && bytes.count == 1 {
                value = Int64(bytes[0])
            } else {
                value = Int64(String(decoding: bytes, as: UTF8.self).unicodeScalars.first?.value ?? 0xFFFD)
            }
            n.isInt = true; n.int64 = value
            n.isUint = true; n.uint64 = UInt64(value)
            n.isFloat = true; n.float64 = Double(value)
            return n
        }
        let text = t.val
        let u = GoInt.parseUint(text)
        if let u { n.isUint = true; n.uint64 = u }
        if let i = GoInt.parseInt(text) {
            n.isInt = true
            n.int64 = i
            if i == 0 { n.isUint = true; n.uint64 = 0 }
        }
        if n.isInt {
            n.isFloat = true
            n.float64 = Double(n.int64)
        } else if n.isUint {
            n.isFloat = true
            n.float64 = Double(n.uint64)
        } else if case .success(let f) = goParseFloat(text) {
            if !text.contains(where: { ".eEpP".contains($0) }) {
                throw error("integer overflow: \(GoQuote.quote(text))")
            }
            n.isFloat = true
            n.float64 = f
            if Double(GoConvert.int64(f)) == f && f > -9.3e18 && f < 9.3e18 {
                n.isInt = true
                n.int64 = GoConvert.int64(f)
            }
            if f >= 0 && f < 1.8e19 && f == f.rounded(.towardZero) {
                n.isUint = true
                n.uint64 = UInt64(f)
            }
        }
        if !n.isInt && !n.isUint && !n.isFloat {
            throw error("illegal number syntax: \(GoQuote.quote(text))")
        }
        return n
    }
}

/// strconv.ParseInt / ParseUint with base 0 (Go literal syntax: 0x, 0o, 0b, leading-0 octal, underscores).
enum GoInt {
    static func parseUint(_ s: String) -> UInt64? {
        var b = Array(s.utf8)
        guard !b.isEmpty else { return nil }
        var base: UInt64 = 10
        var prefixed = false
        if b[0] == 48 && b.count > 1 {
            switch b[1] | 0x20 {
            case UInt8(ascii: "x"): base = 16; b.removeFirst(2); prefixed = true
            case UInt8(ascii: "o"): base = 8; b.removeFirst(2); prefixed = true
            case UInt8(ascii: "b"): base = 2; b.removeFirst(2); prefixed = true
            default: base = 8; b.removeFirst(1); prefixed = true
            }
        }
        guard !b.isEmpty || (prefixed && base == 8) else { return nil }
        var v: UInt64 = 0
        var sawUnderscore = false
        for c in b {
            if c == UInt8(ascii: "_") { sawUnderscore = true; continue }
            let d: UInt64
            switch c {
            case 48...57: d = UInt64(c - 48)
            case 97...122: d = UInt64(c - 97 + 10)
            case 65...90: d = UInt64(c - 65 + 10)
            default: return nil
            }
            guard d < base else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: base)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            v = a
        }
        if sawUnderscore {
            // Underscores only between digits (a base prefix counts as a digit).
            let all = Array(s.utf8)
            var saw: UInt8 = prefixed ? 48 : UInt8(ascii: "^")
            for c in all[(all.count - b.count)...] {
                if c == UInt8(ascii: "_") {
                    if saw != 48 { return nil }
                    saw = c
                } else {
                    saw = 48
                }
            }
            if saw == UInt8(ascii: "_") { return nil }
        }
        return v
    }

    static func parseInt(_ s: String) -> Int64? {
        var t = Substring(s)
        var negative = false
        if let f = t.first, f == "+" || f == "-" {
            negative = f == "-"
            t = t.dropFirst()
        }
        guard let u = parseUint(String(t)) else { return nil }
        if negative {
            if u > UInt64(Int64.max) + 1 { return nil }
            return u == UInt64(Int64.max) + 1 ? Int64.min : -Int64(u)
        }
        if u > UInt64(Int64.max) { return nil }
        return Int64(u)
    }
}
