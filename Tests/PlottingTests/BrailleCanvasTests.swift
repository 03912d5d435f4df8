// The braille canvas and the axis helpers, checked dot by dot.

import Foundation
import Testing
@testable import Plotting

@Suite struct BrailleCanvasTests {
    @Test(arguments: [
        (0, 0, "⠁"), (0, 1, "⠂"), (0, 2, "⠄"), (0, 3, "⡀"),
        (1, 0, "⠈"), (1, 1, "⠐"), (1, 2, "⠠"), (1, 3, "⢀"),
    ])
    func eachDotHasItsBit(x: Int, y: Int, expected: String) {
        var canvas = BrailleCanvas(width: 1, height: 1)
        canvas.set(x: x, y: y)
        #expect(canvas.render() == expected)
        #expect(canvas.isSet(x: x, y: y))
    }

    @Test func fullCellAndBlankCell() {
        var canvas = BrailleCanvas(width: 2, height: 1)
        for x in 0..<2 { for y in 0..<4 { canvas.set(x: x, y: y) } }
        #expect(canvas.render() == "⣿⠀")
    }

    @Test func outOfRangeDotsAreIgnored() {
        var canvas = BrailleCanvas(width: 1, height: 1)
        canvas.set(x: -1, y: 0)
        canvas.set(x: 2, y: 0)
        canvas.set(x: 0, y: 4)
        canvas.set(x: Int.max, y: Int.min)
        #expect(canvas.render() == "⠀")
        #expect(!canvas.isSet(x: 5, y: 5))
    }

    @Test func linesIncludeBothEnds() {
        var canvas = BrailleCanvas(width: 2, height: 1)
        canvas.line(x0: 0, y0: 0, x1: 3, y1: 0)
        #expect(canvas.render() == "⠉⠉")
        var diagonal = BrailleCanvas(width: 2, height: 1)
        diagonal.line(x0: 0, y0: 3, x1: 3, y1: 0)
        #expect(diagonal.render() == "⡠⠊")
    }

    @Test func hugeLineEndpointsAreClippedNotLooped() {
        var canvas = BrailleCanvas(width: 3, height: 2)
        canvas.line(x0: -1_000_000_000, y0: 0, x1: 1_000_000_000, y1: 0)
        #expect(canvas.row(0) == "⠉⠉⠉")
    }

    @Test func colourRunsShareOneEscape() {
        var canvas = BrailleCanvas(width: 3, height: 1)
        canvas.line(x0: 0, y0: 0, x1: 3, y1: 0, color: .red)
        #expect(canvas.row(0, useColor: true) == "\u{1B}[31m⠉⠉\u{1B}[0m⠀")
        #expect(canvas.row(0, useColor: false) == "⠉⠉⠀")
    }

    @Test func sizesAreClamped() {
        #expect(BrailleCanvas(width: 0, height: -5).render() == "⠀")
        #expect(BrailleCanvas(width: 10_000, height: 1).width == 1000)
    }
}

@Suite struct AxisTests {
    @Test func niceTicks() {
        let axis = AxisScale(nice: 3.17, 50.4, targetTicks: 3)
        #expect(axis.ticks == [0, 25, 50, 75])
        #expect(axis.lower == 0 && axis.upper == 75)
        let tenths = AxisScale(nice: 0.1, 0.7, targetTicks: 4)
        #expect(tenths.ticks == [0, 0.2, 0.4, 0.6, 0.8])
    }

    @Test func degenerateAndExtremeRanges() {
        // An exact (x) axis pads a single value by one unit: one second
        // either side of a lone timestamp, not 10% of 1.8e9 seconds.
        #expect(AxisScale(exact: 5, 5).lower == 4)
        #expect(AxisScale(exact: 1.8e9, 1.8e9).upper == 1.8e9 + 1)
        #expect(AxisScale(nice: 5, 5, targetTicks: 3).lower <= 4.5)
        #expect(AxisScale(exact: 0, 0).upper == 1)
        let huge = AxisScale(nice: -Double.greatestFiniteMagnitude, Double.greatestFiniteMagnitude, targetTicks: 5)
        #expect(huge.lower.isFinite && huge.upper.isFinite)
        #expect(huge.fraction(of: 0) == 0.5)
        #expect(AxisScale(exact: .nan, 1).ticks == [0, 1])
    }

    static let labelCases: [(Double, Double, String)] = [
        (0, 1, "0"), (2.5, 0.5, "2.5"), (1500, 500, "1500"), (0.25, 0.25, "0.25"), (1.5, 1.5, "1.5"),
        (1.2e9, 1e8, "1.2e+09"), (0.00001, 0.00001, "1e-05"), (-0.0, 1, "0"), (10.0 / 3, 10.0 / 3, "3.3"),
        (Double.nan, 1, "NaN"), (-Double.infinity, 1, "-Inf"),
    ]

    @Test(arguments: labelCases)
    func numberLabels(value: Double, step: Double, expected: String) {
        #expect(TickFormat.number(value, step: step) == expected)
    }

    @Test func timeLabels() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        #expect(TickFormat.time(1_700_000_000, timeZone: utc) == "22:13:20")
        #expect(TickFormat.time(-1, timeZone: utc) == "23:59:59")
        let plusOne = try #require(TimeZone(secondsFromGMT: 3600))
        #expect(TickFormat.time(1_700_000_000, timeZone: plusOne) == "23:13:20")
        #expect(TickFormat.time(.nan, timeZone: utc) == "--:--:--")
    }
}
