import CLua
import CLuaShim

/// One call of a Swift function from Lua: its arguments (1-based, as Lua
/// numbers them) and the stack to push results on. Every accessor that
/// checks a type throws a `LuaArgumentError` naming the function, the
/// argument and what was expected and got.
public struct LuaCall {
    /// The stack of the thread that made the call.
    public let stack: LuaStack
    /// The function being called. Unowned: the Lua closure being called
    /// holds it for the whole call, and skipping the retain matters on a
    /// path taken for every call.
    public unowned(unsafe) let function: LuaFunction

    init(L: OpaquePointer, function: LuaFunction) {
        let owner = Unmanaged<LuaState>.fromOpaque(luakit_owner(L)).takeUnretainedValue()
        self.stack = LuaStack(L: L, state: owner)
        self.function = function
    }

    /// The state the call runs in.
    public var state: LuaState { stack.state }
    /// How many arguments were passed.
    public var argumentCount: Int32 { lua_gettop(stack.L) }

    // MARK: Errors

    /// An error about argument `position` in the standard form.
    public func argumentError(_ position: Int32, _ problem: String) -> LuaArgumentError {
        LuaArgumentError(function: function.name, position: Int(position), problem: problem)
    }

    /// `expected <what>, got <type of the argument>`.
    public func typeError(_ position: Int32, expected: String) -> LuaArgumentError {
        let got = position <= argumentCount ? stack.typeName(at: position) : "no value"
        return argumentError(position, "expected \(expected), got \(got)")
    }

    /// An error about the call as a whole, prefixed by the function's name.
    public func error(_ message: String) -> LuaRuntimeError {
        LuaRuntimeError(message)
    }

    /// Refuses calls with more than `maximum` arguments.
    public func expectArguments(atMost maximum: Int32) throws {
        if argumentCount > maximum {
            throw error("expected at most \(maximum) argument\(maximum == 1 ? "" : "s"), got \(argumentCount)")
        }
    }

    // MARK: Arguments

    /// True when argument `position` is absent or nil.
    public func isNone(_ position: Int32) -> Bool {
        lua_type(stack.L, position) <= LUA_TNIL
    }

    public func string(_ position: Int32) throws -> String {
        guard let s = stack.string(at: position) else { throw typeError(position, expected: "string") }
        return s
    }

    public func optionalString(_ position: Int32) throws -> String? {
        isNone(position) ? nil : try string(position)
    }

    public func bytes(_ position: Int32) throws -> [UInt8] {
        guard let b = stack.bytes(at: position) else { throw typeError(position, expected: "string") }
        return b
    }

    public func number(_ position: Int32) throws -> Double {
        guard lua_type(stack.L, position) == LUA_TNUMBER else { throw typeError(position, expected: "number") }
        return luakit_tonumber(stack.L, position, nil)
    }

    public func optionalNumber(_ position: Int32) throws -> Double? {
        isNone(position) ? nil : try number(position)
    }

    /// An integer; a float with an exact integer value is accepted, as Lua does.
    public func integer(_ position: Int32) throws -> Int {
        guard lua_type(stack.L, position) == LUA_TNUMBER else { throw typeError(position, expected: "integer") }
        var ok: Int32 = 0
        let value = luakit_tointeger(stack.L, position, &ok)
        guard ok != 0 else {
            throw argumentError(position, "expected integer, got non-integral number \(stack.describe(at: position))")
        }
        return Int(value)
    }

    public func optionalInteger(_ position: Int32) throws -> Int? {
        isNone(position) ? nil : try integer(position)
    }

    public func boolean(_ position: Int32) throws -> Bool {
        guard lua_type(stack.L, position) == LUA_TBOOLEAN else { throw typeError(position, expected: "boolean") }
        return lua_toboolean(stack.L, position) != 0
    }

    public func optionalBoolean(_ position: Int32) throws -> Bool? {
        isNone(position) ? nil : try boolean(position)
    }

    public func table(_ position: Int32) throws -> LuaTableValue {
        guard lua_type(stack.L, position) == LUA_TTABLE,
              case .table(let t) = stack.value(at: position) else { throw typeError(position, expected: "table") }
        return t
    }

    public func optionalTable(_ position: Int32) throws -> LuaTableValue? {
        isNone(position) ? nil : try table(position)
    }

    /// The options table at `position` (none or nil: an empty one), refusing
    /// keys that the signature line's table at that position does not name:
    /// `f(x [, {depth = 2, width = 80}])` allows depth and width.
    public func options(_ position: Int32) throws -> LuaOptions {
        try LuaOptions(try optionalTable(position), function: function.name, allowed: function.optionKeys[position] ?? [])
    }

    public func function(_ position: Int32) throws -> LuaReference {
        guard lua_type(stack.L, position) == LUA_TFUNCTION else { throw typeError(position, expected: "function") }
        return stack.reference(at: position)
    }

    /// Any value, as Swift data.
    public func value(_ position: Int32) -> LuaValue {
        stack.value(at: position)
    }

    /// The bridged object of class `cls` at `position`.
    public func object<Object: AnyObject>(_ position: Int32, _ cls: LuaClass<Object>) throws -> Object {
        guard let pointer = luakit_to_object(stack.L, position, cls.cName) else {
            throw typeError(position, expected: cls.name)
        }
        return Unmanaged<Object>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// The bridged object at `position` if it is of class `cls`.
    public func optionalObject<Object: AnyObject>(_ position: Int32, _ cls: LuaClass<Object>) -> Object? {
        guard let pointer = luakit_to_object(stack.L, position, cls.cName) else { return nil }
        return Unmanaged<Object>.fromOpaque(pointer).takeUnretainedValue()
    }

    // MARK: Results

    /// Pushes one value and returns 1, for `return call.returns(x)`; no
    /// array is built, which matters for functions called in hot loops.
    public func returns(_ value: LuaValue) -> Int32 {
        stack.push(value)
        return 1
    }

    /// Pushes `values` and returns their count, for `return call.returns(...)`.
    public func returns(_ values: LuaValue...) -> Int32 {
        for value in values { stack.push(value) }
        return Int32(values.count)
    }
}
