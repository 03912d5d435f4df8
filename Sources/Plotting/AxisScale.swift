// Axis ranges, tick values and tick labels.
//
// Ticks land on "nice" numbers (1, 2 or 5 times a power of ten) and the data
// range is widened to the enclosing ticks, so the labels read 0, 25, 50
// rather than 3.17, 26.8, 50.4. Degenerate ranges (one point, a constant
// series) are widened around the value; huge and tiny values are handled
// without overflow, since a monitoring chart will meet both.

import Foundation

/// How x-axis values are labelled.
public enum XAxisFormat: Sendable, Equatable {
    /// Plain numbers, formatted like y ticks.
    case number
    /// x is Unix seconds, shown as HH:MM:SS in `timeZone`.
    case time(timeZone: TimeZone)

    /// Times in UTC.
    public static let utcTime = XAxisFormat.time(timeZone: TimeZone(identifier: "UTC") ?? .current)
}

/// A linear axis: a closed range and its tick values.
public struct AxisScale: Sendable, Equatable {
    /// Lowest value shown.
    public var lower: Double
    /// Highest value shown.
    public var upper: Double
    /// Tick values, ascending, all within lower...upper.
    public var ticks: [Double]
    /// Distance between ticks (0 when there is a single tick).
    public var step: Double

    /// An axis over exactly `lower...upper` with no widening (used for x).
    public init(exact lower: Double, _ upper: Double) {
        // x values are positions or Unix times, where padding by a fraction
        // of the value (years, for a time) makes no sense: pad by one unit.
        let (lo, hi) = AxisScale.widenIfDegenerate(lower, upper, pad: 1)
        self.lower = lo
        self.upper = hi
        self.ticks = [lo, hi]
        self.step = hi - lo
    }

    /// An axis covering `lower...upper`, widened to nice tick values, with
    /// about `targetTicks` ticks.
    public init(nice lower: Double, _ upper: Double, targetTicks: Int) {
        let (lo, hi) = AxisScale.widenIfDegenerate(lower, upper)
        let count = max(2, targetTicks)
        let rawStep = (hi / Double(count - 1)) - (lo / Double(count - 1))
        let step = AxisScale.niceStep(rawStep)
        let first = (lo / step).rounded(.down) * step
        let last = (hi / step).rounded(.up) * step
        guard step > 0, step.isFinite, first.isFinite, last.isFinite, (last - first) / step < 1000 else {
            // Spans near the edge of Double's range: keep the exact bounds.
            self = AxisScale(exact: lo, hi)
            return
        }
        var ticks: [Double] = []
        var i = 0.0
        // Ticks are snapped to the decimals the step needs, so 3 * 0.2 is
        // stored as 0.6 and not 0.6000000000000001 (labels and equality agree).
        let scale = pow(10, Double(TickFormat.decimalsNeeded(for: step)))
        while first + i * step <= last + step * 1e-9 {
            var t = first + i * step
            if abs(t) < step * 1e-9 { t = 0 }
            let snapped = (t * scale).rounded() / scale
            ticks.append(snapped.isFinite && abs(snapped - t) <= step * 1e-6 ? snapped : t)
            i += 1
        }
        self.lower = first
        self.upper = last
        self.ticks = ticks
        self.step = step
    }

    /// Widens an empty or inverted range around its value.
    /// - Parameter pad: the padding each side; by default 10% of the value.
    static func widenIfDegenerate(_ lower: Double, _ upper: Double, pad fixedPad: Double? = nil) -> (Double, Double) {
        guard lower.isFinite, upper.isFinite else { return (0, 1) }
        var lo = min(lower, upper), hi = max(lower, upper)
        if hi == lo {
            let pad = fixedPad ?? (lo == 0 ? 1 : abs(lo) * 0.1)
            lo -= pad
            hi += pad
        }
        return (lo, hi)
    }

    /// The nice number (1, 2, 2.5 or 5 times a power of ten) at or above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// Position of `value` within the axis, 0 at `lower` and 1 at `upper`.
    /// Computed on halves so that a span near Double.greatestFiniteMagnitude
    /// does not overflow to infinity.
    public func fraction(of value: Double) -> Double {
        let span = upper / 2 - lower / 2
        guard span > 0 else { return 0.5 }
        return (value / 2 - lower / 2) / span
    }
}

/// Formats tick labels.
public enum TickFormat {
    /// A number with as many decimals as `step` needs (none for integer
    /// steps), switching to exponent notation for very large or very small
    /// magnitudes so labels stay short: `0`, `2.5`, `1500`, `1.2e+09`.
    public static func number(_ value: Double, step: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e7 || magnitude < 1e-4 {
            return trimExponent(String(format: "%.3g", value))
        }
        let decimals = decimalsNeeded(for: step)
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// Decimals that show a multiple of `step` exactly: 0 for 5, 1 for 1.5, 2
    /// for 0.25; a step with no short exact form (10/3) gets one more digit
    /// than its magnitude, at most 6.
    static func decimalsNeeded(for step: Double) -> Int {
        guard step > 0, step.isFinite else { return 2 }
        var scaled = step
        for d in 0...6 {
            if abs(scaled - scaled.rounded()) <= 1e-9 * max(1, scaled) { return d }
            scaled *= 10
        }
        return max(0, min(6, Int((-log10(step)).rounded(.up)) + 1))
    }

    /// `seconds` since the Unix epoch as HH:MM:SS in `timeZone`.
    public static func time(_ seconds: Double, timeZone: TimeZone) -> String {
        guard seconds.isFinite, abs(seconds) < 1e15 else { return "--:--:--" }
        let offset = Double(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: seconds)))
        let local = Int64((seconds + offset).rounded(.down))
        let ofDay = ((local % 86_400) + 86_400) % 86_400
        let h = ofDay / 3600, m = (ofDay % 3600) / 60, s = ofDay % 60
        return String(format: "%02d:%02d:%02d", Int(h), Int(m), Int(s))
    }

    /// `1.20e+09` -> `1.2e+09`: drops zeros that %g keeps in the mantissa.
    static func trimExponent(_ text: String) -> String {
        guard let e = text.firstIndex(of: "e") else { return text }
        var mantissa = String(text[..<e])
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        return mantissa + text[e...]
    }
}
