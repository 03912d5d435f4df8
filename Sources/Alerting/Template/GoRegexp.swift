import Foundation

/// Go's regexp (RE2 syntax) for `match` and `reReplaceAll`, run on ICU
/// through NSRegularExpression.
///
/// The pattern is translated where the two dialects differ in meaning
/// (`$` is end of text, `\d \w \s` are ASCII, `(?P<name>` names a group,
/// `[` inside a class is literal) and refused where Go refuses it
/// (backreferences, lookaround, unknown escapes), with Go's messages for the
/// common mistakes.  Replacement templates (`$1`, `${name}`, `$$`) and the
/// treatment of empty matches follow Go's Regexp.ReplaceAllString, not ICU's.
struct GoRegexp {
    private let regex: NSRegularExpression
    private let groupIndex: [String: Int]

    static func compile(_ pattern: String) -> Result<GoRegexp, FunctionError> {
        switch translate(pattern) {
        case .failure(let e):
            return .failure(e)
        case .success(let (icu, names)):
            do {
                // ICU refuses an empty pattern; Go's matches the empty string everywhere.
                let re = try NSRegularExpression(pattern: icu.isEmpty ? "(?:)" : icu, options: [.useUnixLineSeparators])
                return .success(GoRegexp(regex: re, groupIndex: names))
            } catch {
                return .failure(FunctionError("error parsing regexp: invalid or unsupported syntax: `\(pattern)`"))
            }
        }
    }

    /// regexp.MatchString: is there a match anywhere in s?
    func matches(_ s: String) -> Bool {
        regex.firstMatch(in: s, options: [], range: NSRange(location: 0, length: (s as NSString).length)) != nil
    }

    /// Regexp.ReplaceAllString, `$` expansion included.
    func replaceAll(_ src: String, with repl: String) -> String {
        let ns = src as NSString
        let len = ns.length
        var out = ""
        var lastMatchEnd = 0
        var searchPos = 0
        while searchPos <= len {
            guard let m = regex.firstMatch(in: src, options: [.withoutAnchoringBounds, .withTransparentBounds],
                                           range: NSRange(location: searchPos, length: len - searchPos)) else { break }
            let a0 = m.range.location, a1 = m.range.location + m.range.length
            out += ns.substring(with: NSRange(location: lastMatchEnd, length: a0 - lastMatchEnd))
            // No replacement for an empty match right after the previous match.
            if a1 > lastMatchEnd || a0 == 0 { out += expand(repl, m, ns) }
            lastMatchEnd = a1
            var width = 0
            if searchPos < len {
                let c = ns.character(at: searchPos)
                width = (c >= 0xD800 && c < 0xDC00 && searchPos + 1 < len) ? 2 : 1
            }
            if searchPos + width > a1 {
                searchPos += width
            } else if searchPos + 1 > a1 {
                searchPos += 1
            } else {
                searchPos = a1
            }
        }
        out += ns.substring(from: lastMatchEnd)
        return out
    }

