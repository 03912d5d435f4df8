import LuaKit
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The edge between Swift and Lua under hostile Lua code: nothing a script
/// does to globals, upvalues, the registry or the stack may make Swift code
/// raise, unwind, overflow the stack or lose the memory cap.
@Suite("The Swift/Lua boundary")
struct BoundaryTests {
    @Test func globalsAreSetRawSoAReadOnlyGlobalTableCannotRaise() throws {
        let lua = try LuaState()
        try lua.run("setmetatable(_G, {__newindex = function(t, k) error('read-only global ' .. k) end})")
        lua.setGlobal("_", .integer(42))
        #expect(lua.global("_").doubleValue == 42)
        lua.register(LuaFunction("late") { call in call.returns(.integer(7)) }, as: "late")
        #expect(try lua.run("return late()")[0].doubleValue == 7)
        lua.registerModule("extra", functions: [LuaFunction("extra.f") { call in call.returns(.boolean(true)) }])
        #expect(try lua.run("return extra.f() == true")[0].description == "true")
        // Lua code itself still meets the metamethod.
        #expect(throws: LuaError.self) { try lua.run("y = 1") }
    }

    @Test func aGlobalsTableReplacedThroughTheRegistryIsSurvived() throws {
        let lua = try LuaState()
        try lua.run("debug.getregistry()[2] = 'not a table'")
        lua.setGlobal("x", .integer(1))
        #expect(lua.global("x").isNil)
    }

    @Test func aReplacedUpvalueMakesTheFunctionRaiseInsteadOfCrash() throws {
        let lua = try LuaState()
        lua.register(LuaFunction("f") { call in call.returns(.integer(1)) }, as: "f")
        for replacement in ["nil", "io.stdout", "{}", "'text'", "coroutine.create(print)"] {
            lua.register(LuaFunction("f") { call in call.returns(.integer(1)) }, as: "f")
            try lua.run("debug.setupvalue(f, 1, \(replacement))")
            let error = try #require(throws: LuaError.self) { try lua.run("return f()") }
            #expect(error.message.contains("upvalue was replaced"), "\(replacement): \(error.message)")
        }
    }

    @Test func anObjectMetatableOnAForeignUserdataReleasesNothing() throws {
        let lua = try LuaState()
        lua.register(LuaFunction("f") { call in call.returns(.integer(1)) }, as: "f")
        // An io file is the same size as a function box; given the box's
        // metatable, its finalizer must not take the FILE* for a Swift object.
        try lua.run("""
            local _, box = debug.getupvalue(f, 1)
            local file = io.tmpfile()
            debug.setmetatable(file, debug.getmetatable(box))
            file = nil
            collectgarbage() collectgarbage()
            """)
        #expect(try lua.run("return f()")[0].doubleValue == 1)
    }

