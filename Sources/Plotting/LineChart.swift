// A terminal line chart: braille plot area, y-axis with tick labels, x-axis
// labels (numbers or HH:MM:SS), title and legend, optionally in colour.
//
// Layout, for a 12x4 chart:
//
//             title
//     100 ┤⠀⠀⠀⠀⠀⠀⠀⠀⢀⠤⠒⠉
//      50 ┤⠀⠀⠀⠀⢀⠤⠒⠉⠀⠀⠀⠀
//         │⠀⢀⠤⠒⠉⠀⠀⠀⠀⠀⠀⠀
//       0 ┤⠒⠉⠀⠀⠀⠀⠀⠀⠀⠀⠀⠀
//         └────────────
//         0    5     10
//         ⣿ series
//
// Rendering is a pure function of the chart's fields (no terminal queries,
// no locale, an explicit time zone), so output can be compared byte for byte
// in tests.

import Foundation

/// A line chart of one or more series, rendered to a String.
public struct LineChart: Sendable {
    /// The series, drawn in order (later series paint over earlier ones).
    public var series: [ChartSeries]
    /// Plot area width in terminal cells (2 dots each), clamped to 2...500.
    public var width: Int
    /// Plot area height in terminal cells (4 dots each), clamped to 2...200.
    public var height: Int
    /// Title centred above the plot; nil or empty for none.
    public var title: String?
    /// How x values are labelled.
    public var xFormat: XAxisFormat
    /// Fixed y range; nil fits the data (widened to nice tick values).
    public var yRange: ClosedRange<Double>?
    /// Whether to emit ANSI colour escapes (turn off for files, pipes, NO_COLOR).
    public var useColor: Bool
    /// Whether to print a legend line (only drawn when some series has a name
    /// or there is more than one series).
    public var showLegend: Bool
    /// Logarithmic axes: values are placed by their log10, ticks labelled
    /// with the values themselves, and values <= 0 are gaps.
    public var logX = false
    public var logY = false

    /// Creates a chart.
    public init(_ series: [ChartSeries], width: Int = 60, height: Int = 15, title: String? = nil,
                xFormat: XAxisFormat = .number, yRange: ClosedRange<Double>? = nil,
                useColor: Bool = false, showLegend: Bool = true) {
        self.series = series
        self.width = width
        self.height = height
        self.title = title
        self.xFormat = xFormat
        self.yRange = yRange
        self.useColor = useColor
        self.showLegend = showLegend
    }

    /// Creates a chart of a single series.
    public init(_ series: ChartSeries, width: Int = 60, height: Int = 15, title: String? = nil,
                xFormat: XAxisFormat = .number, yRange: ClosedRange<Double>? = nil,
                useColor: Bool = false, showLegend: Bool = true) {
        self.init([series], width: width, height: height, title: title, xFormat: xFormat, yRange: yRange,
                  useColor: useColor, showLegend: showLegend)
    }

    /// The chart as text: lines separated by newlines, no trailing newline.
    /// Charts with no drawable point render as the title and `(no data)`.
    public func render() -> String {
        let w = max(2, min(500, width))
        let h = max(2, min(200, height))
        let all = series.flatMap { placedPoints($0).compactMap { $0 } }
        var lines: [String] = []
        guard let first = all.first else {
            if let title, !title.isEmpty { lines.append(title) }
            lines.append("(no data)")
            return lines.joined(separator: "\n")
        }

        var xLo = first.x, xHi = first.x, yLo = first.y, yHi = first.y
        for p in all {
            xLo = min(xLo, p.x); xHi = max(xHi, p.x)
            yLo = min(yLo, p.y); yHi = max(yHi, p.y)
        }
        let xScale = AxisScale(exact: xLo, xHi)
        let yScale: AxisScale
        if let yRange, yRange.lowerBound.isFinite, yRange.upperBound.isFinite {
            yScale = AxisScale(exact: yRange.lowerBound, yRange.upperBound)
        } else {
            yScale = AxisScale(nice: yLo, yHi, targetTicks: max(2, min(h / 3 + 1, 8)))
        }

        let canvas = plot(w: w, h: h, xScale: xScale, yScale: yScale)
        let yLabels = rowLabels(h: h, yScale: yScale)
        let labelWidth = yLabels.values.map(\.count).max() ?? 0
        let gutter = String(repeating: " ", count: labelWidth)

        if let title, !title.isEmpty {
            let total = labelWidth + 2 + w
            let pad = max(0, (total - title.count) / 2)
            lines.append(String(repeating: " ", count: pad) + title)
        }
        for row in 0..<h {
            let label = yLabels[row] ?? ""
            let padded = String(repeating: " ", count: labelWidth - label.count) + label
            lines.append(padded + (yLabels[row] == nil ? " │" : " ┤") + canvas.row(row, useColor: useColor))
        }
        lines.append(gutter + " └" + String(repeating: "─", count: w))
        lines.append(xAxisLabels(w: w, xScale: xScale, indent: labelWidth + 2))
        if let legend = legend() { lines.append(String(repeating: " ", count: labelWidth + 2) + legend) }
        return lines.joined(separator: "\n")
    }

