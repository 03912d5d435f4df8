// Views, indexing, joining and splitting: values, aliasing and shapes.

import Testing
@testable import Tensor

@Suite struct ShapeTests {
    let x = try! Tensor.arange(6).reshape([2, 3])

    @Test func reshapeViewsAndCopies() throws {
        let r = try x.reshape([3, -1])
        expectTensor(r, [3, 2], [0, 1, 2, 3, 4, 5])
        #expect(r.sharesStorage(with: x))
        let tr = try x.t()
        #expect(!tr.isContiguous && tr.sharesStorage(with: x))
        let copied = try tr.reshape([6])
        expectTensor(copied, [6], [0, 3, 1, 4, 2, 5])
        #expect(!copied.sharesStorage(with: x))
        expectError(.shapeMismatch, "view", "reshape") { try tr.view([6]) }
        // A view across a transposed pair of dims that stay together works.
        let y = try Tensor.arange(24).reshape([2, 3, 4]).transpose(0, 1)
        let v = try y.view([3, 2, 2, 2])
        expectTensor(v, [3, 2, 2, 2], y.toArray())
        #expect(v.sharesStorage(with: y))
        expectTensor(try x.flatten(), [6], [0, 1, 2, 3, 4, 5])
        expectTensor(try Tensor.zeros([2, 3, 4]).flatten(startDim: 1), [2, 12], [Float](repeating: 0, count: 24))
        expectTensor(try Tensor(scalar: 1).flatten(), [1], [1])
        expectTensor(try x.contiguous(), [2, 3], x.toArray())
        #expect(try x.contiguous() === x)
        expectTensor(try tr.contiguous(), [3, 2], [0, 3, 1, 4, 2, 5])
    }

