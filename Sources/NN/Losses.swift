import Tensor

/// Loss functions, reduced to a mean as PyTorch does by default.
public enum Loss {
    public static func mse(_ input: Tensor, _ target: Tensor) throws -> Tensor {
        try checkSameShape("mse", input, target)
        return try (input - target).square().mean()
    }

    public static func l1(_ input: Tensor, _ target: Tensor) throws -> Tensor {
        try checkSameShape("l1", input, target)
        return try (input - target).abs().mean()
    }

    /// Quadratic below `delta`, linear above (PyTorch's HuberLoss).
    public static func huber(_ input: Tensor, _ target: Tensor, delta: Float = 1) throws -> Tensor {
        try checkSameShape("huber", input, target)
        guard delta > 0 else { throw NNError.invalidArgument("huber: delta must be positive, got \(delta)") }
        let diff = try (input - target).abs()
        let quadratic = try diff.square() * 0.5
        let linear = try (diff - 0.5 * delta) * delta
        return try Tensor.where(try diff.le(delta), quadratic, linear).mean()
    }

    /// Cross entropy from logits [N, C] (or [C]) and class indices [N]
    /// (0-based, as floats), with label smoothing and an ignored index.
    public static func crossEntropy(_ logits: Tensor, _ target: Tensor, labelSmoothing: Float = 0,
                                    ignoreIndex: Int? = nil) throws -> Tensor {
        let logits2 = logits.ndim == 1 ? try logits.unsqueeze(0) : logits
        let target1 = target.ndim == 0 ? try target.reshape([1]) : target
        guard logits2.ndim == 2, target1.ndim == 1, target1.shape[0] == logits2.shape[0] else {
            throw NNError.invalidArgument("cross_entropy: expected logits [N, C] and targets [N], got \(logits.shape) and \(target.shape)")
        }
        guard labelSmoothing >= 0, labelSmoothing <= 1 else {
            throw NNError.invalidArgument("cross_entropy: label_smoothing must be in [0, 1], got \(labelSmoothing)")
        }
        let classes = logits2.shape[1]
        let logProbs = try logits2.logSoftmax(dim: 1)
        // Ignored rows get class 0 for the gather and weight 0 in the mean.
        var weights = [Float](repeating: 1, count: target1.shape[0])
        var indices = target1.toArray()
        for (i, value) in indices.enumerated() {
            // Compared as floats first: Int(_:) traps on NaN and on values past Int's range.
            if let ignore = ignoreIndex, value == Float(ignore) { weights[i] = 0; indices[i] = 0; continue }
            guard value == value.rounded(), value >= 0, value < Float(classes) else {
                throw NNError.invalidArgument("cross_entropy: target \(value) at row \(i) is not a class index in 0..<\(classes)")
            }
        }
        let rowWeights = try Tensor(shape: [weights.count], data: weights)
        let picked = try logProbs.gather(1, try Tensor(shape: [indices.count, 1], data: indices)).squeeze(1)
        var perRow = try picked.neg()
        if labelSmoothing > 0 {
            let uniform = try logProbs.mean([1]).neg()
            perRow = try perRow * (1 - labelSmoothing) + uniform * labelSmoothing
        }
        let kept = weights.reduce(0, +)
        guard kept > 0 else { return try (perRow * rowWeights).sum() * Float.nan }
        return try (perRow * rowWeights).sum() / kept
    }

    /// Negative log-likelihood of log-probabilities [N, C] at class indices [N].
    public static func nll(_ logProbs: Tensor, _ target: Tensor) throws -> Tensor {
        guard logProbs.ndim == 2, target.ndim == 1, target.shape[0] == logProbs.shape[0] else {
            throw NNError.invalidArgument("nll: expected log-probabilities [N, C] and targets [N], got \(logProbs.shape) and \(target.shape)")
        }
        return try logProbs.gather(1, try target.unsqueeze(1)).mean().neg()
    }

    /// Binary cross entropy on logits, computed stably as
    /// max(x, 0) - x*y + log(1 + exp(-|x|)).
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ target: Tensor) throws -> Tensor {
        try checkSameShape("binary_cross_entropy_with_logits", logits, target)
        let positive = try logits.relu()
        return try (positive - logits * target + logits.abs().neg().exp().log1p()).mean()
    }

    static func checkSameShape(_ name: String, _ a: Tensor, _ b: Tensor) throws {
        guard a.shape == b.shape else {
            throw NNError.invalidArgument("\(name): input and target shapes differ: \(a.shape) and \(b.shape)")
        }
    }
}
