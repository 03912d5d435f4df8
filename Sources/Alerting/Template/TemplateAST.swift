/// The parse tree of a template, after text/template/parse/node.go.
///
/// Positions are byte offsets into the full template text (prelude
/// included), and `description` renders a node the way Go's `String()`
/// does, because both appear in execution errors:
/// `template: NAME:1:115: executing "NAME" at <humanize "abc">: ...`.
indirect enum TemplateNode: Sendable {
    case text(String)
    case action(ActionNode)
    case branch(BranchNode)
    case template(TemplateCallNode)
    case breakLoop(pos: Int)
    case continueLoop(pos: Int)
}

struct ActionNode: Sendable {
    var pos: Int
    var pipe: PipeNode
}

/// `if`, `with` and `range`.
struct BranchNode: Sendable {
    enum Kind: String, Sendable { case `if`, with, range }
    var kind: Kind
    var pos: Int
    var pipe: PipeNode
    var list: [TemplateNode]
    var elseList: [TemplateNode]?
}

/// `{{template "name" pipeline}}` (and the call half of `block`).
struct TemplateCallNode: Sendable {
    var pos: Int
    var name: String
    var pipe: PipeNode?
}

struct PipeNode: Sendable {
    var pos: Int
    var isAssign: Bool
    var decl: [String]
    var cmds: [CommandNode]
}

struct CommandNode: Sendable {
    var pos: Int
    var args: [Operand]
}

/// A number constant, with every interpretation Go's parser records.
struct NumberConstant: Sendable {
    var text: String
    var isInt = false, isUint = false, isFloat = false
    var int64: Int64 = 0
    var uint64: UInt64 = 0
    var float64: Double = 0
}

indirect enum Operand: Sendable {
    case identifier(String, pos: Int)
    case dot(pos: Int)
    case nil_(pos: Int)
    /// `$x` or `$x.Field.Key`: the variable name first, then fields.
    case variable([String], pos: Int)
    /// `.Field.Key`.
    case field([String], pos: Int)
    /// `(pipeline).Field` and the like.
    case chain(Operand, [String], pos: Int)
    case bool(Bool, pos: Int)
    case number(NumberConstant, pos: Int)
    /// A string literal: its value and its source text.
    case string(String, quoted: String, pos: Int)
    case pipe(PipeNode)

    var pos: Int {
        switch self {
        case .identifier(_, let p), .dot(let p), .nil_(let p), .variable(_, let p), .field(_, let p),
             .chain(_, _, let p), .bool(_, let p), .number(_, let p), .string(_, _, let p):
            return p
        case .pipe(let p):
            return p.pos
        }
    }
}

// MARK: - Go's String() renderings

extension Operand: CustomStringConvertible {
    var description: String {
        switch self {
        case .identifier(let name, _): return name
        case .dot: return "."
        case .nil_: return "nil"
        case .variable(let idents, _): return idents.joined(separator: ".")
        case .field(let idents, _): return idents.map { "." + $0 }.joined()
        case .chain(let node, let fields, _):
            let head: String
            if case .pipe = node { head = "(\(node))" } else { head = node.description }
            return head + fields.map { "." + $0 }.joined()
        case .bool(let b, _): return b ? "true" : "false"
        case .number(let n, _): return n.text
        case .string(_, let quoted, _): return quoted
        case .pipe(let p): return p.description
        }
    }
}

extension CommandNode: CustomStringConvertible {
    var description: String {
        args.map { arg in
            if case .pipe = arg { return "(\(arg))" }
            return arg.description
        }.joined(separator: " ")
    }
}

extension PipeNode: CustomStringConvertible {
    var description: String {
        var s = ""
        if !decl.isEmpty {
            s = decl.joined(separator: ", ") + " := "
        }
        return s + cmds.map(\.description).joined(separator: " | ")
    }
}

extension TemplateNode: CustomStringConvertible {
    var description: String {
        switch self {
        case .text(let t): return GoQuote.quote(t)
        case .action(let a): return "{{\(a.pipe)}}"
        case .branch(let b):
            var s = "{{\(b.kind.rawValue) \(b.pipe)}}" + b.list.map(\.description).joined()
            if let e = b.elseList { s += "{{else}}" + e.map(\.description).joined() }
            return s + "{{end}}"
        case .template(let t):
            if let p = t.pipe { return "{{template \(GoQuote.quote(t.name)) \(p)}}" }
            return "{{template \(GoQuote.quote(t.name))}}"
        case .breakLoop: return "{{break}}"
        case .continueLoop: return "{{continue}}"
        }
    }
}

/// A parsed template: the main tree and the templates it defines.
struct ParsedTemplate: Sendable {
    var root: [TemplateNode]
    var defined: [String: [TemplateNode]]
}
