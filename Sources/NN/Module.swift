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
}

/// The base of built-in modules: registered parameters and children with
/// stable names, train/eval, state dicts and a printable tree.
open class Module: Layer, CustomStringConvertible {
    /// Parameters in registration order.
    public private(set) var parameters: [(name: String, tensor: Tensor)] = []
    /// Child layers in registration order.
    public private(set) var children: [(name: String, layer: any Layer)] = []
    public private(set) var training = true

    public init() {}

    /// Registers a trainable tensor (marked as requiring gradients).
    @discardableResult
    public func register(parameter tensor: Tensor, named name: String) throws -> Tensor {
        let parameter = tensor.isLeaf && tensor.requiresGrad ? tensor : try tensor.detach().requiresGrad()
        parameters.append((name, parameter))
        return parameter
    }

    /// Registers a child whose parameters appear as `name.<theirs>`.
    public func register(child: any Layer, named name: String) {
        children.append((name, child))
    }

    /// Subclasses compute their output here.
    open func forward(_ input: Tensor) throws -> Tensor {
        throw NNError.notImplemented("\(typeName).forward")
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor { try forward(input) }

    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var all = parameters
        for (childName, child) in children {
            all += child.namedParameters().map { ("\(childName).\($0.name)", $0.tensor) }
        }
        return all
    }

    public func setTraining(_ training: Bool) {
        self.training = training
        for (_, child) in children { child.setTraining(training) }
    }

    public func train() { setTraining(true) }
    public func eval() { setTraining(false) }

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

    /// The name shown in the printed tree, e.g. `Linear(784 -> 128)`.
    open var summary: String { typeName }

    var typeName: String { String(describing: type(of: self)) }

    public var description: String { tree(indent: 0) }

    func tree(indent: Int) -> String {
        let own = parameters.reduce(0) { $0 + $1.tensor.count }
        var line = summary + (own > 0 ? "  [\(own) params]" : "")
        if children.isEmpty { return line }
        line += "  [\(parameterCount) params in all]"
        let pad = String(repeating: "  ", count: indent + 1)
        for (name, child) in children {
            let text = (child as? Module)?.tree(indent: indent + 1) ?? String(describing: type(of: child))
            line += "\n\(pad)(\(name)): \(text)"
        }
        return line
    }
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
