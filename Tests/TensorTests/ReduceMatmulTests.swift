// Known values of reductions, softmax and matmul, on contiguous, strided
// and broadcast inputs.

import Foundation
import Testing
@testable import Tensor

@Suite struct ReduceTests {
    let x = try! Tensor(shape: [2, 3], data: [1, 5, 3, 4, 2, 6])

    @Test func sumMeanKeepdim() throws {
        expectTensor(try x.sum(), [], [21])
        expectTensor(try x.sum(dim: 0), [3], [5, 7, 9])
        expectTensor(try x.sum(dim: 1, keepdim: true), [2, 1], [9, 12])
        expectTensor(try x.sum([0, 1], keepdim: true), [1, 1], [21])
        expectTensor(try x.sum([]), [2, 3], [1, 5, 3, 4, 2, 6])
        expectTensor(try x.mean(dim: -1), [2], [3, 4])
        expectTensor(try x.mean(), [], [3.5])
        expectTensor(try x.t().sum(dim: 0), [2], [9, 12])
        let y = try Tensor.arange(24).reshape([2, 3, 4])
        expectTensor(try y.sum([0, 2]), [3], [60, 92, 124])
        expectTensor(try y.sum([0, 2], keepdim: true), [1, 3, 1], [60, 92, 124])
        expectTensor(try y.permute([2, 0, 1]).sum([1]), [4, 3], [12, 20, 28, 14, 22, 30, 16, 24, 32, 18, 26, 34])
        expectTensor(try Tensor(scalar: 3).sum(), [], [3])
        expectTensor(try Tensor(scalar: 3).sum(dim: 0), [], [3])
        expectTensor(try Tensor(scalar: 3).sum(dim: -1, keepdim: true), [], [3])
    }

    @Test func maxMinArg() throws {
        expectTensor(try x.max(), [], [6])
        expectTensor(try x.min(), [], [1])
        expectTensor(try x.max([1]), [2], [5, 6])
        expectTensor(try x.min([0], keepdim: true), [1, 3], [1, 2, 3])
        let (v, i) = try x.max(dim: 1)
        expectTensor(v, [2], [5, 6])
        expectTensor(i, [2], [1, 2])
        let (mv, mi) = try x.min(dim: 0, keepdim: true)
        expectTensor(mv, [1, 3], [1, 2, 3])
        expectTensor(mi, [1, 3], [0, 1, 0])
        expectTensor(try x.argmax(), [], [5])
        expectTensor(try x.argmin(), [], [0])
        expectTensor(try x.argmax(dim: 0), [3], [1, 0, 1])
        expectTensor(try x.argmin(dim: 1, keepdim: true), [2, 1], [0, 1])
        expectTensor(try x.argmax(keepdim: true), [1, 1], [5])
        // Ties: first index wins; NaN wins and propagates.
        let t = try Tensor([2, 7, 7, 1])
        expectTensor(try t.argmax(), [], [1])
        let n = try Tensor([1, .nan, 3])
        #expect(try n.max().item().isNaN && n.min().item().isNaN)
        expectTensor(try n.argmax(), [], [1])
        #expect(try Tensor(shape: [2, 2], data: [1, .nan, 3, 4]).max([0]).toArray()[1].isNaN)
        // The SIMD max path (long rows) must agree with a plain scan.
        let long = try Tensor.randn([3, 1001], generator: Generator(seed: 4))
        let rows = long.toArray()
        for r in 0..<3 {
            let ref = rows[(r * 1001)..<((r + 1) * 1001)].max()!
            #expect(try long.max([1]).value(at: [r]) == ref)
        }
    }

