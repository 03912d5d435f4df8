// Matrix products with numpy/torch.matmul semantics, on OpenBLAS sgemm.
//
// 1-D operands are promoted to matrices with unsqueeze and the extra dim
// removed again afterwards; those are views, so their backward comes for
// free. The core handles [..., m, k] @ [..., k, n] with broadcast batch
// dims. Each matrix is handed to sgemm as it lies in memory: row-major
// slices go as NoTrans, transposed views as Trans with the right leading
// dimension, so `a.transpose(-1, -2)` in a backward pass copies nothing.

import CBLAS

extension Tensor {
    /// Matrix product following torch.matmul: dot product for two vectors,
    /// matrix-vector, vector-matrix, matrix-matrix, and batched products
    /// whose batch dims broadcast.
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard ndim >= 1 && other.ndim >= 1 else {
            throw TensorError.shape("matmul", "both arguments need at least 1 dim, got shapes \(fmt(shape)) and \(fmt(other.shape))")
        }
        let k1 = shape[ndim - 1]
        let k2 = other.ndim == 1 ? other.shape[0] : other.shape[other.ndim - 2]
        guard k1 == k2 else {
            throw TensorError.shape("matmul", "shapes \(fmt(shape)) and \(fmt(other.shape)) cannot be multiplied (\(k1) != \(k2))")
        }
        let a = ndim == 1 ? try unsqueeze(0) : self
        let b = other.ndim == 1 ? try other.unsqueeze(-1) : other
        var out = try Tensor.batchedMatmul(a, b, shapes: (shape, other.shape))
        if ndim == 1 { out = try out.squeeze(-2) }
        if other.ndim == 1 { out = try out.squeeze(-1) }
        return out
    }

    /// How sgemm should read a rows x cols matrix with the given strides:
    /// transposed or not, and its leading dimension; nil when the layout
    /// has no BLAS description (the matrix must be copied).
    static func blasLayout(rows: Int, cols: Int, rs: Int, cs: Int) -> (trans: Bool, ld: Int)? {
        if (cols == 1 || cs == 1) && (rows == 1 || rs >= Swift.max(1, cols)) {
            return (false, rows == 1 ? Swift.max(1, cols) : rs)
        }
        if (rows == 1 || rs == 1) && (cols == 1 || cs >= Swift.max(1, rows)) {
            return (true, cols == 1 ? Swift.max(1, rows) : cs)
        }
        return nil
    }

    /// [..., m, k] @ [..., k, n] with broadcast batch dims; both >= 2-D.
    static func batchedMatmul(_ a: Tensor, _ b: Tensor, shapes: ([Int], [Int])) throws -> Tensor {
        let (m, k, n) = (a.shape[a.ndim - 2], a.shape[a.ndim - 1], b.shape[b.ndim - 1])
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        let batch: [Int]
        do {
            batch = try broadcastShapes(aBatch, bBatch, op: "matmul")
        } catch {
            throw TensorError.shape("matmul", "batch dims of shapes \(fmt(shapes.0)) and \(fmt(shapes.1)) cannot be broadcast")
        }
        let limit = Int(blasint.max)
        guard m <= limit && n <= limit && k <= limit else {
            throw TensorError(.allocation, "matmul", "matrix dims of shapes \(fmt(shapes.0)) and \(fmt(shapes.1)) exceed the BLAS index range")
        }
        let outShape = batch + [m, n]
        let total = try checkedNumel(outShape, op: "matmul")
        let out = try Tensor.uninitialized(knownShape: outShape, count: total, op: "matmul")
        if total > 0 {
            try gemmInto(out, a, b, batch: batch, m: m, k: k, n: n)
        }
        if needsRecording(a, b) {
            let (sa, sb) = (a.shape, b.shape)
            out.record("MmBackward0", inputs: [a, b], saved: [a, b]) { ctx in
                let (x, y) = (ctx.saved[0], ctx.saved[1])
                var ga: Tensor? = nil, gb: Tensor? = nil
                if ctx.needs[0] {
                    let t = try Tensor.batchedMatmul(ctx.grad, try y.transpose(-1, -2), shapes: (ctx.grad.shape, sb))
                    ga = try Tensor.reduceGrad(t, to: sa)
                }
                if ctx.needs[1] {
                    let t = try Tensor.batchedMatmul(try x.transpose(-1, -2), ctx.grad, shapes: (sa, ctx.grad.shape))
                    gb = try Tensor.reduceGrad(t, to: sb)
                }
                return [ga, gb]
            }
        }
        return out
    }

    /// Fills the contiguous `out` with a @ b, one sgemm per batch element
    /// (or a single sgemm when b is one matrix and a's rows can be stacked).
    private static func gemmInto(_ out: Tensor, _ a0: Tensor, _ b0: Tensor, batch: [Int],
                                 m: Int, k: Int, n: Int) throws {
        _ = BLASThreads.ready
        if k == 0 {
            out.base.update(repeating: 0, count: out.count)
            return
        }
        var a = a0, b = b0
        var la = blasLayout(rows: m, cols: k, rs: a.strides[a.ndim - 2], cs: a.strides[a.ndim - 1])
        if la == nil { a = try a.cloneRaw(); la = (false, k) }
        var lb = blasLayout(rows: k, cols: n, rs: b.strides[b.ndim - 2], cs: b.strides[b.ndim - 1])
        if lb == nil { b = try b.cloneRaw(); lb = (false, n) }
        guard let la, let lb else { return }
        let limit = Int(blasint.max)
        guard la.ld <= limit && lb.ld <= limit else {
            throw TensorError(.allocation, "matmul", "strides exceed the BLAS index range")
        }
        let ta = la.trans ? CblasTrans : CblasNoTrans
        let tb = lb.trans ? CblasTrans : CblasNoTrans

        // One big product when b is a single matrix and a's batch rows are
        // evenly spaced (e.g. a contiguous [B, m, k] times [k, n]).
        if b.ndim == 2 && a.ndim > 2 && !la.trans,
           let st = a.viewStrides([a.count / Swift.max(k, 1), k]), st[1] == 1 || k == 1 {
            let rows = a.count / k
            if rows <= limit {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, tb, blasint(rows), blasint(n), blasint(k),
                            1, a.base, blasint(Swift.max(st[0], k)), b.base, blasint(lb.ld),
                            0, out.base, blasint(n))
                return
            }
        }

        let sa = broadcastStrides(Array(a.shape.dropLast(2)), Array(a.strides.dropLast(2)), to: batch)
        let sb = broadcastStrides(Array(b.shape.dropLast(2)), Array(b.strides.dropLast(2)), to: batch)
        let count = numelOf(batch)
        var idx = [Int](repeating: 0, count: batch.count)
        var oa = 0, ob = 0
        for i in 0..<count {
            cblas_sgemm(CblasRowMajor, ta, tb, blasint(m), blasint(n), blasint(k),
                        1, a.base + oa, blasint(la.ld), b.base + ob, blasint(lb.ld),
                        0, out.base + i * m * n, blasint(n))
            var d = batch.count - 1
            while d >= 0 {
                idx[d] += 1
                oa += sa[d]; ob += sb[d]
                if idx[d] < batch[d] { break }
                oa -= sa[d] * batch[d]; ob -= sb[d] * batch[d]
                idx[d] = 0
                d -= 1
            }
        }
    }
}
