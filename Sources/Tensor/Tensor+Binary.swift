// Binary elementwise ops with NumPy broadcasting, scalar operands on either
// side, comparisons to 0/1 masks, `where`, and the arithmetic operators.
//
// A gradient flowing into a broadcast operand is summed back over the dims
// that broadcasting stretched (`reduceGrad`), so `bias` of shape [10] added
// to activations of shape [64, 10] gets a [10] gradient.

import Foundation

extension Tensor {
    /// Sums `g` down to `shape` (the inverse of broadcasting `shape` up to
    /// g's shape). Returns `g` itself when nothing was broadcast.
    static func reduceGrad(_ g: Tensor, to shape: [Int]) throws -> Tensor {
        if g.shape == shape { return g }
        let lead = g.ndim - shape.count
        var dims = Array(0..<lead)
        for (i, s) in shape.enumerated() where s == 1 && g.shape[lead + i] != 1 {
            dims.append(lead + i)
        }
        let summed = try g.sum(dims, keepdim: true)
        return try summed.reshape(shape)
    }

    // MARK: - Arithmetic

    /// Records `out`, the result of a broadcasting op on self and `other`:
    /// `gradient(ctx, i)` is input i's gradient at the broadcast shape, asked
    /// only for inputs that need one, and summed back here to that input's
    /// own shape.
    private func recordBroadcast(_ out: Tensor, _ node: String, _ other: Tensor, saved: [Tensor] = [],
                                 gradient: @escaping (_ ctx: BackwardContext, _ input: Int) throws -> Tensor) {
        guard Tensor.needsRecording(self, other) else { return }
        let shapes = [shape, other.shape]
        out.record(node, inputs: [self, other], saved: saved) { ctx in
            try (0..<2).map { i in ctx.needs[i] ? try Tensor.reduceGrad(try gradient(ctx, i), to: shapes[i]) : nil }
        }
    }

    /// self + alpha * other, broadcasting.
    public func add(_ other: Tensor, alpha: Float = 1) throws -> Tensor {
        let out = alpha == 1
            ? try Tensor.mapBinary("add", self, other, Ops.Add())
            : try Tensor.mapBinary("add", self, other, Ops.AddScaled(alpha: alpha))
        recordBroadcast(out, "AddBackward0", other) { ctx, i in
            i == 0 || alpha == 1 ? ctx.grad : try ctx.grad.mapUnary("add_backward") { alpha * $0 }
        }
        return out
    }

    /// self + s.
    public func add(_ s: Float) throws -> Tensor {
        let out = try mapUnary("add", Ops.AddScalar(t: s))
        if needsRecording {
            out.record("AddBackward0", inputs: [self]) { ctx in [ctx.grad] }
        }
        return out
    }

    /// self - alpha * other, broadcasting.
    public func sub(_ other: Tensor, alpha: Float = 1) throws -> Tensor {
        let out = alpha == 1
            ? try Tensor.mapBinary("sub", self, other, Ops.Sub())
            : try Tensor.mapBinary("sub", self, other, Ops.AddScaled(alpha: -alpha))
        recordBroadcast(out, "SubBackward0", other) { ctx, i in
            i == 0 ? ctx.grad : try ctx.grad.mapUnary("sub_backward") { -alpha * $0 }
        }
        return out
    }

    /// self - s.
    public func sub(_ s: Float) throws -> Tensor { try add(-s) }

    /// s - self.
    public func rsub(_ s: Float) throws -> Tensor {
        let out = try mapUnary("rsub", Ops.Affine(s: -1, t: s))
        if needsRecording {
            out.record("RsubBackward1", inputs: [self]) { ctx in
                [try ctx.grad.mapUnary("rsub_backward") { -$0 }]
            }
        }
        return out
    }

    /// self * other, broadcasting.
    public func mul(_ other: Tensor) throws -> Tensor {
        let out = try Tensor.mapBinary("mul", self, other, Ops.Mul())
        // d(a*b)/da = b and d(a*b)/db = a: each input's gradient is the other times the incoming one.
        recordBroadcast(out, "MulBackward0", other, saved: [self, other]) { ctx, i in
            try Tensor.mapBinary("mul_backward", ctx.grad, ctx.saved[1 - i], Ops.Mul())
        }
        return out
    }

    /// self * s.
    public func mul(_ s: Float) throws -> Tensor { try scaled("mul", node: "MulBackward0", Ops.MulScalar(s: s)) }

