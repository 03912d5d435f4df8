import LuaKit
import Tensor

// Elementwise ops, broadcasting binary ops and comparisons, matmul, and the
// operators (`+ - * / ^`, unary minus, `#t`, `t[i]`, tostring).

extension TensorBinding {
    /// A unary op without arguments (`t:exp()`).
    private static func unary(_ name: String, _ summary: String, _ body: @escaping (Tensor) throws -> Tensor) -> TensorOp {
        TensorOp(name, "t:\(name)() -> Tensor\n\(summary)") { call, t in
            try call.expectArguments(atMost: 1)
            return push(call, try body(t))
        }
    }

    /// A broadcasting binary op taking a tensor or a number.
    private static func binary(_ name: String, _ summary: String,
                               tensor: @escaping (Tensor, Tensor) throws -> Tensor,
                               scalar: @escaping (Tensor, Float) throws -> Tensor) -> TensorOp {
        TensorOp(name, "t:\(name)(other) -> Tensor\n\(summary) `other` is a tensor (broadcast with t) or a number.") { call, t in
            try call.expectArguments(atMost: 2)
            switch try operand(call, 2) {
            case .tensor(let o): return push(call, try tensor(t, o))
            case .scalar(let s): return push(call, try scalar(t, s))
            }
        }
    }

    nonisolated(unsafe) static let elementwiseOps: [TensorOp] = [
        unary("neg", "Elementwise -t.") { try $0.neg() },
        unary("abs", "Elementwise |t|.") { try $0.abs() },
        unary("exp", "Elementwise e^t.") { try $0.exp() },
        unary("log", "Elementwise natural logarithm (nan below 0, -inf at 0).") { try $0.log() },
        unary("log1p", "Elementwise log(1 + t), accurate near 0.") { try $0.log1p() },
        unary("sqrt", "Elementwise square root.") { try $0.sqrt() },
        unary("rsqrt", "Elementwise 1 / sqrt(t).") { try $0.rsqrt() },
        unary("square", "Elementwise t^2.") { try $0.square() },
        unary("reciprocal", "Elementwise 1 / t.") { try $0.reciprocal() },
        unary("sin", "Elementwise sine.") { try $0.sin() },
        unary("cos", "Elementwise cosine.") { try $0.cos() },
        unary("tanh", "Elementwise hyperbolic tangent.") { try $0.tanh() },
        unary("sigmoid", "Elementwise 1 / (1 + e^-t).") { try $0.sigmoid() },
        unary("relu", "Elementwise max(t, 0).") { try $0.relu() },
        unary("silu", "Elementwise t * sigmoid(t) (swish).") { try $0.silu() },
        unary("sign", "Elementwise sign: -1, 0 or 1 (no gradient).") { try $0.sign() },
        unary("floor", "Elementwise floor (no gradient).") { try $0.floor() },
        unary("round", "Elementwise rounding half to even (no gradient).") { try $0.round() },
        TensorOp("gelu", """
            t:gelu([approximate]) -> Tensor
            Gaussian error linear unit: exact with the error function (approximate "none", the
            default) or the tanh approximation of GPT-2 (approximate "tanh").
            """) { call, t in
            try call.expectArguments(atMost: 2)
            let name = try call.optionalString(2) ?? "none"
            guard let approximation = Tensor.GeluApproximation(rawValue: name) else {
                throw call.argumentError(2, "approximate must be \"none\" or \"tanh\", got \"\(name)\"")
            }
            return push(call, try t.gelu(approximate: approximation))
        },
        TensorOp("clamp", """
            t:clamp([min [, max]]) -> Tensor
            Elementwise clamp into [min, max]; either bound may be nil (no bound on that side).
            """) { call, t in
            try call.expectArguments(atMost: 3)
            return push(call, try t.clamp(min: try optionalFloat(call, 2), max: try optionalFloat(call, 3)))
        },
        TensorOp("pow", """
            t:pow(exponent) -> Tensor
            Elementwise t^exponent; the exponent is a number or a tensor (broadcast). Also t ^ e and
            2 ^ t (a number base).
            """) { call, t in
            try call.expectArguments(atMost: 2)
            switch try operand(call, 2) {
            case .tensor(let e): return push(call, try t.pow(e))
            case .scalar(let p): return push(call, try t.pow(p))
            }
        },
        binary("add", "Broadcasting t + other.", tensor: { try $0.add($1) }, scalar: { try $0.add($1) }),
        binary("sub", "Broadcasting t - other.", tensor: { try $0.sub($1) }, scalar: { try $0.sub($1) }),
        binary("mul", "Broadcasting t * other.", tensor: { try $0.mul($1) }, scalar: { try $0.mul($1) }),
        binary("div", "Broadcasting t / other.", tensor: { try $0.div($1) }, scalar: { try $0.div($1) }),
        binary("maximum", "Broadcasting elementwise maximum.",
               tensor: { try $0.maximum($1) }, scalar: { try $0.maximum(try Tensor(scalar: $1)) }),
        binary("minimum", "Broadcasting elementwise minimum.",
               tensor: { try $0.minimum($1) }, scalar: { try $0.minimum(try Tensor(scalar: $1)) }),
        binary("lt", "Mask (1 where true, else 0) of t < other.", tensor: { try $0.lt($1) }, scalar: { try $0.lt($1) }),
        binary("le", "Mask (1 where true, else 0) of t <= other.", tensor: { try $0.le($1) }, scalar: { try $0.le($1) }),
        binary("gt", "Mask (1 where true, else 0) of t > other.", tensor: { try $0.gt($1) }, scalar: { try $0.gt($1) }),
        binary("ge", "Mask (1 where true, else 0) of t >= other.", tensor: { try $0.ge($1) }, scalar: { try $0.ge($1) }),
        binary("eq", "Mask (1 where true, else 0) of t == other.", tensor: { try $0.eq($1) }, scalar: { try $0.eq($1) }),
        binary("ne", "Mask (1 where true, else 0) of t ~= other.", tensor: { try $0.ne($1) }, scalar: { try $0.ne($1) }),
        TensorOp("matmul", """
            t:matmul(other) -> Tensor
            Matrix product with PyTorch's rules: 1-D x 1-D is a dot product, 2-D x 2-D a matrix
            product, and leading dims of 3-D and higher operands are broadcast batch dims.
            """) { call, t in
            try call.expectArguments(atMost: 2)
            return push(call, try t.matmul(try tensorArgument(call, 2)))
        },
        TensorOp("softmax", """
            t:softmax([dim]) -> Tensor
            exp(t) / sum(exp(t)) along dim (default -1, the last), computed stably.
            """) { call, t in
            try call.expectArguments(atMost: 2)
            return push(call, try t.softmax(dim: call.isNone(2) ? max(t.ndim - 1, 0) : try dim(call, 2, t)))
        },
        TensorOp("log_softmax", """
            t:log_softmax([dim]) -> Tensor
            log(softmax(t, dim)) along dim (default -1), computed without forming softmax.
            """) { call, t in
            try call.expectArguments(atMost: 2)
            return push(call, try t.logSoftmax(dim: call.isNone(2) ? max(t.ndim - 1, 0) : try dim(call, 2, t)))
        },
    ]

