import CLua
import CLuaShim
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A type a signature line may give a parameter (`range: duration`): how to
/// tell whether an argument is one, and how to name it in an error
/// (`argument #2 expected a duration like "6h", got table`).
public struct LuaArgumentType: Sendable {
    /// What the error says was expected.
    public let expected: String
    /// What the error says was got, for values worth showing as themselves
    /// (`got "6x"` for a malformed duration, `got non-integral number 1.5`);
    /// nil leaves the argument's type name.
    let describeMismatch: (@Sendable (LuaStack, Int32) -> String?)?
    let matches: @Sendable (LuaStack, Int32) -> Bool

    public init(expected: String, describeMismatch: (@Sendable (LuaStack, Int32) -> String?)? = nil,
                matches: @escaping @Sendable (LuaStack, Int32) -> Bool) {
        self.expected = expected
        self.describeMismatch = describeMismatch
        self.matches = matches
    }

    /// Shows a string argument as itself (`got "0s"`), for types written as strings.
    public static let quotingStrings: @Sendable (LuaStack, Int32) -> String? = { stack, index in
        stack.type(at: index) == LUA_TSTRING ? stack.string(at: index).map { LuaValue.string($0).luaText } : nil
    }

    /// Any of `members` (`Tensor|number`): expected "Tensor or number".
    init(union members: [LuaArgumentType]) {
        self.expected = members.map(\.expected).joined(separator: " or ")
        self.describeMismatch = { stack, index in members.lazy.compactMap { $0.describeMismatch?(stack, index) }.first }
        self.matches = { stack, index in members.contains { $0.matches(stack, index) } }
    }
}

/// The types signature lines may name. Lua's own are built in, every
/// LuaClass registers its name when a state registers it (`m: Module`), and
/// the workbench adds its own (a duration) before it binds the functions
/// that use them. `A|B` is either.
public enum LuaArgumentTypes {
    private static let registry = Mutex<[String: LuaArgumentType]>([
        "string": LuaArgumentType(expected: "string") { $0.type(at: $1) == LUA_TSTRING },
        "number": LuaArgumentType(expected: "number") { $0.type(at: $1) == LUA_TNUMBER },
        "integer": LuaArgumentType(expected: "integer", describeMismatch: { stack, index in
            stack.type(at: index) == LUA_TNUMBER ? "non-integral number \(stack.describe(at: index))" : nil
        }) { stack, index in
            var isInteger: Int32 = 0
            _ = luakit_tointeger(stack.L, index, &isInteger)
            return stack.type(at: index) == LUA_TNUMBER && isInteger != 0
        },
        "boolean": LuaArgumentType(expected: "boolean") { $0.type(at: $1) == LUA_TBOOLEAN },
        "table": LuaArgumentType(expected: "table") { $0.type(at: $1) == LUA_TTABLE },
        "function": LuaArgumentType(expected: "function") { $0.type(at: $1) == LUA_TFUNCTION },
        "any": LuaArgumentType(expected: "a value") { _, _ in true },
    ])

    /// Adds or replaces the type called `name`.
    public static func register(_ name: String, _ type: LuaArgumentType) {
        registry.withLock { $0[name] = type }
    }

    /// Makes a class's name a type: an object pushed with any LuaClass of
    /// that name. Names, not class objects, because each workbench state
    /// may make its own class of a name.
    static func registerClass(named name: String) {
        registry.withLock { types in
            guard types[name] == nil else { return }
            types[name] = LuaArgumentType(expected: name) { stack, index in
                guard let cls = luakit_object_class(stack.L, index) else { return false }
                return name.withCString { strcmp($0, cls) == 0 }
            }
        }
    }

    /// The type called `name` (`Tensor|number`: either), if every part is one.
    public static func named(_ name: String) -> LuaArgumentType? {
        let parts = name.split(separator: "|", omittingEmptySubsequences: false)
        if parts.count == 1 { return registry.withLock { $0[name] } }
        let members = registry.withLock { types in parts.compactMap { types[String($0)] } }
        return members.count == parts.count ? LuaArgumentType(union: members) : nil
    }
}

/// One typed parameter of a function, resolved once when the function is
/// made, checked on every call.
struct LuaArgumentCheck {
    let position: Int32
    let optional: Bool
    let type: LuaArgumentType

    /// The checks a signature asks for; parameters without a type, or with
    /// one no one registered, are not checked (a test walks every signature
    /// for unknown names).
    static func checks(for signature: LuaSignature?) -> [LuaArgumentCheck] {
        guard let signature else { return [] }
        return signature.parameters.enumerated().compactMap { index, parameter in
            guard let name = parameter.type, let type = LuaArgumentTypes.named(name) else { return nil }
            return LuaArgumentCheck(position: Int32(index + 1), optional: parameter.optional, type: type)
        }
    }

    func verify(_ call: LuaCall) throws {
        if call.isNone(position) {
            guard optional else { throw call.typeError(position, expected: type.expected) }
            return
        }
        guard type.matches(call.stack, position) else {
            if let got = type.describeMismatch?(call.stack, position) {
                throw call.argumentError(position, "expected \(type.expected), got \(got)")
            }
            throw call.typeError(position, expected: type.expected)
        }
    }
}
