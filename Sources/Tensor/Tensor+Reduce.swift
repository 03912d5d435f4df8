// Reductions over one or several dims, with keepdim: sum, mean, max, min,
// argmax, argmin, variance, std, logsumexp. Each backward broadcasts the
// output gradient back over the reduced dims (`spread`).
//
// Dims: nil reduces every dim, an explicit list reduces exactly those (an
// empty list reduces none), negative dims count from the end.

import Foundation

extension Tensor {
    /// Broadcasts a reduction's gradient back to the input shape.
    static func spread(_ g: Tensor, _ keepShape: [Int], to shape: [Int]) throws -> Tensor {
        try g.reshape(keepShape).expand(shape)
    }

    /// Sum over `dims` (all when nil).
    public func sum(_ dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let p = try reducePlan(dims, keepdim: keepdim, op: "sum")
        let out = try Tensor.reduceSum(p, op: "sum")
        if needsRecording {
            let (ks, sh) = (p.keepShape, shape)
            out.record("SumBackward1", inputs: [self]) { ctx in [try Tensor.spread(ctx.grad, ks, to: sh)] }
        }
        return out
    }

    /// Sum over one dim.
    public func sum(dim: Int, keepdim: Bool = false) throws -> Tensor {
        try sum([dim], keepdim: keepdim)
    }

    /// Mean over `dims` (all when nil); NaN over zero elements.
    public func mean(_ dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let p = try reducePlan(dims, keepdim: keepdim, op: "mean")
        let s = try Tensor.reduceSum(p, op: "mean")
        let inv = 1 / Float(p.r)
        let r = p.r
        s.updateUnary { r == 0 ? .nan : $0 * inv }
        if needsRecording {
            let (ks, sh) = (p.keepShape, shape)
            s.record("MeanBackward1", inputs: [self]) { ctx in
                [try Tensor.spread(try ctx.grad.mapUnary("mean_backward") { $0 * inv }, ks, to: sh)]
            }
        }
        return s
    }

    /// Mean over one dim.
    public func mean(dim: Int, keepdim: Bool = false) throws -> Tensor {
        try mean([dim], keepdim: keepdim)
    }

    private func checkNonEmptyReduction(_ p: ReducePlan, _ op: String) throws {
        if p.r == 0 && p.a * p.k > 0 {
            throw TensorError.shape(op, "cannot reduce over a zero-size dim (shape \(fmt(shape)), dims \(p.dims))")
        }
    }

    /// Largest value over `dims` (all when nil); ties share the gradient.
    public func max(_ dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try extreme(dims, keepdim: keepdim, isMax: true)
    }

    /// Smallest value over `dims` (all when nil); ties share the gradient.
    public func min(_ dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try extreme(dims, keepdim: keepdim, isMax: false)
    }

    private func extreme(_ dims: [Int]?, keepdim: Bool, isMax: Bool) throws -> Tensor {
        let op = isMax ? "max" : "min"
        let p = try reducePlan(dims, keepdim: keepdim, op: op)
        try checkNonEmptyReduction(p, op)
        let out = try Tensor.reduceMax(p, isMax: isMax, op: op)
        if needsRecording {
            let (ks, ds) = (p.keepShape, p.dims)
            out.record(isMax ? "AmaxBackward0" : "AminBackward0", inputs: [self], saved: [self, out]) { ctx in
                let x = ctx.saved[0]
                let m = try ctx.saved[1].reshape(ks)
                let mask = try x.eq(m)
                let n = try mask.sum(ds, keepdim: true)
                let g = try ctx.grad.reshape(ks)
                return [try mask.mul(try g.div(n))]
            }
        }
        return out
    }

    /// Values and indices of the largest elements along `dim`.
    public func max(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extremeWithIndices(dim, keepdim: keepdim, isMax: true)
    }

    /// Values and indices of the smallest elements along `dim`.
    public func min(dim: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extremeWithIndices(dim, keepdim: keepdim, isMax: false)
    }

    /// Index of the largest element along `dim` (of the flattened tensor
    /// when nil), as a float tensor; the first one wins ties, NaN counts as
    /// largest.
    public func argmax(dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        if let dim { return try extremeWithIndices(dim, keepdim: keepdim, isMax: true).indices }
        return try reshape([-1]).extremeWithIndices(0, keepdim: false, isMax: true).indices
            .reshape(keepdim ? [Int](repeating: 1, count: ndim) : [])
    }

    /// Index of the smallest element along `dim` (of the flattened tensor
    /// when nil), as a float tensor; the first one wins ties.
    public func argmin(dim: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        if let dim { return try extremeWithIndices(dim, keepdim: keepdim, isMax: false).indices }
        return try reshape([-1]).extremeWithIndices(0, keepdim: false, isMax: false).indices
            .reshape(keepdim ? [Int](repeating: 1, count: ndim) : [])
    }