    // MARK: - Metamethods

    /// An arithmetic operator with a tensor on either side.
    private static func arithmetic(_ symbol: String,
                                   _ both: @escaping (Tensor, Tensor) throws -> Tensor,
                                   _ right: @escaping (Tensor, Float) throws -> Tensor,
                                   _ left: @escaping (Float, Tensor) throws -> Tensor) -> (LuaCall) throws -> Int32 {
        { call in
            let a = try operand(call, 1), b = try operand(call, 2)
            switch (a, b) {
            case (.tensor(let x), .tensor(let y)): return push(call, try both(x, y))
            case (.tensor(let x), .scalar(let s)): return push(call, try right(x, s))
            case (.scalar(let s), .tensor(let y)): return push(call, try left(s, y))
            case (.scalar, .scalar): throw call.error("operator \(symbol) needs a Tensor operand")
            }
        }
    }

    nonisolated(unsafe) static let metamethods: [String: (LuaCall) throws -> Int32] = [
        "__add": arithmetic("+", { try $0.add($1) }, { try $0.add($1) }, { try $1.add($0) }),
        "__sub": arithmetic("-", { try $0.sub($1) }, { try $0.sub($1) }, { try $1.rsub($0) }),
        "__mul": arithmetic("*", { try $0.mul($1) }, { try $0.mul($1) }, { try $1.mul($0) }),
        "__div": arithmetic("/", { try $0.div($1) }, { try $0.div($1) }, { try $1.rdiv($0) }),
        "__pow": arithmetic("^", { try $0.pow($1) }, { try $0.pow($1) }, { try Tensor.pow($0, $1) }),
        "__unm": { call in push(call, try call.object(1, luaClass).neg()) },
        "__len": { call in
            let t = try call.object(1, luaClass)
            guard t.ndim > 0 else { throw call.error("a 0-d tensor has no length; use t:item()") }
            return call.returns(.integer(Int64(t.shape[0])))
        },
        "__tostring": { call in call.returns(.string(try call.object(1, luaClass).description)) },
        "__newindex": { call in
            // t[i] = value: fills (number) or copies into (tensor) the i-th sub-tensor along dim 1.
            let t = try call.object(1, luaClass)
            guard t.ndim > 0 else { throw call.error("cannot index a 0-d tensor") }
            guard let i = integer(call.value(2)) else {
                throw call.argumentError(2, "tensor fields cannot be set; only t[i] = value with an integer i")
            }
            let row = try t.select(0, try index(call, 2, value: i, size: t.shape[0], dimLabel: "dim 1"))
            switch try operand(call, 3) {
            case .tensor(let src): _ = try row.copy_(src)
            case .scalar(let s): _ = try row.fill_(s)
            }
            return 0
        },
    ]

    /// `t[i]` (the i-th sub-tensor along dim 1, a view) and the properties
    /// shape, grad, is_leaf, grad_fn, needs_grad and ndim.
    static func index(_ call: LuaCall, _ t: Tensor) throws -> Int32 {
        if let i = integer(call.value(2)) {
            guard t.ndim > 0 else { throw call.error("cannot index a 0-d tensor; use t:item()") }
            return push(call, try t.select(0, try index(call, 2, value: i, size: t.shape[0], dimLabel: "dim 1")))
        }
        switch call.stack.string(at: 2) {
        case "shape": return call.returns(.table(LuaTableValue(array: t.shape.map { .integer(Int64($0)) })))
        case "ndim": return call.returns(.integer(Int64(t.ndim)))
        case "grad":
            guard let g = t.grad else { return call.returns(.nil) }
            return push(call, g)
        case "is_leaf": return call.returns(.boolean(t.isLeaf))
        case "needs_grad": return call.returns(.boolean(t.requiresGrad))
        case "grad_fn": return call.returns(t.gradFnName.map { .string($0) } ?? .nil)
        default: return 0
        }
    }
}
