import LuaKit
import Testing

/// A function's arity is read from the first line of its doc.
@Suite("Signatures from docs")
struct SignatureTests {
    @Test func parametersAndArity() throws {
        func parse(_ doc: String, _ name: String) -> LuaSignature? { LuaSignature(doc: doc, name: name) }
        #expect(parse("metrics.range(expr, range [, step]) -> {time = tensor}", "metrics.range")?.parameters.map(\.name)
                == ["expr", "range", "step"])
        let typed = try #require(parse("metrics.range(expr: string, range: duration [, step: duration]) -> {}", "metrics.range"))
        #expect(typed.parameters == [.init(name: "expr", type: "string", optional: false),
                                     .init(name: "range", type: "duration", optional: false),
                                     .init(name: "step", type: "duration", optional: true)])
        #expect(parse("f(a [, b [, {c = 1, d = 2}]])", "f")?.parameters.map(\.optional) == [false, true, true])
        #expect(parse("nn.Linear(in, out[, {bias = true, x = 1}]) -> Module", "nn.Linear")?.maxArguments == 3)
        #expect(parse("t:sum([dim [, keepdim]]) -> Tensor", "Tensor:sum")?.parameters.map(\.name) == ["self", "dim", "keepdim"])
        #expect(parse("opslab.now() -> number", "opslab.now")?.maxArguments == 0)
        #expect(parse("help([value or topic])", "help")?.maxArguments == 1)
        #expect(parse("data.loader{x = X, batch_size = 64} -> DataLoader", "data.loader")?.maxArguments == 1)
        #expect(parse("print(...)", "print")?.maxArguments == nil)
        #expect(parse("tensor.zeros(sizes...) -> Tensor", "tensor.zeros")?.maxArguments == nil)
        // Not a signature of this function: no check is derived.
        #expect(parse("Runs the collectors.", "metrics.collect") == nil)
        #expect(parse("other.fn(a)", "metrics.collect") == nil)
        #expect(parse("", "f") == nil)
        #expect(parse("f(a, (b", "f") == nil)
    }

    @Test func callsPastTheSignatureAreRefused() throws {
        let lua = try LuaState()
        lua.register(LuaFunction("pair", doc: "pair(a [, b]) -> number") { call in call.returns(.integer(Int64(call.argumentCount))) },
                     as: "pair")
        #expect(try lua.run("return pair(1, 2)")[0].doubleValue == 2)
        let error = try #require(throws: LuaError.self) { try lua.run("return pair(1, 2, 3)") }
        #expect(error.message.hasSuffix("pair: expected at most 2 arguments, got 3"))
        lua.register(LuaFunction("any", doc: "any(...)") { call in call.returns(.integer(Int64(call.argumentCount))) }, as: "any")
        #expect(try lua.run("return any(1, 2, 3, 4, 5)")[0].doubleValue == 5)
    }

    @Test func typedParametersAreCheckedBeforeTheBodyRuns() throws {
        let lua = try LuaState()
        LuaArgumentTypes.register("even", LuaArgumentType(expected: "an even integer", describeMismatch: LuaArgumentType.quotingStrings) { stack, index in
            (stack.value(at: index).exactInteger ?? 1) % 2 == 0
        })
        final class Count: @unchecked Sendable { var calls = 0 }
        let count = Count()
        lua.register(LuaFunction("f", doc: "f(name: string, n: even [, flag: boolean])") { call in
            count.calls += 1
            return 0
        }, as: "f")
        try lua.run("f('a', 2) f('a', 4, true) f('a', 4, nil)")
        #expect(count.calls == 3)
        for (code, message) in [("f(1, 2)", "f: argument #1 expected string, got number"),
                                ("f('a', 3)", "f: argument #2 expected an even integer, got number"),
                                ("f('a')", "f: argument #2 expected an even integer, got no value"),
                                ("f('a', 2, 'yes')", "f: argument #3 expected boolean, got string"),
                                ("f('a', 'two')", "f: argument #2 expected an even integer, got \"two\"")] {
            let error = try #require(throws: LuaError.self) { try lua.run(code) }
            #expect(error.message.hasSuffix(message), "\(code): \(error.message)")
        }
        #expect(count.calls == 3)
        // A type no one registered is documentation only.
        lua.register(LuaFunction("g", doc: "g(x: nosuchtype)") { _ in 0 }, as: "g")
        try lua.run("g({})")
    }

    @Test func optionTablesNameTheirKeys() throws {
        func keys(_ doc: String, _ name: String) -> [[String]?]? { LuaSignature(doc: doc, name: name)?.parameters.map(\.optionKeys) }
        #expect(keys("optim.Adam(params [, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8}])", "optim.Adam")
                == [nil, ["lr", "betas", "eps"]])
        #expect(keys("data.loader{x = X, y = Y, batch_size = 64}", "data.loader") == [["x", "y", "batch_size"]])
        // A table that says it has more keys than it shows names none.
        #expect(keys("nn.fit{model = m, epochs = 1, ...}", "nn.fit") == [nil])
        #expect(keys("f(a [, {1, 2}])", "f") == [nil, nil])

        let lua = try LuaState()
        lua.register(LuaFunction("show", doc: "show(x: any [, {depth = 4, color = false}])") { call in
            let options = try call.options(2)
            return call.returns(.integer(Int64(try options.integer("depth", default: 4, in: 0...64))))
        }, as: "show")
        #expect(try lua.run("return show(1, {depth = 2})")[0].doubleValue == 2)
        #expect(try lua.run("return show(1)")[0].doubleValue == 4)
        let error = try #require(throws: LuaError.self) { try lua.run("show(1, {dpeth = 2})") }
        #expect(error.message.hasSuffix("show: unknown option 'dpeth' (known: color, depth)"))
    }

    @Test func unionAndClassTypes() throws {
        final class Box {}
        let cls = LuaClass<Box>("Box")
        let lua = try LuaState()
        lua.register(cls)
        lua.register(LuaFunction("f", doc: "f(x: Box|number [, n: integer])") { _ in 0 }, as: "f")
        lua.stack.push(Box(), as: cls)
        lua.setGlobal("box", valueAt: -1)
        lua.stack.pop()
        try lua.run("f(box) f(2.5) f(box, 3) f(1, 3.0)")
        for (code, message) in [("f('a')", "f: argument #1 expected Box or number, got string"),
                                ("f({})", "f: argument #1 expected Box or number, got table"),
                                ("f(1, 1.5)", "f: argument #2 expected integer, got non-integral number 1.5"),
                                ("f(1, '2')", "f: argument #2 expected integer, got string")] {
            let error = try #require(throws: LuaError.self) { try lua.run(code) }
            #expect(error.message.hasSuffix(message), "\(code): \(error.message)")
        }
        // A union with a part no one registered is documentation only.
        #expect(LuaArgumentTypes.named("Box|nosuchtype") == nil)
    }

    @Test func methodsBecomeModuleFunctionsWithTheirDocs() throws {
        final class Counter { var n = 0 }
        let cls = LuaClass<Counter>("Counter")
        let methods = [LuaMethod<Counter>("bump", "c:bump(by: integer) -> integer\nAdds by.") { call, c in
            c.n += try call.integer(2)
            return call.returns(.integer(Int64(c.n)))
        }]
        cls.add(methods)
        let functions = cls.functions(module: "counter", from: methods)
        #expect(functions.map(\.doc) == ["counter.bump(c: Counter, by: integer) -> integer\nAdds by."])
        let lua = try LuaState()
        lua.register(cls)
        lua.registerModule("counter", functions: functions)
        lua.stack.push(Counter(), as: cls)
        lua.setGlobal("c", valueAt: -1)
        lua.stack.pop()
        #expect(try lua.run("c:bump(2) return counter.bump(c, 3)")[0].doubleValue == 5)
        let error = try #require(throws: LuaError.self) { try lua.run("counter.bump(1, 3)") }
        #expect(error.message.hasSuffix("counter.bump: argument #1 expected Counter, got number"))
    }
}
