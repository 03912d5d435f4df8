// A recursive-descent parser with precedence climbing for binary operators.
//
// Precedence and associativity follow Prometheus's grammar: `or` < `and`,
// `unless` < comparisons < `+ -` < `* / %` < `^`, all left-associative but
// `^`. Unary minus binds like `*` (the grammar's `%prec MUL`), so `-2 ^ 2` is
// `-(2 ^ 2)` while `-a * b` is `(-a) * b`. Types are checked while the tree is
// built, with the same messages Prometheus uses, so that every error carries
// the column of the offending token.

import Telemetry

/// A syntax or type error in a query, with the 1-based column where it was found.
public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based column (counted in Unicode scalars) of the offending token.
    public let column: Int
    /// What was wrong, e.g. `unexpected end of input, expected "]"`.
    public let message: String

    /// Creates an error.
    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    /// `column N: message`.
    public var description: String { "column \(column): \(message)" }
}

/// Entry point for parsing query text.
public enum Query {
    /// Parses and type-checks `text`; throws `ParseError` with the column of the problem.
    public static func parse(_ text: String) throws(ParseError) -> Expr {
        var parser = Parser(tokens: try tokenize(text))
        let expr = try parser.expression(minPrecedence: 1)
        guard parser.current.kind == .end else {
            throw parser.unexpected(expected: "an operator or end of input")
        }
        return expr
    }
}

private let aggregationNames = Set(AggregationOp.allCases.map(\.rawValue))
// Prometheus's grammar lets every keyword but `bool` name a metric in
// operand position (`sum`, `offset`, `and` are valid selectors there).
private let reservedWords: Set<String> = ["bool"]
private let maxDepth = 200

private struct Parser {
    let tokens: [Token]
    var index = 0
    var depth = 0

    init(tokens: [Token]) { self.tokens = tokens }

    var current: Token { tokens[Swift.min(index, tokens.count - 1)] }
    var nextToken: Token { tokens[Swift.min(index + 1, tokens.count - 1)] }

    mutating func advance() { if index < tokens.count - 1 { index += 1 } }

    func error(_ message: String, at token: Token? = nil) -> ParseError {
        ParseError(column: (token ?? current).position + 1, message: message)
    }

    func unexpected(expected: String) -> ParseError {
        error("unexpected \(current.display), expected \(expected)")
    }

    mutating func expect(_ kind: TokenKind, _ what: String) throws(ParseError) {
        guard current.kind == kind else { throw unexpected(expected: what) }
        advance()
    }

    /// The binary operator at the current token, if any.
    var binaryOperator: BinaryOp? {
        switch current.kind {
        case .op(let s): return BinaryOp(rawValue: s)
        case .identifier(let s) where s == "and" || s == "or" || s == "unless" || s == "atan2": return BinaryOp(rawValue: s)
        default: return nil
        }
    }

    mutating func expression(minPrecedence: Int) throws(ParseError) -> Expr {
        depth += 1
        defer { depth -= 1 }
        guard depth < maxDepth else { throw error("expression nested too deeply") }
        let lhsStart = current
        var lhs = try unary()
        // A chain `a + b + c ...` grows the tree without recursing here; count
        // it too, since evaluating and freeing the tree recurse over its height.
        let depthOnEntry = depth
        defer { depth = depthOnEntry }
        while let op = binaryOperator, op.precedence >= minPrecedence {
            depth += 1
            guard depth < maxDepth else { throw error("expression nested too deeply") }
            let opToken = current
            advance()
            var bool = false
            if case .identifier("bool") = current.kind {
                bool = true
                advance()
            }
            var matching: VectorMatching?
            if case .identifier(let word) = current.kind, word == "on" || word == "ignoring" {
                advance()
                matching = VectorMatching(on: word == "on", labels: try labelList())
                if case .identifier(let g) = current.kind, g == "group_left" || g == "group_right" {
                    advance()
                    matching?.cardinality = g == "group_left" ? .manyToOne : .oneToMany
                    if current.kind == .leftParen { matching?.include = try labelList() }
                    if op.isSetOperator { throw error("no grouping allowed for \"\(op.rawValue)\" operation", at: lhsStart) }
                    if let on = matching?.on, on, let m = matching,
                       let both = m.labels.first(where: { m.include.contains($0) }) {
                        throw error("label \(quoteString(both)) must not occur in ON and GROUP clause at once", at: opToken)
                    }
                }
            }
            let rhsStart = current
            let rhs = try expression(minPrecedence: op.isRightAssociative ? op.precedence : op.precedence + 1)
            try checkBinary(op, lhs, rhs, matching: matching, bool: bool, at: (lhsStart, opToken, rhsStart))
            lhs = .binary(op, lhs, rhs, matching: matching, bool: bool)
        }
        return lhs
    }

