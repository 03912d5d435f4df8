// The fused ops optimizers and layers use: linear (input @ weight^T + bias)
// against its composition and central differences, and the fused Adam step
// against the op-by-op update.

import Foundation
import Testing
@testable import Tensor

@Suite struct LinearOpTests {
    @Test(arguments: [[5, 3], [2, 4, 3], [3], [2, 0, 3]])
    func matchesMatmulPlusBiasAndGradChecks(inputShape: [Int]) throws {
        let x = try normal(inputShape, seed: 1), w = try normal([4, 3], seed: 2), b = try normal([4], seed: 3)
        let fused = try Tensor.linear(x, w, b)
        let composed = try x.matmul(w.t()) + b
        #expect(fused.shape == composed.shape)
        for (p, q) in zip(fused.toArray(), composed.toArray()) { #expect(abs(p - q) <= 1e-5) }
        try gradCheck([x, w, b]) { try Tensor.linear($0[0], $0[1], $0[2]) }
        try gradCheck([x, w]) { try Tensor.linear($0[0], $0[1]) }
    }

    @Test func nonContiguousOperandsAndShapeErrors() throws {
        let x = try normal([3, 5]).t()          // [5, 3], transposed view
        let w = try normal([3, 4]).t()          // [4, 3], transposed view
        let fused = try Tensor.linear(x, w)
        let composed = try x.matmul(w.t())
        for (p, q) in zip(fused.toArray(), composed.toArray()) { #expect(abs(p - q) <= 1e-5) }
        #expect(throws: TensorError.self) { try Tensor.linear(try normal([2, 5]), try normal([4, 3])) }
        #expect(throws: TensorError.self) { try Tensor.linear(try normal([2, 3]), try normal([4, 3]), try normal([3])) }
        #expect(throws: TensorError.self) { try Tensor.linear(try normal([2, 3]), try normal([3])) }
    }
}

@Suite struct FusedAdamTests {
    @Test(arguments: [(Float(0), false), (0.1, false), (0.1, true)])
    func oneFusedStepEqualsTheOpByOpUpdate(weightDecay: Float, decoupled: Bool) throws {
        let (lr, b1, b2, eps): (Float, Float, Float, Float) = (1e-2, 0.9, 0.999, 1e-8)
        let p0 = try normal([7, 5], seed: 1), g = try normal([7, 5], seed: 2), m0 = try normal([7, 5], seed: 3), v0 = try normal([7, 5], seed: 4).abs()
        let step = 3
        // Op by op, as torch.optim.Adam writes it.
        let grad = decoupled || weightDecay == 0 ? g : try g + p0 * weightDecay
        let pDecayed = decoupled ? try p0 * (1 - lr * weightDecay) : p0
        let m = try m0 * b1 + grad * (1 - b1)
        let v = try v0 * b2 + grad * grad * (1 - b2)
        let c1 = 1 - Float(pow(Double(b1), Double(step))), c2 = Float((1 - pow(Double(b2), Double(step))).squareRoot())
        let expected = try pDecayed - m * (lr / c1) / (v.sqrt() / c2 + eps)

        let (p, mm, vv) = (try p0.clone(), try m0.clone(), try v0.clone())
        try Tensor.adamStep_(p, gradient: g, expAvg: mm, expAvgSq: vv, step: step, lr: lr, beta1: b1, beta2: b2,
                             eps: eps, weightDecay: weightDecay, decoupled: decoupled)
        for (a, e) in zip(p.toArray(), expected.toArray()) { #expect(abs(a - e) <= 1e-6 * max(1, abs(e))) }
        for (a, e) in zip(mm.toArray(), m.toArray()) { #expect(abs(a - e) <= 1e-6) }
        for (a, e) in zip(vv.toArray(), v.toArray()) { #expect(abs(a - e) <= 1e-6) }
    }

    @Test func refusesWhatItCannotFuseAndLeavesWithGradRules() throws {
        let p = try normal([4, 3]), g = try normal([4, 3])
        #expect(!Tensor.canFuseAdam(p, g, try normal([4, 3]).t().t(), try normal([3, 4]).t()))
        #expect(throws: TensorError.self) {
            try Tensor.adamStep_(p, gradient: g, expAvg: try normal([3]), expAvgSq: try normal([3]), step: 1,
                                 lr: 1, beta1: 0.9, beta2: 0.9, eps: 1e-8, weightDecay: 0, decoupled: false)
        }
        let leaf = try normal([4, 3]).requiresGrad()
        #expect(throws: TensorError.self) {
            try Tensor.adamStep_(leaf, gradient: g, expAvg: try Tensor.zeros([4, 3]), expAvgSq: try Tensor.zeros([4, 3]), step: 1,
                                 lr: 1, beta1: 0.9, beta2: 0.9, eps: 1e-8, weightDecay: 0, decoupled: false)
        }
    }
}

@Suite struct AttentionOpTests {
    /// The attention written with tensor ops, as the fused op must compute it.
    func composed(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool, padding: Tensor?) throws -> Tensor {
        let (b, t, d) = (q.shape[0], q.shape[2], q.shape[3])
        var scores = try q.matmul(try k.transpose(-2, -1)) / Float(d).squareRoot()
        if causal { scores = try scores.maskedFill(try Tensor.ones([t, t]).triu(1), -.infinity) }
        if let padding { scores = try scores.maskedFill(try padding.reshape([b, 1, 1, t]), -.infinity) }
        return try scores.softmax(dim: -1).matmul(v)
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func matchesTheComposedOpsForwardAndBackward(causal: Bool, padded: Bool) throws {
        let q = try normal([2, 3, 5, 4], seed: 1), k = try normal([2, 3, 5, 4], seed: 2), v = try normal([2, 3, 5, 4], seed: 3)
        let padding = padded ? try Tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 1]] as [[Float]]) : nil
        let fused = try Tensor.scaledDotProductAttention(q, k, v, causal: causal, keyPadding: padding)
        let reference = try composed(q, k, v, causal: causal, padding: padding)
        for (a, e) in zip(fused.toArray(), reference.toArray()) { #expect(abs(a - e) <= 1e-5) }
        try gradCheck([q, k, v]) { try Tensor.scaledDotProductAttention($0[0], $0[1], $0[2], causal: causal, keyPadding: padding) }
    }

    @Test func stridedInputsAndErrors() throws {
        // Heads split from [B, T, D] by a permute, as attention layers do.
        let x = try normal([2, 5, 6], seed: 4)
        let heads = try x.reshape([2, 5, 2, 3]).permute([0, 2, 1, 3])
        let fused = try Tensor.scaledDotProductAttention(heads, heads, heads, causal: true)
        let reference = try composed(heads, heads, heads, causal: true, padding: nil)
        for (a, e) in zip(fused.toArray(), reference.toArray()) { #expect(abs(a - e) <= 1e-5) }
        #expect(throws: TensorError.self) { try Tensor.scaledDotProductAttention(x, x, x) }
        #expect(throws: TensorError.self) { try Tensor.scaledDotProductAttention(heads, heads, try normal([2, 2, 5, 4])) }
        #expect(throws: TensorError.self) { try Tensor.scaledDotProductAttention(heads, heads, heads, keyPadding: try Tensor.zeros([2, 4])) }
    }
}

@Suite struct LayerNormOpTests {
    @Test(arguments: [[3, 5], [2, 3, 4], [6]])
    func matchesTheComposedOpsAndGradChecks(shape: [Int]) throws {
        let x = try normal(shape, seed: 5), w = try normal([shape.last!], seed: 6), b = try normal([shape.last!], seed: 7)
        let fused = try Tensor.layerNorm(x, weight: w, bias: b, eps: 1e-5)
        let centered = try x - x.mean([-1], keepdim: true)
        let reference = try centered * (centered.square().mean([-1], keepdim: true) + 1e-5).rsqrt() * w + b
        for (a, e) in zip(fused.toArray(), reference.toArray()) { #expect(abs(a - e) <= 1e-5) }
        try gradCheck([x, w, b]) { try Tensor.layerNorm($0[0], weight: $0[1], bias: $0[2], eps: 1e-5) }
    }

    @Test func shapeErrorsAndEmptyRows() throws {
        #expect(throws: TensorError.self) { try Tensor.layerNorm(try normal([2, 3]), weight: try normal([4]), bias: try normal([3]), eps: 1e-5) }
        let empty = try Tensor.layerNorm(try Tensor.zeros([0, 3]), weight: try normal([3]), bias: try normal([3]), eps: 1e-5)
        #expect(empty.shape == [0, 3])
    }
}
