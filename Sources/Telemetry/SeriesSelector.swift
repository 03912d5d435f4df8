/// A series selector in PromQL's instant-vector syntax, without functions:
/// `name`, `name{label="value", other!="x"}` or `{__name__="name"}`. It picks
/// samples for live views until the query language is available.
public struct SeriesSelector: Sendable, Equatable, CustomStringConvertible {
    /// One label matcher.
    public struct Matcher: Sendable, Equatable {
        public var label: String
        public var value: String
        public var equal: Bool
    }

    /// The metric name, if the selector names one.
    public var name: String?
    public var matchers: [Matcher]

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
                let equal: Bool
                if i + 1 < chars.count, chars[i] == "=" || chars[i] == "!", chars[i + 1] == "~" {
                    throw fail("regular-expression matchers (=~, !~) need the query language")
                } else if i + 1 < chars.count, chars[i] == "!", chars[i + 1] == "=" {
                    equal = false
                    i += 2
                } else if i < chars.count, chars[i] == "=" {
                    equal = true
                    i += 1
                } else {
                    throw fail("expected = or != after label \(label)")
                }
                skipSpaces()
                guard i < chars.count, chars[i] == "\"" || chars[i] == "'" else { throw fail("expected a quoted label value") }
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
                if label == "__name__" && equal { name = value } else { matchers.append(Matcher(label: label, value: value, equal: equal)) }
                skipSpaces()
                if i < chars.count, chars[i] == "," { i += 1; continue }
                guard i < chars.count, chars[i] == "}" else { throw fail("expected , or } in the label matchers") }
                i += 1
                break
            }
        }
        skipSpaces()
        guard i == chars.count else { throw fail("unexpected \"\(chars[i])\"") }
        guard name != nil || matchers.contains(where: { $0.equal && !$0.value.isEmpty }) else {
            i = 0
            throw fail("a selector needs a metric name or a non-empty = matcher")
        }
    }

    /// Whether `sample` is selected (a missing label matches the empty string, as in PromQL).
    public func matches(_ sample: Sample) -> Bool {
        if let name, sample.name != name { return false }
        return matchers.allSatisfy { ($0.equal) == ((sample.labels[$0.label] ?? "") == $0.value) }
    }

    public var description: String {
        let inner = matchers.map { "\($0.label)\($0.equal ? "=" : "!=")\"\($0.value)\"" }.joined(separator: ",")
        return (name ?? "") + (inner.isEmpty ? "" : "{\(inner)}")
    }
}