    @Test func vectorArgExtremaAgreeWithAPlainScan() throws {
        // Rows long enough for the SIMD pass, with repeated values (ties go
        // to the first), NaN in the vector part and in the tail, infinities,
        // and every length around the vector width.
        let rng = Generator(seed: 11)
        func draw(_ below: Int) -> Int { Int(rng.nextUInt64() % UInt64(below)) }
        for n in [1, 7, 8, 9, 15, 16, 17, 33, 100] {
            for trial in 0..<20 {
                var row = (0..<n).map { _ in Float(draw(5) - 2) }
                switch trial % 5 {
                case 1: row[draw(n)] = .nan
                case 2: row = row.map { _ in -.infinity }
                case 3: row[n - 1] = .infinity
                default: break
                }
                let t = try Tensor(shape: [1, n], data: row)
                func scan(_ isMax: Bool) -> Float {
                    if let i = row.firstIndex(where: { $0.isNaN }) { return Float(i) }
                    let m = isMax ? row.max()! : row.min()!
                    return Float(row.firstIndex(of: m)!)
                }
                #expect(try t.argmax(dim: 1).item() == scan(true), "n \(n) \(row)")
                #expect(try t.argmin(dim: 1).item() == scan(false), "n \(n) \(row)")
                let lowest = try t.min([1]).item()
                #expect(row.contains(where: \.isNaN) ? lowest.isNaN : lowest == row.min()!)
            }
        }
    }

    @Test func varianceStdLogsumexp() throws {
        expectTensor(try x.variance(), [], [3.5])
        expectTensor(try x.variance(unbiased: false), [], [35.0 / 12])
        expectTensor(try x.variance([1]), [2], [4, 4])
        expectTensor(try x.std([0], keepdim: true), [1, 3], [Float(4.5.squareRoot()), Float(4.5.squareRoot()), Float(4.5.squareRoot())])
        expectTensor(try x.std(unbiased: false), [], [Float((35.0 / 12).squareRoot())])
        #expect(try Tensor([3]).variance().item().isNaN)
        let l = try x.logsumexp([1])
        expectClose(l.toArray(), [Float(Foundation.log(exp(1.0) + exp(5.0) + exp(3.0))),
                                  Float(Foundation.log(exp(4.0) + exp(2.0) + exp(6.0)))])
        // Stable for huge values and all -inf rows.
        expectTensor(try Tensor([1000, 1000]).logsumexp(), [], [1000 + Float(Foundation.log(2.0))], atol: 1e-3)
        #expect(try Tensor([-.infinity, -.infinity]).logsumexp().item() == -.infinity)
        expectTensor(try x.t().logsumexp([0], keepdim: true), [1, 2], l.toArray())
    }

    @Test func softmaxAndLogSoftmax() throws {
        let z = try Tensor(shape: [2, 3], data: [1, 2, 3, 1000, 1000, 1000])
        let s = try z.softmax(dim: 1)
        let e = [exp(1.0), exp(2.0), exp(3.0)]
        let tot = e.reduce(0, +)
        expectClose(s.toArray(), e.map { Float($0 / tot) } + [1.0 / 3, 1.0 / 3, 1.0 / 3], atol: 1e-6)
        let ls = try z.logSoftmax(dim: -1)
        expectClose(ls.toArray(), e.map { Float(Foundation.log($0 / tot)) } + [Float](repeating: -Float(Foundation.log(3.0)), count: 3), atol: 1e-5)
        // Along dim 0 (inner > 1 path) equals the transposed computation.
        let y = try Tensor.randn([5, 4, 3], generator: Generator(seed: 8))
        let a = try y.softmax(dim: 0)
        let b = try y.permute([1, 2, 0]).softmax(dim: -1).permute([2, 0, 1])
        expectClose(a.toArray(), b.toArray(), atol: 1e-6)
        expectClose(try y.logSoftmax(dim: 1).toArray(), try y.softmax(dim: 1).log().toArray(), atol: 1e-5)
        expectClose(try y.softmax(dim: 2).sum(dim: 2).toArray(), [Float](repeating: 1, count: 20), atol: 1e-6)
        // Long rows take the SIMD paths.
        let w = try Tensor.randn([3, 1000], generator: Generator(seed: 9)).mul(10)
        expectClose(try w.softmax(dim: 1).sum(dim: 1).toArray(), [1, 1, 1], atol: 1e-5)
        expectClose(try w.logSoftmax(dim: 1).toArray(),
                    try w.sub(try w.logsumexp([1], keepdim: true)).toArray(), atol: 1e-4)
        expectTensor(try Tensor(scalar: 5).softmax(dim: 0), [], [1])
    }

