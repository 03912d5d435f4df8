/// Parses the Prometheus text format and OpenMetrics text into samples:
/// `name{label="value",...} value [timestamp]` lines, `#` comments and
/// `# EOF`. Timestamps are seconds in OpenMetrics and milliseconds in the
/// Prometheus format; the caller says which (`timestampsInSeconds`).
public struct TextFormatParser {
    /// A line that could not be read, with its 1-based number.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public var timestampsInSeconds: Bool
    /// Used for samples without a timestamp.
    public var defaultTimestampMs: Int64

    public init(timestampsInSeconds: Bool = true, defaultTimestampMs: Int64) {
        self.timestampsInSeconds = timestampsInSeconds
        self.defaultTimestampMs = defaultTimestampMs
    }

    /// Every sample of `text`, in order.
    public func parse(_ text: String) throws(ParseError) -> [Sample] {
        var samples: [Sample] = []
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty || line.hasPrefix("#") {
                if line == "# EOF" { break }
                continue
            }
            do {
                samples.append(try sample(Array(line.unicodeScalars)))
            } catch let message as Message {
                throw ParseError(line: number, message: message.text)
            } catch {
                throw ParseError(line: number, message: "\(error)")
            }
        }
        return samples
    }

    private struct Message: Error { let text: String }

    private func sample(_ chars: [Unicode.Scalar]) throws -> Sample {
        var i = 0
        func isNameChar(_ c: Unicode.Scalar, first: Bool) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == ":" || (!first && c >= "0" && c <= "9")
        }
        var name = ""
        while i < chars.count, isNameChar(chars[i], first: name.isEmpty) { name.unicodeScalars.append(chars[i]); i += 1 }
        guard !name.isEmpty else { throw Message(text: "expected a metric name") }
        var labels: [String: String] = [:]
        if i < chars.count, chars[i] == "{" {
            i += 1
            while true {
                while i < chars.count, chars[i] == " " { i += 1 }
                if i < chars.count, chars[i] == "}" { i += 1; break }
                var label = ""
                while i < chars.count, isNameChar(chars[i], first: label.isEmpty), chars[i] != ":" {
                    label.unicodeScalars.append(chars[i]); i += 1
                }
                guard !label.isEmpty else { throw Message(text: "expected a label name in \(name){...}") }
                guard i + 1 < chars.count, chars[i] == "=", chars[i + 1] == "\"" else {
                    throw Message(text: "expected =\"value\" after label \(label)")
                }
                i += 2
                var value = ""
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        switch chars[i] {
                        case "n": value.append("\n")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        default: throw Message(text: "unknown escape \\\(chars[i]) in label \(label)")
                        }
                    } else {
                        value.unicodeScalars.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw Message(text: "unterminated value of label \(label)") }
                i += 1
                guard labels.updateValue(value, forKey: label) == nil else { throw Message(text: "label \(label) given twice") }
                if i < chars.count, chars[i] == "," { i += 1; continue }
                guard i < chars.count, chars[i] == "}" else { throw Message(text: "expected , or } after label \(label)") }
                i += 1
                break
            }
        }
        let rest = String(String.UnicodeScalarView(chars[i...])).split(separator: " ", omittingEmptySubsequences: true)
        guard rest.count == 1 || rest.count == 2 else { throw Message(text: "expected a value and an optional timestamp after \(name)") }
        guard let value = Self.number(rest[0]) else { throw Message(text: "\"\(rest[0])\" is not a number") }
        var timestampMs = defaultTimestampMs
        if rest.count == 2 {
            guard let t = Double(rest[1]), t.isFinite, abs(t) < 1e15 else { throw Message(text: "\"\(rest[1])\" is not a timestamp") }
            timestampMs = timestampsInSeconds ? Int64((t * 1000).rounded()) : Int64(t)
        }
        return Sample(name, Labels(labels), value, timestampMs: timestampMs)
    }

    static func number(_ text: Substring) -> Double? {
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(text)
        }
    }
}
