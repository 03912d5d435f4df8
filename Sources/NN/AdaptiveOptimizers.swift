import Foundation
import Tensor

/// RMSProp as torch.optim.RMSprop (no centering): a running average of
/// squared gradients scales each step.
public final class RMSProp: OptimizerBase, Optimizer {
    public let alpha: Float
    public let eps: Float
    public let momentum: Float
    public let weightDecay: Float

    public init(_ parameters: [Tensor], lr: Float = 1e-2, alpha: Float = 0.99, eps: Float = 1e-8,
                momentum: Float = 0, weightDecay: Float = 0) throws {
        guard (0..<1).contains(alpha) else { throw NNError.invalidArgument("RMSProp: alpha must be in [0, 1), got \(alpha)") }
        self.alpha = alpha
        self.eps = eps
        self.momentum = momentum
        self.weightDecay = weightDecay
        try super.init(parameters, learningRate: lr, name: "RMSProp")
    }

    public func step() throws {
        try forEachGradient(decay: weightDecay) { i, p, g in
            let square = try buffer("square_avg", i, like: p).mul_(alpha).addcmul_(g, g, value: 1 - alpha)
            let denominator = try square.sqrt() + eps
            if momentum > 0 {
                let buf = try buffer("momentum", i, like: p).mul_(momentum).addcdiv_(g, denominator)
                _ = try p.sub_(buf, alpha: learningRate)
            } else {
                _ = try p.addcdiv_(g, denominator, value: -learningRate)
            }
        }
    }
}

/// AdaGrad as torch.optim.Adagrad: the sum of all squared gradients so far
/// scales each step.
public final class AdaGrad: OptimizerBase, Optimizer {
    public let eps: Float
    public let weightDecay: Float

    public init(_ parameters: [Tensor], lr: Float = 1e-2, eps: Float = 1e-10, weightDecay: Float = 0) throws {
        self.eps = eps
        self.weightDecay = weightDecay
        try super.init(parameters, learningRate: lr, name: "AdaGrad")
    }

    public func step() throws {
        try forEachGradient(decay: weightDecay) { i, p, g in
            let sum = try buffer("sum", i, like: p).addcmul_(g, g, value: 1)
            _ = try p.addcdiv_(g, try sum.sqrt() + eps, value: -learningRate)
        }
    }
}

/// A learning-rate schedule: the rate for a 0-based step.
public enum LearningRateSchedule: Equatable {
    /// Multiply by `gamma` every `every` steps.
    case step(base: Float, every: Int, gamma: Float)
    /// Linear warm-up from 0 over `warmup` steps, then a cosine decay to
    /// `minimum` at `total` steps (constant after).
    case cosine(base: Float, warmup: Int, total: Int, minimum: Float)

    public func rate(at step: Int) -> Float {
        switch self {
        case let .step(base, every, gamma):
            return base * Float(pow(Double(gamma), Double(step / max(1, every))))
        case let .cosine(base, warmup, total, minimum):
            if step < warmup { return base * Float(step + 1) / Float(warmup) }
            let span = max(1, total - warmup)
            let progress = min(1, Float(step - warmup) / Float(span))
            return minimum + (base - minimum) * 0.5 * (1 + Float(cos(Double.pi * Double(progress))))
        }
    }
}