    @Test func squeezeUnsqueezeTransposePermuteExpand() throws {
        let u = try x.unsqueeze(0).unsqueeze(-1)
        #expect(u.shape == [1, 2, 3, 1])
        #expect(try u.squeeze().shape == [2, 3])
        #expect(try u.squeeze(0).shape == [2, 3, 1])
        #expect(try u.squeeze(1).shape == [1, 2, 3, 1])
        #expect(try u.squeeze(dims: [0, -1]).shape == [2, 3])
        let p = try Tensor.arange(24).reshape([2, 3, 4]).permute([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        #expect(try p.value(at: [3, 1, 2]) == 23)
        expectTensor(try x.transpose(0, -1), [3, 2], [0, 3, 1, 4, 2, 5])
        let e = try Tensor([1, 2, 3]).expand([2, -1])
        expectTensor(e, [2, 3], [1, 2, 3, 1, 2, 3])
        #expect(e.strides == [0, 1])
        expectTensor(try Tensor(shape: [2, 1], data: [1, 2]).expand([2, 2, 3]), [2, 2, 3], [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2])
        expectTensor(try Tensor([5]).expandAs(x), [2, 3], [5, 5, 5, 5, 5, 5])
        expectTensor(try Tensor([1, 2]).t(), [2], [1, 2])
        expectError(.shapeMismatch, "expand", "dim 1 has size 3") { try x.expand([2, 4]) }
        expectError(.invalidArgument, "cannot write", "expanded") { try e.add_(1) }
    }
}

@Suite struct IndexTests {
    let x = try! Tensor.arange(12).reshape([3, 4])

    @Test func selectSliceNarrow() throws {
        expectTensor(try x.select(0, 1), [4], [4, 5, 6, 7])
        expectTensor(try x.select(1, -1), [3], [3, 7, 11])
        expectTensor(try x.slice(1, 1, 3), [3, 2], [1, 2, 5, 6, 9, 10])
        expectTensor(try x.slice(1, nil, nil, step: 2), [3, 2], [0, 2, 4, 6, 8, 10])
        expectTensor(try x.slice(0, -2), [2, 4], [4, 5, 6, 7, 8, 9, 10, 11])
        expectTensor(try x.slice(0, -100, 100), [3, 4], x.toArray())
        expectTensor(try x.slice(1, 3, 1), [3, 0], [])
        expectTensor(try x.slice(1, 1, 4, step: 2), [3, 2], [1, 3, 5, 7, 9, 11])
        expectTensor(try x.narrow(1, 2, 2), [3, 2], [2, 3, 6, 7, 10, 11])
        // Views write through.
        let s = try x.clone()
        try s.select(0, 0).fill_(-1)
        expectTensor(try s.select(0, 0), [4], [-1, -1, -1, -1])
        try s.slice(1, 0, 4, step: 3).mul_(0)
        expectTensor(try s.select(1, 3), [3], [0, 0, 0])
    }

    @Test func gatherScatterIndexSelect() throws {
        expectTensor(try x.indexSelect(0, [2, 0]), [2, 4], [8, 9, 10, 11, 0, 1, 2, 3])
        expectTensor(try x.indexSelect(1, try Tensor([3, 3])), [3, 2], [3, 3, 7, 7, 11, 11])
        let idx = try Tensor(shape: [3, 1], data: [3, 0, 2])
        expectTensor(try x.gather(1, idx), [3, 1], [3, 4, 10])
        expectTensor(try x.gather(0, try Tensor(shape: [1, 4], data: [2, 1, 0, 2])), [1, 4], [8, 5, 2, 11])
        let z = try Tensor.zeros([2, 3])
        let src = try Tensor.ones([2, 2])
        expectTensor(try z.scatterAdd(1, try Tensor(shape: [2, 2], data: [0, 0, 2, 1]), src), [2, 3], [2, 0, 0, 0, 1, 1])
        expectError(.indexOutOfRange, "gather", "index 4") { try x.gather(1, try Tensor(shape: [3, 1], data: [4, 0, 0])) }
        expectError(.invalidArgument, "whole numbers") { try x.indexSelect(0, try Tensor([0.5])) }
        expectError(.indexOutOfRange, "indexSelect") { try x.indexSelect(0, [3]) }
    }

    @Test func masksOneHotTriangles() throws {
        let m = try x.gt(8)
        expectTensor(try x.maskedSelect(m), [3], [9, 10, 11])
        expectTensor(try x.maskedSelect(try Tensor([1, 0, 0, 1])), [6], [0, 3, 4, 7, 8, 11])
        expectTensor(try x.maskedFill(try Tensor([1, 0, 0, 0]), -1), [3, 4], [-1, 1, 2, 3, -1, 5, 6, 7, -1, 9, 10, 11])
        let y = try x.clone()
        try y.maskedFill_(m, 0)
        #expect(try y.sum().item() == 36)
        expectTensor(try Tensor.oneHot(try Tensor([2, 0]), numClasses: 3), [2, 3], [0, 0, 1, 1, 0, 0])
        expectTensor(try Tensor.oneHot(try Tensor([1, 3])), [2, 4], [0, 1, 0, 0, 0, 0, 0, 1])
        expectError(.indexOutOfRange, "oneHot") { try Tensor.oneHot(try Tensor([3]), numClasses: 3) }
        let sq = try Tensor.ones([3, 3])
        expectTensor(try sq.tril(), [3, 3], [1, 0, 0, 1, 1, 0, 1, 1, 1])
        expectTensor(try sq.triu(1), [3, 3], [0, 1, 1, 0, 0, 1, 0, 0, 0])
        expectTensor(try sq.tril(-1), [3, 3], [0, 0, 0, 1, 0, 0, 1, 1, 0])
        #expect(try Tensor.ones([2, 3, 3]).triu().sum().item() == 12)
    }

    @Test func catStackSplitChunk() throws {
        let a = try Tensor(shape: [1, 2], data: [1, 2]), b = try Tensor(shape: [2, 2], data: [3, 4, 5, 6])
        expectTensor(try Tensor.cat([a, b]), [3, 2], [1, 2, 3, 4, 5, 6])
        expectTensor(try Tensor.cat([b, b.t()], dim: 1), [2, 4], [3, 4, 3, 5, 5, 6, 4, 6])
        expectTensor(try Tensor.cat([try Tensor.zeros([0]), a]), [1, 2], [1, 2])
        expectTensor(try Tensor.stack([a, a], dim: 1), [1, 2, 2], [1, 2, 1, 2])
        expectTensor(try Tensor.stack([try Tensor([1, 2]), try Tensor([3, 4])], dim: -1), [2, 2], [1, 3, 2, 4])
        let parts = try Tensor.arange(5).split(2)
        #expect(parts.map(\.shape) == [[2], [2], [1]])
        expectTensor(parts[2], [1], [4])
        #expect(try Tensor.arange(6).split(sizes: [1, 5]).map(\.count) == [1, 5])
        #expect(try Tensor.arange(5).chunk(3).map(\.count) == [2, 2, 1])
        #expect(try Tensor.arange(2).chunk(4).map(\.count) == [1, 1])
        expectError(.shapeMismatch, "cat", "[1, 2, 2]", "[1, 2]") { try Tensor.cat([a, b.t().unsqueeze(0)]) }
        expectError(.shapeMismatch, "stack", "tensor 1") { try Tensor.stack([a, b]) }
        expectError(.shapeMismatch, "split", "do not add up") { try Tensor.arange(5).split(sizes: [1, 2]) }
    }
}
