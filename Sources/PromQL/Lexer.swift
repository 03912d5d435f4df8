// Turns query text into tokens.
//
// The lexer works on Unicode scalars so that a column in an error message is
// the column a user sees, and it never indexes past the end: every read goes
// through `peek`, which yields nil at the end of input.

import Telemetry

/// What kind of token the lexer produced.
enum TokenKind: Equatable {
    case identifier(String)
    case number(Double)
    case duration(Int64)
    case string(String)
    case op(String)          // operators and matcher symbols: + - * / % ^ == != > < >= <= = =~ !~
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket, comma, colon, at
    case end
}

/// One token and the 0-based scalar index where it starts.
struct Token {
    var kind: TokenKind
    var position: Int

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .identifier(let s): return "identifier \"\(s)\""
        case .number(let n): return "number \"\(formatNumber(n))\""
        case .duration: return "duration"
        case .string(let s): return "string \(quoteString(s))"
        case .op(let s): return "\"\(s)\""
        case .leftParen: return "\"(\""
        case .rightParen: return "\")\""
        case .leftBrace: return "\"{\""
        case .rightBrace: return "\"}\""
        case .leftBracket: return "\"[\""
        case .rightBracket: return "\"]\""
        case .comma: return "\",\""
        case .colon: return "\":\""
        case .at: return "\"@\""
        case .end: return "end of input"
        }
    }
}

/// Splits `text` into tokens, ending with `.end`.
func tokenize(_ text: String) throws(ParseError) -> [Token] {
    var lexer = Lexer(Array(text.unicodeScalars))
    var tokens: [Token] = []
    while true {
        let token = try lexer.next()
        tokens.append(token)
        if token.kind == .end { return tokens }
    }
}

private struct Lexer {
    let chars: [Unicode.Scalar]
    var i = 0

    init(_ chars: [Unicode.Scalar]) { self.chars = chars }

    func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        i + ahead < chars.count ? chars[i + ahead] : nil
    }

    func fail(_ message: String, at position: Int? = nil) -> ParseError {
        ParseError(column: (position ?? i) + 1, message: message)
    }

    mutating func next() throws(ParseError) -> Token {
        skipSpaceAndComments()
        let start = i
        guard let c = peek() else { return Token(kind: .end, position: start) }
        func single(_ kind: TokenKind) -> Token { i += 1; return Token(kind: kind, position: start) }
        switch c {
        case "(": return single(.leftParen)
        case ")": return single(.rightParen)
        case "{": return single(.leftBrace)
        case "}": return single(.rightBrace)
        case "[": return single(.leftBracket)
        case "]": return single(.rightBracket)
        case ",": return single(.comma)
        case "@": return single(.at)
        case ":" where !(peek(1).map(isIdentifierStart) ?? false): return single(.colon)
        case "+", "-", "*", "/", "%", "^": return single(.op(String(c)))
        case "=":
            if peek(1) == "=" { i += 2; return Token(kind: .op("=="), position: start) }
            if peek(1) == "~" { i += 2; return Token(kind: .op("=~"), position: start) }
            return single(.op("="))
        case "!":
            if peek(1) == "=" { i += 2; return Token(kind: .op("!="), position: start) }
            if peek(1) == "~" { i += 2; return Token(kind: .op("!~"), position: start) }
            throw fail("unexpected character after \"!\": expected \"=\" or \"~\"")
        case ">", "<":
            if peek(1) == "=" { i += 2; return Token(kind: .op(String(c) + "="), position: start) }
            return single(.op(String(c)))
        case "\"", "'", "`":
            return Token(kind: .string(try string(quote: c)), position: start)
        default:
            if isDigit(c) || (c == "." && peek(1).map(isDigit) == true) {
                return Token(kind: try numberOrDuration(), position: start)
            }
            if isIdentifierStart(c) {
                var s = ""
                while let d = peek(), isIdentifierStart(d) || isDigit(d) { s.unicodeScalars.append(d); i += 1 }
                return Token(kind: .identifier(s), position: start)
            }
            throw fail("unexpected character \(quoteString(String(c)))")
        }
    }

    mutating func skipSpaceAndComments() {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                i += 1
            } else if c == "#" {
                while let d = peek(), d != "\n" { _ = d; i += 1 }
            } else {
                return
            }
        }
    }

    mutating func numberOrDuration() throws(ParseError) -> TokenKind {
        let start = i
        // A run of digits followed by a duration unit is a duration ("5m",
        // "1h30m"); anything else numeric is a number.
        var j = i
        while j < chars.count, isDigit(chars[j]) { j += 1 }
        if j > i, j < chars.count, "smhdwy".unicodeScalars.contains(chars[j]) {
            var text = ""
            while let c = peek(), isDigit(c) || isLetter(c) { text.unicodeScalars.append(c); i += 1 }
            guard let ms = parseDuration(text) else { throw fail("bad duration syntax: \"\(text)\"", at: start) }
            return .duration(ms)
        }
        var text = ""
        if peek() == "0", peek(1) == "x" || peek(1) == "X" {
            i += 2
            while let c = peek(), isHexDigit(c) { text.unicodeScalars.append(c); i += 1 }
            if let c = peek(), isIdentifierStart(c) || isDigit(c) || c == "." {
                throw fail("bad number syntax", at: start)
            }
            guard !text.isEmpty, let value = UInt64(text, radix: 16) else { throw fail("bad number syntax", at: start) }
            return .number(Double(value))
        }
        while let c = peek(), isDigit(c) { text.unicodeScalars.append(c); i += 1 }
        if peek() == "." {
            text += "."; i += 1
            while let c = peek(), isDigit(c) { text.unicodeScalars.append(c); i += 1 }
        }
        if peek() == "e" || peek() == "E" {
            var exponent = "e"
            var k = i + 1
            if k < chars.count, chars[k] == "+" || chars[k] == "-" { exponent.unicodeScalars.append(chars[k]); k += 1 }
            var digits = 0
            while k < chars.count, isDigit(chars[k]) { exponent.unicodeScalars.append(chars[k]); k += 1; digits += 1 }
            guard digits > 0 else { throw fail("bad number syntax", at: start) }
            text += exponent
            i = k
        }
        if let c = peek(), isIdentifierStart(c) || isDigit(c) || c == "." {
            throw fail("bad number or duration syntax", at: start)
        }
        guard let value = Double(text) else { throw fail("bad number syntax", at: start) }
        return .number(value)
    }

    mutating func string(quote: Unicode.Scalar) throws(ParseError) -> String {
        let start = i
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek() else { throw fail("unterminated quoted string", at: start) }
            i += 1
            if c == quote { return String(out) }
            if quote == "`" { out.append(c); continue }
            if c == "\n" { throw fail("unterminated quoted string", at: start) }
            guard c == "\\" else { out.append(c); continue }
            guard let e = peek() else { throw fail("unterminated quoted string", at: start) }
            i += 1
            switch e {
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "\\": out.append("\\")
            case "\"", "'":
                guard e == quote else { throw fail("unknown escape sequence", at: i - 2) }
                out.append(e)
            case "x", "u", "U":
                let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                out.append(try hexEscape(width: width))
            case "0"..."7":
                var value = e.value - 48
                for _ in 0..<2 {
                    guard let d = peek(), ("0"..."7").contains(d) else { throw fail("unknown escape sequence", at: i - 2) }
                    value = value * 8 + d.value - 48
                    i += 1
                }
                guard value < 256, let scalar = Unicode.Scalar(value) else { throw fail("invalid octal escape", at: i - 4) }
                out.append(scalar)
            default:
                throw fail("unknown escape sequence", at: i - 2)
            }
        }
    }

    mutating func hexEscape(width: Int) throws(ParseError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<width {
            guard let d = peek(), isHexDigit(d), let v = UInt32(String(d), radix: 16) else {
                throw fail("invalid escape sequence")
            }
            value = value &* 16 &+ v
            i += 1
        }
        guard let scalar = Unicode.Scalar(value) else { throw fail("invalid Unicode code point in escape sequence") }
        return scalar
    }
}

