import Foundation
import Tensor

/// Updates parameters from their gradients. Built-in optimizers and those
/// written in Lua (plugin kind `optimizer`) conform.
public protocol Optimizer: AnyObject {
    /// The parameters being optimised.
    var parameters: [Tensor] { get }
    /// The step size; learning-rate schedules set it between steps.
    var learningRate: Float { get set }
    /// One update from the current gradients.
    func step() throws
    /// Per-parameter state (moments, step counts) for exact resumption.
    func stateDict() -> [String: Tensor]
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    /// Clears the gradients of every parameter.
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }
}

/// Shared bookkeeping: learning rate, state tensors by "i.name" keys.
public class OptimizerBase {
    public let parameters: [Tensor]
    /// The learning rate; schedules change it between steps.
    public var learningRate: Float
    var state: [String: Tensor] = [:]
    var steps: Int = 0

    init(_ parameters: [Tensor], learningRate: Float, name: String) throws {
        guard learningRate >= 0, learningRate.isFinite else {
            throw NNError.invalidArgument("\(name): lr must be a non-negative number, got \(learningRate)")
        }
        guard !parameters.isEmpty else { throw NNError.invalidArgument("\(name): no parameters to optimise") }
        self.parameters = parameters
        self.learningRate = learningRate
    }

    /// Runs `update` without recording gradients for every parameter that
    /// has a gradient, passing the gradient with L2 weight decay (`decay`
    /// times the parameter) already added: the loop every optimizer shares.
    func forEachGradient(decay: Float, _ update: (_ index: Int, _ parameter: Tensor, _ gradient: Tensor) throws -> Void) throws {
        steps += 1
        try Tensor.noGrad {
            for (i, p) in parameters.enumerated() {
                guard let g = p.grad else { continue }
                try update(i, p, decay != 0 ? try g + p * decay : g)
            }
        }
    }

    func buffer(_ name: String, _ index: Int, like p: Tensor) throws -> Tensor {
        let key = "\(index).\(name)"
        if let existing = state[key] { return existing }
        let fresh = try Tensor.zeros(p.shape)
        state[key] = fresh
        return fresh
    }

    public func stateDict() -> [String: Tensor] {
        var all = state
        all["step"] = try? Tensor(scalar: Float(steps))
        return all
    }

    public func loadStateDict(_ dict: [String: Tensor]) throws {
        for (key, tensor) in dict where key != "step" {
            guard let index = Int(key.split(separator: ".").first ?? ""), parameters.indices.contains(index),
                  tensor.shape == parameters[index].shape else {
                throw NNError.invalidArgument("optimizer load_state_dict: \(key) does not match the parameters")
            }
        }
        // A float32 step count is exact up to 2^24; past that, or NaN, or
        // negative, it was not written by stateDict().
        let step = try dict["step"]?.item() ?? 0
        guard step >= 0, step <= 16_777_216, step == step.rounded() else {
            throw NNError.invalidArgument("optimizer load_state_dict: step must be a whole number in 0...2^24, got \(step)")
        }
        state = try dict.filter { $0.key != "step" }.mapValues { try $0.clone() }
        steps = Int(step)
    }
}

/// Stochastic gradient descent with momentum, Nesterov momentum and
/// weight decay, as torch.optim.SGD.
public final class SGD: OptimizerBase, Optimizer {
    public let momentum: Float
    public let nesterov: Bool
    public let weightDecay: Float

    public init(_ parameters: [Tensor], lr: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) throws {
        guard !nesterov || momentum > 0 else { throw NNError.invalidArgument("SGD: nesterov needs momentum > 0") }
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        try super.init(parameters, learningRate: lr, name: "SGD")
    }

    public func step() throws {
        try forEachGradient(decay: weightDecay) { i, p, decayed in
            var g = decayed
            if momentum != 0 {
                let key = "\(i).momentum"
                let buf: Tensor
                if let existing = state[key] {
                    buf = try existing.mul_(momentum).add_(g)
                } else {
                    buf = try g.clone()
                    state[key] = buf
                }
                g = nesterov ? try g + buf * momentum : buf
            }
            _ = try p.sub_(g, alpha: learningRate)
        }
    }
}

/// Adam and AdamW (decoupled weight decay), as torch.optim.Adam/AdamW.
public final class Adam: OptimizerBase, Optimizer {
    public let beta1: Float
    public let beta2: Float
    public let eps: Float
    public let weightDecay: Float
    /// AdamW: decay the weights directly instead of adding to the gradient.
    public let decoupled: Bool

    public init(_ parameters: [Tensor], lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8,
                weightDecay: Float = 0, decoupled: Bool = false) throws {
        guard (0..<1).contains(betas.0), (0..<1).contains(betas.1) else {
            throw NNError.invalidArgument("Adam: betas must be in [0, 1), got \(betas)")
        }
        beta1 = betas.0
        beta2 = betas.1
        self.eps = eps
        self.weightDecay = weightDecay
        self.decoupled = decoupled
        try super.init(parameters, learningRate: lr, name: decoupled ? "AdamW" : "Adam")
    }

    public func step() throws {
        let correction1 = 1 - Float(pow(Double(beta1), Double(steps + 1)))
        let correction2 = 1 - Float(pow(Double(beta2), Double(steps + 1)))
        // Weight decay is applied here rather than by forEachGradient so the
        // fused kernel can fold it in without a temporary.
        try forEachGradient(decay: 0) { i, p, g in
            let m = try buffer("exp_avg", i, like: p)
            let v = try buffer("exp_avg_sq", i, like: p)
            if Tensor.canFuseAdam(p, g, m, v) {
                try Tensor.adamStep_(p, gradient: g, expAvg: m, expAvgSq: v, step: steps, lr: learningRate,
                                     beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupled: decoupled)
                return
            }
            // AdamW decays the weights themselves; Adam adds the decay to the gradient.
            let grad = !decoupled && weightDecay != 0 ? try g + p * weightDecay : g
            if decoupled && weightDecay != 0 { _ = try p.mul_(1 - learningRate * weightDecay) }
            _ = try m.mul_(beta1).add_(grad, alpha: 1 - beta1)
            _ = try v.mul_(beta2).addcmul_(grad, grad, value: 1 - beta2)
            let denominator = try v.sqrt() / correction2.squareRoot() + eps
            _ = try p.addcdiv_(m, denominator, value: -learningRate / correction1)
        }
    }
}

/// Rescales all gradients together so their global L2 norm is at most
/// `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) throws -> Float {
    let grads = parameters.compactMap(\.grad)
    var total: Float = 0
    for g in grads { total += try g.square().sum().item() }
    let norm = total.squareRoot()
    if norm > maxNorm, norm > 0 {
        let scale = maxNorm / (norm + 1e-6)
        try Tensor.noGrad { for g in grads { _ = try g.mul_(scale) } }
    }
    return norm
}
