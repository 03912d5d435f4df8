// The ways Go prints durations in promtool's messages, so that `opslab
// alerts test` reads like the tool its users know.

enum GoDuration {
    /// Prometheus's model.Duration: "0s", "90s" as "1m30s", "1h30m", "2d", "1w".
    static func model(_ ms: Int64) -> String {
        guard ms != 0 else { return "0s" }
        var rest = ms
        var out = ""
        for (unit, size) in [("y", Int64(31_536_000_000)), ("w", 604_800_000), ("d", 86_400_000),
                             ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            if rest >= size {
                out += "\(rest / size)\(unit)"
                rest %= size
            }
        }
        return out
    }

    /// Go's time.Duration: "0s", "1m0s", "1h30m0s", "1.5s", "250ms".
    static func time(_ ms: Int64) -> String {
        guard ms != 0 else { return "0s" }
        if abs(ms) < 1000 { return "\(ms)ms" }
        let negative = ms < 0
        var rest = abs(ms)
        let hours = rest / 3_600_000
        rest %= 3_600_000
        let minutes = rest / 60_000
        rest %= 60_000
        var seconds = "\(rest / 1000)"
        if rest % 1000 != 0 {
            var fraction = String(format: "%03d", Int(rest % 1000))
            while fraction.hasSuffix("0") { fraction.removeLast() }
            seconds += "." + fraction
        }
        var out = negative ? "-" : ""
        if hours > 0 { out += "\(hours)h\(minutes)m" } else if minutes > 0 { out += "\(minutes)m" }
        return out + seconds + "s"
    }
}
