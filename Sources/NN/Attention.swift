import Foundation
import Tensor

/// Multi-head self-attention, batch first ([B, T, D] in and out), with an
/// optional causal mask and key-padding mask ([B, T], 1 where a key is
/// padding). Projections are separate Linear layers named q, k, v, out.
public final class MultiHeadAttention: Module {
    public let dim: Int
    public let heads: Int
    public let causal: Bool
    let q: Linear, k: Linear, v: Linear, out: Linear

    public init(dim: Int, heads: Int, causal: Bool = false, generator: Generator? = nil) throws {
        guard heads > 0, dim > 0, dim % heads == 0 else {
            throw NNError.invalidArgument("MultiHeadAttention: dim \(dim) must be a positive multiple of heads \(heads)")
        }
        self.dim = dim
        self.heads = heads
        self.causal = causal
        q = try Linear(dim, dim, generator: generator)
        k = try Linear(dim, dim, generator: generator)
        v = try Linear(dim, dim, generator: generator)
        out = try Linear(dim, dim, generator: generator)
        super.init()
        try register(children: [("q", q), ("k", k), ("v", v), ("out", out)])
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try forward(input, keyPadding: nil)
    }

    public func forward(_ input: Tensor, keyPadding: Tensor?) throws -> Tensor {
        guard input.ndim == 3, input.shape[2] == dim else {
            throw NNError.invalidArgument("MultiHeadAttention: expected input [batch, time, \(dim)], got \(input.shape)")
        }
        let (b, t) = (input.shape[0], input.shape[1])
        let headDim = dim / heads
        // [B, T, D] -> [B, H, T, hd]
        func split(_ x: Tensor) throws -> Tensor { try x.reshape([b, t, heads, headDim]).permute([0, 2, 1, 3]) }
        let (qh, kh, vh) = (try split(q(input)), try split(k(input)), try split(v(input)))
        if let keyPadding, keyPadding.shape != [b, t] {
            throw NNError.invalidArgument("MultiHeadAttention: key padding mask must be [\(b), \(t)], got \(keyPadding.shape)")
        }
        let attended = try Tensor.scaledDotProductAttention(qh, kh, vh, causal: causal, keyPadding: keyPadding)
        return try out(try attended.permute([0, 2, 1, 3]).reshape([b, t, dim]))
    }

    public override var summary: String { "MultiHeadAttention(dim=\(dim), heads=\(heads)\(causal ? ", causal" : ""))" }
}

/// A pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x))
/// with a GELU MLP of width 4*dim.
public final class TransformerBlock: Module {
    let ln1: LayerNorm, attention: MultiHeadAttention, ln2: LayerNorm, mlp: Sequential

    public init(dim: Int, heads: Int, causal: Bool = true, dropout: Float = 0, generator: Generator? = nil) throws {
        ln1 = try LayerNorm(dim)
        attention = try MultiHeadAttention(dim: dim, heads: heads, causal: causal, generator: generator)
        ln2 = try LayerNorm(dim)
        var layers: [any Layer] = [try Linear(dim, 4 * dim, generator: generator), Activation(.gelu),
                                   try Linear(4 * dim, dim, generator: generator)]
        if dropout > 0 { layers.append(try Dropout(dropout, generator: generator)) }
        mlp = try Sequential(layers)
        super.init()
        try register(children: [("ln1", ln1), ("attn", attention), ("ln2", ln2), ("mlp", mlp)])
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        let x = try input + attention(try ln1(input))
        return try x + mlp(try ln2(x))
    }
}

/// 1-D convolution over [B, C_in, L] (metric series as channels), with
/// stride and zero padding; weight [C_out, C_in, K] as in PyTorch.
public final class Conv1d: Module {
    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    public private(set) var weight: Tensor!
    public private(set) var bias: Tensor?

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, generator: Generator? = nil) throws {
        guard inChannels > 0, outChannels > 0, kernel > 0, stride > 0, padding >= 0 else {
            throw NNError.invalidArgument("Conv1d: channels, kernel and stride must be positive and padding non-negative")
        }
        let (fanIn, overflow) = inChannels.multipliedReportingOverflow(by: kernel)
        guard !overflow, !outChannels.multipliedReportingOverflow(by: fanIn).overflow else {
            throw NNError.invalidArgument("Conv1d: \(outChannels) x \(inChannels) x \(kernel) weights is too many")
        }
        (self.inChannels, self.outChannels, self.kernel, self.stride, self.padding) = (inChannels, outChannels, kernel, stride, padding)
        super.init()
        let bound = 1 / Float(inChannels * kernel).squareRoot()
        weight = try register(parameter: Init.uniform([outChannels, inChannels, kernel], -bound, bound, generator: generator), named: "weight")
        if bias { self.bias = try register(parameter: Init.uniform([outChannels], -bound, bound, generator: generator), named: "bias") }
    }

    /// Unfolds the input into [B, L_out, C_in*K] windows and multiplies by the
    /// flattened kernel: differentiable through existing ops, no new backward.
    public override func forward(_ input: Tensor) throws -> Tensor {
        guard input.ndim == 3, input.shape[1] == inChannels else {
            throw NNError.invalidArgument("Conv1d: expected input [batch, \(inChannels), length], got \(input.shape)")
        }
        var x = input
        if padding > 0 {
            let zeros = try Tensor.zeros([input.shape[0], inChannels, padding])
            x = try Tensor.cat([zeros, input, zeros], dim: 2)
        }
        let length = x.shape[2]
        guard length >= kernel else {
            throw NNError.invalidArgument("Conv1d: input length \(input.shape[2]) (+ padding) is shorter than the kernel \(kernel)")
        }
        let outLength = (length - kernel) / stride + 1
        let windows = try (0..<outLength).map { i in try x.slice(2, i * stride, i * stride + kernel).reshape([x.shape[0], 1, inChannels * kernel]) }
        let unfolded = try Tensor.cat(windows, dim: 1)
        var y = try unfolded.matmul(try weight.reshape([outChannels, inChannels * kernel]).t())   // [B, L_out, C_out]
        if let bias { y = try y + bias }
        return try y.permute([0, 2, 1])
    }

    public override var summary: String { "Conv1d(\(inChannels) -> \(outChannels), kernel=\(kernel), stride=\(stride), padding=\(padding))" }
}
