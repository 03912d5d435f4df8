// Numerically stable softmax and log_softmax along one dim.
//
// The input is viewed as [outer, n, inner] with the softmax dim in the
// middle. For the last dim (inner = 1) each row is one pass of SIMD max, one
// of SIMD exp-and-sum and one of scaling. For inner > 1 the rows of an outer
// block are processed as whole vectors of `inner` elements, so the exp
// still runs over contiguous memory and nothing is transposed.

import Foundation

extension Tensor {
    /// exp(x - max) / sum(exp(x - max)) along `dim`.
    public func softmax(dim: Int) throws -> Tensor {
        let out = try softmaxForward(dim, log: false)
        if needsRecording {
            let d = try normDim(dim, ndim, "softmax")
            out.record("SoftmaxBackward0", inputs: [self], saved: [out]) { ctx in
                let y = ctx.saved[0]
                let gy = try ctx.grad.mul(y)
                let s = try gy.sum([d], keepdim: true)
                return [try gy.sub(try y.mul(s))]
            }
        }
        return out
    }

    /// x - max - log(sum(exp(x - max))) along `dim`.
    public func logSoftmax(dim: Int) throws -> Tensor {
        let out = try softmaxForward(dim, log: true)
        if needsRecording {
            let d = try normDim(dim, ndim, "logSoftmax")
            out.record("LogSoftmaxBackward0", inputs: [self], saved: [out]) { ctx in
                let p = try ctx.saved[0].exp()
                let s = try ctx.grad.sum([d], keepdim: true)
                return [try ctx.grad.sub(try p.mul(s))]
            }
        }
        return out
    }

    private func softmaxForward(_ dim: Int, log: Bool) throws -> Tensor {
        let op = log ? "logSoftmax" : "softmax"
        let d = try normDim(dim, ndim, op)
        let src = try contiguousRaw()
        let out = try emptyLikeRaw(op)
        if count == 0 { return out }
        let n = ndim == 0 ? 1 : shape[d]
        let inner = ndim == 0 ? 1 : shape[(d + 1)...].reduce(1, *)
        let outer = count / (n * inner)
        let s = UnsafePointer(src.base), o = out.base
        if inner == 1 {
            Parallel.chunks(outer, cost: n * 8) { lo, hi in
                for row in lo..<hi {
                    let x = s + row * n, y = o + row * n
                    let m = VMath.max(x, n)
                    if log {
                        let lse = m + Float(Foundation.log(VMath.expShiftSum(x, nil, n, shift: m)))
                        for i in 0..<n { y[i] = x[i] - lse }
                    } else {
                        let inv = Float(1 / VMath.expShiftSum(x, y, n, shift: m))
                        for i in 0..<n { y[i] *= inv }
                    }
                }
            }
            return out
        }
        Parallel.chunks(outer, cost: n * inner * 8) { lo, hi in
            let m = UnsafeMutablePointer<Float>.allocate(capacity: inner)
            let sum = UnsafeMutablePointer<Float>.allocate(capacity: inner)
            defer { m.deallocate(); sum.deallocate() }
            for b in lo..<hi {
                let x = s + b * n * inner, y = o + b * n * inner
                m.update(from: x, count: inner)
                for i in 1..<n {
                    let row = x + i * inner
                    for j in 0..<inner { let v = row[j]; m[j] = (v > m[j] || v != v) ? v : m[j] }
                }
                for i in 0..<n {
                    let xr = x + i * inner, yr = y + i * inner
                    for j in 0..<inner { yr[j] = xr[j] - m[j] }
                }
                VMath.exp(y, y, n * inner)
                sum.update(repeating: 0, count: inner)
                for i in 0..<n {
                    let yr = y + i * inner
                    for j in 0..<inner { sum[j] += yr[j] }
                }
                if log {
                    for j in 0..<inner { sum[j] = m[j] + logf(sum[j]) }
                    for i in 0..<n {
                        let xr = x + i * inner, yr = y + i * inner
                        for j in 0..<inner { yr[j] = xr[j] - sum[j] }
                    }
                } else {
                    for j in 0..<inner { sum[j] = 1 / sum[j] }
                    for i in 0..<n {
                        let yr = y + i * inner
                        for j in 0..<inner { yr[j] *= sum[j] }
                    }
                }
            }
        }
        return out
    }
}