    /// self / other, broadcasting.
    public func div(_ other: Tensor) throws -> Tensor {
        let out = try Tensor.mapBinary("div", self, other, Ops.Div())
        recordBroadcast(out, "DivBackward0", other, saved: [other, out]) { ctx, i in
            let (b, y) = (ctx.saved[0], ctx.saved[1])
            if i == 0 { return try Tensor.bw(ctx.grad, b, /) }
            // d(a/b)/db = -a/b^2 = -y/b
            return try Tensor.bw(ctx.grad, try Tensor.mapBinary("div_backward", y, b) { -$0 / $1 }, *)
        }
        return out
    }

    /// self / s.
    public func div(_ s: Float) throws -> Tensor { try scaled("div", node: "DivBackward0", Ops.DivScalar(s: s)) }

    /// self scaled by a constant (x * s, x / s): linear, so the gradient is
    /// the incoming gradient scaled the same way.
    private func scaled<Op: UnaryOp>(_ name: String, node: String, _ op: Op) throws -> Tensor {
        let out = try mapUnary(name, op)
        if needsRecording {
            out.record(node, inputs: [self]) { ctx in [try ctx.grad.mapUnary(name + "_backward", op)] }
        }
        return out
    }

    /// s / self.
    public func rdiv(_ s: Float) throws -> Tensor {
        let out = try mapUnary("rdiv") { s / $0 }
        if needsRecording {
            out.record("DivBackward2", inputs: [self], saved: [self, out]) { ctx in
                let t = try Tensor.mapBinary("rdiv_backward", ctx.saved[1], ctx.saved[0]) { -$0 / $1 }
                return [try Tensor.bw(ctx.grad, t, *)]
            }
        }
        return out
    }

    /// self ^ other elementwise, broadcasting. The exponent's gradient is
    /// taken as 0 where the base is 0, like PyTorch.
    public func pow(_ other: Tensor) throws -> Tensor {
        let out = try Tensor.mapBinary("pow", self, other) { powf($0, $1) }
        recordBroadcast(out, "PowBackward1", other, saved: [self, other, out]) { ctx, i in
            let (a, b, y) = (ctx.saved[0], ctx.saved[1], ctx.saved[2])
            let d = i == 0
                ? try Tensor.mapBinary("pow_backward", a, b) { x, p in p == 0 ? 0 : p * powf(x, p - 1) }
                : try Tensor.mapBinary("pow_backward", y, a) { v, x in x == 0 ? 0 : v * logf(x) }
            return try Tensor.bw(ctx.grad, d, *)
        }
        return out
    }

