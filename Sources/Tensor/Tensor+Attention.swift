import CBLAS
import Foundation

// Scaled dot-product attention as one op, like PyTorch's "math" SDPA
// kernel. Composed of tensor ops, attention writes the scores, the scaled
// scores, the masked scores and the probabilities as four [B, H, T, T]
// tensors, and backward walks them again; here each (batch, head) pair is
// two sgemm calls around an in-place mask and softmax (pairs split across
// cores), and only the probabilities are kept for backward.
//
// Backward, per pair, with P the probabilities and dO the output gradient:
//   dV = P^T dO,  dP = dO V^T,  dS = P * (dP - rowsum(dP * P)),
//   dQ = scale * dS K,  dK = scale * dS^T Q.

extension Tensor {
    /// softmax(q k^T / sqrt(d) + mask) v for q, k, v of shape [B, H, T, d]
    /// (any strides). `causal` hides later keys; `keyPadding` [B, T] hides
    /// keys where it is nonzero. A query that sees no key gets NaN, as in
    /// PyTorch.
    public static func scaledDotProductAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, causal: Bool = false,
                                                 keyPadding: Tensor? = nil) throws -> Tensor {
        guard q.ndim == 4, q.shape == k.shape, q.shape == v.shape else {
            throw TensorError.shape("scaledDotProductAttention", "q, k and v must share a [batch, heads, time, dim] shape, got \(fmt(q.shape)), \(fmt(k.shape)) and \(fmt(v.shape))")
        }
        let (b, h, t, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        if let keyPadding, keyPadding.shape != [b, t] {
            throw TensorError.shape("scaledDotProductAttention", "key padding mask must be [\(b), \(t)], got \(fmt(keyPadding.shape))")
        }
        let limit = Int(blasint.max)
        guard t <= limit, d <= limit else {
            throw TensorError(.allocation, "scaledDotProductAttention", "dims of shape \(fmt(q.shape)) exceed the BLAS index range")
        }
        _ = BLASThreads.ready
        let (qc, kc, vc) = (try q.contiguousRaw(), try k.contiguousRaw(), try v.contiguousRaw())
        let probabilities = try Tensor.uninitialized([b, h, t, t], op: "scaledDotProductAttention")
        let out = try Tensor.uninitialized(q.shape, op: "scaledDotProductAttention")
        let scale = 1 / Float(d).squareRoot()
        let padding = try keyPadding.map { try $0.contiguousRaw().toArray() }
        // Pairs are independent, so they split across cores with results that
        // do not depend on the split. Each product is small enough that
        // OpenBLAS runs it on the calling thread.
        let pairCost = Swift.max(1, 4 * t * t * Swift.max(d, 1))
        Parallel.chunks(t > 0 ? b * h : 0, cost: pairCost) { lo, hi in
            for pair in lo..<hi {
                let (qp, kp, vp) = (qc.base + pair * t * d, kc.base + pair * t * d, vc.base + pair * t * d)
                let p = probabilities.base + pair * t * t
                if d == 0 {
                    p.update(repeating: 0, count: t * t)
                } else {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(t), blasint(t), blasint(d),
                                scale, qp, blasint(d), kp, blasint(d), 0, p, blasint(t))
                }
                let keysAt = (pair / h) * t   // this batch's row of the padding mask
                for row in 0..<t {
                    let r = p + row * t
                    if causal { for j in (row + 1)..<Swift.max(row + 1, t) { r[j] = -.infinity } }
                    if let padding { for j in 0..<t where padding[keysAt + j] != 0 { r[j] = -.infinity } }
                    let m = VMath.max(r, t)
                    let inv = Float(1 / VMath.expShiftSum(r, r, t, shift: m))
                    for j in 0..<t { r[j] *= inv }
                }
                if d > 0 {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(t), blasint(d), blasint(t),
                                1, p, blasint(t), vp, blasint(d), 0, out.base + pair * t * d, blasint(d))
                }
            }
        }
        guard needsRecording([q, k, v]) else { return out }
        return out.record("ScaledDotProductAttentionBackward0", inputs: [q, k, v], saved: [qc, kc, vc, probabilities]) { ctx in
            let (qs, ks, vs, ps) = (ctx.saved[0], ctx.saved[1], ctx.saved[2], ctx.saved[3])
            let g = try ctx.grad.contiguousRaw()
            let (gq, gk, gv) = (try Tensor.zeros(qs.shape), try Tensor.zeros(qs.shape), try Tensor.zeros(qs.shape))
            guard t > 0, d > 0 else { return [gq, gk, gv] }
            Parallel.chunks(b * h, cost: 6 * pairCost) { lo, hi in
                let dp = UnsafeMutablePointer<Float>.allocate(capacity: t * t)
                defer { dp.deallocate() }
                for pair in lo..<hi {
                    let offset = pair * t * d
                    let p = ps.base + pair * t * t
                    let go = g.base + offset
                    // dV = P^T dO
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(t), blasint(d), blasint(t),
                                1, p, blasint(t), go, blasint(d), 0, gv.base + offset, blasint(d))
                    // dP = dO V^T, then dS = P * (dP - rowsum(dP * P)) in place.
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(t), blasint(t), blasint(d),
                                1, go, blasint(d), vs.base + offset, blasint(d), 0, dp, blasint(t))
                    for row in 0..<t {
                        let (pr, dr) = (p + row * t, dp + row * t)
                        var dot: Float = 0
                        for j in 0..<t { dot += pr[j] * dr[j] }
                        for j in 0..<t { dr[j] = pr[j] * (dr[j] - dot) }
                    }
                    // dQ = scale * dS K, dK = scale * dS^T Q
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(t), blasint(d), blasint(t),
                                scale, dp, blasint(t), ks.base + offset, blasint(d), 0, gq.base + offset, blasint(d))
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blasint(t), blasint(d), blasint(t),
                                scale, dp, blasint(t), qs.base + offset, blasint(d), 0, gk.base + offset, blasint(d))
                }
            }
            return [gq, gk, gv]
        }
    }
}
