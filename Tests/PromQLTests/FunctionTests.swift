// Tests of the math, label, histogram and counting functions on hand-made series.

import Testing
import Telemetry
@testable import PromQL

@Suite struct FunctionTests {
    let engine = Engine(source: InMemorySeriesSource([
        series("g", ["i": "1"], [(0, 2.25)]),
        series("g", ["i": "2"], [(0, -7.5)]),
        series("flip", [(0, 1), (15, 2), (30, 2), (45, 1), (60, 3)]),
        series("up", ["job": "api", "instance": "a"], [(0, 1)]),
        series("up", ["job": "web", "instance": "b"], [(0, 1)]),
        series("h_bucket", ["le": "1"], [(0, 10)]),
        series("h_bucket", ["le": "2"], [(0, 30)]),
        series("h_bucket", ["le": "+Inf"], [(0, 40)]),
        series("late", [(7.5, 1)]),
    ]))

    @Test func mathFunctionsDropTheName() throws {
        #expect(try vector(engine, "ceil(g)", at: 10) == ["{i=\"1\"}": 3, "{i=\"2\"}": -7])
        #expect(try vector(engine, "floor(g)", at: 10) == ["{i=\"1\"}": 2, "{i=\"2\"}": -8])
        #expect(try vector(engine, "sgn(g)", at: 10) == ["{i=\"1\"}": 1, "{i=\"2\"}": -1])
        #expect(try vector(engine, "sqrt(g{i=\"1\"})", at: 10) == ["{i=\"1\"}": 1.5])
        #expect(try vector(engine, "log2(g{i=\"1\"} * 0 + 8)", at: 10) == ["{i=\"1\"}": 3])
        #expect(try vector(engine, "log10(g{i=\"1\"} * 0 + 1000)", at: 10) == ["{i=\"1\"}": 3])
        #expect(try vector(engine, "exp(ln(g{i=\"1\"}))", at: 10)["{i=\"1\"}"].map { Swift.abs($0 - 2.25) < 1e-12 } == true)
    }

    @Test func roundHalfUpToANearestMultiple() throws {
        #expect(try vector(engine, "round(g)", at: 10) == ["{i=\"1\"}": 2, "{i=\"2\"}": -7])   // -7.5 rounds up
        #expect(try vector(engine, "round(g, 0.5)", at: 10) == ["{i=\"1\"}": 2.5, "{i=\"2\"}": -7.5])
        #expect(throws: ParseError.self) { try Query.parse("round(g, 1, 2)") }
    }

    @Test func clampBetweenBounds() throws {
        #expect(try vector(engine, "clamp(g, -1, 1)", at: 10) == ["{i=\"1\"}": 1, "{i=\"2\"}": -1])
        #expect(try vector(engine, "clamp(g, 1, -1)", at: 10) == [:])      // max < min: nothing
    }

    @Test func changesAndResets() throws {
        #expect(try vector(engine, "changes(flip[1m])", at: 60) == ["{}": 3])
        #expect(try vector(engine, "resets(flip[1m])", at: 60) == ["{}": 1])
    }

    @Test func absentAndPresentOverTime() throws {
        #expect(try vector(engine, "absent_over_time(nope{job=\"x\"}[5m])", at: 10) == ["{job=\"x\"}": 1])
        #expect(try vector(engine, "absent_over_time(up[5m])", at: 10) == [:])
        #expect(try vector(engine, "present_over_time(up[5m])", at: 10).count == 2)
    }

    @Test func timestampOfASelectorIsTheSampleTime() throws {
        #expect(try vector(engine, "timestamp(late)", at: 100) == ["{}": 7.5])
        #expect(try vector(engine, "timestamp(sum(late))", at: 100) == ["{}": 100])
    }

