import CLua
import CLuaShim

/// Sandboxed environments: an `_ENV` table built from an allow-list of the
/// standard library plus whatever capabilities the caller grants. Library
/// tables are copied per sandbox, so one sandbox changing `string.format`
/// changes nothing for the host or for another sandbox.
extension LuaState {
    private static let factoryKey = "luakit.sandbox"

    // Captures the pristine globals when first used, before user code runs.
    // Left out on purpose: io, os.execute/getenv/exit/remove/rename, require,
    // package, debug, dofile, loadfile, collectgarbage, string.dump, and
    // getmetatable on non-tables (the string metatable leads to the host's
    // `string` table).
    private static let factorySource = """
    local G = ...
    local pairs, type, getmetatable, load = G.pairs, G.type, G.getmetatable, G.load
    local function copy(t)
      local c = {}
      for k, v in pairs(t) do c[k] = v end
      return c
    end
    local names = { "assert", "error", "ipairs", "next", "pairs", "pcall", "print", "rawequal",
      "rawget", "rawlen", "rawset", "select", "setmetatable", "tonumber", "tostring", "type",
      "xpcall", "_VERSION", "warn" }
    local libraries = { "string", "table", "math", "utf8", "coroutine" }
    return function(grants)
      local env = {}
      for _, name in ipairs(names) do env[name] = G[name] end
      for _, lib in ipairs(libraries) do env[lib] = copy(G[lib]) end
      env.string.dump = nil
      env.os = { clock = G.os.clock, time = G.os.time, date = G.os.date, difftime = G.os.difftime }
      env.getmetatable = function(v)
        if type(v) ~= "table" then return nil end
        return getmetatable(v)
      end
      env.load = function(chunk, name, mode, e)
        if mode ~= nil and mode ~= "t" then
          return nil, "load: binary chunks are not allowed in a sandbox"
        end
        if e == nil then e = env end
        return load(chunk, name, "t", e)
      end
      env._G = env
      for key, value in pairs(grants or {}) do
        if type(value) == "table" and type(env[key]) == "table" then
          for k, v in pairs(value) do env[key][k] = v end
        elseif type(value) == "table" and getmetatable(value) == nil then
          env[key] = copy(value)
        else
          env[key] = value
        end
      end
      return env
    end
    """

    /// Pushes a new sandbox environment table. `grants` maps global names to
    /// values; a table granted under the name of an existing library (e.g.
    /// `os = {execute = ...}`) is merged into the sandbox's copy of it, other
    /// plain tables are copied, and a table with a metatable (a read-only
    /// view the caller built) is shared as it is.
    public func pushSandbox(grants: [String: LuaValue]) throws {
        if stack.getField(LuaState.factoryKey, inTableAt: luakit_registryindex()) != LUA_TFUNCTION {
            stack.pop()
            try load(LuaState.factorySource, name: "=sandbox")
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
