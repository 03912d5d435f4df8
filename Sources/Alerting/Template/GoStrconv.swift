/// Go's strconv pieces the templates need: quoting (`%q`, error messages),
/// unquoting (string and character literals in templates) and ParseFloat
/// (Prometheus's convertToFloat takes numbers written as strings).
enum GoQuote {
    /// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space.
    static func isPrint(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value >= 0x20 && u.value < 0x7F }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber,
             .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation,
             .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
            return true
        default:
            return false
        }
    }

    /// strconv.Quote (or QuoteToASCII).
    static func quote(_ s: String, asciiOnly: Bool = false) -> String {
        quoteWith(s, quote: "\"", asciiOnly: asciiOnly)
    }

    /// strconv.QuoteRune (or QuoteRuneToASCII).
    static func quoteRune(_ c: Character, asciiOnly: Bool = false) -> String {
        quoteWith(String(c), quote: "'", asciiOnly: asciiOnly)
    }

    /// The short escapes strconv writes for control characters.
    private static let shortEscapes: [Unicode.Scalar: String] = [
        "\u{07}": "\\a", "\u{08}": "\\b", "\u{0C}": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u{0B}": "\\v",
    ]

    private static func quoteWith(_ s: String, quote: Unicode.Scalar, asciiOnly: Bool) -> String {
        var out = String(quote)
        for u in s.unicodeScalars {
            if u == quote || u == "\\" {
                out += "\\" + String(u)
            } else if asciiOnly ? (u.value < 0x80 && isPrint(u)) : isPrint(u) {
                out.unicodeScalars.append(u)
            } else if let short = shortEscapes[u] {
                out += short
            } else if u.value < 0x20 || u.value == 0x7F {
                out += "\\x" + hex(u.value, digits: 2)
            } else if u.value < 0x10000 {
                out += "\\u" + hex(u.value, digits: 4)
            } else {
                out += "\\U" + hex(u.value, digits: 8)
            }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    /// `value` in hexadecimal, zero-padded to at least `digits`.
    static func hex(_ value: UInt32, digits: Int, uppercase: Bool = false) -> String {
        let text = String(value, radix: 16, uppercase: uppercase)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// strconv.CanBackquote.
    static func canBackquote(_ s: String) -> Bool {
        for u in s.unicodeScalars {
            if u.value == 0xFEFF { return false }
            if (u.value < 0x20 && u != "\t") || u == "`" || u.value == 0x7F { return false }
        }
        return true
    }

    /// strconv.Unquote for a "..." or `...` literal; nil on bad syntax.
    static func unquote(_ lit: [UInt8]) -> String? {
        guard lit.count >= 2, let q = lit.first, lit.last == q else { return nil }
        let body = Array(lit[1..<(lit.count - 1)])
        if q == UInt8(ascii: "`") {
            if body.contains(UInt8(ascii: "`")) { return nil }
            return String(decoding: body.filter { $0 != 13 }, as: UTF8.self)
        }
        guard q == UInt8(ascii: "\"") || q == UInt8(ascii: "'") else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            guard let (bytes, next) = unquoteChar(body, i, quote: q) else { return nil }
            out += bytes
            i = next
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// strconv.UnquoteChar: one (possibly escaped) character at s[i]; its
    /// bytes (escapes like \xff give raw bytes) and the next index.
    static func unquoteChar(_ s: [UInt8], _ i: Int, quote: UInt8) -> ([UInt8], Int)? {
        let c = s[i]
        if c == quote && (quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"")) { return nil }
        if c != UInt8(ascii: "\\") {
            var j = i + 1
            while j < s.count && s[j] & 0xC0 == 0x80 { j += 1 }
            return (Array(s[i..<j]), j)
        }
        guard i + 1 < s.count else { return nil }
        let e = s[i + 1]
        func hexValue(_ from: Int, _ n: Int) -> UInt32? {
            guard from + n <= s.count else { return nil }
            var v: UInt32 = 0
            for k in from..<(from + n) {
                guard let d = Int(String(UnicodeScalar(s[k])), radix: 16) else { return nil }
                v = v * 16 + UInt32(d)
            }
            return v
        }
        switch e {
        case UInt8(ascii: "a"): return ([7], i + 2)
        case UInt8(ascii: "b"): return ([8], i + 2)
        case UInt8(ascii: "f"): return ([12], i + 2)
        case UInt8(ascii: "n"): return ([10], i + 2)
        case UInt8(ascii: "r"): return ([13], i + 2)
        case UInt8(ascii: "t"): return ([9], i + 2)
        case UInt8(ascii: "v"): return ([11], i + 2)
        case UInt8(ascii: "\\"): return ([92], i + 2)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return e == quote ? ([e], i + 2) : nil
        case UInt8(ascii: "x"):
            guard let v = hexValue(i + 2, 2) else { return nil }
            return ([UInt8(v)], i + 4)
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "u") ? 4 : 8
            guard let v = hexValue(i + 2, n), let u = Unicode.Scalar(v) else { return nil }
            return (Array(String(u).utf8), i + 2 + n)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            guard i + 4 <= s.count else { return nil }
            var v = 0
            for k in (i + 1)..<(i + 4) {
                guard s[k] >= 48 && s[k] <= 55 else { return nil }
                v = v * 8 + Int(s[k] - 48)
            }
            guard v <= 255 else { return nil }
            return ([UInt8(v)], i + 4)
        default:
            return nil
        }
    }
}

/// strconv.ParseFloat(s, 64), with Go's syntax and error messages.
func goParseFloat(_ s: String) -> Result<Double, FunctionError> {
    let syntax = FunctionError("strconv.ParseFloat: parsing \(GoQuote.quote(s)): invalid syntax")
    let b = Array(s.utf8)
    guard !b.isEmpty else { return .failure(syntax) }
    // Specials: [+-]inf, [+-]infinity, nan (any case).
    var rest = s.lowercased()
    var negative = false
    if rest.hasPrefix("+") || rest.hasPrefix("-") {
        negative = rest.hasPrefix("-")
        rest.removeFirst()
        if rest == "inf" || rest == "infinity" { return .success(negative ? -.infinity : .infinity) }
    } else {
        if rest == "inf" || rest == "infinity" { return .success(.infinity) }
        if rest == "nan" { return .success(.nan) }
    }
    // Decimal or hexadecimal literal, underscores between digits.
    var i = 0
    if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
    var hex = false
    if i + 2 < b.count && b[i] == 48 && (b[i + 1] | 0x20) == UInt8(ascii: "x") { hex = true; i += 2 }
    func isDigit(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (hex && (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "f"))
    }
    var sawDigits = false, sawDot = false, underscores = false
    while i < b.count {
        let c = b[i]
        if c == UInt8(ascii: "_") { underscores = true } else if c == UInt8(ascii: ".") {
            if sawDot { break }
            sawDot = true
        } else if isDigit(c) { sawDigits = true } else { break }
        i += 1
    }
    guard sawDigits else { return .failure(syntax) }
    if i < b.count && (b[i] | 0x20) == (hex ? UInt8(ascii: "p") : UInt8(ascii: "e")) {
        i += 1
        if i < b.count && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
        guard i < b.count, b[i] >= 48, b[i] <= 57 else { return .failure(syntax) }
        while i < b.count && ((b[i] >= 48 && b[i] <= 57) || b[i] == UInt8(ascii: "_")) {
            if b[i] == UInt8(ascii: "_") { underscores = true }
            i += 1
        }
    } else if hex {
        return .failure(syntax)
    }
    guard i == b.count else { return .failure(syntax) }
    if underscores && !underscoreOK(b) { return .failure(syntax) }
    let cleaned = String(decoding: b.filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
    guard let v = Double(cleaned) else { return .failure(syntax) }
    if v.isInfinite {
        return .failure(FunctionError("strconv.ParseFloat: parsing \(GoQuote.quote(s)): value out of range"))
    }
    return .success(v)
}

/// Go's rule for underscores in number literals: only between digits (or after a base prefix).
private func underscoreOK(_ s: [UInt8]) -> Bool {
    var saw: UInt8 = UInt8(ascii: "^")
    var b = s[...]
    if let f = b.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { b = b.dropFirst() }
    let a = Array(b)
    var i = 0
    var hex = false
    if a.count >= 2 && a[0] == 48 && "box".utf8.contains(a[1] | 0x20) {
        i = 2
        saw = 48
        hex = (a[1] | 0x20) == UInt8(ascii: "x")
    }
    while i < a.count {
        let c = a[i]
        if (c >= 48 && c <= 57) || (hex && (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "f")) {
            saw = 48
        } else if c == UInt8(ascii: "_") {
            if saw != 48 { return false }
            saw = c
        } else {
            if saw == UInt8(ascii: "_") { return false }
            saw = UInt8(ascii: "!")
        }
        i += 1
    }
    return saw != UInt8(ascii: "_")
}

/// The escapers behind text/template's `html`, `js` and `urlquery`.
enum GoEscape {
    private static let htmlEscapes: [Unicode.Scalar: String] = [
        "\"": "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;", "\u{0}": "\u{FFFD}",
    ]

    static func html(_ s: String) -> String {
        s.unicodeScalars.map { htmlEscapes[$0] ?? String($0) }.joined()
    }

    private static let jsEscapes: [Unicode.Scalar: String] = [
        "\\": "\\\\", "'": "\\'", "\"": "\\\"", "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D",
    ]

    static func js(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if let escaped = jsEscapes[u] {
                out += escaped
            } else if u.value >= 0x20 && (u.value < 0x80 || GoQuote.isPrint(u)) {
                out.unicodeScalars.append(u)
            } else {
                out += "\\u" + GoQuote.hex(u.value, digits: 4, uppercase: true)
            }
        }
        return out
    }

    /// url.QueryEscape.
    static func query(_ s: String) -> String {
        var out = ""
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(c))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + GoQuote.hex(UInt32(c), digits: 2, uppercase: true)
            }
        }
        return out
    }
}
