/// A Go `time.Time` in UTC, as Prometheus's `toTime` and `humanizeTimestamp`
/// produce it: printed with Go's `Time.String()` and formatted with Go layouts.
public struct TemplateTime: Sendable, Equatable {
    /// Seconds since the Unix epoch.
    public var seconds: Int64
    /// Nanoseconds within the second, 0..<1_000_000_000.
    public var nanoseconds: Int64

    /// A time `seconds` + `nanoseconds` after the epoch; nanoseconds outside 0..<1e9 carry over.
    public init(seconds: Int64, nanoseconds: Int64) {
        // Normalise like Go's time.Unix: nanoseconds outside [0, 1e9) carry into seconds.
        var s = seconds, n = nanoseconds
        if n < 0 || n >= 1_000_000_000 {
            s += n / 1_000_000_000
            n %= 1_000_000_000
            if n < 0 { n += 1_000_000_000; s -= 1 }
        }
        self.seconds = s
        self.nanoseconds = n
    }

    /// Prometheus's floatToTime: seconds → nanoseconds (int64, truncated) →
    /// milliseconds (model.Time, truncated) → time.Time.
    static func fromPrometheusSeconds(_ v: Double) throws(FunctionError) -> TemplateTime {
        if v.isNaN || v.isInfinite { throw FunctionError("value is NaN or Inf") }
        let ns = v * 1e9
        if ns > 9223372036854775807.0 || ns < -9223372036854775808.0 {
            throw FunctionError("\(GoFloat.format(v, "g", -1)) cannot be represented as a nanoseconds timestamp since it overflows int64")
        }
        let ms = GoConvert.int64(ns) / 1_000_000
        return TemplateTime(seconds: ms / 1000, nanoseconds: (ms % 1000) * 1_000_000)
    }

    /// The broken-down civil time (proleptic Gregorian, UTC).
    struct Civil {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int, yearDay: Int
    }

    var civil: Civil {
        let days = floorDiv(seconds, 86_400)
        let secs = Int(seconds - days * 86_400)
        let date = RFC3339.civilFromDays(days)
        let (year, month, day) = (Int(date.year), Int(date.month), Int(date.day))
        let weekday = Int(((days % 7) + 11) % 7) // 1970-01-01 was a Thursday (4).
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334][month - 1]
        let yearDay = before + day + (leap && month > 2 ? 1 : 0)
        return Civil(year: year, month: month, day: day, hour: secs / 3600, minute: secs / 60 % 60,
                     second: secs % 60, weekday: weekday, yearDay: yearDay)
    }

    /// Go's `Time.String()`: "2006-01-02 15:04:05.999999999 -0700 MST".
    var goString: String {
        format("2006-01-02 15:04:05.999999999 -0700 MST")
    }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b < 0 ? q - 1 : q
    }
}

// MARK: - Go layouts

