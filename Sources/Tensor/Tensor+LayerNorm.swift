import Foundation

// Layer normalisation over the last dim as one op, as torch's
// native_layer_norm. Composed of tensor ops it takes nine passes forward
// and more backward, each with a [rows, dim] temporary; here forward is one
// pass per row that keeps the row's mean and 1/std, and backward is two.
//
// With xhat = (x - mean) * rstd and g = dy * weight, per row:
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
//   dweight = sum over rows of dy * xhat,  dbias = sum over rows of dy.

extension Tensor {
    /// (x - mean) / sqrt(var + eps) * weight + bias over the last dim of
    /// `input`, with the biased variance; weight and bias are [dim].
    public static func layerNorm(_ input: Tensor, weight: Tensor, bias: Tensor, eps: Float) throws -> Tensor {
        guard let dim = input.shape.last, weight.shape == [dim], bias.shape == [dim] else {
            throw TensorError.shape("layerNorm", "input of shape \(fmt(input.shape)) needs weight and bias of shape [last dim], got \(fmt(weight.shape)) and \(fmt(bias.shape))")
        }
        let x = try input.contiguousRaw(), w = try weight.contiguousRaw(), b = try bias.contiguousRaw()
        let out = try x.emptyLikeRaw("layerNorm")
        let rows = dim == 0 ? 0 : x.count / dim
        let stats = try Tensor.uninitialized([Swift.max(rows, 0), 2], op: "layerNorm")   // mean, rstd per row
        let (xp, wp, bp, op, sp) = (x.base, w.base, b.base, out.base, stats.base)
        Parallel.chunks(rows, cost: dim * 4) { lo, hi in
            for r in lo..<hi {
                let row = xp + r * dim, y = op + r * dim
                var sum: Float = 0
                for j in 0..<dim { sum += row[j] }
                let mean = sum / Float(dim)
                var squares: Float = 0
                for j in 0..<dim { let c = row[j] - mean; squares += c * c }
                let rstd = 1 / (squares / Float(dim) + eps).squareRoot()
                for j in 0..<dim { y[j] = (row[j] - mean) * rstd * wp[j] + bp[j] }
                sp[2 * r] = mean
                sp[2 * r + 1] = rstd
            }
        }
        guard needsRecording([input, weight, bias]) else { return out }
        return out.record("NativeLayerNormBackward0", inputs: [input, weight, bias], saved: [x, w, stats]) { ctx in
            let (x, w, stats) = (ctx.saved[0], ctx.saved[1], ctx.saved[2])
            let dy = try ctx.grad.contiguousRaw()
            let dx = try x.emptyLikeRaw("layerNorm")
            let (xp, wp, sp, gp, dxp) = (x.base, w.base, stats.base, dy.base, dx.base)
            Parallel.chunks(rows, cost: dim * 6) { lo, hi in
                for r in lo..<hi {
                    let (row, g, d) = (xp + r * dim, gp + r * dim, dxp + r * dim)
                    let (mean, rstd) = (sp[2 * r], sp[2 * r + 1])
                    var meanG: Float = 0, meanGX: Float = 0
                    for j in 0..<dim {
                        let gj = g[j] * wp[j]
                        meanG += gj
                        meanGX += gj * (row[j] - mean) * rstd
                    }
                    meanG /= Float(dim)
                    meanGX /= Float(dim)
                    for j in 0..<dim {
                        let xhat = (row[j] - mean) * rstd
                        d[j] = rstd * (g[j] * wp[j] - meanG - xhat * meanGX)
                    }
                }
            }
            // Parameter gradients: column sums in row order, one thread, so
            // they do not depend on how rows were split.
            let dw = try Tensor.zeros([dim]), db = try Tensor.zeros([dim])
            let (dwp, dbp) = (dw.base, db.base)
            for r in 0..<rows {
                let (row, g) = (xp + r * dim, gp + r * dim)
                let (mean, rstd) = (sp[2 * r], sp[2 * r + 1])
                for j in 0..<dim {
                    dwp[j] += g[j] * (row[j] - mean) * rstd
                    dbp[j] += g[j]
                }
            }
            return [dx, dw, db]
        }
    }
}
