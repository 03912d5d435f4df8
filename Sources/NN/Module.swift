import Tensor

/// Anything that maps a tensor to a tensor and owns parameters: what the
/// workbench registers as plugin kind `layer`. Built-in modules and layers
/// written in Lua both conform.
public protocol Layer: AnyObject {
    /// Runs the layer.
    func forward(_ input: Tensor) throws -> Tensor
    /// Every trainable tensor, with stable dotted names.
    func namedParameters() -> [(name: String, tensor: Tensor)]
    /// Switches training behaviour (dropout) on or off, recursively.
    func setTraining(_ training: Bool)
    /// Whether the layer is in training mode.
    var isTraining: Bool { get }
    /// Direct sub-layers with their names, for the printed tree and for
    /// reaching a child by name.
    var childLayers: [(name: String, layer: any Layer)] { get }
    /// One line naming the layer in the printed tree, e.g. `Linear(784 -> 128)`.
    var summary: String { get }
    /// How to build the layer again (its registry name and arguments), kept
    /// in checkpoints; nil for layers made without one.
    var spec: LayerSpec? { get set }
}

extension Layer {
    /// Number of trainable scalars.
    public var parameterCount: Int { namedParameters().reduce(0) { $0 + $1.tensor.count } }

    /// The parameters by name (the tensors themselves, not copies).
    public func stateDict() -> [(name: String, tensor: Tensor)] { namedParameters() }

    /// Copies `state` into the parameters. Every name must be present with
    /// the same shape; with `strict`, no extra names are allowed either.
    public func loadStateDict(_ state: [String: Tensor], strict: Bool = true) throws {
        let own = namedParameters()
        let ownNames = Set(own.map(\.name))
        var problems: [String] = []
        for (name, tensor) in own {
            guard let source = state[name] else { problems.append("missing \(name)"); continue }
            if source.shape != tensor.shape {
                problems.append("\(name): expected shape \(tensor.shape), got \(source.shape)")
            }
        }
        if strict {
            problems += state.keys.filter { !ownNames.contains($0) }.sorted().map { "unexpected \($0)" }
        }
        guard problems.isEmpty else { throw NNError.stateDict(problems) }
        try Tensor.noGrad {
            for (name, tensor) in own { if let source = state[name] { _ = try tensor.copy_(source) } }
        }
    }

    /// The layer and its children as an indented tree with parameter counts.
    /// A layer written in Lua can hold itself (or an ancestor); that child is
    /// shown as a cycle rather than followed.
    public func tree(indent: Int = 0) -> String {
        tree(indent: indent, ancestors: [])
    }

    private func tree(indent: Int, ancestors: Set<ObjectIdentifier>) -> String {
        let children = childLayers
        let total = parameterCount
        let inChildren = children.reduce(0) { $0 + $1.layer.parameterCount }
        let own = total - inChildren
        var line = summary + (own > 0 ? "  [\(own) params]" : "")
        if children.isEmpty { return line }
        line += "  [\(total) params in all]"
        let pad = String(repeating: "  ", count: indent + 1)
        let path = ancestors.union([ObjectIdentifier(self)])
        for (name, child) in children {
            let text: String
            if path.contains(ObjectIdentifier(child)) {
                text = "<cycle: \(child.summary) contains itself>"
            } else if indent + 1 >= Module.maxNestingDepth {
                text = "<deeper than \(Module.maxNestingDepth) levels>"
            } else {
                text = child.tree(indent: indent + 1, ancestors: path)
            }
            line += "\n\(pad)(\(name)): \(text)"
        }
        return line
    }
}

/// The base of built-in modules: registered parameters and children with
/// stable names, train/eval, state dicts and a printable tree.
open class Module: Layer, CustomStringConvertible {
    /// Parameters in registration order.
    public private(set) var parameters: [(name: String, tensor: Tensor)] = []
    /// Child layers in registration order.
    public private(set) var children: [(name: String, layer: any Layer)] = []
    public private(set) var training = true
    public var spec: LayerSpec?

