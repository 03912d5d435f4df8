import LuaKit
import NN
import Plugins
import Tensor

/// How a built-in optimizer sits in the plugin registry (kind `optimizer`).
final class BuiltinOptimizer: Sendable {
    let name: String
    let doc: String
    let build: @Sendable (_ parameters: [Tensor], _ options: LuaOptions) throws -> any Optimizer

    init(_ name: String, _ doc: String, _ build: @escaping @Sendable ([Tensor], LuaOptions) throws -> any Optimizer) {
        self.name = name
        self.doc = doc
        self.build = build
    }
}

/// The options table of an optimizer constructor, with unknown keys refused.
extension LuaOptions {
    /// A float32 hyperparameter within `range`, finite.
    func float(_ key: String, _ fallback: Float, in range: ClosedRange<Double> = -.infinity ... .infinity) throws -> Float {
        let value = try number(key, default: Double(fallback), in: range)
        guard abs(value) <= Double(Float.greatestFiniteMagnitude) else {
            throw error(key, "must be a finite number, got \(luaNumberText(value))")
        }
        return Float(value)
    }

    /// A pair of float32 hyperparameters such as Adam's betas.
    func pair(_ key: String, _ fallback: (Float, Float)) throws -> (Float, Float) {
        guard let value = fields[key], !value.isNil else { return fallback }
        guard let list = value.tableValue?.array, list.count == 2,
              let a = list[0].doubleValue, let b = list[1].doubleValue, a.isFinite, b.isFinite else {
            throw error(key, "must be a list of two finite numbers, got \(value.luaText)")
        }
        return (Float(a), Float(b))
    }
}

/// A float32 setting as the Lua number a person typed: 0.05, not the
/// float's exact double value 0.050000000745058.
func luaNumber(_ value: Float) -> Double {
    Double("\(value)") ?? Double(value)
}

extension NNBinding {
    /// Pushes an optimizer as an `Optimizer` value.
    func push(_ optimizer: any Optimizer, on stack: LuaStack) {
        stack.push(optimizer as AnyObject, as: optimizerClass)
    }

    func optimizer(_ call: LuaCall, _ position: Int32) throws -> any Optimizer {
        guard let optimizer = call.stack.object(at: position, optimizerClass) as? any Optimizer else {
            throw call.typeError(position, expected: "Optimizer")
        }
        return optimizer
    }

    /// The parameters argument of a constructor: a list of tensors or a module.
    func parameterList(_ call: LuaCall, _ position: Int32) throws -> [Tensor] {
        if let layer = optionalLayer(call.stack, position) { return layer.namedParameters().map(\.tensor) }
        guard case .table(let table) = call.value(position) else {
            throw call.typeError(position, expected: "list of tensors or a Module")
        }
        var tensors: [Tensor] = []
        var seen = Set<ObjectIdentifier>()
        for (i, item) in table.array.enumerated() {
            call.stack.push(item)
            defer { call.stack.pop() }
            guard let t = call.stack.object(at: -1, TensorBinding.luaClass) else {
                throw call.argumentError(position, "item \(i + 1) must be a Tensor, got \(item.typeName)")
            }
            guard t.isLeaf, t.requiresGrad else {
                throw call.argumentError(position, "item \(i + 1) is not a leaf tensor that requires grad (t:requires_grad())")
            }
            if seen.insert(ObjectIdentifier(t)).inserted { tensors.append(t) }
        }
        guard !tensors.isEmpty else { throw call.argumentError(position, "no parameters to optimise") }
        return tensors
    }

    /// `optim.Name(params, options)` for the optimizer registered as `type`.
    func constructOptimizer(_ type: String, _ call: LuaCall) throws -> any Optimizer {
        guard let entry = workbench.registry.entry(kind: "optimizer", name: type) else {
            throw call.error("no optimizer named \"\(type)\" (optim.list() lists them)")
        }
        try call.expectArguments(atMost: 2)
        let parameters = try parameterList(call, 1)
        switch entry.implementation {
        case let builtin as BuiltinOptimizer:
            return try builtin.build(parameters, try call.options(2))
        case let plugin as LuaPlugin:
            let options = call.isNone(2) ? LuaValue.nil : .table(try call.table(2))
            return try LuaOptimizer.make(plugin: plugin, parameters: parameters, options: options, binding: self)
        default:
            throw call.error("optimizer \"\(type)\" has no constructor")
        }
    }

    func registerBuiltinOptimizers() {
        for builtin in Self.builtinOptimizers {
            registerBuiltin(kind: "optimizer", name: builtin.name, doc: builtin.doc, function: "step", implementation: builtin)
        }
    }

