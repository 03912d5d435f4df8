import LuaKit
import Tensor

// In-place updates and autograd. In-place ops return the tensor itself; the
// engine refuses those that would corrupt a recorded graph (a leaf that
// requires grad, or a value saved for backward), and its message is passed
// on with the Lua spelling of no_grad.

extension TensorBinding {
    /// An in-place binary op taking a tensor (broadcast to t) or a number.
    private static func inPlace(_ name: String, _ summary: String,
                                tensor: @escaping (Tensor, Tensor) throws -> Tensor,
                                scalar: @escaping (Tensor, Float) throws -> Tensor) -> TensorOp {
        TensorOp(name, "t:\(name)(other) -> t\n\(summary) in place; other is a number or a tensor broadcast to t's shape.") { call, t in
            try call.expectArguments(atMost: 2)
            switch try operand(call, 2) {
            case .tensor(let o): return push(call, try tensor(t, o))
            case .scalar(let s): return push(call, try scalar(t, s))
            }
        }
    }

    nonisolated(unsafe) static let inPlaceOps: [TensorOp] = [
        inPlace("add_", "t = t + other", tensor: { try $0.add_($1) }, scalar: { try $0.add_($1) }),
        inPlace("sub_", "t = t - other", tensor: { try $0.sub_($1) }, scalar: { try $0.sub_($1) }),
        inPlace("mul_", "t = t * other", tensor: { try $0.mul_($1) }, scalar: { try $0.mul_($1) }),
        inPlace("div_", "t = t / other", tensor: { try $0.div_($1) }, scalar: { try $0.div_($1) }),
        TensorOp("zero_", "t:zero_() -> t\nSets every element to 0.") { call, t in
            try call.expectArguments(atMost: 1)
            return push(call, try t.zero_())
        },
        TensorOp("fill_", "t:fill_(value) -> t\nSets every element to value.") { call, t in
            try call.expectArguments(atMost: 2)
            return push(call, try t.fill_(try float(call, 2)))
        },
        TensorOp("copy_", "t:copy_(src) -> t\nCopies src (broadcast to t's shape) into t.") { call, t in
            try call.expectArguments(atMost: 2)
            return push(call, try t.copy_(try tensorArgument(call, 2)))
        },
        TensorOp("clamp_", "t:clamp_([min [, max]]) -> t\nClamps every element into [min, max] in place; either bound may be nil.") { call, t in
            try call.expectArguments(atMost: 3)
            return push(call, try t.clamp_(min: try optionalFloat(call, 2), max: try optionalFloat(call, 3)))
        },
    ]

    nonisolated(unsafe) static let autogradOps: [TensorOp] = [
        TensorOp("requires_grad", """
            t:requires_grad([flag]) -> t
            Marks a leaf tensor (flag true, the default) so that backward fills its .grad, or unmarks it.
            t.needs_grad reads the flag (a method and a field cannot share the name in Lua).
            """, asFunction: false) { call, t in
            try call.expectArguments(atMost: 2)
            return push(call, try t.requiresGrad(try call.optionalBoolean(2) ?? true))
        },
        TensorOp("backward", """
            t:backward([gradient])
            Adds d(t)/d(leaf) into .grad of every leaf that needs grad. gradient (shaped like t) may be
            omitted only for a one-element t. The graph is freed afterwards.
            """, asFunction: false) { call, t in
            try call.expectArguments(atMost: 2)
            try t.backward(call.isNone(2) ? nil : try tensorArgument(call, 2))
            return 0
        },
        TensorOp("zero_grad", "t:zero_grad()\nDrops the accumulated gradient (t.grad becomes nil).", asFunction: false) { call, t in
            try call.expectArguments(atMost: 1)
            t.zeroGrad()
            return 0
        },
        TensorOp("detach", "t:detach() -> Tensor\nA tensor sharing t's data, cut off from the graph (a leaf).") { call, t in
            try call.expectArguments(atMost: 1)
            return push(call, t.detach())
        },
    ]

    /// The engine's advice, in Lua's words.
    static func luaSpelling(_ message: String) -> String {
        message.replacingOccurrences(of: "Tensor.noGrad { }", with: "tensor.no_grad(fn)")
            .replacingOccurrences(of: "detach()", with: "t:detach()")
    }
}
