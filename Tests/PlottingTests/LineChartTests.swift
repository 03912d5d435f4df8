// Whole charts rendered for small known inputs, compared line by line.

import Foundation
import Testing
@testable import Plotting

@Suite struct LineChartTests {
    @Test func rampWithTitleAxesAndLegend() {
        let ramp = ChartSeries("cpu", y: (0...10).map { Double($0) * 10 })
        let text = LineChart(ramp, width: 12, height: 4, title: "title").render()
        #expect(text.split(separator: "\n", omittingEmptySubsequences: false) == [
            "      title",
            "100 ┤⠀⠀⠀⠀⠀⠀⠀⠀⠀⡠⠔⠉",
            "    │⠀⠀⠀⠀⠀⠀⢀⠔⠊⠀⠀⠀",
            "    │⠀⠀⠀⣀⠔⠊⠁⠀⠀⠀⠀⠀",
            "  0 ┤⡠⠔⠊⠀⠀⠀⠀⠀⠀⠀⠀⠀",
            "    └────────────",
            "     0     5   10",
            "     ⣿ cpu",
        ])
    }

    @Test func constantSeriesIsAFlatLineInAWidenedRange() {
        let text = LineChart(ChartSeries(y: [3, 3, 3]), width: 8, height: 3).render()
        #expect(text == """
        4 ┤⠀⠀⠀⠀⠀⠀⠀⠀
        3 ┤⠤⠤⠤⠤⠤⠤⠤⠤
        2 ┤⠀⠀⠀⠀⠀⠀⠀⠀
          └────────
           0      2
        """)
    }

    @Test func singlePointIsOneDotInTheMiddle() {
        let text = LineChart(ChartSeries(y: [7]), width: 6, height: 2).render()
        #expect(text == """
        8 ┤⠀⠀⠀⠀⠀⠀
        6 ┤⠀⠀⠀⠁⠀⠀
          └──────
           -1   1
        """)
    }

    @Test func nanBreaksTheLineAndSeriesShareTheAxes() {
        let a = ChartSeries("a", y: [1, .nan, 3, 4])
        let b = ChartSeries("b", y: [4, 3, .nan, 1])
        let text = LineChart([a, b], width: 10, height: 3).render()
        #expect(text == """
        5 ┤⠤⣀⡀⠀⠀⠀⠀⢀⣀⠤
          │⠀⠀⠈⠁⠀⠀⠈⠁⠀⠀
        0 ┤⠂⠀⠀⠀⠀⠀⠀⠀⠀⠐
          └──────────
           0   1.5  3
           ⣿ a  ⣿ b
        """)
    }

    @Test func timeAxisAndHugeValues() {
        let s = ChartSeries(x: [1_700_000_000, 1_700_000_060, 1_700_000_120], y: [-1e300, 1e300, 0])
        let lines = LineChart(s, width: 30, height: 4, xFormat: .utcTime).render().split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0].hasPrefix(" 2e+300 ┤"))
        #expect(lines[3].hasPrefix("-2e+300 ┤"))
        #expect(lines[5] == "         22:13:20   22:14:20   22:15:20")
    }

    @Test func emptyAndAllNaNInputs() {
        #expect(LineChart([]).render() == "(no data)")
        #expect(LineChart(ChartSeries(y: [])).render() == "(no data)")
        #expect(LineChart(ChartSeries(y: [.nan, .infinity]), title: "t").render() == "t\n(no data)")
    }

    @Test func colourIsOptional() {
        let s = ChartSeries("x", y: [0.001, 0.002, 0.0015])
        let plain = LineChart(s, width: 10, height: 4).render()
        #expect(!plain.contains("\u{1B}"))
        let coloured = LineChart(s, width: 10, height: 4, useColor: true).render()
        #expect(coloured.contains("\u{1B}[34m⡰⠑⢄\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[34m⣿\u{1B}[0m x"))
        let red = LineChart(ChartSeries("r", y: [1, 2], color: .red), width: 4, height: 2, useColor: true).render()
        #expect(red.contains("\u{1B}[31m") && !red.contains("\u{1B}[34m"))
        // Stripping the escapes gives back the plain chart.
        let stripped = coloured.replacingOccurrences(of: "\u{1B}[34m", with: "")
            .replacingOccurrences(of: "\u{1B}[0m", with: "")
        #expect(stripped == plain)
    }

    @Test func hostileInputsDoNotTrap() {
        let odd = [
            ChartSeries(x: [1, 2, 3], y: [1]),                                  // length mismatch
            ChartSeries(y: [Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude]),
            ChartSeries(x: [.nan, 1, .infinity], y: [1, 2, 3]),
            ChartSeries(y: [Double.leastNonzeroMagnitude, 2 * Double.leastNonzeroMagnitude]), // subnormal span
            ChartSeries(y: [-5, -7, -6]),
        ]
        for s in odd {
            for (w, h) in [(0, 0), (-3, 100_000), (1, 1), (500, 2)] {
                let text = LineChart(s, width: w, height: h, title: "t").render()
                #expect(!text.isEmpty)
            }
        }
        let clipped = LineChart(ChartSeries(y: [-100, 50, 1e9]), width: 6, height: 2, yRange: 0...10).render()
        #expect(clipped.split(separator: "\n").count == 4)
        #expect(clipped.hasPrefix("10 ┤"))
    }

    @Test func legendOnlyWhenUseful() {
        #expect(!LineChart(ChartSeries(y: [1, 2]), width: 4, height: 2).render().contains("⣿"))
        #expect(LineChart([ChartSeries(y: [1, 2]), ChartSeries(y: [2, 1])], width: 4, height: 2).render()
            .contains("⣿ series 1  ⣿ series 2"))
        #expect(!LineChart(ChartSeries("n", y: [1, 2]), width: 4, height: 2, showLegend: false).render().contains("⣿"))
    }
}
