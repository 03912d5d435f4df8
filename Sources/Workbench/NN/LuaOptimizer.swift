import LuaKit
import NN
import Tensor

/// An optimizer written in Lua (plugin kind `optimizer`), seen by the NN
/// library as any other `Optimizer`.
///
/// Each instance is a Lua table (`self` in the plugin's functions) holding
/// `params` (the list of tensors), `lr`, `options` (the table given to the
/// constructor) and `state`, where the plugin keeps per-parameter tensors
/// as `self.state[i].name`; those make its state dict (`"0.name"` for the
/// first parameter, as the built-ins name theirs). `step(self)` runs with
/// autograd off, like the built-ins' steps.
final class LuaOptimizer: Optimizer {
    let plugin: LuaPlugin
    let instance: LuaReference
    let parameters: [Tensor]
    unowned let binding: NNBinding

    private init(plugin: LuaPlugin, instance: LuaReference, parameters: [Tensor], binding: NNBinding) {
        self.plugin = plugin
        self.instance = instance
        self.parameters = parameters
        self.binding = binding
    }

    static func make(plugin: LuaPlugin, parameters: [Tensor], options: LuaValue, binding: NNBinding) throws -> LuaOptimizer {
        let stack = binding.activeStack
        let base = stack.top
        defer { stack.settop(base) }
        let lr = options.tableValue?["lr"].doubleValue ?? 1e-3
        guard lr >= 0, lr.isFinite else { throw LuaRuntimeError("lr must be a non-negative number, got \(lr)") }
        stack.pushNewTable()
        TensorBinding.pushTensors(parameters, on: stack)
        stack.setField("params", inTableAt: -2)
        stack.push(lr)
        stack.setField("lr", inTableAt: -2)
        stack.push(options.isNil ? .table(LuaTableValue()) : options)
        stack.setField("options", inTableAt: -2)
        stack.pushNewTable()
        stack.setField("state", inTableAt: -2)
        stack.pushNewTable()
        plugin.table.push(on: stack)
        stack.setField("__index", inTableAt: -2)
        stack.setMetatable(of: -2)
        let optimizer = LuaOptimizer(plugin: plugin, instance: stack.reference(at: -1), parameters: parameters, binding: binding)
        try plugin.callMethod("init", instance: optimizer.instance, on: stack, results: 0) {
            stack.push(options.isNil ? .table(LuaTableValue()) : options)
            return 1
        }
        return optimizer
    }

    var learningRate: Float {
        get {
            let stack = binding.activeStack
            instance.push(on: stack)
            stack.getField("lr", inTableAt: -1)
            defer { stack.pop(2) }
            return Float(stack.value(at: -1).doubleValue ?? 0)
        }
        set {
            let stack = binding.activeStack
            instance.push(on: stack)
            stack.push(Double(newValue))
            stack.setField("lr", inTableAt: -2)
            stack.pop()
        }
    }

    func step() throws {
        let stack = binding.activeStack
        let base = stack.top
        defer { stack.settop(base) }
        _ = try Tensor.noGrad {
            try plugin.callMethod("step", instance: instance, on: stack, results: 0)
        }
    }

    func stateDict() -> [String: Tensor] {
        let stack = binding.activeStack
        let base = stack.top
        defer { stack.settop(base) }
        instance.push(on: stack)
        stack.getField("state", inTableAt: -1)
        guard case .table(let state) = stack.value(at: -1, maxDepth: 3) else { return [:] }
        var dict: [String: Tensor] = [:]
        for (i, entry) in state.array.enumerated() {
            guard case .table(let fields) = entry else { continue }
            for (name, value) in fields.fields {
                stack.push(value)
                if let t = stack.object(at: -1, TensorBinding.luaClass) { dict["\(i).\(name)"] = t }
                stack.pop()
            }
        }
        return dict
    }

    func loadStateDict(_ dict: [String: Tensor]) throws {
        var perParameter: [[String: Tensor]] = Array(repeating: [:], count: parameters.count)
        for (key, tensor) in dict {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let i = Int(parts[0]), perParameter.indices.contains(i) else {
                throw NNError.invalidArgument("optimizer load_state_dict: \(key) does not match the parameters")
            }
            perParameter[i][parts[1]] = try tensor.clone()
        }
        let stack = binding.activeStack
        let base = stack.top
        defer { stack.settop(base) }
        instance.push(on: stack)
        stack.pushNewTable()
        for (i, fields) in perParameter.enumerated() {
            stack.pushNewTable()
            for (name, tensor) in fields {
                stack.push(tensor, as: TensorBinding.luaClass)
                stack.setField(name, inTableAt: -2)
            }
            stack.setIndex(i + 1, inTableAt: -2)
        }
        stack.setField("state", inTableAt: -2)
    }
}
