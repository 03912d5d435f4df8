import Foundation
import Plugins

/// A value given for a parameter, before it is checked: text from the
/// command line, or a typed value from Lua.
public enum ParameterInput: Sendable, Equatable {
    case text(String)
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    /// Any other Lua value, by its type name: always refused.
    case other(String)

    var summary: String {
        switch self {
        case .text(let s), .string(let s): return "\"\(s.count > 40 ? String(s.prefix(40)) + "..." : s)\""
        case .integer(let i): return String(i)
        case .number(let d): return d.isNaN ? "nan" : d.isInfinite ? (d < 0 ? "-inf" : "inf") : String(d)
        case .boolean(let b): return String(b)
        case .other(let type): return "a \(type)"
        }
    }
}

/// A checked parameter value, as steps see it.
public enum ParameterValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case number(Double)
    case boolean(Bool)
    /// A duration, in seconds.
    case duration(Double)

    public var description: String {
        switch self {
        case .string(let s): return s
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        case .boolean(let b): return String(b)
        case .duration(let seconds): return "\(seconds)s"
        }
    }
}

/// One entry of a runbook's `params`.
public struct RunbookParameter: Sendable, Equatable {
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        case string, integer, number, boolean, duration
        case choice([String])

        /// The names a runbook file uses for `type`.
        public static let names = ["string", "integer", "number", "boolean", "duration", "enum"]

        public var description: String {
            switch self {
            case .string: return "string"
            case .integer: return "integer"
            case .number: return "number"
            case .boolean: return "boolean"
            case .duration: return "duration"
            case .choice(let choices): return "enum (" + choices.joined(separator: ", ") + ")"
            }
        }
    }

    public var name: String
    public var kind: Kind
    public var required: Bool
    public var defaultValue: ParameterValue?
    public var doc: String

    public init(name: String, kind: Kind, required: Bool = false, defaultValue: ParameterValue? = nil, doc: String = "") {
        self.name = name
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
        self.doc = doc
    }

    /// Converts `input` to this parameter's type, or says why not.
    public func check(_ input: ParameterInput) throws(RunbookError) -> ParameterValue {
        func refuse(_ expected: String) -> RunbookError {
            .parameter(name, "expected \(expected), got \(input.summary)")
        }
        switch kind {
        case .string:
            switch input {
            case .text(let s), .string(let s): return .string(s)
            default: throw refuse("a string")
            }
        case .integer:
            switch input {
            case .integer(let i): return .integer(i)
            case .number(let d):
                guard let i = Int64(exactly: d) else { throw refuse("an integer") }
                return .integer(i)
            case .text(let s):
                guard let i = Int64(s.trimmingCharacters(in: .whitespaces)) else { throw refuse("an integer") }
                return .integer(i)
            default: throw refuse("an integer")
            }
        case .number:
            let value: Double?
            switch input {
            case .integer(let i): value = Double(i)
            case .number(let d): value = d
            case .text(let s): value = Double(s.trimmingCharacters(in: .whitespaces))
            default: value = nil
            }
            guard let value, value.isFinite else { throw refuse("a finite number") }
            return .number(value)
        case .boolean:
            switch input {
            case .boolean(let b): return .boolean(b)
            case .text(let s):
                switch s.lowercased() {
                case "true", "yes", "1", "on": return .boolean(true)
                case "false", "no", "0", "off": return .boolean(false)
                default: throw refuse("true or false")
                }
            default: throw refuse("a boolean")
            }
        case .duration:
            switch input {
            case .text(let s), .string(let s):
                guard let duration = Duration.parse(s) else { throw refuse("a duration like \"30s\" or \"7d\"") }
                return .duration(duration.totalSeconds)
            case .integer(let i) where i > 0 && i < 1_000_000_000: return .duration(Double(i))
            case .number(let d) where d > 0 && d < 1e9: return .duration(d)
            default: throw refuse("a duration like \"30s\" or a positive number of seconds")
            }
        case .choice(let choices):
            switch input {
            case .text(let s), .string(let s):
                guard choices.contains(s) else { throw refuse("one of " + choices.joined(separator: ", ")) }
                return .string(s)
            default: throw refuse("one of " + choices.joined(separator: ", "))
            }
        }
    }
}

/// Checks every given value against `parameters`, fills in defaults and
/// refuses unknown names and missing required ones.
public func checkParameters(_ given: [String: ParameterInput],
                            against parameters: [RunbookParameter]) throws(RunbookError) -> [String: ParameterValue] {
    if let unknown = given.keys.sorted().first(where: { name in !parameters.contains { $0.name == name } }) {
        let known = parameters.map(\.name).sorted().joined(separator: ", ")
        throw .parameter(unknown, "is not a parameter of this runbook (known: \(known.isEmpty ? "none" : known))")
    }
    var values: [String: ParameterValue] = [:]
    for parameter in parameters {
        if let input = given[parameter.name] {
            values[parameter.name] = try parameter.check(input)
        } else if let value = parameter.defaultValue {
            values[parameter.name] = value
        } else if parameter.required {
            throw .parameter(parameter.name, "is required (\(parameter.kind)\(parameter.doc.isEmpty ? "" : ": " + parameter.doc))")
        }
    }
    return values
}
