// Charts as standalone SVG documents, for notebooks, HTML pages and files.
//
// - Sizes live in the viewBox only (width="100%"), so a page scales the
//   chart to its column; text sizes scale with it and stay proportionate.
// - Text uses the generic `sans-serif` family, which every browser and
//   viewer maps to a font it has.
// - Labels do not overlap: the left margin is as wide as the widest y tick
//   label, x ticks are thinned until their estimated label widths fit
//   (0.6 em per character, generous for sans-serif digits), legends wrap into
//   rows, and bar labels are shortened with "…" to their slot.
// - Big series are downsampled before drawing: lines keep the first, lowest,
//   highest and last point of each pixel column (see Downsampling.swift),
//   scatter plots keep the first marker in each 2x2-pixel cell (markers
//   are 5 across, so a kept one covers what it stands for; a lone outlier
//   is alone in its cell and always kept). The drawing is the same to the
//   eye; the file stays small and renders quickly.
// - NaN and infinite values (and values <= 0 on a log axis) are skipped;
//   an empty chart says "no data".
//
// Output depends only on the chart and the size (no clock, no locale; time
// axes are in UTC), so it can be compared in tests and notebook checks.

import Foundation

/// Renders a `Chart` as an SVG document.
public struct SVGRenderer: Sendable {
    /// viewBox width and height, in SVG user units (pixels at 100%).
    public var width: Int
    /// See `width`.
    public var height: Int

