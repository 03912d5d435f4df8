// Every differentiable op against central differences, including broadcast
// operands and reductions over several dims with keepdim both ways.

import Testing
@testable import Tensor

@Suite struct UnaryGradTests {
    @Test func smoothUnaryOps() throws {
        let x = try normal([2, 3])
        try gradCheck([x]) { try $0[0].neg() }
        try gradCheck([x]) { try $0[0].exp() }
        try gradCheck([x]) { try $0[0].sin() }
        try gradCheck([x]) { try $0[0].cos() }
        try gradCheck([x]) { try $0[0].tanh() }
        try gradCheck([x]) { try $0[0].sigmoid() }
        try gradCheck([x]) { try $0[0].gelu() }
        try gradCheck([x]) { try $0[0].gelu(approximate: .tanh) }
        try gradCheck([x]) { try $0[0].silu() }
        try gradCheck([x]) { try $0[0].square() }
    }

    @Test func positiveDomainOps() throws {
        let x = try uniform([2, 3], 0.5, 2)
        try gradCheck([x]) { try $0[0].log() }
        try gradCheck([x]) { try $0[0].log1p() }
        try gradCheck([x]) { try $0[0].sqrt() }
        try gradCheck([x]) { try $0[0].rsqrt() }
        try gradCheck([x]) { try $0[0].reciprocal() }
        for p: Float in [0, 1, 2, 3, 0.5, -1, -1.5, 2.7] {
            try gradCheck([x]) { try $0[0].pow(p) }
        }
    }

    @Test func kinkedOpsAwayFromKinks() throws {
        let x = try distinct([3, 4])
        try gradCheck([x]) { try $0[0].abs() }
        try gradCheck([x]) { try $0[0].relu() }
        try gradCheck([x]) { try $0[0].clamp(min: -0.33, max: 0.27) }
        try gradCheck([x]) { try $0[0].clamp(min: -0.13) }
        try gradCheck([x]) { try $0[0].clamp(max: 0.07) }
    }
}

@Suite struct BinaryGradTests {
    static let shapePairs: [([Int], [Int])] = [
        ([2, 3], [2, 3]), ([2, 3], [3]), ([3], [2, 3]), ([2, 1, 3], [4, 1]),
        ([2, 3], []), ([], [2, 3]), ([1, 3], [2, 1]),
    ]

    @Test(arguments: shapePairs)
    func arithmeticBroadcasts(_ sa: [Int], _ sb: [Int]) throws {
        let a = try normal(sa, seed: 3)
        let b = try uniform(sb, 0.5, 1.5, seed: 4)
        try gradCheck([a, b]) { try $0[0].add($0[1]) }
        try gradCheck([a, b]) { try $0[0].add($0[1], alpha: -2.5) }
        try gradCheck([a, b]) { try $0[0].sub($0[1]) }
        try gradCheck([a, b]) { try $0[0].sub($0[1], alpha: 0.5) }
        try gradCheck([a, b]) { try $0[0].mul($0[1]) }
        try gradCheck([a, b]) { try $0[0].div($0[1]) }
        try gradCheck([b, a]) { try $0[0].pow($0[1]) }
    }

    @Test(arguments: shapePairs)
    func minMaxAndWhereBroadcast(_ sa: [Int], _ sb: [Int]) throws {
        let a = try distinct(sa, seed: 5, gap: 0.1)
        let b = try distinct(sb, seed: 6, gap: 0.1).add(0.03)
        try gradCheck([a, b]) { try $0[0].maximum($0[1]) }
        try gradCheck([a, b]) { try $0[0].minimum($0[1]) }
        let cond = try a.gt(0)
        try gradCheck([a, b]) { try Tensor.where(cond, $0[0], $0[1]) }
    }

    @Test func scalarOperands() throws {
        let x = try uniform([2, 3], 0.5, 2)
        try gradCheck([x]) { try $0[0] + 2 }
        try gradCheck([x]) { try 2 + $0[0] }
        try gradCheck([x]) { try $0[0] - 2 }
        try gradCheck([x]) { try 2 - $0[0] }
        try gradCheck([x]) { try $0[0] * 3 }
        try gradCheck([x]) { try 3 * $0[0] }
        try gradCheck([x]) { try $0[0] / 3 }
        try gradCheck([x]) { try 3 / $0[0] }
        try gradCheck([x]) { try -$0[0] }
        try gradCheck([x]) { try Tensor.pow(2.5, $0[0]) }
    }
}