    /// Prometheus's checks, in its order; operator problems point at the
    /// operator, operand problems at the operand, the rest at the expression.
    func checkBinary(_ op: BinaryOp, _ lhs: Expr, _ rhs: Expr, matching: VectorMatching?, bool: Bool,
                     at tokens: (lhs: Token, op: Token, rhs: Token)) throws(ParseError) {
        let lt = lhs.type, rt = rhs.type
        if bool, !op.isComparison {
            throw error("bool modifier can only be used on comparison operators", at: tokens.op)
        }
        if op.isComparison, !bool, lt == .scalar, rt == .scalar {
            throw error("comparisons between scalars must use BOOL modifier", at: tokens.op)
        }
        guard lt == .scalar || lt == .instantVector else {
            throw error("binary expression must contain only scalar and instant vector types", at: tokens.lhs)
        }
        guard rt == .scalar || rt == .instantVector else {
            throw error("binary expression must contain only scalar and instant vector types", at: tokens.rhs)
        }
        if let matching, !matching.labels.isEmpty, lt == .scalar || rt == .scalar {
            throw error("vector matching only allowed between instant vectors", at: tokens.lhs)
        }
        if op.isSetOperator, lt == .scalar || rt == .scalar {
            throw error("set operator \"\(op.rawValue)\" not allowed in binary scalar expression", at: tokens.lhs)
        }
    }

    mutating func unary() throws(ParseError) -> Expr {
        if case .op(let s) = current.kind, s == "-" || s == "+" {
            let token = current
            advance()
            // Operand binds only `^` more tightly than the sign (precedence of `*` + 1).
            let operand = try expression(minPrecedence: BinaryOp.pow.precedence)
            guard operand.type == .scalar || operand.type == .instantVector else {
                throw error("unary expression only allowed on expressions of type scalar or instant vector", at: token)
            }
            if case .number(let n) = operand { return .number(s == "-" ? -n : n) }
            return .unary(negate: s == "-", operand)
        }
        let start = current
        return try postfix(try primary(), start: start)
    }

    /// Range brackets, subquery brackets and `offset` after an operand.
    mutating func postfix(_ base: Expr, start: Token) throws(ParseError) -> Expr {
        var expr = base
        let depthOnEntry = depth
        defer { depth = depthOnEntry }
        while true {
            if current.kind == .leftBracket {
                depth += 1   // subqueries of subqueries nest the tree
                guard depth < maxDepth else { throw error("expression nested too deeply") }
                let bracket = current
                advance()
                guard case .duration(let range) = current.kind else { throw unexpected(expected: "a duration") }
                guard range > 0 else { throw error("range must be greater than zero") }
                advance()
                if current.kind == .colon {
                    advance()
                    var step: Int64?
                    if case .duration(let d) = current.kind {
                        guard d > 0 else { throw error("subquery step must be greater than zero") }
                        step = d
                        advance()
                    }
                    try expect(.rightBracket, "\"]\"")
                    guard expr.type == .instantVector else {
                        throw error("subquery is only allowed on instant vector, got \(expr.type.rawValue) instead", at: start)
                    }
                    expr = .subquery(expr, range: range, step: step, offset: 0, at: nil)
                    continue
                }
                try expect(.rightBracket, "\"]\"")
                guard case .vectorSelector(let sel) = expr else {
                    throw error("ranges only allowed for vector selectors", at: bracket)
                }
                expr = .matrixSelector(sel, range: range)
            } else if case .identifier("offset") = current.kind {
                advance()
                var sign: Int64 = 1
                if case .op("-") = current.kind { sign = -1; advance() }
                guard case .duration(let d) = current.kind else { throw unexpected(expected: "a duration") }
                advance()
                switch expr {
                case .vectorSelector(let sel) where sel.offset != 0, .matrixSelector(let sel, _) where sel.offset != 0:
                    throw error("offset may not be set multiple times", at: start)
                case .subquery(_, _, _, let offset, _) where offset != 0:
                    throw error("offset may not be set multiple times", at: start)
                case .vectorSelector(var sel):
                    sel.offset = sign * d
                    expr = .vectorSelector(sel)
                case .matrixSelector(var sel, let range):
                    sel.offset = sign * d
                    expr = .matrixSelector(sel, range: range)
                case .subquery(let inner, let range, let step, _, let at):
                    expr = .subquery(inner, range: range, step: step, offset: sign * d, at: at)
                default:
                    throw error("offset modifier must be preceded by an instant vector selector or range vector selector or a subquery", at: start)
                }
            } else if current.kind == .at {
                advance()
                let modifier = try atModifier(start: start)
                switch expr {
                case .vectorSelector(let sel) where sel.at != nil, .matrixSelector(let sel, _) where sel.at != nil:
                    throw error("@ <timestamp> may not be set multiple times", at: start)
                case .subquery(_, _, _, _, .some):
                    throw error("@ <timestamp> may not be set multiple times", at: start)
                case .vectorSelector(var sel):
                    sel.at = modifier
                    expr = .vectorSelector(sel)
                case .matrixSelector(var sel, let range):
                    sel.at = modifier
                    expr = .matrixSelector(sel, range: range)
                case .subquery(let inner, let range, let step, let offset, _):
                    expr = .subquery(inner, range: range, step: step, offset: offset, at: modifier)
                default:
                    throw error("@ modifier must be preceded by an instant vector selector or range vector selector or a subquery", at: start)
                }
            } else {
                return expr
            }
        }
    }

