import Foundation

/// Prometheus 2.42's template functions (template/template.go), with the
/// same arithmetic and formatting, so `humanize` and friends print the same
/// digits Prometheus prints.
enum PrometheusFunctions {
    static let functions: [String: TemplateFunction] = [
        "query": TemplateFunction([.string]) { args, ctx throws(FunctionError) in
            guard case .string(let q) = args[0] else { return .nil_ }
            guard let run = ctx.data.query else { throw FunctionError("no query function is configured") }
            do {
                return .list(try run(q).map { .querySample($0) })
            } catch let e as TemplateError {
                throw FunctionError(e.description)
            } catch {
                throw FunctionError(String(describing: error))
            }
        },
        "first": TemplateFunction([.queryResult]) { args, _ throws(FunctionError) in
            guard case .list(let l) = args[0], let f = l.first else {
                throw FunctionError("first() called on vector with no elements")
            }
            return f
        },
        "label": TemplateFunction([.string, .sample]) { args, _ throws(FunctionError) in
            let s = try sample(args[1])
            guard case .string(let name) = args[0] else { return .nil_ }
            return .string(s.labels[name] ?? "")
        },
        "value": TemplateFunction([.sample]) { args, _ throws(FunctionError) in .number(try sample(args[0]).value) },
        "strvalue": TemplateFunction([.sample]) { args, _ throws(FunctionError) in
            .string(try sample(args[0]).labels["__value__"] ?? "")
        },
        "args": TemplateFunction([], variadic: .any) { args, _ in
            var m: [String: TemplateValue] = [:]
            for (i, a) in args.enumerated() { m["arg\(i)"] = a }
            return .map(m)
        },
        "reReplaceAll": TemplateFunction([.string, .string, .string]) { args, _ throws(FunctionError) in
            let (pattern, repl, text) = (str(args[0]), str(args[1]), str(args[2]))
            switch GoRegexp.compile(pattern) {
            case .success(let re): return .string(re.replaceAll(text, with: repl))
            case .failure(let e):
                // regexp.MustCompile panics; text/template reports the panic value.
                let quoted = GoQuote.canBackquote(pattern) ? "`\(pattern)`" : GoQuote.quote(pattern)
                throw FunctionError("regexp: Compile(\(quoted)): \(e.message)")
            }
        },
        "match": TemplateFunction([.string, .string]) { args, _ throws(FunctionError) in
            switch GoRegexp.compile(str(args[0])) {
            case .success(let re): return .bool(re.matches(str(args[1])))
            case .failure(let e): throw e
            }
        },
        "safeHtml": TemplateFunction([.string]) { args, _ in .html(str(args[0])) },
        "title": TemplateFunction([.string]) { args, _ in .string(title(str(args[0]))) },
        "toUpper": TemplateFunction([.string]) { args, _ in .string(mapCase(str(args[0]), \.uppercaseMapping)) },
        "toLower": TemplateFunction([.string]) { args, _ in .string(mapCase(str(args[0]), \.lowercaseMapping)) },
        "graphLink": TemplateFunction([.string]) { args, _ in
            .string("/graph?g0.expr=\(GoEscape.query(str(args[0])))&g0.tab=0")
        },
        "tableLink": TemplateFunction([.string]) { args, _ in
            .string("/graph?g0.expr=\(GoEscape.query(str(args[0])))&g0.tab=1")
        },
        "sortByLabel": TemplateFunction([.string, .queryResult]) { args, _ in
            guard case .list(let l) = args[1] else { return .list([]) }
            let label = str(args[0])
            func key(_ v: TemplateValue) -> String {
                if case .querySample(let s) = v { return s.labels[label] ?? "" }
                return ""
            }
            // sort.Stable: equal keys keep their order.
            let sorted = l.enumerated().sorted { a, b in
                let (ka, kb) = (key(a.element), key(b.element))
                return ka == kb ? a.offset < b.offset : goLess(ka, kb)
            }.map(\.element)
            return .list(sorted)
        },
        "stripPort": TemplateFunction([.string]) { args, _ in
            let hostPort = str(args[0])
            return .string(splitHost(hostPort) ?? hostPort)
        },
        "humanize": TemplateFunction([.any]) { args, _ throws(FunctionError) in .string(humanize(try toFloat(args[0]))) },
        "humanize1024": TemplateFunction([.any]) { args, _ throws(FunctionError) in
            .string(humanize1024(try toFloat(args[0])))
        },
        "humanizeDuration": TemplateFunction([.any]) { args, _ throws(FunctionError) in
            .string(humanizeDuration(try toFloat(args[0])))
        },
        "humanizePercentage": TemplateFunction([.any]) { args, _ throws(FunctionError) in
            .string(GoPrinter.sprintf("%.4g%%", [.number(try toFloat(args[0]) * 100)]))
        },
        "humanizeTimestamp": TemplateFunction([.any]) { args, _ throws(FunctionError) in
            let v = try toFloat(args[0])
            if v.isNaN || v.isInfinite { return .string(g4(v)) }
            return .string(try TemplateTime.fromPrometheusSeconds(v).goString)
        },
        "toTime": TemplateFunction([.any]) { args, _ throws(FunctionError) in
            .time(try TemplateTime.fromPrometheusSeconds(try toFloat(args[0])))
        },
        "pathPrefix": TemplateFunction([]) { _, ctx in
            .string(URLComponents(string: ctx.data.externalURL)?.path ?? "")
        },
        "externalURL": TemplateFunction([]) { _, ctx in .string(ctx.data.externalURL) },
        "parseDuration": TemplateFunction([.string]) { args, _ throws(FunctionError) in
            .number(try parseDuration(str(args[0])))
        },
    ]

