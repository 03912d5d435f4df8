/// Go's fmt package (Sprint, Sprintln, Sprintf) over template values.
///
/// Templates print through fmt everywhere: an action's result, `print`,
/// `printf`, and every humanize function's `%.4g`.  This follows
/// fmt/print.go and fmt/format.go: verbs, flags, width and precision, the
/// `%!verb(type=value)` complaints, and how maps, structs and pointers print.
struct GoPrinter {
    private(set) var out: [UInt8] = []
    private var f = Flags()

    private struct Flags {
        var plus = false, minus = false, sharp = false, space = false, zero = false
        var plusV = false, sharpV = false
        var wid = 0, widPresent = false
        var prec = 0, precPresent = false
    }

    var string: String { String(decoding: out, as: UTF8.self) }

    // MARK: Entry points

    /// fmt.Sprint: spaces between operands when neither side is a string.
    /// `printable` first applies text/template's printableValue to each
    /// operand, as html, js and urlquery do: nil becomes "<no value>" and
    /// pointers are dereferenced.
    static func sprint(_ args: [TemplateValue], printable: Bool = false) -> String {
        var p = GoPrinter()
        var prevString = false
        for (i, arg) in args.enumerated() {
            let isString = arg.isStringKind || (printable && arg.isNil)
            if i > 0 && !isString && !prevString { p.out.append(32) }
            switch (printable, arg) {
            case (true, .nil_): p.out += Array("<no value>".utf8)
            case (true, .querySample(let s)): p.printSampleStruct(s, "v", depth: 0)
            default: p.printArg(arg, "v")
            }
            prevString = isString
        }
        return p.string
    }

    /// fmt.Sprintln: spaces between all operands, newline at the end.
    static func sprintln(_ args: [TemplateValue]) -> String {
        var p = GoPrinter()
        for (i, arg) in args.enumerated() {
            if i > 0 { p.out.append(32) }
            p.printArg(arg, "v")
        }
        p.out.append(10)
        return p.string
    }

    /// What text/template writes for an action's value: pointers are
    /// dereferenced first, and nil prints as `<no value>`.
    static func printAction(_ v: TemplateValue) -> String {
        switch v {
        case .nil_: return "<no value>"
        case .querySample(let s):
            var p = GoPrinter()
            p.printSampleStruct(s, "v", depth: 0)
            return p.string
        default:
            return sprint([v])
        }
    }

    /// fmt.Sprintf.
    static func sprintf(_ format: String, _ args: [TemplateValue]) -> String {
        var p = GoPrinter()
        p.doPrintf(Array(format.utf8), args)
        return p.string
    }

    // MARK: Printf