    /// What follows `@`: a number of seconds (optionally signed), `start()` or `end()`.
    mutating func atModifier(start: Token) throws(ParseError) -> AtModifier {
        if case .identifier(let word) = current.kind, word == "start" || word == "end" {
            advance()
            try expect(.leftParen, "\"(\"")
            try expect(.rightParen, "\")\"")
            return word == "start" ? .start : .end
        }
        var sign = 1.0
        if case .op(let s) = current.kind, s == "-" || s == "+" {
            sign = s == "-" ? -1 : 1
            advance()
        }
        let n: Double
        switch current.kind {
        case .number(let value): n = value
        case .identifier(let word) where ["inf", "nan"].contains(word.lowercased()):
            n = word.lowercased() == "inf" ? .infinity : .nan
        default: throw unexpected(expected: "a timestamp, start() or end()")
        }
        advance()
        let ms = (sign * n * 1000).rounded()
        guard ms.isFinite, ms > -9.2e18, ms < 9.2e18 else {
            throw error("timestamp out of bounds for @ modifier: \(formatNumber(sign * n))", at: start)
        }
        return .timestamp(Int64(ms))
    }

    mutating func primary() throws(ParseError) -> Expr {
        let token = current
        switch token.kind {
        case .number(let n):
            advance()
            return .number(n)
        case .string(let s):
            advance()
            return .string(s)
        case .leftParen:
            advance()
            let inner = try expression(minPrecedence: 1)
            try expect(.rightParen, "\")\"")
            return .paren(inner)
        case .leftBrace:
            return .vectorSelector(try selector(name: nil, at: token))
        case .identifier(let word):
            let lower = word.lowercased()
            if lower == "inf" || lower == "nan" {
                advance()
                return .number(lower == "inf" ? .infinity : .nan)
            }
            if aggregationNames.contains(word), nextToken.kind == .leftParen
                || nextToken.kind == .identifier("by") || nextToken.kind == .identifier("without") {
                return try aggregation()
            }
            if nextToken.kind == .leftParen { return try call() }
            if reservedWords.contains(word) {
                throw unexpected(expected: "an expression")
            }
            advance()
            return .vectorSelector(try selector(name: word, at: token))
        case .end:
            throw unexpected(expected: "an expression")
        default:
            throw unexpected(expected: "an expression")
        }
    }

    mutating func selector(name: String?, at start: Token) throws(ParseError) -> VectorSelector {
        var matchers: [LabelMatcher] = []
        if let name { matchers.append(try makeMatcher("__name__", "=", name, at: start)) }
        if current.kind == .leftBrace {
            advance()
            while current.kind != .rightBrace {
                let labelToken = current
                guard case .identifier(let label) = current.kind else { throw unexpected(expected: "a label name or \"}\"") }
                guard isLabelName(label) else { throw error("invalid label name \"\(label)\"") }
                advance()
                guard case .op(let op) = current.kind, ["=", "!=", "=~", "!~"].contains(op) else {
                    throw unexpected(expected: "a label matching operator (=, !=, =~, !~)")
                }
                advance()
                guard case .string(let value) = current.kind else { throw unexpected(expected: "a quoted label value") }
                advance()
                if label == "__name__", name != nil {
                    throw error("metric name must not be set twice: \(quoteString(name ?? "")) or \(quoteString(value))", at: labelToken)
                }
                matchers.append(try makeMatcher(label, op, value, at: labelToken))
                if current.kind == .comma { advance() } else if current.kind != .rightBrace {
                    throw unexpected(expected: "\",\" or \"}\"")
                }
            }
            advance()
        }
        // Prometheus refuses selectors that would match every series.
        guard matchers.contains(where: { !$0.matches("") }) else {
            throw error("vector selector must contain at least one non-empty matcher", at: start)
        }
        return VectorSelector(name: name, matchers: matchers, offset: 0)
    }