    private static func str(_ v: TemplateValue) -> String {
        if case .string(let s) = v { return s }
        return ""
    }

    private static func sample(_ v: TemplateValue) throws(FunctionError) -> QuerySample {
        if case .querySample(let s) = v { return s }
        throw FunctionError("runtime error: invalid memory address or nil pointer dereference")
    }

    /// Prometheus's convertToFloat: float64, int, or a string strconv.ParseFloat accepts.
    static func toFloat(_ v: TemplateValue) throws(FunctionError) -> Double {
        switch v {
        case .number(let d): return d
        case .int(let i): return Double(i)
        case .string(let s):
            switch goParseFloat(s) {
            case .success(let d): return d
            case .failure(let e): throw e
            }
        default:
            throw FunctionError("can't convert \(v.goTypeName) to float")
        }
    }

    private static func g4(_ v: Double, _ suffix: String = "") -> String {
        GoPrinter.sprintf("%.4g", [.number(v)]) + suffix
    }

    static func humanize(_ value: Double) -> String {
        if value == 0 || value.isNaN || value.isInfinite { return g4(value) }
        if Swift.abs(value) >= 1 { return scaled(value, down: true, by: 1000, ["k", "M", "G", "T", "P", "E", "Z", "Y"]) }
        return scaled(value, down: false, by: 1000, ["m", "u", "n", "p", "f", "a", "z", "y"])
    }

