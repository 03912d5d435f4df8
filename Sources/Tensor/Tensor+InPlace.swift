// In-place ops (add_, mul_, copy_, clamp_, fill_, ...) and the autograd
// rules that keep them safe.
//
// Every in-place write bumps the storage's version counter. An op that saved
// a tensor for backward recorded its version; backward throws if it changed.
// While grad mode is on:
//  - a leaf that requires grad may not be modified (PyTorch's rule; wrap
//    optimizer steps in `Tensor.noGrad`);
//  - a non-leaf (or a tensor combined with one that requires grad) is
//    "rebased": the op runs out of place on a recorded clone, the result is
//    written back, and the tensor takes over the new grad_fn, so gradients
//    stay correct;
//  - views refuse such rebasing (their base would not see the new history).
// With grad mode off, writes go straight to memory.

import Foundation

extension Tensor {
    /// Rejects overwrites autograd cannot follow (fill_, zero_, setValue,
    /// uniform_, normal_) on tensors that take part in a recorded graph.
    func checkInPlaceAllowed(_ op: String) throws {
        if GradMode.isEnabled && requiresGradFlag {
            if let gradFn {
                throw TensorError.autograd(op, "cannot overwrite a tensor produced by \(gradFn.name) while grad mode is on; use \(ErrorText.Advice.noGrad) or \(ErrorText.Advice.detach) first")
            }
            throw TensorError.autograd(op, "a leaf tensor that requires grad cannot be modified in place while grad mode is on; wrap the update in \(ErrorText.Advice.noGrad)")
        }
        try checkWritable(op)
    }

    /// Writes the contiguous `src` (same shape) into self and bumps the version.
    func writeRaw(_ src: Tensor, op: String) throws {
        copyStrided(from: src.base, strides: src.strides, shape: src.shape, to: base, dstStrides: strides)
        storage.version &+= 1
    }

    private func checkBroadcastTo(_ other: Tensor, _ op: String) throws {
        if other.shape == shape { return }
        let s = try broadcastShapes(shape, other.shape, op: op)
        guard s == shape else {
            throw TensorError.shape(op, "shape \(fmt(other.shape)) cannot be broadcast to the shape \(fmt(shape)) of the tensor updated in place")
        }
    }

    /// Runs an in-place op: `raw` writes memory directly; `rebuilt` computes
    /// the same result out of place from a recorded clone when autograd has
    /// to see the change.
    private func inPlace(_ op: String, others: [Tensor], raw: () throws -> Void,
                         rebuilt: (Tensor) throws -> Tensor) throws -> Tensor {
        try checkWritable(op)
        for o in others { try checkBroadcastTo(o, op) }
        let record = GradMode.isEnabled && (requiresGradFlag || others.contains { $0.requiresGradFlag })
        guard record else {
            try raw()
            storage.version &+= 1
            return self
        }
        if requiresGradFlag && isLeaf {
            throw TensorError.autograd(op, "a leaf tensor that requires grad cannot be modified in place while grad mode is on; wrap the update in \(ErrorText.Advice.noGrad)")
        }
        if isView {
            throw TensorError.autograd(op, "cannot modify a view in place while its result must be recorded for autograd; use the out-of-place op or clone() first")
        }
        let result = try rebuilt(try clone())
        guard result.shape == shape else {
            throw TensorError.shape(op, "in-place result of shape \(fmt(result.shape)) does not match \(fmt(shape))")
        }
        try writeRaw(result, op: op)
        gradFn = result.gradFn
        requiresGradFlag = result.requiresGradFlag
        return self
    }

    /// An in-place op with a broadcast tensor operand.
    private func inPlace<Op: BinaryOp>(_ op: String, _ other: Tensor, _ kernel: Op,
                                       rebuilt: (Tensor) throws -> Tensor) throws -> Tensor {
        try inPlace(op, others: [other], raw: { try updateBinary(op, other, kernel) }, rebuilt: rebuilt)
    }

    /// An in-place op on self alone.
    private func inPlace<Op: UnaryOp>(_ op: String, _ kernel: Op, rebuilt: (Tensor) throws -> Tensor) throws -> Tensor {
        try inPlace(op, others: [], raw: { updateUnary(kernel) }, rebuilt: rebuilt)
    }

    /// self += alpha * other (other broadcast to self's shape).
    @discardableResult
    public func add_(_ other: Tensor, alpha: Float = 1) throws -> Tensor {
        try inPlace("add_", other, Ops.AddScaled(alpha: alpha)) { try $0.add(other, alpha: alpha) }
    }

    /// self += s.
    @discardableResult
    public func add_(_ s: Float) throws -> Tensor { try inPlace("add_", Ops.AddScalar(t: s)) { try $0.add(s) } }

    /// self -= alpha * other (other broadcast to self's shape).
    @discardableResult
    public func sub_(_ other: Tensor, alpha: Float = 1) throws -> Tensor {
        try inPlace("sub_", other, Ops.AddScaled(alpha: -alpha)) { try $0.sub(other, alpha: alpha) }
    }

