import LuaKit
import Testing

@Suite("Sandboxed environments")
struct SandboxTests {
    /// Runs `code` in a fresh sandbox with `grants`; returns its results.
    func runSandboxed(_ lua: LuaState, _ code: String, grants: [String: LuaValue] = [:]) throws -> [LuaValue] {
        let base = lua.stack.top
        defer { lua.stack.settop(base) }
        try lua.pushSandbox(grants: grants)
        try lua.load(code, name: "=sandboxed", environment: -1)
        try lua.call(arguments: 0, results: -1)
        return (base + 2...max(base + 2, lua.stack.top)).compactMap { lua.stack.top >= $0 ? lua.stack.value(at: $0) : nil }
    }

    @Test(arguments: ["os.execute", "io", "io.popen", "debug", "require", "package", "dofile", "loadfile",
                      "collectgarbage", "string.dump", "os.getenv", "os.exit", "os.remove"])
    func dangerousThingsAreAbsent(name: String) throws {
        let lua = try LuaState()
        let result = try runSandboxed(lua, "local ok, v = pcall(function() return \(name) end); return not ok or v == nil")
        #expect(result.first?.description == "true", "\(name) is reachable")
    }

    @Test func hostGlobalsAreInvisible() throws {
        let lua = try LuaState()
        try lua.run("secret = 'host'")
        let result = try runSandboxed(lua, "return secret == nil, _G.secret == nil, getmetatable('') == nil")
        #expect(result.map(\.description) == ["true", "true", "true"])
    }

    @Test func bytecodeCannotBeLoaded() throws {
        let lua = try LuaState()
        let bytecode = try lua.run("return string.dump(function() return 1 end)")[0]
        let base = lua.stack.top
        try lua.pushSandbox(grants: [:])
        try lua.load("local code = ...; local f, err = load(code, 'x', 'b'); local g, err2 = load(code); return f, err, g, err2",
                     name: "=t", environment: -1)
        lua.stack.push(bytecode)
        try lua.call(arguments: 1, results: 4)
        #expect(lua.stack.value(at: base + 2).isNil)
        #expect(lua.stack.string(at: base + 3)?.contains("binary chunks are not allowed") == true)
        #expect(lua.stack.value(at: base + 4).isNil)
        #expect(lua.stack.string(at: base + 5)?.contains("attempt to load a binary chunk") == true)
        lua.stack.settop(base)
    }

    @Test func changesToLibrariesStayInTheSandbox() throws {
        let lua = try LuaState()
        _ = try runSandboxed(lua, "string.format = nil; math.pi = 3; table.insert = print")
        #expect(try lua.run("return string.format('%d', 3), math.pi > 3.14")[0].stringValue == "3")
        let other = try runSandboxed(lua, "return string.format('%d', 4), math.pi > 3.14")
        #expect(other.map(\.description) == ["4", "true"])
    }

    @Test func grantsAreMergedIntoLibraries() throws {
        let lua = try LuaState()
        lua.register(LuaFunction("probe") { call in call.returns(.string("granted")) }, as: "probe")
        let probe = lua.global("probe")
        let result = try runSandboxed(lua, "return os.extra(), os.time() > 0, custom", grants: [
            "os": .table(LuaTableValue(fields: ["extra": probe])),
            "custom": .integer(5),
        ])
        #expect(result.map(\.description) == ["granted", "true", "5"])
        #expect(try lua.run("return os.extra")[0].isNil)
    }
}
