import CLua
import CLuaShim

/// Read-only looks into the state for completion and help. Walks use raw
/// access only, so no metamethod (and no user code) runs while a person types.
extension LuaState {
    /// The string keys reachable after `path` (e.g. ["plugins"] for
    /// `plugins.`): a table's own keys, then those of tables its metatable's
    /// `__index` leads to; for bridged objects the class's methods.
    /// - Parameter methodsOnly: only keys whose values are functions (after `:`).
    public func completionKeys(path: [String], methodsOnly: Bool) -> [String] {
        let base = stack.top
        defer { stack.settop(base) }
        luakit_pushglobaltable(L)
        for component in path {
            guard pushIndexTable(at: -1) else { return [] }
            stack.push(component)
            lua_rawget(L, -2)
            if lua_type(L, -1) == LUA_TNIL { return [] }
        }
        var keys = Set<String>()
        var hops = 0
        // Follow __index chains a few levels (class-like tables, userdata).
        while hops < 4, pushIndexTable(at: -1) {
            lua_pushnil(L)
            while luakit_next(L, -2) == 1 {
                if lua_type(L, -2) == LUA_TSTRING, let key = stack.string(at: -2), isIdentifier(key),
                   !key.hasPrefix("__"), !methodsOnly || lua_type(L, -1) == LUA_TFUNCTION {
                    keys.insert(key)
                }
                stack.pop()
            }
            // Move on to the value's metatable's __index, if it is a table.
            guard lua_getmetatable(L, -1) != 0 else { break }
            stack.push("__index")
            guard lua_rawget(L, -2) == LUA_TTABLE else { break }
            hops += 1
        }
        return keys.sorted()
    }

    /// The signature line of the function at `path` (`["tensor", "matmul"]`,
    /// or `["t", "sum"]` for the method `t:sum`), read raw so that no
    /// metamethod runs while the user types; nil if it has no doc.
    public func completionSignature(path: [String]) -> String? {
        guard !path.isEmpty else { return nil }
        let base = stack.top
        defer { stack.settop(base) }
        luakit_pushglobaltable(L)
        for component in path {
            guard pushIndexTable(at: -1) else { return nil }
            stack.push(component)
            lua_rawget(L, -2)
            if lua_type(L, -1) == LUA_TNIL { return nil }
        }
        guard lua_type(L, -1) == LUA_TFUNCTION, let doc = doc(forValueAt: -1) else { return nil }
        let line = doc.prefix { $0 != "\n" }
        return line.isEmpty ? nil : String(line)
    }

    /// Leaves on the stack the table to enumerate for the value at `index`:
    /// itself if a table, its class's method table if a bridged object.
    private func pushIndexTable(at index: Int32) -> Bool {
        let index = lua_absindex(L, index)
        switch lua_type(L, index) {
        case LUA_TTABLE:
            lua_pushvalue(L, index)
            return true
        case LUA_TUSERDATA, LUA_TSTRING:
            guard lua_getmetatable(L, index) != 0 else { return false }
            stack.push("__methods")
            if lua_rawget(L, -2) == LUA_TTABLE { luakit_remove(L, -2); return true }
            stack.pop()
            stack.push("__index")
            if lua_rawget(L, -2) == LUA_TTABLE { luakit_remove(L, -2); return true }
            stack.pop(2)
            return false
        default:
            return false
        }
    }
}
