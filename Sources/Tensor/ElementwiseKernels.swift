// The loops behind every elementwise op, out-of-place and in-place.
//
// The scalar function comes either as a small struct conforming to UnaryOp
// or BinaryOp (hot ops: the generic loop is specialised per struct, so it
// stays inlined and vectorised even inside a parallel worker) or as a
// closure (everything else: inlined on the calling thread only, because a
// closure captured by a worker becomes an indirect call per element).
// Contiguous operands of the same shape skip the stride machinery, which
// keeps the per-op overhead of small tensors low.

/// A scalar function of one float, as a type so kernels specialise on it.
protocol UnaryOp { func callAsFunction(_ x: Float) -> Float }
/// A scalar function of two floats, as a type so kernels specialise on it.
protocol BinaryOp { func callAsFunction(_ a: Float, _ b: Float) -> Float }

struct AnyUnary: UnaryOp {
    let f: (Float) -> Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { f(x) }
}

struct AnyBinary: BinaryOp {
    let f: (Float, Float) -> Float
    @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { f(a, b) }
}

/// The hot scalar functions.
enum Ops {
    struct Add: BinaryOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
    struct Sub: BinaryOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
    struct Mul: BinaryOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
    struct Div: BinaryOp { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
    /// a + alpha * b
    struct AddScaled: BinaryOp {
        let alpha: Float
        @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + alpha * b }
    }
    /// x * s + t (covers scalar add, sub, mul, neg)
    struct Affine: UnaryOp {
        let s: Float, t: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x * s + t }
    }
    struct AddScalar: UnaryOp {
        let t: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x + t }
    }
    struct MulScalar: UnaryOp {
        let s: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x * s }
    }
    struct DivScalar: UnaryOp {
        let s: Float
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x / s }
    }
    struct Relu: UnaryOp {
        @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : (x == x ? 0 : x) }
    }
    /// g where y > 0, else 0
    struct ReluBackward: BinaryOp {
        @inline(__always) func callAsFunction(_ g: Float, _ y: Float) -> Float { y > 0 ? g : 0 }
    }
}

extension Tensor {
    /// A private contiguous copy, never recorded by autograd.
    func cloneRaw() throws -> Tensor {
        let out = try Tensor.uninitialized(knownShape: shape, count: count, op: "clone")
        if isContiguous {
            out.base.update(from: base, count: count)
        } else {
            copyStrided(from: base, strides: strides, shape: shape,
                        to: out.base, dstStrides: out.strides)
        }
        return out
    }

    /// `self` when contiguous, else a contiguous copy; never recorded.
    @inline(__always)
    func contiguousRaw() throws -> Tensor {
        isContiguous ? self : try cloneRaw()
    }

    /// A fresh tensor shaped like `self`, with contiguous strides.
    @inline(__always)
    func emptyLikeRaw(_ op: String) throws -> Tensor {
        // A contiguous tensor's strides are valid for a fresh buffer of the
        // same shape; reusing the arrays saves two allocations per op.
        if isContiguous {
            return Tensor(storage: try Storage.make(count: count, op: op), shape: shape,
                          strides: strides, offset: 0, count: count, isView: false)
        }
        return try Tensor.uninitialized(knownShape: shape, count: count, op: op)
    }

    /// out[i] = op(self[i]); parallel for big tensors when `parallel`.
    @inline(__always)
    func mapUnary<Op: UnaryOp>(_ name: String, _ op: Op, parallel: Bool = true, cost: Int = 1) throws -> Tensor {
        let src = try contiguousRaw()
        let out = try emptyLikeRaw(name)
        let s = src.base, d = out.base
        Parallel.chunks(count, cost: cost, enabled: parallel) { lo, hi in
            for i in lo..<hi { d[i] = op(s[i]) }
        }
        return out
    }

    /// out[i] = f(self[i]). Cheap closures run on one thread, where the
    /// closure is inlined and the loop vectorises; costly ones (`cost` >= 4,
    /// libm calls) are worth splitting even through an indirect call.
    @inline(__always)
    func mapUnary(_ name: String, cost: Int = 1, _ f: (Float) -> Float) throws -> Tensor {
        try withoutActuallyEscaping(f) { f in
            try mapUnary(name, AnyUnary(f: f), parallel: cost >= 4, cost: cost)
        }
    }

