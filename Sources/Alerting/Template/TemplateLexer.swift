/// The lexer of Go's text/template (text/template/parse/lex.go, Go 1.19),
/// over UTF-8 bytes so that positions are Go's byte offsets (they appear in
/// error messages as line:column).
///
/// It runs to completion up front; on a lexical error it stops with an
/// `.error` token, which the parser reports when it reaches it, so an
/// earlier syntax error still wins as it does in Go's lazy lexer.
struct TemplateToken: Sendable {
    enum Kind: Sendable, Equatable {
        case error, eof, text, space
        case leftDelim, rightDelim, leftParen, rightParen
        case bool, charConstant, number, string, rawString
        case identifier, field, variable, dot, nil_
        case assign, declare, pipe, char
        case keyword(Keyword)
    }

    enum Keyword: String, Sendable {
        case block, `break`, `continue`, define, `else`, end, `if`, range, template, with
    }

    var kind: Kind
    var pos: Int
    /// The token's text; for errors, the message.
    var val: String
    /// Raw bytes of the token (literals are unquoted from these).
    var bytes: [UInt8]
    var line: Int
}

struct TemplateLexer {
    private let input: [UInt8]
    private var pos = 0
    private var start = 0
    private var line = 1
    private var startLine = 1
    private var parenDepth = 0
    private(set) var tokens: [TemplateToken] = []

    private static let leftDelim: [UInt8] = Array("{{".utf8)
    private static let rightDelim: [UInt8] = Array("}}".utf8)

    static func lex(_ input: [UInt8]) -> [TemplateToken] {
        var l = TemplateLexer(input: input)
        l.run()
        return l.tokens
    }

    private init(input: [UInt8]) {
        self.input = input
    }

    // MARK: Helpers

    private func hasPrefix(_ p: [UInt8], at i: Int) -> Bool {
        i + p.count <= input.count && input[i..<(i + p.count)].elementsEqual(p)
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        pos + offset < input.count ? input[pos + offset] : nil
    }

    private static func isSpace(_ c: UInt8?) -> Bool {
        c == 32 || c == 9 || c == 13 || c == 10
    }

    /// Whether the rune starting at i is a letter, digit or underscore; and its width.
    private func alphaNumeric(at i: Int) -> (Bool, Int) {
        guard i < input.count else { return (false, 0) }
        let c = input[i]
        if c < 0x80 {
            let ok = c == UInt8(ascii: "_") || (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122)
            return (ok, 1)
        }
        var j = i + 1
        while j < input.count && input[j] & 0xC0 == 0x80 { j += 1 }
        let s = String(decoding: input[i..<j], as: UTF8.self)
        guard let u = s.unicodeScalars.first else { return (false, j - i) }
        let p = u.properties
        return (p.isAlphabetic && p.generalCategory != .letterNumber || p.numericType == .decimal, j - i)
    }

    private mutating func emit(_ kind: TemplateToken.Kind) {
        let b = Array(input[start..<pos])
        tokens.append(TemplateToken(kind: kind, pos: start, val: String(decoding: b, as: UTF8.self), bytes: b,
                                    line: startLine))
        start = pos
        startLine = line
    }

    private mutating func ignore() {
        line += input[start..<pos].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        start = pos
        startLine = line
    }

    private mutating func fail(_ message: String) {
        tokens.append(TemplateToken(kind: .error, pos: start, val: message, bytes: [], line: startLine))
    }

    private func describe(_ c: UInt8?) -> String {
        // Go's %#U of the offending rune.
        guard let c else { return "U+FFFFFFFF" }
        var h = String(c, radix: 16, uppercase: true)
        while h.count < 4 { h = "0" + h }
        return "U+\(h) '\(Character(Unicode.Scalar(c)))'"
    }

    // MARK: States

    private mutating func run() {
        var insideAction = false
        while true {
            if !insideAction {
                guard lexText() else { return }
                if pos >= input.count && start >= input.count {
                    emit(.eof)
                    return
                }
                // At a left delimiter.
                switch lexLeftDelim() {
                case .action: insideAction = true
                case .comment: continue
                case .failed: return
                }
            } else {
                switch lexInsideAction() {
                case .continueAction: continue
                case .endAction: insideAction = false
                case .failed: return
                }
            }
        }
    }

