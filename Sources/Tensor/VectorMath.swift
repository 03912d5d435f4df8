// Vectorised float32 math for the hot kernels.
//
// glibc's expf runs one lane at a time; softmax, log_softmax, logsumexp and
// sigmoid spend most of their time in exp, so we evaluate it eight lanes at a
// time with the classic Cephes scheme: x = n*ln2 + r with |r| <= ln2/2,
// exp(r) from a degree-6 polynomial, 2^n built in the exponent bits. Only
// SSE2-level operations are used (no floor/round instructions), so that the
// portable build (OPSLAB_PORTABLE=1, baseline x86-64) runs the same code
// as the AVX2 one. Relative error stays below 2 ulp
// for results in the normal range; results below FLT_MIN flush to zero.

import Foundation

typealias F8 = SIMD8<Float>
typealias I8 = SIMD8<Int32>

enum VMath {
    /// e^x for eight lanes. With `nonPositive` the caller promises x <= 0
    /// or NaN (softmax after subtracting the max), which skips the overflow
    /// handling.
    @inline(__always)
    static func exp8(_ x: F8, nonPositive: Bool = false) -> F8 {
        // lo = ln(FLT_MIN): smaller results would be denormal and are
        // flushed to zero, which keeps the exponent arithmetic below valid.
        // hi is the largest float whose e^x is finite. It lies just below
        // 128*ln(2); the float just above it (88.72283935546875, the bound
        // this used to be) lies above 128*ln(2), so p came out a hair over 1
        // with n = 128, which put the exponent field at 255 with a nonzero
        // mantissa: e^x was NaN there instead of infinity.
        let hi: Float = 88.72283172607421875
        let lo: Float = -87.33654022216797
        var v = x
        if !nonPositive { v = v.replacing(with: F8(repeating: hi), where: v .> hi) }
        v = v.replacing(with: F8(repeating: lo), where: v .< lo)
        // Round x*log2(e) to nearest with the 1.5*2^23 trick: the integer
        // ends up in the low mantissa bits, readable by a bit cast.
        let magic = F8(repeating: 12582912.0)
        let t = v * F8(repeating: 1.44269504088896341) + magic
        let fn = t - magic
        let n = unsafeBitCast(t, to: I8.self) &- I8(repeating: 0x4B40_0000)
        var r = v - fn * F8(repeating: 0.693359375)
        r = r - fn * F8(repeating: -2.12194440e-4)
        var p = F8(repeating: 1.9875691500e-4)
        p = madd(p, r, F8(repeating: 1.3981999507e-3))
        p = madd(p, r, F8(repeating: 8.3334519073e-3))
        p = madd(p, r, F8(repeating: 4.1665795894e-2))
        p = madd(p, r, F8(repeating: 1.6666665459e-1))
        p = madd(p, r, F8(repeating: 5.0000001201e-1))
        p = madd(p, r * r, r) + F8(repeating: 1)
        // Scale by 2^n by adding n to p's exponent field. With x in
        // [lo, hi], n = -126 only occurs with r >= 0 (p >= 1) and n = 128
        // only with r <= 0 (p <= 1), so the exponent stays in range.
        var out = unsafeBitCast(unsafeBitCast(p, to: I8.self) &+ (n &<< 23), to: F8.self)
        if !nonPositive { out = out.replacing(with: F8(repeating: .infinity), where: x .> hi) }
        out = out.replacing(with: F8(repeating: 0), where: x .< lo)
        // NaN lanes went through the bit arithmetic as garbage; restore them.
        return out.replacing(with: x, where: x .!= x)
    }

    /// a * b + c, fused where the build enables FMA (TENSOR_FMA, set with
    /// -mfma in Package.swift): without the instruction a fused multiply-add
    /// would be a library call per lane.
    @inline(__always)
    static func madd(_ a: F8, _ b: F8, _ c: F8) -> F8 {
        #if TENSOR_FMA
        return c.addingProduct(a, b)
        #else
        return a * b + c
        #endif
    }

    @inline(__always)
    static func exp1(_ x: Float) -> Float {
        let v = exp8(F8(repeating: x))
        return v[0]
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> F8 {
        UnsafeRawPointer(p).loadUnaligned(as: F8.self)
    }

    @inline(__always)
    static func store(_ v: F8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: F8.self)
    }