    /// Regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; a name is the
    /// longest run of letters, digits and underscores, so `$1x` is group "1x".
    private func expand(_ template: String, _ m: NSTextCheckingResult, _ src: NSString) -> String {
        var out = ""
        var rest = Substring(template)
        func group(_ i: Int) -> String {
            guard i < m.numberOfRanges else { return "" }
            let r = m.range(at: i)
            return r.location == NSNotFound ? "" : src.substring(with: r)
        }
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                out += "$"
                rest = rest.dropFirst()
                continue
            }
            var s = rest
            let brace = s.first == "{"
            if brace { s = s.dropFirst() }
            let name = s.prefix { c in c == "_" || c.isLetter || c.isNumber }
            guard !name.isEmpty else { out += "$"; continue }
            s = s[name.endIndex...]
            if brace {
                guard s.first == "}" else { out += "$"; continue }
                s = s.dropFirst()
            }
            rest = s
            if name.allSatisfy({ $0.isASCII && $0.isNumber }), !(name.first == "0" && name.count > 1), name.count < 9 {
                out += group(Int(name)!)
            } else if let i = groupIndex[String(name)] {
                out += group(i)
            }
        }
        out += rest
        return out
    }

    // MARK: Translation

    private static func parseError(_ code: String, _ arg: String) -> FunctionError {
        FunctionError("error parsing regexp: \(code): `\(arg)`")
    }

    /// RE2's Perl classes spelled as ICU reads them the same way: ASCII
    /// only, where ICU's \d, \w and \s would match any Unicode digit, letter or space.
    private static let perlEscapes: [Unicode.Scalar: String] = [
        "d": "[0-9]", "D": "[^0-9]", "w": "[0-9A-Za-z_]", "W": "[^0-9A-Za-z_]",
        "s": "[\\t\\n\\f\\r ]", "S": "[^\\t\\n\\f\\r ]", "v": "\\x{0B}",
    ]

    /// RE2 → ICU, with the group names' indexes.
    private static func translate(_ pattern: String) -> Result<(String, [String: Int]), FunctionError> {
        let p = Array(pattern.unicodeScalars)
        let multiline = pattern.range(of: #"\(\?[a-zA-Z]*m"#, options: .regularExpression) != nil
        var out = ""
        var names: [String: Int] = [:]
        var groups = 0
        var depth = 0
        var i = 0
        var canRepeat = false
        var classStart: Int? = nil
        var classFirst = false

        func isQuantifier(_ u: Unicode.Scalar) -> Bool { u == "*" || u == "+" || u == "?" }

        while i < p.count {
            let c = p[i]
            if classStart != nil {
                // Inside [...]: Go's classes are flat; ICU's can nest and have operators.
                if c == "]" && !classFirst {
                    out += "]"
                    classStart = nil
                    canRepeat = true
                    i += 1
                    continue
                }
                classFirst = false
                if c == "\\" {
                    guard i + 1 < p.count else { return .failure(parseError("trailing backslash at end of expression", "")) }
                    let e = p[i + 1]
                    switch e {
                    case "d": out += "0-9"
                    case "w": out += "0-9A-Za-z_"
                    case "s": out += "\\t\\n\\f\\r "
                    case "v": out += "\\x{0B}"
                    default: out += "\\" + String(e)
                    }
                    i += 2
                    continue
                }
                if c == "[" {
                    if i + 1 < p.count && p[i + 1] == ":" {
                        // [:alpha:] and friends: copy through to the closing ":]".
                        var j = i + 2
                        while j + 1 < p.count && !(p[j] == ":" && p[j + 1] == "]") { j += 1 }
                        out += String(String.UnicodeScalarView(p[i...min(j + 1, p.count - 1)]))
                        i = j + 2
                        continue
                    }
                    out += "\\["
                } else if c == "&" || c == "{" || c == "}" {
                    out += "\\" + String(c)
                } else if c == "]" {
                    out += "\\]"
                } else {
                    out.unicodeScalars.append(c)
                }
                i += 1
                continue
            }
            switch c {
            case "\\":
                guard i + 1 < p.count else { return .failure(parseError("trailing backslash at end of expression", "")) }
                let e = p[i + 1]
                if e.value < 0x80 && !e.properties.isAlphabetic && !("0"..."9").contains(e) {
                    out += "\\" + String(e)  // escaped punctuation
                    i += 2
                    canRepeat = true
                    continue
                }
                if let translated = perlEscapes[e] {
                    out += translated
                    i += 2
                    canRepeat = true
                    continue
                }
                switch e {
                case "a", "f", "n", "r", "t", "A", "b", "B", "z", "C":
                    out += "\\" + String(e)
                case "p" where i + 2 < p.count && p[i + 2] != "{", "P" where i + 2 < p.count && p[i + 2] != "{":
                    // \pL: ICU wants the braces, \p{L}.
                    out += "\\" + String(e) + "{" + String(p[i + 2]) + "}"
                    i += 3
                    canRepeat = true
                    continue
                case "x", "p", "P":
                    out += "\\" + String(e)
                case "Q":
                    // \Q...\E: literal text.
                    var j = i + 2
                    var lit = ""
                    while j < p.count && !(p[j] == "\\" && j + 1 < p.count && p[j + 1] == "E") {
                        lit.unicodeScalars.append(p[j])
                        j += 1
                    }
                    out += NSRegularExpression.escapedPattern(for: lit)
                    i = min(j + 2, p.count)
                    canRepeat = true
                    continue
                case "0"..."7":
                    // Octal escape (a single non-zero digit would be a backreference).
                    var j = i + 1
                    var v: UInt32 = 0
                    while j < p.count && j < i + 4 && ("0"..."7").contains(p[j]) {
                        v = v * 8 + (p[j].value - 48)
                        j += 1
                    }
                    if e != "0" && j == i + 2 {
                        return .failure(parseError("invalid escape sequence", "\\" + String(e)))
                    }
                    out += "\\x{" + String(v, radix: 16) + "}"
                    i = j
                    canRepeat = true
                    continue
                default:
                    return .failure(parseError("invalid escape sequence", "\\" + String(e)))
                }
                i += 2
                canRepeat = true
            case "(":
                if i + 1 < p.count && p[i + 1] == "?" {
                    let rest = String(String.UnicodeScalarView(p[i...]))
                    if rest.hasPrefix("(?P<") {
                        guard let close = rest.firstIndex(of: ">") else {
                            return .failure(parseError("invalid named capture", rest))
                        }
                        let name = String(rest[rest.index(rest.startIndex, offsetBy: 4)..<close])
                        groups += 1
                        if names[name] != nil { return .failure(parseError("duplicate capture group name", name)) }
                        names[name] = groups
                        out += "(?<" + name + ">"
                        i += 4 + name.unicodeScalars.count + 1
                    } else {
                        // Flags: (?i) (?s) (?m) (?U) and (?flags:...).
                        var j = i + 2
                        while j < p.count && (p[j].properties.isAlphabetic || p[j] == "-") { j += 1 }
                        guard j < p.count, p[j] == ")" || p[j] == ":", j > i + 2 || p[j] == ":" else {
                            let end = min(j + 1, p.count)
                            return .failure(parseError("invalid or unsupported Perl syntax",
                                                       String(String.UnicodeScalarView(p[i..<end]))))
                        }
                        out += String(String.UnicodeScalarView(p[i...j]))
                        if p[j] == ":" { depth += 1 }
                        i = j + 1
                        canRepeat = p[j] == ")" ? canRepeat : false
                        continue
                    }
                } else {
                    groups += 1
                    out += "("
                    i += 1
                }
                depth += 1
                canRepeat = false
            case ")":
                depth -= 1
                if depth < 0 { return .failure(parseError("unexpected )", pattern)) }
                out += ")"
                i += 1
                canRepeat = true
            case "[":
                classStart = i
                out += "["
                i += 1
                if i < p.count && p[i] == "^" { out += "^"; i += 1 }
                classFirst = true
                continue
            case "$":
                out += multiline ? "$" : "\\z"
                i += 1
                canRepeat = true
            case "*", "+", "?":
                guard canRepeat else { return .failure(parseError("missing argument to repetition operator", String(c))) }
                out.unicodeScalars.append(c)
                i += 1
                if i < p.count && p[i] == "?" { out += "?"; i += 1 }
                if i < p.count && isQuantifier(p[i]) {
                    return .failure(parseError("invalid nested repetition operator", String(c) + String(p[i])))
                }
                canRepeat = false
            case "|":
                out += "|"
                i += 1
                canRepeat = false
            default:
                out.unicodeScalars.append(c)
                i += 1
                canRepeat = c != "^"
            }
        }
        if let start = classStart {
            return .failure(parseError("missing closing ]", String(String.UnicodeScalarView(p[start...]))))
        }
        if depth > 0 { return .failure(parseError("missing closing )", pattern)) }
        return .success((out, names))
    }
}