    /// Emits text up to the next "{{" (trimming before "{{- "). False at a failure.
    private mutating func lexText() -> Bool {
        var x = pos
        while x < input.count && !hasPrefix(Self.leftDelim, at: x) { x += 1 }
        if x >= input.count {
            pos = input.count
            if pos > start {
                line += input[start..<pos].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                emit(.text)
            }
            return true
        }
        pos = x
        var trim = 0
        if hasLeftTrimMarker(at: pos + 2) {
            var j = pos
            while j > start && Self.isSpace(input[j - 1]) { j -= 1 }
            trim = pos - j
        }
        pos -= trim
        if pos > start {
            line += input[start..<pos].reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            emit(.text)
        }
        pos += trim
        ignore()
        return true
    }

    private func hasLeftTrimMarker(at i: Int) -> Bool {
        i + 1 < input.count && input[i] == UInt8(ascii: "-") && Self.isSpace(input[i + 1])
    }

    private func hasRightTrimMarker(at i: Int) -> Bool {
        i + 1 < input.count && Self.isSpace(input[i]) && input[i + 1] == UInt8(ascii: "-")
    }

    private func atRightDelim() -> (delim: Bool, trim: Bool) {
        if hasRightTrimMarker(at: pos) && hasPrefix(Self.rightDelim, at: pos + 2) { return (true, true) }
        if hasPrefix(Self.rightDelim, at: pos) { return (true, false) }
        return (false, false)
    }

    private enum DelimResult { case action, comment, failed }

    private mutating func lexLeftDelim() -> DelimResult {
        pos += 2
        let trim = hasLeftTrimMarker(at: pos)
        let after = trim ? 2 : 0
        if hasPrefix(Array("/*".utf8), at: pos + after) {
            pos += after
            ignore()
            return lexComment() ? .comment : .failed
        }
        start = pos - 2
        emit(.leftDelim)
        pos += after
        ignore()
        parenDepth = 0
        return .action
    }

    private mutating func lexComment() -> Bool {
        pos += 2
        var x = pos
        while x + 1 < input.count && !(input[x] == UInt8(ascii: "*") && input[x + 1] == UInt8(ascii: "/")) { x += 1 }
        guard x + 1 < input.count else {
            fail("unclosed comment")
            return false
        }
        pos = x + 2
        let (delim, trim) = atRightDelim()
        guard delim else {
            fail("comment ends before closing delimiter")
            return false
        }
        if trim { pos += 2 }
        pos += 2
        if trim { while pos < input.count && Self.isSpace(input[pos]) { pos += 1 } }
        ignore()
        return true
    }

    private enum ActionResult { case continueAction, endAction, failed }

    private mutating func lexRightDelim(trim: Bool) {
        if trim {
            pos += 2
            ignore()
        }
        pos += 2
        emit(.rightDelim)
        if trim {
            while pos < input.count && Self.isSpace(input[pos]) { pos += 1 }
            ignore()
        }
    }

    private mutating func lexInsideAction() -> ActionResult {
        let (delim, trim) = atRightDelim()
        if delim {
            if parenDepth == 0 {
                lexRightDelim(trim: trim)
                return .endAction
            }
            fail("unclosed left paren")
            return .failed
        }
        guard let r = peek() else {
            fail("unclosed action")
            return .failed
        }
        pos += 1
        switch r {
        case _ where Self.isSpace(r):
            pos -= 1
            return lexSpace()
        case UInt8(ascii: "="):
            emit(.assign)
        case UInt8(ascii: ":"):
            guard peek() == UInt8(ascii: "=") else {
                fail("expected :=")
                return .failed
            }
            pos += 1
            emit(.declare)
        case UInt8(ascii: "|"):
            emit(.pipe)
        case UInt8(ascii: "\""):
            return lexQuote(UInt8(ascii: "\""), kind: .string, message: "unterminated quoted string")
        case UInt8(ascii: "`"):
            while let c = peek(), c != UInt8(ascii: "`") {
                if c == 10 { line += 1 }
                pos += 1
            }
            guard peek() != nil else {
                fail("unterminated raw quoted string")
                return .failed
            }
            pos += 1
            emit(.rawString)
        case UInt8(ascii: "$"):
            return lexFieldOrVariable(.variable)
        case UInt8(ascii: "'"):
            return lexQuote(UInt8(ascii: "'"), kind: .charConstant, message: "unterminated character constant")
        case UInt8(ascii: "."):
            if let n = peek(), n < 48 || n > 57 {
                return lexFieldOrVariable(.field)
            }
            pos -= 1
            return lexNumber()
        case UInt8(ascii: "+"), UInt8(ascii: "-"), 48...57:
            pos -= 1
            return lexNumber()
        case UInt8(ascii: "("):
            emit(.leftParen)
            parenDepth += 1
        case UInt8(ascii: ")"):
            emit(.rightParen)
            parenDepth -= 1
            if parenDepth < 0 {
                fail("unexpected right paren U+0029 ')'")
                return .failed
            }
        default:
            pos -= 1
            if alphaNumeric(at: pos).0 { return lexIdentifier() }
            pos += 1
            if r < 0x80 && r >= 0x20 && r < 0x7F {
                emit(.char)
            } else {
                fail("unrecognized character in action: \(describe(r))")
                return .failed
            }
        }
        return .continueAction
    }