/// Parses a Prometheus duration such as `5m`, `1h30m`, `250ms` into
/// milliseconds; units must appear largest first and at most once each.
/// Returns nil on bad syntax or overflow.
public func parseDuration(_ text: String) -> Int64? {
    let units: [(String, Int64)] = [("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
                                    ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
    let chars = Array(text.unicodeScalars)
    var i = 0
    var nextUnit = 0
    var total: Int64 = 0
    guard !chars.isEmpty else { return nil }
    while i < chars.count {
        var number: Int64 = 0
        let digitsStart = i
        while i < chars.count, isDigit(chars[i]) {
            let (m, o1) = number.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(chars[i].value - 48))
            guard !o1, !o2 else { return nil }
            number = a
            i += 1
        }
        guard i > digitsStart else { return nil }
        var unit = ""
        while i < chars.count, isLetter(chars[i]) { unit.unicodeScalars.append(chars[i]); i += 1 }
        guard let index = units[nextUnit...].firstIndex(where: { $0.0 == unit }) else { return nil }
        nextUnit = index + 1
        let (part, o3) = number.multipliedReportingOverflow(by: units[index].1)
        let (sum, o4) = total.addingReportingOverflow(part)
        guard !o3, !o4 else { return nil }
        total = sum
    }
    return total
}

func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
func isLetter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
func isHexDigit(_ c: Unicode.Scalar) -> Bool { isDigit(c) || (c >= "a" && c <= "f") || (c >= "A" && c <= "F") }
func isIdentifierStart(_ c: Unicode.Scalar) -> Bool { isLetter(c) || c == "_" || c == ":" }

/// Quotes a string as a PromQL double-quoted literal.
func quoteString(_ s: String) -> String { LabelMatcher.quote(s) }

/// Formats a number the way error messages and tests want to read it.
func formatNumber(_ n: Double) -> String {
    if n.isNaN { return "NaN" }
    if n.isInfinite { return n > 0 ? "+Inf" : "-Inf" }
    if n == n.rounded(), Swift.abs(n) < 1e15 { return String(Int64(n)) }
    return String(n)
}
