// Charts as terminal text: how a plot prints in the REPL.
//
// xy charts are braille line charts (LineChart; metrics.watch draws through
// this renderer too); bars and histograms are horizontal bars of eighth blocks with their
// values; heatmaps are shade characters, two per cell so cells look square.
// Colour is ANSI escapes, only when asked for (a TTY without NO_COLOR).

import Foundation

/// Renders a `Chart` as text for a terminal.
public struct TerminalRenderer: Sendable {
    /// Plot width in cells.
    public var width: Int
    /// Plot height in cells (xy charts).
    public var height: Int
    /// Whether to emit ANSI colour escapes.
    public var useColor: Bool
    /// The zone time axes are labelled in (UTC unless set; metrics.watch uses the local one).
    public var timeZone = TimeZone(secondsFromGMT: 0) ?? .current

    /// A renderer for plots of `width` x `height` cells (clamped to 10...500 and 3...200).
    public init(width: Int = 60, height: Int = 15, useColor: Bool = false) {
        self.width = max(10, min(500, width))
        self.height = max(3, min(200, height))
        self.useColor = useColor
    }

    /// The chart as lines separated by newlines, no trailing newline.
    public func render(_ chart: Chart) -> String {
        var lines: [String] = []
        switch chart.content {
        case .xy(let series):
            var line = LineChart(series, width: width, height: height, title: chart.title,
                                 xFormat: chart.xAxis == .time ? .time(timeZone: timeZone) : .number, useColor: useColor)
            line.logX = chart.xAxis == .log
            line.logY = chart.yAxis == .log
            lines.append(line.render())
            if !chart.xLabel.isEmpty || !chart.yLabel.isEmpty {
                lines.append([chart.xLabel.isEmpty ? nil : "x: " + chart.xLabel,
                              chart.yLabel.isEmpty ? nil : "y: " + chart.yLabel].compactMap { $0 }.joined(separator: "  "))
            }
            return lines.joined(separator: "\n")
        case .bars(let labels, let values):
            if !chart.title.isEmpty { lines.append(chart.title) }
            lines += bars(values.indices.map { $0 < labels.count ? labels[$0] : "" }, values)
        case .histogram(let edges, let counts):
            if !chart.title.isEmpty { lines.append(chart.title) }
            let step = edges.count > 1 ? edges[1] - edges[0] : 1
            let labels = counts.indices.map { i in
                "[" + TickFormat.number(edges[i], step: step) + ", " + TickFormat.number(edges[i + 1], step: step)
                    + (i == counts.count - 1 ? "]" : ")")
            }
            lines += bars(labels, counts)
        case .heatmap(let rows):
            if !chart.title.isEmpty { lines.append(chart.title) }
            lines += heatmap(rows)
        }
        if chart.isEmpty { lines.append("(no data)") }
        return lines.joined(separator: "\n")
    }

    /// One row per bar: label, bar scaled to the largest magnitude, value.
    private func bars(_ labels: [String], _ values: [Double]) -> [String] {
        let largest = values.filter(\.isFinite).map(abs).max() ?? 0
        guard largest > 0 || values.contains(where: \.isFinite) else { return [] }
        let labelWidth = min(24, labels.map(\.count).max() ?? 0)
        let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return zip(labels, values).map { label, value in
            let shown = label.count > labelWidth ? String(label.prefix(labelWidth - 1)) + "…" : label
            let padded = shown + String(repeating: " ", count: labelWidth - shown.count)
            guard value.isFinite else { return padded + " │ " + TickFormat.number(value, step: 1) }
            let units = largest > 0 ? Int((abs(value) / largest * Double(width * 8)).rounded()) : 0
            var bar = String(repeating: "█", count: units / 8) + eighths[units % 8]
            if useColor { bar = (value < 0 ? ANSIColor.red : ANSIColor.blue).wrap(bar) }
            return padded + " │" + bar + " " + (value < 0 ? "-" : "") + TickFormat.number(abs(value), step: largest / 100)
        }
    }

    /// Shade characters from the lowest value (space) to the highest (█).
    private func heatmap(_ rows: [[Double]]) -> [String] {
        let finite = rows.flatMap { $0 }.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return [] }
        let shades: [Character] = [" ", "░", "▒", "▓", "█"]
        var lines = rows.prefix(height * 4).map { row in
            String(row.prefix(width).flatMap { value -> [Character] in
                guard value.isFinite else { return ["·", "·"] }
                let shade = shades[min(shades.count - 1, Int(heatmapLevel(value, low: low, high: high) * Double(shades.count)))]
                return [shade, shade]
            })
        }
        let span = high > low ? high - low : 1
        lines.append("  ' '=" + TickFormat.number(low, step: span / 10) + "  █=" + TickFormat.number(high, step: span / 10))
        return lines
    }
}
