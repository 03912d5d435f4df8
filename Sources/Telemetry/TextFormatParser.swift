// Reading the Prometheus text format and OpenMetrics text into samples.
//
// Files to import run to millions of lines, so the parser works on the UTF-8
// bytes in place: no String per line, no array of scalars, numbers converted
// from the bytes. Most lines of a file repeat a series seen before (a file
// holds many samples per series), so the text of `name{labels}` is looked up
// in a table of series already built and the name and label set are shared
// rather than rebuilt; only a series seen for the first time is parsed in
// full and allocates. Anything unusual (a number the fast path does not
// cover, an error message) takes the slow path with Strings.

import Foundation

/// Parses the Prometheus text format and OpenMetrics text into samples:
/// `name{label="value",...} value [timestamp]` lines, `#` comments and
/// `# EOF`. Timestamps are seconds in OpenMetrics and milliseconds in the
/// Prometheus format; the caller says which (`timestampsInSeconds`).
public struct TextFormatParser: Sendable {
    /// A line that could not be read, with its 1-based number.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The 1-based line number.
        public let line: Int
        /// What is wrong with the line.
        public let message: String
        /// `line N: message`.
        public var description: String { "line \(line): \(message)" }
    }

    /// Whether timestamps are seconds (OpenMetrics) rather than milliseconds.
    public var timestampsInSeconds: Bool
    /// Used for samples without a timestamp.
    public var defaultTimestampMs: Int64

    /// Creates a parser.
    public init(timestampsInSeconds: Bool = true, defaultTimestampMs: Int64) {
        self.timestampsInSeconds = timestampsInSeconds
        self.defaultTimestampMs = defaultTimestampMs
    }

    /// Every sample of `text`, in order.
    public func parse(_ text: String) throws(ParseError) -> [Sample] {
        var text = text
        let result = text.withUTF8 { bytes in Result { () throws(ParseError) in try parse(utf8: bytes) } }
        return try result.get()
    }

    /// Every sample of UTF-8 text held in `bytes`, in order.
    public func parse(utf8 bytes: [UInt8]) throws(ParseError) -> [Sample] {
        let result = bytes.withUnsafeBufferPointer { buffer in Result { () throws(ParseError) in try parse(utf8: buffer) } }
        return try result.get()
    }

    /// Every sample of UTF-8 text in `bytes`, in order.
    public func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(ParseError) -> [Sample] {
        var samples: [Sample] = []
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return [] }
        // About one sample per 40 bytes in typical files; a guess that saves regrowth.
        samples.reserveCapacity(bytes.count / 40)
        var interner = SeriesInterner()
        var start = 0
        var number = 0
        let end = bytes.count
        while start <= end {
            number += 1
            var lineEnd = end
            if start < end, let newline = memchr(base + start, 0x0a, end - start) {
                lineEnd = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
            }
            let next = lineEnd + 1
            if lineEnd > start, bytes[lineEnd - 1] == 0x0d { lineEnd -= 1 }   // \r\n
            let line = UnsafeBufferPointer(rebasing: bytes[start..<lineEnd])
            start = next
            if line.isEmpty { continue }
            if line[0] == UInt8(ascii: "#") {
                if Self.isEOF(line) { break }
                continue
            }
            do {
                samples.append(try sample(line, &interner))
            } catch {
                throw ParseError(line: number, message: error.text)
            }
        }
        return samples
    }

    /// True for the line `# EOF`.
    private static func isEOF(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.count == 5 && line.elementsEqual("# EOF".utf8)
    }

    /// Why a line was rejected.
    struct Message: Error { let text: String }

    /// Parses one sample line (not empty, not a comment).
    private func sample(_ line: UnsafeBufferPointer<UInt8>,
                        _ interner: inout SeriesInterner) throws(Message) -> Sample {
        let seriesEnd = try SeriesText.end(of: line)
        let seriesBytes = UnsafeBufferPointer(rebasing: line[0..<seriesEnd])
        let series: (name: String, labels: Labels)
        if let known = interner.lookup(seriesBytes) {
            series = known
        } else {
            series = try SeriesText.parse(seriesBytes)
            interner.insert(seriesBytes, series)
        }
        // The value and an optional timestamp, separated by spaces.
        var fields = (0..<0, 0..<0)
        var fieldCount = 0
        var i = seriesEnd
        while i < line.count, fieldCount < 3 {
            while i < line.count, line[i] == UInt8(ascii: " ") { i += 1 }
            guard i < line.count else { break }
            let fieldStart = i
            while i < line.count, line[i] != UInt8(ascii: " ") { i += 1 }
            if fieldCount == 0 { fields.0 = fieldStart..<i } else { fields.1 = fieldStart..<i }
            fieldCount += 1
        }
        guard fieldCount == 1 || fieldCount == 2 else {
            throw Message(text: "expected a value and an optional timestamp after \(series.name)")
        }
        let valueBytes = UnsafeBufferPointer(rebasing: line[fields.0])
        guard let value = Self.number(valueBytes) else {
            throw Message(text: "\"\(String(decoding: valueBytes, as: UTF8.self))\" is not a number")
        }
        var timestampMs = defaultTimestampMs
        if fieldCount == 2 {
            let timeBytes = UnsafeBufferPointer(rebasing: line[fields.1])
            guard let t = DecimalText.double(timeBytes), t.isFinite, abs(t) < 1e15 else {
                throw Message(text: "\"\(String(decoding: timeBytes, as: UTF8.self))\" is not a timestamp")
            }
            timestampMs = timestampsInSeconds ? Int64((t * 1000).rounded()) : Int64(t)
        }
        return Sample(series.name, series.labels, value, timestampMs: timestampMs)
    }

    /// A sample value: `NaN`, `+Inf`, `Inf`, `-Inf` or a decimal number.
    static func number(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        if let first = text.first, first == UInt8(ascii: "N") || first == UInt8(ascii: "I")
            || (text.count == 4 && (first == UInt8(ascii: "+") || first == UInt8(ascii: "-")) && text[1] == UInt8(ascii: "I")) {
            if text.elementsEqual("NaN".utf8) { return .nan }
            if text.elementsEqual("+Inf".utf8) || text.elementsEqual("Inf".utf8) { return .infinity }
            if text.elementsEqual("-Inf".utf8) { return -.infinity }
        }
        return DecimalText.double(text)
    }
}

