// Random input must produce a value or an error, never a trap.

import Testing
import TestSupport
import Telemetry
@testable import PromQL

@Suite struct FuzzTests {
    static let fragments = [
        "rate(", "sum", " by ", " without ", "(", ")", "[", "]", "{", "}", "\"", "'", "`", ",", "=", "!=", "=~", "!~",
        "5m", "1h30m", "0x", "1e", "1e309", "-", "+", "*", "/", "%", "^", "==", ">", "<=", " bool ", " on(", " ignoring(",
        " and ", " or ", " unless ", " offset ", "foo", "m", "job", "__name__", "\\", "\\x", "\\u12", "NaN", "Inf",
        "topk(", "quantile(", "absent(", "time()", "é", "#", "\n", " ", "9999999999999999999999y", ":", "group_left",
        "[5m:1m]", "[1m:]", "group_right(", "0s", "1ms",
    ]

    @Test func randomFragmentsNeverTrap() {
        var rng = SplitMix64(state: 42)
        let engine = Engine(source: InMemorySeriesSource([
            series("foo", ["job": "a"], every15s(0, 600) { $0 }),
            series("m", ["job": "b"], every15s(0, 600) { -$0 }),
        ]))
        for _ in 0..<20_000 {
            let n = Int.random(in: 1...12, using: &rng)
            let text = (0..<n).map { _ in Self.fragments.randomElement(using: &rng)! }.joined()
            if let expr = try? Query.parse(text) {
                _ = try? engine.instant(expr, at: 300_000)
                _ = try? engine.range(expr, start: 0, end: 600_000, step: 60_000)
            }
        }
    }

    @Test func randomBytesNeverTrap() {
        var rng = SplitMix64(state: 7)
        for _ in 0..<20_000 {
            let n = Int.random(in: 0...24, using: &rng)
            let scalars = (0..<n).map { _ in Unicode.Scalar(UInt8.random(in: 0...127, using: &rng)) }
            _ = try? Query.parse(String(String.UnicodeScalarView(scalars)))
        }
    }

    @Test func theDeepestAcceptedTreesEvaluate() throws {
        let engine = Engine(source: InMemorySeriesSource([series("foo", every15s(0, 600) { $0 })]))
        for depth in [50, 100, 150, 190, 198] {
            let chain = "foo" + String(repeating: " + 1", count: depth)
            let nested = String(repeating: "abs(", count: depth) + "foo" + String(repeating: ")", count: depth)
            let sums = String(repeating: "sum(", count: depth / 2) + "foo" + String(repeating: ")", count: depth / 2)
            for text in [chain, nested, sums] {
                guard let expr = try? Query.parse(text) else { continue }
                _ = try engine.instant(expr, at: 300_000)
                _ = try engine.range(expr, start: 0, end: 600_000, step: 60_000)
            }
        }
    }

    @Test func nestedSubqueriesHitTheSampleLimit() throws {
        var engine = Engine(source: InMemorySeriesSource([series("foo", [(0, 1)])]))
        engine.maxSamples = 100_000
        #expect(throws: EvaluationError.self) { try engine.instant("max_over_time(vector(1)[1h:1ms])[1h:1ms]", at: 0) }
    }

    @Test func hugeParametersDoNotTrap() throws {
        let engine = Engine(source: InMemorySeriesSource([series("foo", [(0, 1)])]))
        for q in ["topk(1e300, foo)", "topk(NaN, foo)", "bottomk(-Inf, foo)", "quantile(NaN, foo)",
                  "foo offset 292y", "rate(foo[292y])", "predict_linear(foo[5m], Inf)", "foo[292y:1y]"] {
            _ = try? engine.instant(q, at: 0)
            _ = try? engine.instant(q, at: Int64.max)
            _ = try? engine.instant(q, at: Int64.min)
        }
    }

    /// Random expressions built from the grammar, so most of them parse and
    /// reach the evaluator with odd combinations of types and values.
    @Test func randomExpressionsEvaluateOrFailCleanly() {
        var rng = SplitMix64(state: 99)
        let engine = Engine(source: InMemorySeriesSource([
            series("foo", ["job": "a"], every15s(0, 900) { $0.truncatingRemainder(dividingBy: 100) }),
            series("foo", ["job": "b"], every15s(0, 900) { -$0 }),
            series("bar", ["job": "a", "le": "1"], every15s(0, 900) { $0 }),
            series("bar", ["job": "a", "le": "+Inf"], every15s(0, 900) { 2 * $0 }),
            series("m", [(300, .nan), (315, .infinity), (330, staleNaN)]),
        ]))
        func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }
        func vectorExpr(_ depth: Int) -> String {
            if depth <= 0 { return pick(["foo", "bar", "m", "foo{job=\"a\"}", "foo offset 1m", "bar @ 300", "nothing"]) }
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: return "\(pick(["rate", "irate", "delta", "deriv", "changes", "avg_over_time", "max_over_time", "stddev_over_time"]))(\(vectorExpr(0))[\(pick(["1m", "5m", "30s"]))])"
            case 1: return "\(pick(["sum", "avg", "min", "max", "count", "stddev", "group"])) by (job) (\(vectorExpr(depth - 1)))"
            case 2: return "\(pick(["topk", "bottomk", "quantile"]))(\(scalarExpr()), \(vectorExpr(depth - 1)))"
            case 3: return "\(vectorExpr(depth - 1)) \(pick(["+", "-", "*", "/", "%", "^", ">", "< bool", "and", "or", "unless", "atan2"])) \(pick([vectorExpr(depth - 1), scalarExpr()]))"
            case 4: return "\(pick(["abs", "ceil", "ln", "sqrt", "sgn", "timestamp", "absent", "sort", "hour"]))(\(vectorExpr(depth - 1)))"
            case 5: return "max_over_time((\(vectorExpr(depth - 1)))[\(pick(["2m", "5m"])):\(pick(["", "30s", "1m"]))])"
            case 6: return "histogram_quantile(\(scalarExpr()), \(vectorExpr(depth - 1)))"
            default: return "label_replace(\(vectorExpr(depth - 1)), \"x\", \"$1\", \"job\", \"(.*)\")"
            }
        }
        func scalarExpr() -> String { pick(["0", "1", "-1", "0.5", "2", "NaN", "Inf", "-Inf", "1e308", "time()", "scalar(foo)"]) }
        for _ in 0..<3_000 {
            let text = vectorExpr(Int.random(in: 0...3, using: &rng))
            guard let expr = try? Query.parse(text) else { continue }
            _ = try? engine.instant(expr, at: Int64.random(in: 0...1_000_000, using: &rng))
            _ = try? engine.range(expr, start: 0, end: 900_000, step: 97_000)
        }
    }
}