    public init() {}

    /// Registers a trainable tensor (marked as requiring gradients).
    @discardableResult
    public func register(parameter tensor: Tensor, named name: String) throws -> Tensor {
        let parameter = tensor.isLeaf && tensor.requiresGrad ? tensor : try tensor.detach().requiresGrad()
        parameters.append((name, parameter))
        return parameter
    }

    /// Registers a child whose parameters appear as `name.<theirs>`.
    /// Refuses a child that would make the tree deeper than
    /// `maxNestingDepth` or that contains this module: every walk of a tree
    /// (forward, parameters, train/eval, printing, releasing it) recurses
    /// once per level.
    public func register(child: any Layer, named name: String) throws {
        let childDepth = try nestingDepth(of: child, inside: [ObjectIdentifier(self)])
        guard childDepth < Module.maxNestingDepth else {
            throw NNError.invalidArgument("\(typeName): modules may nest at most \(Module.maxNestingDepth) levels deep")
        }
        depth = max(depth, childDepth + 1)
        children.append((name, child))
    }

    /// Registers children in order, as `register(child:named:)` each.
    public func register(children: [(name: String, layer: any Layer)]) throws {
        for (name, layer) in children { try register(child: layer, named: name) }
    }

    /// The deepest a module tree may be. Real models nest a handful of
    /// levels; this bound keeps every recursive walk far from the end of a
    /// thread's stack.
    public static let maxNestingDepth = 256

    /// Levels of modules in this tree, itself included (1 for a leaf), as of
    /// the registration of its children.
    public private(set) var depth = 1

    /// Subclasses compute their output here.
    open func forward(_ input: Tensor) throws -> Tensor {
        throw NNError.notImplemented("\(typeName).forward")
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor { try forward(input) }

    /// A tensor shared by two children (a tied embedding and output head)
    /// is listed once, under its first name, so an optimizer steps it once.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var all = parameters
        var seen = Set(all.map { ObjectIdentifier($0.tensor) })
        for (childName, child) in children {
            for (name, tensor) in child.namedParameters() where seen.insert(ObjectIdentifier(tensor)).inserted {
                all.append(("\(childName).\(name)", tensor))
            }
        }
        return all
    }

    public func setTraining(_ training: Bool) {
        self.training = training
        for (_, child) in children { child.setTraining(training) }
    }

    public func train() { setTraining(true) }
    public func eval() { setTraining(false) }

    public var isTraining: Bool { training }
    public var childLayers: [(name: String, layer: any Layer)] { children }

    /// The name shown in the printed tree, e.g. `Linear(784 -> 128)`.
    open var summary: String { typeName }

    var typeName: String { String(describing: type(of: self)) }

    public var description: String { tree() }
}

/// Levels in the tree under `layer`, itself included. A built-in module
/// knows its own; other layers (written in Lua) are walked, refusing a tree
/// that contains one of `ancestors` (a cycle) or is too deep.
func nestingDepth(of layer: any Layer, inside ancestors: Set<ObjectIdentifier>) throws -> Int {
    let id = ObjectIdentifier(layer)
    guard !ancestors.contains(id) else {
        throw NNError.invalidArgument("\(layer.summary) would contain itself")
    }
    if let module = layer as? Module { return module.depth }
    guard ancestors.count < Module.maxNestingDepth else {
        throw NNError.invalidArgument("modules may nest at most \(Module.maxNestingDepth) levels deep")
    }
    var deepest = 0
    for (_, child) in layer.childLayers {
        deepest = max(deepest, try nestingDepth(of: child, inside: ancestors.union([id])))
    }
    return deepest + 1
}

/// Errors of the NN library that are not tensor errors.
public enum NNError: Error, Equatable, CustomStringConvertible {
    case notImplemented(String)
    case stateDict([String])
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .notImplemented(let what): return "\(what) is not implemented"
        case .stateDict(let problems): return "load_state_dict: " + problems.joined(separator: "; ")
        case .invalidArgument(let why): return why
        }
    }
}