    func makeMatcher(_ name: String, _ op: String, _ value: String, at token: Token) throws(ParseError) -> LabelMatcher {
        do {
            return try LabelMatcher(name, LabelMatcher.Op(rawValue: op) ?? .equal, value)
        } catch {
            throw self.error("\(error)", at: token)
        }
    }

    /// `(a, b, ...)` as written after by, without, on, ignoring.
    mutating func labelList() throws(ParseError) -> [String] {
        try expect(.leftParen, "\"(\"")
        var labels: [String] = []
        while current.kind != .rightParen {
            guard case .identifier(let label) = current.kind else { throw unexpected(expected: "a label name or \")\"") }
            guard isLabelName(label) else { throw error("invalid label name \"\(label)\"") }
            labels.append(label)
            advance()
            if current.kind == .comma { advance() } else if current.kind != .rightParen {
                throw unexpected(expected: "\",\" or \")\"")
            }
        }
        advance()
        return labels
    }

    mutating func grouping() throws(ParseError) -> (labels: [String], without: Bool)? {
        guard case .identifier(let word) = current.kind, word == "by" || word == "without" else { return nil }
        advance()
        return (try labelList(), word == "without")
    }

    mutating func aggregation() throws(ParseError) -> Expr {
        let token = current
        guard case .identifier(let name) = token.kind, let op = AggregationOp(rawValue: name) else {
            throw unexpected(expected: "an aggregation")
        }
        advance()
        let before = try grouping()
        let argsStart = current
        let (args, starts) = try arguments()
        var group = before
        if let after = try grouping() {
            guard before == nil else { throw error("duplicate grouping clause") }
            group = after
        }
        let expectedCount = op.takesParameter ? 2 : 1
        guard args.count == expectedCount else {
            throw error("wrong number of arguments for aggregate expression provided, expected \(expectedCount), got \(args.count)", at: argsStart)
        }
        let vector = args[expectedCount - 1]
        guard vector.type == .instantVector else {
            throw error("expected type instant vector in aggregation expression, got \(vector.type.rawValue)", at: starts[expectedCount - 1])
        }
        let parameter = op.takesParameter ? args[0] : nil
        if let parameter, let type = op.parameterType, parameter.type != type {
            throw error("expected type \(type.rawValue) in aggregation parameter, got \(parameter.type.rawValue)", at: starts[0])
        }
        return .aggregate(op, vector, parameter: parameter, grouping: group?.labels ?? [], without: group?.without ?? false)
    }

    mutating func call() throws(ParseError) -> Expr {
        let token = current
        guard case .identifier(let name) = token.kind else { throw unexpected(expected: "a function name") }
        guard let function = Function(rawValue: name) else {
            throw error("unknown function with name \(quoteString(name))")
        }
        advance()
        let (args, starts) = try arguments()
        let types = function.argumentTypes
        if function.variadic == 0 {
            guard args.count == types.count else {
                throw error("expected \(types.count) argument(s) in call to \(quoteString(name)), got \(args.count)", at: token)
            }
        } else if args.count < types.count - 1 {
            throw error("expected at least \(types.count - 1) argument(s) in call to \(quoteString(name)), got \(args.count)", at: token)
        } else if function.variadic > 0, args.count > types.count - 1 + function.variadic {
            throw error("expected at most \(types.count - 1 + function.variadic) argument(s) in call to \(quoteString(name)), got \(args.count)", at: token)
        }
        for (i, arg) in args.enumerated() {
            let type = types[Swift.min(i, types.count - 1)]
            guard arg.type == type else {
                throw error("expected type \(type.rawValue) in call to function \(quoteString(name)), got \(arg.type.rawValue)", at: starts[i])
            }
        }
        return .call(function, args)
    }

    /// `( expr, expr, ... )`, with the first token of each argument for error columns.
    mutating func arguments() throws(ParseError) -> (args: [Expr], starts: [Token]) {
        try expect(.leftParen, "\"(\"")
        var args: [Expr] = []
        var starts: [Token] = []
        while current.kind != .rightParen {
            starts.append(current)
            args.append(try expression(minPrecedence: 1))
            if current.kind == .comma {
                advance()
                guard current.kind != .rightParen else { throw unexpected(expected: "an expression") }
            } else if current.kind != .rightParen {
                throw unexpected(expected: "\",\" or \")\"")
            }
        }
        advance()
        return (args, starts)
    }
}

/// Label names are identifiers without colons (colons are for metric names).
func isLabelName(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, isLetter(first) || first == "_" else { return false }
    return s.unicodeScalars.allSatisfy { isLetter($0) || isDigit($0) || $0 == "_" }
}
