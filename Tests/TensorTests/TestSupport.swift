// Helpers shared by the Tensor tests: approximate comparison, error
// expectations, deterministic test data, and the numerical gradient check
// that every differentiable op is validated against.

import Testing
@testable import Tensor

/// Asserts that two float arrays agree within `atol + rtol * |expected|`.
func expectClose(_ actual: [Float], _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    guard actual.count == expected.count else {
        Issue.record("count \(actual.count) != \(expected.count): \(actual) vs \(expected)", sourceLocation: sourceLocation)
        return
    }
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        if a.isNaN && e.isNaN { continue }
        if a == e { continue }
        if !(Swift.abs(a - e) <= atol + rtol * Swift.abs(e)) {
            Issue.record("element \(i): \(a) != \(e)\nactual:   \(actual)\nexpected: \(expected)", sourceLocation: sourceLocation)
            return
        }
    }
}

/// Asserts shape and values of a tensor.
func expectTensor(_ t: Tensor, _ shape: [Int], _ values: [Float], atol: Float = 1e-5,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(t.shape == shape, sourceLocation: sourceLocation)
    expectClose(t.toArray(), values, atol: atol, sourceLocation: sourceLocation)
}

/// Asserts that `body` throws a TensorError of `kind` whose text contains
/// every string in `fragments`.
@discardableResult
func expectError(_ kind: TensorError.Kind? = nil, _ fragments: String...,
                 sourceLocation: SourceLocation = #_sourceLocation,
                 _ body: () throws -> Any) -> TensorError? {
    do {
        let v = try body()
        Issue.record("expected a TensorError, got \(v)", sourceLocation: sourceLocation)
    } catch let e as TensorError {
        if let kind, e.kind != kind {
            Issue.record("expected kind \(kind), got \(e.kind): \(e)", sourceLocation: sourceLocation)
        }
        for f in fragments where !e.description.contains(f) {
            Issue.record("error \"\(e)\" does not mention \"\(f)\"", sourceLocation: sourceLocation)
        }
        return e
    } catch {
        Issue.record("expected a TensorError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A tensor of `shape` with distinct values spaced `gap` apart in a
/// shuffled order (no ties, nothing near 0), for checking max/min/abs/relu
/// gradients away from their kinks.
func distinct(_ shape: [Int], seed: UInt64 = 1, gap: Float = 0.1) throws -> Tensor {
    let n = shape.reduce(1, *)
    let g = Generator(seed: seed)
    var vals = (0..<n).map { Float($0) - Float(n) / 2 + 0.5 }
    for i in stride(from: n - 1, to: 0, by: -1) {
        let j = Int(g.nextUInt64() % UInt64(i + 1))
        vals.swapAt(i, j)
    }
    // The +0.5 above keeps every value at least gap/2 away from zero.
    return try Tensor(shape: shape, data: vals.map { $0 * gap })
}

/// Standard normal test data from a private generator.
func normal(_ shape: [Int], seed: UInt64 = 7) throws -> Tensor {
    try Tensor.randn(shape, generator: Generator(seed: seed))
}

/// Uniform test data in [lo, hi) from a private generator.
func uniform(_ shape: [Int], _ lo: Float, _ hi: Float, seed: UInt64 = 11) throws -> Tensor {
    let u = try Tensor.rand(shape, generator: Generator(seed: seed))
    return try u.mul(hi - lo).add(lo)
}

/// Compares autograd gradients of `f` with central differences.
///
/// The scalar checked is L = sum(f(inputs) * w) for a fixed random `w`, so
/// every output element is exercised; L is accumulated in Double so that
/// only float32 rounding of f itself limits the numerical estimate.
func gradCheck(_ inputs: [Tensor], eps: Float = 1e-2, atol: Double = 3e-3, rtol: Double = 3e-3,
               sourceLocation: SourceLocation = #_sourceLocation,
               _ f: ([Tensor]) throws -> Tensor) throws {
    let leaves = try inputs.map { try $0.detach().clone().requiresGrad() }
    let out = try f(leaves)
    let w = try Tensor.randn(out.shape, generator: Generator(seed: 99))
    let wv = w.toArray().map(Double.init)
    try out.mul(w).sum().backward()

    func loss(_ xs: [Tensor]) throws -> Double {
        let y = try Tensor.noGrad { try f(xs) }.toArray()
        var s = 0.0
        for (a, b) in zip(y, wv) { s += Double(a) * b }
        return s
    }
    for (k, x) in inputs.enumerated() {
        let analytic = leaves[k].grad?.toArray() ?? [Float](repeating: 0, count: x.count)
        let base = x.toArray()
        for j in 0..<x.count {
            var plus = base, minus = base
            plus[j] += eps
            minus[j] -= eps
            var xp = inputs, xm = inputs
            xp[k] = try Tensor(shape: x.shape, data: plus)
            xm[k] = try Tensor(shape: x.shape, data: minus)
            let numeric = (try loss(xp) - loss(xm)) / Double(plus[j] - minus[j])
            let a = Double(analytic[j])
            if Swift.abs(a - numeric) > atol + rtol * Swift.abs(numeric) {
                Issue.record("input \(k) element \(j): analytic \(a), numeric \(numeric)", sourceLocation: sourceLocation)
                return
            }
        }
    }
}