    /// base ^ exponent for a scalar base.
    public static func pow(_ base: Float, _ exponent: Tensor) throws -> Tensor {
        let lb = logf(base)
        let out = try exponent.mapUnary("pow", cost: 8) { powf(base, $0) }
        if exponent.needsRecording {
            out.record("PowBackward2", inputs: [exponent], saved: [out]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, y in base == 0 ? 0 : g * y * lb }]
            }
        }
        return out
    }

    /// Elementwise maximum, broadcasting; ties split the gradient evenly.
    public func maximum(_ other: Tensor) throws -> Tensor {
        try minMax("maximum", "MaximumBackward0", other, pickSelf: { $0 > $1 })
    }

    /// Elementwise minimum, broadcasting; ties split the gradient evenly.
    public func minimum(_ other: Tensor) throws -> Tensor {
        try minMax("minimum", "MinimumBackward0", other, pickSelf: { $0 < $1 })
    }

    private func minMax(_ op: String, _ node: String, _ other: Tensor,
                        pickSelf: @escaping (Float, Float) -> Bool) throws -> Tensor {
        let out = try Tensor.mapBinary(op, self, other) { a, b in
            a != a || b != b ? .nan : (pickSelf(a, b) ? a : b)
        }
        recordBroadcast(out, node, other, saved: [self, other]) { ctx, i in
            let share = try Tensor.mapBinary(op, ctx.saved[0], ctx.saved[1]) { x, y in x == y ? 0.5 : (pickSelf(x, y) ? 1 : 0) }
            return i == 0 ? try Tensor.bw(ctx.grad, share, *) : try Tensor.bw(ctx.grad, share) { g, s in g * (1 - s) }
        }
        return out
    }

    // MARK: - Comparisons (masks of 0 and 1, never recorded)

    /// 1 where self == other, else 0.
    public func eq(_ other: Tensor) throws -> Tensor { try Tensor.mapBinary("eq", self, other) { $0 == $1 ? 1 : 0 } }
    /// 1 where self != other, else 0.
    public func ne(_ other: Tensor) throws -> Tensor { try Tensor.mapBinary("ne", self, other) { $0 != $1 ? 1 : 0 } }
    /// 1 where self < other, else 0.
    public func lt(_ other: Tensor) throws -> Tensor { try Tensor.mapBinary("lt", self, other) { $0 < $1 ? 1 : 0 } }
    /// 1 where self <= other, else 0.
    public func le(_ other: Tensor) throws -> Tensor { try Tensor.mapBinary("le", self, other) { $0 <= $1 ? 1 : 0 } }
    /// 1 where self > other, else 0.
    public func gt(_ other: Tensor) throws -> Tensor { try Tensor.mapBinary("gt", self, other) { $0 > $1 ? 1 : 0 } }
    /// 1 where self >= other, else 0.
    public func ge(_ other: Tensor) throws -> Tensor { try Tensor.mapBinary("ge", self, other) { $0 >= $1 ? 1 : 0 } }
    /// 1 where self == s, else 0.
    public func eq(_ s: Float) throws -> Tensor { try mapUnary("eq") { $0 == s ? 1 : 0 } }
    /// 1 where self != s, else 0.
    public func ne(_ s: Float) throws -> Tensor { try mapUnary("ne") { $0 != s ? 1 : 0 } }
    /// 1 where self < s, else 0.
    public func lt(_ s: Float) throws -> Tensor { try mapUnary("lt") { $0 < s ? 1 : 0 } }
    /// 1 where self <= s, else 0.
    public func le(_ s: Float) throws -> Tensor { try mapUnary("le") { $0 <= s ? 1 : 0 } }
    /// 1 where self > s, else 0.
    public func gt(_ s: Float) throws -> Tensor { try mapUnary("gt") { $0 > s ? 1 : 0 } }
    /// 1 where self >= s, else 0.
    public func ge(_ s: Float) throws -> Tensor { try mapUnary("ge") { $0 >= s ? 1 : 0 } }

    /// Elementwise choice: `a` where `condition` is nonzero, else `b`; all
    /// three broadcast together.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try mapTernary("where", condition, a, b) { c, x, y in c != 0 ? x : y }
        if needsRecording(a, b) {
            let sa = a.shape, sb = b.shape
            out.record("WhereBackward0", inputs: [a, b], saved: [condition]) { ctx in
                let c = ctx.saved[0]
                return [ctx.needs[0] ? try Tensor.reduceGrad(try Tensor.bw(ctx.grad, c) { g, m in m != 0 ? g : 0 }, to: sa) : nil,
                        ctx.needs[1] ? try Tensor.reduceGrad(try Tensor.bw(ctx.grad, c) { g, m in m != 0 ? 0 : g }, to: sb) : nil]
            }
        }
        return out
    }

    /// `where` with a scalar for the "false" branch.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Float) throws -> Tensor {
        try `where`(condition, a, Tensor(scalar: b))
    }

    // MARK: - Operators

    /// Broadcasting addition.
    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.add(b) }
    /// Adds a scalar.
    public static func + (a: Tensor, b: Float) throws -> Tensor { try a.add(b) }
    /// Adds a scalar.
    public static func + (a: Float, b: Tensor) throws -> Tensor { try b.add(a) }
    /// Broadcasting subtraction.
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.sub(b) }
    /// Subtracts a scalar.
    public static func - (a: Tensor, b: Float) throws -> Tensor { try a.sub(b) }
    /// Scalar minus tensor.
    public static func - (a: Float, b: Tensor) throws -> Tensor { try b.rsub(a) }
    /// Broadcasting multiplication.
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.mul(b) }
    /// Multiplies by a scalar.
    public static func * (a: Tensor, b: Float) throws -> Tensor { try a.mul(b) }
    /// Multiplies by a scalar.
    public static func * (a: Float, b: Tensor) throws -> Tensor { try b.mul(a) }
    /// Broadcasting division.
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.div(b) }
    /// Divides by a scalar.
    public static func / (a: Tensor, b: Float) throws -> Tensor { try a.div(b) }
    /// Scalar divided by tensor.
    public static func / (a: Float, b: Tensor) throws -> Tensor { try b.rdiv(a) }
    /// Negation.
    public static prefix func - (a: Tensor) throws -> Tensor { try a.neg() }
}
