// Exact GELU, x * Phi(x), eight lanes at a time. glibc's erff runs one lane
// at a time and dominated the MLP blocks of a transformer (15% of a GPT
// training step), so erf is evaluated as PyTorch's vectorised CPU kernel
// does: Abramowitz & Stegun 7.1.26, erf(|x|) = 1 - poly(t) e^{-x^2} with
// t = 1 / (1 + p|x|), absolute error below 1.5e-7, with the exponential from
// VMath.exp8.

import Foundation

extension VMath {
    private static let p: Float = 0.3275911
    private static let a: (Float, Float, Float, Float, Float) = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
    static let invSqrt2: Float = 0.7071067811865476
    static let invSqrt2Pi: Float = 0.3989422804014327

    /// erf for eight lanes.
    @inline(__always)
    static func erf8(_ x: F8) -> F8 {
        let ax = x.replacing(with: -x, where: x .< 0)
        let one = F8(repeating: 1)
        let t = one / (one + F8(repeating: p) * ax)
        var poly = F8(repeating: a.4)
        poly = poly * t + F8(repeating: a.3)
        poly = poly * t + F8(repeating: a.2)
        poly = poly * t + F8(repeating: a.1)
        poly = poly * t + F8(repeating: a.0)
        let y = one - poly * t * exp8(-(ax * ax), nonPositive: true)
        return y.replacing(with: -y, where: x .< 0)
    }

    /// dst[i] = gelu(src[i]), exact form.
    static func gelu(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        let half = F8(repeating: 0.5), one = F8(repeating: 1), scale = F8(repeating: invSqrt2)
        var i = 0
        while i + 8 <= n {
            let x = load(src + i)
            store(half * x * (one + erf8(x * scale)), dst + i)
            i += 8
        }
        while i < n {
            let x = src[i]
            dst[i] = 0.5 * x * (1 + erff(x * invSqrt2))
            i += 1
        }
    }

    /// dst[i] = g[i] * gelu'(x[i]), exact form: Phi(x) + x phi(x).
    static func geluBackward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        let half = F8(repeating: 0.5), one = F8(repeating: 1), scale = F8(repeating: invSqrt2)
        let density = F8(repeating: invSqrt2Pi)
        var i = 0
        while i + 8 <= n {
            let xv = load(x + i)
            let cdf = half * (one + erf8(xv * scale))
            let pdf = density * exp8(-half * xv * xv, nonPositive: true)
            store(load(g + i) * (cdf + xv * pdf), dst + i)
            i += 8
        }
        while i < n {
            let xi = x[i]
            let cdf = 0.5 * (1 + erff(xi * invSqrt2))
            dst[i] = g[i] * (cdf + xi * invSqrt2Pi * expf(-0.5 * xi * xi))
            i += 1
        }
    }
}
