// Functions that rewrite labels or read sample times: label_replace,
// label_join and timestamp.
//
// label_replace and label_join keep the metric name (they change identity,
// not meaning) and, like every function, must not produce two elements with
// one label set. Their errors use Prometheus's wording.

import Telemetry

extension Engine {
    /// label_replace(v, dst, replacement, src, regex): where the whole of
    /// `src` matches `regex`, set `dst` to the expanded replacement (removing
    /// it when that is empty); elements that do not match pass unchanged.
    func labelReplace(_ args: [Expr], at t: Int64) throws -> [VectorElement] {
        let vector = try evalVector(args[0], at: t)
        let dst = try evalString(args[1], at: t)
        let replacement = try evalString(args[2], at: t)
        let src = try evalString(args[3], at: t)
        let pattern = try evalString(args[4], at: t)
        guard let regex = AnchoredRegex(pattern) else {
            throw EvaluationError("invalid regular expression in label_replace(): \(pattern)")
        }
        guard isLabelName(dst) else { throw EvaluationError("invalid destination label name in label_replace(): \(dst)") }
        var out: [VectorElement] = []
        for e in vector {
            guard let groups = regex.groups(e.labels[src] ?? "") else {
                out.append(e)
                continue
            }
            let value = regex.expand(replacement, groups: groups)
            var dict = e.labels.dictionary
            dict[dst] = value.isEmpty ? nil : value
            out.append((Labels(dict), e.value))
        }
        try checkUniqueLabels(out)
        return out
    }

    /// label_join(v, dst, separator, src...): `dst` becomes the values of the
    /// source labels (missing ones empty) joined by `separator`.
    func labelJoin(_ args: [Expr], at t: Int64) throws -> [VectorElement] {
        let vector = try evalVector(args[0], at: t)
        let dst = try evalString(args[1], at: t)
        let separator = try evalString(args[2], at: t)
        var sources: [String] = []
        for arg in args.dropFirst(3) {
            let name = try evalString(arg, at: t)
            guard isLabelName(name) else { throw EvaluationError("invalid source label name in label_join(): \(name)") }
            sources.append(name)
        }
        guard isLabelName(dst) else { throw EvaluationError("invalid destination label name in label_join(): \(dst)") }
        var out: [VectorElement] = []
        for e in vector {
            let value = sources.map { e.labels[$0] ?? "" }.joined(separator: separator)
            var dict = e.labels.dictionary
            dict[dst] = value.isEmpty ? nil : value
            out.append((Labels(dict), e.value))
        }
        try checkUniqueLabels(out)
        return out
    }

    /// timestamp(v): the time of each sample in seconds. A selector's samples
    /// keep the time they were written at; any other expression's elements
    /// are stamped with the evaluation time, as in Prometheus.
    func timestamps(_ arg: Expr, at t: Int64) throws -> [VectorElement] {
        var inner = arg
        while case .paren(let e) = inner { inner = e }
        var out: [VectorElement] = []
        if case .vectorSelector(let sel) = inner {
            for e in try instantSelectWithTimes(sel, at: t) {
                out.append((e.labels.droppingName, Double(e.time) / 1000))
            }
        } else {
            out = try evalVector(arg, at: t).map { ($0.labels.droppingName, Double(t) / 1000) }
        }
        try checkUniqueLabels(out)
        return out
    }

    /// Like `instantSelect`, with the time of each chosen sample.
    func instantSelectWithTimes(_ sel: VectorSelector, at t: Int64) throws -> [(labels: Labels, time: Int64)] {
        let ref = referenceTime(at: sel.at, offset: sel.offset, t)
        var out: [(labels: Labels, time: Int64)] = []
        for s in try source.select(sel.matchers, from: ref &- lookbackDelta, through: ref) {
            var i = s.timestamps.count - 1
            while i >= 0, s.timestamps[i] > ref { i -= 1 }
            guard i >= 0, s.timestamps[i] >= ref &- lookbackDelta, !isStaleNaN(s.values[i]) else { continue }
            out.append((s.labels, s.timestamps[i]))
        }
        return out
    }

    /// Evaluates an expression the parser typed as a string.
    func evalString(_ expr: Expr, at t: Int64) throws -> String {
        guard case .string(let s) = try eval(expr, at: t) else {
            throw EvaluationError("expected string, got \(expr.type.rawValue)")
        }
        return s
    }
}