    /// Series colours (Tableau 10): distinct for most colour-blind readers and in greyscale print.
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                 "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"]

    static let tickFont = 11.0
    static let labelFont = 13.0
    static let titleFont = 15.0

    /// A renderer for charts of `width` x `height` units (each clamped to 100...10000 and 80...10000).
    public init(width: Int = 720, height: Int = 420) {
        self.width = max(100, min(10_000, width))
        self.height = max(80, min(10_000, height))
    }

    /// The chart as an SVG document (no XML declaration, so it can also be
    /// inlined into HTML as is).
    public func render(_ chart: Chart) -> String {
        var svg = SVGWriter(width: Double(width), height: Double(height))
        let legend = legendEntries(chart)
        let legendRows = layoutLegend(legend)
        let top = chart.title.isEmpty ? 14.0 : 42.0
        let bottom = 12 + 20 + (chart.xLabel.isEmpty ? 0 : 20) + Double(legendRows.count) * 20
        if !chart.title.isEmpty {
            svg.text(chart.title, x: Double(width) / 2, y: 26, size: SVGRenderer.titleFont, anchor: "middle", bold: true)
        }
        if chart.isEmpty {
            svg.text("no data", x: Double(width) / 2, y: Double(height) / 2, size: SVGRenderer.labelFont, anchor: "middle", color: "#666")
            return svg.finish()
        }
        var frame = PlotFrame(top: top, bottom: Double(height) - bottom, left: 0, right: Double(width) - 16)
        if case .heatmap = chart.content { frame.right -= 70 }
        let yAxis = valueAxis(chart, targetTicks: max(2, Int(frame.height / 45)))
        let yLabels = yAxis?.ticks.map(\.label) ?? heatmapRowLabels(chart, frame: frame).map(\.label)
        let widest = yLabels.map { SVGWriter.textWidth($0, size: SVGRenderer.tickFont) }.max() ?? 0
        frame.left = 10 + (chart.yLabel.isEmpty ? 0 : 22) + widest + 8

        drawYAxis(chart, yAxis, frame: frame, into: &svg)
        switch chart.content {
        case .xy(let series): drawXY(chart, series, yAxis: yAxis, frame: frame, into: &svg)
        case .bars(let labels, let values): drawBars(labels, values, yAxis: yAxis, frame: frame, into: &svg)
        case .histogram(let edges, let counts): drawHistogram(edges, counts, yAxis: yAxis, frame: frame, into: &svg)
        case .heatmap(let rows): drawHeatmap(rows, frame: frame, into: &svg)
        }
        svg.line(frame.left, frame.bottom, frame.right, frame.bottom, color: "#333")
        svg.line(frame.left, frame.top, frame.left, frame.bottom, color: "#333")

        var y = frame.bottom + 32
        if !chart.xLabel.isEmpty {
            svg.text(chart.xLabel, x: (frame.left + frame.right) / 2, y: y, size: SVGRenderer.labelFont, anchor: "middle")
            y += 20
        }
        if !chart.yLabel.isEmpty {
            svg.text(chart.yLabel, x: 0, y: 0, size: SVGRenderer.labelFont, anchor: "middle",
                     transform: "translate(\(SVGWriter.number(16)) \(SVGWriter.number((frame.top + frame.bottom) / 2))) rotate(-90)")
        }
        for row in legendRows {
            var x = (Double(width) - row.width) / 2
            for entry in row.entries {
                svg.rect(x: x, y: y - 9, width: 12, height: 10, fill: entry.color)
                svg.text(entry.name, x: x + 16, y: y, size: SVGRenderer.tickFont)
                x += entry.width
            }
            y += 20
        }
        return svg.finish()
    }

    // MARK: Axes

    /// The y axis of xy, bar and histogram charts (heatmaps have rows instead).
    func valueAxis(_ chart: Chart, targetTicks: Int) -> ChartAxis? {
        let kind = chart.yAxis == .log ? AxisKind.log : .linear
        switch chart.content {
        case .xy:
            guard let bounds = chart.xyBounds() else { return nil }
            return ChartAxis(kind, range: bounds.y, targetTicks: targetTicks, padToTicks: true)
        case .bars(_, let values):
            let finite = values.filter { drawable($0, kind) }
            guard let low = finite.min(), let high = finite.max() else { return nil }
            let range = kind == .log ? low...high : min(0, low)...max(0, high)
            return ChartAxis(kind, range: range, targetTicks: targetTicks, padToTicks: true)
        case .histogram(_, let counts):
            let high = counts.max() ?? 1
            let range = kind == .log ? 1...max(1, high) : 0...max(1, high)
            return ChartAxis(kind, range: range, targetTicks: targetTicks, padToTicks: true)
        case .heatmap:
            return nil
        }
    }

    /// An x axis whose tick labels fit side by side in the plot's width.
    func fittedXAxis(_ kind: AxisKind, range: ClosedRange<Double>, frame: PlotFrame) -> ChartAxis {
        var target = max(2, Int(frame.width / 60))
        while true {
            let axis = ChartAxis(kind, range: range, targetTicks: target, padToTicks: false)
            let widest = axis.ticks.map { SVGWriter.textWidth($0.label, size: SVGRenderer.tickFont) }.max() ?? 0
            if target == 2 || Double(axis.ticks.count) * (widest + 14) <= frame.width { return axis }
            target -= 1
        }
    }

    private func drawYAxis(_ chart: Chart, _ axis: ChartAxis?, frame: PlotFrame, into svg: inout SVGWriter) {
        guard let axis else {
            for tick in heatmapRowLabels(chart, frame: frame) {
                svg.text(tick.label, x: frame.left - 6, y: tick.position + 4, size: SVGRenderer.tickFont, anchor: "end")
            }
            return
        }
        for tick in axis.ticks {
            let y = frame.y(axis.fraction(ofPosition: tick.position))
            svg.line(frame.left, y, frame.right, y, color: "#e5e5e5")
            svg.text(tick.label, x: frame.left - 6, y: y + 4, size: SVGRenderer.tickFont, anchor: "end")
        }
    }

    private func drawXTicks(_ axis: ChartAxis, frame: PlotFrame, grid: Bool, into svg: inout SVGWriter) {
        for tick in axis.ticks {
            let x = frame.x(axis.fraction(ofPosition: tick.position))
            if grid { svg.line(x, frame.top, x, frame.bottom, color: "#e5e5e5") }
            svg.line(x, frame.bottom, x, frame.bottom + 4, color: "#333")
            let half = SVGWriter.textWidth(tick.label, size: SVGRenderer.tickFont) / 2
            let centre = max(half + 2, min(Double(width) - half - 2, x))
            svg.text(tick.label, x: centre, y: frame.bottom + 17, size: SVGRenderer.tickFont, anchor: "middle")
        }
    }

    // MARK: Content

    private func drawXY(_ chart: Chart, _ series: [ChartSeries], yAxis: ChartAxis?, frame: PlotFrame, into svg: inout SVGWriter) {
        guard let bounds = chart.xyBounds(), let yAxis else { return }
        let xAxis = fittedXAxis(chart.xAxis, range: bounds.x, frame: frame)
        drawXTicks(xAxis, frame: frame, grid: true, into: &svg)
        for (index, s) in series.enumerated() {
            let color = SVGRenderer.palette[index % SVGRenderer.palette.count]
            let placed: [(x: Double, y: Double)?] = s.points.map { point in
                guard let point, let fx = xAxis.fraction(of: point.x), let fy = yAxis.fraction(of: point.y) else { return nil }
                // Fractions stay near 0...1 for data the axes were fitted to; the clamp keeps
                // the integer conversions below safe whatever arrives.
                return (frame.x(max(-10, min(10, fx))), frame.y(max(-10, min(10, fy))))
            }
            switch s.style {
            case .line:
                let thinned = placed.count > Int(frame.width) * 4
                    ? downsampleForColumns(placed) { Int($0.rounded(.down)) } : placed
                svg.polyline(thinned, color: color)
                // A point with gaps on both sides draws no line: a dot shows it
                // (a metric series scraped once, or between missing samples).
                for (i, point) in thinned.enumerated() {
                    guard let point, i == 0 || thinned[i - 1] == nil, i == thinned.count - 1 || thinned[i + 1] == nil else { continue }
                    svg.circle(x: point.x, y: point.y, r: 2, fill: color)
                }
            case .points:
                // Coordinates are clamped near the frame above, so cells index a small grid.
                let columns = Int(Double(width) * 21 / 2) + 1
                var seen = Set<Int>(minimumCapacity: min(placed.count, 1 << 16))
                for case let p? in placed {
                    let cell = Int(((p.y + 10 * Double(height)) / 2).rounded(.down)) * columns
                        + Int(((p.x + 10 * Double(width)) / 2).rounded(.down))
                    guard seen.insert(cell).inserted else { continue }
                    svg.circle(x: p.x, y: p.y, r: 2.5, fill: color)
                }
            }
        }
    }

    private func drawBars(_ labels: [String], _ values: [Double], yAxis: ChartAxis?, frame: PlotFrame, into svg: inout SVGWriter) {
        guard let yAxis, !values.isEmpty else { return }
        let slot = frame.width / Double(values.count)
        let baseFraction = yAxis.kind == .log ? 0 : yAxis.fraction(of: 0) ?? 0
        let maxChars = max(1, Int(slot / (SVGRenderer.tickFont * 0.6)) - 1)
        // Labels every k-th bar when even one character per bar does not fit.
        let every = max(1, Int((SVGRenderer.tickFont * 1.8 / slot).rounded(.up)))
        for (i, value) in values.enumerated() {
            let centre = frame.left + slot * (Double(i) + 0.5)
            if let f = yAxis.fraction(of: value) {
                let top = frame.y(max(f, baseFraction)), bottom = frame.y(min(f, baseFraction))
                svg.rect(x: centre - slot * 0.35, y: top, width: slot * 0.7, height: max(0.5, bottom - top),
                         fill: SVGRenderer.palette[0])
            }
            guard i < labels.count, i % every == 0 else { continue }
            let label = labels[i].count > maxChars ? String(labels[i].prefix(max(1, maxChars - 1))) + "…" : labels[i]
            svg.text(label, x: centre, y: frame.bottom + 17, size: SVGRenderer.tickFont, anchor: "middle")
        }
    }

    private func drawHistogram(_ edges: [Double], _ counts: [Double], yAxis: ChartAxis?, frame: PlotFrame, into svg: inout SVGWriter) {
        guard let yAxis, let first = edges.first, let last = edges.last, first <= last, edges.count == counts.count + 1 else { return }
        let xAxis = fittedXAxis(.linear, range: first...last, frame: frame)
        drawXTicks(xAxis, frame: frame, grid: false, into: &svg)
        for (i, count) in counts.enumerated() {
            guard let f = yAxis.fraction(of: count), let x0 = xAxis.fraction(of: edges[i]),
                  let x1 = xAxis.fraction(of: edges[i + 1]) else { continue }
            let left = frame.x(x0), right = frame.x(x1), top = frame.y(f)
            svg.rect(x: left, y: top, width: max(0.5, right - left), height: frame.bottom - top,
                     fill: SVGRenderer.palette[0], stroke: "#fff")
        }
    }

    private func drawHeatmap(_ rows: [[Double]], frame: PlotFrame, into svg: inout SVGWriter) {
        let columns = rows.map(\.count).max() ?? 0
        guard !rows.isEmpty, columns > 0 else { return }
        let finite = rows.flatMap { $0 }.filter(\.isFinite)
        let low = finite.min() ?? 0, high = finite.max() ?? 1
        let cellWidth = frame.width / Double(columns), cellHeight = frame.height / Double(rows.count)
        for (r, row) in rows.enumerated() {
            for (c, value) in row.enumerated() {
                svg.rect(x: frame.left + Double(c) * cellWidth, y: frame.top + Double(r) * cellHeight, width: cellWidth,
                         height: cellHeight, fill: value.isFinite ? ColorScale.viridis(heatmapLevel(value, low: low, high: high)) : "#ddd")
            }
        }
        let labelEvery = max(1, Int((SVGRenderer.tickFont * 3 / cellWidth).rounded(.up)))
        for c in stride(from: 0, to: columns, by: labelEvery) {
            svg.text(String(c + 1), x: frame.left + (Double(c) + 0.5) * cellWidth, y: frame.bottom + 17,
                     size: SVGRenderer.tickFont, anchor: "middle")
        }
        // The colour bar: the scale from low (bottom) to high (top).
        let barX = frame.right + 16
        let steps = 32
        for i in 0..<steps {
            let h = frame.height / Double(steps)
            svg.rect(x: barX, y: frame.bottom - Double(i + 1) * h, width: 12, height: h + 0.5,
                     fill: ColorScale.viridis(Double(i) / Double(steps - 1)))
        }
        let step = high > low ? high - low : 1
        svg.text(TickFormat.number(high, step: step / 10), x: barX + 16, y: frame.top + 8, size: SVGRenderer.tickFont)
        svg.text(TickFormat.number(low, step: step / 10), x: barX + 16, y: frame.bottom, size: SVGRenderer.tickFont)
    }

    /// Row numbers of a heatmap at their rows' centres, thinned to fit.
    private func heatmapRowLabels(_ chart: Chart, frame: PlotFrame) -> [AxisTick] {
        guard case .heatmap(let rows) = chart.content, !rows.isEmpty else { return [] }
        let cellHeight = frame.height / Double(rows.count)
        let every = max(1, Int((SVGRenderer.tickFont * 1.5 / cellHeight).rounded(.up)))
        return stride(from: 0, to: rows.count, by: every).map {
            AxisTick(position: frame.top + (Double($0) + 0.5) * cellHeight, label: String($0 + 1))
        }
    }

    // MARK: Legend

    struct LegendEntry { var name: String; var color: String; var width: Double }
    struct LegendRow { var entries: [LegendEntry] = []; var width = 0.0 }

    /// Series names for the legend: only for xy charts with several or named series.
    private func legendEntries(_ chart: Chart) -> [LegendEntry] {
        guard case .xy(let series) = chart.content,
              series.count > 1 || series.contains(where: { !$0.name.isEmpty }) else { return [] }
        return series.enumerated().map { index, s in
            let name = s.name.isEmpty ? "series \(index + 1)" : s.name
            return LegendEntry(name: name, color: SVGRenderer.palette[index % SVGRenderer.palette.count],
                               width: 16 + SVGWriter.textWidth(name, size: SVGRenderer.tickFont) + 18)
        }
    }

    /// Entries packed into centred rows no wider than the chart.
    private func layoutLegend(_ entries: [LegendEntry]) -> [LegendRow] {
        var rows: [LegendRow] = []
        var row = LegendRow()
        for entry in entries {
            if !row.entries.isEmpty && row.width + entry.width > Double(width) - 20 {
                rows.append(row)
                row = LegendRow()
            }
            row.entries.append(entry)
            row.width += entry.width
        }
        if !row.entries.isEmpty { rows.append(row) }
        // At most a quarter of the height; the rest of the names are dropped.
        return Array(rows.prefix(max(1, height / 80)))
    }
}

/// The plot area in SVG coordinates.
struct PlotFrame {
    var top: Double, bottom: Double, left: Double, right: Double
    var width: Double { max(1, right - left) }
    var height: Double { max(1, bottom - top) }
    /// The x coordinate of a fraction along the x axis.
    func x(_ fraction: Double) -> Double { left + fraction * width }
    /// The y coordinate of a fraction along the y axis (0 at the bottom).
    func y(_ fraction: Double) -> Double { bottom - fraction * height }
}

/// A perceptually uniform colour scale for heatmaps.
enum ColorScale {
    /// Viridis sampled at five stops, interpolated linearly in sRGB.
    static let stops: [(Double, Double, Double)] = [(68, 1, 84), (59, 82, 139), (33, 145, 140), (94, 201, 98), (253, 231, 37)]

    static func viridis(_ fraction: Double) -> String {
        let f = fraction.isFinite ? max(0, min(1, fraction)) : 0
        let position = f * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(position))
        let t = position - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * t).rounded()) }
        return String(format: "#%02x%02x%02x", channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }
}
