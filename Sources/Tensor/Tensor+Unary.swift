// Unary elementwise math, each op's backward right below its forward.
//
// Backward closures get the output gradient and the tensors saved at
// forward time; they run with grad mode off and use fused two-operand
// kernels (`grad`, `saved`) -> input gradient, so a backward step costs one
// pass over memory.

import Foundation

extension Tensor {
    /// Fused backward kernel: f(grad, saved) elementwise.
    @inline(__always)
    static func bw(_ g: Tensor, _ t: Tensor, _ f: (Float, Float) -> Float) throws -> Tensor {
        try mapBinary("backward", g, t, f)
    }

    /// Elementwise negation.
    public func neg() throws -> Tensor {
        let out = try mapUnary("neg", Ops.MulScalar(s: -1))
        if needsRecording {
            out.record("NegBackward0", inputs: [self]) { ctx in
                [try ctx.grad.mapUnary("neg", Ops.MulScalar(s: -1))]
            }
        }
        return out
    }

    /// Elementwise absolute value (gradient 0 at 0, like PyTorch).
    public func abs() throws -> Tensor {
        let out = try mapUnary("abs") { Swift.abs($0) }
        if needsRecording {
            out.record("AbsBackward0", inputs: [self], saved: [self]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, x in x > 0 ? g : (x < 0 ? -g : 0) }]
            }
        }
        return out
    }

    /// Elementwise e^x.
    public func exp() throws -> Tensor {
        let out = try mapBuffer("exp", cost: 4, VMath.exp)
        if needsRecording {
            out.record("ExpBackward0", inputs: [self], saved: [out]) { ctx in
                [try Tensor.mapBinary("exp_backward", ctx.grad, ctx.saved[0], Ops.Mul())]
            }
        }
        return out
    }

    /// Elementwise natural logarithm (-inf at 0, NaN below).
    public func log() throws -> Tensor {
        let out = try mapUnary("log", cost: 8) { logf($0) }
        if needsRecording {
            out.record("LogBackward0", inputs: [self], saved: [self]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { $0 / $1 }]
            }
        }
        return out
    }

    /// Elementwise log(1 + x), accurate for small x.
    public func log1p() throws -> Tensor {
        let out = try mapUnary("log1p", cost: 8) { log1pf($0) }
        if needsRecording {
            out.record("Log1PBackward0", inputs: [self], saved: [self]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { $0 / (1 + $1) }]
            }
        }
        return out
    }

    /// Elementwise square root.
    public func sqrt() throws -> Tensor {
        let out = try mapUnary("sqrt", cost: 2) { $0.squareRoot() }
        if needsRecording {
            out.record("SqrtBackward0", inputs: [self], saved: [out]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { $0 / (2 * $1) }]
            }
        }
        return out
    }

    /// Elementwise 1/sqrt(x).
    public func rsqrt() throws -> Tensor {
        let out = try mapUnary("rsqrt", cost: 2) { 1 / $0.squareRoot() }
        if needsRecording {
            out.record("RsqrtBackward0", inputs: [self], saved: [out]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, y in -0.5 * g * y * y * y }]
            }
        }
        return out
    }

    /// Elementwise x*x.
    public func square() throws -> Tensor {
        let out = try mapUnary("square") { $0 * $0 }
        if needsRecording {
            out.record("PowBackward0", inputs: [self], saved: [self]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, x in 2 * x * g }]
            }
        }
        return out
    }

    /// Elementwise 1/x.
    public func reciprocal() throws -> Tensor {
        let out = try mapUnary("reciprocal") { 1 / $0 }
        if needsRecording {
            out.record("ReciprocalBackward0", inputs: [self], saved: [out]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, y in -g * y * y }]
            }
        }
        return out
    }

    /// Elementwise sine.
    public func sin() throws -> Tensor {
        let out = try mapUnary("sin", cost: 8) { sinf($0) }
        if needsRecording {
            out.record("SinBackward0", inputs: [self], saved: [self]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, x in g * cosf(x) }]
            }
        }
        return out
    }

    /// Elementwise cosine.
    public func cos() throws -> Tensor {
        let out = try mapUnary("cos", cost: 8) { cosf($0) }
        if needsRecording {
            out.record("CosBackward0", inputs: [self], saved: [self]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, x in -g * sinf(x) }]
            }
        }
        return out
    }

    /// Elementwise hyperbolic tangent.
    public func tanh() throws -> Tensor {
        let out = try mapUnary("tanh", cost: 8) { tanhf($0) }
        if needsRecording {
            out.record("TanhBackward0", inputs: [self], saved: [out]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, y in g * (1 - y * y) }]
            }
        }
        return out
    }

    /// Elementwise logistic function 1 / (1 + e^-x).
    public func sigmoid() throws -> Tensor {
        let out = try mapBuffer("sigmoid", cost: 4, VMath.sigmoid)
        if needsRecording {
            out.record("SigmoidBackward0", inputs: [self], saved: [out]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, y in g * y * (1 - y) }]
            }
        }
        return out
    }

    /// Elementwise max(x, 0); the gradient at 0 is 0, like PyTorch.
    public func relu() throws -> Tensor {
        let out = try mapUnary("relu", Ops.Relu())
        if needsRecording {
            out.record("ReluBackward0", inputs: [self], saved: [out]) { ctx in
                [try Tensor.mapBinary("relu_backward", ctx.grad, ctx.saved[0], Ops.ReluBackward())]
            }
        }
        return out
    }

    /// How `gelu` evaluates the Gaussian CDF.
    public enum GeluApproximation: String, Sendable {
        /// x * Φ(x) with the exact error function.
        case none
        /// 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))), as in GPT-2.
        case tanh
    }

    /// Gaussian error linear unit, exact (`.none`) or tanh approximation.
    public func gelu(approximate: GeluApproximation = .none) throws -> Tensor {
        let k: Float = 0.7978845608028654      // sqrt(2/pi)
        let c: Float = 0.044715
        let invSqrt2: Float = 0.7071067811865476
        let out: Tensor
        switch approximate {
        case .none:
            out = try mapBuffer("gelu", cost: 4, VMath.gelu)
        case .tanh:
            out = try mapUnary("gelu", cost: 8) { x in 0.5 * x * (1 + tanhf(k * (x + c * x * x * x))) }
        }
        if needsRecording {
            out.record("GeluBackward0", inputs: [self], saved: [self]) { ctx in
                switch approximate {
                case .none:
                    let (g, x) = (ctx.grad, ctx.saved[0])
                    if g.isContiguous && x.isContiguous && g.shape == x.shape {
                        let out = try x.emptyLikeRaw("gelu")
                        let (gp, xp, op) = (g.base, x.base, out.base)
                        Parallel.chunks(x.count, cost: 4) { lo, hi in VMath.geluBackward(gp + lo, xp + lo, op + lo, hi - lo) }
                        return [out]
                    }
                    return [try Tensor.bw(g, x) { g, x in
                        let cdf = 0.5 * (1 + erff(x * invSqrt2))
                        return g * (cdf + x * VMath.invSqrt2Pi * expf(-0.5 * x * x))
                    }]
                case .tanh:
                    return [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, x in
                        let t = tanhf(k * (x + c * x * x * x))
                        let du = k * (1 + 3 * c * x * x)
                        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
                    }]
                }
            }
        }
        return out
    }

    /// x * sigmoid(x) (a.k.a. swish).
    public func silu() throws -> Tensor {
        let out = try mapUnary("silu", cost: 8) { x in x / (1 + expf(-x)) }
        if needsRecording {
            out.record("SiluBackward0", inputs: [self], saved: [self]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, x in
                    let s = 1 / (1 + expf(-x))
                    return g * s * (1 + x * (1 - s))
                }]
            }
        }
        return out
    }

    /// Elementwise x^p for a scalar exponent.
    public func pow(_ p: Float) throws -> Tensor {
        let out: Tensor
        switch p {
        case 1: out = try mapUnary("pow") { $0 }
        case 2: out = try mapUnary("pow") { $0 * $0 }
        case 0.5: out = try mapUnary("pow", cost: 2) { $0.squareRoot() }
        case -1: out = try mapUnary("pow") { 1 / $0 }
        default: out = try mapUnary("pow", cost: 8) { powf($0, p) }
        }
        if needsRecording {
            out.record("PowBackward0", inputs: [self], saved: [self]) { ctx in
                if p == 0 { return [try ctx.grad.mapUnary("pow_backward") { _ in 0 }] }
                if p == 2 { return [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, x in 2 * x * g }] }
                return [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, x in g * p * powf(x, p - 1) }]
            }
        }
        return out
    }

    /// Limits every element to `[min, max]` (either bound may be nil). The
    /// gradient passes where min <= x <= max, like PyTorch.
    public func clamp(min lo: Float? = nil, max hi: Float? = nil) throws -> Tensor {
        guard lo != nil || hi != nil else {
            throw TensorError.arg("clamp", "at least one of min and max must be given")
        }
        let l = lo ?? -.infinity, h = hi ?? .infinity
        let out = try mapUnary("clamp") { x in x < l ? l : (x > h ? h : x) }
        if needsRecording {
            out.record("ClampBackward1", inputs: [self], saved: [self]) { ctx in
                [try Tensor.bw(ctx.grad, ctx.saved[0]) { g, x in x >= l && x <= h ? g : 0 }]
            }
        }
        return out
    }

    /// Elementwise sign: -1, 0 or 1 (gradient zero).
    public func sign() throws -> Tensor {
        try mapUnary("sign") { $0 > 0 ? 1 : ($0 < 0 ? -1 : $0) }
    }

    /// Elementwise floor (not differentiable; result does not require grad).
    public func floor() throws -> Tensor {
        try mapUnary("floor") { $0.rounded(.down) }
    }

    /// Elementwise round half to even, like torch.round (not differentiable).
    public func round() throws -> Tensor {
        try mapUnary("round") { $0.rounded(.toNearestOrEven) }
    }
}
