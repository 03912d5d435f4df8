// Aggregation operators: sum, avg, min, max, count, stddev, stdvar,
// topk, bottomk, quantile, grouped `by` or `without` labels.
//
// Each group's running value is updated in input order with the same
// formulas Prometheus uses (an incremental mean for avg, Welford for stddev)
// so rounding agrees. topk and bottomk keep a binary heap built exactly like
// Go's container/heap: which of several equal values survives depends on the
// heap's shape, and matching it makes ties come out as Prometheus's do.

import Foundation
import Telemetry

private struct Group {
    var labels: Labels
    var value: Double
    var mean: Double
    var count: Double
    var values: [Double] = []
    var heap: [VectorElement] = []
}

extension Engine {
    func aggregate(_ op: AggregationOp, _ expr: Expr, parameter: Expr?, grouping: [String], without: Bool, at t: Int64) throws -> [VectorElement] {
        let input = try evalVector(expr, at: t)
        var param = 0.0
        if let parameter, op.parameterType == .scalar { param = try evalScalar(parameter, at: t) }
        var k = 0
        if op == .topk || op == .bottomk {
            // Go converts out-of-range floats (NaN, huge values) to the minimum int64,
            // which then means "no results".
            guard param.isFinite, param > -9.2e18, param < 9.2e18, Int64(param) >= 1 else { return [] }
            k = Int(Swift.min(Int64(param), Int64(input.count) + 1))
        }
        var valueLabel: String?
        if op == .countValues, let parameter {
            let label = try evalString(parameter, at: t)
            guard isLabelName(label) else { throw EvaluationError("invalid label name \(quoteString(label))") }
            valueLabel = label
        }
        var names = Set(grouping)
        // count_values groups by its value label too (unless dropped by `without`).
        if let valueLabel, !without { names.insert(valueLabel) }
        let dropped = Set(grouping).union(["__name__"])
        var order: [Labels] = []
        var groups: [Labels: Group] = [:]
        for e in input {
            var labels = e.labels
            if let valueLabel { labels = labels.with(valueLabel, goFormatFloat(e.value)) }
            let key = without ? labels.removing(dropped) : labels.keeping(names)
            guard var g = groups[key] else {
                order.append(key)
                var g = Group(labels: key, value: e.value, mean: e.value, count: 1)
                if op == .stddev || op == .stdvar { g.value = 0 }
                if op == .quantile { g.values = [e.value] }
                if op == .topk || op == .bottomk { g.heap = [e] }
                groups[key] = g
                continue
            }
            groups[key] = nil  // avoid a copy while mutating
            switch op {
            case .sum: g.value += e.value
            case .count, .countValues: g.count += 1
            case .group: break
            case .avg:
                g.count += 1
                if g.mean.isInfinite {
                    if e.value.isInfinite && (g.mean > 0) == (e.value > 0) { break }
                    if !e.value.isInfinite && !e.value.isNaN { break }
                }
                // Dividing both terms keeps the running mean from overflowing.
                g.mean += e.value / g.count - g.mean / g.count
            case .min: if g.value > e.value || g.value.isNaN { g.value = e.value }
            case .max: if g.value < e.value || g.value.isNaN { g.value = e.value }
            case .stddev, .stdvar:
                g.count += 1
                let delta = e.value - g.mean
                g.mean += delta / g.count
                g.value += delta * (e.value - g.mean)
            case .quantile: g.values.append(e.value)
            case .topk, .bottomk:
                let less = heapOrder(op)
                if g.heap.count < k {
                    g.heap.append(e)
                    heapUp(&g.heap, g.heap.count - 1, less)
                } else if let top = g.heap.first, replacesTop(op, top.value, e.value) {
                    g.heap[0] = e
                    if k > 1 { heapFix(&g.heap, 0, less) }
                }
            }
            groups[key] = g
        }
        var out: [VectorElement] = []
        for key in order {
            guard let g = groups[key] else { continue }
            switch op {
            case .sum, .min, .max: out.append((g.labels, g.value))
            case .count, .countValues: out.append((g.labels, g.count))
            case .group: out.append((g.labels, 1))
            case .avg: out.append((g.labels, g.mean))
            case .stdvar: out.append((g.labels, g.value / g.count))
            case .stddev: out.append((g.labels, (g.value / g.count).squareRoot()))
            case .quantile: out.append((g.labels, quantile(param, g.values)))
            case .topk, .bottomk: out.append(contentsOf: g.heap)
            }
        }
        return out
    }
}

// Whether a new value displaces the heap's top once the heap holds k
// elements. A NaN on top is always displaced, even by another NaN: Prometheus
// 2.42 behaves so (checked against it: the last of several NaNs survives).
private func replacesTop(_ op: AggregationOp, _ top: Double, _ new: Double) -> Bool {
    let better = op == .topk ? top < new : top > new
    return better || top.isNaN
}

private func heapOrder(_ op: AggregationOp) -> (Double, Double) -> Bool {
    if op == .topk { return valueLess }
    return reverseValueLess
}

// Go's vectorByValueHeap.Less: NaN sorts below everything.
private func valueLess(_ a: Double, _ b: Double) -> Bool { a.isNaN ? true : a < b }
// Go's vectorByReverseValueHeap.Less.
private func reverseValueLess(_ a: Double, _ b: Double) -> Bool { a.isNaN ? true : a > b }

// container/heap's up and down, over element values.
private func heapUp(_ h: inout [VectorElement], _ start: Int, _ less: (Double, Double) -> Bool) {
    var j = start
    while j > 0 {
        let i = (j - 1) / 2
        guard less(h[j].value, h[i].value) else { break }
        h.swapAt(i, j)
        j = i
    }
}

private func heapDown(_ h: inout [VectorElement], _ start: Int, _ less: (Double, Double) -> Bool) -> Bool {
    var i = start
    let n = h.count
    while true {
        let j1 = 2 * i + 1
        if j1 >= n { break }
        var j = j1
        if j1 + 1 < n, less(h[j1 + 1].value, h[j1].value) { j = j1 + 1 }
        guard less(h[j].value, h[i].value) else { break }
        h.swapAt(i, j)
        i = j
    }
    return i > start
}

private func heapFix(_ h: inout [VectorElement], _ i: Int, _ less: (Double, Double) -> Bool) {
    if !heapDown(&h, i, less) { heapUp(&h, i, less) }
}

/// Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that read
/// back as `v`, in plain decimal notation; count_values uses it for label values.
func goFormatFloat(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    let sign = v.sign == .minus ? "-" : ""
    let text = "\(Swift.abs(v))"                       // shortest round-trip, maybe with e±NN
    let parts = text.split(separator: "e", maxSplits: 1)
    let mantissa = String(parts[0])
    let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    let pointIndex = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
    var digits = Array(mantissa.replacingOccurrences(of: ".", with: ""))
    var intLength = pointIndex + exponent
    while digits.count > 1, digits.first == "0", intLength > 1 { digits.removeFirst(); intLength -= 1 }
    var integer: String
    var fraction: String
    if intLength <= 0 {
        integer = "0"
        fraction = String(repeating: "0", count: -intLength) + String(digits)
    } else if intLength >= digits.count {
        integer = String(digits) + String(repeating: "0", count: intLength - digits.count)
        fraction = ""
    } else {
        integer = String(digits[..<intLength])
        fraction = String(digits[intLength...])
    }
    while fraction.hasSuffix("0") { fraction.removeLast() }
    if integer.isEmpty { integer = "0" }
    return sign + integer + (fraction.isEmpty ? "" : "." + fraction)
}
