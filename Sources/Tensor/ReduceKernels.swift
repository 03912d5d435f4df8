// Layout planning and loops for reductions.
//
// Any reduction is run on a contiguous buffer viewed as [A, R, K]: A and K
// are the kept elements before and after the reduced block, R the reduced
// elements. When the input is contiguous and the reduced dims are adjacent
// (the usual case: last dim, first dim, a trailing block) this costs no
// copy; otherwise the input is copied once with kept dims first, giving
// K = 1. Output element a*K + k is then in row-major order of the kept dims.
//
// K = 1 reduces contiguous rows (SIMD sums), K > 1 accumulates whole rows
// of K elements at a time (vectorises across k), which is why summing a
// 1024x1024 matrix over dim 0 does not need a transposing copy.

/// A reduction laid out as [A, R, K] over a contiguous buffer.
struct ReducePlan {
    let src: Tensor
    let a: Int, r: Int, k: Int
    /// Reduced dims, normalised and sorted.
    let dims: [Int]
    /// Output shape with the reduced dims kept as size 1.
    let keepShape: [Int]
    /// Output shape honouring `keepdim`.
    let outShape: [Int]
}

extension Tensor {
    /// Plans a reduction of `dims` (nil: all dims; []: none).
    func reducePlan(_ dims: [Int]?, keepdim: Bool, op: String) throws -> ReducePlan {
        let ds = try normDims(dims, ndim, op)
        var keepShape = shape
        for d in ds { keepShape[d] = 1 }
        let outShape = keepdim ? keepShape : shape.indices.filter { !ds.contains($0) }.map { shape[$0] }
        let adjacent = ds.isEmpty || (ds.last ?? 0) - (ds.first ?? 0) + 1 == ds.count
        if isContiguous && adjacent {
            let lo = ds.first ?? ndim, hi = ds.last ?? (ndim - 1)
            let a = shape[..<lo].reduce(1, *)
            let r = ds.isEmpty ? 1 : shape[lo...hi].reduce(1, *)
            let k = shape[(hi + 1)...].reduce(1, *)
            return ReducePlan(src: self, a: a, r: r, k: k, dims: ds,
                              keepShape: keepShape, outShape: outShape)
        }
        let kept = shape.indices.filter { !ds.contains($0) }
        let order = kept + ds
        let permuted = makeView(order.map { shape[$0] }, order.map { strides[$0] })
        let src = try permuted.cloneRaw()
        let a = kept.map { shape[$0] }.reduce(1, *)
        let r = ds.map { shape[$0] }.reduce(1, *)
        return ReducePlan(src: src, a: a, r: r, k: 1, dims: ds,
                          keepShape: keepShape, outShape: outShape)
    }

    /// Runs `line(ptr, stride, r) -> value` for every output element, in
    /// parallel when the work is large.
    @inline(__always)
    static func reduceLines(_ p: ReducePlan, op: String, cost: Int = 1,
                            _ line: (UnsafePointer<Float>, Int, Int) -> Float) throws -> Tensor {
        let out = try Tensor.uninitialized(knownShape: p.outShape, count: p.a * p.k, op: op)
        let s = UnsafePointer(p.src.base), o = out.base
        let (r, k) = (p.r, p.k)
        let lines = p.a * k
        Parallel.chunks(lines, cost: Swift.max(1, r * cost)) { lo, hi in
            if k == 1 {
                // Contiguous lines, the common case: no division per line.
                for j in lo..<hi { o[j] = line(s + j * r, 1, r) }
                return
            }
            for j in lo..<hi {
                let a = j / k, kk = j - a * k
                o[j] = line(s + a * r * k + kk, k, r)
            }
        }
        return out
    }