    /// Draws every series on a canvas; gaps (NaN, infinities) break the line.
    private func plot(w: Int, h: Int, xScale: AxisScale, yScale: AxisScale) -> BrailleCanvas {
        var canvas = BrailleCanvas(width: w, height: h)
        let maxX = Double(canvas.dotWidth - 1), maxY = Double(canvas.dotHeight - 1)
        // Fractions outside 0...1 (points beyond a fixed y range) are clamped
        // to a margin before conversion, since Int(Double) traps on overflow.
        let toInt = { (v: Double) -> Int in v.isFinite ? Int(max(-1e6, min(1e6, v.rounded()))) : 0 }
        for (index, s) in series.enumerated() {
            let color = s.color ?? ANSIColor.paletteColor(index)
            var previous: (Int, Int)? = nil
            for point in placedPoints(s) {
                guard let point else { previous = nil; continue }
                let px = toInt(xScale.fraction(of: point.x) * maxX)
                let py = toInt((1 - yScale.fraction(of: point.y)) * maxY)
                if let (x0, y0) = previous, s.style == .line {
                    canvas.line(x0: x0, y0: y0, x1: px, y1: py, color: color)
                } else {
                    canvas.set(x: px, y: py, color: color)
                }
                previous = (px, py)
            }
        }
        return canvas
    }

    /// The series' points in axis space: log10 of values on log axes.
    private func placedPoints(_ s: ChartSeries) -> [(x: Double, y: Double)?] {
        guard logX || logY else { return s.points }
        return s.points.map { point in
            guard let point, !(logX && point.x <= 0), !(logY && point.y <= 0) else { return nil }
            return (logX ? log10(point.x) : point.x, logY ? log10(point.y) : point.y)
        }
    }

    /// A tick label for a position in axis space.
    private func axisLabel(_ position: Double, step: Double, log: Bool) -> String {
        log ? TickFormat.number(pow(10, position), step: pow(10, min(0, position.rounded(.down)))) : TickFormat.number(position, step: step)
    }

    /// Tick labels by cell row: each tick goes on the row holding its dot;
    /// when two ticks share a row the first (lowest) one keeps it.
    private func rowLabels(h: Int, yScale: AxisScale) -> [Int: String] {
        var labels: [Int: String] = [:]
        let maxY = Double(h * 4 - 1)
        for tick in yScale.ticks {
            let dot = ((1 - yScale.fraction(of: tick)) * maxY).rounded()
            guard dot.isFinite else { continue }
            let row = max(0, min(h - 1, Int(max(0, min(maxY, dot))) / 4))
            if labels[row] == nil { labels[row] = axisLabel(tick, step: yScale.step, log: logY) }
        }
        return labels
    }

    /// The x label line: evenly spaced labels, first and last flush with the
    /// plot's edges, as many as fit with a space between neighbours.
    private func xAxisLabels(w: Int, xScale: AxisScale, indent: Int) -> String {
        let span = xScale.upper / 2 - xScale.lower / 2  // halves: no overflow
        let value = { (f: Double) -> Double in xScale.lower + 2 * span * f }
        let estimate = max(label(xScale.lower, step: span), label(xScale.upper, step: span)).count
        let count = max(2, min(6, w / (estimate + 2)))
        let step = 2 * span / Double(count - 1)
        var chars = [Character](repeating: " ", count: indent + w + estimate)
        var lastEnd = -1
        for i in 0..<count {
            let f = Double(i) / Double(count - 1)
            let text = Array(label(value(f), step: step))
            let center = indent + Int((f * Double(w - 1)).rounded())
            var start = center - text.count / 2
            if i == 0 { start = indent }
            if i == count - 1 { start = indent + w - text.count }
            start = max(0, min(chars.count - text.count, start))
            guard start > lastEnd else { continue }
            for (k, c) in text.enumerated() where start + k < chars.count { chars[start + k] = c }
            lastEnd = start + text.count
        }
        var line = String(chars)
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }

    private func label(_ value: Double, step: Double) -> String {
        switch xFormat {
        case .number: return axisLabel(value, step: step, log: logX)
        case .time(let zone): return TickFormat.time(value, timeZone: zone)
        }
    }

    /// `⣿ name` per series, coloured like its line; nil when not wanted.
    private func legend() -> String? {
        guard showLegend, !series.isEmpty, series.count > 1 || series.contains(where: { !$0.name.isEmpty }) else {
            return nil
        }
        let entries = series.enumerated().map { index, s -> String in
            let marker = "⣿"
            let name = s.name.isEmpty ? "series \(index + 1)" : s.name
            let color = s.color ?? ANSIColor.paletteColor(index)
            return (useColor ? color.wrap(marker) : marker) + " " + name
        }
        return entries.joined(separator: "  ")
    }
}