    /// Runs a contiguous buffer kernel `k(src, dst, n)` over `self`.
    @inline(__always)
    func mapBuffer(_ op: String, cost: Int = 1,
                   _ k: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) throws -> Tensor {
        let src = try contiguousRaw()
        let out = try emptyLikeRaw(op)
        let s = src.base, d = out.base
        Parallel.chunks(count, cost: cost) { lo, hi in k(s + lo, d + lo, hi - lo) }
        return out
    }

    /// out = f(a, b) with NumPy broadcasting, on one thread (see mapUnary).
    @inline(__always)
    static func mapBinary(_ name: String, _ a: Tensor, _ b: Tensor,
                          _ f: (Float, Float) -> Float) throws -> Tensor {
        try withoutActuallyEscaping(f) { f in
            try mapBinary(name, a, b, AnyBinary(f: f), parallel: false)
        }
    }

    /// out = op(a, b) with NumPy broadcasting.
    @inline(__always)
    static func mapBinary<Op: BinaryOp>(_ name: String, _ a: Tensor, _ b: Tensor,
                                        _ op: Op, parallel: Bool = true) throws -> Tensor {
        if a.isContiguous && b.isContiguous && a.shape == b.shape {
            let out = try a.emptyLikeRaw(name)
            let x = a.base, y = b.base, o = out.base
            Parallel.chunks(a.count, enabled: parallel) { lo, hi in
                for i in lo..<hi { o[i] = op(x[i], y[i]) }
            }
            return out
        }
        let shape = try broadcastShapes(a.shape, b.shape, op: name)
        let n = try checkedNumel(shape, op: name)
        let out = try Tensor.uninitialized(knownShape: shape, count: n, op: name)
        let x = a.base, y = b.base, o = out.base
        if b.count == 1 && a.isContiguous && a.count == n {
            let v = y[0]
            Parallel.chunks(n, enabled: parallel) { lo, hi in for i in lo..<hi { o[i] = op(x[i], v) } }
            return out
        }
        if a.count == 1 && b.isContiguous && b.count == n {
            let u = x[0]
            Parallel.chunks(n, enabled: parallel) { lo, hi in for i in lo..<hi { o[i] = op(u, y[i]) } }
            return out
        }
        let plan = StridedPlan(shape: shape, strides: [
            out.strides,
            broadcastStrides(a.shape, a.strides, to: shape),
            broadcastStrides(b.shape, b.strides, to: shape),
        ])
        forEachRun3(plan) { oo, oa, ob, m, io, ia, ib in
            let d = o + oo, p = x + oa, q = y + ob
            if io == 1 && ia == 1 && ib == 1 {
                for i in 0..<m { d[i] = op(p[i], q[i]) }
            } else if io == 1 && ia == 1 && ib == 0 {
                let v = q[0]
                for i in 0..<m { d[i] = op(p[i], v) }
            } else if io == 1 && ia == 0 && ib == 1 {
                let u = p[0]
                for i in 0..<m { d[i] = op(u, q[i]) }
            } else {
                var k = 0, r = 0, s = 0
                for _ in 0..<m { d[k] = op(p[r], q[s]); k += io; r += ia; s += ib }
            }
        }
        return out
    }

    /// out = f(a, b, c) with broadcasting (used by `where` and friends,
    /// which are not hot, so operands are expanded and made contiguous).
    static func mapTernary(_ op: String, _ a: Tensor, _ b: Tensor, _ c: Tensor,
                           _ f: (Float, Float, Float) -> Float) throws -> Tensor {
        let shape = try broadcastShapes(try broadcastShapes(a.shape, b.shape, op: op), c.shape, op: op)
        let n = try checkedNumel(shape, op: op)
        let out = try Tensor.uninitialized(knownShape: shape, count: n, op: op)
        let ea = try a.broadcastRaw(to: shape, op: op).contiguousRaw()
        let eb = try b.broadcastRaw(to: shape, op: op).contiguousRaw()
        let ec = try c.broadcastRaw(to: shape, op: op).contiguousRaw()
        let x = ea.base, y = eb.base, z = ec.base, o = out.base
        for i in 0..<n { o[i] = f(x[i], y[i], z[i]) }
        return out
    }

