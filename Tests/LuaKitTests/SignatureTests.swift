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
        LuaArgumentTypes.register("even", LuaArgumentType(expected: "an even integer", quotesStrings: true) { stack, index in
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
}
