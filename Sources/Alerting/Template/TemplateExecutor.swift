/// The executor of Go's text/template (text/template/exec.go, Go 1.19).
///
/// The structure mirrors Go's `state` methods one for one (walk,
/// evalPipeline, evalCommand, evalArg, evalCall, evalField...), including
/// where it records the node being evaluated (`at`), since that node is what
/// an error message points to.
struct TemplateExecutor {
    private let tree: ParsedTemplate
    private let name: String
    private let text: [UInt8]
    private let context: FunctionContext
    private var vars: [(name: String, value: TemplateValue)]
    private var at: At?
    private var depth = 0
    private(set) var out = ""

    /// Go allows 100000 nested template calls and its stacks grow; a Swift
    /// thread's stack does not, so nesting (template calls, blocks and
    /// parentheses together) stops here.  A template that deep is a bug.
    private static let maxDepth = 100

    /// Control flow through the walk: an execution error, or {{break}} / {{continue}}.
    enum Signal: Error {
        case failure(String)
        case breakLoop
        case continueLoop
    }

    /// How a nil came about, which decides what Go's validateType says about it:
    /// a pipeline's result is reflection's invalid value, a map element is a nil interface.
    private enum NilKind { case invalid, interface }

    /// The node an error points at.
    private enum At {
        case operand(Operand)
        case command(CommandNode)
        case pipe(PipeNode)
        case node(TemplateNode, pos: Int)

        var pos: Int {
            switch self {
            case .operand(let o): return o.pos
            case .command(let c): return c.pos
            case .pipe(let p): return p.pos
            case .node(_, let pos): return pos
            }
        }

        var description: String {
            switch self {
            case .operand(let o): return o.description
            case .command(let c): return c.description
            case .pipe(let p): return p.description
            case .node(let n, _): return n.description
            }
        }
    }

    init(tree: ParsedTemplate, name: String, text: String, data: AlertTemplateData, dot: TemplateValue) {
        self.tree = tree
        self.name = name
        self.text = Array(text.utf8)
        self.context = FunctionContext(data: data)
        self.vars = [("$", dot)]
    }

    // MARK: Errors

    private func fail(_ message: String) -> Signal {
        guard let at else { return .failure("template: \(name): \(message)") }
        let pos = min(at.pos, text.count)
        let before = text[..<pos]
        let line = 1 + before.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        let col: Int
        if let nl = before.lastIndex(of: 10) { col = pos - (nl + 1) } else { col = pos }
        return .failure("template: \(name):\(line):\(col): executing \(GoQuote.quote(name)) at <\(at.description)>: \(message)")
    }

    // MARK: Walking

