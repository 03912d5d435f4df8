// Label matchers as Alertmanager 0.25 reads and prints them.
//
// Routes and inhibit rules take matchers in two spellings: `matchers:`, a
// list of strings such as `severity=~"page|critical"` (one item may hold
// several, comma-separated, optionally in braces), and the older
// `match` / `match_re` maps. Both become Telemetry's LabelMatcher, which
// already has Alertmanager's semantics: regexes anchored as `^(?:re)$` with
// RE2's syntax, and a missing label read as "".
//
// The parser follows Alertmanager's pkg/labels/parse.go step by step,
// because its tolerances are part of the format people write: unquoted
// values, spaces around operators, a trailing comma, and a backslash before
// anything but `n`, `"` or `\` kept literally. The printed form matters too:
// a route's sorted matchers, printed as below, are part of every group key.

import Telemetry

/// A matcher string Alertmanager would not accept.
public struct MatcherSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in Alertmanager's words where it has them.
    public let message: String
    /// The message.
    public var description: String { message }
}

/// Reading, sorting and printing matchers the way Alertmanager 0.25 does.
public enum AlertmanagerMatchers {
    /// Parses one `matchers:` item or a `--filter`-style argument
    /// (labels.ParseMatchers): comma-separated matchers, optionally in braces.
    /// An empty string or `{}` is an empty list.
    public static func parseList(_ text: String) throws(MatcherSyntaxError) -> [LabelMatcher] {
        var scalars = Array(text.unicodeScalars)[...]
        // One brace at each end at most, and only at the very ends, as Go's TrimPrefix/TrimSuffix.
        if scalars.first == "{" { scalars = scalars.dropFirst() }
        if scalars.last == "}" { scalars = scalars.dropLast() }

        var tokens: [String] = []
        var token = String.UnicodeScalarView()
        var insideQuotes = false
        var escaped = false
        for c in scalars {
            switch c {
            case ",":
                if !insideQuotes {
                    tokens.append(String(token))
                    token = String.UnicodeScalarView()
                    continue
                }
            case "\"":
                if !escaped { insideQuotes.toggle() } else { escaped = false }
            case "\\":
                escaped.toggle()
            default:
                escaped = false
            }
            token.append(c)
        }
        // Only the last token is trimmed (so `a=b,` is one matcher, and `a=b,,c=d` an error).
        let last = String(token).trimmingGoSpace()
        if !last.isEmpty { tokens.append(last) }

        var matchers: [LabelMatcher] = []
        for token in tokens { matchers.append(try parse(token)) }
        return matchers
    }

    /// Parses one matcher such as `job=~"api|web"` (labels.ParseMatcher): a
    /// label name, one of `=`, `!=`, `=~`, `!~`, and a value that may be
    /// double-quoted, with whitespace allowed around each.
    public static func parse(_ text: String) throws(MatcherSyntaxError) -> LabelMatcher {
        let chars = Array(text.unicodeScalars)
        let badFormat = MatcherSyntaxError(message: "bad matcher format: \(text)")
        var i = 0
        func skipSpace() { while i < chars.count, isRE2Space(chars[i]) { i += 1 } }

        skipSpace()
        let nameStart = i
        guard i < chars.count, isMatcherNameStart(chars[i]) else { throw badFormat }
        i += 1
        while i < chars.count, isMatcherNameStart(chars[i]) || ("0"..."9").contains(chars[i]) { i += 1 }
        let name = String(String.UnicodeScalarView(chars[nameStart..<i]))

        skipSpace()
        let op: LabelMatcher.Op
        let next = i + 1 < chars.count ? chars[i + 1] : nil
        switch (i < chars.count ? chars[i] : nil, next) {
        case ("="?, "~"?): op = .regexMatch; i += 2
        case ("="?, _): op = .equal; i += 1
        case ("!"?, "="?): op = .notEqual; i += 2
        case ("!"?, "~"?): op = .regexNoMatch; i += 2
        default: throw badFormat
        }

        skipSpace()
        var end = chars.count
        while end > i, isRE2Space(chars[end - 1]) { end -= 1 }
        let value = try unescapeValue(chars[i..<end])
        do {
            return try LabelMatcher(name, op, value)
        } catch {
            throw MatcherSyntaxError(message: "\(error.message) in matcher \(text)")
        }
    }

