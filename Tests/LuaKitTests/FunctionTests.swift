import LuaKit
import Testing

@Suite("Swift functions called from Lua")
struct FunctionTests {
    func state() throws -> LuaState {
        let lua = try LuaState()
        lua.registerModule("demo", functions: [
            LuaFunction("demo.add", doc: "demo.add(a, b) -> number") { call in
                try call.expectArguments(atMost: 2)
                return call.returns(.number(try call.number(1) + call.number(2)))
            },
            LuaFunction("demo.repeat_string") { call in
                let text = try call.string(1)
                let count = try call.integer(2)
                guard count >= 0, count <= 1000 else { throw call.argumentError(2, "must be between 0 and 1000, got \(count)") }
                return call.returns(.string(String(repeating: text, count: count)))
            },
            LuaFunction("demo.callback") { call in
                let function = try call.function(1)
                function.push(on: call.stack)
                call.stack.push(21)
                try call.state.call(arguments: 1, results: 1)
                return 1
            },
            LuaFunction("demo.many") { call in
                call.returns(.integer(1), .string("two"), .nil, .boolean(false))
            },
        ])
        return lua
    }

    @Test func argumentsAndResults() throws {
        let lua = try state()
        #expect(try lua.run("return demo.add(2, 3.5)")[0].doubleValue == 5.5)
        #expect(try lua.run("return demo.repeat_string('ab', 3)")[0].stringValue == "ababab")
        #expect(try lua.run("return select('#', demo.many())")[0].doubleValue == 4)
    }

    @Test(arguments: [
        ("demo.add('x', 1)", "demo.add: argument #1 expected number, got string"),
        ("demo.add(1)", "demo.add: argument #2 expected number, got no value"),
        ("demo.add(1, 2, 3)", "demo.add: expected at most 2 arguments, got 3"),
        ("demo.repeat_string('a', 1.5)", "demo.repeat_string: argument #2 expected integer, got non-integral number 1.5"),
        ("demo.repeat_string('a', -1)", "demo.repeat_string: argument #2 must be between 0 and 1000, got -1"),
        ("demo.repeat_string({}, 1)", "demo.repeat_string: argument #1 expected string, got table"),
        ("demo.callback(42)", "demo.callback: argument #1 expected function, got number"),
    ])
    func badArgumentsGiveNamedErrors(code: String, message: String) throws {
        let lua = try state()
        let error = try #require(throws: LuaError.self) { try lua.run(code) }
        #expect(error.message == "input:1: " + message)
        #expect(error.traceback.contains("stack traceback"))
        // The state is still usable afterwards.
        #expect(try lua.run("return 1 + 1")[0].doubleValue == 2)
    }

    @Test func luaErrorsPassThroughSwiftFrames() throws {
        let lua = try state()
        let error = try #require(throws: LuaError.self) {
            try lua.run("return demo.callback(function(x) error('inner ' .. x) end)", name: "=test")
        }
        #expect(error.message == "test:1: inner 21")
        #expect(try lua.run("return demo.callback(function(x) return x * 2 end)")[0].doubleValue == 42)
    }

    @Test func errorsInsidePcallXpcallAndCoroutines() throws {
        let lua = try state()
        let results = try lua.run("""
            local ok1, e1 = pcall(demo.add, 'x')
            local ok2, e2 = pcall(function() return pcall(error, 'deep') end)
            local co = coroutine.create(function() coroutine.yield(1); demo.add() end)
            local _, first = coroutine.resume(co)
            local ok3, e3 = coroutine.resume(co)
            local ok4, e4 = xpcall(demo.add, function(m) return 'handled: ' .. m end, {}, 1)
            local w = coroutine.wrap(function() error('in wrap') end)
            local ok5, e5 = pcall(w)
            return ok1, e1, ok2, e2, first, ok3, e3, ok4, e4, ok5, e5
            """, name: "=t")
        #expect(results.map(\.description) == [
            "false", "demo.add: argument #1 expected number, got string",
            "true", "false", "1",
            "false", "t:3: demo.add: argument #1 expected number, got no value",
            "false", "handled: demo.add: argument #1 expected number, got table",
            "false", "t:7: in wrap",
        ])
    }

    @Test func syntaxErrorsAreLuaErrors() throws {
        let lua = try LuaState()
        let error = try #require(throws: LuaError.self) { try lua.run("x = = 1", name: "=chunk") }
        #expect(error.message == "chunk:1: unexpected symbol near '='")
    }

    @Test func nonStringErrorObjects() throws {
        let lua = try LuaState()
        let error = try #require(throws: LuaError.self) { try lua.run("error({code = 7})") }
        #expect(error.message == "(error object is a table value)")
        let custom = try #require(throws: LuaError.self) {
            try lua.run("error(setmetatable({}, {__tostring = function() return 'custom' end}))")
        }
        #expect(custom.message == "custom")
    }

    @Test func docstringsAreFoundByValue() throws {
        let lua = try state()
        let value = try lua.run("return demo.add")[0]
        guard case .function(let ref) = value else { Issue.record("not a function"); return }
        ref.push(on: lua.stack)
        #expect(lua.doc(forValueAt: -1) == "demo.add(a, b) -> number")
        lua.stack.settop(0)
    }

    @Test func deepRecursionIsAnErrorNotACrash() throws {
        let lua = try state()
        let error = try #require(throws: LuaError.self) { try lua.run("local function f() return 1 + f() end return f()") }
        #expect(error.message.contains("stack overflow"))
        let cError = try #require(throws: LuaError.self) {
            try lua.run("local function f() return demo.callback(f) end return f()")
        }
        #expect(cError.message.contains("stack overflow") || cError.message.contains("C stack overflow"))
        #expect(try lua.run("return 2")[0].doubleValue == 2)
    }
}
