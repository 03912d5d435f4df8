import LuaKit
import NN
import Plugins
import Tensor

/// The `nn`, `optim` and `data` modules of one workbench: the Lua classes of
/// modules, optimizers and loaders, and the constructors, all resolved
/// through the plugin registry so that built-in layers and optimizers and
/// those written in Lua are made and used the same way.
///
/// Unlike the tensor class, these classes belong to one workbench: a layer
/// or optimizer written in Lua calls back into that workbench's state, on
/// the stack of the thread (main or coroutine) that made the outer call.
final class NNBinding {
    unowned let workbench: Workbench
    /// The stack Lua layers and optimizers call back on: the one of the
    /// current call from Lua, else the main one.
    private(set) var activeStack: LuaStack
    /// Names of the constructors currently in `nn` and `optim`, so a reload
    /// can remove those whose plugin went away.
    var installedConstructors: [String: Set<String>] = [:]
    /// How many Lua layers a walk (parameters, train/eval) is inside now:
    /// Lua code can chain layers without end, and each level recurses.
    var layerWalkDepth = 0

    init(workbench: Workbench) {
        self.workbench = workbench
        activeStack = workbench.lua.stack
    }

    /// Runs `body` with Lua callbacks going to the stack of `call`, turning
    /// the library's errors into Lua errors.
    func bound<R>(_ call: LuaCall, named: Bool = true, _ body: () throws -> R) throws -> R {
        let previous = activeStack
        activeStack = call.stack
        defer { activeStack = previous }
        do {
            return try body()
        } catch let error as NNError {
            // The library's messages start with what failed (`Linear: ...`,
            // `load_state_dict: ...`), which the function's name would repeat.
            throw LuaRuntimeError(error.description, named: false)
        } catch let error as TensorError {
            throw LuaRuntimeError("\(error.op): \(error.text.rendered(.lua))", named: named)
        }
    }

    // MARK: Modules

    lazy var moduleClass: LuaClass<AnyObject> = makeModuleClass()
    lazy var optimizerClass: LuaClass<AnyObject> = makeOptimizerClass()

    /// Pushes a layer as a `Module` value.
    func push(_ layer: any Layer, on stack: LuaStack) {
        stack.push(layer as AnyObject, as: moduleClass)
    }

    func push(_ call: LuaCall, _ layer: any Layer) -> Int32 {
        push(layer, on: call.stack)
        return 1
    }

    /// The layer at `position`, if the value there is a `Module`.
    func optionalLayer(_ stack: LuaStack, _ position: Int32) -> (any Layer)? {
        stack.object(at: position, moduleClass) as? any Layer
    }

    func layer(_ call: LuaCall, _ position: Int32) throws -> any Layer {
        guard let layer = optionalLayer(call.stack, position) else {
            throw call.typeError(position, expected: "Module")
        }
        return layer
    }

