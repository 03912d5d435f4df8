import CLua
import CLuaShim

// Calling Lua from Swift on a given thread, and raw table access. A Swift function called from a
// coroutine must call back into Lua on that coroutine's stack, not the main
// one (which is suspended in `resume` meanwhile); these work on any stack.
extension LuaStack {
    /// Calls the function below `nargs` arguments in protected mode, leaving
    /// `nresults` results (LUA_MULTRET for all). Errors come back as a
    /// `LuaError` with the traceback; the stack is restored below the function.
    public func call(arguments nargs: Int32, results nresults: Int32) throws {
        let status = luakit_pcall_traceback(L, nargs, nresults)
        guard status != LUA_OK else { return }
        let text = luakit_safe_tostring(L, -1, nil).map { String(cString: $0) } ?? "error"
        pop(2)
        let reason: LuaError.StopReason?
        switch luakit_stop_reason(L) {
        case Int32(LUAKIT_STOP_INTERRUPT.rawValue): reason = .interrupted
        case Int32(LUAKIT_STOP_TIMEOUT.rawValue): reason = .timeout
        default: reason = nil
        }
        throw LuaError(handlerOutput: text, stopReason: reason)
    }

    /// The bridged object of class `cls` at `index`, if it is one.
    public func object<Object: AnyObject>(at index: Int32, _ cls: LuaClass<Object>) -> Object? {
        guard let pointer = luakit_to_object(L, index, cls.cName) else { return nil }
        return Unmanaged<Object>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Pushes a new empty table.
    public func pushNewTable() { lua_createtable(L, 0, 0) }

    // The raw accessors below check that the target is a table: lua_raw*
    // on anything else reads or writes memory that is not a table's. A value
    // the caller could not know the type of (a global the user replaced, a
    // field a plugin set) is then skipped: nothing stored, nil read.

    /// Pops a value and stores it as `t[key]` (raw) in the table at
    /// `tableIndex`; only pops when that is not a table.
    public func setField(_ key: String, inTableAt tableIndex: Int32) {
        let table = lua_absindex(L, tableIndex)
        guard lua_type(L, table) == LUA_TTABLE else { return pop() }
        push(key)
        lua_rotate(L, -2, 1)
        lua_rawset(L, table)
    }

    /// Pops a value and stores it as `t[index]` (raw) in the table at `tableIndex`.
    public func setIndex(_ index: Int, inTableAt tableIndex: Int32) {
        let table = lua_absindex(L, tableIndex)
        guard lua_type(L, table) == LUA_TTABLE else { return pop() }
        lua_rawseti(L, table, lua_Integer(index))
    }

    /// Pushes `t[key]` (raw) of the table at `tableIndex` and returns its type.
    @discardableResult
    public func getField(_ key: String, inTableAt tableIndex: Int32) -> Int32 {
        let table = lua_absindex(L, tableIndex)
        guard lua_type(L, table) == LUA_TTABLE else {
            lua_pushnil(L)
            return LUA_TNIL
        }
        push(key)
        return lua_rawget(L, table)
    }

    public func isNil(at index: Int32) -> Bool { lua_type(L, index) <= LUA_TNIL }
    public func isTable(at index: Int32) -> Bool { lua_type(L, index) == LUA_TTABLE }
    public func isFunction(at index: Int32) -> Bool { lua_type(L, index) == LUA_TFUNCTION }

    /// Moves the top value down to `base + 1` and drops what lay between:
    /// for functions that looked a value up through several tables.
    public func keepTop(over base: Int32) {
        lua_copy(L, -1, base + 1)
        lua_settop(L, base + 1)
    }
}
