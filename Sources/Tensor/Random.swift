// Seedable random numbers that are the same on every run and platform.
//
// The system generator is neither seedable nor portable, so we carry our
// own: xoshiro256** (Blackman & Vigna), seeded through splitmix64 so that
// nearby seeds give unrelated streams. Uniform floats take the top 24 bits;
// normals come from Box-Muller evaluated in double precision and rounded to
// float, which hides any last-bit differences between platforms' libm.

import Foundation

/// A seedable pseudo-random generator (xoshiro256**). Thread-safe: each
/// draw of a whole tensor takes the generator's lock once.
public final class Generator: @unchecked Sendable {
    private var s0: UInt64 = 0, s1: UInt64 = 0, s2: UInt64 = 0, s3: UInt64 = 0
    private let lock = NSLock()

    /// The generator used when none is passed (seeded with 0 at start-up;
    /// reseed it with `Tensor.manualSeed`).
    public static let global = Generator(seed: 0)

    /// A generator whose stream is fully determined by `seed`.
    public init(seed: UInt64) {
        reseed(seed)
    }

    /// Restarts the stream as if freshly created with `seed`.
    public func manualSeed(_ seed: UInt64) {
        lock.lock()
        reseed(seed)
        lock.unlock()
    }

    private func reseed(_ seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(); s1 = splitmix(); s2 = splitmix(); s3 = splitmix()
    }

    @inline(__always)
    private func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Runs `body` holding the lock, with access to the raw stream.
    func withStream<R>(_ body: (() -> UInt64) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(next)
    }

    /// The next 64 random bits (for callers that build their own sampling).
    public func nextUInt64() -> UInt64 {
        withStream { $0() }
    }
}

/// Uniform float in [0, 1) from the top 24 bits.
@inline(__always)
func unitFloat(_ bits: UInt64) -> Float { Float(bits >> 40) * 0x1p-24 }

/// Uniform double in [0, 1) from the top 53 bits.
@inline(__always)
func unitDouble(_ bits: UInt64) -> Double { Double(bits >> 11) * 0x1p-53 }

/// Fills `n` floats with standard normals, pairwise by Box-Muller.
func fillNormal(_ p: UnsafeMutablePointer<Float>, _ n: Int, mean: Float, std: Float, _ g: Generator) {
    g.withStream { next in
        var i = 0
        while i < n {
            let u1 = 1 - unitDouble(next())      // (0, 1]: log stays finite
            let u2 = unitDouble(next())
            let r = (-2 * Foundation.log(u1)).squareRoot()
            let a = 2 * Double.pi * u2
            p[i] = mean + std * Float(r * Foundation.cos(a))
            if i + 1 < n { p[i + 1] = mean + std * Float(r * Foundation.sin(a)) }
            i += 2
        }
    }
}

/// Fills `n` floats uniformly in [low, high).
func fillUniform(_ p: UnsafeMutablePointer<Float>, _ n: Int, low: Float, high: Float, _ g: Generator) {
    g.withStream { next in
        let w = high - low
        for i in 0..<n {
            var v = low + w * unitFloat(next())
            // Rounding can land exactly on `high`; keep the interval half-open.
            if v >= high && high > low { v = low }
            p[i] = v
        }
    }
}

extension Tensor {
    /// Reseeds the global generator: the same seed gives the same numbers
    /// from `rand`, `randn`, `randint` and friends on every run.
    public static func manualSeed(_ seed: UInt64) {
        Generator.global.manualSeed(seed)
    }

    /// Uniform samples in [0, 1).
    public static func rand(_ shape: [Int], generator: Generator? = nil, requiresGrad: Bool = false) throws -> Tensor {
        let t = try uninitialized(shape, op: "rand")
        fillUniform(t.base, t.count, low: 0, high: 1, generator ?? .global)
        t.requiresGradFlag = requiresGrad
        return t
    }

    /// Standard normal samples (mean 0, standard deviation 1).
    public static func randn(_ shape: [Int], generator: Generator? = nil, requiresGrad: Bool = false) throws -> Tensor {
        let t = try uninitialized(shape, op: "randn")
        fillNormal(t.base, t.count, mean: 0, std: 1, generator ?? .global)
        t.requiresGradFlag = requiresGrad
        return t
    }

    /// Uniform integers in [low, high) stored as floats. Both bounds must lie
    /// within ±2^24, where float32 still represents every integer.
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], generator: Generator? = nil) throws -> Tensor {
        let lim = 1 << 24
        guard low < high else {
            throw TensorError.arg("randint", "low (\(low)) must be less than high (\(high))")
        }
        guard low >= -lim && high <= lim else {
            throw TensorError.arg("randint", "bounds [\(low), \(high)) must lie within ±\(lim) for float32 tensors")
        }
        let t = try uninitialized(shape, op: "randint")
        let range = UInt64(high - low)
        // Lemire's multiply-shift with rejection: unbiased for any range.
        let threshold = (0 &- range) % range
        (generator ?? .global).withStream { next in
            for i in 0..<t.count {
                var m = next().multipliedFullWidth(by: range)
                while m.low < threshold { m = next().multipliedFullWidth(by: range) }
                t.base[i] = Float(low + Int(m.high))
            }
        }
        return t
    }

    /// Uniform samples in [0, 1) shaped like `other`.
    public static func randLike(_ other: Tensor, generator: Generator? = nil) throws -> Tensor {
        try rand(other.shape, generator: generator)
    }

    /// Standard normal samples shaped like `other`.
    public static func randnLike(_ other: Tensor, generator: Generator? = nil) throws -> Tensor {
        try randn(other.shape, generator: generator)
    }

    /// Uniform integers in [low, high) shaped like `other`.
    public static func randintLike(_ other: Tensor, _ low: Int, _ high: Int, generator: Generator? = nil) throws -> Tensor {
        try randint(low, high, other.shape, generator: generator)
    }

    /// Refills self in place with uniform samples in [low, high) (for
    /// weight initialisers; allowed on leaves only inside `noGrad`).
    @discardableResult
    public func uniform_(_ low: Float = 0, _ high: Float = 1, generator: Generator? = nil) throws -> Tensor {
        guard low <= high else {
            throw TensorError.arg("uniform_", "low (\(low)) must not exceed high (\(high))")
        }
        try checkInPlaceAllowed("uniform_")
        let tmp = try Tensor.uninitialized(knownShape: shape, count: count, op: "uniform_")
        fillUniform(tmp.base, count, low: low, high: high, generator ?? .global)
        try writeRaw(tmp, op: "uniform_")
        return self
    }

    /// Refills self in place with normal samples of the given mean and
    /// standard deviation.
    @discardableResult
    public func normal_(mean: Float = 0, std: Float = 1, generator: Generator? = nil) throws -> Tensor {
        guard std >= 0 else { throw TensorError.arg("normal_", "std must be non-negative, got \(std)") }
        try checkInPlaceAllowed("normal_")
        let tmp = try Tensor.uninitialized(knownShape: shape, count: count, op: "normal_")
        fillNormal(tmp.base, count, mean: mean, std: std, generator ?? .global)
        try writeRaw(tmp, op: "normal_")
        return self
    }
}
