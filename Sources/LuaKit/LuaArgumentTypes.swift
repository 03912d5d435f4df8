import CLua
import CLuaShim
import Synchronization

/// A type a signature line may give a parameter (`range: duration`): how to
/// tell whether an argument is one, and how to name it in an error
/// (`argument #2 expected a duration like "6h", got table`).
public struct LuaArgumentType: Sendable {
    /// What the error says was expected.
    public let expected: String
    /// Whether a string that does not match is shown as itself (`got "0s"`,
    /// for a type written as a string) rather than by its type (`got string`).
    let quotesStrings: Bool
    let matches: @Sendable (LuaStack, Int32) -> Bool

    public init(expected: String, quotesStrings: Bool = false, matches: @escaping @Sendable (LuaStack, Int32) -> Bool) {
        self.expected = expected
        self.quotesStrings = quotesStrings
        self.matches = matches
    }
}

/// The types signature lines may name. Lua's own are built in; the
/// workbench adds its own (a duration, a Tensor, a Module) before it binds
/// the functions that use them.
public enum LuaArgumentTypes {
    private static let registry = Mutex<[String: LuaArgumentType]>([
        "string": LuaArgumentType(expected: "string") { $0.type(at: $1) == LUA_TSTRING },
        "number": LuaArgumentType(expected: "number") { $0.type(at: $1) == LUA_TNUMBER },
        "integer": LuaArgumentType(expected: "integer") { stack, index in
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

    /// The type called `name`, if there is one.
    public static func named(_ name: String) -> LuaArgumentType? {
        registry.withLock { $0[name] }
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
            // A string of the wrong form ("0s" for a duration) is shown as itself.
            if type.quotesStrings, let text = call.stack.string(at: position) {
                throw call.argumentError(position, "expected \(type.expected), got \(LuaValue.string(text).luaText)")
            }
            throw call.typeError(position, expected: type.expected)
        }
    }
}
