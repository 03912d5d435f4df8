// Joining and splitting: cat, stack, split, chunk.
//
// cat copies each input into its slot of one fresh tensor and its backward
// hands each input the matching slice of the gradient. split and chunk
// return slices (views), so their gradients come from slice's backward.

extension Tensor {
    /// Concatenates tensors along `dim`; all must agree on every other dim.
    /// As in PyTorch, 1-D empty tensors are skipped, so an accumulator can
    /// start as `Tensor.zeros([0])`.
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        let parts = tensors.filter { !($0.ndim == 1 && $0.count == 0) }
        guard let first = parts.first else {
            guard !tensors.isEmpty else { throw TensorError.arg("cat", "expects a non-empty list of tensors") }
            return try Tensor.zeros([0])
        }
        guard first.ndim > 0 else {
            throw TensorError.dim("cat", "zero-dimensional tensors cannot be concatenated; unsqueeze them or use stack")
        }
        let d = try normDim(dim, first.ndim, "cat")
        var outShape = first.shape
        outShape[d] = 0
        for (i, t) in parts.enumerated() {
            var ok = t.ndim == first.ndim
            if ok { for j in 0..<t.ndim where j != d && t.shape[j] != first.shape[j] { ok = false } }
            guard ok else {
                throw TensorError.shape("cat", "tensor \(position: i) has shape \(fmt(t.shape)), which does not match \(fmt(first.shape)) outside dim \(dim: d)")
            }
            let (s, o) = outShape[d].addingReportingOverflow(t.shape[d])
            guard !o else { throw TensorError(.allocation, "cat", "result is too large") }
            outShape[d] = s
        }
        let out = try Tensor.uninitialized(outShape, op: "cat")
        var at = 0
        var sizes: [Int] = []
        for t in parts {
            let n = t.shape[d]
            let dst = out.base + at * out.strides[d]
            copyStrided(from: t.base, strides: t.strides, shape: t.shape, to: dst, dstStrides: out.strides)
            sizes.append(n)
            at += n
        }
        if needsRecording(parts) {
            out.record("CatBackward0", inputs: parts) { ctx in
                var grads: [Tensor?] = []
                var start = 0
                for (i, n) in sizes.enumerated() {
                    grads.append(ctx.needs[i] ? try ctx.grad.slice(d, start, start + n) : nil)
                    start += n
                }
                return grads
            }
        }
        return out
    }

    /// Joins equally shaped tensors along a new dim inserted at `dim`.
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError.arg("stack", "expects a non-empty list of tensors") }
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw TensorError.shape("stack", "all tensors must have the same shape: tensor \(position: 0) has shape \(fmt(first.shape)), tensor \(position: i) has \(fmt(t.shape))")
        }
        let d = try normDim(dim, first.ndim + 1, "stack")
        let parts = try tensors.map { try $0.unsqueeze(d) }
        if first.count == 0 {
            var sh = first.shape
            sh.insert(tensors.count, at: d)
            return try Tensor.zeros(sh)
        }
        return try cat(parts, dim: d)
    }

    /// Splits into pieces of `size` along `dim` (the last may be smaller);
    /// the pieces are views.
    public func split(_ size: Int, dim: Int = 0) throws -> [Tensor] {
        guard size > 0 else { throw TensorError.arg("split", "split size must be positive, got \(size)") }
        guard ndim > 0 else { throw TensorError.dim("split", "cannot split a 0-d tensor") }
        let d = try normDim(dim, ndim, "split")
        let n = shape[d]
        if n == 0 { return [try slice(d, 0, 0)] }
        return try stride(from: 0, to: n, by: size).map { try slice(d, $0, Swift.min(n, $0 + size)) }
    }

    /// Splits into pieces with the given sizes along `dim`, which must add
    /// up to the dim's size; the pieces are views.
    public func split(sizes: [Int], dim: Int = 0) throws -> [Tensor] {
        guard ndim > 0 else { throw TensorError.dim("split", "cannot split a 0-d tensor") }
        let d = try normDim(dim, ndim, "split")
        var total = 0, overflow = false
        for n in sizes {
            let (t, o) = total.addingReportingOverflow(n)
            total = t
            overflow = overflow || o || n < 0
        }
        guard !overflow, total == shape[d] else {
            throw TensorError.shape("split", "sizes \(sizes) do not add up to \(shape[d]), the size of dim \(dim: d) of shape \(fmt(shape))")
        }
        var start = 0
        return try sizes.map { n in
            defer { start += n }
            return try slice(d, start, start + n)
        }
    }

    /// Splits into `chunks` nearly equal pieces along `dim` (fewer when the
    /// dim is too short), like torch.chunk.
    public func chunk(_ chunks: Int, dim: Int = 0) throws -> [Tensor] {
        guard chunks > 0 else { throw TensorError.arg("chunk", "number of chunks must be positive, got \(chunks)") }
        guard ndim > 0 else { throw TensorError.dim("chunk", "cannot chunk a 0-d tensor") }
        let d = try normDim(dim, ndim, "chunk")
        let n = shape[d]
        let size = n == 0 ? 1 : (n - 1) / chunks + 1
        return try split(size, dim: d)
    }
}
