// The chart model and its two renderers: axes, bad values, sizes and speed.

import Foundation
import Testing
@testable import Plotting

@Suite struct ChartAxisTests {
    @Test func linearTicksAreRoundNumbers() {
        let axis = ChartAxis(.linear, range: 3.17...50.4, targetTicks: 5, padToTicks: true)
        #expect(axis.ticks.map(\.label) == ["0", "10", "20", "30", "40", "50", "60"] || axis.ticks.map(\.label) == ["0", "20", "40", "60"])
        #expect(axis.lower <= 3.17 && axis.upper >= 50.4)
    }

    @Test func logTicksArePowersOfTen() {
        let axis = ChartAxis(.log, range: 3...2000, targetTicks: 6, padToTicks: true)
        #expect(axis.ticks.map(\.label) == ["1", "10", "100", "1000", "10000"])
        #expect(axis.fraction(of: -1) == nil)
        #expect(axis.fraction(of: 0) == nil)
    }

    @Test func timeTicksFallOnRoundTimes() {
        // 2026-12-06 12:00:00 UTC to 13:00:00.
        let start = 1_796_558_400.0
        let axis = ChartAxis(.time, range: (start + 7)...(start + 3600), targetTicks: 5, padToTicks: false)
        #expect(axis.ticks.map(\.label) == ["12:15", "12:30", "12:45", "13:00"])
        let days = ChartAxis(.time, range: start...(start + 6 * 86400), targetTicks: 4, padToTicks: false)
        #expect(days.ticks.first?.label == "2026-12-07")
    }

    @Test func histogramCountsEveryFiniteValueOnce() {
        let chart = Chart.histogram([0, 1, 2, 3, 4, .nan, .infinity, 4], bins: 4)
        guard case .histogram(let edges, let counts) = chart.content else { Issue.record("not a histogram"); return }
        #expect(edges == [0, 1, 2, 3, 4])
        #expect(counts == [1, 1, 1, 3])
        #expect(Chart.histogram([], bins: 10).isEmpty)
        guard case .histogram(let wide, let all) = Chart.histogram([1.7e308, -1.7e308], bins: 1).content else { return }
        #expect(wide == [-1.7e308, 1.7e308])
        #expect(all == [2])
    }
}

@Suite struct SVGRendererTests {
    func svg(_ chart: Chart) -> String { SVGRenderer().render(chart) }

    @Test func emptyNaNAndSinglePointChartsRender() {
        let empty = svg(Chart(.xy([ChartSeries(y: [])]), title: "empty"))
        #expect(empty.contains("no data") && empty.contains("empty"))
        let bad = svg(Chart(.xy([ChartSeries(y: [.nan, .infinity, -.infinity])])))
        #expect(bad.contains("no data"))
        let single = svg(Chart(.xy([ChartSeries(x: [5], y: [7])])))
        #expect(single.contains("<path d=\"M"))
        // A lone point draws no line, so it gets a dot; points joined by a line do not.
        #expect(single.components(separatedBy: "<circle").count == 2)
        let gaps = svg(Chart(.xy([ChartSeries(y: [1, .nan, 2, .nan, 3, 4])])))
        #expect(gaps.components(separatedBy: "<circle").count == 3)
        #expect(!single.contains("nan") && !single.contains("inf"))
        for chart in [Chart(.heatmap([])), Chart(.bars(labels: [], values: [])), Chart(.heatmap([[.nan]])),
                      Chart(.xy([ChartSeries(y: [-1, 0, 1])]), yAxis: .log), Chart(.xy([ChartSeries(y: [1e300, -1e300])]))] {
            #expect(svg(chart).hasSuffix("</svg>\n"))
        }
    }

    @Test func sizesAreInTheViewBoxAndFontsAreGeneric() {
        let text = SVGRenderer(width: 500, height: 300).render(Chart(.xy([ChartSeries(y: [1, 2, 3])])))
        #expect(text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 500 300\" width=\"100%\""))
        #expect(text.contains("font-family=\"sans-serif\""))
    }

    @Test func xTickLabelsDoNotOverlap() {
        let start = 1_796_558_400.0
        let series = ChartSeries(x: (0..<500).map { start + Double($0) * 7 }, y: (0..<500).map { sin(Double($0) / 20) })
        for width in [200, 400, 720, 1600] {
            let text = SVGRenderer(width: width, height: 300).render(Chart(.xy([series]), xAxis: .time))
            let labels = tickLabels(text, y: nil).filter { $0.label.contains(":") }
            #expect(labels.count >= 2)
            for (a, b) in zip(labels, labels.dropFirst()) {
                let gap = b.x - a.x
                let needed = SVGWriter.textWidth(a.label, size: 11) / 2 + SVGWriter.textWidth(b.label, size: 11) / 2
                #expect(gap >= needed, "labels \(a.label) and \(b.label) overlap at width \(width)")
            }
        }
    }

