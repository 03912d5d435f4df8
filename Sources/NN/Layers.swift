import Tensor

/// y = x W^T + b, with W of shape [out, in] as in PyTorch (so state dicts
/// move between the two unchanged). Initialised like torch.nn.Linear:
/// uniform(-1/sqrt(in), 1/sqrt(in)) for both W and b.
public final class Linear: Module {
    public let inFeatures: Int
    public let outFeatures: Int
    public private(set) var weight: Tensor!
    public private(set) var bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, generator: Generator? = nil) throws {
        guard inFeatures > 0, outFeatures > 0 else {
            throw NNError.invalidArgument("Linear: in and out features must be positive, got \(inFeatures) and \(outFeatures)")
        }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        super.init()
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = try register(parameter: Init.uniform([outFeatures, inFeatures], -bound, bound, generator: generator), named: "weight")
        if bias {
            self.bias = try register(parameter: Init.uniform([outFeatures], -bound, bound, generator: generator), named: "bias")
        }
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        guard input.shape.last == inFeatures else {
            throw NNError.invalidArgument("Linear: expected input with last dim \(inFeatures), got shape \(input.shape)")
        }
        return try Tensor.linear(input, weight, bias)
    }

    public override var summary: String { "Linear(\(inFeatures) -> \(outFeatures)\(bias == nil ? ", no bias" : ""))" }
}

/// A lookup table of `count` vectors of size `dim`; input holds indices
/// (as floats) of any shape, output adds a trailing `dim`. Indices start at
/// `indexBase`: 0 as in PyTorch, 1 for Lua, whose indices all start at 1.
public final class Embedding: Module {
    public let count: Int
    public let dim: Int
    public let indexBase: Int
    public private(set) var weight: Tensor!

    public init(_ count: Int, _ dim: Int, indexBase: Int = 0, generator: Generator? = nil) throws {
        guard count > 0, dim > 0 else { throw NNError.invalidArgument("Embedding: sizes must be positive, got \(count) and \(dim)") }
        self.count = count
        self.dim = dim
        self.indexBase = indexBase
        super.init()
        weight = try register(parameter: Tensor.randn([count, dim], generator: generator), named: "weight")
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        let indices = input.toArray()
        if let bad = indices.first(where: { $0 != $0.rounded() || $0 < Float(indexBase) || $0 >= Float(indexBase + count) }) {
            throw NNError.invalidArgument("Embedding: index \(bad) is outside \(indexBase)...\(indexBase + count - 1)")
        }
        let rows = try weight.indexSelect(0, indices.map { Int($0) - indexBase })
        return try rows.reshape(input.shape + [dim])
    }

    public override var summary: String { "Embedding(\(count), \(dim))" }
}

/// What LayerNorm and RMSNorm share: a dimension, an epsilon, a learnable
/// scale over the last dimension, and the check that the input has that
/// dimension last.
public class LastDimNorm: Module {
    public let dim: Int
    public let eps: Float
    public private(set) var weight: Tensor!
    private let name: String

    init(_ name: String, dim: Int, eps: Float) throws {
        guard dim > 0 else { throw NNError.invalidArgument("\(name): dim must be positive, got \(dim)") }
        self.name = name
        self.dim = dim
        self.eps = eps
        super.init()
        weight = try register(parameter: Tensor.ones([dim]), named: "weight")
    }

    func checkLastDim(_ input: Tensor) throws {
        guard input.shape.last == dim else {
            throw NNError.invalidArgument("\(name): expected last dim \(dim), got shape \(input.shape)")
        }
    }

    public override var summary: String { "\(name)(\(dim))" }
}

/// Layer normalisation over the last dimension, with learnable scale and shift.
public final class LayerNorm: LastDimNorm {
    public private(set) var bias: Tensor!

    public init(_ dim: Int, eps: Float = 1e-5) throws {
        try super.init("LayerNorm", dim: dim, eps: eps)
        bias = try register(parameter: Tensor.zeros([dim]), named: "bias")
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try checkLastDim(input)
        return try Tensor.layerNorm(input, weight: weight, bias: bias, eps: eps)
    }
}

/// Root-mean-square normalisation over the last dimension, with a learnable scale.
public final class RMSNorm: LastDimNorm {
    public init(_ dim: Int, eps: Float = 1e-6) throws {
        try super.init("RMSNorm", dim: dim, eps: eps)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try checkLastDim(input)
        return try input * (input.square().mean([-1], keepdim: true) + eps).rsqrt() * weight
    }
}

/// Zeroes each element with probability `p` while training and scales the
/// rest by 1/(1-p); the identity in eval mode.
public final class Dropout: Module {
    public let p: Float
    let generator: Generator?

    public init(_ p: Float = 0.5, generator: Generator? = nil) throws {
        guard p >= 0, p < 1 else { throw NNError.invalidArgument("Dropout: p must be in [0, 1), got \(p)") }
        self.p = p
        self.generator = generator
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        guard training, p > 0 else { return input }
        let keep = try Tensor.rand(input.shape, generator: generator).ge(p)
        return try input * keep * (1 / (1 - p))
    }

    public override var summary: String { "Dropout(p=\(p))" }
}

/// Runs its layers in order.
public final class Sequential: Module {
    public init(_ layers: [any Layer]) throws {
        super.init()
        for (i, layer) in layers.enumerated() { try register(child: layer, named: String(i)) }
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try children.reduce(input) { try $1.layer.forward($0) }
    }
}
