import LuaKit
import Tensor

// Autograd from Lua: marking leaves, backward, gradients, and the grad mode
// (tensor.set_grad_enabled, and tensor.no_grad written in Lua on top of it).

extension TensorBinding {
    /// Methods with no `tensor.name(t, ...)` twin: they act on t itself as
    /// a leaf of the graph, which reads oddly as a function.
    nonisolated(unsafe) static let autogradMethods: [LuaMethod<Tensor>] = [
        LuaMethod("requires_grad", """
            t:requires_grad([flag: boolean]) -> t
            Marks a leaf tensor (flag true, the default) so that backward fills its .grad, or unmarks it.
            t.needs_grad reads the flag (a method and a field cannot share the name in Lua).
            """) { call, t in
            return push(call, try t.requiresGrad(try call.optionalBoolean(2) ?? true))
        },
        LuaMethod("requires_grad_", """
            t:requires_grad_([flag: boolean]) -> t
            PyTorch's spelling of t:requires_grad([flag]), for code ported from Python.
            """) { call, t in
            return push(call, try t.requiresGrad(try call.optionalBoolean(2) ?? true))
        },
        LuaMethod("backward", """
            t:backward([gradient: Tensor|number|table [, retain_graph: boolean]])
            Adds d(t)/d(leaf) into .grad of every leaf that needs grad. gradient (shaped like t) may be
            nil only for a one-element t. The graph is freed afterwards unless retain_graph is true
            (then backward may run through it again).
            """) { call, t in
            let gradient = call.isNone(2) ? nil : try tensorArgument(call, 2)
            try t.backward(gradient, retainGraph: try call.optionalBoolean(3) ?? false)
            return 0
        },
        LuaMethod("zero_grad", """
            t:zero_grad([set_to_none: boolean])
            Clears the accumulated gradient: t.grad becomes nil (set_to_none true, the default, as in
            PyTorch) or a tensor of zeros (set_to_none false).
            """) { call, t in
            t.zeroGrad(setToNone: try call.optionalBoolean(2) ?? true)
            return 0
        },
    ]

    nonisolated(unsafe) static let autogradOps: [LuaMethod<Tensor>] = [
        LuaMethod("detach", "t:detach() -> Tensor\nA tensor sharing t's data, cut off from the graph (a leaf).") { call, t in
            return push(call, t.detach())
        },
    ]

    nonisolated(unsafe) static let gradModeFunctions: [LuaFunction] = [
        function("set_grad_enabled", """
            tensor.set_grad_enabled(flag: boolean) -> previous
            Turns autograd recording on or off (tensor.no_grad is the safer way); returns the previous mode.
            """) { call in
            let previous = Tensor.isGradEnabled
            Tensor.setGradEnabled(try call.boolean(1))
            return call.returns(.boolean(previous))
        },
        function("is_grad_enabled", "tensor.is_grad_enabled() -> boolean\nWhether autograd records operations now.") { call in
            call.returns(.boolean(Tensor.isGradEnabled))
        },
    ]
}

extension Workbench {
    /// Defines tensor.no_grad and makes the module callable (`tensor{1, 2}`).
    func installLuaDefinedParts() throws {
        try runBundled(PackageResources.tensor_lua, name: "tensor")
        document("tensor.no_grad", """
            tensor.no_grad(fn: function, ...) -> results of fn
            Calls fn(...) with autograd recording off (like `with torch.no_grad():`), restoring the
            previous mode afterwards even when fn raises an error.
            """)
    }
}
