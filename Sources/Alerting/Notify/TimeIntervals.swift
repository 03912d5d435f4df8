// Named time intervals (`time_intervals:` and the older
// `mute_time_intervals:`), which routes name to mute themselves or to be
// active only at certain times.
//
// This is Alertmanager 0.25's timeinterval package: a named interval holds
// windows, and contains a moment when any window does; a window contains it
// when every field it sets does (times of day, weekdays, days of the month
// counted from either end, months, years), in its `location` or, without
// one, in local time, as Alertmanager evaluates them against time.Now().
// A field given as an empty list matches nothing, as in Go, where an empty
// list is not a missing one.

import Foundation

/// A named set of recurring time windows.
public struct NamedTimeInterval: Sendable {
    /// The name routes use.
    public var name: String
    /// The windows; the interval contains a moment when any of them does.
    public var windows: [TimeWindow]
    /// Where it is defined.
    public var line: Int?

    /// True when `date` falls in one of the windows. A window without a
    /// `location` is read in `defaultTimeZone`.
    public func contains(_ date: Date, defaultTimeZone: TimeZone = .current) -> Bool {
        windows.contains { $0.contains(date, defaultTimeZone: defaultTimeZone) }
    }
}

/// One recurring window: each field set narrows it; nil means any.
public struct TimeWindow: Sendable, Equatable {
    /// Minutes of the day, start inclusive and end exclusive (0..<1440).
    public var times: [Range<Int>]?
    /// Weekdays, 0 = Sunday, ranges inclusive.
    public var weekdays: [ClosedRange<Int>]?
    /// Days of the month, inclusive; negative counts from the end (-1 = the last day).
    public var daysOfMonth: [DayOfMonthRange]?
    /// Months, 1 = January, inclusive.
    public var months: [ClosedRange<Int>]?
    /// Years, inclusive.
    public var years: [ClosedRange<Int>]?
    /// The time zone the window is read in.
    public var location: TimeZone?

    /// True when `date` is inside the window (timeinterval.ContainsTime).
    public func contains(_ date: Date, defaultTimeZone: TimeZone = .current) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = location ?? defaultTimeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let hour = parts.hour,
              let minute = parts.minute, let weekday = parts.weekday else { return false }

        if let times, !times.contains(where: { $0.contains(hour * 60 + minute) }) { return false }
        if let daysOfMonth {
            let length = Self.daysInMonth(year: year, month: month, calendar: calendar)
            let inside = daysOfMonth.contains { range in
                let begin = range.begin < 0 ? length + range.begin + 1 : range.begin
                let end = range.end < 0 ? length + range.end + 1 : range.end
                // A range that starts after the month ends (31 in April) is skipped, not clamped.
                guard begin <= length else { return false }
                return day >= clamp(begin, -length, length) && day <= clamp(end, -length, length)
            }
            if !inside { return false }
        }
        if let months, !months.contains(where: { $0.contains(month) }) { return false }
        if let weekdays, !weekdays.contains(where: { $0.contains(weekday - 1) }) { return false }
        if let years, !years.contains(where: { $0.contains(year) }) { return false }
        return true
    }

    /// The length of a month as Go's daysInMonth computes it: the hours
    /// between the first of the month and the first of the next, over 24,
    /// truncated; in a zone that springs forward that month, one day short.
    static func daysInMonth(year: Int, month: Int, calendar: Calendar) -> Int {
        guard let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
              let end = calendar.date(from: DateComponents(year: month == 12 ? year + 1 : year,
                                                          month: month == 12 ? 1 : month + 1, day: 1))
        else { return 31 }
        return Int(end.timeIntervalSince(start) / 86_400)
    }
}

/// Days of the month from `begin` to `end`, inclusive; a negative day
/// counts from the end of the month, so 5:-1 is the fifth to the last.
public struct DayOfMonthRange: Sendable, Equatable {
    /// The first day (1...31, or -31...-1 from the end).
    public var begin: Int
    /// The last day, inclusive.
    public var end: Int
}

private func clamp(_ n: Int, _ low: Int, _ high: Int) -> Int { min(max(n, low), high) }

// MARK: - Reading

extension NamedTimeInterval {
    /// One entry of `time_intervals:` (or `mute_time_intervals:`, whose
    /// error messages say so).
    static func parse(_ value: YAMLValue, muteKey: Bool) throws(YAMLFileError) -> NamedTimeInterval {
        let fields = try value.mapping(known: ["name", "time_intervals"])
        guard let name = try fields["name"].map(nonEmptyString) ?? nil else {
            throw value.error(muteKey ? "missing name in mute time interval" : "missing name in time interval")
        }
        var windows: [TimeWindow] = []
        for item in try fields["time_intervals"]?.sequence() ?? [] {
            windows.append(try TimeWindow.parse(item))
        }
        return NamedTimeInterval(name: name, windows: windows, line: value.line)
    }
}

