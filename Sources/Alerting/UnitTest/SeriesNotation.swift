// The expanding notation of promtool's `input_series` values:
// `1 2 3`, `1+2x3` (1 3 5 7), `5-1x2` (5 4 3), `7x2` (7 7 7), `_` (no
// sample), `_x3` (three steps without samples), `stale` (a staleness
// marker), and several such segments in a row.

import Foundation
import PromQL
import Telemetry

/// One step of an input series: a value, or nothing at that step.
public enum SeriesStep: Sendable, Equatable {
    case value(Double)
    case omitted

    public static func == (a: SeriesStep, b: SeriesStep) -> Bool {
        switch (a, b) {
        case (.omitted, .omitted): return true
        case (.value(let x), .value(let y)): return x.bitPattern == y.bitPattern || x == y
        default: return false
        }
    }
}

public enum SeriesNotation {
    /// The most steps one series may expand to; the notation can ask for
    /// billions in a few characters (`0+1x9999999999`).
    public static let maxSteps = 1_000_000

    /// Expands a values string.
    public static func expand(_ text: String) throws(RuleError) -> [SeriesStep] {
        var steps: [SeriesStep] = []
        for item in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            steps += try expandItem(String(item))
            guard steps.count <= maxSteps else { throw RuleError("input series expands to more than \(maxSteps) samples") }
        }
        return steps
    }

    static func expandItem(_ item: String) throws(RuleError) -> [SeriesStep] {
        if item == "_" { return [.omitted] }
        if item.hasPrefix("_x") {
            let count = try repeatCount(String(item.dropFirst(2)), item)
            return Array(repeating: .omitted, count: count)
        }
        if item == "stale" { return [.value(staleNaN)] }
        // a, axN, a+bxN, a-bxN. The sign of b is found after the first
        // character (a may be negative) and not right after an exponent's e.
        guard let x = item.lastIndex(of: "x") else { return [.value(try number(item, item, specials: true))] }
        let head = String(item[..<x])
        let count = try repeatCount(String(item[item.index(after: x)...]), item)
        var splitAt: String.Index?
        var i = head.isEmpty ? head.endIndex : head.index(after: head.startIndex)
        while i < head.endIndex {
            let c = head[i]
            let previous = head[head.index(before: i)]
            if (c == "+" || c == "-") && previous != "e" && previous != "E" { splitAt = i }
            i = head.index(after: i)
        }
        var start: Double
        var increment = 0.0
        if let splitAt {
            start = try number(String(head[..<splitAt]), item, specials: false)
            increment = try number(String(head[splitAt...]), item, specials: false)
        } else {
            start = try number(head, item, specials: false)
        }
        var steps: [SeriesStep] = []
        steps.reserveCapacity(count + 1)
        // count + 1 values: the first is the start. Summed step by step, as
        // Prometheus does, so rounding matches.
        for _ in 0...count {
            steps.append(.value(start))
            start += increment
        }
        return steps
    }

    static func repeatCount(_ text: String, _ item: String) throws(RuleError) -> Int {
        guard let n = Int(text), n >= 0 else { throw RuleError("bad repeat count in \"\(item)\"") }
        guard n < maxSteps else { throw RuleError("input series expands to more than \(maxSteps) samples") }
        return n
    }

    /// A number; Inf and NaN only standing alone (promtool refuses `NaNx3`).
    static func number(_ text: String, _ item: String, specials: Bool) throws(RuleError) -> Double {
        if specials {
            switch text.lowercased() {
            case "inf", "+inf": return .infinity
            case "-inf": return -.infinity
            case "nan": return .nan
            default: break
            }
        }
        guard !text.isEmpty, let value = Double(text), text.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else {
            throw RuleError("bad value \"\(text)\" in \"\(item)\"")
        }
        return value
    }

    /// Parses a series name such as `up{job="api"}` into its labels, `__name__` included.
    public static func labels(of series: String) throws(RuleError) -> Labels {
        // promtool reads "" and "{}" as the empty label set (a scalar's result).
        let trimmed = series.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed == "{}" { return Labels() }
        let expr: Expr
        do { expr = try Query.parse(series) } catch { throw RuleError("bad series \"\(series)\": \(error)") }
        guard case .vectorSelector(let selector) = expr, selector.offset == 0, selector.at == nil else {
            throw RuleError("bad series \"\(series)\": expected a metric name and labels")
        }
        var pairs: [(String, String)] = []
        for matcher in selector.matchers {
            guard matcher.op == .equal else { throw RuleError("bad series \"\(series)\": only = matchers are allowed") }
            pairs.append((matcher.name, matcher.value))
        }
        return Labels(pairs)
    }
}