    /// The value of a matcher: quotes optional, OpenMetrics escapes (`\"`,
    /// `\n`, `\\`), any other backslash literal, no unescaped quote inside.
    private static func unescapeValue(_ raw: ArraySlice<Unicode.Scalar>) throws(MatcherSyntaxError) -> String {
        let quoteError = MatcherSyntaxError(
            message: "matcher value contains unescaped double quote: \(String(String.UnicodeScalarView(raw)))")
        var rest = raw
        var expectTrailingQuote = false
        if rest.first == "\"" {
            rest = rest.dropFirst()
            expectTrailingQuote = true
        }
        var value = String.UnicodeScalarView()
        var escaped = false
        let lastIndex = rest.endIndex - 1
        for index in rest.indices {
            let c = rest[index]
            if escaped {
                escaped = false
                switch c {
                case "n": value.append("\n")
                case "\"", "\\": value.append(c)
                default: value.append("\\"); value.append(c)
                }
                continue
            }
            switch c {
            case "\\":
                if index < lastIndex { escaped = true } else { value.append(c) }
            case "\"":
                guard expectTrailingQuote, index == lastIndex else { throw quoteError }
                expectTrailingQuote = false
            default:
                value.append(c)
            }
        }
        if expectTrailingQuote { throw quoteError }
        return String(value)
    }

    /// The matchers of a `match:` map (all `=`).
    static func equalities(_ pairs: [(String, String)]) -> [LabelMatcher] {
        // `=` never fails to build.
        pairs.compactMap { try? LabelMatcher($0.0, .equal, $0.1) }
    }

    /// A `match_re:` regex as Alertmanager's route keeps it: compiled on its
    /// own (nil when invalid), then stored in its anchored form, which is
    /// what group keys print.
    static func anchoredRegexMatcher(name: String, pattern: String) -> LabelMatcher? {
        guard AnchoredRegex(pattern) != nil else { return nil }
        return try? LabelMatcher(name, .regexMatch, "^(?:" + pattern + ")$")
    }

    /// Sorted as Alertmanager sorts a route's matchers: by name, then value
    /// (bytewise, as Go compares strings), then operator in `= != =~ !~` order.
    static func sorted(_ matchers: [LabelMatcher]) -> [LabelMatcher] {
        matchers.sorted { a, b in
            if !a.name.utf8.elementsEqual(b.name.utf8) { return a.name.utf8.lexicographicallyPrecedes(b.name.utf8) }
            if !a.value.utf8.elementsEqual(b.value.utf8) { return a.value.utf8.lexicographicallyPrecedes(b.value.utf8) }
            return rank(a.op) < rank(b.op)
        }
    }

    /// `{a="b",c=~"d"}`: labels.Matchers.String(), the text of a route in its key.
    public static func text(_ matchers: [LabelMatcher]) -> String {
        "{" + matchers.map(text).joined(separator: ",") + "}"
    }

    /// `a="b"`: labels.Matcher.String(), the value with OpenMetrics escaping
    /// (only `\`, newline and `"`; unlike PromQL's quoting, a tab stays a tab).
    public static func text(_ matcher: LabelMatcher) -> String {
        var value = ""
        for c in matcher.value.unicodeScalars {
            switch c {
            case "\\": value += "\\\\"
            case "\n": value += "\\n"
            case "\"": value += "\\\""
            default: value.unicodeScalars.append(c)
            }
        }
        return matcher.name + matcher.op.rawValue + "\"" + value + "\""
    }

    /// True when every matcher holds for `labels` (a missing label reads as "").
    static func all(_ matchers: [LabelMatcher], match labels: [String: String]) -> Bool {
        matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
    }

    private static func rank(_ op: LabelMatcher.Op) -> Int {
        switch op {
        case .equal: return 0
        case .notEqual: return 1
        case .regexMatch: return 2
        case .regexNoMatch: return 3
        }
    }
}

/// Prometheus's label-name rule (model.LabelNameRE), which `match`,
/// `match_re`, `group_by` and `equal` use; the `matchers:` syntax also
/// allows `:` in names.
func isAlertmanagerLabelName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first != ":", isMatcherNameStart(first) else { return false }
    return name.unicodeScalars.allSatisfy { $0 != ":" && (isMatcherNameStart($0) || ("0"..."9").contains($0)) }
}

/// `[a-zA-Z_:]`, the first character of a name in the matcher syntax.
private func isMatcherNameStart(_ c: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == ":"
}

/// RE2's `\s`: tab, newline, form feed, carriage return, space.
private func isRE2Space(_ c: Unicode.Scalar) -> Bool {
    c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}"
}

extension String {
    /// Go's strings.TrimSpace: Unicode white space off both ends.
    func trimmingGoSpace() -> String {
        var scalars = Array(unicodeScalars)[...]
        while let first = scalars.first, first.properties.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