    /// dst[i] = exp(src[i] - shift) (skipped when dst is nil); returns the
    /// sum of the results. dst may equal src.
    @inline(__always)
    static func expShiftSum(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>?,
                            _ n: Int, shift: Float) -> Double {
        var acc = F8(repeating: 0)
        let s = F8(repeating: shift)
        var total = 0.0
        var i = 0
        while i + 8 <= n {
            let e = exp8(load(src + i) - s, nonPositive: true)
            if let dst { store(e, dst + i) }
            acc += e
            i += 8
            // Flush the float lanes now and then so long rows keep precision.
            if i & 1023 == 0 { total += Double(acc.sum()); acc = F8(repeating: 0) }
        }
        total += Double(acc.sum())
        while i < n {
            let e = exp1(src[i] - shift)
            if let dst { dst[i] = e }
            total += Double(e)
            i += 1
        }
        return total
    }

    /// dst[i] = exp(src[i]).
    static func exp(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            store(exp8(load(src + i)), dst + i)
            i += 8
        }
        while i < n { dst[i] = exp1(src[i]); i += 1 }
    }

    /// dst[i] = 1 / (1 + exp(-src[i])).
    static func sigmoid(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        let one = F8(repeating: 1)
        var i = 0
        while i + 8 <= n {
            store(one / (one + exp8(-load(src + i))), dst + i)
            i += 8
        }
        while i < n { dst[i] = 1 / (1 + exp1(-src[i])); i += 1 }
    }

    /// Floats per block of `sum`: summed in float lanes, then added to the
    /// total in double.
    static let sumBlock = 4096

    /// Sum of n <= sumBlock contiguous floats, in float lanes.
    @inline(__always)
    static func blockSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        // Four independent chains: an add waits about three cycles for the
        // previous one on its chain, so one chain would leave the adders
        // idle most of the time.
        var a0 = F8(repeating: 0), a1 = F8(repeating: 0), a2 = F8(repeating: 0), a3 = F8(repeating: 0)
        var i = 0
        while i + 32 <= n {
            a0 += load(p + i)
            a1 += load(p + i + 8)
            a2 += load(p + i + 16)
            a3 += load(p + i + 24)
            i += 32
        }
        while i + 8 <= n {
            a0 += load(p + i)
            i += 8
        }
        var s = ((a0 + a1) + (a2 + a3)).sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// Sum of n contiguous floats: block sums (`blockSum`) added in order
    /// in double, so long sums keep their precision. A parallel caller that
    /// adds the same block sums in the same order gets the same result.
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Double {
        var total = 0.0
        var start = 0
        while start < n {
            let end = Swift.min(n, start + sumBlock)
            total += Double(blockSum(p + start, end - start))
            start = end
        }
        return total
    }

    /// Maximum (or minimum with `isMax == false`) of n > 0 contiguous
    /// floats; NaN if any element is NaN.
    @inline(__always)
    static func extreme(_ p: UnsafePointer<Float>, _ n: Int, isMax: Bool) -> Float {
        var i = 0
        var m: Float = isMax ? -.infinity : .infinity
        var sawNaN = false
        if n >= 8 {
            var acc = load(p)
            var nanMask = acc .!= acc
            i = 8
            while i + 8 <= n {
                let v = load(p + i)
                acc = acc.replacing(with: v, where: isMax ? v .> acc : v .< acc)
                nanMask .|= v .!= v
                i += 8
            }
            m = isMax ? acc.max() : acc.min()
            sawNaN = any(nanMask)
        }
        while i < n {
            let v = p[i]
            if isMax ? v > m : v < m { m = v } else if v != v { sawNaN = true }
            i += 1
        }
        return sawNaN ? .nan : m
    }

    /// Maximum of n > 0 contiguous floats; NaN if any element is NaN.
    @inline(__always)
    static func max(_ p: UnsafePointer<Float>, _ n: Int) -> Float { extreme(p, n, isMax: true) }

    /// Index of the first maximum (or minimum) of n > 0 contiguous floats,
    /// or of the first NaN when there is one: one vector pass for the
    /// value, then a scan that stops where it occurs.
    @inline(__always)
    static func argExtreme(_ p: UnsafePointer<Float>, _ n: Int, isMax: Bool) -> Int {
        let m = extreme(p, n, isMax: isMax)
        var i = 0
        if m != m {
            while p[i] == p[i] { i += 1 }
        } else {
            while p[i] != m { i += 1 }
        }
        return i
    }
}