/// The `name{label="value",...}` part of a sample line.
enum SeriesText {
    @inline(__always)
    static func isNameByte(_ c: UInt8, first: Bool, colon: Bool = true) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || c == UInt8(ascii: "_") || (colon && c == UInt8(ascii: ":"))
            || (!first && c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }

    /// Where the series text ends: after the name, or after the `}` closing
    /// its labels (a `}` inside a quoted value does not count). An unclosed
    /// brace ends the series text at the end of the line; `parse` then says
    /// what is wrong with it.
    static func end(of line: UnsafeBufferPointer<UInt8>) throws(TextFormatParser.Message) -> Int {
        var i = 0
        while i < line.count, isNameByte(line[i], first: i == 0) { i += 1 }
        guard i > 0 else { throw TextFormatParser.Message(text: "expected a metric name") }
        guard i < line.count, line[i] == UInt8(ascii: "{") else { return i }
        var quoted = false
        i += 1
        while i < line.count {
            let c = line[i]
            if quoted {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { quoted = false }
            } else if c == UInt8(ascii: "\"") {
                quoted = true
            } else if c == UInt8(ascii: "}") {
                return i + 1
            }
            i += 1
        }
        return line.count
    }

    /// Parses the series text of a line: the name and the label set.
    static func parse(_ text: UnsafeBufferPointer<UInt8>) throws(TextFormatParser.Message) -> (name: String, labels: Labels) {
        typealias Message = TextFormatParser.Message
        var i = 0
        while i < text.count, isNameByte(text[i], first: i == 0) { i += 1 }
        let name = String(decoding: UnsafeBufferPointer(rebasing: text[0..<i]), as: UTF8.self)
        guard !name.isEmpty else { throw Message(text: "expected a metric name") }
        var pairs: [(String, String)] = []
        if i < text.count, text[i] == UInt8(ascii: "{") {
            i += 1
            while true {
                while i < text.count, text[i] == UInt8(ascii: " ") { i += 1 }
                if i < text.count, text[i] == UInt8(ascii: "}") { i += 1; break }
                let labelStart = i
                while i < text.count, isNameByte(text[i], first: i == labelStart, colon: false) { i += 1 }
                let label = String(decoding: UnsafeBufferPointer(rebasing: text[labelStart..<i]), as: UTF8.self)
                guard !label.isEmpty else { throw Message(text: "expected a label name in \(name){...}") }
                guard i + 1 < text.count, text[i] == UInt8(ascii: "="), text[i + 1] == UInt8(ascii: "\"") else {
                    throw Message(text: "expected =\"value\" after label \(label)")
                }
                i += 2
                var value: [UInt8] = []
                while i < text.count, text[i] != UInt8(ascii: "\"") {
                    if text[i] == UInt8(ascii: "\\"), i + 1 < text.count {
                        i += 1
                        switch text[i] {
                        case UInt8(ascii: "n"): value.append(0x0a)
                        case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                        case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                        default:
                            let escape = String(decoding: UnsafeBufferPointer(rebasing: text[i..<scalarEnd(text, i)]), as: UTF8.self)
                            throw Message(text: "unknown escape \\\(escape) in label \(label)")
                        }
                    } else {
                        value.append(text[i])
                    }
                    i += 1
                }
                guard i < text.count else { throw Message(text: "unterminated value of label \(label)") }
                i += 1
                guard !pairs.contains(where: { $0.0 == label }) else { throw Message(text: "label \(label) given twice") }
                pairs.append((label, String(decoding: value, as: UTF8.self)))
                if i < text.count, text[i] == UInt8(ascii: ",") { i += 1; continue }
                guard i < text.count, text[i] == UInt8(ascii: "}") else {
                    throw Message(text: "expected , or } after label \(label)")
                }
                i += 1
                break
            }
        }
        return (name, Labels(pairs))
    }

