// Evaluator tests on hand-made series, one behaviour per test.

import Testing
import Telemetry
@testable import PromQL

/// A series named `name` with `labels`, sampled at the given seconds.
func series(_ name: String, _ labels: [String: String] = [:], _ points: [(Double, Double)]) -> SourceSeries {
    SourceSeries(labels: Labels(labels).with("__name__", name),
                 timestamps: points.map { Int64($0.0 * 1000) }, values: points.map(\.1))
}

/// An unlabelled series.
func series(_ name: String, _ points: [(Double, Double)]) -> SourceSeries {
    series(name, [:], points)
}

/// Every 15 s from `from` to `to` seconds, value `f(t)`.
func every15s(_ from: Double, _ to: Double, _ f: (Double) -> Double) -> [(Double, Double)] {
    stride(from: from, through: to, by: 15).map { ($0, f($0)) }
}

/// Evaluates `query` at `seconds` and returns the vector as labels-description → value.
func vector(_ engine: Engine, _ query: String, at seconds: Double) throws -> [String: Double] {
    let value = try engine.instant(query, at: Int64(seconds * 1000))
    let v = try #require(value.vector, "\(query) did not give a vector")
    var out: [String: Double] = [:]
    for e in v { out[e.labels.description] = e.value }
    return out
}

@Suite struct EvaluatorTests {
    let counter = series("c_total", ["job": "a"], every15s(0, 600) { $0 })          // 1 per second
    let resets = series("r_total", ["job": "a"], [(0, 0), (15, 10), (30, 20), (45, 5), (60, 15)])
    let sparse = series("s_total", ["job": "a"], [(15, 10), (30, 20), (45, 30)])
    let line = series("g", ["job": "a"], every15s(0, 600) { 2 * $0 })
    var engine: Engine { Engine(source: InMemorySeriesSource([counter, resets, sparse, line])) }

    @Test func rateOfASteadyCounter() throws {
        #expect(try vector(engine, "rate(c_total[1m])", at: 300) == ["{job=\"a\"}": 1])
        #expect(try vector(engine, "increase(c_total[5m])", at: 300) == ["{job=\"a\"}": 300])
    }

    @Test func counterResetsAddTheLostValue() throws {
        // 15 - 0 + 20 lost at the reset.
        #expect(try vector(engine, "increase(r_total[1m])", at: 60) == ["{job=\"a\"}": 35])
    }

    @Test func extrapolationToTheWindowEdges() throws {
        // 20 over 30 s, extrapolated by 15 s at each end (less than 1.1 average intervals).
        #expect(try vector(engine, "increase(s_total[1m])", at: 60) == ["{job=\"a\"}": 40])
        #expect(try vector(engine, "delta(s_total[1m])", at: 60) == ["{job=\"a\"}": 40])
        // A window far larger than the data: only half an interval at each end.
        #expect(try vector(engine, "delta(s_total[10m])", at: 300) == ["{job=\"a\"}": 30])
    }

    @Test func counterIsNotExtrapolatedBelowZero() throws {
        let src = InMemorySeriesSource([series("z_total", [(30, 1), (45, 11), (60, 21)])])
        // Zero is reached 1.5 s before the first sample: extrapolate 1.5 s, not 30 s.
        let v = try vector(Engine(source: src), "increase(z_total[1m])", at: 60)
        #expect(Swift.abs(v["{}"]! - 21) < 1e-12)
    }

    @Test func irateAndIdelta() throws {
        #expect(try vector(engine, "irate(r_total[1m])", at: 60) == ["{job=\"a\"}": 10.0 / 15])
        #expect(try vector(engine, "irate(r_total[1m])", at: 45) == ["{job=\"a\"}": 5.0 / 15])
        #expect(try vector(engine, "idelta(r_total[1m])", at: 45) == ["{job=\"a\"}": -15])
    }

    @Test func derivAndPredictLinear() throws {
        #expect(try vector(engine, "deriv(g[5m])", at: 300) == ["{job=\"a\"}": 2])
        let p = try vector(engine, "predict_linear(g[5m], 60)", at: 300)
        #expect(Swift.abs(p["{job=\"a\"}"]! - 720) < 1e-9)
    }

