// Shape ops that only re-describe memory: reshape/view, flatten, squeeze,
// unsqueeze, transpose, permute, expand. Each returns a view sharing the
// storage (reshape copies only when the strides make a view impossible),
// and each backward is the inverse re-description of the gradient.

extension Tensor {
    /// A tensor sharing storage with `self` under new geometry.
    @inline(__always)
    func makeView(_ shape: [Int], _ strides: [Int], offset: Int? = nil) -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides,
               offset: offset ?? storageOffset, count: numelOf(shape), isView: true)
    }

    /// Resolves one `-1` in a requested shape and checks the element count.
    func inferShape(_ requested: [Int], op: String) throws -> [Int] {
        try checkRank(requested.count, op: op)
        var shape = requested
        var infer: Int? = nil
        var known = 1
        for (i, s) in requested.enumerated() {
            if s == -1 {
                if infer != nil { throw TensorError.arg(op, "only one dimension can be -1 in \(fmt(requested))") }
                infer = i
            } else if s < 0 {
                throw TensorError.arg(op, "invalid size \(s) in shape \(fmt(requested))")
            } else {
                let (p, o) = known.multipliedReportingOverflow(by: s)
                if o { throw TensorError.shape(op, "shape \(fmt(requested)) is invalid for input of shape \(fmt(self.shape)) (\(count) elements)") }
                known = p
            }
        }
        if let i = infer {
            guard known != 0, count % known == 0 else {
                throw TensorError.shape(op, "shape \(fmt(requested)) is invalid for input of shape \(fmt(self.shape)) (\(count) elements)")
            }
            shape[i] = count / known
        } else if known != count {
            throw TensorError.shape(op, "shape \(fmt(requested)) is invalid for input of shape \(fmt(self.shape)) (\(count) elements)")
        }
        return shape
    }

    /// Strides that let the current memory be read as `newShape`, or nil
    /// when a copy is required (PyTorch's computeStride).
    func viewStrides(_ newShape: [Int]) -> [Int]? {
        if count <= 1 || isContiguous { return contiguousStrides(newShape) }
        var newStrides = [Int](repeating: 0, count: newShape.count)
        var viewD = newShape.count - 1
        var chunkBase = strides[strides.count - 1]
        var tensorNumel = 1, viewNumel = 1
        var d = shape.count - 1
        while d >= 0 {
            tensorNumel *= shape[d]
            if d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase) {
                while viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
                    newStrides[viewD] = viewNumel * chunkBase
                    viewNumel *= newShape[viewD]
                    viewD -= 1
                }
                if viewNumel != tensorNumel { return nil }
                if d > 0 {
                    chunkBase = strides[d - 1]
                    tensorNumel = 1
                    viewNumel = 1
                }
            }
            d -= 1
        }
        return viewD == -1 ? newStrides : nil
    }

    /// Records the backward of a view op that only changed the shape.
    @inline(__always)
    private func recordReshape(_ out: Tensor, _ name: String) -> Tensor {
        if needsRecording {
            let old = shape
            out.record(name, inputs: [self]) { ctx in [try ctx.grad.reshape(old)] }
        }
        return out
    }

    /// The same elements in a new shape (one size may be -1). A view when
    /// the layout allows it, else a copy.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        let target = try inferShape(newShape, op: "reshape")
        if target == shape { return recordReshape(makeView(shape, strides), "ViewBackward0") }
        if let st = viewStrides(target) {
            return recordReshape(makeView(target, st), "ViewBackward0")
        }
        let c = try cloneRaw()
        let out = Tensor(storage: c.storage, shape: target)
        return recordReshape(out, "ReshapeAliasBackward0")
    }

    /// Like `reshape`, but throws instead of copying when the strides make
    /// a view impossible.
    public func view(_ newShape: [Int]) throws -> Tensor {
        let target = try inferShape(newShape, op: "view")
        guard let st = viewStrides(target) else {
            throw TensorError.shape("view", "a tensor of shape \(fmt(shape)) with strides \(fmt(strides)) cannot be viewed as \(fmt(target)); use reshape() (copies) instead")
        }
        return recordReshape(makeView(target, st), "ViewBackward0")
    }

    /// Merges dims `startDim...endDim` (inclusive, like PyTorch) into one.
    public func flatten(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
        if ndim == 0 { return try reshape([1]) }
        let s = try normDim(startDim, ndim, "flatten")
        let e = try normDim(endDim, ndim, "flatten")
        guard s <= e else {
            throw TensorError.dim("flatten", "startDim \(startDim) comes after endDim \(endDim) for shape \(fmt(shape))")
        }
        let merged = shape[s...e].reduce(1, *)
        return try reshape(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Removes every size-1 dim.
    public func squeeze() throws -> Tensor {
        let keep = shape.indices.filter { shape[$0] != 1 }
        return recordReshape(makeView(keep.map { shape[$0] }, keep.map { strides[$0] }), "SqueezeBackward0")
    }

    /// Removes dim `dim` if its size is 1 (otherwise returns an unchanged view).
    public func squeeze(_ dim: Int) throws -> Tensor {
        try squeeze(dims: [dim])
    }

    /// Removes those of `dims` whose size is 1.
    public func squeeze(dims: [Int]) throws -> Tensor {
        let ds = try normDims(dims, ndim, "squeeze")
        let keep = shape.indices.filter { !(ds.contains($0) && shape[$0] == 1) }
        return recordReshape(makeView(keep.map { shape[$0] }, keep.map { strides[$0] }), "SqueezeBackward1")
    }

    /// Inserts a size-1 dim at position `dim` (in `-ndim-1...ndim`).
    public func unsqueeze(_ dim: Int) throws -> Tensor {
        let d = try normDim(dim, ndim + 1, "unsqueeze")
        try checkRank(ndim + 1, op: "unsqueeze")
        var sh = shape, st = strides
        let stride = d < ndim ? shape[d] * strides[d] : 1
        sh.insert(1, at: d)
        st.insert(stride, at: d)
        return recordReshape(makeView(sh, st), "UnsqueezeBackward0")
    }

    /// Swaps two dims (a view).
    public func transpose(_ dim0: Int, _ dim1: Int) throws -> Tensor {
        let a = try normDim(dim0, ndim, "transpose")
        let b = try normDim(dim1, ndim, "transpose")
        if ndim == 0 { return makeView(shape, strides) }
        var sh = shape, st = strides
        sh.swapAt(a, b)
        st.swapAt(a, b)
        let out = makeView(sh, st)
        if needsRecording {
            out.record("TransposeBackward0", inputs: [self]) { ctx in [try ctx.grad.transpose(a, b)] }
        }
        return out
    }

    /// Transpose of a matrix; vectors and scalars come back unchanged.
    public func t() throws -> Tensor {
        guard ndim <= 2 else {
            throw TensorError.dim("t", "expects a tensor with <= 2 dims, got shape \(fmt(shape)); use transpose(_:_:)")
        }
        return ndim < 2 ? try reshape(shape) : try transpose(0, 1)
    }

    /// Reorders the dims: result dim i is input dim `dims[i]` (a view).
    public func permute(_ dims: [Int]) throws -> Tensor {
        guard dims.count == ndim else {
            throw TensorError.dim("permute", "expected \(ndim) dims for shape \(fmt(shape)), got \(dims)")
        }
        let ds = try dims.map { try normDim($0, ndim, "permute") }
        guard Set(ds).count == ds.count else {
            throw TensorError.dim("permute", "repeated dim in \(dims)")
        }
        let out = makeView(ds.map { shape[$0] }, ds.map { strides[$0] })
        if needsRecording {
            var inverse = [Int](repeating: 0, count: ds.count)
            for (i, d) in ds.enumerated() { inverse[d] = i }
            out.record("PermuteBackward0", inputs: [self]) { ctx in [try ctx.grad.permute(inverse)] }
        }
        return out
    }

    /// Broadcasts size-1 dims (and new leading dims) to `shape` without
    /// copying; -1 keeps a dim's size.
    public func expand(_ newShape: [Int]) throws -> Tensor {
        guard newShape.count >= ndim else {
            throw TensorError.shape("expand", "cannot expand shape \(fmt(shape)) to \(fmt(newShape)): fewer dims")
        }
        let lead = newShape.count - ndim
        var sh = newShape
        var st = [Int](repeating: 0, count: newShape.count)
        for i in 0..<newShape.count {
            if i < lead {
                guard newShape[i] >= 0 else {
                    throw TensorError.shape("expand", "cannot use size \(newShape[i]) for new leading dim \(dim: i) in \(fmt(newShape))")
                }
                continue
            }
            let old = shape[i - lead]
            let want = newShape[i] == -1 ? old : newShape[i]
            sh[i] = want
            if want == old {
                st[i] = strides[i - lead]
            } else if old != 1 {
                throw TensorError.shape("expand", "cannot expand shape \(fmt(shape)) to \(fmt(newShape)): dim \(dim: i) has size \(old), not 1")
            } else if want < 0 {
                throw TensorError.shape("expand", "invalid size \(want) in \(fmt(newShape))")
            }
        }
        _ = try checkedNumel(sh, op: "expand")
        let out = makeView(sh, st)
        if needsRecording {
            let old = shape
            out.record("ExpandBackward0", inputs: [self]) { ctx in [try Tensor.reduceGrad(ctx.grad, to: old)] }
        }
        return out
    }

    /// Expands to `other`'s shape.
    public func expandAs(_ other: Tensor) throws -> Tensor {
        try expand(other.shape)
    }
}