    /// The end of the UTF-8 sequence starting at `i`, for quoting it in a message.
    private static func scalarEnd(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i + 1
        while j < text.count, text[j] & 0xc0 == 0x80 { j += 1 }
        return j
    }
}

/// Decimal numbers from bytes.
enum DecimalText {
    /// 10^k for k in 0...22, all exact in a double.
    private static let powers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { x, _ in x * 10 } }

    /// The number `text` spells, as `Double(String)` reads it.
    ///
    /// Plain decimals (`-12.85`, `1700000000.25`, `3e5`) with at most 19
    /// significant digits whose mantissa fits 53 bits and whose power of ten
    /// is within ±22 are converted here: the mantissa and the power are both
    /// exact doubles, so one IEEE multiplication or division gives the
    /// correctly rounded result (Clinger's fast path), the same double strtod
    /// gives. Everything else goes to `Double(String)`.
    static func double(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        var negative = false
        if i < text.count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        while i < text.count, text[i] &- UInt8(ascii: "0") < 10 {
            mantissa = mantissa &* 10 &+ UInt64(text[i] &- UInt8(ascii: "0"))
            digits += 1
            i += 1
        }
        if i < text.count, text[i] == UInt8(ascii: ".") {
            i += 1
            while i < text.count, text[i] &- UInt8(ascii: "0") < 10 {
                mantissa = mantissa &* 10 &+ UInt64(text[i] &- UInt8(ascii: "0"))
                digits += 1
                exponent -= 1
                i += 1
            }
        }
        if i < text.count, digits > 0, text[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < text.count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            var written = 0
            var exponentDigits = 0
            while i < text.count, text[i] &- UInt8(ascii: "0") < 10, exponentDigits < 6 {
                written = written * 10 + Int(text[i] &- UInt8(ascii: "0"))
                exponentDigits += 1
                i += 1
            }
            if exponentDigits == 0 { return slow(text) }
            exponent += exponentNegative ? -written : written
        }
        guard i == text.count, digits > 0, digits <= 19, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else {
            return slow(text)
        }
        let magnitude = exponent < 0 ? Double(mantissa) / powers[-exponent] : Double(mantissa) * powers[exponent]
        return negative ? -magnitude : magnitude
    }

    /// The standard library's conversion, for what the fast path leaves.
    private static func slow(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        Double(String(decoding: text, as: UTF8.self))
    }
}

/// Series already built in this parse, by the exact text of `name{labels}`,
/// so that a repeated series costs a hash and a comparison, not a parse.
struct SeriesInterner {
    private struct Entry {
        var text: [UInt8]
        var name: String
        var labels: Labels
    }

    private var entries: [Entry] = []
    /// Open addressing: entry index + 1, 0 for an empty slot.
    private var slots = [Int32](repeating: 0, count: 1024)
    /// The entry the previous lookup found: files often repeat one series
    /// line after line, and then not even a hash is needed.
    private var last = -1

    private static func hash(_ text: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(text))
        return hasher.finalize()
    }

    private static func same(_ entry: [UInt8], _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        entry.count == text.count && entry.withUnsafeBufferPointer { stored in
            memcmp(stored.baseAddress!, text.baseAddress!, text.count) == 0
        }
    }

    /// The series whose text is `text`, if built before.
    mutating func lookup(_ text: UnsafeBufferPointer<UInt8>) -> (name: String, labels: Labels)? {
        if last >= 0, Self.same(entries[last].text, text) { return (entries[last].name, entries[last].labels) }
        let mask = slots.count - 1
        var slot = Self.hash(text) & mask
        while slots[slot] != 0 {
            let index = Int(slots[slot]) - 1
            if Self.same(entries[index].text, text) {
                last = index
                return (entries[index].name, entries[index].labels)
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Remembers a series built from `text`.
    mutating func insert(_ text: UnsafeBufferPointer<UInt8>, _ series: (name: String, labels: Labels)) {
        // Past 2^31 series the table stops growing; lookups still work.
        guard entries.count < Int(Int32.max) - 1 else { return }
        if (entries.count + 1) * 2 > slots.count { grow() }
        entries.append(Entry(text: Array(text), name: series.name, labels: series.labels))
        last = entries.count - 1
        place(entries.count - 1, hash: Self.hash(text))
    }

    private mutating func place(_ index: Int, hash: Int) {
        let mask = slots.count - 1
        var slot = hash & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index + 1)
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        for index in entries.indices {
            let hash = entries[index].text.withUnsafeBufferPointer { Self.hash($0) }
            place(index, hash: hash)
        }
    }
}
