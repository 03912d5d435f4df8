import Foundation

// Fused optimizer updates. An Adam step written with tensor ops makes five
// temporaries the size of the parameter and walks memory seven times; this
// does the same arithmetic (in torch.optim.Adam's order, so results agree
// to rounding) in one pass over four buffers, as torch's fused Adam does.

extension Tensor {
    /// Whether `adamStep_` can update these tensors in one pass: all
    /// contiguous, with the parameter's shape.
    public static func canFuseAdam(_ parameter: Tensor, _ gradient: Tensor, _ expAvg: Tensor, _ expAvgSq: Tensor) -> Bool {
        [gradient, expAvg, expAvgSq].allSatisfy { $0.shape == parameter.shape && $0.isContiguous } && parameter.isContiguous
    }

    /// One Adam (or, with `decoupled`, AdamW) update of `parameter` from
    /// `gradient`, updating the moments `expAvg` and `expAvgSq` in place;
    /// `step` counts from 1. Needs `canFuseAdam`; runs with grad mode off
    /// like any optimizer update.
    public static func adamStep_(_ parameter: Tensor, gradient: Tensor, expAvg: Tensor, expAvgSq: Tensor, step: Int,
                                 lr: Float, beta1: Float, beta2: Float, eps: Float,
                                 weightDecay: Float, decoupled: Bool) throws {
        guard canFuseAdam(parameter, gradient, expAvg, expAvgSq) else {
            throw TensorError.arg("adamStep_", "parameter, gradient and moments must be contiguous and of one shape")
        }
        guard step >= 1 else { throw TensorError.arg("adamStep_", "step counts from 1, got \(step)") }
        for t in [parameter, expAvg, expAvgSq] { try t.checkInPlaceAllowed("adamStep_") }
        let correction1 = 1 - Float(Foundation.pow(Double(beta1), Double(step)))
        let correction2Root = Float((1 - Foundation.pow(Double(beta2), Double(step))).squareRoot())
        let stepSize = lr / correction1
        let coupledDecay = decoupled ? 0 : weightDecay
        let shrink = decoupled ? 1 - lr * weightDecay : 1
        let (p, g, m, v) = (parameter.base, gradient.base, expAvg.base, expAvgSq.base)
        // Eight lanes at a time (the four buffers are distinct, which the
        // compiler cannot know), the same arithmetic for the tail.
        let n = parameter.count, wide = n - n % 8
        let (b1, b2, oneMinusB1, oneMinusB2) = (F8(repeating: beta1), F8(repeating: beta2), F8(repeating: 1 - beta1), F8(repeating: 1 - beta2))
        let (decay, keep, lr8, root, eps8) = (F8(repeating: coupledDecay), F8(repeating: shrink), F8(repeating: stepSize),
                                              F8(repeating: correction2Root), F8(repeating: eps))
        var i = 0
        while i < wide {
            let pi = VMath.load(p + i)
            let grad = VMath.load(g + i) + decay * pi
            let mi = b1 * VMath.load(m + i) + oneMinusB1 * grad
            let vi = b2 * VMath.load(v + i) + oneMinusB2 * grad * grad
            VMath.store(mi, m + i)
            VMath.store(vi, v + i)
            VMath.store(pi * keep - lr8 * mi / (vi.squareRoot() / root + eps8), p + i)
            i += 8
        }
        while i < n {
            let grad = g[i] + coupledDecay * p[i]
            let mi = beta1 * m[i] + (1 - beta1) * grad
            let vi = beta2 * v[i] + (1 - beta2) * grad * grad
            m[i] = mi
            v[i] = vi
            p[i] = p[i] * shrink - stepSize * mi / (vi.squareRoot() / correction2Root + eps)
            i += 1
        }
        for t in [parameter, expAvg, expAvgSq] { t.storage.version &+= 1 }
    }
}
