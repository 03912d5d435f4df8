import Testing
import Foundation
@testable import Plotting

@Test func dump() {
    let charts = [
        LineChart(ChartSeries("cpu", y: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map { $0 * 10 }), width: 12, height: 4, title: "title"),
        LineChart(ChartSeries(y: [3, 3, 3]), width: 8, height: 3),
        LineChart(ChartSeries(y: [7]), width: 6, height: 2),
        LineChart([ChartSeries("a", y: [1, .nan, 3, 4]), ChartSeries("b", y: [4, 3, .nan, 1])], width: 10, height: 3),
        LineChart(ChartSeries(x: [1_700_000_000, 1_700_000_060, 1_700_000_120], y: [-1e300, 1e300, 0]), width: 30, height: 4, xFormat: .utcTime),
        LineChart(ChartSeries(y: [.nan]), title: "t"),
        LineChart([]),
        LineChart(ChartSeries(y: [0.001, 0.002, 0.0015]), width: 10, height: 4, useColor: true),
    ]
    for c in charts { print(c.render()); print("-----") }
}