extension TimeWindow {
    static func parse(_ value: YAMLValue) throws(YAMLFileError) -> TimeWindow {
        let fields = try value.mapping(known: ["times", "weekdays", "days_of_month", "months", "years", "location"])
        var window = TimeWindow()
        window.times = try list(fields["times"]) { item throws(YAMLFileError) in try parseTimeRange(item) }
        window.weekdays = try list(fields["weekdays"]) { item throws(YAMLFileError) in
            let (begin, end) = try range(item) { Self.weekdayNames[$0] }
            guard begin <= end else { throw item.error("start day cannot be before end day") }
            return begin...end
        }
        window.daysOfMonth = try list(fields["days_of_month"]) { item throws(YAMLFileError) in
            let (begin, end) = try range(item) { Int($0) }
            for day in [begin, end] where day == 0 || day < -31 || day > 31 {
                throw item.error("\(day) is not a valid day of the month: out of range")
            }
            if begin < 0 && end > 0 { throw item.error("end day must be negative if start day is negative") }
            // Checked against a 28-day month: only ranges that are always empty are refused.
            if (begin < 0 ? 28 + begin : begin) > (end < 0 ? 28 + end : end) {
                throw item.error("end day \(end) is always before start day \(begin)")
            }
            return DayOfMonthRange(begin: begin, end: end)
        }
        window.months = try list(fields["months"]) { item throws(YAMLFileError) in
            let (begin, end) = try range(item) { Self.monthNames[$0] ?? Int($0) }
            guard begin <= end else {
                let name = { (n: Int) in Self.monthNames.first { $0.value == n }?.key ?? "" }
                throw item.error("end month \(name(end)) is before start month \(name(begin))")
            }
            return begin...end
        }
        window.years = try list(fields["years"]) { item throws(YAMLFileError) in
            let (begin, end) = try range(item) { Int($0) }
            guard begin <= end else { throw item.error("end year \(end) is before start year \(begin)") }
            return begin...end
        }
        if let field = fields["location"], !field.isNull {
            let name = try field.string()
            switch name {
            case "", "UTC": window.location = TimeZone(identifier: "UTC")
            case "Local": window.location = .current
            default:
                guard let zone = TimeZone(identifier: name) else { throw field.error("unknown time zone \(name)") }
                window.location = zone
            }
        }
        return window
    }

    static let weekdayNames: [String: Int] = [
        "sunday": 0, "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
    ]
    static let monthNames: [String: Int] = [
        "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
        "september": 9, "october": 10, "november": 11, "december": 12,
    ]

    /// A list field: nil when absent or null, otherwise every item read by `item`.
    private static func list<T>(_ value: YAMLValue?, _ item: (YAMLValue) throws(YAMLFileError) -> T)
        throws(YAMLFileError) -> [T]? {
        guard let value, !value.isNull else { return nil }
        var out: [T] = []
        for element in try value.sequence() { out.append(try item(element)) }
        return out
    }

    /// `a` or `a:b`, lower-cased, each end read by `member`.
    private static func range(_ value: YAMLValue, member: (String) -> Int?) throws(YAMLFileError) -> (Int, Int) {
        let text = try value.string().lowercased()
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count <= 2 else { throw value.error("couldn't parse range \(text), invalid format") }
        var ends: [Int] = []
        for part in parts {
            guard let n = member(part) else { throw value.error("\(part) is not a valid value in \"\(text)\"") }
            ends.append(n)
        }
        return (ends[0], ends[ends.count - 1])
    }

    /// `{start_time: "09:00", end_time: "17:30"}`; `24:00` may end a range.
    private static func parseTimeRange(_ value: YAMLValue) throws(YAMLFileError) -> Range<Int> {
        let fields = try value.mapping(known: ["start_time", "end_time"])
        let start = try fields["start_time"].map(nonEmptyString) ?? nil
        let end = try fields["end_time"].map(nonEmptyString) ?? nil
        guard let start, let end else { throw value.error("both start and end times must be provided") }
        func minutes(_ text: String) throws(YAMLFileError) -> Int {
            let digits = Array(text.utf8)
            let isDigit = { (i: Int) in digits[i] >= UInt8(ascii: "0") && digits[i] <= UInt8(ascii: "9") }
            guard digits.count == 5, digits[2] == UInt8(ascii: ":"), isDigit(0), isDigit(1), isDigit(3), isDigit(4),
                  let hours = Int(text.prefix(2)), let mins = Int(text.suffix(2)),
                  (hours < 24 && mins < 60) || (hours == 24 && mins == 0)
            else { throw value.error("couldn't parse timestamp \(text), invalid format") }
            return hours * 60 + mins
        }
        let (from, to) = (try minutes(start), try minutes(end))
        guard from < to else { throw value.error("start time cannot be equal or greater than end time") }
        return from..<to
    }
}