extension TemplateTime {
    static let longMonths = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]
    static let longDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// Go's `Time.Format(layout)` for a UTC time.
    func format(_ layout: String) -> String {
        let c = civil
        let l = Array(layout.utf8)
        var out: [UInt8] = []
        var i = 0
        func pad(_ v: Int, _ width: Int, _ fill: UInt8 = 48) -> [UInt8] {
            var s = Array(String(Swift.abs(v)).utf8)
            while s.count < width { s.insert(fill, at: 0) }
            if v < 0 { s.insert(UInt8(ascii: "-"), at: 0) }
            return s
        }
        func has(_ p: String) -> Bool {
            let u = Array(p.utf8)
            return i + u.count <= l.count && Array(l[i..<(i + u.count)]) == u
        }
        func isDigit(_ j: Int) -> Bool { j < l.count && l[j] >= 48 && l[j] <= 57 }
        while i < l.count {
            // Longest tokens first, as Go's nextStdChunk does.
            if has("January") { out += Array(Self.longMonths[c.month - 1].utf8); i += 7; continue }
            if has("Jan") { out += Array(Self.longMonths[c.month - 1].prefix(3).utf8); i += 3; continue }
            if has("Monday") { out += Array(Self.longDays[c.weekday].utf8); i += 6; continue }
            if has("Mon") { out += Array(Self.longDays[c.weekday].prefix(3).utf8); i += 3; continue }
            if has("MST") { out += Array("UTC".utf8); i += 3; continue }
            if has("2006") { out += pad(c.year, 4); i += 4; continue }
            if has("002") { out += pad(c.yearDay, 3); i += 3; continue }
            if has("01") { out += pad(c.month, 2); i += 2; continue }
            if has("02") { out += pad(c.day, 2); i += 2; continue }
            if has("03") { out += pad(c.hour % 12 == 0 ? 12 : c.hour % 12, 2); i += 2; continue }
            if has("04") { out += pad(c.minute, 2); i += 2; continue }
            if has("05") { out += pad(c.second, 2); i += 2; continue }
            if has("06") { out += pad(c.year % 100, 2); i += 2; continue }
            if has("15") { out += pad(c.hour, 2); i += 2; continue }
            if has("__2") { out += pad(c.yearDay, 3, 32); i += 3; continue }
            if has("_2") && !has("_2006") { out += pad(c.day, 2, 32); i += 2; continue }
            // Zone offsets, longest layout first. Times here are always UTC:
            // "-0700" prints as "+0000", "Z0700" as "Z".
            let offsets = ["-07:00:00", "-070000", "-07:00", "-0700", "-07"]
            if let layout = offsets.first(where: { has($0) }) {
                out += Array(layout.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "7", with: "0").utf8)
                i += layout.utf8.count
                continue
            }
            if let layout = offsets.map({ "Z" + $0.dropFirst() }).first(where: { has($0) }) {
                out.append(UInt8(ascii: "Z"))
                i += layout.utf8.count
                continue
            }
            if has("PM") { out += Array((c.hour >= 12 ? "PM" : "AM").utf8); i += 2; continue }
            if has("pm") { out += Array((c.hour >= 12 ? "pm" : "am").utf8); i += 2; continue }
            if (l[i] == UInt8(ascii: ".") || l[i] == UInt8(ascii: ",")) && i + 1 < l.count
                && (l[i + 1] == 48 || l[i + 1] == 57) {
                // .000 (fixed) or .999 (trailing zeros trimmed) fractional seconds, not followed by a digit.
                let ch = l[i + 1]
                var j = i + 1
                while j < l.count && l[j] == ch { j += 1 }
                if !isDigit(j) {
                    let n = j - i - 1
                    var frac = Array(pad(Int(nanoseconds), 9).prefix(n))
                    if ch == 57 {
                        while let last = frac.last, last == 48 { frac.removeLast() }
                        if !frac.isEmpty { out.append(l[i]); out += frac }
                    } else {
                        out.append(l[i]); out += frac
                    }
                    i = j
                    continue
                }
            }
            if l[i] == UInt8(ascii: "1") { out += Array(String(c.month).utf8); i += 1; continue }
            if l[i] == UInt8(ascii: "2") { out += Array(String(c.day).utf8); i += 1; continue }
            if l[i] == UInt8(ascii: "3") { out += Array(String(c.hour % 12 == 0 ? 12 : c.hour % 12).utf8); i += 1; continue }
            if l[i] == UInt8(ascii: "4") { out += Array(String(c.minute).utf8); i += 1; continue }
            if l[i] == UInt8(ascii: "5") { out += Array(String(c.second).utf8); i += 1; continue }
            out.append(l[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The `time.Time` methods a template may call; nil when there is no such method.
    /// Returns the method's parameter count and its implementation.
    static func method(_ name: String) -> (arity: Int, call: @Sendable (TemplateTime, [TemplateValue]) -> TemplateValue)? {
        switch name {
        case "Unix": return (0, { t, _ in .int(Int(t.seconds)) })
        case "UnixMilli": return (0, { t, _ in .int(Int(t.seconds) * 1000 + Int(t.nanoseconds) / 1_000_000) })
        case "UnixMicro": return (0, { t, _ in .int(Int(t.seconds) * 1_000_000 + Int(t.nanoseconds) / 1000) })
        case "UnixNano": return (0, { t, _ in .int(Int(t.seconds &* 1_000_000_000 &+ t.nanoseconds)) })
        case "Year": return (0, { t, _ in .int(t.civil.year) })
        case "Month": return (0, { t, _ in .string(longMonths[t.civil.month - 1]) })
        case "Day": return (0, { t, _ in .int(t.civil.day) })
        case "Hour": return (0, { t, _ in .int(t.civil.hour) })
        case "Minute": return (0, { t, _ in .int(t.civil.minute) })
        case "Second": return (0, { t, _ in .int(t.civil.second) })
        case "Nanosecond": return (0, { t, _ in .int(Int(t.nanoseconds)) })
        case "YearDay": return (0, { t, _ in .int(t.civil.yearDay) })
        case "Weekday": return (0, { t, _ in .string(longDays[t.civil.weekday]) })
        case "UTC", "Local": return (0, { t, _ in .time(t) })
        case "String": return (0, { t, _ in .string(t.goString) })
        case "Format":
            return (1, { t, args in
                if case .string(let layout) = args[0] { return .string(t.format(layout)) }
                return .nil_
            })
        default: return nil
        }
    }
}