    mutating func walk(_ dot: TemplateValue, _ nodes: [TemplateNode]) throws(Signal) {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw fail("exceeded maximum template depth (\(Self.maxDepth))") }
        for node in nodes {
            switch node {
            case .text(let s):
                out += s
            case .action(let a):
                at = .node(node, pos: a.pos)
                let val = try evalPipeline(dot, a.pipe)
                if a.pipe.decl.isEmpty {
                    at = .node(node, pos: a.pos)
                    out += GoPrinter.printAction(val)
                }
            case .branch(let b):
                at = .node(node, pos: b.pos)
                if b.kind == .range { try walkRange(dot, b, node) } else { try walkIfOrWith(dot, b) }
            case .template(let t):
                at = .node(node, pos: t.pos)
                try walkTemplate(dot, t)
            case .breakLoop:
                throw .breakLoop
            case .continueLoop:
                throw .continueLoop
            }
        }
    }

    private mutating func walkIfOrWith(_ dot: TemplateValue, _ b: BranchNode) throws(Signal) {
        let mark = vars.count
        defer { vars = Array(vars.prefix(mark)) }
        let val = try evalPipeline(dot, b.pipe)
        if val.isTrue {
            try walk(b.kind == .with ? val : dot, b.list)
        } else if let e = b.elseList {
            try walk(dot, e)
        }
    }

    private mutating func walkRange(_ dot: TemplateValue, _ r: BranchNode, _ node: TemplateNode) throws(Signal) {
        let mark = vars.count
        defer { vars = Array(vars.prefix(mark)) }
        let val = try evalPipeline(dot, r.pipe)
        let bodyMark = vars.count
        // Returns false on {{break}}.
        func iterate(_ this: inout TemplateExecutor, _ index: TemplateValue, _ elem: TemplateValue) throws(Signal) -> Bool {
            let n = this.vars.count
            if !r.pipe.decl.isEmpty && n >= 1 { this.vars[n - 1].value = elem }
            if r.pipe.decl.count > 1 && n >= 2 { this.vars[n - 2].value = index }
            defer { this.vars = Array(this.vars.prefix(bodyMark)) }
            do {
                try this.walk(elem, r.list)
            } catch {
                switch error {
                case .breakLoop: return false
                case .continueLoop: return true
                case .failure: throw error
                }
            }
            return true
        }
        switch val {
        case .list(let l) where !l.isEmpty:
            for (i, e) in l.enumerated() {
                if !(try iterate(&self, .int(i), e)) { break }
            }
            return
        case .labels(let m) where !m.isEmpty:
            for k in m.keys.sorted(by: goLess) {
                if !(try iterate(&self, .string(k), .string(m[k]!))) { break }
            }
            return
        case .map(let m) where !m.isEmpty:
            for k in m.keys.sorted(by: goLess) {
                if !(try iterate(&self, .string(k), m[k]!)) { break }
            }
            return
        case .list, .labels, .map, .nil_:
            break
        case .querySample(let s):
            throw fail("range can't iterate over \(GoPrinter.printAction(.querySample(s)))")
        default:
            throw fail("range can't iterate over \(GoPrinter.sprint([val]))")
        }
        if let e = r.elseList { try walk(dot, e) }
    }

    private mutating func walkTemplate(_ dot: TemplateValue, _ t: TemplateCallNode) throws(Signal) {
        guard let body = tree.defined[t.name] else { throw fail("template \(GoQuote.quote(t.name)) not defined") }
        let newDot = try t.pipe.map { p throws(Signal) in try evalPipeline(dot, p) } ?? .nil_
        let savedVars = vars
        vars = [("$", newDot)]
        defer { vars = savedVars }
        try walk(newDot, body)
    }

    // MARK: Pipelines and commands

    private mutating func evalPipeline(_ dot: TemplateValue, _ pipe: PipeNode) throws(Signal) -> TemplateValue {
        at = .pipe(pipe)
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maxDepth { throw fail("exceeded maximum template depth (\(Self.maxDepth))") }
        var value: TemplateValue? = nil
        for cmd in pipe.cmds { value = try evalCommand(dot, cmd, final: value) }
        let v = value ?? .nil_
        for d in pipe.decl {
            if pipe.isAssign { try setVar(d, v) } else { vars.append((d, v)) }
        }
        return v
    }

    private func notAFunction(_ args: [Operand], _ final: TemplateValue?) throws(Signal) {
        if args.count > 1 || final != nil { throw fail("can't give argument to non-function \(args[0])") }
    }

    private mutating func evalCommand(_ dot: TemplateValue, _ cmd: CommandNode, final: TemplateValue?) throws(Signal) -> TemplateValue {
        let first = cmd.args[0]
        switch first {
        case .field(let idents, _):
            at = .operand(first)
            return try evalFieldChain(dot, dot, first, idents, cmd.args, final)
        case .chain(let node, let fields, _):
            return try evalChain(dot, first, node, fields, cmd.args, final)
        case .identifier(let fname, _):
            return try evalFunction(dot, first, fname, .command(cmd), Array(cmd.args.dropFirst()), final)
        case .pipe(let p):
            try notAFunction(cmd.args, final)
            return try evalPipeline(dot, p)
        case .variable:
            return try evalVariable(dot, first, cmd.args, final)
        default:
            break
        }
        at = .operand(first)
        try notAFunction(cmd.args, final)
        switch first {
        case .bool(let b, _): return .bool(b)
        case .dot: return dot
        case .nil_: throw fail("nil is not a command")
        case .number(let n, _): return try idealConstant(n)
        case .string(let s, _, _): return .string(s)
        default: throw fail("can't evaluate command \(GoQuote.quote(first.description))")
        }
    }

    /// A number constant with no type to guide it: float if written like one, else int.
    private func idealConstant(_ n: NumberConstant) throws(Signal) -> TemplateValue {
        let t = n.text
        let isHexInt = t.count > 2 && t.hasPrefix("0") && (t.dropFirst().first == "x" || t.dropFirst().first == "X")
            && !t.contains(where: { $0 == "p" || $0 == "P" })
        let isRuneInt = t.hasPrefix("'")
        if n.isFloat && !isHexInt && !isRuneInt && t.contains(where: { ".eEpP".contains($0) }) {
            return .number(n.float64)
        }
        if n.isInt {
            return .int(Int(n.int64))
        }
        if n.isUint { throw fail("\(t) overflows int") }
        return .nil_
    }

    private mutating func evalVariable(_ dot: TemplateValue, _ v: Operand, _ args: [Operand], _ final: TemplateValue?) throws(Signal) -> TemplateValue {
        guard case .variable(let idents, _) = v else { return .nil_ }
        at = .operand(v)
        let value = try varValue(idents[0])
        if idents.count == 1 {
            try notAFunction(args, final)
            return value
        }
        return try evalFieldChain(dot, value, v, Array(idents.dropFirst()), args, final)
    }

    private mutating func evalChain(_ dot: TemplateValue, _ chain: Operand, _ node: Operand, _ fields: [String],
                                    _ args: [Operand], _ final: TemplateValue?) throws(Signal) -> TemplateValue {
        at = .operand(chain)
        if case .nil_ = node { throw fail("indirection through explicit nil in \(chain)") }
        let receiver = try evalArg(dot, nil, node)
        return try evalFieldChain(dot, receiver, chain, fields, args, final)
    }

    // MARK: Fields

    private mutating func evalFieldChain(_ dot: TemplateValue, _ receiver: TemplateValue, _ node: Operand,
                                         _ idents: [String], _ args: [Operand], _ final: TemplateValue?) throws(Signal) -> TemplateValue {
        var r = receiver
        var isInterface = false
        for ident in idents.dropLast() {
            (r, isInterface) = try evalField(dot, ident, [node], nil, r, isInterface)
        }
        return try evalField(dot, idents[idents.count - 1], args, final, r, isInterface).value
    }

    /// One `.Name` step: a method, a struct field or a map key.  The Bool says
    /// whether the result is an interface value (an element of map[string]interface{}).
    private mutating func evalField(_ dot: TemplateValue, _ fieldName: String, _ args: [Operand],
                                    _ final: TemplateValue?, _ receiver: TemplateValue,
                                    _ receiverIsInterface: Bool) throws(Signal) -> (value: TemplateValue, Bool) {
        let hasArgs = args.count > 1 || final != nil
        switch receiver {
        case .nil_:
            if receiverIsInterface { throw fail("nil pointer evaluating interface {}.\(fieldName)") }
            return (.nil_, false)
        case .time(let t):
            if let method = TemplateTime.method(fieldName) {
                let params = [ParamType](repeating: .string, count: method.arity)
                let fn = TemplateFunction(params) { argv, _ in method.call(t, argv) }
                return (try evalCall(dot, fn, at ?? .operand(args[0]), fieldName, Array(args.dropFirst()), final), false)
            }
        case .alertData(let d):
            if let field = d.fields.first(where: { $0.name == fieldName }) {
                if hasArgs { throw fail("\(fieldName) has arguments but cannot be invoked as function") }
                return (field.value, false)
            }
        case .querySample(let s):
            if fieldName == "Labels" || fieldName == "Value" {
                if hasArgs { throw fail("\(fieldName) has arguments but cannot be invoked as function") }
                return (fieldName == "Labels" ? .labels(s.labels) : .number(s.value), false)
            }
        case .labels(let m):
            if hasArgs { throw fail("\(fieldName) is not a method but has arguments") }
            return (.string(m[fieldName] ?? ""), false)
        case .map(let m):
            if hasArgs { throw fail("\(fieldName) is not a method but has arguments") }
            return (m[fieldName] ?? .nil_, true)
        default:
            break
        }
        let typeName = receiverIsInterface ? "interface {}" : receiver.goTypeName
        throw fail("can't evaluate field \(fieldName) in type \(typeName)")
    }

    // MARK: Variables

    private func varValue(_ name: String) throws(Signal) -> TemplateValue {
        for v in vars.reversed() where v.name == name { return v.value }
        throw fail("undefined variable: \(name)")
    }

    private mutating func setVar(_ name: String, _ value: TemplateValue) throws(Signal) {
        for i in vars.indices.reversed() where vars[i].name == name {
            vars[i].value = value
            return
        }
        throw fail("undefined variable: \(name)")
    }

    // MARK: Calls

    private mutating func evalFunction(_ dot: TemplateValue, _ ident: Operand, _ fname: String, _ node: At,
                                       _ args: [Operand], _ final: TemplateValue?) throws(Signal) -> TemplateValue {
        at = .operand(ident)
        guard let fn = TemplateFunctions.all[fname] else { throw fail("\(GoQuote.quote(fname)) is not a defined function") }
        return try evalCall(dot, fn, node, fname, args, final, builtinAndOr: fname == "and" || fname == "or")
    }

    private mutating func evalCall(_ dot: TemplateValue, _ fn: TemplateFunction, _ node: At, _ fname: String,
                                   _ args: [Operand], _ final: TemplateValue?,
                                   builtinAndOr: Bool = false) throws(Signal) -> TemplateValue {
        let numIn = args.count + (final != nil ? 1 : 0)
        var numFixed = args.count
        if fn.variadic != nil {
            numFixed = fn.params.count
            if numIn < numFixed {
                throw fail("wrong number of args for \(fname): want at least \(fn.params.count) got \(args.count)")
            }
        } else if numIn != fn.params.count {
            throw fail("wrong number of args for \(fname): want \(fn.params.count) got \(numIn)")
        }
        if builtinAndOr {
            // and/or stop at the first argument that decides the answer.
            var v: TemplateValue = .nil_
            for arg in args {
                v = try evalArg(dot, .value, arg)
                if v.isTrue == (fname == "or") { return v }
            }
            if let final { v = try validateType(final, .value, .invalid) }
            return v
        }
        var argv: [TemplateValue] = []
        var i = 0
        while i < numFixed && i < args.count {
            argv.append(try evalArg(dot, fn.params[i], args[i]))
            i += 1
        }
        if let vt = fn.variadic {
            while i < args.count {
                argv.append(try evalArg(dot, vt, args[i]))
                i += 1
            }
        }
        if let final {
            let t: ParamType
            if let vt = fn.variadic {
                t = numIn - 1 < numFixed ? fn.params[numIn - 1] : vt
            } else {
                t = fn.params[fn.params.count - 1]
            }
            argv.append(try validateType(final, t, .invalid))
        }
        do {
            return try fn.call(argv, context)
        } catch {
            at = node
            throw fail("error calling \(fname): \(error.message)")
        }
    }

    /// One argument, evaluated for a parameter of type `typ` (nil: no type to check).
    private mutating func evalArg(_ dot: TemplateValue, _ typ: ParamType?, _ n: Operand) throws(Signal) -> TemplateValue {
        at = .operand(n)
        switch n {
        case .dot:
            return try validateType(dot, typ, .invalid)
        case .nil_:
            if let typ, !typ.canBeNil { throw fail("cannot assign nil to \(typ.goName)") }
            return typ?.zero ?? .nil_
        case .field(let idents, _):
            at = .operand(n)
            return try validateType(try evalFieldChain(dot, dot, n, idents, [n], nil), typ, .interface)
        case .variable(let idents, _):
            return try validateType(try evalVariable(dot, n, [n], nil), typ, idents.count > 1 ? .interface : .invalid)
        case .pipe(let p):
            return try validateType(try evalPipeline(dot, p), typ, .invalid)
        case .identifier(let fname, _):
            return try validateType(try evalFunction(dot, n, fname, .operand(n), [], nil), typ, .interface)
        case .chain(let node, let fields, _):
            return try validateType(try evalChain(dot, n, node, fields, [n], nil), typ, .interface)
        case .bool(let b, _):
            switch typ {
            case .any, .value, nil: return .bool(b)
            case .string: throw fail("expected string; found \(n)")
            default: throw fail("can't handle \(n) for arg of type \(typ!.goName)")
            }
        case .number(let num, _):
            switch typ {
            case .any, .value, nil: return try idealConstant(num)
            case .string: throw fail("expected string; found \(n)")
            default: throw fail("can't handle \(n) for arg of type \(typ!.goName)")
            }
        case .string(let s, _, _):
            switch typ {
            case .any, .value, .string, nil: return .string(s)
            default: throw fail("can't handle \(n) for arg of type \(typ!.goName)")
            }
        }
    }

    /// Go's validateType: does the value fit the parameter?
    private func validateType(_ value: TemplateValue, _ typ: ParamType?, _ nilKind: NilKind) throws(Signal) -> TemplateValue {
        guard let typ else { return value }
        if case .nil_ = value {
            switch nilKind {
            case .invalid:
                if typ.canBeNil { return typ.zero }
                throw fail("invalid value; expected \(typ.goName)")
            case .interface:
                if typ == .any || typ == .value { return .nil_ }
                throw fail("wrong type for value; expected \(typ.goName); got interface {}")
            }
        }
        let ok: Bool
        switch (typ, value) {
        case (.any, _), (.value, _): ok = true
        case (.string, .string): ok = true
        case (.queryResult, .list): ok = true
        case (.sample, .querySample): ok = true
        default: ok = false
        }
        if !ok { throw fail("wrong type for value; expected \(typ.goName); got \(value.goTypeName)") }
        return value
    }
}