    /// self -= s.
    @discardableResult
    public func sub_(_ s: Float) throws -> Tensor { try inPlace("sub_", Ops.AddScalar(t: -s)) { try $0.sub(s) } }

    /// self *= other (other broadcast to self's shape).
    @discardableResult
    public func mul_(_ other: Tensor) throws -> Tensor { try inPlace("mul_", other, Ops.Mul()) { try $0.mul(other) } }

    /// self *= s.
    @discardableResult
    public func mul_(_ s: Float) throws -> Tensor { try inPlace("mul_", Ops.MulScalar(s: s)) { try $0.mul(s) } }

    /// self /= other (other broadcast to self's shape).
    @discardableResult
    public func div_(_ other: Tensor) throws -> Tensor { try inPlace("div_", other, Ops.Div()) { try $0.div(other) } }

    /// self /= s.
    @discardableResult
    public func div_(_ s: Float) throws -> Tensor { try inPlace("div_", Ops.DivScalar(s: s)) { try $0.div(s) } }

    /// self = self ^ p.
    @discardableResult
    public func pow_(_ p: Float) throws -> Tensor {
        try inPlace("pow_", others: [], raw: { updateUnary { powf($0, p) } }, rebuilt: { try $0.pow(p) })
    }

    /// self = sqrt(self).
    @discardableResult
    public func sqrt_() throws -> Tensor {
        try inPlace("sqrt_", others: [], raw: { updateUnary { $0.squareRoot() } }, rebuilt: { try $0.sqrt() })
    }

    /// self = -self.
    @discardableResult
    public func neg_() throws -> Tensor {
        try inPlace("neg_", others: [], raw: { updateUnary { -$0 } }, rebuilt: { try $0.neg() })
    }

    /// self = max(self, 0).
    @discardableResult
    public func relu_() throws -> Tensor {
        try inPlace("relu_", others: [], raw: { updateUnary { $0 > 0 ? $0 : ($0 == $0 ? 0 : $0) } },
                    rebuilt: { try $0.relu() })
    }

    /// Limits self to [min, max] in place.
    @discardableResult
    public func clamp_(min lo: Float? = nil, max hi: Float? = nil) throws -> Tensor {
        guard lo != nil || hi != nil else {
            throw TensorError.arg("clamp_", "at least one of min and max must be given")
        }
        let l = lo ?? -.infinity, h = hi ?? .infinity
        return try inPlace("clamp_", others: [], raw: { updateUnary { $0 < l ? l : ($0 > h ? h : $0) } },
                           rebuilt: { try $0.clamp(min: lo, max: hi) })
    }

    /// self += value * t1 * t2 (all broadcast to self's shape); used by
    /// optimizers such as Adam.
    @discardableResult
    public func addcmul_(_ t1: Tensor, _ t2: Tensor, value: Float = 1) throws -> Tensor {
        try addCombined("addcmul_", t1, t2, Ops.Mul(), value: value) { try $0.add(try t1.mul(t2), alpha: value) }
    }

    /// self += value * t1 / t2 (all broadcast to self's shape).
    @discardableResult
    public func addcdiv_(_ t1: Tensor, _ t2: Tensor, value: Float = 1) throws -> Tensor {
        try addCombined("addcdiv_", t1, t2, Ops.Div(), value: value) { try $0.add(try t1.div(t2), alpha: value) }
    }

    /// self += value * (t1 combined with t2 elementwise).
    private func addCombined<Op: BinaryOp>(_ op: String, _ t1: Tensor, _ t2: Tensor, _ combine: Op, value: Float,
                                           rebuilt: (Tensor) throws -> Tensor) throws -> Tensor {
        let combined = try Tensor.noGrad { try Tensor.mapBinary(op, t1, t2, combine) }
        return try inPlace(op, others: [t1, t2, combined],
                           raw: { try updateBinary(op, combined, Ops.AddScaled(alpha: value)) }, rebuilt: rebuilt)
    }

    /// Sets self to `value` where `mask` (broadcast to self's shape) is nonzero.
    @discardableResult
    public func maskedFill_(_ mask: Tensor, _ value: Float) throws -> Tensor {
        try inPlace("maskedFill_", others: [mask],
                    raw: { try updateBinary("maskedFill_", mask) { x, m in m != 0 ? value : x } },
                    rebuilt: { try $0.maskedFill(mask, value) })
    }

    /// Copies `src` (broadcast to self's shape) into self; gradients flow to
    /// `src` when recorded.
    @discardableResult
    public func copy_(_ src: Tensor) throws -> Tensor {
        try inPlace("copy_", others: [src],
                    raw: { try updateBinary("copy_", src) { _, v in v } },
                    rebuilt: { _ in try src.expand(shape).clone() })
    }

    /// Sets every element to `value` (refused on tensors in a recorded graph).
    @discardableResult
    public func fill_(_ value: Float) throws -> Tensor {
        try checkInPlaceAllowed("fill_")
        updateUnary { _ in value }
        storage.version &+= 1
        return self
    }

    /// Sets every element to zero (refused on tensors in a recorded graph).
    @discardableResult
    public func zero_() throws -> Tensor {
        try fill_(0)
    }
}
