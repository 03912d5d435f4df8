import Tensor

/// An element-wise (or last-dim) function as a module, for Sequential.
public final class Activation: Module {
    /// Which function.
    public enum Kind: String, CaseIterable, Sendable {
        case relu = "ReLU", gelu = "GELU", geluTanh = "GELU(tanh)", silu = "SiLU", tanh = "Tanh",
             sigmoid = "Sigmoid", softmax = "Softmax"
    }
    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public override func forward(_ input: Tensor) throws -> Tensor {
        switch kind {
        case .relu: return try input.relu()
        case .gelu: return try input.gelu()
        case .geluTanh: return try input.gelu(approximate: .tanh)
        case .silu: return try input.silu()
        case .tanh: return try input.tanh()
        case .sigmoid: return try input.sigmoid()
        case .softmax: return try input.softmax(dim: -1)
        }
    }

    public override var summary: String { kind.rawValue }
}

/// Seeded initialisers, named as in torch.nn.init.
public enum Init {
    public static func uniform(_ shape: [Int], _ low: Float, _ high: Float, generator: Generator? = nil) throws -> Tensor {
        try Tensor.rand(shape, generator: generator) * (high - low) + low
    }

    public static func normal(_ shape: [Int], std: Float, generator: Generator? = nil) throws -> Tensor {
        try Tensor.randn(shape, generator: generator) * std
    }

    /// fan_in and fan_out of a weight of shape [out, in, ...].
    static func fans(_ shape: [Int]) throws -> (fanIn: Int, fanOut: Int) {
        guard shape.count >= 2 else { throw NNError.invalidArgument("init: fan in/out need at least 2 dims, got \(shape)") }
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    public static func xavierUniform(_ shape: [Int], gain: Float = 1, generator: Generator? = nil) throws -> Tensor {
        let (fanIn, fanOut) = try fans(shape)
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        return try uniform(shape, -bound, bound, generator: generator)
    }

    public static func xavierNormal(_ shape: [Int], gain: Float = 1, generator: Generator? = nil) throws -> Tensor {
        let (fanIn, fanOut) = try fans(shape)
        return try normal(shape, std: gain * (2 / Float(fanIn + fanOut)).squareRoot(), generator: generator)
    }

    /// He initialisation for ReLU networks (fan_in mode, gain sqrt(2)).
    public static func kaimingUniform(_ shape: [Int], generator: Generator? = nil) throws -> Tensor {
        let bound = (6 / Float(try fans(shape).fanIn)).squareRoot()
        return try uniform(shape, -bound, bound, generator: generator)
    }

    public static func kaimingNormal(_ shape: [Int], generator: Generator? = nil) throws -> Tensor {
        try normal(shape, std: (2 / Float(try fans(shape).fanIn)).squareRoot(), generator: generator)
    }
}
