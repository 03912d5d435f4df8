// Binary operators between scalars and vectors.
//
// The rules are Prometheus's: arithmetic drops the metric name; a comparison
// without `bool` filters and keeps the vector's own value (even when the
// vector is on the right); with `bool` it yields 0 or 1 and drops the name.
// Vectors pair one-to-one on their labels minus the metric name, or on the
// labels an `on(...)`/`ignoring(...)` clause selects; a label set that occurs
// twice on the right is an error, and so is one that pairs twice on the left.

import Foundation
import Telemetry

extension Engine {
    func binary(_ op: BinaryOp, _ lhsExpr: Expr, _ rhsExpr: Expr, matching: VectorMatching?, bool: Bool, at t: Int64) throws -> Value {
        let lhs = try eval(lhsExpr, at: t)
        let rhs = try eval(rhsExpr, at: t)
        switch (lhs, rhs) {
        case (.scalar(let l), .scalar(let r)):
            let (value, keep) = elementOp(op, l, r)
            return .scalar(op.isComparison ? (keep ? 1 : 0) : value)
        case (.vector(let v), .scalar(let s)):
            return .vector(try vectorScalar(op, v, s, vectorOnLeft: true, bool: bool))
        case (.scalar(let s), .vector(let v)):
            return .vector(try vectorScalar(op, v, s, vectorOnLeft: false, bool: bool))
        case (.vector(let l), .vector(let r)):
            let m = matching ?? VectorMatching()
            switch op {
            case .and: return .vector(setAnd(l, r, m, keepMatches: true))
            case .unless: return .vector(setAnd(l, r, m, keepMatches: false))
            case .or: return .vector(setOr(l, r, m))
            default: return .vector(try vectorVector(op, l, r, m, bool: bool))
            }
        default:
            throw EvaluationError("binary expression must contain only scalar and instant vector types")
        }
    }

    func vectorScalar(_ op: BinaryOp, _ vector: [VectorElement], _ scalar: Double, vectorOnLeft: Bool, bool: Bool) throws -> [VectorElement] {
        var out: [VectorElement] = []
        for e in vector {
            let (l, r) = vectorOnLeft ? (e.value, scalar) : (scalar, e.value)
            var (value, keep) = elementOp(op, l, r)
            // A comparison keeps the vector's value, whichever side it is on.
            if op.isComparison, !vectorOnLeft { value = r }
            if bool { value = keep ? 1 : 0; keep = true }
            guard keep else { continue }
            let labels = (op.dropsMetricName || bool) ? e.labels.droppingName : e.labels
            out.append((labels, value))
        }
        try checkUniqueLabels(out)
        return out
    }

    func vectorVector(_ op: BinaryOp, _ lhsIn: [VectorElement], _ rhsIn: [VectorElement], _ matching: VectorMatching, bool: Bool) throws -> [VectorElement] {
        // The right side is always the "one" side; group_right swaps the operands
        // for matching and swaps the values back for the operation.
        let swapped = matching.cardinality == .oneToMany
        let (lhs, rhs) = swapped ? (rhsIn, lhsIn) : (lhsIn, rhsIn)
        let signature = signatureFunction(matching)
        var right: [Labels: VectorElement] = [:]
        for r in rhs {
            let sig = signature(r.labels)
            if let dup = right[sig] {
                throw EvaluationError("found duplicate series for the match group \(sig) on the \(swapped ? "left" : "right") hand-side of the operation: [\(r.labels), \(dup.labels)];many-to-many matching not allowed: matching labels must be unique on one side")
            }
            right[sig] = r
        }
        var matchedSignatures = Set<Labels>()
        var inserted = Set<Labels>()
        var out: [VectorElement] = []
        for l in lhs {
            let sig = signature(l.labels)
            guard let r = right[sig] else { continue }
            let (a, b) = swapped ? (r.value, l.value) : (l.value, r.value)
            var (value, keep) = elementOp(op, a, b)
            if bool { value = keep ? 1 : 0 } else if !keep { continue }
            let labels = resultLabels(l.labels, one: r.labels, op, matching, bool: bool)
            if matching.cardinality == .oneToOne {
                guard matchedSignatures.insert(sig).inserted else {
                    throw EvaluationError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
                }
            } else if !inserted.insert(labels).inserted {
                throw EvaluationError("multiple matches for labels: grouping labels must ensure unique matches")
            }
            out.append((labels, value))
        }
        try checkUniqueLabels(out)
        return out
    }

    /// The labels of a result element: the "many" side's labels, without the
    /// name where the value changed meaning, narrowed by on/ignoring for
    /// one-to-one matching, plus the group_x labels copied from the "one" side.
    func resultLabels(_ many: Labels, one: Labels, _ op: BinaryOp, _ matching: VectorMatching, bool: Bool) -> Labels {
        var labels = many
        if op.dropsMetricName { labels = labels.droppingName }
        if matching.cardinality == .oneToOne {
            labels = matching.on ? labels.keeping(Set(matching.labels)) : labels.removing(Set(matching.labels))
        }
        if !matching.include.isEmpty {
            var dict = labels.dictionary
            for name in matching.include {
                if let v = one[name], !v.isEmpty { dict[name] = v } else { dict[name] = nil }
            }
            labels = Labels(dict)
        }
        return bool ? labels.droppingName : labels
    }

    /// `and` (keepMatches) keeps left elements whose signature occurs on the
    /// right; `unless` keeps those whose signature does not.
    func setAnd(_ lhs: [VectorElement], _ rhs: [VectorElement], _ matching: VectorMatching, keepMatches: Bool) -> [VectorElement] {
        let signature = signatureFunction(matching)
        let right = Set(rhs.map { signature($0.labels) })
        return lhs.filter { right.contains(signature($0.labels)) == keepMatches }
    }

    /// `or`: every left element, then right elements whose signature the left lacks.
    func setOr(_ lhs: [VectorElement], _ rhs: [VectorElement], _ matching: VectorMatching) -> [VectorElement] {
        let signature = signatureFunction(matching)
        let left = Set(lhs.map { signature($0.labels) })
        return lhs + rhs.filter { !left.contains(signature($0.labels)) }
    }

    /// The labels two elements must share to pair: the `on` list, or all but
    /// the `ignoring` list and the metric name.
    func signatureFunction(_ matching: VectorMatching) -> (Labels) -> Labels {
        let names = Set(matching.labels)
        if matching.on { return { $0.keeping(names) } }
        let ignored = names.union(["__name__"])
        return { $0.removing(ignored) }
    }
}

/// One operation on two numbers. For comparisons the value is the left
/// operand and the flag says whether the comparison holds; for arithmetic the
/// flag is always true.
func elementOp(_ op: BinaryOp, _ l: Double, _ r: Double) -> (Double, Bool) {
    switch op {
    case .add: return (l + r, true)
    case .sub: return (l - r, true)
    case .mul: return (l * r, true)
    case .div: return (l / r, true)
    case .mod: return (fmod(l, r), true)
    case .pow: return (pow(l, r), true)
    case .atan2: return (Foundation.atan2(l, r), true)
    case .eql: return (l, l == r)
    case .neq: return (l, l != r)
    case .gtr: return (l, l > r)
    case .lss: return (l, l < r)
    case .gte: return (l, l >= r)
    case .lte: return (l, l <= r)
    case .and, .or, .unless: return (l, true)
    }
}
