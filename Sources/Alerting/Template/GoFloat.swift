#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Go's `strconv.FormatFloat` for float64, the one piece of Go formatting
/// every alert annotation leans on (`{{ $value }}`, `humanize`, `printf`).
///
/// Digits come from two trusted sources rather than a hand-rolled dtoa:
/// shortest round-trip digits from Swift's own `description` (both Swift and
/// Go pick the shortest string that reads back exactly, closest on ties), and
/// correctly rounded fixed-precision digits from C's `%.*e`, which glibc and
/// Darwin compute exactly with round-half-even, as Go does.  The layout
/// around the digits (`%e` / `%f` / `%g` rules) is Go's, copied from ftoa.go.
enum GoFloat {
    /// Decimal digits of |v|: value = 0.d[0]d[1]... × 10^dp, no trailing zeros.
    /// Zero has no digits.
    struct Digits {
        var d: [UInt8]
        var dp: Int
    }

    /// `strconv.FormatFloat(v, fmt, prec, 64)` for fmt in e E f g G; prec -1 is shortest.
    static func format(_ v: Double, _ fmt: Character, _ prec: Int) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Inf" : "+Inf" }
        let neg = v.sign == .minus
        let a = Swift.abs(v)
        var out = neg ? "-" : ""
        let shortest = prec < 0
        switch fmt {
        case "x", "X":
            out += fmtX(a, prec, fmt)
        case "e", "E":
            let digs = shortest ? shortestDigits(a) : rounded(a, significant: prec + 1)
            let p = shortest ? max(digs.d.count - 1, 0) : prec
            out += fmtE(digs, p, fmt)
        case "f", "F":
            if shortest {
                let digs = shortestDigits(a)
                out += fmtF(digs, max(digs.d.count - digs.dp, 0))
            } else {
                out += cFormat(a, "f", prec)
            }
        default: // g, G
            var p = prec
            let digs: Digits
            if shortest {
                digs = shortestDigits(a)
                p = digs.d.count
            } else {
                if p == 0 { p = 1 }
                digs = rounded(a, significant: p)
            }
            var eprec = p
            if eprec > digs.d.count && digs.d.count >= digs.dp { eprec = digs.d.count }
            // Shortest output switches to %e at the same place %g with six digits would.
            if shortest { eprec = 6 }
            let exp = digs.dp - 1
            if exp < -4 || exp >= eprec {
                if p > digs.d.count { p = digs.d.count }
                out += fmtE(digs, max(p - 1, 0), fmt == "G" ? "E" : "e")
            } else {
                if p > digs.dp { p = digs.d.count }
                out += fmtF(digs, max(p - digs.dp, 0))
            }
        }
        return out
    }

    /// Shortest digits that read back as `a` (a >= 0), taken from Swift's description.
    static func shortestDigits(_ a: Double) -> Digits {
        if a == 0 { return Digits(d: [], dp: 0) }
        return parseScientific(Array(a.description.utf8))
    }

    /// `n` significant digits of `a` (a >= 0), correctly rounded.
    static func rounded(_ a: Double, significant n: Int) -> Digits {
        if a == 0 { return Digits(d: [], dp: 0) }
        return parseScientific(Array(cFormat(a, "e", max(n - 1, 0)).utf8))
    }

    /// Parses "123.45", "1.5e-07", "1e+16" into trimmed digits and a decimal point position.
    private static func parseScientific(_ s: [UInt8]) -> Digits {
        var digits: [UInt8] = []
        var pointAt: Int? = nil
        var exp = 0
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == UInt8(ascii: ".") {
                pointAt = digits.count
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exp = Int(String(decoding: s[(i + 1)...], as: UTF8.self)) ?? 0
                break
            } else if c >= 48 && c <= 57 {
                digits.append(c)
            }
            i += 1
        }
        var dp = (pointAt ?? digits.count) + exp
        var lead = 0
        while lead < digits.count && digits[lead] == 48 { lead += 1; dp -= 1 }
        digits.removeFirst(lead)
        while let last = digits.last, last == 48 { digits.removeLast() }
        if digits.isEmpty { dp = 0 }
        return Digits(d: digits, dp: dp)
    }

    /// %x layout: 0x1.hhhhp±dd (strconv's fmtX).
    private static func fmtX(_ a: Double, _ prec: Int, _ fmt: Character) -> String {
        let bits = a.bitPattern
        var exp = Int((bits >> 52) & 0x7FF)
        var mant = bits & ((1 << 52) - 1)
        if exp == 0 { exp += 1 } else { mant |= 1 << 52 }
        exp -= 1023
        if mant == 0 { exp = 0 }
        mant <<= 60 - 52
        while mant != 0 && mant & (1 << 60) == 0 {
            mant <<= 1
            exp -= 1
        }
        if prec >= 0 && prec < 15 {
            let shift = UInt64(prec * 4)
            let extra = (mant << shift) & ((1 << 60) - 1)
            mant >>= 60 - shift
            if extra | (mant & 1) > 1 << 59 { mant += 1 }
            mant <<= 60 - shift
            if mant & (1 << 61) != 0 {
                mant >>= 1
                exp += 1
            }
        }
        let hex = Array(fmt == "X" ? "0123456789ABCDEF" : "0123456789abcdef")
        var out = "0" + String(fmt) + String((mant >> 60) & 1)
        mant <<= 4
        if prec < 0 && mant != 0 {
            out += "."
            while mant != 0 {
                out.append(hex[Int((mant >> 60) & 15)])
                mant <<= 4
            }
        } else if prec > 0 {
            out += "."
            for _ in 0..<prec {
                out.append(hex[Int((mant >> 60) & 15)])
                mant <<= 4
            }
        }
        out += fmt == "X" ? "P" : "p"
        out += exp < 0 ? "-" : "+"
        let e = Swift.abs(exp)
        out += e < 10 ? "0\(e)" : "\(e)"
        return out
    }

    /// %e layout: d.ddddde±dd
    private static func fmtE(_ digs: Digits, _ prec: Int, _ fmt: Character) -> String {
        var out: [UInt8] = []
        out.append(digs.d.first ?? 48)
        if prec > 0 {
            out.append(UInt8(ascii: "."))
            var i = 1
            let m = min(digs.d.count, prec + 1)
            if i < m {
                out.append(contentsOf: digs.d[i..<m])
                i = m
            }
            while i <= prec { out.append(48); i += 1 }
        }
        out.append(fmt == "E" ? UInt8(ascii: "E") : UInt8(ascii: "e"))
        var exp = digs.d.isEmpty ? 0 : digs.dp - 1
        if exp < 0 { out.append(UInt8(ascii: "-")); exp = -exp } else { out.append(UInt8(ascii: "+")) }
        if exp < 10 { out.append(48) }
        out.append(contentsOf: Array(String(exp).utf8))
        return String(decoding: out, as: UTF8.self)
    }

    /// %f layout from digits: integer part, then `prec` fraction digits.
    private static func fmtF(_ digs: Digits, _ prec: Int) -> String {
        var out: [UInt8] = []
        if digs.dp > 0 {
            let m = min(digs.d.count, digs.dp)
            out.append(contentsOf: digs.d[0..<m])
            for _ in m..<digs.dp { out.append(48) }
        } else {
            out.append(48)
        }
        if prec > 0 {
            out.append(UInt8(ascii: "."))
            for i in 1...prec {
                let j = digs.dp + i - 1
                out.append(j >= 0 && j < digs.d.count ? digs.d[j] : 48)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// C's printf for one finite, non-negative double: exact and round-half-even.
    private static func cFormat(_ a: Double, _ conv: Character, _ prec: Int) -> String {
        let format = "%.*" + String(conv)
        let p = Int32(clamping: min(prec, 1100))
        var size = 64
        while true {
            var buffer = [CChar](repeating: 0, count: size)
            let n = withVaList([p, a]) { args in
                buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, size, format, args) }
            }
            if n < 0 { return "" }
            if Int(n) < size {
                return String(decoding: buffer[0..<Int(n)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            size = Int(n) + 1
        }
    }
}

/// Conversions that never trap, matching what Go does on amd64.
enum GoConvert {
    /// Go's int64(f): truncation; NaN and out-of-range values give math.MinInt64
    /// (the x86 "integer indefinite" value), as Prometheus's binaries see it.
    static func int64(_ f: Double) -> Int64 {
        if f.isNaN || f >= 9223372036854775808.0 || f < -9223372036854775808.0 { return Int64.min }
        return Int64(f.rounded(.towardZero))
    }
}
