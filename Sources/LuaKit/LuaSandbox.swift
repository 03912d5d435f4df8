import CLua
import CLuaShim

/// Sandboxed environments: an `_ENV` table built from an allow-list of the
/// standard library plus whatever capabilities the caller grants. Library
/// tables are copied per sandbox, so one sandbox changing `string.format`
/// changes nothing for the host or for another sandbox.
extension LuaState {
    private static let factoryKey = "luakit.sandbox"


    /// Pushes a new sandbox environment table. `grants` maps global names to
    /// values; a table granted under the name of an existing library (e.g.
    /// `os = {execute = ...}`) is merged into the sandbox's copy of it, other
    /// plain tables are copied, and a table with a metatable (a read-only
    /// view the caller built) is shared as it is.
    public func pushSandbox(grants: [String: LuaValue]) throws {
        if stack.getField(LuaState.factoryKey, inTableAt: luakit_registryindex()) != LUA_TFUNCTION {
            stack.pop()
            try load(bytes: PackageResources.sandbox_lua, name: "=sandbox")
            luakit_pushglobaltable(L)
            try call(arguments: 1, results: 1)
            lua_pushvalue(L, -1)
            stack.setField(LuaState.factoryKey, inTableAt: luakit_registryindex())
        }
        stack.push(grants)
        try call(arguments: 1, results: 1)
    }

    /// Loads `code` as a chunk whose `_ENV` is the table at `envIndex` and
    /// pushes the function. Only text chunks are accepted.
    public func load(_ code: String, name: String, environment envIndex: Int32) throws {
        let env = lua_absindex(L, envIndex)
        try load(code, name: name, mode: "t")
        lua_pushvalue(L, env)
        if lua_setupvalue(L, -2, 1) == nil { stack.pop() }
    }
}
