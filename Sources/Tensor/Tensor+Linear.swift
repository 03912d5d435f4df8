import CBLAS

// input @ weight^T + bias as one op, as torch.nn.functional.linear. Written
// with matmul, a transposed weight and a broadcast add, a layer's forward
// makes an extra pass for the bias, and its backward computes the weight's
// gradient batch by batch for 3-D inputs, sums the batches, and copies the
// transposed result into the weight's layout. Here the leading dims are
// flattened into rows, so forward and each gradient are one sgemm, the bias
// is added by sgemm's beta, and dW lands in [out, in] directly.

extension Tensor {
    /// `input` [..., in] times `weight` [out, in] transposed, plus `bias`
    /// [out] when given: [..., out].
    public static func linear(_ input: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) throws -> Tensor {
        guard weight.ndim == 2, input.ndim >= 1, input.shape[input.ndim - 1] == weight.shape[1] else {
            throw TensorError.shape("linear", "input of shape \(fmt(input.shape)) does not match weight of shape \(fmt(weight.shape)) (the last dim must be \(weight.ndim == 2 ? String(weight.shape[1]) : "in"))")
        }
        let (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1])
        if let bias, bias.shape != [outFeatures] {
            throw TensorError.shape("linear", "bias of shape \(fmt(bias.shape)) does not match \(outFeatures) output features")
        }
        let limit = Int(blasint.max)
        let rows = numelOf(Array(input.shape.dropLast()))
        guard rows <= limit, outFeatures <= limit, inFeatures <= limit else {
            throw TensorError(.allocation, "linear", "dims of shapes \(fmt(input.shape)) and \(fmt(weight.shape)) exceed the BLAS index range")
        }
        _ = BLASThreads.ready
        let x = input.isContiguous ? input : try input.cloneRaw()
        let w = weight.isContiguous ? weight : try weight.cloneRaw()
        let outShape = Array(input.shape.dropLast()) + [outFeatures]
        let out = try Tensor.uninitialized(knownShape: outShape, count: try checkedNumel(outShape, op: "linear"), op: "linear")
        if out.count > 0 {
            if let bias {
                let b = bias.isContiguous ? bias : try bias.cloneRaw()
                for r in 0..<rows { (out.base + r * outFeatures).update(from: b.base, count: outFeatures) }
            }
            if inFeatures == 0 {
                if bias == nil { out.base.update(repeating: 0, count: out.count) }
            } else {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blasint(rows), blasint(outFeatures), blasint(inFeatures),
                            1, x.base, blasint(inFeatures), w.base, blasint(inFeatures),
                            bias == nil ? 0 : 1, out.base, blasint(outFeatures))
            }
        }
        let inputs = [input, weight] + (bias.map { [$0] } ?? [])
        guard needsRecording(inputs) else { return out }
        let inputShape = input.shape
        return out.record("LinearBackward0", inputs: inputs, saved: [x, w]) { ctx in
            let (x, w) = (ctx.saved[0], ctx.saved[1])
            let g = ctx.grad.isContiguous ? ctx.grad : try ctx.grad.cloneRaw()
            var grads: [Tensor?] = [nil, nil, nil]
            if ctx.needs[0] {
                // dx = g w: [rows, out] x [out, in].
                grads[0] = try gemmProduct(shape: inputShape, count: x.count, transposeA: false, m: rows, n: inFeatures,
                                           k: outFeatures, a: g.base, lda: outFeatures, b: w.base, ldb: inFeatures)
            }
            if ctx.needs[1] {
                // dW = g^T x: [out, rows] x [rows, in].
                grads[1] = try gemmProduct(shape: [outFeatures, inFeatures], count: w.count, transposeA: true, m: outFeatures,
                                           n: inFeatures, k: rows, a: g.base, lda: outFeatures, b: x.base, ldb: inFeatures)
            }
            if ctx.needs.count > 2 && ctx.needs[2] {
                // Column sums of g, accumulated row by row in a fixed order,
                // eight columns at a time.
                let gb = try Tensor.uninitialized(knownShape: [outFeatures], count: outFeatures, op: "linear")
                let sums = gb.base
                sums.update(repeating: 0, count: outFeatures)
                let wide = outFeatures - outFeatures % 8
                for r in 0..<rows {
                    let row = g.base + r * outFeatures
                    var j = 0
                    while j < wide {
                        VMath.store(VMath.load(sums + j) + VMath.load(row + j), sums + j)
                        j += 8
                    }
                    while j < outFeatures { sums[j] += row[j]; j += 1 }
                }
                grads[2] = gb
            }
            return Array(grads.prefix(ctx.needs.count))
        }
    }
}

/// `op(A) B` (A transposed when asked) into a new dense [m, n] tensor of
/// `shape`. An inner dimension of 0 is a sum over nothing, so the result is
/// zeros; BLAS is not called for it.
private func gemmProduct(shape: [Int], count: Int, transposeA: Bool, m: Int, n: Int, k: Int,
                         a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int) throws -> Tensor {
    let out = try Tensor.uninitialized(knownShape: shape, count: count, op: "linear")
    guard out.count > 0 else { return out }
    if k == 0 {
        out.base.update(repeating: 0, count: out.count)
    } else {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                    1, a, blasint(lda), b, blasint(ldb), 0, out.base, blasint(n))
    }
    return out
}
