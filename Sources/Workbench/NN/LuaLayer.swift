import LuaKit
import NN
import Tensor

/// A layer written in Lua (plugin kind `layer`), seen by the NN library as
/// any other `Layer`: it sits in a Sequential, its parameters reach
/// optimizers and checkpoints, train/eval reach it.
///
/// Each instance is a Lua table (`self` in the plugin's functions) whose
/// metatable falls back to the plugin's table for methods. What the
/// plugin's `init` stores in it defines the layer: tensors that require
/// gradients are its parameters, modules (and lists of modules) its
/// children, each named by its field (`w1`, `blocks.0`), in sorted order.
final class LuaLayer: Layer {
    let plugin: LuaPlugin
    /// The instance table.
    let instance: LuaReference
    unowned let binding: NNBinding
    var spec: LayerSpec?
    private(set) var isTraining = true

    private init(plugin: LuaPlugin, instance: LuaReference, binding: NNBinding) {
        self.plugin = plugin
        self.instance = instance
        self.binding = binding
    }

    /// Makes an instance and runs the plugin's `init(self, ...)` with the
    /// constructor's arguments.
    static func make(plugin: LuaPlugin, arguments: LayerArguments, binding: NNBinding) throws -> LuaLayer {
        let stack = binding.activeStack
        let base = stack.top
        defer { stack.settop(base) }
        stack.pushNewTable()
        stack.push(true)
        stack.setField("training", inTableAt: -2)
        stack.pushNewTable()
        plugin.table.push(on: stack)
        stack.setField("__index", inTableAt: -2)
        stack.setMetatable(of: -2)
        let layer = LuaLayer(plugin: plugin, instance: stack.reference(at: -1), binding: binding)
        try stack.reserve(arguments.items.count + 4, for: "arguments")
        try plugin.callMethod("init", instance: layer.instance, on: stack, results: 0) {
            for argument in arguments.items { binding.push(argument, on: stack) }
            return Int32(arguments.items.count)
        }
        return layer
    }

    func forward(_ input: Tensor) throws -> Tensor {
        try forward(input, extra: [])
    }

    /// Calls the plugin's `forward(self, x, ...)`; it must return a tensor.
    func forward(_ input: Tensor, extra: [LuaValue]) throws -> Tensor {
        let stack = binding.activeStack
        let base = stack.top
        defer { stack.settop(base) }
        try stack.reserve(extra.count + 5, for: "arguments")
        try plugin.callMethod("forward", instance: instance, on: stack, results: 1) {
            stack.push(input, as: TensorBinding.luaClass)
            for value in extra { stack.push(value) }
            return Int32(extra.count) + 1
        }
        guard let output = stack.object(at: -1, TensorBinding.luaClass) else {
            let message = "layer '\(plugin.manifest.name)': forward must return a Tensor, got \(stack.typeName(at: -1))"
            _ = workbench.registry.recordFailure(kind: "layer", name: plugin.manifest.name, message: message)
            throw LuaRuntimeError(message, named: false)
        }
        return output
    }

    private var workbench: Workbench { binding.workbench }

    // MARK: What the instance holds

    /// The instance's tensors and modules by field, sorted by name; lists of
    /// modules give one child per element, named `field.0`, `field.1`, ...
    /// as PyTorch names a ModuleList.
    private func members() -> (parameters: [(String, Tensor)], children: [(String, any Layer)]) {
        let stack = binding.activeStack
        let base = stack.top
        defer { stack.settop(base) }
        instance.push(on: stack)
        guard case .table(let table) = stack.value(at: -1, maxDepth: 2) else { return ([], []) }
        var parameters: [(String, Tensor)] = []
        var children: [(String, any Layer)] = []
        func visit(_ value: LuaValue, _ name: String, allowTensor: Bool) -> Bool {
            guard case .other(let reference) = value else { return false }
            reference.push(on: stack)
            defer { stack.pop() }
            if allowTensor, let t = stack.object(at: -1, TensorBinding.luaClass) {
                if t.requiresGrad && t.isLeaf { parameters.append((name, t)) }
                return true
            }
            if let layer = binding.optionalLayer(stack, -1) {
                children.append((name, layer))
                return true
            }
            return false
        }
        for (key, value) in table.fields.sorted(by: { $0.key < $1.key }) {
            if visit(value, key, allowTensor: true) { continue }
            if case .table(let list) = value {
                for (i, item) in list.array.enumerated() { _ = visit(item, "\(key).\(i)", allowTensor: false) }
            }
        }
        return (parameters, children)
    }

    /// Set while a walk (parameters, train/eval) is inside this layer: a
    /// layer that holds itself, directly or through its children, is then
    /// met again and skipped instead of recursing without end. Its tensors
    /// are listed once, under their first name, as a tied weight's are.
    /// Chains of Lua layers deeper than Module.maxNestingDepth are cut there,
    /// as built-in modules refuse to nest deeper.
    private var walking = false

    /// Runs a walk step unless this layer is already being walked or the
    /// walk is too deep; returns nil then.
    private func walk<T>(_ body: () -> T) -> T? {
        guard !walking, binding.layerWalkDepth < Module.maxNestingDepth else { return nil }
        walking = true
        binding.layerWalkDepth += 1
        defer {
            walking = false
            binding.layerWalkDepth -= 1
        }
        return body()
    }

    func namedParameters() -> [(name: String, tensor: Tensor)] {
        walk(collectParameters) ?? []
    }

    private func collectParameters() -> [(name: String, tensor: Tensor)] {
        let (own, children) = members()
        var all = own.map { (name: $0.0, tensor: $0.1) }
        var seen = Set(all.map { ObjectIdentifier($0.tensor) })
        for (childName, child) in children {
            for (name, tensor) in child.namedParameters() where seen.insert(ObjectIdentifier(tensor)).inserted {
                all.append(("\(childName).\(name)", tensor))
            }
        }
        return all
    }

    var childLayers: [(name: String, layer: any Layer)] {
        members().children.map { (name: $0.0, layer: $0.1) }
    }

    func setTraining(_ training: Bool) {
        _ = walk { applyTraining(training) }
    }

    private func applyTraining(_ training: Bool) {
        isTraining = training
        let stack = binding.activeStack
        instance.push(on: stack)
        stack.push(training)
        stack.setField("training", inTableAt: -2)
        stack.pop()
        for (_, child) in members().children { child.setTraining(training) }
    }

    var summary: String { plugin.manifest.name }

    /// Pushes `self[key]` as Lua sees it (fields, then the plugin's
    /// functions) and returns 1, for `m.key` on the module value.
    func pushField(_ key: String, on stack: LuaStack) -> Int32 {
        let base = stack.top
        instance.push(on: stack)
        stack.getField(key, inTableAt: -1)
        if stack.isNil(at: -1) {
            plugin.table.push(on: stack)
            stack.getField(key, inTableAt: -1)
        }
        stack.keepTop(over: base)
        return 1
    }
}