    private func extremeWithIndices(_ dim: Int, keepdim: Bool, isMax: Bool) throws -> (values: Tensor, indices: Tensor) {
        let op = isMax ? "argmax" : "argmin"
        if ndim == 0 {
            _ = try normDim(dim, 0, op)
            return (try reshape([]), try Tensor.zeros([]))
        }
        let p = try reducePlan([dim], keepdim: keepdim, op: op)
        try checkNonEmptyReduction(p, op)
        let idx = try Tensor.reduceLines(p, op: op) { ptr, stride, r in
            if stride == 1 { return Float(VMath.argExtreme(ptr, r, isMax: isMax)) }
            var best = ptr[0], at = 0
            if best != best { return 0 }
            for i in 1..<Swift.max(r, 1) {
                let v = ptr[i * stride]
                if v != v { return Float(i) }
                if isMax ? v > best : v < best { best = v; at = i }
            }
            return Float(at)
        }
        // Gather the values through the indices so that values and indices
        // always agree, and so that the gradient flows to exactly one element.
        let d = try normDim(dim, ndim, op)
        let values = try gather(d, keepdim ? idx : try idx.unsqueeze(d))
        return (keepdim ? values : try values.squeeze(d), idx)
    }

    /// Variance per output element over the plan, in double precision.
    private static func varianceLines(_ p: ReducePlan, corr: Int, op: String) throws -> Tensor {
        try Tensor.reduceLines(p, op: op, cost: 2) { ptr, stride, r in
            var s = 0.0
            for i in 0..<r { s += Double(ptr[i * stride]) }
            let mean = s / Double(r)
            var ss = 0.0
            for i in 0..<r { let d = Double(ptr[i * stride]) - mean; ss += d * d }
            return Float(ss / Double(r - corr))
        }
    }

    /// Variance over `dims` (all when nil); `unbiased` divides by n - 1
    /// (Bessel's correction) instead of n.
    public func variance(_ dims: [Int]? = nil, unbiased: Bool = true, keepdim: Bool = false) throws -> Tensor {
        let corr = unbiased ? 1 : 0
        let p = try reducePlan(dims, keepdim: keepdim, op: "variance")
        let out = try Tensor.varianceLines(p, corr: corr, op: "variance")
        if needsRecording {
            let (ks, ds, r) = (p.keepShape, p.dims, p.r)
            out.record("VarBackward0", inputs: [self], saved: [self]) { ctx in
                let x = ctx.saved[0]
                let centered = try x.sub(try x.mean(ds, keepdim: true))
                let scale = 2 / Float(r - corr)
                return [try centered.mul(try ctx.grad.reshape(ks).mul(scale))]
            }
        }
        return out
    }

    /// Standard deviation over `dims` (all when nil), see `variance`.
    public func std(_ dims: [Int]? = nil, unbiased: Bool = true, keepdim: Bool = false) throws -> Tensor {
        let corr = unbiased ? 1 : 0
        let p = try reducePlan(dims, keepdim: keepdim, op: "std")
        let out = try Tensor.varianceLines(p, corr: corr, op: "std")
        out.updateUnary { $0.squareRoot() }
        if needsRecording {
            let (ks, ds, r) = (p.keepShape, p.dims, p.r)
            out.record("StdBackward0", inputs: [self], saved: [self, out]) { ctx in
                let x = ctx.saved[0]
                let centered = try x.sub(try x.mean(ds, keepdim: true))
                let s = try ctx.saved[1].reshape(ks)
                let g = try ctx.grad.reshape(ks)
                let coef = try g.div(try s.mul(Float(r - corr)))
                // Where the std is 0 the gradient is 0/0; PyTorch defines it as 0 (masked_fill)
                // rather than letting a nan spread through the graph.
                return [try centered.mul(try Tensor.where(try s.eq(0), try Tensor(scalar: 0), coef))]
            }
        }
        return out
    }

    /// log(sum(exp(x))) over `dims` (all when nil), computed stably by
    /// factoring out the maximum.
    public func logsumexp(_ dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let p = try reducePlan(dims, keepdim: keepdim, op: "logsumexp")
        let out = try Tensor.reduceLines(p, op: "logsumexp", cost: 8) { ptr, stride, r in
            if r == 0 { return -.infinity }
            var m = ptr[0]
            for i in 1..<r { let v = ptr[i * stride]; if v > m || v != v { m = v } }
            if !m.isFinite { return m }
            if stride == 1 {
                return m + Float(Foundation.log(VMath.expShiftSum(ptr, nil, r, shift: m)))
            }
            var s = 0.0
            for i in 0..<r { s += Double(expf(ptr[i * stride] - m)) }
            return m + Float(Foundation.log(s))
        }
        if needsRecording {
            let ks = p.keepShape
            out.record("LogsumexpBackward0", inputs: [self], saved: [self, out]) { ctx in
                let x = ctx.saved[0]
                let w = try Tensor.mapBinary("logsumexp_backward", x, try ctx.saved[1].reshape(ks)) { expf($0 - $1) }
                return [try w.mul(try ctx.grad.reshape(ks))]
            }
        }
        return out
    }
}