    static func humanize1024(_ value: Double) -> String {
        if Swift.abs(value) <= 1 || value.isNaN || value.isInfinite { return g4(value) }
        return scaled(value, down: true, by: 1024, ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"])
    }

    /// Brings the value towards 1..<factor one factor at a time (dividing
    /// when `down`, else multiplying), naming each step with the next
    /// prefix, as Prometheus's humanize functions do.
    private static func scaled(_ value: Double, down: Bool, by factor: Double, _ prefixes: [String]) -> String {
        var v = value
        var prefix = ""
        for p in prefixes {
            if down ? Swift.abs(v) < factor : Swift.abs(v) >= 1 { break }
            prefix = p
            if down { v /= factor } else { v *= factor }
        }
        return g4(v, prefix)
    }

    static func humanizeDuration(_ value: Double) -> String {
        var v = value
        if v.isNaN || v.isInfinite { return g4(v) }
        if v == 0 { return g4(v, "s") }
        if Swift.abs(v) >= 1 {
            var sign = ""
            if v < 0 {
                sign = "-"
                v = -v
            }
            let duration = GoConvert.int64(v)
            let seconds = duration % 60
            let minutes = (duration / 60) % 60
            let hours = (duration / 60 / 60) % 24
            let days = duration / 60 / 60 / 24
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + g4(v, "s")
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if Swift.abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return g4(v, prefix + "s")
    }

    /// model.ParseDuration (prometheus/common): [0-9]+ with units y w d h m s ms, each at most once, in order.
    static func parseDuration(_ s: String) throws(FunctionError) -> Double {
        if s == "0" { return 0 }
        if s.isEmpty { throw FunctionError("empty duration string") }
        let invalid = FunctionError("not a valid duration string: \(GoQuote.quote(s))")
        let units: [(String, Int64)] = [("y", 1000 * 60 * 60 * 24 * 365), ("w", 1000 * 60 * 60 * 24 * 7),
                                        ("d", 1000 * 60 * 60 * 24), ("h", 1000 * 60 * 60), ("m", 1000 * 60),
                                        ("s", 1000), ("ms", 1)]
        let b = Array(s.utf8)
        var i = 0
        var nextUnit = 0
        var dur: Int64 = 0
        var overflow = false
        while i < b.count {
            let start = i
            while i < b.count && b[i] >= 48 && b[i] <= 57 { i += 1 }
            guard i > start else { throw invalid }
            let digits = String(decoding: b[start..<i], as: UTF8.self)
            var unit = ""
            if i + 1 < b.count && b[i] == UInt8(ascii: "m") && b[i + 1] == UInt8(ascii: "s") {
                unit = "ms"
            } else if i < b.count {
                unit = String(UnicodeScalar(b[i]))
            }
            guard let u = units[nextUnit...].firstIndex(where: { $0.0 == unit }) else { throw invalid }
            i += unit.utf8.count
            nextUnit = u + 1
            let mult = units[u].1
            let n = Int64(digits) ?? Int64.max
            if n > Int64.max / mult / 1_000_000 { overflow = true }
            dur = dur &+ (n &* 1_000_000) &* mult
            if dur < 0 { overflow = true }
        }
        if overflow { throw FunctionError("duration out of range") }
        return Double(dur) / 1e9
    }

    /// strings.Title: upper-case (title-case) the first letter of each word.
    static func title(_ s: String) -> String {
        func isSeparator(_ u: Unicode.Scalar) -> Bool {
            if u.value <= 0x7F {
                switch u {
                case "0"..."9", "a"..."z", "A"..."Z", "_": return false
                default: return true
                }
            }
            switch u.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber:
                return false
            default:
                return u.properties.isWhitespace
            }
        }
        var out = String.UnicodeScalarView()
        var prev: Unicode.Scalar = " "
        for u in s.unicodeScalars {
            if isSeparator(prev) {
                out.append(simpleMapping(u, \.titlecaseMapping))
            } else {
                out.append(u)
            }
            prev = u
        }
        return String(out)
    }

    /// unicode.ToUpper / ToLower per rune: simple (one-to-one) case mappings only, as Go does.
    static func mapCase(_ s: String, _ mapping: KeyPath<Unicode.Scalar.Properties, String>) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { simpleMapping($0, mapping) }))
    }

    private static func simpleMapping(_ u: Unicode.Scalar, _ mapping: KeyPath<Unicode.Scalar.Properties, String>) -> Unicode.Scalar {
        let m = u.properties[keyPath: mapping].unicodeScalars
        if m.count == 1 { return m.first! }
        // Swift exposes full case mappings; where the full mapping is several
        // characters, Go's one-to-one (simple) mapping can still differ from
        // "unchanged" for a few characters.
        let v = u.value
        if mapping == \Unicode.Scalar.Properties.lowercaseMapping {
            return v == 0x130 ? "i" : u
        }
        switch v {
        case 0x1F80...0x1F87, 0x1F90...0x1F97, 0x1FA0...0x1FA7: return Unicode.Scalar(v + 8)!
        case 0x1FB3, 0x1FC3, 0x1FF3: return Unicode.Scalar(v + 9)!
        default: return u
        }
    }

    /// net.SplitHostPort's host, or nil when hostPort has no valid port part.
    static func splitHost(_ hostPort: String) -> String? {
        let b = Array(hostPort.utf8)
        guard let i = b.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        var host: ArraySlice<UInt8>
        var j = 0, k = 0
        if b.first == UInt8(ascii: "[") {
            guard let end = b.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            guard end + 1 == i else { return nil }
            host = b[1..<end]
            j = 1
            k = end + 1
        } else {
            host = b[..<i]
            if host.contains(UInt8(ascii: ":")) { return nil }
        }
        if b[j...].contains(UInt8(ascii: "[")) { return nil }
        if b[k...].contains(UInt8(ascii: "]")) { return nil }
        return String(decoding: host, as: UTF8.self)
    }
}
