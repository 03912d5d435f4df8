import CLua
import CLuaShim

/// Docstrings for Lua values (functions and module tables), kept in a
/// weak-keyed registry table so that documenting a value never keeps it alive.
extension LuaState {
    static let docsKey = "luakit.docs"

    private func pushDocsTable(on stack: LuaStack) {
        let L = stack.L
        // Raw: debug.setmetatable can give the registry metamethods.
        if stack.getField(LuaState.docsKey, inTableAt: luakit_registryindex()) != LUA_TTABLE {
            stack.pop()
            lua_createtable(L, 0, 64)
            lua_createtable(L, 0, 1)
            stack.push("k")
            stack.setField("__mode", inTableAt: -2)
            lua_setmetatable(L, -2)
            lua_pushvalue(L, -1)
            stack.setField(LuaState.docsKey, inTableAt: luakit_registryindex())
        }
    }

    func recordDoc(_ doc: String, forValueAt index: Int32, on stack: LuaStack) {
        let index = lua_absindex(stack.L, index)
        // Only values with identity can carry a doc (nil or NaN as a key would raise).
        switch lua_type(stack.L, index) {
        case LUA_TTABLE, LUA_TFUNCTION, LUA_TUSERDATA, LUA_TTHREAD: break
        default: return
        }
        pushDocsTable(on: stack)
        lua_pushvalue(stack.L, index)
        stack.push(doc)
        lua_rawset(stack.L, -3)
        stack.pop()
    }

    /// Attaches `doc` to the value at `index` (a table, a Lua function, ...).
    public func setDoc(_ doc: String, forValueAt index: Int32) {
        recordDoc(doc, forValueAt: index, on: stack)
    }

    /// The docstring of the value at `index` of `stack` (the main thread's
    /// when nil), if it has one.
    public func doc(forValueAt index: Int32, on stack: LuaStack? = nil) -> String? {
        let stack = stack ?? self.stack
        let L = stack.L
        let index = lua_absindex(L, index)
        pushDocsTable(on: stack)
        lua_pushvalue(L, index)
        lua_rawget(L, -2)
        defer { stack.pop(2) }
        return stack.string(at: -1)
    }
}

extension LuaStack {
    /// The docstring of the value at `index`, if it has one; unlike
    /// LuaState.doc, it never creates the docs table, so a printer can ask.
    func docString(at index: Int32) -> String? {
        let index = lua_absindex(L, index)
        guard getField(LuaState.docsKey, inTableAt: luakit_registryindex()) == LUA_TTABLE else {
            pop()
            return nil
        }
        lua_pushvalue(L, index)
        lua_rawget(L, -2)
        defer { pop(2) }
        return string(at: -1)
    }
}
