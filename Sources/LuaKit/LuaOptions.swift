#if canImport(Glibc)
import Glibc
#endif

/// An options table given to a Lua-visible function (`f(x, {depth = 2})`),
/// read key by key with checks. Every error names the function and the key
/// and says what was expected and got, and numbers become Swift integers
/// only through `LuaValue.exactInteger`, so NaN, the infinities and values
/// past Int's range are errors rather than traps.
public struct LuaOptions {
    /// The function the table was given to, for messages (`inspect`).
    public let function: String
    /// The table's string-keyed fields.
    public let fields: [String: LuaValue]

    /// - Parameter allowed: the keys the function knows; any other key is an
    ///   error, so a typo such as `{dpeth = 2}` is not silently ignored.
    public init(_ table: LuaTableValue?, function: String, allowed: [String]? = nil) throws {
        self.function = function
        self.fields = table?.fields ?? [:]
        guard let allowed else { return }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw LuaRuntimeError("\(function): unknown option '\(unknown)' (known: \(allowed.sorted().joined(separator: ", ")))",
                                  named: false)
        }
        if let table, !table.array.isEmpty || table.otherKeyCount > 0 {
            throw LuaRuntimeError("\(function): options must be a table of name = value pairs", named: false)
        }
    }

    public func error(_ key: String, _ problem: String) -> LuaRuntimeError {
        LuaRuntimeError("\(function): option '\(key)' \(problem)", named: false)
    }

    /// An integer within `range`; a float with an exact integer value counts.
    public func integer(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        try optionalInteger(key, in: range) ?? fallback
    }

    public func optionalInteger(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        try optional(key, in: range, expected: "an integer\(describe(range))", read: \.exactInteger)
    }

    /// A number within `range` (NaN is never in one).
    public func number(_ key: String, default fallback: Double, in range: ClosedRange<Double>) throws -> Double {
        try optionalNumber(key, in: range) ?? fallback
    }

    public func optionalNumber(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        try optional(key, in: range, expected: "a number\(describe(range))", read: \.doubleValue)
    }

    /// The field at `key` as `read` converts it, when it is inside `range`;
    /// nil when absent or nil.
    private func optional<T: Comparable>(_ key: String, in range: ClosedRange<T>, expected: String,
                                         read: (LuaValue) -> T?) throws -> T? {
        guard let value = fields[key], !value.isNil else { return nil }
        guard let n = read(value), range.contains(n) else { throw error(key, "must be \(expected), got \(value.luaText)") }
        return n
    }

    public func boolean(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = fields[key], !value.isNil else { return fallback }
        guard case .boolean(let b) = value else { throw error(key, "must be a boolean, got \(value.luaText)") }
        return b
    }

    public func optionalString(_ key: String) throws -> String? {
        guard let value = fields[key], !value.isNil else { return nil }
        guard case .string(let s) = value else { throw error(key, "must be a string, got \(value.luaText)") }
        return s
    }

    /// " in 2...10000", " >= 1" or nothing.
    private func describe(_ range: ClosedRange<Int>) -> String {
        switch (range.lowerBound, range.upperBound) {
        case (Int.min, Int.max): return ""
        case (let low, Int.max): return " >= \(low)"
        default: return " in \(range.lowerBound)...\(range.upperBound)"
        }
    }

    private func describe(_ range: ClosedRange<Double>) -> String {
        // Bounds are written as a person would: 0, not 0.0.
        func bound(_ d: Double) -> String {
            d.rounded() == d && abs(d) < 1e15 ? String(Int(d)) : luaNumberText(d)
        }
        switch (range.lowerBound, range.upperBound) {
        case (-.infinity, .infinity): return " (not NaN)"
        case (let low, .infinity): return " >= \(bound(low))"
        default: return " in \(bound(range.lowerBound))...\(bound(range.upperBound))"
        }
    }
}

extension LuaValue {
    /// The value as an Int when it is a Lua integer, or a float with an exact
    /// integer value inside Int's range; nil otherwise (NaN, ±inf, 1e300,
    /// 2^63, 1.5, strings, ...). The one place Lua numbers become Ints.
    public var exactInteger: Int? {
        switch self {
        case .integer(let i): return Int(exactly: i)
        case .number(let d): return Int(exactly: d)
        default: return nil
        }
    }

    /// The value as Lua's `tostring` would show a number, the type name for
    /// everything else but strings (quoted): for error messages.
    public var luaText: String {
        switch self {
        case .integer(let i): return String(i)
        case .number(let d): return luaNumberText(d)
        case .string(let s): return "\"\(s.count > 40 ? String(s.prefix(40)) + "..." : s)\""
        default: return typeName
        }
    }
}

/// A float as Lua prints it (`%.14g`; nan, inf and -inf by name).
public func luaNumberText(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    var buffer = [CChar](repeating: 0, count: 64)
    let length = withVaList([d]) { vsnprintf(&buffer, buffer.count, "%.14g", $0) }
    let text = String(decoding: buffer.prefix(Int(max(0, length))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    // Lua marks floats with integral values: 2.0, not 2.
    return text.allSatisfy({ $0.isNumber || $0 == "-" }) ? text + ".0" : text
}
