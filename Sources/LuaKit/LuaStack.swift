import CLua
import CLuaShim

/// The stack of one thread of a state: pushing and reading values.
/// Everything here uses raw access and never raises a Lua error, so it is
/// safe to call from Swift frames.
public struct LuaStack {
    /// The thread whose stack this is (the main thread or a coroutine).
    public let L: OpaquePointer
    /// The state the thread belongs to.
    public unowned(unsafe) let state: LuaState

    init(L: OpaquePointer, state: LuaState) {
        self.L = L
        self.state = state
    }

    /// The index of the top of the stack (the number of values on it).
    public var top: Int32 { lua_gettop(L) }

    public func settop(_ index: Int32) { lua_settop(L, index) }

    public func pop(_ n: Int32 = 1) { luakit_pop(L, n) }

    /// Whether `n` more values fit, growing the stack if needed. Lua
    /// guarantees a Swift function only 20 free slots; anything that pushes
    /// a count it does not know in advance asks first.
    public func hasRoom(for n: Int) -> Bool {
        n <= 0 || (n < 1_000_000 && luakit_checkstack(L, Int32(n)) != 0)
    }

    /// Makes room for `n` more values or throws "too many values" (Lua's
    /// stack holds at most about a million).
    public func reserve(_ n: Int, for what: String = "values") throws {
        guard hasRoom(for: n) else { throw LuaRuntimeError("too many \(what) (\(n)) for Lua's stack") }
    }

    /// The values above `base` (a call's results) as Swift data. Lua leaves
    /// no free slot above a call's results, and reading them pushes, so room
    /// is made first.
    public func values(above base: Int32) throws -> [LuaValue] {
        let top = self.top
        guard top > base else { return [] }
        try reserve(20, for: "results")
        return (base + 1...top).map { value(at: $0) }
    }

    /// Records that a value just made holds `bytes` outside the Lua heap
    /// (the buffer of a tensor), which Lua's collector cannot see. Pending
    /// bytes are reported to it, as if Lua had allocated them, when the next
    /// Swift function is called, before that function runs: the values it
    /// makes can then reuse what the collection freed.
    public func noteExternalMemory(bytes: Int) {
        luakit_note_external_memory(L, bytes > 0 ? bytes : 0)
    }

    /// Runs a full garbage collection; finalizers run on this thread.
    public func collectGarbage() {
        luakit_collect_garbage(L)
    }

    /// Lua's type code of the value at `index`.
    public func type(at index: Int32) -> Int32 { lua_type(L, index) }

    /// Lua's type name of the value at `index` (`__name` of bridged objects).
    public func typeName(at index: Int32) -> String {
        if lua_type(L, index) == LUA_TUSERDATA, lua_getmetatable(L, index) != 0 {
            defer { pop() }
            lua_pushstring(L, "__name")
            if lua_rawget(L, -2) == LUA_TSTRING, let name = string(at: -1) {
                pop()
                return name
            }
            pop()
        }
        return String(cString: lua_typename(L, lua_type(L, index)))
    }

    // MARK: Pushing

    public func pushNil() { lua_pushnil(L) }
    public func push(_ value: Bool) { lua_pushboolean(L, value ? 1 : 0) }
    public func push(_ value: Int) { lua_pushinteger(L, lua_Integer(value)) }
    public func push(_ value: Int64) { lua_pushinteger(L, lua_Integer(value)) }
    public func push(_ value: Double) { lua_pushnumber(L, value) }

    /// Pushes a string; embedded zeros are kept.
    public func push(_ value: String) {
        var value = value
        value.withUTF8 { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }

    /// Pushes raw bytes as a Lua string.
    public func push(bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        array.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { _ = lua_pushlstring(L, $0.baseAddress, $0.count) }
        }
    }

    public func push(_ function: LuaFunction) {
        luakit_push_swift_function(L, Unmanaged.passRetained(function).toOpaque())
        if !function.doc.isEmpty { state.recordDoc(function.doc, forValueAt: -1, on: self) }
    }

    /// Pushes an array of values as a sequence table.
    public func push(_ values: [LuaValue]) {
        guard hasRoom(for: 3) else { return lua_pushnil(L) }
        lua_createtable(L, Int32(clamping: values.count), 0)
        for (i, value) in values.enumerated() {
            push(value)
            lua_rawseti(L, -2, lua_Integer(i + 1))
        }
    }

