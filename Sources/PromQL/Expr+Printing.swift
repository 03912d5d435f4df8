// Printing a syntax tree back as query text.
//
// The printed form parses back to the same tree: parentheses are kept as
// nodes by the parser, so printing needs no precedence logic of its own, and
// numbers print in Swift's shortest round-tripping form. Rule editors and
// error messages show queries this way, normalised (`sum by (job) (x)`).

extension Expr: CustomStringConvertible {
    /// The expression as PromQL text that parses back to the same tree.
    public var description: String {
        switch self {
        case .number(let n): return printNumber(n)
        case .string(let s): return quoteString(s)
        case .vectorSelector(let sel): return printSelector(sel) + printOffset(sel.offset) + printAt(sel.at)
        case .matrixSelector(let sel, let range):
            return printSelector(sel) + "[\(formatDuration(range))]" + printOffset(sel.offset) + printAt(sel.at)
        case .subquery(let inner, let range, let step, let offset, let at):
            return "\(inner)[\(formatDuration(range)):\(step.map(formatDuration) ?? "")]" + printOffset(offset) + printAt(at)
        case .call(let f, let args):
            return f.name + "(" + args.map(\.description).joined(separator: ", ") + ")"
        case .aggregate(let op, let e, let param, let grouping, let without):
            var text = op.rawValue
            if without || !grouping.isEmpty {
                text += (without ? " without (" : " by (") + grouping.joined(separator: ", ") + ") "
            }
            return text + "(" + (param.map { "\($0), " } ?? "") + e.description + ")"
        case .binary(let op, let l, let r, let matching, let bool):
            var text = "\(l) \(op.rawValue)"
            if bool { text += " bool" }
            if let m = matching {
                if m.on || !m.labels.isEmpty || m.cardinality != .oneToOne {
                    text += (m.on ? " on(" : " ignoring(") + m.labels.joined(separator: ", ") + ")"
                }
                switch m.cardinality {
                case .oneToOne: break
                case .manyToOne: text += " group_left(" + m.include.joined(separator: ", ") + ")"
                case .oneToMany: text += " group_right(" + m.include.joined(separator: ", ") + ")"
                }
            }
            return text + " \(r)"
        case .unary(let negate, let e): return (negate ? "-" : "+") + e.description
        case .paren(let e): return "(\(e))"
        }
    }
}

private func printNumber(_ n: Double) -> String {
    if n.isNaN { return "NaN" }
    if n.isInfinite { return n > 0 ? "Inf" : "-Inf" }
    if n == n.rounded(), Swift.abs(n) < 1e15 { return String(Int64(n)) }
    return "\(n)"
}

private func printSelector(_ sel: VectorSelector) -> String {
    let rest = sel.matchers.filter { !(sel.name != nil && $0.name == "__name__" && $0.op == .equal) }
    if let name = sel.name, rest.isEmpty { return name }
    return (sel.name ?? "") + "{" + rest.map(\.description).joined(separator: ", ") + "}"
}

private func printAt(_ at: AtModifier?) -> String {
    switch at {
    case nil: return ""
    case .start: return " @ start()"
    case .end: return " @ end()"
    case .timestamp(let ms): return " @ " + printNumber(Double(ms) / 1000)
    }
}

private func printOffset(_ offset: Int64) -> String {
    if offset == 0 { return "" }
    return offset < 0 ? " offset -\(formatDuration(0 &- offset))" : " offset \(formatDuration(offset))"
}

/// Formats milliseconds as a compound Prometheus duration (`1h30m`, `250ms`);
/// `0s` for zero.
public func formatDuration(_ ms: Int64) -> String {
    guard ms > 0 else { return "0s" }
    let units: [(String, Int64)] = [("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
                                    ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
    var rest = ms
    var text = ""
    for (unit, size) in units where rest >= size {
        text += "\(rest / size)\(unit)"
        rest %= size
    }
    return text
}
