import Testing
@testable import Alerting

@Suite struct SeriesNotationTests {
    @Test(arguments: [
        ("1 2 3", [1.0, 2, 3]),
        ("1+2x3", [1.0, 3, 5, 7]),
        ("5-1x2", [5.0, 4, 3]),
        ("-2+1x2", [-2.0, -1, 0]),
        ("7x2", [7.0, 7, 7]),
        ("1e3+1e3x1", [1000.0, 2000]),
        ("0+1x0", [0.0]),
    ])
    func expands(text: String, expected: [Double]) throws {
        #expect(try SeriesNotation.expand(text) == expected.map { .value($0) })
    }

    @Test func blanksAndSpecials() throws {
        let steps = try SeriesNotation.expand("_ _x2 stale Inf -Inf NaN 1e300")
        #expect(steps.prefix(3) == [.omitted, .omitted, .omitted])
        guard case .value(let stale) = steps[3], case .value(let nan) = steps[6] else { Issue.record("not values"); return }
        #expect(stale.bitPattern == 0x7ff0_0000_0000_0002)
        #expect(nan.isNaN)
        #expect(steps[4] == .value(.infinity) && steps[5] == .value(-.infinity) && steps[7] == .value(1e300))
    }

    @Test(arguments: ["1x", "x3", "1+x3", "abc", "1+1x-1", "1x9999999999999", "0+1x9223372036854775807", "1x2x3", "--1",
                      "NaNx3", "Infx2", "stalex2", "1+NaNx2"])
    func badNotationIsAnError(text: String) {
        #expect(throws: RuleError.self) { try SeriesNotation.expand(text) }
    }

    @Test func countsAreBounded() throws {
        #expect(try SeriesNotation.expand("0+1x10000").count == 10_001)
        #expect(try SeriesNotation.expand("").isEmpty)
        #expect(throws: RuleError.self) { try SeriesNotation.expand("0x600000 0x600000") }
    }

    @Test func seriesNames() throws {
        let labels = try SeriesNotation.labels(of: "up{job=\"api\", instance=\"a\"}")
        #expect(labels["__name__"] == "up" && labels["job"] == "api" && labels["instance"] == "a")
        #expect(throws: RuleError.self) { try SeriesNotation.labels(of: "up{job=~\"a.*\"}") }
        #expect(throws: RuleError.self) { try SeriesNotation.labels(of: "rate(up[5m])") }
    }

    @Test func goFormatting() {
        #expect(GoFloat.format(1, "E", -1) == "1E+00")
        #expect(GoFloat.format(1234.5, "E", -1) == "1.2345E+03")
        #expect(GoFloat.format(0.001, "E", -1) == "1E-03")
        #expect(GoFloat.format(-2.5e-10, "E", -1) == "-2.5E-10")
        #expect(GoFloat.format(1e300, "E", -1) == "1E+300")
        #expect(GoFloat.format(.nan, "E", -1) == "NaN")
        #expect(GoDuration.model(90_000) == "1m30s" && GoDuration.model(0) == "0s" && GoDuration.model(86_400_000) == "1d")
        #expect(GoDuration.time(60_000) == "1m0s" && GoDuration.time(5_400_000) == "1h30m0s" && GoDuration.time(1500) == "1.5s")
    }
}