    /// A stride-0 view of `self` as `shape` (which must be a broadcast of
    /// self's shape); not recorded.
    func broadcastRaw(to shape: [Int], op: String) throws -> Tensor {
        if shape == self.shape { return self }
        let s = try broadcastShapes(self.shape, shape, op: op)
        guard s == shape else {
            throw TensorError.shape(op, "shape \(fmt(self.shape)) cannot be broadcast to \(fmt(shape))")
        }
        return Tensor(storage: storage, shape: shape,
                      strides: broadcastStrides(self.shape, strides, to: shape),
                      offset: storageOffset, count: try checkedNumel(shape, op: op), isView: true)
    }

    // MARK: - In-place loops

    /// Refuses writes through expanded views, where one storage element
    /// stands for several tensor elements.
    func checkWritable(_ op: String) throws {
        for (s, n) in zip(strides, shape) where s == 0 && n > 1 {
            throw TensorError.arg(op, "cannot write in place into an expanded tensor of shape \(fmt(shape)) (several elements share one memory location); call contiguous() first")
        }
    }

    /// self[i] = f(self[i]) over a possibly strided self.
    @inline(__always)
    func updateUnary(_ f: (Float) -> Float) {
        withoutActuallyEscaping(f) { f in updateUnary(AnyUnary(f: f), parallel: false) }
    }

    /// self[i] = op(self[i]) over a possibly strided self.
    @inline(__always)
    func updateUnary<Op: UnaryOp>(_ op: Op, parallel: Bool = true) {
        let d = base
        if isContiguous {
            Parallel.chunks(count, enabled: parallel) { lo, hi in for i in lo..<hi { d[i] = op(d[i]) } }
            return
        }
        let plan = StridedPlan(shape: shape, strides: [strides, strides])
        forEachRun2(plan) { o, _, m, io, _ in
            var k = o
            for _ in 0..<m { d[k] = op(d[k]); k += io }
        }
    }

    /// self[i] = f(self[i], other[i]) with `other` broadcast to self's shape.
    @inline(__always)
    func updateBinary(_ name: String, _ other: Tensor, _ f: (Float, Float) -> Float) throws {
        try withoutActuallyEscaping(f) { f in try updateBinary(name, other, AnyBinary(f: f), parallel: false) }
    }

    /// self[i] = op(self[i], other[i]) with `other` broadcast to self's shape.
    @inline(__always)
    func updateBinary<Op: BinaryOp>(_ name: String, _ other: Tensor, _ op: Op, parallel: Bool = true) throws {
        var src = other
        if other.shape != shape {
            let s = try broadcastShapes(shape, other.shape, op: name)
            guard s == shape else {
                throw TensorError.shape(name, "shape \(fmt(other.shape)) cannot be broadcast to the shape \(fmt(shape)) of the tensor updated in place")
            }
        }
        // Reading and writing overlapping memory in different orders would
        // see half-updated values; read from a copy instead.
        if other.storage === storage &&
            (other.shape != shape || other.strides != strides || other.storageOffset != storageOffset) {
            src = try other.cloneRaw()
        }
        let d = base, y = src.base
        if isContiguous && src.isContiguous && src.shape == shape {
            Parallel.chunks(count, enabled: parallel) { lo, hi in for i in lo..<hi { d[i] = op(d[i], y[i]) } }
            return
        }
        if src.count == 1 && isContiguous {
            let v = y[0]
            Parallel.chunks(count, enabled: parallel) { lo, hi in for i in lo..<hi { d[i] = op(d[i], v) } }
            return
        }
        let plan = StridedPlan(shape: shape, strides: [
            strides, broadcastStrides(src.shape, src.strides, to: shape),
        ])
        forEachRun2(plan) { od, os, m, id, is_ in
            let p = d + od, q = y + os
            if id == 1 && is_ == 1 {
                for i in 0..<m { p[i] = op(p[i], q[i]) }
            } else if id == 1 && is_ == 0 {
                let v = q[0]
                for i in 0..<m { p[i] = op(p[i], v) }
            } else {
                var k = 0, r = 0
                for _ in 0..<m { p[k] = op(p[k], q[r]); k += id; r += is_ }
            }
        }
    }

    /// out = a + b without recording (used by the backward engine).
    func addRaw(_ other: Tensor) throws -> Tensor {
        try Tensor.mapBinary("add", self, other, Ops.Add())
    }

    /// self += other without recording or version bump (gradient buffers).
    func addInPlaceRaw(_ other: Tensor) throws {
        try updateBinary("add_", other, Ops.Add())
    }
}