    private mutating func lexSpace() -> ActionResult {
        var n = 0
        while Self.isSpace(peek()) {
            if peek() == 10 { line += 1 }
            pos += 1
            n += 1
        }
        // A trim-marked right delimiter starts with a space: " -}}".
        if hasRightTrimMarker(at: pos - 1) && hasPrefix(Self.rightDelim, at: pos + 1) {
            pos -= 1
            if n == 1 {
                lexRightDelim(trim: true)
                return .endAction
            }
        }
        emit(.space)
        return .continueAction
    }

    private mutating func lexQuote(_ q: UInt8, kind: TemplateToken.Kind, message: String) -> ActionResult {
        while true {
            guard let c = peek() else {
                fail(message)
                return .failed
            }
            pos += 1
            if c == UInt8(ascii: "\\") {
                guard let n = peek(), n != 10 else {
                    fail(message)
                    return .failed
                }
                pos += 1
            } else if c == 10 {
                fail(message)
                return .failed
            } else if c == q {
                break
            }
        }
        emit(kind)
        return .continueAction
    }

    private func atTerminator() -> Bool {
        guard let r = peek() else { return true }
        if Self.isSpace(r) { return true }
        switch r {
        case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: ":"),
             UInt8(ascii: ")"), UInt8(ascii: "("), UInt8(ascii: "}"):
            return true
        default:
            return false
        }
    }

    private mutating func lexFieldOrVariable(_ kind: TemplateToken.Kind) -> ActionResult {
        if atTerminator() {
            emit(kind == .variable ? .variable : .dot)
            return .continueAction
        }
        guard scanWord() else { return .failed }
        emit(kind)
        return .continueAction
    }

    /// Moves past a run of letters, digits and underscores, which must end
    /// at a terminator; false (with the error recorded) when it does not.
    private mutating func scanWord() -> Bool {
        while true {
            let (ok, w) = alphaNumeric(at: pos)
            if !ok { break }
            pos += w
        }
        if !atTerminator() {
            fail("bad character \(describe(peek()))")
            return false
        }
        return true
    }

    private mutating func lexIdentifier() -> ActionResult {
        guard scanWord() else { return .failed }
        let word = String(decoding: input[start..<pos], as: UTF8.self)
        if let k = TemplateToken.Keyword(rawValue: word) {
            emit(.keyword(k))
        } else if word == "nil" {
            emit(.nil_)
        } else if word == "true" || word == "false" {
            emit(.bool)
        } else {
            emit(.identifier)
        }
        return .continueAction
    }

    private mutating func lexNumber() -> ActionResult {
        func accept(_ valid: String) -> Bool {
            if let c = peek(), valid.utf8.contains(c) {
                pos += 1
                return true
            }
            return false
        }
        func acceptRun(_ valid: String) { while accept(valid) {} }
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") {
                digits = "0123456789abcdefABCDEF_"
            } else if accept("oO") {
                digits = "01234567_"
            } else if accept("bB") {
                digits = "01_"
            }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11 && accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.count == 23 && accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if alphaNumeric(at: pos).0 {
            pos += alphaNumeric(at: pos).1
            fail("bad number syntax: \(GoQuote.quote(String(decoding: input[start..<pos], as: UTF8.self)))")
            return .failed
        }
        if let c = peek(), c == UInt8(ascii: "+") || c == UInt8(ascii: "-") {
            // A complex constant like 1+2i; the template engine has no complex numbers.
            fail("complex numbers are not supported")
            return .failed
        }
        emit(.number)
        return .continueAction
    }
}
