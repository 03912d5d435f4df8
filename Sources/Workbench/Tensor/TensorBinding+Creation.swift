import LuaKit
import Tensor

// Making tensors from Lua: from nested tables, the factories, and the random
// ones (one process-wide generator, seeded by tensor.manual_seed).

extension TensorBinding {
    /// A module function whose engine errors become Lua errors.
    static func function(_ name: String, _ doc: String, _ body: @escaping (LuaCall) throws -> Int32) -> LuaFunction {
        LuaFunction("tensor.\(name)", doc: doc) { call in try translatingErrors(call) { try body(call) } }
    }

    /// A factory taking a shape as numbers or one table (`zeros(2, 3)`, `zeros{2, 3}`).
    private static func shaped(_ name: String, _ summary: String, _ make: @escaping ([Int]) throws -> Tensor) -> LuaFunction {
        function(name, "tensor.\(name)(sizes...) -> Tensor\n\(summary) The shape is given as numbers or as one table.") { call in
            push(call, try make(try integers(call, from: 1, what: "sizes")))
        }
    }

    /// A factory shaped like its tensor argument.
    private static func like(_ name: String, _ summary: String, _ make: @escaping (LuaCall, Tensor) throws -> Tensor) -> LuaFunction {
        function(name, "tensor.\(name)(t: Tensor|number|table) -> Tensor\n\(summary)") { call in
            push(call, try make(call, try tensorArgument(call, 1)))
        }
    }

    /// A size or count that must fit in the engine's Int arithmetic.
    private static func count(_ call: LuaCall, _ position: Int32) throws -> Int {
        let n = try call.integer(position)
        guard n >= 0 else { throw call.argumentError(position, "expected a non-negative size, got \(n)") }
        return n
    }

    nonisolated(unsafe) static let creationFunctions: [LuaFunction] = [
        function("tensor", """
            tensor.tensor(data: Tensor|number|boolean|table) -> Tensor
            A tensor from a number or nested tables of numbers: tensor{{1, 2}, {3, 4}} (the module is
            callable: tensor(data) is the same). A tensor argument is copied.
            """) { call in
            if let t = call.optionalObject(1, luaClass) { return push(call, try t.detach().clone()) }
            return push(call, try tensorArgument(call, 1))
        },
        shaped("zeros", "A tensor of zeros.") { try Tensor.zeros($0) },
        shaped("ones", "A tensor of ones.") { try Tensor.ones($0) },
        shaped("rand", "Uniform random values in [0, 1).") { try Tensor.rand($0) },
        shaped("randn", "Standard normal random values.") { try Tensor.randn($0) },
        function("full", """
            tensor.full(sizes: table, value: number) -> Tensor
            A tensor of the shape sizes (a table) filled with value.
            """) { call in
            guard case .table(let sizes) = call.value(1) else { throw call.typeError(1, expected: "table of sizes") }
            let shape = try integerList(sizes, call, 1, what: "sizes")
            return push(call, try Tensor.full(shape, try float(call, 2)))
        },
        function("eye", """
            tensor.eye(n: integer [, m: integer]) -> Tensor
            The n x m (default n x n) identity matrix.
            """) { call in
            return push(call, try Tensor.eye(try count(call, 1), call.isNone(2) ? nil : try count(call, 2)))
        },
        function("arange", """
            tensor.arange([start,] end [, step]) -> Tensor
            start, start + step, ... up to but excluding end, as torch.arange (start defaults to 0).
            """) { call in
            if call.argumentCount <= 1 { return push(call, try Tensor.arange(try float(call, 1))) }
            return push(call, try Tensor.arange(try float(call, 1), try float(call, 2), step: try float(call, 3, default: 1)))
        },
        function("linspace", """
            tensor.linspace(start: number, end: number, steps: integer) -> Tensor
            steps evenly spaced values from start to end, both included.
            """) { call in
            return push(call, try Tensor.linspace(try float(call, 1), try float(call, 2), steps: try call.integer(3)))
        },
        function("randint", """
            tensor.randint(low: integer, high: integer, sizes...) -> Tensor
            Uniform random whole numbers in [low, high) (high excluded, as torch.randint), as floats.
            """) { call in
            let low = try call.integer(1), high = try call.integer(2)
            return push(call, try Tensor.randint(low, high, try integers(call, from: 3, what: "sizes")))
        },
        like("zeros_like", "Zeros shaped like t.") { _, t in try Tensor.zerosLike(t) },
        like("ones_like", "Ones shaped like t.") { _, t in try Tensor.onesLike(t) },
        like("rand_like", "Uniform random values in [0, 1) shaped like t.") { _, t in try Tensor.randLike(t) },
        like("randn_like", "Standard normal values shaped like t.") { _, t in try Tensor.randnLike(t) },
        function("full_like", "tensor.full_like(t: Tensor|number|table, value: number) -> Tensor\nvalue everywhere, shaped like t.") { call in
            return push(call, try Tensor.fullLike(try tensorArgument(call, 1), try float(call, 2)))
        },
        function("randint_like", "tensor.randint_like(t: Tensor|number|table, low: integer, high: integer) -> Tensor\nRandom whole numbers in [low, high) shaped like t.") { call in
            return push(call, try Tensor.randintLike(try tensorArgument(call, 1), try call.integer(2), try call.integer(3)))
        },
        function("manual_seed", """
            tensor.manual_seed(seed: integer)
            Reseeds the generator behind rand, randn and randint, for reproducible runs.
            """) { call in
            Tensor.manualSeed(UInt64(bitPattern: Int64(try call.integer(1))))
            return 0
        },
        function("is_tensor", "tensor.is_tensor(value: any) -> boolean\nWhether value is a Tensor.") { call in
            call.returns(.boolean(call.optionalObject(1, luaClass) != nil))
        },
    ]
}