    @Test func downsamplingKeepsEveryExtreme() {
        var y = (0..<100_000).map { sin(Double($0) / 1000) }
        y[12_345] = 50
        y[67_890] = -50
        let text = svg(Chart(.xy([ChartSeries(y: y)])))
        let path = text.split(separator: "\n").first { $0.hasPrefix("<path") } ?? ""
        let points = path.split(separator: "L").count
        #expect(points < 4 * 720, "\(points) points drawn")
        // The spikes reach the top and bottom of the plot area.
        let ys = path.split(whereSeparator: { $0 == "M" || $0 == "L" || $0 == "\"" })
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
        #expect((ys.min() ?? 0) < 60)
        #expect((ys.max() ?? 0) > 330)
    }

    @Test func directDownsamplingKeepsFirstLowestHighestLast() {
        let points: [(x: Double, y: Double)?] = [(0, 5), (0.1, 9), (0.2, 1), (0.3, 4), nil, (1, 2), (1.5, 3)]
        let kept = downsampleForColumns(points) { Int($0) }
        #expect(kept.map { $0?.y } == [5, 9, 1, 4, nil, 2, 3])
    }

    @Test func scatterKeepsOneMarkerPerTwoPixelCellAndEveryOutlier() {
        // 100,000 points in a dense cloud, and one far from it.
        var x = (0..<100_000).map { Double($0 % 317) / 317 }
        var y = (0..<100_000).map { Double(($0 * 7919) % 331) / 331 }
        x.append(5)
        y.append(5)
        let text = svg(Chart(.xy([ChartSeries(x: x, y: y, style: .points)])))
        let circles = text.split(separator: "\n").filter { $0.hasPrefix("<circle") }
        // The cloud fills a fifth of each axis, about 130 by 70 pixels: some 9,000
        // pixels, which 2x2 cells cover with a quarter as many markers.
        #expect(circles.count > 1_500 && circles.count < 3_000, "\(circles.count) markers")
        let centres = circles.compactMap { line -> (Double, Double)? in
            let fields = line.split(separator: "\"")
            guard fields.count > 3, let cx = Double(fields[1]), let cy = Double(fields[3]) else { return nil }
            return (cx, cy)
        }
        // The outlier is the top-right corner of the plot, and drawn.
        let right = centres.map(\.0).max() ?? 0, top = centres.map(\.1).min() ?? 0
        #expect(centres.contains { $0.0 == right && $0.1 == top })
        #expect(right > 600 && top < 60)
    }

    @Test func textIsEscaped() {
        let text = svg(Chart(.bars(labels: ["<b>&"], values: [1]), title: "a < b"))
        #expect(text.contains("a &lt; b") && text.contains("&lt;b&gt;&amp;"))
    }

    /// (x, label) of every text element with text-anchor middle.
    func tickLabels(_ svg: String, y: Double?) -> [(x: Double, label: String)] {
        svg.split(separator: "\n").compactMap { line -> (Double, String)? in
            guard line.hasPrefix("<text x=\""), line.contains("text-anchor=\"middle\""),
                  let close = line.firstIndex(of: ">"), let end = line.range(of: "</text>") else { return nil }
            let x = Double(line.dropFirst(9).prefix { $0 != "\"" }) ?? 0
            return (x, String(line[line.index(after: close)..<end.lowerBound]))
        }
    }
}

@Suite struct TerminalRendererTests {
    @Test func colourOnlyWhenAsked() {
        let chart = Chart(.xy([ChartSeries("a", y: [1, 3, 2]), ChartSeries("b", y: [2, 1, 3])]))
        #expect(!TerminalRenderer(useColor: false).render(chart).contains("\u{1B}["))
        #expect(TerminalRenderer(useColor: true).render(chart).contains("\u{1B}["))
    }

    @Test func barsHistogramsAndHeatmapsPrint() {
        let bars = TerminalRenderer(width: 20).render(Chart(.bars(labels: ["a", "bb"], values: [1, 2]), title: "t"))
        #expect(bars.split(separator: "\n") == ["t", "a  │██████████ 1", "bb │████████████████████ 2"])
        let hist = TerminalRenderer().render(Chart.histogram([1, 2, 2, 3], bins: 2))
        #expect(hist.contains("[1, 2)") && hist.contains("[2, 3]"))
        let heat = TerminalRenderer().render(Chart(.heatmap([[0, 1], [2, .nan]])))
        #expect(heat.contains("██") && heat.contains("··"))
        #expect(TerminalRenderer().render(Chart(.heatmap([]))).contains("(no data)"))
    }

    @Test func logAxisLabelsShowValues() {
        var chart = Chart(.xy([ChartSeries(y: [1, 10, 100, 1000])]))
        chart.yAxis = .log
        let text = TerminalRenderer(width: 20, height: 6).render(chart)
        #expect(text.contains("  100 ┤"))
        #expect(text.contains("    1 ┤"))
    }

    @Test func scatterDrawsDotsNotLines() {
        let line = TerminalRenderer(width: 20, height: 5).render(Chart(.xy([ChartSeries(x: [0, 10], y: [0, 10])])))
        let dots = TerminalRenderer(width: 20, height: 5).render(Chart(.xy([ChartSeries(x: [0, 10], y: [0, 10], style: .points)])))
        let count = { (s: String) in s.unicodeScalars.filter { $0.value > 0x2800 && $0.value <= 0x28FF }.count }
        #expect(count(dots) == 2)
        #expect(count(line) > 10)
    }
}
