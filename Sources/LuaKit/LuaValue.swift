import CLua
import CLuaShim

/// A Lua value as Swift data. Tables are copied in (`array` for the sequence
/// 1...n, `fields` for string keys); functions and other reference types are
/// kept alive through a registry reference so Swift can call or push them later.
public enum LuaValue: @unchecked Sendable, CustomStringConvertible {
    case `nil`
    case boolean(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case table(LuaTableValue)
    case function(LuaReference)
    /// Userdata, threads and light userdata: opaque handles.
    case other(LuaReference)

    public var description: String {
        switch self {
        case .nil: return "nil"
        case .boolean(let b): return String(b)
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        case .string(let s): return s
        case .table: return "table"
        case .function: return "function"
        case .other(let r): return r.typeName
        }
    }

    /// The Lua type name (`type(v)` in Lua).
    public var typeName: String {
        switch self {
        case .nil: return "nil"
        case .boolean: return "boolean"
        case .integer, .number: return "number"
        case .string: return "string"
        case .table: return "table"
        case .function: return "function"
        case .other(let r): return r.typeName
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var tableValue: LuaTableValue? { if case .table(let t) = self { return t } else { return nil } }
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }
    public var isNil: Bool { if case .nil = self { return true } else { return false } }
}

/// A copy of a Lua table: the sequence part and the string-keyed part.
/// Keys of other types are counted so callers can refuse mixed tables.
public struct LuaTableValue: Sendable {
    public var array: [LuaValue] = []
    public var fields: [String: LuaValue] = [:]
    public var otherKeyCount = 0
    /// The table itself, for callers that need identity or to mutate it.
    /// Pushing a copy that has one pushes this original table, not the
    /// (possibly edited) copy: identity wins. Clear it to push the copy.
    public var reference: LuaReference?

    public init(array: [LuaValue] = [], fields: [String: LuaValue] = [:]) {
        self.array = array
        self.fields = fields
    }

    public subscript(field: String) -> LuaValue { fields[field] ?? .nil }
}

/// A value kept in the Lua registry so it outlives the stack it came from.
/// Dropping it queues the registry slot for release at the state's next safe
/// point, since a deinit may run while a coroutine owns the stack.
public final class LuaReference: @unchecked Sendable {
    weak var state: LuaState?
    let ref: Int32
    public let typeName: String

    init(state: LuaState, ref: Int32, typeName: String) {
        self.state = state
        self.ref = ref
        self.typeName = typeName
    }

    deinit {
        state?.pendingUnrefs.append(ref)
    }

    /// Pushes the referenced value onto `stack` (nil once the state is gone).
    public func push(on stack: LuaStack) {
        guard state != nil else { return lua_pushnil(stack.L) }
        lua_rawgeti(stack.L, luakit_registryindex(), lua_Integer(ref))
    }
}