@Suite struct ReduceGradTests {
    static let dimCases: [[Int]?] = [nil, [0], [1], [-1], [0, 2], [1, 2], [0, 1, 2], []]

    @Test(arguments: dimCases, [false, true])
    func sumMeanVarStdLogsumexp(_ dims: [Int]?, _ keepdim: Bool) throws {
        let x = try normal([2, 3, 4], seed: 21)
        try gradCheck([x]) { try $0[0].sum(dims, keepdim: keepdim) }
        try gradCheck([x]) { try $0[0].mean(dims, keepdim: keepdim) }
        try gradCheck([x]) { try $0[0].logsumexp(dims, keepdim: keepdim) }
        if dims != [] {
            try gradCheck([x]) { try $0[0].variance(dims, keepdim: keepdim) }
            try gradCheck([x]) { try $0[0].variance(dims, unbiased: false, keepdim: keepdim) }
            // std has a kink where all reduced values are equal; keep them apart.
            try gradCheck([try distinct([2, 3, 4])]) { try $0[0].std(dims, keepdim: keepdim) }
        }
    }

    /// Found by the PyTorch differential test: at a zero std the gradient
    /// is 0/0, which PyTorch defines as 0 instead of nan.
    @Test func stdOfEqualValuesHasAZeroGradientLikePyTorch() throws {
        let x = try Tensor(shape: [2, 3], data: [1, 1, 1, 1, 2, 3]).requiresGrad()
        try x.std([1]).sum().backward()
        let g = try #require(x.grad).toArray()
        #expect(g[0..<3] == [0, 0, 0])
        #expect(g[3..<6].allSatisfy { $0.isFinite } && g[3] < 0 && g[5] > 0)
    }

    @Test(arguments: dimCases, [false, true])
    func maxMin(_ dims: [Int]?, _ keepdim: Bool) throws {
        let x = try distinct([2, 3, 4], seed: 22)
        try gradCheck([x]) { try $0[0].max(dims, keepdim: keepdim) }
        try gradCheck([x]) { try $0[0].min(dims, keepdim: keepdim) }
    }

    @Test func maxWithIndicesAndNonContiguousInput() throws {
        let x = try distinct([3, 4], seed: 23)
        try gradCheck([x]) { try $0[0].max(dim: 1).values }
        try gradCheck([x]) { try $0[0].min(dim: 0, keepdim: true).values }
        try gradCheck([x]) { try $0[0].t().sum([1]) }
        try gradCheck([x]) { try $0[0].t().max([0, 1]) }
    }

    @Test func softmaxFamily() throws {
        let x = try normal([2, 3, 4], seed: 24)
        for d in [0, 1, 2, -1] {
            try gradCheck([x]) { try $0[0].softmax(dim: d) }
            try gradCheck([x]) { try $0[0].logSoftmax(dim: d) }
        }
        try gradCheck([x]) { try $0[0].transpose(0, 2).softmax(dim: 1) }
    }
}

@Suite struct MatmulGradTests {
    static let cases: [([Int], [Int])] = [
        ([3], [3]), ([2, 3], [3]), ([3], [3, 4]), ([2, 3], [3, 4]),
        ([2, 2, 3], [3, 4]), ([2, 1, 2, 3], [3, 3, 2]), ([3], [2, 3, 4]), ([2, 2, 3], [3]),
    ]

    @Test(arguments: cases)
    func shapes(_ sa: [Int], _ sb: [Int]) throws {
        let a = try normal(sa, seed: 31), b = try normal(sb, seed: 32)
        try gradCheck([a, b]) { try $0[0].matmul($0[1]) }
    }

    @Test func transposedOperands() throws {
        let a = try normal([3, 2], seed: 33), b = try normal([4, 3], seed: 34)
        try gradCheck([a, b]) { try $0[0].t().matmul($0[1].t()) }
        let c = try normal([2, 4, 3], seed: 35)
        try gradCheck([c, a]) { try $0[0].transpose(1, 2).transpose(1, 2).matmul($0[1]) }
    }
}