    @Test func longSumsKeepPrecision() throws {
        let ones = try Tensor.ones([3_000_000])
        #expect(try ones.sum().item() == 3_000_000)
        let cols = try Tensor.ones([5000, 4])
        expectTensor(try cols.sum(dim: 0), [4], [5000, 5000, 5000, 5000])
        expectTensor(try cols.mean(dim: 0), [4], [1, 1, 1, 1])
    }
}

@Suite struct MatmulTests {
    /// Reference product in Double for any torch.matmul shapes via 3-D batches.
    func naive(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for t in 0..<k { s += Double(a[i * k + t]) * Double(b[t * n + j]) }
            out[i * n + j] = Float(s)
        } }
        return out
    }

    @Test func vectorAndMatrixCases() throws {
        let v = try Tensor([1, 2, 3])
        let m = try Tensor(shape: [2, 3], data: [1, 0, 2, -1, 3, 1])
        expectTensor(try v.matmul(v), [], [14])
        expectTensor(try m.matmul(v), [2], [7, 8])
        expectTensor(try Tensor([1, 2]).matmul(m), [3], [-1, 6, 4])
        expectTensor(try m.matmul(m.t()), [2, 2], [5, 1, 1, 11])
        expectTensor(try m.t().matmul(m), [3, 3], [2, -3, 1, -3, 9, 3, 1, 3, 5])
    }

    @Test func batchedBroadcastAndStridedLayouts() throws {
        let g = Generator(seed: 12)
        let a = try Tensor.randn([2, 1, 3, 4], generator: g)
        let b = try Tensor.randn([3, 4, 5], generator: g)
        let c = try a.matmul(b)
        #expect(c.shape == [2, 3, 3, 5])
        for i in 0..<2 { for j in 0..<3 {
            let ai = try a.select(0, i).select(0, 0).toArray()
            let bj = try b.select(0, j).toArray()
            expectClose(try c.select(0, i).select(0, j).toArray(), naive(ai, bj, m: 3, k: 4, n: 5), atol: 1e-5)
        } }
        // [B, m, k] @ [k, n] (folded into one sgemm) and @ [k] (vector).
        let w = try Tensor.randn([4, 5], generator: g)
        let y = try b.transpose(1, 2).contiguous().matmul(try Tensor.randn([4, 2], generator: g))
        #expect(y.shape == [3, 5, 2])
        let flat = try b.reshape([12, 5]).matmul(try w.t())
        expectClose(try b.matmul(w.t()).reshape([12, 4]).toArray(), flat.toArray(), atol: 1e-5)
        expectTensor(try b.matmul(try Tensor.ones([5])), [3, 4], try b.sum(dim: 2).toArray(), atol: 1e-5)
        // Layouts with no BLAS description (stepped slices, expanded rows) are copied first.
        let big = try Tensor.randn([6, 8], generator: g)
        let stepped = try big.slice(0, 0, 6, step: 2).slice(1, 0, 8, step: 2)
        let ref = naive(stepped.toArray(), try Tensor.eye(4).toArray(), m: 3, k: 4, n: 4)
        expectClose(try stepped.matmul(try Tensor.eye(4)).toArray(), ref, atol: 1e-6)
        let expanded = try Tensor([1, 2, 3]).expand([2, 3])
        expectTensor(try expanded.matmul(try Tensor.ones([3, 1])), [2, 1], [6, 6])
        expectTensor(try Tensor.ones([3, 2]).t().matmul(expanded.t()), [2, 2], [6, 6, 6, 6])
    }

    @Test func zeroInnerDimensionGivesZeros() throws {
        expectTensor(try Tensor.zeros([2, 0]).matmul(try Tensor.zeros([0, 3])), [2, 3], [0, 0, 0, 0, 0, 0])
        expectTensor(try Tensor.zeros([0]).matmul(try Tensor.zeros([0])), [], [0])
    }
}