    private func makeModuleClass() -> LuaClass<AnyObject> {
        let cls = LuaClass<AnyObject>("Module", around: { [unowned self] call, body in try bound(call, body) })
        cls.add([
            LuaMethod("forward", as: (any Layer).self, """
                m:forward(x: Tensor|number|table, ...) -> Tensor
                Runs the module on x (the same as m(x, ...)). MultiHeadAttention takes
                {key_padding_mask = mask} after x, mask [batch, time] with 1 where a key is padding.
                """) { [unowned self] call, layer in try forward(call, layer) },
            LuaMethod("parameters", as: (any Layer).self, """
                m:parameters() -> list of Tensor
                Every trainable tensor of the module and its children, in a stable order
                (what an optimizer takes).
                """) { call, layer in
                TensorBinding.pushList(call, layer.namedParameters().map(\.tensor))
            },
            LuaMethod("named_parameters", as: (any Layer).self, """
                m:named_parameters() -> iterator
                for name, p in m:named_parameters() do ... end: the parameters with their stable dotted
                names (the keys of state_dict and of saved checkpoints).
                """) { call, layer in
                let named = layer.namedParameters()
                var i = 0
                call.stack.push(LuaFunction("named_parameters iterator") { inner in
                    guard i < named.count else { return 0 }
                    defer { i += 1 }
                    inner.stack.push(named[i].name)
                    inner.stack.push(named[i].tensor, as: TensorBinding.luaClass)
                    return 2
                })
                return 1
            },
            LuaMethod("train", as: (any Layer).self, """
                m:train([on: boolean]) -> m
                Puts the module and its children in training mode (dropout active), or eval mode with false.
                """) { call, layer in
                layer.setTraining(try call.optionalBoolean(2) ?? true)
                call.stack.settop(1)
                return 1
            },
            LuaMethod("eval", as: (any Layer).self, """
                m:eval() -> m
                Puts the module and its children in evaluation mode (dropout off).
                """) { call, layer in
                layer.setTraining(false)
                call.stack.settop(1)
                return 1
            },
            LuaMethod("state_dict", as: (any Layer).self, """
                m:state_dict() -> table
                The parameters by dotted name ({["0.weight"] = t, ...}); the tensors themselves, not copies.
                """) { call, layer in
                var fields: [String: LuaValue] = [:]
                for (name, tensor) in layer.stateDict() {
                    call.stack.push(tensor, as: TensorBinding.luaClass)
                    fields[name] = call.stack.value(at: -1)
                    call.stack.pop()
                }
                call.stack.push(fields)
                return 1
            },
            LuaMethod("load_state_dict", as: (any Layer).self, """
                m:load_state_dict(state: table [, {strict = true}]) -> m
                Copies tensors from a table of name -> Tensor into the parameters. Every parameter must be
                present with the same shape; with strict (the default) no other names may be present.
                """) { call, layer in
                let table = try call.table(2)
                let strict = try call.options(3)
                    .boolean("strict", default: true)
                var state: [String: Tensor] = [:]
                for (name, value) in table.fields {
                    call.stack.push(value)
                    defer { call.stack.pop() }
                    guard let t = call.stack.object(at: -1, TensorBinding.luaClass) else {
                        throw call.argumentError(2, "entry '\(name)' must be a Tensor, got \(value.typeName)")
                    }
                    state[name] = t
                }
                try layer.loadStateDict(state, strict: strict)
                call.stack.settop(1)
                return 1
            },
            LuaMethod("num_params", as: (any Layer).self, """
                m:num_params() -> integer
                The number of trainable scalars in the module and its children.
                """) { call, layer in
                call.returns(.integer(Int64(layer.parameterCount)))
            },
            LuaMethod("zero_grad", as: (any Layer).self, """
                m:zero_grad()
                Clears the gradient of every parameter.
                """) { _, layer in
                for (_, p) in layer.namedParameters() { p.zeroGrad() }
                return 0
            },
            LuaMethod("children", as: (any Layer).self, """
                m:children() -> iterator
                for name, child in m:children() do ... end: the direct sub-modules with their names.
                """) { [unowned self] call, layer in
                let children = layer.childLayers
                var i = 0
                call.stack.push(LuaFunction("children iterator") { [unowned self] inner in
                    guard i < children.count else { return 0 }
                    defer { i += 1 }
                    inner.stack.push(children[i].name)
                    push(children[i].layer, on: inner.stack)
                    return 2
                })
                return 1
            },
        ])
        cls.index { [unowned self] call, object in
            guard let layer = object as? any Layer else { return 0 }
            return try index(call, layer)
        }
        cls.metamethod("__call") { [unowned self] call in
            let layer = try layer(call, 1)
            return try bound(call, named: false) { try forward(call, layer) }
        }
        cls.metamethod("__tostring") { [unowned self] call in
            guard let layer = optionalLayer(call.stack, 1) else { return 0 }
            return call.returns(.string(layer.tree()))
        }
        cls.metamethod("__len") { [unowned self] call in
            guard let layer = optionalLayer(call.stack, 1) else { return 0 }
            return call.returns(.integer(Int64(layer.childLayers.count)))
        }
        return cls
    }

    /// `m(x, ...)` and `m:forward(x, ...)`: argument 2 is the input.
    private func forward(_ call: LuaCall, _ layer: any Layer) throws -> Int32 {
        let input = try TensorBinding.tensorArgument(call, 2)
        let output: Tensor
        switch layer {
        case let attention as MultiHeadAttention:
            let options = try LuaOptions(try call.optionalTable(3), function: "MultiHeadAttention:forward", allowed: ["key_padding_mask"])
            var mask: Tensor?
            if let value = options.fields["key_padding_mask"], !value.isNil {
                call.stack.push(value)
                defer { call.stack.pop() }
                guard let t = call.stack.object(at: -1, TensorBinding.luaClass) else {
                    throw call.argumentError(3, "key_padding_mask must be a Tensor, got \(value.typeName)")
                }
                mask = t
            }
            output = try attention.forward(input, keyPadding: mask)
        case let lua as LuaLayer:
            let extra = call.argumentCount > 2 ? (3...call.argumentCount).map { call.value($0) } : []
            output = try lua.forward(input, extra: extra)
        default:
            output = try layer.forward(input)
        }
        return TensorBinding.push(call, output)
    }

    /// `m.name`: `training`, a child by name (`m.attn`; `m[1]` is the first
    /// child of a Sequential), an own parameter (`m.weight`), or a field of a
    /// Lua layer.
    private func index(_ call: LuaCall, _ layer: any Layer) throws -> Int32 {
        let key: String
        switch call.value(2) {
        case .string(let s): key = s
        case .integer(let i):
            let children = layer.childLayers
            guard i >= 1, i <= children.count else { return 0 }
            return push(call, children[Int(i) - 1].layer)
        default: return 0
        }
        if key == "training" { return call.returns(.boolean(layer.isTraining)) }
        if let lua = layer as? LuaLayer { return lua.pushField(key, on: call.stack) }
        if let child = layer.childLayers.first(where: { $0.name == key }) { return push(call, child.layer) }
        if let parameter = layer.namedParameters().first(where: { $0.name == key }) {
            return TensorBinding.push(call, parameter.tensor)
        }
        return 0
    }
}