@Suite struct ShapeGradTests {
    @Test func viewsAndCopies() throws {
        let x = try normal([2, 3, 4], seed: 41)
        try gradCheck([x]) { try $0[0].reshape([6, 4]) }
        try gradCheck([x]) { try $0[0].transpose(0, 2).reshape([-1]) }
        try gradCheck([x]) { try $0[0].view([4, 6]) }
        try gradCheck([x]) { try $0[0].flatten(startDim: 1) }
        try gradCheck([x]) { try $0[0].unsqueeze(1).squeeze() }
        try gradCheck([x]) { try $0[0].unsqueeze(-1).squeeze(-1) }
        try gradCheck([x]) { try $0[0].permute([2, 0, 1]) }
        try gradCheck([x]) { try $0[0].permute([2, 0, 1]).contiguous() }
        try gradCheck([x]) { try $0[0].clone() }
        let y = try normal([3, 1], seed: 42)
        try gradCheck([y]) { try $0[0].expand([2, 3, 4]) }
        try gradCheck([y]) { try $0[0].t() }
    }

    @Test func indexing() throws {
        let x = try normal([3, 5], seed: 43)
        try gradCheck([x]) { try $0[0].select(1, -2) }
        try gradCheck([x]) { try $0[0].slice(1, 1, 5, step: 2) }
        try gradCheck([x]) { try $0[0].narrow(0, 1, 2) }
        try gradCheck([x]) { try $0[0].indexSelect(1, [4, 0, 4]) }
        let idx = try Tensor(shape: [2, 3], data: [0, 4, 4, 2, 1, 0])
        try gradCheck([x]) { try $0[0].gather(1, idx) }
        let src = try normal([2, 3], seed: 44)
        try gradCheck([x, src]) { try $0[0].scatterAdd(1, idx, $0[1]) }
        let mask = try x.gt(0)
        try gradCheck([x]) { try $0[0].maskedSelect(mask) }
        let row = try normal([5], seed: 45)
        try gradCheck([row]) { try $0[0].maskedSelect(mask) }
        try gradCheck([x]) { try $0[0].maskedFill(mask, 3) }
        try gradCheck([x]) { try $0[0].tril() }
        try gradCheck([x]) { try $0[0].triu(1) }
    }

    @Test func joins() throws {
        let a = try normal([2, 3], seed: 46), b = try normal([2, 1], seed: 47)
        try gradCheck([a, b]) { try Tensor.cat([$0[0], $0[1]], dim: 1) }
        try gradCheck([a, a]) { try Tensor.stack([$0[0], $0[1]], dim: 1) }
        try gradCheck([a]) { try $0[0].split(2, dim: 1)[1] }
        try gradCheck([a]) { try Tensor.cat($0[0].chunk(3, dim: 1).reversed(), dim: 1) }
        try gradCheck([a]) { try $0[0].split(sizes: [1, 2], dim: -1)[1] }
    }

    @Test func rebasedInPlaceOps() throws {
        let a = try normal([2, 3], seed: 48), b = try normal([3], seed: 49)
        try gradCheck([a, b]) { xs in
            let y = try xs[0].mul(2)
            try y.add_(xs[1], alpha: 3)
            try y.mul_(xs[1])
            return y
        }
        try gradCheck([a, b]) { xs in
            let y = try xs[0].add(1)
            try y.addcmul_(xs[1], xs[1], value: 0.5)
            try y.clamp_(min: -1)
            return y
        }
        try gradCheck([a, b]) { xs in
            let y = try Tensor.zeros([2, 3])
            try y.copy_(xs[1])
            return try y.mul(xs[0])
        }
        let pos = try uniform([2, 3], 0.5, 2, seed: 50), row = try uniform([3], 0.5, 2, seed: 51)
        try gradCheck([pos, row]) { xs in
            let y = try xs[0].mul(1)
            try y.sub_(xs[1], alpha: 0.5)
            try y.div_(xs[1])
            try y.add_(3).sub_(1).mul_(2).div_(4)
            try y.pow_(2)
            try y.sqrt_()
            try y.addcdiv_(xs[1], xs[1].add(1), value: 0.3)
            try y.neg_()
            return y
        }
        let mask = try a.gt(0)
        try gradCheck([a]) { xs in
            let y = try xs[0].mul(1)
            try y.relu_()
            try y.maskedFill_(mask, 0.5)
            return y
        }
    }

    @Test func remainingViewOps() throws {
        let x = try normal([2, 1, 3], seed: 52)
        try gradCheck([x]) { try $0[0].transpose(0, 2) }
        try gradCheck([x]) { try $0[0].squeeze(dims: [1]) }
        try gradCheck([x]) { try $0[0].expandAs(try Tensor.zeros([4, 2, 5, 3])) }
        try gradCheck([x]) { try $0[0].squeeze(1).unsqueeze(0).flatten(startDim: 0, endDim: 1) }
    }
}