    @Test func overTimeFunctions() throws {
        let src = InMemorySeriesSource([series("m", [(10, 1), (20, 4), (30, 2), (40, 3)])])
        let e = Engine(source: src)
        #expect(try vector(e, "avg_over_time(m[1m])", at: 40) == ["{}": 2.5])
        #expect(try vector(e, "min_over_time(m[1m])", at: 40) == ["{}": 1])
        #expect(try vector(e, "max_over_time(m[1m])", at: 40) == ["{}": 4])
        #expect(try vector(e, "sum_over_time(m[1m])", at: 40) == ["{}": 10])
        #expect(try vector(e, "count_over_time(m[1m])", at: 40) == ["{}": 4])
        #expect(try vector(e, "quantile_over_time(0.5, m[1m])", at: 40) == ["{}": 2.5])
        #expect(try vector(e, "stddev_over_time(m[1m])", at: 40) == ["{}": 1.25.squareRoot()])
        #expect(try vector(e, "count_over_time(m[20s])", at: 40) == ["{}": 3])   // both ends included
    }

    @Test func instantFunctions() throws {
        let src = InMemorySeriesSource([series("m", ["i": "1"], [(0, -3)]), series("m", ["i": "2"], [(0, 7)])])
        let e = Engine(source: src)
        #expect(try vector(e, "abs(m)", at: 10) == ["{i=\"1\"}": 3, "{i=\"2\"}": 7])
        #expect(try vector(e, "clamp_min(m, 0)", at: 10) == ["{i=\"1\"}": 0, "{i=\"2\"}": 7])
        #expect(try vector(e, "clamp_max(m, 5)", at: 10) == ["{i=\"1\"}": -3, "{i=\"2\"}": 5])
        #expect(try e.instant("time()", at: 123_456).scalar == 123.456)
        #expect(try vector(e, "absent(m)", at: 10) == [:])
        #expect(try vector(e, "absent(nope{job=\"x\", i=~\"1\"})", at: 10) == ["{job=\"x\"}": 1])
    }

    @Test func lookbackIncludesBothEnds() throws {
        let e = Engine(source: InMemorySeriesSource([series("m", [(0, 1)])]))
        #expect(try vector(e, "m", at: 300) == ["{__name__=\"m\"}": 1])
        #expect(try vector(e, "m", at: 300.001) == [:])
        #expect(try vector(e, "m offset 1m", at: 360) == ["{__name__=\"m\"}": 1])
    }

    @Test func stalenessMarkerEndsTheSeries() throws {
        let e = Engine(source: InMemorySeriesSource([series("m", [(0, 1), (15, 2), (30, staleNaN)])]))
        #expect(try vector(e, "m", at: 20) == ["{__name__=\"m\"}": 2])
        #expect(try vector(e, "m", at: 31) == [:])
        // Range selectors skip the marker.
        #expect(try vector(e, "count_over_time(m[1m])", at: 40) == ["{}": 2])
        // An ordinary NaN is a value, not a marker.
        let n = Engine(source: InMemorySeriesSource([series("m", [(0, Double.nan)])]))
        #expect(try vector(n, "m", at: 10)["{__name__=\"m\"}"]?.isNaN == true)
    }

    @Test func metricNameDroppedWhereValuesChangeMeaning() throws {
        let e = Engine(source: InMemorySeriesSource([series("m", ["a": "1"], [(0, 5)])]))
        #expect(try vector(e, "m > 1", at: 10) == ["{__name__=\"m\",a=\"1\"}": 5])
        #expect(try vector(e, "m + 1", at: 10) == ["{a=\"1\"}": 6])
        #expect(try vector(e, "m > bool 1", at: 10) == ["{a=\"1\"}": 1])
        #expect(try vector(e, "1 < m", at: 10) == ["{__name__=\"m\",a=\"1\"}": 5])   // keeps the vector's value
        #expect(try vector(e, "-m", at: 10) == ["{a=\"1\"}": -5])
    }