    @Test func labelReplaceExpandsGroups() throws {
        #expect(try vector(engine, "label_replace(up, \"dst\", \"$1-${2}\", \"job\", \"(a)(p)i\")", at: 10)
                == ["{__name__=\"up\",dst=\"a-p\",instance=\"a\",job=\"api\"}": 1, "{__name__=\"up\",instance=\"b\",job=\"web\"}": 1])
        #expect(try vector(engine, "label_replace(up, \"dst\", \"$n\", \"job\", \"(?P<n>w)eb\")", at: 10)["{__name__=\"up\",dst=\"w\",instance=\"b\",job=\"web\"}"] == 1)
        // An empty result removes the label; a name that is not a group expands to nothing.
        #expect(try vector(engine, "label_replace(up, \"job\", \"$1x\", \"job\", \"(.*)\")", at: 10).keys.sorted()
                == ["{__name__=\"up\",instance=\"a\"}", "{__name__=\"up\",instance=\"b\"}"])
        #expect(throws: EvaluationError.self) { try engine.instant("label_replace(up, \"1x\", \"\", \"job\", \".*\")", at: 10_000) }
        #expect(throws: EvaluationError.self) { try engine.instant("label_replace(g, \"i\", \"\", \"i\", \".*\")", at: 10_000) }
    }

    @Test func labelJoinConcatenates() throws {
        #expect(try vector(engine, "label_join(up, \"x\", \"/\", \"job\", \"instance\", \"missing\")", at: 10)
                == ["{__name__=\"up\",instance=\"a\",job=\"api\",x=\"api/a/\"}": 1, "{__name__=\"up\",instance=\"b\",job=\"web\",x=\"web/b/\"}": 1])
    }

    @Test func histogramQuantileInterpolatesWithinABucket() throws {
        // Rank 20 of 40 falls in (1, 2]: 10 below, 20 inside, so halfway.
        #expect(try vector(engine, "histogram_quantile(0.5, h_bucket)", at: 10) == ["{}": 1.5])
        // Beyond the last finite bucket: its upper bound.
        #expect(try vector(engine, "histogram_quantile(0.99, h_bucket)", at: 10) == ["{}": 2])
        #expect(try vector(engine, "histogram_quantile(2, h_bucket)", at: 10) == ["{}": .infinity])
        #expect(try vector(engine, "histogram_quantile(0.5, h_bucket{le!=\"+Inf\"})", at: 10)["{}"]?.isNaN == true)
    }

    @Test func sortOrdersByValue() throws {
        let v = try #require(try engine.instant("sort_desc(g)", at: 10_000).vector)
        #expect(v.map(\.value) == [2.25, -7.5])
        let w = try #require(try engine.instant("sort(g)", at: 10_000).vector)
        #expect(w.map(\.value) == [-7.5, 2.25])
    }

    @Test func groupAndCountValues() throws {
        #expect(try vector(engine, "group(up)", at: 10) == ["{}": 1])
        #expect(try vector(engine, "count_values(\"v\", g)", at: 10) == ["{v=\"2.25\"}": 1, "{v=\"-7.5\"}": 1])
        #expect(try vector(engine, "count_values by (job) (\"v\", up)", at: 10) == ["{job=\"api\",v=\"1\"}": 1, "{job=\"web\",v=\"1\"}": 1])
        #expect(throws: EvaluationError.self) { try engine.instant("count_values(\"1x\", up)", at: 10_000) }
        #expect(goFormatFloat(1e21) == "1000000000000000000000")
        #expect(goFormatFloat(1.5e-7) == "0.00000015")
        #expect(goFormatFloat(-0.0) == "-0")
        #expect(goFormatFloat(.infinity) == "+Inf")
    }

    @Test func atan2KeepsTheNameAndBindsLikeMultiplication() throws {
        #expect(try vector(engine, "g{i=\"1\"} atan2 0", at: 10) == ["{__name__=\"g\",i=\"1\"}": Double.pi / 2])
        #expect(try engine.instant("2 * 0 atan2 1", at: 0).scalar == 0)
    }

    @Test func trigonometryAndAngles() throws {
        #expect(try engine.instant("pi()", at: 0).scalar == Double.pi)
        #expect(try vector(engine, "deg(g{i=\"1\"} * 0 + pi())", at: 10) == ["{i=\"1\"}": 180])
        #expect(try vector(engine, "cos(g{i=\"1\"} * 0)", at: 10) == ["{i=\"1\"}": 1])
    }

    @Test func holtWintersSmoothsAndChecksFactors() throws {
        // A straight line is reproduced exactly.
        let line = Engine(source: InMemorySeriesSource([series("l", every15s(0, 300) { 3 * $0 })]))
        let v = try vector(line, "holt_winters(l[5m], 0.5, 0.5)", at: 300)
        #expect(Swift.abs(v["{}"]! - 900) < 1e-9)
        #expect(throws: EvaluationError.self) { try line.instant("holt_winters(l[5m], 1, 0.5)", at: 300_000) }
        #expect(try vector(line, "holt_winters(nope[5m], 1, 0.5)", at: 300) == [:])
    }

    @Test func calendarFunctionsInUTC() throws {
        // 2024-02-29T13:45:00Z, a Thursday.
        let t = 1_709_214_300.0
        #expect(try vector(engine, "year(vector(\(t)))", at: 0) == ["{}": 2024])
        #expect(try vector(engine, "month(vector(\(t)))", at: 0) == ["{}": 2])
        #expect(try vector(engine, "day_of_month(vector(\(t)))", at: 0) == ["{}": 29])
        #expect(try vector(engine, "days_in_month(vector(\(t)))", at: 0) == ["{}": 29])
        #expect(try vector(engine, "day_of_week(vector(\(t)))", at: 0) == ["{}": 4])
        #expect(try vector(engine, "hour(vector(\(t)))", at: 0) == ["{}": 13])
        #expect(try vector(engine, "minute(vector(\(t)))", at: 0) == ["{}": 45])
        #expect(try vector(engine, "hour()", at: 3600 * 5) == ["{}": 5])
    }
}