    /// Pushes a dictionary as a table with string keys.
    public func push(_ fields: [String: LuaValue]) {
        guard hasRoom(for: 3) else { return lua_pushnil(L) }
        lua_createtable(L, 0, Int32(clamping: fields.count))
        for (key, value) in fields {
            push(key)
            push(value)
            lua_rawset(L, -3)
        }
    }

    public func push(_ value: LuaValue) {
        switch value {
        case .nil: lua_pushnil(L)
        case .boolean(let b): push(b)
        case .integer(let i): push(i)
        case .number(let d): push(d)
        case .string(let s): push(s)
        case .table(let t):
            if let reference = t.reference {
                reference.push(on: self)
            } else if !hasRoom(for: 3) {
                // Only a table nested about 300,000 deep gets here; Swift's
                // own stack is the tighter limit on building one.
                lua_pushnil(L)
            } else {
                lua_createtable(L, Int32(clamping: t.array.count), Int32(clamping: t.fields.count))
                for (i, element) in t.array.enumerated() {
                    push(element)
                    lua_rawseti(L, -2, lua_Integer(i + 1))
                }
                for (key, element) in t.fields {
                    push(key)
                    push(element)
                    lua_rawset(L, -3)
                }
            }
        case .function(let r), .other(let r): r.push(on: self)
        }
    }

    // MARK: Reading

    /// The string at `index` without conversion from numbers; invalid UTF-8
    /// is repaired with replacement characters (use `bytes(at:)` to keep it).
    public func string(at index: Int32) -> String? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let pointer = luakit_tolstring(L, index, &length) else { return nil }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// The bytes of the string at `index`.
    public func bytes(at index: Int32) -> [UInt8]? {
        guard lua_type(L, index) == LUA_TSTRING else { return nil }
        var length = 0
        guard let pointer = luakit_tolstring(L, index, &length) else { return nil }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// `tostring(value)` including `__tostring`, without any risk of raising.
    public func describe(at index: Int32) -> String {
        var length = 0
        guard let pointer = luakit_safe_tostring(L, index, &length) else { return "?" }
        defer { pop() }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// A registry reference to the value at `index`.
    public func reference(at index: Int32) -> LuaReference {
        // Grows the stack when needed; it can fail only at Lua's limit of a
        // million slots, which callers pushing unknown counts check first.
        _ = hasRoom(for: 4)
        lua_pushvalue(L, index)
        let name = typeName(at: -1)
        state.releasePendingReferences(on: self)
        return LuaReference(state: state, ref: luakit_ref(L), typeName: name)
    }

    /// The value at `index` as Swift data; tables are copied to `maxDepth`
    /// levels (deeper tables, and cycles, stay references).
    public func value(at index: Int32, maxDepth: Int = 8) -> LuaValue {
        let index = lua_absindex(L, index)
        switch lua_type(L, index) {
        case LUA_TNIL, LUA_TNONE: return .nil
        case LUA_TBOOLEAN: return .boolean(lua_toboolean(L, index) != 0)
        case LUA_TNUMBER:
            if luakit_is_integer(L, index) != 0 { return .integer(Int64(luakit_tointeger(L, index, nil))) }
            return .number(luakit_tonumber(L, index, nil))
        case LUA_TSTRING: return .string(string(at: index) ?? "")
        case LUA_TFUNCTION: return .function(reference(at: index))
        case LUA_TTABLE:
            var table = LuaTableValue()
            table.reference = reference(at: index)
            guard maxDepth > 0, hasRoom(for: 8) else { return .table(table) }
            let length = lua_rawlen(L, index)
            for i in 0..<Int(min(length, 1 << 24)) {
                lua_rawgeti(L, index, lua_Integer(i + 1))
                table.array.append(value(at: -1, maxDepth: maxDepth - 1))
                pop()
            }
            // Protected: a finalizer run by an allocation below may change the table.
            lua_pushnil(L)
            while luakit_next(L, index) == 1 {
                if lua_type(L, -2) == LUA_TSTRING, let key = string(at: -2) {
                    table.fields[key] = value(at: -1, maxDepth: maxDepth - 1)
                } else if !(luakit_is_integer(L, -2) != 0 && length > 0
                            && (1...Int64(length)).contains(Int64(luakit_tointeger(L, -2, nil)))) {
                    table.otherKeyCount += 1
                }
                pop()
            }
            return .table(table)
        default: return .other(reference(at: index))
        }
    }
}
