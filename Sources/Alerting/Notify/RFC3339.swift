// Timestamps as Alertmanager writes and reads them.
//
// Alertmanager prints time in two ways, and receivers see both: the API v2
// (silences, alerts) goes through go-openapi's strfmt.DateTime, which always
// writes milliseconds ("2024-05-01T12:00:00.000Z"), while the webhook body is
// encoding/json over time.Time, which writes RFC 3339 with as many fraction
// digits as needed and none for a whole second ("2024-05-01T12:00:00Z",
// "...:00.25Z"). An alert that is still firing carries Go's zero time,
// "0001-01-01T00:00:00Z", as its end.
//
// Times are milliseconds since the epoch everywhere else in Alerting, so the
// conversion is done here with integer calendar arithmetic (days from civil
// dates, proleptic Gregorian), which needs no time zone database and covers
// year 1 as well as year 9999 exactly.

/// Reading and writing RFC 3339 timestamps as Alertmanager does, in UTC.
public enum RFC3339 {
    /// Go's zero time.Time, in milliseconds since the epoch (0001-01-01T00:00:00Z).
    public static let goZeroTimeMs: Int64 = daysFromCivil(year: 1, month: 1, day: 1) * 86_400_000

    /// `2024-05-01T12:00:00.000Z`: always three fraction digits, as the API v2 writes times.
    public static func withMilliseconds(_ ms: Int64) -> String {
        let (seconds, millis) = split(ms)
        return dateTime(seconds) + "." + pad(Int(millis), 3) + "Z"
    }

    /// `2024-05-01T12:00:00Z` or `...:00.25Z`: time.Time's JSON form, trailing
    /// zeros of the fraction dropped; nil is Go's zero time.
    public static func goTime(_ ms: Int64?) -> String {
        let (seconds, millis) = split(ms ?? goZeroTimeMs)
        guard millis != 0 else { return dateTime(seconds) + "Z" }
        var fraction = pad(Int(millis), 3)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return dateTime(seconds) + "." + fraction + "Z"
    }

    /// Milliseconds since the epoch of an RFC 3339 timestamp
    /// (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`); digits of the fraction
    /// past milliseconds are dropped. Nil when the text is not one.
    public static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var n = 0
            for i in at..<(at + count) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int(b[i] - 0x30)
            }
            return n
        }
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
              let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
              (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second < 60
        else { return nil }

        var i = 19
        var millis = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if i - start < 3 { millis = millis * 10 + Int(b[i] - 0x30) }
                i += 1
            }
            guard i > start else { return nil }
            for _ in min(i - start, 3)..<3 { millis *= 10 }
        }

        var offsetMinutes = 0
        guard i < b.count else { return nil }
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard b.count == i + 6, b[i + 3] == UInt8(ascii: ":"),
                  let hours = digits(i + 1, 2), let mins = digits(i + 4, 2), hours < 24, mins < 60
            else { return nil }
            offsetMinutes = (hours * 60 + mins) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }

        let days = daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        let seconds = days * 86_400 + Int64(hour * 3_600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1_000 + Int64(millis)
    }

    // MARK: - Calendar arithmetic

    /// Whole seconds (rounded down) and the milliseconds past them.
    private static func split(_ ms: Int64) -> (Int64, Int64) {
        var seconds = ms / 1_000
        var millis = ms % 1_000
        if millis < 0 { seconds -= 1; millis += 1_000 }
        return (seconds, millis)
    }

    /// `YYYY-MM-DDTHH:MM:SS` in UTC.
    private static func dateTime(_ seconds: Int64) -> String {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { days -= 1; secondOfDay += 86_400 }
        let (year, month, day) = civilFromDays(days)
        let s = Int(secondOfDay)
        return pad(Int(year), 4) + "-" + pad(Int(month), 2) + "-" + pad(Int(day), 2) + "T"
            + pad(s / 3_600, 2) + ":" + pad(s / 60 % 60, 2) + ":" + pad(s % 60, 2)
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let text = String(n)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
    /// days_from_civil: years counted from March, so the leap day is last).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01 (the inverse of daysFromCivil).
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension KeyedDecodingContainer {
    /// An RFC 3339 timestamp field as milliseconds since the epoch; a
    /// decoding error naming the field when it is not one.
    func decodeRFC3339(forKey key: Key) throws -> Int64 {
        let text = try decode(String.self, forKey: key)
        guard let ms = RFC3339.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                   debugDescription: "\(key.stringValue): not an RFC 3339 time: \(text)")
        }
        return ms
    }
}
