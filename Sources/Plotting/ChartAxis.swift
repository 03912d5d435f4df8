// Axes for the chart renderers: linear, logarithmic and time, each as a
// range in "axis space" (log10 of the value on a log axis) with ticks at
// values people read easily: 0, 25, 50; 1, 10, 100; 12:00, 12:15, 12:30.

import Foundation

/// One tick: where it sits (in axis space) and its label.
public struct AxisTick: Sendable, Equatable {
    /// Where the tick sits, in axis space.
    public var position: Double
    /// The text under or beside it.
    public var label: String
}

/// An axis fitted to a data range.
public struct ChartAxis: Sendable, Equatable {
    /// Linear, log or time.
    public let kind: AxisKind
    /// Lowest and highest positions shown, in axis space.
    public let lower: Double
    public let upper: Double
    /// Ticks within lower...upper, ascending.
    public let ticks: [AxisTick]

    /// Seconds between time ticks that read well: 1 s up to a week.
    static let timeSteps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
                                      21600, 43200, 86400, 172_800, 604_800]

    /// - Parameters:
    ///   - range: the data's range (values, not log10 of them).
    ///   - targetTicks: about how many ticks (at least 2).
    ///   - padToTicks: widen a linear axis to the enclosing round ticks (y
    ///     axes); otherwise the axis spans the data exactly (x axes).
    public init(_ kind: AxisKind, range: ClosedRange<Double>, targetTicks: Int, padToTicks: Bool) {
        self.kind = kind
        let target = max(2, targetTicks)
        switch kind {
        case .linear:
            let scale = AxisScale(nice: range.lowerBound, range.upperBound, targetTicks: target)
            if padToTicks {
                lower = scale.lower
                upper = scale.upper
            } else {
                (lower, upper) = AxisScale.widenIfDegenerate(range.lowerBound, range.upperBound, pad: 1)
            }
            let (low, high) = (lower, upper)
            let inside = scale.ticks.filter { $0 >= low - scale.step * 1e-9 && $0 <= high + scale.step * 1e-9 }
            ticks = inside.map { AxisTick(position: $0, label: TickFormat.number($0, step: scale.step)) }
        case .log:
            let lowExponent = log10(range.lowerBound).rounded(.down)
            var highExponent = log10(range.upperBound).rounded(.up)
            if highExponent <= lowExponent { highExponent = lowExponent + 1 }
            lower = lowExponent
            upper = highExponent
            let decades = Int(highExponent - lowExponent)
            let every = max(1, (decades + target - 1) / target)
            ticks = stride(from: 0, through: decades, by: every).map { i in
                let exponent = lowExponent + Double(i)
                return AxisTick(position: exponent, label: ChartAxis.powerOfTen(exponent))
            }
        case .time:
            (lower, upper) = AxisScale.widenIfDegenerate(range.lowerBound, range.upperBound, pad: 1)
            let span = upper - lower
            let step = ChartAxis.timeSteps.first { span / $0 <= Double(target) } ?? (span / Double(target) / 86400).rounded(.up) * 86400
            var t = (lower / step).rounded(.up) * step
            var found: [AxisTick] = []
            while t <= upper, found.count < 1000 {
                found.append(AxisTick(position: t, label: ChartAxis.timeLabel(t, step: step)))
                t += step
            }
            ticks = found
        }
    }

    /// The position of `value` in 0...1 along the axis (outside for values
    /// beyond it); nil when the axis cannot show the value.
    public func fraction(of value: Double) -> Double? {
        guard drawable(value, kind) else { return nil }
        let position = kind == .log ? log10(value) : value
        let span = upper / 2 - lower / 2
        guard span > 0 else { return 0.5 }
        let fraction = (position / 2 - lower / 2) / span
        // An axis whose ends are not finite (a span past Double's range) places nothing.
        return fraction.isFinite ? fraction : nil
    }

    /// The fraction of a tick position (already in axis space).
    public func fraction(ofPosition position: Double) -> Double {
        let span = upper / 2 - lower / 2
        let fraction = span > 0 ? (position / 2 - lower / 2) / span : 0.5
        return fraction.isFinite ? fraction : 0.5
    }

    /// 10^exponent as a plain number where that is short, else `1e-07`.
    static func powerOfTen(_ exponent: Double) -> String {
        if exponent >= -4 && exponent < 7 { return TickFormat.number(pow(10, exponent), step: pow(10, min(0, exponent))) }
        return "1e" + String(Int(exponent))
    }

    /// A time tick in UTC, as precise as the step needs: 12:00:05, 12:05 or 2026-12-06.
    static func timeLabel(_ seconds: Double, step: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e12 else { return "-" }
        let date = Date(timeIntervalSince1970: seconds)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let (h, m, s) = (c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
        if step >= 86400 { return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0) }
        if step >= 60 { return String(format: "%02d:%02d", h, m) }
        return String(format: "%02d:%02d:%02d", h, m, s)
    }
}
