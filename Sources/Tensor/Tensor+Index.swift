// Indexing: select and slice (views), narrow, indexSelect, gather,
// scatterAdd, maskedSelect, maskedFill, oneHot, tril/triu.
//
// Index tensors are float32 tensors holding whole numbers (the module has a
// single dtype); a fractional or out-of-range index throws. Scalar indices
// (select, slice bounds) may be negative and count from the end; indices
// inside index tensors must lie in 0..<size, as in PyTorch.

extension Tensor {
    /// Gradient of a view op: zeros of the input shape with `g` written into
    /// the same view of them.
    static func scatterIntoZeros(_ g: Tensor, _ shape: [Int],
                                 _ view: (Tensor) throws -> Tensor) throws -> Tensor {
        let z = try Tensor.zeros(shape)
        let v = try view(z)
        copyStrided(from: g.base, strides: g.strides, shape: g.shape, to: v.base, dstStrides: v.strides)
        return z
    }

    /// Converts an index tensor to Ints, checking each lies in 0..<bound.
    func indexList(_ op: String, bound: Int, what: ErrorText) throws -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(count)
        for v in toArray() {
            guard v == v.rounded(.towardZero), v.isFinite else {
                throw TensorError.arg(op, "index tensor must hold whole numbers, found \(v)")
            }
            guard v >= 0 && v < Float(bound) else {
                let shown: ErrorText = Int(exactly: v).map { "\(index: $0)" } ?? "\(v)"
                throw TensorError.index(op, "index \(shown) is out of range for \(what) of size \(bound)")
            }
            out.append(Int(v))
        }
        return out
    }

    /// The sub-tensor at `index` along `dim`, with that dim removed (a view).
    public func select(_ dim: Int, _ index: Int) throws -> Tensor {
        guard ndim > 0 else { throw TensorError.dim("select", "cannot select from a 0-d tensor") }
        let d = try normDim(dim, ndim, "select")
        let i = index < 0 ? index + shape[d] : index
        guard i >= 0 && i < shape[d] else {
            throw TensorError.index("select", "index \(index: index) is out of range for dim \(dim: d) of size \(shape[d]) (shape \(fmt(shape)))")
        }
        var sh = shape, st = strides
        sh.remove(at: d)
        st.remove(at: d)
        let out = makeView(sh, st, offset: storageOffset + i * strides[d])
        if needsRecording {
            let inShape = shape
            out.record("SelectBackward0", inputs: [self]) { ctx in
                [try Tensor.scatterIntoZeros(ctx.grad, inShape) { try $0.select(d, i) }]
            }
        }
        return out
    }

    /// Elements `start, start+step, ...` below `end` along `dim` (a view).
    /// The range is half-open; nil bounds mean the ends of the dim, negative
    /// bounds count from the end, and out-of-range bounds are clamped like
    /// Python slices. `step` must be positive.
    public func slice(_ dim: Int, _ start: Int? = nil, _ end: Int? = nil, step: Int = 1) throws -> Tensor {
        guard ndim > 0 else { throw TensorError.dim("slice", "cannot slice a 0-d tensor") }
        let d = try normDim(dim, ndim, "slice")
        guard step > 0 else { throw TensorError.arg("slice", "step must be positive, got \(step)") }
        let n = shape[d]
        func clampBound(_ b: Int) -> Int {
            let v = b < 0 ? (b < -n ? 0 : b + n) : b
            return Swift.min(v, n)
        }
        let s = clampBound(start ?? 0)
        let e = Swift.max(s, clampBound(end ?? n))
        var sh = shape, st = strides
        // Written so that huge steps and bounds cannot overflow.
        sh[d] = e == s ? 0 : (e - s - 1) / step + 1
        st[d] = sh[d] > 1 ? strides[d] * step : strides[d]
        let out = makeView(sh, st, offset: storageOffset + (sh[d] > 0 ? s * strides[d] : 0))
        if needsRecording {
            let inShape = shape
            out.record("SliceBackward0", inputs: [self]) { ctx in
                [try Tensor.scatterIntoZeros(ctx.grad, inShape) { try $0.slice(d, s, e, step: step) }]
            }
        }
        return out
    }

    /// `length` elements along `dim` starting at `start` (a view).
    public func narrow(_ dim: Int, _ start: Int, _ length: Int) throws -> Tensor {
        guard ndim > 0 else { throw TensorError.dim("narrow", "cannot narrow a 0-d tensor") }
        let d = try normDim(dim, ndim, "narrow")
        let s = start < 0 ? start + shape[d] : start
        guard s >= 0, length >= 0, s <= shape[d], length <= shape[d] - s else {
            throw TensorError.index("narrow", "start \(start) and length \(length) exceed dim \(dim: d) of size \(shape[d])")
        }
        return try slice(d, s, s + length)
    }

    /// Copies of the sub-tensors at `indices` along `dim` (a 1-D index tensor).
    public func indexSelect(_ dim: Int, _ indices: Tensor) throws -> Tensor {
        guard indices.ndim <= 1 else {
            throw TensorError.shape("indexSelect", "index must be 0-d or 1-d, got shape \(fmt(indices.shape))")
        }
        let d = try normDim(dim, ndim, "indexSelect")
        let size = ndim == 0 ? 1 : shape[d]
        let idx = try indices.indexList("indexSelect", bound: size, what: "dim \(dim: d)")
        var outShape = shape
        if ndim > 0 { outShape[d] = idx.count }
        let out = try Tensor.uninitialized(outShape, op: "indexSelect")
        let src = try contiguousRaw()
        let inner = ndim == 0 ? 1 : shape[(d + 1)...].reduce(1, *)
        let outer = ndim == 0 ? 1 : shape[..<d].reduce(1, *)
        for o in 0..<outer {
            for (j, i) in idx.enumerated() {
                (out.base + (o * idx.count + j) * inner).update(from: src.base + (o * size + i) * inner, count: inner)
            }
        }
        if needsRecording {
            let inShape = shape
            out.record("IndexSelectBackward0", inputs: [self]) { ctx in
                let g = try ctx.grad.contiguousRaw()
                let z = try Tensor.zeros(inShape)
                for o in 0..<outer {
                    for (j, i) in idx.enumerated() {
                        let dst = z.base + (o * size + i) * inner, s = g.base + (o * idx.count + j) * inner
                        for t in 0..<inner { dst[t] += s[t] }
                    }
                }
                return [z]
            }
        }
        return out
    }

    /// Convenience: `indexSelect` with Swift indices.
    public func indexSelect(_ dim: Int, _ indices: [Int]) throws -> Tensor {
        try indexSelect(dim, try Tensor(indices.map { Float($0) }))
    }

    /// Storage offsets (relative to `base`) picked by `index` along `dim`
    /// for gather/scatter: element p of `index` maps to position p with its
    /// coordinate along `dim` replaced by the index value.
    func gatherOffsets(_ op: String, _ d: Int, _ index: Tensor) throws -> [Int] {
        guard index.ndim == ndim || (ndim == 0 && index.ndim <= 1) else {
            throw TensorError.shape(op, "index of shape \(fmt(index.shape)) must have as many dims as the input of shape \(fmt(shape))")
        }
        if ndim == 0 {
            _ = try index.indexList(op, bound: 1, what: "a 0-d tensor")
            return [Int](repeating: 0, count: index.count)
        }
        for i in 0..<ndim where i != d && index.shape[i] > shape[i] {
            throw TensorError.shape(op, "index of shape \(fmt(index.shape)) is larger than the input of shape \(fmt(shape)) at dim \(dim: i)")
        }
        let vals = try index.indexList(op, bound: shape[d], what: "dim \(dim: d) of shape \(fmt(shape))")
        var offs = [Int](repeating: 0, count: vals.count)
        var pos = [Int](repeating: 0, count: ndim)
        var acc = 0
        for p in 0..<vals.count {
            offs[p] = acc + vals[p] * strides[d]
            var k = ndim - 1
            while k >= 0 {
                pos[k] += 1
                if k != d { acc += strides[k] }
                if pos[k] < index.shape[k] { break }
                if k != d { acc -= strides[k] * index.shape[k] }
                pos[k] = 0
                k -= 1
            }
        }
        return offs
    }

    /// out[...i...] = self[...index[...i...]...] along `dim`; the result has
    /// the index's shape.
    public func gather(_ dim: Int, _ index: Tensor) throws -> Tensor {
        let d = try normDim(dim, ndim, "gather")
        let offs = try gatherOffsets("gather", d, index)
        let out = try Tensor.uninitialized(index.shape, op: "gather")
        let b = base
        for (p, o) in offs.enumerated() { out.base[p] = b[o] }
        if needsRecording {
            let inShape = shape
            out.record("GatherBackward0", inputs: [self], saved: [index]) { ctx in
                [try Tensor.zeros(inShape).scatterAdd(d, ctx.saved[0], ctx.grad)]
            }
        }
        return out
    }

    /// A copy of self with `src` values added at the positions `index`
    /// selects along `dim` (the transpose of gather; duplicates accumulate).
    public func scatterAdd(_ dim: Int, _ index: Tensor, _ src: Tensor) throws -> Tensor {
        let d = try normDim(dim, ndim, "scatterAdd")
        guard src.ndim == index.ndim,
              zip(index.shape, src.shape).allSatisfy({ $0 <= $1 }) else {
            throw TensorError.shape("scatterAdd", "index of shape \(fmt(index.shape)) does not fit src of shape \(fmt(src.shape))")
        }
        let out = try cloneRaw()
        let offs = try out.gatherOffsets("scatterAdd", d, index)
        // src may be larger than index; read it at index positions.
        let vals = src.makeView(index.shape, src.strides).toArray()
        let srcShape = src.shape
        for (p, o) in offs.enumerated() { out.base[o] += vals[p] }
        if Tensor.needsRecording(self, src) {
            out.record("ScatterAddBackward0", inputs: [self, src], saved: [index]) { ctx in
                let gs = ctx.needs[1] ? try Tensor.zeros(srcShape) : nil
                if let gs {
                    let picked = try ctx.grad.gather(d, ctx.saved[0])
                    let v = gs.makeView(index.shape, gs.strides)
                    copyStrided(from: picked.base, strides: picked.strides, shape: picked.shape,
                                to: v.base, dstStrides: v.strides)
                }
                return [ctx.grad, gs]
            }
        }
        return out
    }

    /// The elements where `mask` (broadcast with self) is nonzero, as a 1-D
    /// tensor in row-major order.
    public func maskedSelect(_ mask: Tensor) throws -> Tensor {
        let shape = try broadcastShapes(self.shape, mask.shape, op: "maskedSelect")
        let x = try broadcastRaw(to: shape, op: "maskedSelect").contiguousRaw()
        let m = try mask.broadcastRaw(to: shape, op: "maskedSelect").contiguousRaw()
        var picked: [Int] = []
        for i in 0..<x.count where m.base[i] != 0 { picked.append(i) }
        let out = try Tensor.uninitialized([picked.count], op: "maskedSelect")
        for (j, i) in picked.enumerated() { out.base[j] = x.base[i] }
        if needsRecording {
            let inShape = self.shape
            out.record("MaskedSelectBackward0", inputs: [self]) { ctx in
                let g = try ctx.grad.contiguousRaw()
                let z = try Tensor.zeros(shape)
                for (j, i) in picked.enumerated() { z.base[i] = g.base[j] }
                return [try Tensor.reduceGrad(z, to: inShape)]
            }
        }
        return out
    }

    /// A copy of self with `value` where `mask` (broadcastable to self's
    /// shape) is nonzero.
    public func maskedFill(_ mask: Tensor, _ value: Float) throws -> Tensor {
        let m = try mask.broadcastRaw(to: shape, op: "maskedFill")
        let out = try Tensor.mapBinary("maskedFill", self, m) { x, c in c != 0 ? value : x }
        if needsRecording {
            out.record("MaskedFillBackward0", inputs: [self], saved: [m]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, c in c != 0 ? 0 : g }]
            }
        }
        return out
    }

    /// One-hot encoding of whole-number class indices: shape
    /// `indices.shape + [numClasses]`. `numClasses` nil means max + 1.
    public static func oneHot(_ indices: Tensor, numClasses: Int? = nil) throws -> Tensor {
        if let numClasses, numClasses < 0 {
            throw TensorError.arg("oneHot", "numClasses must be non-negative, got \(numClasses)")
        }
        let idx = try indices.indexList("oneHot", bound: numClasses ?? (1 << 24),
                                        what: "\(numClasses ?? (1 << 24)) classes")
        let classes = numClasses ?? ((idx.max() ?? -1) + 1)
        let out = try Tensor.zeros(indices.shape + [classes])
        for (p, c) in idx.enumerated() { out.base[p * classes + c] = 1 }
        return out
    }

    /// Lower triangle of the last two dims: keeps elements with
    /// col - row <= diagonal, zeroes the rest.
    public func tril(_ diagonal: Int = 0) throws -> Tensor {
        try triangle("tril", diagonal) { r, c in c - r <= diagonal }
    }

    /// Upper triangle of the last two dims: keeps elements with
    /// col - row >= diagonal, zeroes the rest.
    public func triu(_ diagonal: Int = 0) throws -> Tensor {
        try triangle("triu", diagonal) { r, c in c - r >= diagonal }
    }

    private func triangle(_ op: String, _ diagonal: Int, _ keep: @escaping (Int, Int) -> Bool) throws -> Tensor {
        guard ndim >= 2 else {
            throw TensorError.dim(op, "expects a tensor with at least 2 dims, got shape \(fmt(shape))")
        }
        let (rows, cols) = (shape[ndim - 2], shape[ndim - 1])
        func apply(_ t: Tensor) throws -> Tensor {
            let out = try t.cloneRaw()
            let mats = rows * cols == 0 ? 0 : out.count / (rows * cols)
            for b in 0..<mats {
                for r in 0..<rows { for c in 0..<cols where !keep(r, c) { out.base[(b * rows + r) * cols + c] = 0 } }
            }
            return out
        }
        let out = try apply(self)
        if needsRecording {
            out.record(op == "tril" ? "TrilBackward0" : "TriuBackward0", inputs: [self]) { ctx in [try apply(ctx.grad)] }
        }
        return out
    }
}
