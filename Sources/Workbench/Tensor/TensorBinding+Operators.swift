import LuaKit
import Tensor

// What acts on a tensor itself rather than making a new one from it: the
// operators (`+ - * / ^` with numbers on either side, unary minus, `#t`,
// `t[i]`, `t[i] = v`, tostring), the fields (shape, grad, ...), and the
// in-place updates, which return the tensor itself. The engine refuses
// in-place updates that would corrupt a recorded graph (a leaf that requires
// grad, or a value saved for backward); its message reaches Lua with the Lua
// spelling of no_grad (see ErrorText.Conventions.lua).

extension TensorBinding {
    /// An in-place binary op taking a tensor (broadcast to t) or a number.
    private static func inPlace(_ name: String, _ summary: String,
                                tensor: @escaping (Tensor, Tensor) throws -> Tensor,
                                scalar: @escaping (Tensor, Float) throws -> Tensor) -> LuaMethod<Tensor> {
        withOperand(name, "t:\(name)(other: Tensor|number|table) -> t\n\(summary) in place; other is a number or a tensor broadcast to t's shape.",
                    tensor: tensor, scalar: scalar)
    }

    /// add_ or sub_: a tensor scaled by alpha in one pass (what optimizers
    /// written in Lua need to match the built-ins without a temporary), or a number.
    private static func scaledInPlace(_ name: String, _ summary: String,
                                      tensor: @escaping (Tensor, Tensor, Float) throws -> Tensor,
                                      scalar: @escaping (Tensor, Float) throws -> Tensor) -> LuaMethod<Tensor> {
        LuaMethod(name, """
            t:\(name)(other: Tensor|number|table [, alpha: number]) -> t
            \(summary) in place; other is a number or a tensor broadcast to t's shape, scaled by alpha (default 1).
            """) { call, t in
            let alpha = try float(call, 3, default: 1)
            switch try operand(call, 2) {
            case .tensor(let o): return push(call, try tensor(t, o, alpha))
            case .scalar(let s): return push(call, try scalar(t, s * alpha))
            }
        }
    }

    /// addcmul_ or addcdiv_: t += value * (t1 op t2).
    private static func combinedInPlace(_ name: String, _ symbol: String,
                                        _ kernel: @escaping (Tensor, Tensor, Tensor, Float) throws -> Tensor) -> LuaMethod<Tensor> {
        LuaMethod(name, """
            t:\(name)(t1: Tensor, t2: Tensor [, value: number]) -> t
            t = t + value * t1 \(symbol) t2 in place (t1 and t2 broadcast to t's shape; value defaults to 1), in one pass.
            """) { call, t in
            push(call, try kernel(t, try tensorArgument(call, 2), try tensorArgument(call, 3), try float(call, 4, default: 1)))
        }
    }

    nonisolated(unsafe) static let inPlaceOps: [LuaMethod<Tensor>] = [
        scaledInPlace("add_", "t = t + alpha * other", tensor: { try $0.add_($1, alpha: $2) }, scalar: { try $0.add_($1) }),
        scaledInPlace("sub_", "t = t - alpha * other", tensor: { try $0.sub_($1, alpha: $2) }, scalar: { try $0.sub_($1) }),
        combinedInPlace("addcmul_", "*") { try $0.addcmul_($1, $2, value: $3) },
        combinedInPlace("addcdiv_", "/") { try $0.addcdiv_($1, $2, value: $3) },
        LuaMethod("sqrt_", "t:sqrt_() -> t\nElementwise square root in place.") { call, t in
            return push(call, try t.sqrt_())
        },
        inPlace("mul_", "t = t * other", tensor: { try $0.mul_($1) }, scalar: { try $0.mul_($1) }),
        inPlace("div_", "t = t / other", tensor: { try $0.div_($1) }, scalar: { try $0.div_($1) }),
        LuaMethod("zero_", "t:zero_() -> t\nSets every element to 0.") { call, t in
            return push(call, try t.zero_())
        },
        LuaMethod("fill_", "t:fill_(value: number) -> t\nSets every element to value.") { call, t in
            return push(call, try t.fill_(try float(call, 2)))
        },
        LuaMethod("copy_", "t:copy_(src: Tensor|number|table) -> t\nCopies src (broadcast to t's shape) into t.") { call, t in
            return push(call, try t.copy_(try tensorArgument(call, 2)))
        },
        LuaMethod("clamp_", "t:clamp_([min: number [, max: number]]) -> t\nClamps every element into [min, max] in place; either bound may be nil.") { call, t in
            return push(call, try t.clamp_(min: try optionalFloat(call, 2), max: try optionalFloat(call, 3)))
        },
    ]

    // MARK: - Metamethods

    /// An arithmetic operator with a tensor on either side.
    private static func arithmetic(_ symbol: String,
                                   _ both: @escaping (Tensor, Tensor) throws -> Tensor,
                                   _ right: @escaping (Tensor, Float) throws -> Tensor,
                                   _ left: @escaping (Float, Tensor) throws -> Tensor) -> (LuaCall) throws -> Int32 {
        { call in
            // Two tensors, the common case, without building operands.
            if let x = call.optionalObject(1, luaClass), let y = call.optionalObject(2, luaClass) {
                return push(call, try both(x, y))
            }
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
