/// A series selector in PromQL's instant-vector syntax, without functions:
/// `name`, `name{label="value", other!="x", job=~"api|web"}` or
/// `{__name__="name"}`. It picks samples out of a collection pass for live
/// views, where no query engine is involved.
public struct SeriesSelector: Sendable, Equatable, CustomStringConvertible {
    /// The metric name, if the selector names one.
    public var name: String?
    /// The label matchers other than an equality on the name.
    public var matchers: [LabelMatcher]

    /// A parse error with the 1-based column where the text went wrong.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let column: Int
        public let message: String
        public var description: String { "column \(column): \(message)" }
    }

    public init(parsing text: String) throws(ParseError) {
        let chars = Array(text)
        var i = 0
        func fail(_ message: String) -> ParseError { ParseError(column: i + 1, message: message) }
        func skipSpaces() { while i < chars.count, chars[i] == " " { i += 1 } }
        func identifier(allowColon: Bool) -> String {
            var out = ""
            while i < chars.count, chars[i].isASCII,
                  chars[i].isLetter || chars[i] == "_" || (allowColon && chars[i] == ":") || (!out.isEmpty && chars[i].isNumber) {
                out.append(chars[i])
                i += 1
            }
            return out
        }
        skipSpaces()
        let metric = identifier(allowColon: true)
        name = metric.isEmpty ? nil : metric
        matchers = []
        skipSpaces()
        if i < chars.count, chars[i] == "{" {
            i += 1
            while true {
                skipSpaces()
                if i < chars.count, chars[i] == "}" { i += 1; break }
                let label = identifier(allowColon: false)
                guard !label.isEmpty else { throw fail("expected a label name") }
                skipSpaces()
                let op: LabelMatcher.Op
                if i + 1 < chars.count, chars[i] == "=" || chars[i] == "!", chars[i + 1] == "~" {
                    op = chars[i] == "=" ? .regexMatch : .regexNoMatch
                    i += 2
                } else if i + 1 < chars.count, chars[i] == "!", chars[i + 1] == "=" {
                    op = .notEqual
                    i += 2
                } else if i < chars.count, chars[i] == "=" {
                    op = .equal
                    i += 1
                } else {
                    throw fail("expected =, !=, =~ or !~ after label \(label)")
                }
                skipSpaces()
                guard i < chars.count, chars[i] == "\"" || chars[i] == "'" else { throw fail("expected a quoted label value") }
                let valueStart = i
                let quote = chars[i]
                i += 1
                var value = ""
                while i < chars.count, chars[i] != quote {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        switch chars[i] {
                        case "n": value.append("\n")
                        case "t": value.append("\t")
                        default: value.append(chars[i])
                        }
                    } else {
                        value.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw fail("unterminated label value") }
                i += 1
                if label == LabelMatcher.metricNameLabel && op == .equal {
                    name = value
                } else {
                    do {
                        matchers.append(try LabelMatcher(label, op, value))
                    } catch {
                        i = valueStart
                        throw fail(error.message)
                    }
                }
                skipSpaces()
                if i < chars.count, chars[i] == "," { i += 1; continue }
                guard i < chars.count, chars[i] == "}" else { throw fail("expected , or } in the label matchers") }
                i += 1
                break
            }
        }
        skipSpaces()
        guard i == chars.count else { throw fail("unexpected \"\(chars[i])\"") }
        // As in PromQL, a selector must not match every series.
        guard name != nil || matchers.contains(where: { !$0.matches("") }) else {
            i = 0
            throw fail("a selector needs a metric name or a matcher that the empty value fails")
        }
    }

    /// Whether `sample` is selected (a missing label matches the empty string, as in PromQL).
    public func matches(_ sample: Sample) -> Bool {
        if let name, sample.name != name { return false }
        return LabelMatcher.all(matchers, match: sample.name, sample.labels)
    }

    /// The selector as PromQL text.
    public var description: String {
        let inner = matchers.map(\.description).joined(separator: ",")
        return (name ?? "") + (inner.isEmpty ? "" : "{\(inner)}")
    }
}