    @Test func vectorMatching() throws {
        let src = InMemorySeriesSource([
            series("req", ["job": "a", "code": "200"], [(0, 8)]),
            series("req", ["job": "a", "code": "500"], [(0, 2)]),
            series("req", ["job": "b", "code": "500"], [(0, 1)]),
            series("lim", ["job": "a"], [(0, 4)]),
        ])
        let e = Engine(source: src)
        #expect(try vector(e, "req{code=\"500\"} / ignoring(code) req{code=\"200\"}", at: 10) == ["{job=\"a\"}": 0.25])
        #expect(try vector(e, "req{code=\"500\"} / on(job) lim", at: 10) == ["{job=\"a\"}": 0.5])
        #expect(throws: EvaluationError.self) { try e.instant("lim / on(job) req", at: 10_000) }
        #expect(throws: EvaluationError.self) { try e.instant("req / on(job) lim", at: 10_000) }
    }

    @Test func groupLeftCopiesLabelsFromTheOneSide() throws {
        let src = InMemorySeriesSource([
            series("temp", ["host": "h1", "gpu": "0"], [(0, 50)]),
            series("temp", ["host": "h1", "gpu": "1"], [(0, 60)]),
            series("info", ["host": "h1", "zone": "eu"], [(0, 1)]),
        ])
        let e = Engine(source: src)
        #expect(try vector(e, "temp * on(host) group_left(zone) info", at: 10)
                == ["{gpu=\"0\",host=\"h1\",zone=\"eu\"}": 50, "{gpu=\"1\",host=\"h1\",zone=\"eu\"}": 60])
        #expect(try vector(e, "info * on(host) group_right temp", at: 10)
                == ["{gpu=\"0\",host=\"h1\"}": 50, "{gpu=\"1\",host=\"h1\"}": 60])
        // Without group_left the many side is an error.
        #expect(throws: EvaluationError.self) { try e.instant("temp * on(host) info", at: 10_000) }
    }

    @Test func subqueriesAlignStepsToAbsoluteTime() throws {
        // Steps at 60 s multiples in [t - 5m, t]: 60, 120, 180, 240, 300 for t = 300 s.
        let m = try engine.instant("g[4m:1m]", at: 300_000)
        guard case .matrix(let matrix) = m else { Issue.record("expected a matrix"); return }
        #expect(matrix.first?.points.map(\.t) == [60_000, 120_000, 180_000, 240_000, 300_000])
        let shifted = try engine.instant("g[4m:1m]", at: 290_000)
        guard case .matrix(let m2) = shifted else { Issue.record("expected a matrix"); return }
        #expect(m2.first?.points.map(\.t) == [60_000, 120_000, 180_000, 240_000])
        #expect(try vector(engine, "max_over_time(g[5m:1m])", at: 300) == ["{job=\"a\"}": 600])
        #expect(try vector(engine, "rate(c_total[5m:1m])", at: 300) == ["{job=\"a\"}": 1])
    }

    @Test func atModifierPinsTheEvaluationTime() throws {
        #expect(try vector(engine, "g @ 60", at: 600) == ["{__name__=\"g\",job=\"a\"}": 120])
        #expect(try vector(engine, "g @ 120 offset 1m", at: 600) == ["{__name__=\"g\",job=\"a\"}": 120])
        #expect(try vector(engine, "rate(c_total[1m] @ 120)", at: 600) == ["{job=\"a\"}": 1])
        let m = try engine.range("g @ start()", start: 60_000, end: 180_000, step: 60_000)
        #expect(m.first?.points.map(\.v) == [120, 120, 120])
        let e = try engine.range("g @ end()", start: 60_000, end: 180_000, step: 60_000)
        #expect(e.first?.points.map(\.v) == [360, 360, 360])
        #expect(throws: ParseError.self) { try Query.parse("sum(g) @ 1") }
        #expect(throws: ParseError.self) { try Query.parse("g @ 1 @ 2") }
        #expect(try Query.parse("g offset 5m @ 100.5").description == "g offset 5m @ 100.5")
    }

    @Test func setOperators() throws {
        let src = InMemorySeriesSource([
            series("x", ["i": "1"], [(0, 1)]), series("x", ["i": "2"], [(0, 2)]), series("y", ["i": "2"], [(0, 9)]),
            series("y", ["i": "3"], [(0, 9)]),
        ])
        let e = Engine(source: src)
        #expect(try vector(e, "x and y", at: 10) == ["{__name__=\"x\",i=\"2\"}": 2])
        #expect(try vector(e, "x unless y", at: 10) == ["{__name__=\"x\",i=\"1\"}": 1])
        #expect(try vector(e, "x or y", at: 10).count == 3)
    }

    @Test func aggregations() throws {
        let src = InMemorySeriesSource((0..<6).map { k in
            series("t", ["k": "\(k)", "even": k % 2 == 0 ? "y" : "n"], [(0, Double(k))])
        })
        let e = Engine(source: src)
        #expect(try vector(e, "sum(t)", at: 10) == ["{}": 15])
        #expect(try vector(e, "sum by (even) (t)", at: 10) == ["{even=\"y\"}": 6, "{even=\"n\"}": 9])
        #expect(try vector(e, "count without (k) (t)", at: 10) == ["{even=\"y\"}": 3, "{even=\"n\"}": 3])
        #expect(try vector(e, "avg(t)", at: 10) == ["{}": 2.5])
        #expect(try vector(e, "min(t)", at: 10) == ["{}": 0])
        #expect(try vector(e, "max(t) by (even)", at: 10) == ["{even=\"y\"}": 4, "{even=\"n\"}": 5])
        #expect(try vector(e, "quantile(0.5, t)", at: 10) == ["{}": 2.5])
        #expect(Set(try vector(e, "topk(2, t)", at: 10).values) == [4, 5])
        #expect(Set(try vector(e, "bottomk(2, t)", at: 10).values) == [0, 1])
        #expect(try vector(e, "topk(1, t) by (even)", at: 10).count == 2)
        #expect(try vector(e, "topk(0, t)", at: 10).isEmpty)
    }

    @Test func valuesPrintInLabelOrder() throws {
        let src = InMemorySeriesSource([series("m", ["i": "2"], [(0, 2.5)]), series("m", ["i": "1"], [(0, 1)])])
        #expect(try Engine(source: src).instant("m", at: 0).description == "{__name__=\"m\",i=\"1\"} 1\n{__name__=\"m\",i=\"2\"} 2.5")
        #expect(try Engine(source: src).instant("1/0", at: 0).description == "+Inf")
    }

    @Test func scalarArithmetic() throws {
        let e = Engine(source: InMemorySeriesSource([]))
        #expect(try e.instant("7 % 3", at: 0).scalar == 1)
        #expect(try e.instant("-7 % 3", at: 0).scalar == -1)
        #expect(try e.instant("1 / 0", at: 0).scalar == .infinity)
        #expect(try e.instant("3 == bool 3", at: 0).scalar == 1)
    }

    @Test func rangeQuery() throws {
        let m = try engine.range("rate(c_total[1m])", start: 120_000, end: 240_000, step: 60_000)
        #expect(m.count == 1)
        #expect(m.first?.points.map(\.t) == [120_000, 180_000, 240_000])
        #expect(m.first?.points.map(\.v) == [1, 1, 1])
        let s = try engine.range("time()", start: 0, end: 30_000, step: 15_000)
        #expect(s.first?.points.map(\.v) == [0, 15, 30])
        #expect(throws: EvaluationError.self) { try engine.range("c_total[1m]", start: 0, end: 1, step: 1) }
    }

    @Test func duplicateLabelSetsAfterDroppingNamesAreAnError() throws {
        let e = Engine(source: InMemorySeriesSource([series("a", [(0, 1)]), series("b", [(0, 2)])]))
        #expect(throws: EvaluationError.self) { try e.instant("{__name__=~\"a|b\"} + 1", at: 10_000) }
    }
}