    private mutating func doPrintf(_ format: [UInt8], _ a: [TemplateValue]) {
        let end = format.count
        var argNum = 0
        var afterIndex = false
        var reordered = false
        var i = 0
        formatLoop: while i < end {
            var goodArgNum = true
            let lasti = i
            while i < end && format[i] != UInt8(ascii: "%") { i += 1 }
            if i > lasti { out += format[lasti..<i] }
            if i >= end { break }
            i += 1
            f = Flags()
            simple: while i < end {
                let c = format[i]
                switch c {
                case UInt8(ascii: "#"): f.sharp = true
                case UInt8(ascii: "0"): f.zero = !f.minus
                case UInt8(ascii: "+"): f.plus = true
                case UInt8(ascii: "-"): f.minus = true; f.zero = false
                case UInt8(ascii: " "): f.space = true
                default:
                    if c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z") && argNum < a.count {
                        if c == UInt8(ascii: "v") {
                            f.sharpV = f.sharp; f.sharp = false
                            f.plusV = f.plus; f.plus = false
                        }
                        printArg(a[argNum], Character(Unicode.Scalar(c)))
                        argNum += 1
                        i += 1
                        continue formatLoop
                    }
                    break simple
                }
                i += 1
            }
            // Explicit argument index?
            (argNum, i, afterIndex, reordered, goodArgNum) = argNumber(argNum, format, i, a.count, reordered, goodArgNum)
            // Width.
            if i < end && format[i] == UInt8(ascii: "*") {
                i += 1
                (f.wid, f.widPresent, argNum) = intFromArg(a, argNum)
                if !f.widPresent { out += Array("%!(BADWIDTH)".utf8) }
                if f.wid < 0 { f.wid = -f.wid; f.minus = true; f.zero = false }
                afterIndex = false
            } else {
                (f.wid, f.widPresent, i) = parseNum(format, i, end)
                if afterIndex && f.widPresent { goodArgNum = false }
            }
            // Precision.
            if i + 1 < end && format[i] == UInt8(ascii: ".") {
                i += 1
                if afterIndex { goodArgNum = false }
                (argNum, i, afterIndex, reordered, goodArgNum) = argNumber(argNum, format, i, a.count, reordered, goodArgNum)
                if i < end && format[i] == UInt8(ascii: "*") {
                    i += 1
                    (f.prec, f.precPresent, argNum) = intFromArg(a, argNum)
                    if f.prec < 0 { f.prec = 0; f.precPresent = false }
                    if !f.precPresent { out += Array("%!(BADPREC)".utf8) }
                    afterIndex = false
                } else {
                    (f.prec, f.precPresent, i) = parseNum(format, i, end)
                    if !f.precPresent { f.prec = 0; f.precPresent = true }
                }
            }
            if !afterIndex {
                (argNum, i, afterIndex, reordered, goodArgNum) = argNumber(argNum, format, i, a.count, reordered, goodArgNum)
            }
            if i >= end {
                out += Array("%!(NOVERB)".utf8)
                break
            }
            // The verb is one rune.
            var j = i + 1
            while j < end && format[j] & 0xC0 == 0x80 { j += 1 }
            let verb = String(decoding: format[i..<j], as: UTF8.self).first ?? "?"
            i = j
            if verb == "%" {
                out.append(UInt8(ascii: "%"))
            } else if !goodArgNum {
                out += Array("%!\(verb)(BADINDEX)".utf8)
            } else if argNum >= a.count {
                out += Array("%!\(verb)(MISSING)".utf8)
            } else {
                if verb == "v" {
                    f.sharpV = f.sharp; f.sharp = false
                    f.plusV = f.plus; f.plus = false
                }
                printArg(a[argNum], verb)
                argNum += 1
            }
        }
        if !reordered && argNum < a.count {
            f = Flags()
            out += Array("%!(EXTRA ".utf8)
            for (k, arg) in a[argNum...].enumerated() {
                if k > 0 { out += Array(", ".utf8) }
                if arg.isNil {
                    out += Array("<nil>".utf8)
                } else {
                    out += Array(arg.goTypeName.utf8)
                    out.append(UInt8(ascii: "="))
                    printArg(arg, "v")
                }
            }
            out.append(UInt8(ascii: ")"))
        }
    }

    private func parseNum(_ s: [UInt8], _ start: Int, _ end: Int) -> (Int, Bool, Int) {
        var i = start
        var num = 0
        var present = false
        while i < end && s[i] >= 48 && s[i] <= 57 {
            if num > 1_000_000 { return (0, false, end) }
            num = num * 10 + Int(s[i] - 48)
            present = true
            i += 1
        }
        return (num, present, i)
    }

    private func argNumber(_ argNum: Int, _ format: [UInt8], _ i: Int, _ numArgs: Int, _ reordered: Bool,
                           _ good: Bool) -> (Int, Int, Bool, Bool, Bool) {
        guard i < format.count, format[i] == UInt8(ascii: "[") else { return (argNum, i, false, reordered, good) }
        var j = i + 1
        while j < format.count && format[j] != UInt8(ascii: "]") { j += 1 }
        guard j < format.count else { return (argNum, i + 1, false, true, false) }
        let (n, ok, next) = parseNum(format, i + 1, j)
        if !ok || next != j { return (argNum, j + 1, true, true, false) }
        let index = n - 1
        if index >= 0 && index < numArgs { return (index, j + 1, true, true, good) }
        return (argNum, j + 1, true, true, false)
    }

    private func intFromArg(_ a: [TemplateValue], _ argNum: Int) -> (Int, Bool, Int) {
        guard argNum < a.count else { return (0, false, argNum) }
        if case .int(let n) = a[argNum], n > -1_000_000, n < 1_000_000 { return (n, true, argNum + 1) }
        return (0, false, argNum + 1)
    }

    // MARK: Arguments

    mutating func printArg(_ arg: TemplateValue, _ verb: Character) {
        if case .nil_ = arg {
            if verb == "T" || verb == "v" { pad(Array("<nil>".utf8)) } else { badVerb(verb, arg) }
            return
        }
        if verb == "T" {
            fmtS(arg.goTypeName)
            return
        }
        printValue(arg, verb, depth: 0)
    }

    private mutating func printValue(_ v: TemplateValue, _ verb: Character, depth: Int) {
        switch v {
        case .nil_:
            if verb == "v" { out += Array("<nil>".utf8) } else { badVerb(verb, v) }
        case .bool(let b):
            if verb == "t" || verb == "v" { pad(Array((b ? "true" : "false").utf8)) } else { badVerb(verb, v) }
        case .int(let n):
            fmtInteger(n, verb, v)
        case .number(let d):
            fmtFloat(d, verb, v)
        case .string(let s), .html(let s):
            fmtString(s, verb, v)
        case .time(let t):
            // *time.Time is a Stringer: fmt calls String() for the string verbs.
            if "vsxXq".contains(verb) { fmtString(t.goString, verb, .string(t.goString)) } else { badVerb(verb, v) }
        case .labels where f.sharpV, .map where f.sharpV:
            printGoSyntaxMap(v)
        case .labels(let m):
            // map[string]string prints as its elements would in a map of values.
            printValue(.map(m.mapValues(TemplateValue.string)), verb, depth: depth)
        case .map(let m):
            out += Array("map[".utf8)
            for (i, k) in m.keys.sorted(by: goLess).enumerated() {
                if i > 0 { out.append(32) }
                printValue(.string(k), verb, depth: depth + 1)
                out.append(UInt8(ascii: ":"))
                // Elements are interface values: nil ones print <nil> whatever the verb.
                if case .nil_ = m[k]! { out += Array("<nil>".utf8) } else { printValue(m[k]!, verb, depth: depth + 1) }
            }
            out.append(UInt8(ascii: "]"))
        case .list(let l):
            // Go prints the element pointers' addresses here; an address means
            // nothing outside the process, so the samples are printed instead.
            out.append(UInt8(ascii: "["))
            for (i, e) in l.enumerated() {
                if i > 0 { out.append(32) }
                printValue(e, verb, depth: depth + 1)
            }
            out.append(UInt8(ascii: "]"))
        case .querySample(let s):
            if depth > 0 && !"vbodxXp".contains(verb) {
                // A pointer inside a container gets fmtPointer, which only knows pointer verbs.
                out += Array("%!\(verb)(*template.sample=".utf8)
                let saved = f
                f = Flags()
                out.append(UInt8(ascii: "&"))
                printSampleStruct(s, "v", depth: 0)
                f = saved
                out.append(UInt8(ascii: ")"))
                return
            }
            out.append(UInt8(ascii: "&"))
            printSampleStruct(s, verb, depth: depth)
        case .alertData(let d):
            out.append(UInt8(ascii: "{"))
            for (i, field) in d.fields.enumerated() {
                if i > 0 { out.append(32) }
                if f.plusV || f.sharpV { out += Array("\(field.name):".utf8) }
                printValue(field.value, verb, depth: depth + 1)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// %#v of a map: map[string]string{"k":"v", ...}.
    private mutating func printGoSyntaxMap(_ v: TemplateValue) {
        out += Array(v.goTypeName.utf8)
        out.append(UInt8(ascii: "{"))
        var entries: [(String, TemplateValue)] = []
        if case .labels(let m) = v { entries = m.map { ($0.key, .string($0.value)) } }
        if case .map(let m) = v { entries = m.map { ($0.key, $0.value) } }
        for (i, (k, e)) in entries.sorted(by: { goLess($0.0, $1.0) }).enumerated() {
            if i > 0 { out += Array(", ".utf8) }
            out += Array(GoQuote.quote(k).utf8)
            out.append(UInt8(ascii: ":"))
            if case .nil_ = e {
                out += Array("interface {}(nil)".utf8)
            } else {
                printValue(e, "v", depth: 1)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    private mutating func printSampleStruct(_ s: QuerySample, _ verb: Character, depth: Int) {
        out.append(UInt8(ascii: "{"))
        if f.plusV || f.sharpV { out += Array("Labels:".utf8) }
        printValue(.labels(s.labels), verb, depth: depth + 1)
        out.append(32)
        if f.plusV || f.sharpV { out += Array("Value:".utf8) }
        printValue(.number(s.value), verb, depth: depth + 1)
        out.append(UInt8(ascii: "}"))
    }

    private mutating func badVerb(_ verb: Character, _ v: TemplateValue) {
        out += Array("%!\(verb)(".utf8)
        if case .nil_ = v {
            out += Array("<nil>".utf8)
        } else {
            out += Array(v.goTypeName.utf8)
            out.append(UInt8(ascii: "="))
            printValue(v, "v", depth: 0)
        }
        out.append(UInt8(ascii: ")"))
    }

    // MARK: Strings

    private mutating func fmtString(_ s: String, _ verb: Character, _ v: TemplateValue) {
        switch verb {
        case "v":
            if f.sharpV { fmtQ(s) } else { fmtS(s) }
        case "s": fmtS(s)
        case "x": fmtSx(s, upper: false)
        case "X": fmtSx(s, upper: true)
        case "q": fmtQ(s)
        default: badVerb(verb, v)
        }
    }

    private func truncate(_ s: String) -> String {
        if f.precPresent {
            var n = 0
            for idx in s.unicodeScalars.indices {
                if n == f.prec { return String(s.unicodeScalars[..<idx]) }
                n += 1
            }
        }
        return s
    }

    private mutating func fmtS(_ s: String) {
        pad(Array(truncate(s).utf8))
    }

    private mutating func fmtSx(_ s: String, upper: Bool) {
        let digits = Array((upper ? "0123456789ABCDEFX" : "0123456789abcdefx").utf8)
        var bytes = Array(s.utf8)
        if f.precPresent && f.prec < bytes.count { bytes = Array(bytes[0..<f.prec]) }
        var width = 2 * bytes.count
        if width > 0 {
            if f.space {
                if f.sharp { width *= 2 }
                width += bytes.count - 1
            } else if f.sharp {
                width += 2
            }
        } else {
            if f.widPresent { writePadding(f.wid) }
            return
        }
        if f.widPresent && f.wid > width && !f.minus { writePadding(f.wid - width) }
        if f.sharp { out += [48, digits[16]] }
        for (i, c) in bytes.enumerated() {
            if f.space && i > 0 {
                out.append(32)
                if f.sharp { out += [48, digits[16]] }
            }
            out += [digits[Int(c >> 4)], digits[Int(c & 0xF)]]
        }
        if f.widPresent && f.wid > width && f.minus { writePadding(f.wid - width) }
    }

    private mutating func fmtQ(_ s: String) {
        let t = truncate(s)
        if f.sharp && GoQuote.canBackquote(t) {
            pad(Array("`\(t)`".utf8))
            return
        }
        pad(Array(GoQuote.quote(t, asciiOnly: f.plus).utf8))
    }

    // MARK: Integers

    private mutating func fmtInteger(_ n: Int, _ verb: Character, _ v: TemplateValue) {
        switch verb {
        case "v", "d": fmtInteger(n, base: 10, verb: verb, upper: false)
        case "b": fmtInteger(n, base: 2, verb: verb, upper: false)
        case "o", "O": fmtInteger(n, base: 8, verb: verb, upper: false)
        case "x": fmtInteger(n, base: 16, verb: verb, upper: false)
        case "X": fmtInteger(n, base: 16, verb: verb, upper: true)
        case "c":
            pad(Array(String(Self.rune(n)).utf8))
        case "q":
            let r = Self.rune(n)
            if f.sharp && r != "`" && GoQuote.canBackquote(String(r)) {
                pad(Array("'\(r)'".utf8))
            } else {
                pad(Array(GoQuote.quoteRune(r, asciiOnly: f.plus).utf8))
            }
        case "U":
            var hex = String(UInt64(bitPattern: Int64(n)), radix: 16, uppercase: true)
            let minDigits = f.precPresent && f.prec > 4 ? f.prec : 4
            while hex.count < minDigits { hex = "0" + hex }
            var s = "U+" + hex
            if f.sharp, n >= 0, n <= 0x10FFFF, let u = Unicode.Scalar(UInt32(n)), GoQuote.isPrint(u) {
                s += " '\(Character(u))'"
            }
            let oldZero = f.zero
            f.zero = false
            pad(Array(s.utf8))
            f.zero = oldZero
        default: badVerb(verb, v)
        }
    }

    private static func rune(_ n: Int) -> Character {
        if n >= 0, n <= 0x10FFFF, let u = Unicode.Scalar(UInt32(n)) { return Character(u) }
        return "\u{FFFD}"
    }

    private mutating func fmtInteger(_ n: Int, base: Int, verb: Character, upper: Bool) {
        let negative = n < 0
        let magnitude = n.magnitude
        var prec = 0
        if f.precPresent {
            prec = f.prec
            if prec == 0 && n == 0 {
                let oldZero = f.zero
                f.zero = false
                writePadding(f.wid)
                f.zero = oldZero
                return
            }
        } else if f.zero && f.widPresent {
            prec = f.wid
            if negative || f.plus || f.space { prec -= 1 }
        }
        var digits = Array(String(magnitude, radix: base, uppercase: upper).utf8)
        while digits.count < prec { digits.insert(48, at: 0) }
        if f.sharp {
            switch base {
            case 2: digits.insert(contentsOf: Array("0b".utf8), at: 0)
            case 8: if digits.first != 48 { digits.insert(48, at: 0) }
            case 16: digits.insert(contentsOf: Array((upper ? "0X" : "0x").utf8), at: 0)
            default: break
            }
        }
        if verb == "O" { digits.insert(contentsOf: Array("0o".utf8), at: 0) }
        if negative {
            digits.insert(UInt8(ascii: "-"), at: 0)
        } else if f.plus {
            digits.insert(UInt8(ascii: "+"), at: 0)
        } else if f.space {
            digits.insert(32, at: 0)
        }
        let oldZero = f.zero
        f.zero = false
        pad(digits)
        f.zero = oldZero
    }

    // MARK: Floats

    private mutating func fmtFloat(_ d: Double, _ verb: Character, _ v: TemplateValue) {
        switch verb {
        case "v": fmtFloat(d, fmt: "g", prec: -1)
        case "g", "G", "x", "X": fmtFloat(d, fmt: verb, prec: -1)
        case "e", "E", "f": fmtFloat(d, fmt: verb, prec: 6)
        case "F": fmtFloat(d, fmt: "f", prec: 6)
        default: badVerb(verb, v)
        }
    }

    private mutating func fmtFloat(_ d: Double, fmt: Character, prec defaultPrec: Int) {
        let prec = f.precPresent ? f.prec : defaultPrec
        var num = Array(GoFloat.format(d, fmt, prec).utf8)
        if num.first != UInt8(ascii: "-") && num.first != UInt8(ascii: "+") { num.insert(UInt8(ascii: "+"), at: 0) }
        if f.space && num[0] == UInt8(ascii: "+") && !f.plus { num[0] = 32 }
        if num[1] == UInt8(ascii: "I") || num[1] == UInt8(ascii: "N") {
            let oldZero = f.zero
            f.zero = false
            if num[1] == UInt8(ascii: "N") && !f.space && !f.plus { num.removeFirst() }
            pad(num)
            f.zero = oldZero
            return
        }
        if f.plus || num[0] != UInt8(ascii: "+") {
            if f.zero && f.widPresent && f.wid > num.count {
                out.append(num[0])
                writePadding(f.wid - num.count)
                out += num[1...]
                return
            }
            pad(num)
            return
        }
        pad(Array(num[1...]))
    }

    // MARK: Padding

    private mutating func writePadding(_ n: Int) {
        guard n > 0 else { return }
        out += [UInt8](repeating: f.zero ? 48 : 32, count: n)
    }

    private mutating func pad(_ b: [UInt8]) {
        guard f.widPresent && f.wid != 0 else { out += b; return }
        let runes = b.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        let width = f.wid - runes
        if !f.minus {
            writePadding(width)
            out += b
        } else {
            out += b
            writePadding(width)
        }
    }
}