    static let builtinOptimizers: [BuiltinOptimizer] = [
        BuiltinOptimizer("SGD", """
            optim.SGD(params: Module|table [, {lr = 0.01, momentum = 0, nesterov = false, weight_decay = 0}]) -> Optimizer
            Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay (torch.optim.SGD).
            """) { p, o in
            try SGD(p, lr: try o.float("lr", 0.01, in: 0 ... .infinity), momentum: try o.float("momentum", 0),
                    nesterov: try o.boolean("nesterov", default: false), weightDecay: try o.float("weight_decay", 0))
        },
        BuiltinOptimizer("Adam", """
            optim.Adam(params: Module|table [, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0}]) -> Optimizer
            Adam with bias correction; weight_decay is added to the gradient (torch.optim.Adam).
            """) { p, o in
            try Adam(p, lr: try o.float("lr", 1e-3, in: 0 ... .infinity), betas: try o.pair("betas", (0.9, 0.999)),
                     eps: try o.float("eps", 1e-8), weightDecay: try o.float("weight_decay", 0))
        },
        BuiltinOptimizer("AdamW", """
            optim.AdamW(params: Module|table [, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0.01}]) -> Optimizer
            Adam with decoupled weight decay (torch.optim.AdamW).
            """) { p, o in
            try Adam(p, lr: try o.float("lr", 1e-3, in: 0 ... .infinity), betas: try o.pair("betas", (0.9, 0.999)),
                     eps: try o.float("eps", 1e-8), weightDecay: try o.float("weight_decay", 0.01), decoupled: true)
        },
        BuiltinOptimizer("RMSProp", """
            optim.RMSProp(params: Module|table [, {lr = 0.01, alpha = 0.99, eps = 1e-8, momentum = 0, weight_decay = 0}]) -> Optimizer
            Scales steps by a running average of squared gradients (torch.optim.RMSprop).
            """) { p, o in
            try RMSProp(p, lr: try o.float("lr", 0.01, in: 0 ... .infinity), alpha: try o.float("alpha", 0.99), eps: try o.float("eps", 1e-8),
                        momentum: try o.float("momentum", 0), weightDecay: try o.float("weight_decay", 0))
        },
        BuiltinOptimizer("AdaGrad", """
            optim.AdaGrad(params: Module|table [, {lr = 0.01, eps = 1e-10, weight_decay = 0}]) -> Optimizer
            Scales steps by the sum of all squared gradients so far (torch.optim.Adagrad).
            """) { p, o in
            try AdaGrad(p, lr: try o.float("lr", 0.01, in: 0 ... .infinity), eps: try o.float("eps", 1e-10), weightDecay: try o.float("weight_decay", 0))
        },
    ]

    // MARK: The Optimizer class

    func makeOptimizerClass() -> LuaClass<AnyObject> {
        let cls = LuaClass<AnyObject>("Optimizer", around: { [unowned self] call, body in try bound(call, body) })
        cls.add([
            LuaMethod("step", as: (any Optimizer).self, """
                opt:step()
                One update of every parameter that has a gradient.
                """) { _, optimizer in
                try optimizer.step()
                return 0
            },
            LuaMethod("zero_grad", as: (any Optimizer).self, """
                opt:zero_grad()
                Clears the gradients of the optimizer's parameters.
                """) { _, optimizer in
                optimizer.zeroGrad()
                return 0
            },
            LuaMethod("state_dict", as: (any Optimizer).self, """
                opt:state_dict() -> table
                Moments and step counts by name ("0.exp_avg", "step", ...), to resume training exactly.
                """) { call, optimizer in
                var fields: [String: LuaValue] = [:]
                for (name, tensor) in optimizer.stateDict() {
                    call.stack.push(tensor, as: TensorBinding.luaClass)
                    fields[name] = call.stack.value(at: -1)
                    call.stack.pop()
                }
                fields["lr"] = .number(luaNumber(optimizer.learningRate))
                call.stack.push(fields)
                return 1
            },
            LuaMethod("load_state_dict", as: (any Optimizer).self, """
                opt:load_state_dict(state: table)
                Restores what opt:state_dict() returned (moments, step count and learning rate).
                """) { call, optimizer in
                let table = try call.table(2)
                var state: [String: Tensor] = [:]
                for (name, value) in table.fields where name != "lr" {
                    call.stack.push(value)
                    defer { call.stack.pop() }
                    guard let t = call.stack.object(at: -1, TensorBinding.luaClass) else {
                        throw call.argumentError(2, "entry '\(name)' must be a Tensor, got \(value.typeName)")
                    }
                    state[name] = t
                }
                try optimizer.loadStateDict(state)
                if let lr = table["lr"].doubleValue { optimizer.learningRate = Float(lr) }
                return 0
            },
        ])
        cls.index { call, object in
            guard let optimizer = object as? any Optimizer else { return 0 }
            switch call.value(2).stringValue {
            case "lr": return call.returns(.number(luaNumber(optimizer.learningRate)))
            case "params":
                TensorBinding.pushTensors(optimizer.parameters, on: call.stack)
                return 1
            default: return 0
            }
        }
        cls.metamethod("__newindex") { [unowned self] call in
            guard let optimizer = call.stack.object(at: 1, optimizerClass) as? any Optimizer else { return 0 }
            guard call.value(2).stringValue == "lr" else {
                throw call.error("only lr can be set on an optimizer, not '\(call.value(2))'")
            }
            let lr = try call.number(3)
            guard lr >= 0, lr.isFinite else { throw call.argumentError(3, "lr must be a non-negative number, got \(lr)") }
            optimizer.learningRate = Float(lr)
            return 0
        }
        cls.metamethod("__tostring") { [unowned self] call in
            guard let optimizer = call.stack.object(at: 1, optimizerClass) as? any Optimizer else { return 0 }
            let name = (optimizer as? LuaOptimizer)?.plugin.manifest.name
                ?? ((optimizer as? Adam)?.decoupled == true ? "AdamW" : String(describing: type(of: optimizer)))
            let count = optimizer.parameters.reduce(0) { $0 + $1.count }
            return call.returns(.string("\(name)(lr=\(optimizer.learningRate), \(optimizer.parameters.count) tensors, \(count) params)"))
        }
        return cls
    }
}
