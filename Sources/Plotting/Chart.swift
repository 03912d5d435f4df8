// The one chart model both renderers draw: what is plotted (xy series,
// bars, a histogram or a heatmap) and how it is labelled. It holds data
// only; SVGRenderer and TerminalRenderer turn it into text.

import Foundation

/// How values along an axis are placed and labelled.
public enum AxisKind: Sendable, Equatable {
    /// Evenly spaced, ticks at round numbers.
    case linear
    /// Powers of ten evenly spaced; values <= 0 are not drawable and skipped.
    case log
    /// Unix seconds, ticks at round times (seconds to days) labelled in UTC.
    case time
}

/// What a chart draws.
public enum ChartContent: Sendable, Equatable {
    /// Lines and scatter series over numeric (or time) x values.
    case xy([ChartSeries])
    /// One bar per labelled category.
    case bars(labels: [String], values: [Double])
    /// Counts of values per bin; `edges` has one more element than `counts`.
    case histogram(edges: [Double], counts: [Double])
    /// A matrix of values shown as coloured cells, row 1 at the top.
    case heatmap([[Double]])
}

/// A chart: content plus title, axis labels and scales.
public struct Chart: Sendable, Equatable {
    /// What is drawn.
    public var content: ChartContent
    /// Title above the plot; empty for none.
    public var title: String
    /// Label under the x axis; empty for none.
    public var xLabel: String
    /// Label beside the y axis; empty for none.
    public var yLabel: String
    /// Scale of the x axis (xy charts only).
    public var xAxis: AxisKind
    /// Scale of the y axis (xy, bar and histogram charts).
    public var yAxis: AxisKind

    /// A chart of `content`; empty labels are left out.
    public init(_ content: ChartContent, title: String = "", xLabel: String = "", yLabel: String = "",
                xAxis: AxisKind = .linear, yAxis: AxisKind = .linear) {
        self.content = content
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xAxis = xAxis
        self.yAxis = yAxis
    }

    /// A histogram of `values` in `bins` equal-width bins spanning the finite
    /// values; NaN and infinities are not counted. With no finite value the
    /// histogram is empty.
    public static func histogram(_ values: [Double], bins: Int, title: String = "", xLabel: String = "",
                                 yLabel: String = "count") -> Chart {
        let finite = values.filter(\.isFinite)
        let binCount = max(1, bins)
        guard let low = finite.min(), let high = finite.max() else {
            return Chart(.histogram(edges: [], counts: []), title: title, xLabel: xLabel, yLabel: yLabel)
        }
        let (lo, hi) = AxisScale.widenIfDegenerate(low, high, pad: 0.5)
        // Half the span, added twice: the span itself may pass
        // Double.greatestFiniteMagnitude (-1e308...1e308).
        let halfSpan = hi / 2 - lo / 2
        let edges = (0...binCount).map { i -> Double in
            let offset = Double(i) / Double(binCount) * halfSpan
            return i == binCount ? hi : lo + offset + offset
        }
        var counts = [Double](repeating: 0, count: binCount)
        for v in finite {
            let position = (v / 2 - lo / 2) / (hi / 2 - lo / 2) * Double(binCount)
            // The top edge belongs to the last bin, as in numpy.histogram.
            let bin = position.isFinite ? min(binCount - 1, max(0, Int(position))) : 0
            counts[bin] += 1
        }
        return Chart(.histogram(edges: edges, counts: counts), title: title, xLabel: xLabel, yLabel: yLabel)
    }

    /// True when there is nothing drawable: no finite point (that the axes
    /// can show), bar or cell.
    public var isEmpty: Bool {
        switch content {
        case .xy: return xyBounds() == nil
        case .bars(_, let values): return !values.contains(where: \.isFinite)
        case .histogram(_, let counts): return counts.isEmpty
        case .heatmap(let rows): return !rows.contains { $0.contains(where: \.isFinite) }
        }
    }

    /// The x and y ranges of the drawable data (after dropping values a log
    /// axis cannot show); nil when there is none.
    func xyBounds() -> (x: ClosedRange<Double>, y: ClosedRange<Double>)? {
        guard case .xy(let series) = content else { return nil }
        var xLo = Double.infinity, xHi = -Double.infinity, yLo = Double.infinity, yHi = -Double.infinity
        for s in series {
            for case let p? in s.points where drawable(p.x, xAxis) && drawable(p.y, yAxis) {
                xLo = min(xLo, p.x); xHi = max(xHi, p.x)
                yLo = min(yLo, p.y); yHi = max(yHi, p.y)
            }
        }
        guard xLo <= xHi, yLo <= yHi else { return nil }
        return (xLo...xHi, yLo...yHi)
    }
}

/// Whether `value` can be placed on an axis of `kind`.
func drawable(_ value: Double, _ kind: AxisKind) -> Bool {
    value.isFinite && (kind != .log || value > 0)
}

/// Where a heatmap cell's value lies between the lowest and highest finite
/// values, from 0 to 1, as both renderers shade it. Computed on halves so a
/// span near Double's range does not overflow; a span too small to divide
/// (5e-324 and 0) shades the middle.
func heatmapLevel(_ value: Double, low: Double, high: Double) -> Double {
    let level = (value / 2 - low / 2) / (high / 2 - low / 2)
    return level.isFinite ? min(1, max(0, level)) : 0.5
}
