import LuaKit
import Tensor

// Elementwise ops, broadcasting binary ops and comparisons (masks of 0 and
// 1, as the engine has one dtype), and matmul.

extension TensorBinding {
    /// A unary op without arguments (`t:exp()`).
    private static func unary(_ name: String, _ summary: String, _ body: @escaping (Tensor) throws -> Tensor) -> LuaMethod<Tensor> {
        LuaMethod(name, "t:\(name)() -> Tensor\n\(summary)") { call, t in
            return push(call, try body(t))
        }
    }

    /// A broadcasting binary op taking a tensor or a number.
    private static func binary(_ name: String, _ summary: String,
                               tensor: @escaping (Tensor, Tensor) throws -> Tensor,
                               scalar: @escaping (Tensor, Float) throws -> Tensor) -> LuaMethod<Tensor> {
        withOperand(name, "t:\(name)(other: Tensor|number|table) -> Tensor\n\(summary) `other` is a tensor (broadcast with t) or a number.",
                    tensor: tensor, scalar: scalar)
    }

    /// An op whose argument 2 is a tensor or a number, each with its own
    /// engine call (a number needs no broadcast tensor).
    static func withOperand(_ name: String, _ doc: String,
                            tensor: @escaping (Tensor, Tensor) throws -> Tensor,
                            scalar: @escaping (Tensor, Float) throws -> Tensor) -> LuaMethod<Tensor> {
        LuaMethod(name, doc) { call, t in
            switch try operand(call, 2) {
            case .tensor(let o): return push(call, try tensor(t, o))
            case .scalar(let s): return push(call, try scalar(t, s))
            }
        }
    }

    nonisolated(unsafe) static let elementwiseOps: [LuaMethod<Tensor>] = [
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
        LuaMethod("gelu", """
            t:gelu([approximate: string]) -> Tensor
            Gaussian error linear unit: exact with the error function (approximate "none", the
            default) or the tanh approximation of GPT-2 (approximate "tanh").
            """) { call, t in
            let name = try call.optionalString(2) ?? "none"
            guard let approximation = Tensor.GeluApproximation(rawValue: name) else {
                throw call.argumentError(2, "approximate must be \"none\" or \"tanh\", got \"\(name)\"")
            }
            return push(call, try t.gelu(approximate: approximation))
        },
        LuaMethod("clamp", """
            t:clamp([min: number [, max: number]]) -> Tensor
            Elementwise clamp into [min, max]; either bound may be nil (no bound on that side).
            """) { call, t in
            return push(call, try t.clamp(min: try optionalFloat(call, 2), max: try optionalFloat(call, 3)))
        },
        LuaMethod("pow", """
            t:pow(exponent: Tensor|number|table) -> Tensor
            Elementwise t^exponent; the exponent is a number or a tensor (broadcast). Also t ^ e and
            2 ^ t (a number base).
            """) { call, t in
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
        LuaMethod("matmul", """
            t:matmul(other: Tensor|number|table) -> Tensor
            Matrix product with PyTorch's rules: 1-D x 1-D is a dot product, 2-D x 2-D a matrix
            product, and leading dims of 3-D and higher operands are broadcast batch dims.
            """) { call, t in
            return push(call, try t.matmul(try tensorArgument(call, 2)))
        },
    ]
}