    /// Sum over the plan, SIMD rows for K = 1 and row accumulation for K > 1.
    static func reduceSum(_ p: ReducePlan, op: String) throws -> Tensor {
        if p.k == 1 && p.a < Parallel.cores && p.r >= 4 * VMath.sumBlock {
            return try Tensor.reduceLongLines(p, op: op)
        }
        if p.k == 1 {
            return try Tensor.reduceLines(p, op: op) { ptr, _, r in Float(VMath.sum(ptr, r)) }
        }
        let out = try Tensor.uninitialized(knownShape: p.outShape, count: p.a * p.k, op: op)
        let s = UnsafePointer(p.src.base), o = out.base
        let (a, r, k) = (p.a, p.r, p.k)
        // Split over A when it is big enough, else over columns of K.
        let splitA = a >= Parallel.cores
        let units = splitA ? a : k
        Parallel.chunks(units, cost: Swift.max(1, r * (splitA ? k : 1))) { lo, hi in
            let (a0, a1, k0, k1) = splitA ? (lo, hi, 0, k) : (0, a, lo, hi)
            let w = k1 - k0
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(w, 1))
            defer { tmp.deallocate() }
            for ai in a0..<a1 {
                let dst = o + ai * k + k0
                dst.update(repeating: 0, count: w)
                var ri = 0
                // Blocks of 64 rows are summed in a scratch row first, so
                // rounding error grows with R/64 rather than R.
                while ri < r {
                    let end = Swift.min(r, ri + 64)
                    tmp.update(from: s + (ai * r + ri) * k + k0, count: w)
                    ri += 1
                    // Four rows per sweep: one load and store of the scratch
                    // row per four input rows.
                    while ri + 4 <= end {
                        let r0 = s + (ai * r + ri) * k + k0
                        let r1 = r0 + k, r2 = r1 + k, r3 = r2 + k
                        for j in 0..<w { tmp[j] += (r0[j] + r1[j]) + (r2[j] + r3[j]) }
                        ri += 4
                    }
                    while ri < end {
                        let row = s + (ai * r + ri) * k + k0
                        for j in 0..<w { tmp[j] += row[j] }
                        ri += 1
                    }
                    for j in 0..<w { dst[j] += tmp[j] }
                }
            }
        }
        return out
    }

    /// Sum of fewer lines than cores, each long (a sum of everything): the
    /// lines are cut into VMath.sumBlock blocks, summed in parallel, and each
    /// line's block sums added in order, which are the additions VMath.sum
    /// makes on one thread. The result does not depend on the number of
    /// threads or on which one ran which block.
    static func reduceLongLines(_ p: ReducePlan, op: String) throws -> Tensor {
        let out = try Tensor.uninitialized(knownShape: p.outShape, count: p.a, op: op)
        let s = UnsafePointer(p.src.base), o = out.base
        let (r, block) = (p.r, VMath.sumBlock)
        let blocks = (r + block - 1) / block
        let partial = UnsafeMutablePointer<Float>.allocate(capacity: p.a * blocks)
        defer { partial.deallocate() }
        Parallel.chunks(p.a * blocks, cost: block) { lo, hi in
            for j in lo..<hi {
                let line = j / blocks, b = j - line * blocks
                let start = b * block
                partial[j] = VMath.blockSum(s + line * r + start, Swift.min(block, r - start))
            }
        }
        for line in 0..<p.a {
            var total = 0.0
            for b in 0..<blocks { total += Double(partial[line * blocks + b]) }
            o[line] = Float(total)
        }
        return out
    }

    /// Max (or min with `isMax == false`) over the plan; NaN propagates.
    static func reduceMax(_ p: ReducePlan, isMax: Bool, op: String) throws -> Tensor {
        if p.k == 1 {
            return try Tensor.reduceLines(p, op: op) { ptr, _, r in VMath.extreme(ptr, r, isMax: isMax) }
        }
        let out = try Tensor.uninitialized(knownShape: p.outShape, count: p.a * p.k, op: op)
        let s = UnsafePointer(p.src.base), o = out.base
        let (a, r, k) = (p.a, p.r, p.k)
        Parallel.chunks(a, cost: r * k) { lo, hi in
            for ai in lo..<hi {
                let dst = o + ai * k
                dst.update(from: s + ai * r * k, count: k)
                for ri in 1..<Swift.max(r, 1) {
                    let row = s + (ai * r + ri) * k
                    if isMax {
                        for j in 0..<k { let v = row[j]; dst[j] = (v > dst[j] || v != v) ? v : dst[j] }
                    } else {
                        for j in 0..<k { let v = row[j]; dst[j] = (v < dst[j] || v != v) ? v : dst[j] }
                    }
                }
            }
        }
        return out
    }
}
