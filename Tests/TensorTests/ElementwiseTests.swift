// Known values of the elementwise ops, broadcasting, special values and
// the accuracy of the vectorised exp.

import Foundation
import Testing
@testable import Tensor

@Suite struct ElementwiseTests {
    @Test func unaryKnownValues() throws {
        let x = try Tensor([-2, -0.5, 0, 0.5, 2])
        func check(_ t: Tensor, _ f: (Double) -> Double, atol: Float = 2e-6) {
            expectClose(t.toArray(), x.toArray().map { Float(f(Double($0))) }, atol: atol, rtol: 2e-6)
        }
        check(try x.neg()) { -$0 }
        check(try x.abs()) { Swift.abs($0) }
        check(try x.exp()) { Foundation.exp($0) }
        check(try x.sin()) { Foundation.sin($0) }
        check(try x.cos()) { Foundation.cos($0) }
        check(try x.tanh()) { Foundation.tanh($0) }
        check(try x.sigmoid()) { 1 / (1 + Foundation.exp(-$0)) }
        check(try x.relu()) { Swift.max($0, 0) }
        check(try x.gelu()) { 0.5 * $0 * (1 + erf($0 / 2.squareRoot())) }
        check(try x.gelu(approximate: .tanh)) { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
        check(try x.silu()) { $0 / (1 + Foundation.exp(-$0)) }
        check(try x.square()) { $0 * $0 }
        check(try x.clamp(min: -1, max: 1)) { Swift.min(Swift.max($0, -1), 1) }
        check(try x.pow(3)) { $0 * $0 * $0 }
        check(try x.sign()) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        let p = try Tensor([0.25, 1, 4])
        expectClose(try p.log().toArray(), [Float(Foundation.log(0.25)), 0, Float(Foundation.log(4.0))])
        expectClose(try p.sqrt().toArray(), [0.5, 1, 2])
        expectClose(try p.rsqrt().toArray(), [2, 1, 0.5])
        expectClose(try p.reciprocal().toArray(), [4, 1, 0.25])
        expectClose(try p.pow(0.5).toArray(), [0.5, 1, 2])
        expectClose(try p.pow(-1.5).toArray(), [8, 1, 0.125])
        expectClose(try p.log1p().toArray(), [Float(Foundation.log(1.25)), Float(Foundation.log(2.0)), Float(Foundation.log(5.0))])
        expectClose(try Tensor([-1.5, -0.5, 0.5, 1.5, 2.5]).round().toArray(), [-2, -0, 0, 2, 2])
        expectClose(try Tensor([-1.5, 1.5]).floor().toArray(), [-2, 1])
    }

    @Test func vectorisedExpIsAccurateAndHandlesSpecialValues() throws {
        let xs = try Tensor.linspace(-87, 88, steps: 20001)
        let e = try xs.exp().toArray()
        for (x, y) in zip(xs.toArray(), e) {
            let ref = Foundation.exp(Double(x))
            #expect(Swift.abs(Double(y) - ref) <= 3e-7 * ref, "exp(\(x)) = \(y), expected \(ref)")
        }
        let special = try Tensor([.infinity, -.infinity, .nan, 100, -100, 0, 88.7, -87.3])
        let s = try special.exp().toArray()
        #expect(s[0] == .infinity && s[1] == 0 && s[2].isNaN && s[3] == .infinity && s[4] == 0 && s[5] == 1)
        #expect(s[6].isFinite && s[6] > 3e38 && s[7] > 1e-38)
        // Around the overflow threshold: the largest float with a finite
        // e^x, and the next one up (which once gave NaN, not infinity).
        let edge = try Tensor([88.72283172607421875, 88.72283935546875, 88.7228469848632812]).exp().toArray()
        #expect(edge[0].isFinite && edge[0] > 3.4027e38)
        #expect(edge[1] == .infinity && edge[2] == .infinity)
        let sg = try Tensor([-200, 200, .nan]).sigmoid().toArray()
        #expect(sg[0] == 0 && sg[1] == 1 && sg[2].isNaN)
        #expect(try Tensor([.nan]).relu().item().isNaN)
    }

    @Test func binaryBroadcasting() throws {
        let a = try Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6])
        let row = try Tensor([10, 20, 30])
        let col = try Tensor(shape: [2, 1], data: [100, 200])
        expectTensor(try a + row, [2, 3], [11, 22, 33, 14, 25, 36])
        expectTensor(try a + col, [2, 3], [101, 102, 103, 204, 205, 206])
        expectTensor(try row + col, [2, 3], [110, 120, 130, 210, 220, 230])
        expectTensor(try col - row, [2, 3], [90, 80, 70, 190, 180, 170])
        expectTensor(try a * row, [2, 3], [10, 40, 90, 40, 100, 180])
        expectTensor(try a / col, [2, 3], [0.01, 0.02, 0.03, 0.02, 0.025, 0.03])
        expectTensor(try a.add(row, alpha: 2), [2, 3], [21, 42, 63, 24, 45, 66])
        expectTensor(try a.sub(row, alpha: 0.5), [2, 3], [-4, -8, -12, -1, -5, -9])
        expectTensor(try a.pow(try Tensor([2])), [2, 3], [1, 4, 9, 16, 25, 36])
        expectTensor(try Tensor.pow(2, a), [2, 3], [2, 4, 8, 16, 32, 64])
        // Strided operands: a transposed view against a contiguous one.
        let at = try a.t()
        expectTensor(try at + (try Tensor.ones([3, 2])), [3, 2], [2, 5, 3, 6, 4, 7])
        expectTensor(try at * at, [3, 2], [1, 16, 4, 25, 9, 36])
        // Scalars on either side.
        expectTensor(try 1 - a, [2, 3], [0, -1, -2, -3, -4, -5])
        expectTensor(try 6 / a, [2, 3], [6, 3, 2, 1.5, 1.2, 1])
        expectTensor(try a - 1, [2, 3], [0, 1, 2, 3, 4, 5])
        expectTensor(try 2 * a + 1, [2, 3], [3, 5, 7, 9, 11, 13])
        expectTensor(try -a, [2, 3], [-1, -2, -3, -4, -5, -6])
        // 0-d with anything.
        expectTensor(try Tensor(scalar: 2) * a, [2, 3], [2, 4, 6, 8, 10, 12])
        expectTensor(try Tensor(scalar: 2) + Tensor(scalar: 3), [], [5])
    }

    @Test func comparisonsWhereMinMax() throws {
        let a = try Tensor([1, 2, 3, .nan])
        let b = try Tensor([3, 2, 1, 0])
        expectTensor(try a.lt(b), [4], [1, 0, 0, 0])
        expectTensor(try a.le(b), [4], [1, 1, 0, 0])
        expectTensor(try a.gt(b), [4], [0, 0, 1, 0])
        expectTensor(try a.ge(b), [4], [0, 1, 1, 0])
        expectTensor(try a.eq(b), [4], [0, 1, 0, 0])
        expectTensor(try a.ne(b), [4], [1, 0, 1, 1])
        expectTensor(try a.gt(1.5), [4], [0, 1, 1, 0])
        expectTensor(try a.eq(2), [4], [0, 1, 0, 0])
        expectTensor(try a.ne(2), [4], [1, 0, 1, 1])
        expectTensor(try a.lt(2), [4], [1, 0, 0, 0])
        expectTensor(try a.le(2), [4], [1, 1, 0, 0])
        expectTensor(try a.ge(2), [4], [0, 1, 1, 0])
        let m = try a.maximum(b).toArray()
        #expect(Array(m[0..<3]) == [3, 2, 3] && m[3].isNaN)
        let n = try a.minimum(b).toArray()
        #expect(Array(n[0..<3]) == [1, 2, 1] && n[3].isNaN)
        let cond = try Tensor(shape: [2, 1], data: [1, 0])
        expectTensor(try Tensor.where(cond, try Tensor([1, 2]), try Tensor([10, 20])), [2, 2], [1, 2, 10, 20])
        expectTensor(try Tensor.where(cond, try Tensor([1, 2]), -1), [2, 2], [1, 2, -1, -1])
    }

    @Test func largeTensorsTakeTheParallelPaths() throws {
        let n = 1 << 18
        let x = try Tensor.arange(Float(n))
        let y = try x + x
        #expect(try y.value(at: [n - 1]) == Float(2 * (n - 1)))
        let z = try x.mul(0.5).sub(x.mul(0.5)).abs().max().item()
        #expect(z == 0)
        let s = try x.exp().mul(0).sum().item()
        #expect(s.isNaN)   // exp overflows to inf, inf * 0 is NaN
        let w = try Tensor.ones([n])
        try w.add_(x, alpha: 2)
        #expect(try w.value(at: [10]) == 21)
        try w.mul_(0.5)
        #expect(try w.value(at: [10]) == 10.5)
    }

    @Test func parallelSumsMatchTheSerialSumBitForBit() throws {
        // Long sums are split across threads in fixed blocks and the block
        // sums added in order, so they equal the one-thread sum exactly.
        let n = (1 << 20) + 123
        let x = try normal([n])
        let serial = try x.withContiguousBuffer { Float(VMath.sum($0.baseAddress!, n)) }
        for _ in 0..<3 { #expect(try x.sum().item() == serial) }
        let rows = try x.slice(0, 0, 1 << 20).reshape([2, 1 << 19])
        let perRow = try rows.sum(dim: 1).toArray()
        for i in 0..<2 {
            let want = try rows.select(0, i).withContiguousBuffer { Float(VMath.sum($0.baseAddress!, 1 << 19)) }
            #expect(perRow[i] == want)
        }
    }
}
