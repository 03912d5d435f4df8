import LuaKit
import Testing

/// A function's arity is read from the first line of its doc.
@Suite("Signatures from docs")
struct SignatureTests {
    @Test func parametersAndArity() throws {
        func parse(_ doc: String, _ name: String) -> LuaSignature? { LuaSignature(doc: doc, name: name) }
        #expect(parse("metrics.range(expr, range [, step]) -> {time = tensor}", "metrics.range")
                == LuaSignature(doc: "metrics.range(expr, range, step)", name: "metrics.range"))
        #expect(parse("metrics.range(expr, range [, step]) -> {time = tensor}", "metrics.range")?.parameters
                == ["expr", "range", "step"])
        #expect(parse("nn.Linear(in, out[, {bias = true, x = 1}]) -> Module", "nn.Linear")?.maxArguments == 3)
        #expect(parse("t:sum([dim [, keepdim]]) -> Tensor", "Tensor:sum")?.parameters == ["self", "dim", "keepdim"])
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
}