    @Test func nestedBudgetsKeepTheEarlierDeadline() throws {
        let lua = try LuaState()
        var start = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        let error = try #require(throws: LuaError.self) {
            try lua.withTimeBudget(seconds: 0.2) {
                try lua.withTimeBudget(seconds: 600) { try lua.run("while true do end") }
            }
        }
        var end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &end)
        #expect(error.stopReason == .timeout)
        // The inner budget must not have replaced the outer one (it would run 600 s).
        #expect(end.tv_sec - start.tv_sec < 300)
        #expect(try lua.run("return 1")[0].doubleValue == 1)
    }

    @Test func anInnerBudgetKeepsAPendingInterrupt() throws {
        let lua = try LuaState()
        try lua.runInterruptible {
            lua.interrupt()
            _ = try? lua.withTimeBudget(seconds: 5) { try lua.run("return 1") }
            let error = try #require(throws: LuaError.self) { try lua.run("return 2") }
            #expect(error.stopReason == .interrupted)
        }
        #expect(try lua.run("return 3")[0].doubleValue == 3)
    }

    @Test func swiftWorkCanAskWhetherToStop() throws {
        let lua = try LuaState()
        try lua.checkStop()
        lua.interrupt()
        let error = try #require(throws: LuaRuntimeError.self) { try lua.checkStop() }
        #expect(error.message == "interrupted")
    }

    @Test func theMemoryCapHoldsAfterErrorsInSwiftFunctionsUnderPcall() throws {
        let lua = try LuaState(memoryLimit: 16 << 20)
        lua.register(LuaFunction("fail") { _ in throw LuaRuntimeError("no") }, as: "fail")
        lua.register(LuaFunction("call") { call in
            call.stack.push(.string("while true do end"))
            try call.stack.call(arguments: 0, results: 0)
            return 0
        }, as: "call")
        try lua.run("for i = 1, 1000 do pcall(fail) pcall(call) pcall(inspect) end")
        let error = try #require(throws: LuaError.self) {
            try lua.run("local t = {} for i = 1, 1e8 do t[i] = {i} end")
        }
        #expect(error.message.contains("not enough memory"))
    }

    /// pcall is Lua's own: as deep as in plain Lua 5.4 (about 190 levels of C
    /// calls) and yieldable, so nothing the bridge adds costs Lua code depth.
    @Test func pcallKeepsItsDepthAndYields() throws {
        let lua = try LuaState()
        let depth = try lua.run("""
            local function f(n) if n == 0 then return 0 end local ok, v = pcall(f, n - 1) assert(ok, v) return v + 1 end
            return f(180)
            """)
        #expect(depth[0].doubleValue == 180)
        let yielded = try lua.run("""
            local co = coroutine.wrap(function(a) local _, b = pcall(coroutine.yield, a + 1) return b * 2 end)
            return co(1), co(10)
            """)
        #expect(yielded.map(\.description) == ["2", "20"])
    }

    @Test func manyResultsAndArgumentsFitTheStack() throws {
        let lua = try LuaState()
        let results = try lua.run("local t = {} for i = 1, 200000 do t[i] = i end return table.unpack(t)")
        #expect(results.count == 200_000)
        #expect(results.last?.doubleValue == 200_000)
        lua.register(LuaFunction("count") { call in call.returns(.integer(Int64(call.argumentCount))) }, as: "count")
        // From a coroutine, whose stack starts small.
        let counted = try lua.run("""
            local t = {} for i = 1, 10000 do t[i] = i end
            return coroutine.wrap(function() return count(table.unpack(t)) end)()
            """)
        #expect(counted[0].doubleValue == 10_000)
    }

    @Test func deepValuesPushFromACoroutine() throws {
        let lua = try LuaState()
        var value = LuaValue.integer(1)
        for _ in 0..<500 { value = .table(LuaTableValue(array: [value])) }
        let nested = value
        lua.register(LuaFunction("deep") { call in call.returns(nested) }, as: "deep")
        let depth = try lua.run("""
            return coroutine.wrap(function()
              local t, n = deep(), 0
              while type(t) == 'table' do t, n = t[1], n + 1 end
              return n
            end)()
            """)
        #expect(depth[0].doubleValue == 500)
    }

    @Test func finalizersRunningAtCloseCannotReachSwift() throws {
        final class Flag: @unchecked Sendable { var reached = false }
        let flag = Flag()
        do {
            let lua = try LuaState()
            lua.register(LuaFunction("touch") { _ in flag.reached = true; return 0 }, as: "touch")
            try lua.run("keep = setmetatable({}, {__gc = function() touch() end})")
        }
        #expect(!flag.reached)
    }

    @Test func printingATableThatChangesUnderTheTraversalEnds() throws {
        let lua = try LuaState()
        try lua.run("""
            T = {}
            for i = 1, 8 do T['k' .. i] = i end
            local n = 0
            K = setmetatable({}, {__tostring = function()
              n = n + 1
              for i = 1, 8 do T['k' .. i] = nil end
              for i = 1, 2000 do T[n * 10000 + i] = i end
              collectgarbage()
              return 'K'
            end})
            T[K] = 1
            """)
        let stack = lua.stack
        stack.push(lua.global("T"))
        let text = LuaPrettyPrinter(color: false).render(stack, at: -1)
        stack.pop()
        #expect(text.hasPrefix("{"))
        #expect(try lua.run("return 1 + 1")[0].doubleValue == 2)
    }
}
