// Error messages name the op and the shapes; hostile input throws instead
// of trapping, for every public function.

import Testing
@testable import Tensor

@Suite struct ErrorMessageTests {
    @Test func messagesNameOpAndShapes() throws {
        let a = try Tensor.zeros([64, 784]), b = try Tensor.zeros([128, 10])
        let e = expectError(.shapeMismatch) { try a.matmul(b) }
        #expect(e?.description == "matmul: shapes [64, 784] and [128, 10] cannot be multiplied (784 != 128)")
        #expect(e?.op == "matmul")
        let x = try Tensor.zeros([2, 3])
        let f = expectError(.shapeMismatch) { try x.add(try Tensor.zeros([4])) }
        #expect(f?.description == "add: shapes [2, 3] and [4] cannot be broadcast (3 vs 4 at dim -1)")
        expectError(.shapeMismatch, "mul: shapes [2, 3] and [3, 2]") { try x * (try Tensor.zeros([3, 2])) }
        expectError(.shapeMismatch, "reshape: shape [4, 4] is invalid for input of shape [2, 3] (6 elements)") { try x.reshape([4, 4]) }
        expectError(.invalidDim, "sum: dim 3 is out of range for a tensor with 2 dims (expected -2...1)") { try x.sum(dim: 3) }
        expectError(.indexOutOfRange, "select: index 5 is out of range for dim 0 of size 2 (shape [2, 3])") { try x.select(0, 5) }
        expectError(.shapeMismatch, "matmul", "batch dims", "[2, 3, 4]", "[5, 4, 2]") {
            try Tensor.zeros([2, 3, 4]).matmul(try Tensor.zeros([5, 4, 2]))
        }
        expectError(.invalidDim, "permute", "[0, 0]") { try x.permute([0, 0]) }
        expectError(.invalidDim, "sum", "more than once") { try x.sum([1, -1]) }
        #expect(TensorError(.invalidArgument, "op", "msg").description == "op: msg")
    }

    /// Dims, positions, indices and advice are values in the error, so a
    /// binding renders them in its own conventions without editing text.
    @Test func errorsCarryDimsAndAdviceAsValues() throws {
        let x = try Tensor.zeros([2, 3])
        let oneBased = ErrorText.Conventions(base: 1, validDims: { "1..\($0)" }) { $0 == .noGrad ? "no_grad" : "detach" }
        let sum = expectError(.invalidDim) { try x.sum(dim: 3) }
        #expect(sum?.text.pieces.contains(.dim(3)) == true)
        #expect(sum?.text.rendered(oneBased) == "dim 4 is out of range for a tensor with 2 dims (expected 1..2)")
        let cat = expectError(.shapeMismatch) { try Tensor.cat([x, try Tensor.zeros([2, 4])], dim: 0) }
        #expect(cat?.text.rendered(oneBased) == "tensor 2 has shape [2, 4], which does not match [2, 3] outside dim 1")
        let broadcast = expectError(.shapeMismatch) { try x.add(try Tensor.zeros([4])) }
        #expect(broadcast?.text.rendered(oneBased).hasSuffix("(3 vs 4 at dim -1)") == true)   // from the end: unchanged
        let select = expectError(.indexOutOfRange) { try x.select(1, 7) }
        #expect(select?.text.rendered(oneBased) == "index 8 is out of range for dim 2 of size 3 (shape [2, 3])")
        let leaf = try Tensor.zeros([2]).requiresGrad()
        let inPlace = expectError(.autograd) { try leaf.add_(try Tensor.ones([2])) }
        #expect(inPlace?.text.pieces.contains(.advice(.noGrad)) == true)
        #expect(inPlace?.text.rendered(oneBased).hasSuffix("wrap the update in no_grad") == true)
        #expect(inPlace?.message.hasSuffix("wrap the update in Tensor.noGrad { }") == true)
        // Any Int a caller passed renders without overflowing.
        let edge: ErrorText = "index \(index: Int.max) of dim \(dim: Int.min)"
        #expect(edge.rendered(oneBased) == "index \(Int.max) of dim \(Int.min)")
    }

    @Test func negativeDimsCountFromTheEnd() throws {
        let x = try Tensor.arange(24).reshape([2, 3, 4])
        #expect(try x.sum(dim: -1).shape == [2, 3])
        #expect(try x.transpose(-1, -3).shape == [4, 3, 2])
        #expect(try x.unsqueeze(-1).shape == [2, 3, 4, 1])
        #expect(try x.unsqueeze(-4).shape == [1, 2, 3, 4])
        #expect(try x.softmax(dim: -2).shape == [2, 3, 4])
        #expect(try x.select(-2, -1).shape == [2, 4])
    }
}

@Suite struct HostileInputTests {
    let x = try! Tensor.arange(6).reshape([2, 3])
    let huge = 1 << 40

    @Test func creationRejectsBadSizes() throws {
        for shape in [[-2], [2, -3], [huge, huge], [Int.max, 2], [1 << 31, 1 << 31, 4]] {
            expectError { try Tensor.zeros(shape) }
            expectError { try Tensor.ones(shape) }
            expectError { try Tensor.full(shape, 1) }
            expectError { try Tensor.rand(shape) }
            expectError { try Tensor.randn(shape) }
            expectError { try Tensor.randint(0, 3, shape) }
            expectError { try Tensor(shape: shape, data: [1]) }
            expectError { try x.reshape(shape) }
            expectError { try x.view(shape) }
            expectError { try x.expand(shape) }
        }
        expectError(.invalidDim) { try Tensor.zeros([Int](repeating: 1, count: 65)) }
        expectError { try Tensor.eye(-1) }
        expectError { try Tensor.eye(huge, huge) }
        expectError(.invalidArgument) { try Tensor.arange(0, 1, step: 0) }
        expectError(.invalidArgument) { try Tensor.arange(0, .infinity) }
        expectError(.invalidArgument) { try Tensor.arange(.nan) }
        expectError(.invalidArgument) { try Tensor.arange(0, 10, step: -1) }
        expectError(.allocation) { try Tensor.arange(0, 1e30) }
        expectError(.invalidArgument) { try Tensor.linspace(0, 1, steps: -1) }
        expectError(.allocation) { try Tensor.linspace(0, 1, steps: huge) }
        expectError(.invalidArgument) { try Tensor.randint(5, 1, [2]) }
        expectError(.allocation) { try Tensor.zeros([1 << 30, 1 << 30]) }
        expectError(.allocation) { try Tensor.zeros([0, 1 << 40, 1 << 40]) }
        // Zero-size tensors with large other dims are fine and reduce safely.
        let wide = try Tensor.zeros([0, 1 << 40])
        expectTensor(try wide.sum(dim: 1), [0], [])
        expectError(.allocation) { try wide.sum(dim: 0) }
        #expect(try wide.expand([1 << 20, 0, 1 << 40]).count == 0)
        #expect(try Tensor.arange(5).chunk(Int.max).count == 5)
        #expect(try Tensor.arange(5).split(Int.max).count == 1)
    }

    @Test func allocationLimitIsConfigurable() throws {
        let old = TensorLimits.maxElements
        TensorLimits.maxElements = 1 << 21
        defer { TensorLimits.maxElements = old }
        expectError(.allocation, "limit") { try Tensor.zeros([1 << 22]) }
        expectError(.allocation, "limit") { try Tensor([1]).expand([1 << 11, 1 << 11]) }
    }

    @Test func elementAccessAndAutogradMisuse() throws {
        expectError(.invalidDim) { try x.size(2) }
        expectError(.indexOutOfRange) { try x.value(at: [0, 3]) }
        expectError(.indexOutOfRange) { try x.value(at: [-3, 0]) }
        expectError(.indexOutOfRange) { try x.setValue(1, at: [9, 9]) }
        expectError(.shapeMismatch) { try x.item() }
        expectError(.autograd) { try x.backward() }
        expectError(.shapeMismatch) { try x.setGrad(try Tensor.zeros([3])) }
        let w = try Tensor([1]).requiresGrad()
        expectError(.autograd) { try w.uniform_() }
        expectError(.autograd) { try w.normal_() }
        expectError(.autograd) { try w.mul(2).requiresGrad() }
    }

    @Test func elementwiseRejectsMismatchedShapes() throws {
        let bad = try Tensor.zeros([4])
        let binary: [(String, (Tensor, Tensor) throws -> Tensor)] = [
            ("add", { try $0.add($1) }), ("sub", { try $0.sub($1) }), ("mul", { try $0.mul($1) }),
            ("div", { try $0.div($1) }), ("pow", { try $0.pow($1) }), ("maximum", { try $0.maximum($1) }),
            ("minimum", { try $0.minimum($1) }), ("eq", { try $0.eq($1) }), ("ne", { try $0.ne($1) }),
            ("lt", { try $0.lt($1) }), ("le", { try $0.le($1) }), ("gt", { try $0.gt($1) }),
            ("ge", { try $0.ge($1) }), ("where", { try Tensor.where($0, $0, $1) }),
            ("matmul", { try $0.matmul($1) }), ("maskedSelect", { try $0.maskedSelect($1) }),
            ("maskedFill", { try $0.maskedFill($1, 0) }),
        ]
        for (name, f) in binary {
            expectError(.shapeMismatch, name) { try f(x, bad) }
        }
        expectError(.invalidArgument, "clamp") { try x.clamp() }
        expectError(.shapeMismatch, "matmul") { try Tensor(scalar: 1).matmul(x) }
        // Ops without bad arguments still survive empty and 0-d inputs.
        for t in [try Tensor.zeros([0, 2]), try Tensor(scalar: -2)] {
            for f: (Tensor) throws -> Tensor in [
                { try $0.neg() }, { try $0.abs() }, { try $0.exp() }, { try $0.log() }, { try $0.log1p() },
                { try $0.sqrt() }, { try $0.rsqrt() }, { try $0.square() }, { try $0.reciprocal() },
                { try $0.sin() }, { try $0.cos() }, { try $0.tanh() }, { try $0.sigmoid() }, { try $0.relu() },
                { try $0.gelu() }, { try $0.silu() }, { try $0.pow(2) }, { try $0.sign() }, { try $0.floor() },
                { try $0.round() }, { try $0.add(1) }, { try $0.sub(1) }, { try $0.rsub(1) }, { try $0.mul(2) },
                { try $0.div(0) }, { try $0.rdiv(0) }, { try Tensor.pow(2, $0) }, { try $0.clone() },
                { try $0.contiguous() }, { try $0.sum() }, { try $0.mean() }, { try $0.variance() },
                { try $0.std() }, { try $0.logsumexp() }, { try $0.softmax(dim: 0) }, { try $0.logSoftmax(dim: -1) },
                { try $0.flatten() }, { try $0.squeeze() }, { try $0.t() }, { $0.detach() },
            ] {
                _ = try f(t)
            }
        }
    }

    @Test func reductionsRejectBadDims() throws {
        let dimOps: [(String, (Int) throws -> Any)] = [
            ("sum", { try x.sum(dim: $0) }), ("mean", { try x.mean(dim: $0) }), ("max", { try x.max([$0]) }),
            ("min", { try x.min([$0]) }), ("argmax", { try x.argmax(dim: $0) }), ("argmin", { try x.argmin(dim: $0) }),
            ("max", { try x.max(dim: $0) }), ("min", { try x.min(dim: $0) }),
            ("variance", { try x.variance([$0]) }), ("std", { try x.std([$0]) }),
            ("logsumexp", { try x.logsumexp([$0]) }), ("softmax", { try x.softmax(dim: $0) }),
            ("logSoftmax", { try x.logSoftmax(dim: $0) }), ("size", { try x.size($0) }),
            ("squeeze", { try x.squeeze($0) }), ("unsqueeze", { try x.unsqueeze($0 >= 0 ? $0 + 1 : $0 - 1) }),
            ("transpose", { try x.transpose($0, 0) }), ("select", { try x.select($0, 0) }),
            ("slice", { try x.slice($0, 0, 1) }), ("narrow", { try x.narrow($0, 0, 1) }),
            ("indexSelect", { try x.indexSelect($0, [0]) }), ("gather", { try x.gather($0, x) }),
            ("cat", { try Tensor.cat([x, x], dim: $0) }), ("stack", { try Tensor.stack([x, x], dim: $0 >= 0 ? $0 + 1 : $0 - 1) }),
            ("split", { try x.split(1, dim: $0) }), ("chunk", { try x.chunk(2, dim: $0) }),
            ("flatten", { try x.flatten(startDim: $0) }),
        ]
        for (name, f) in dimOps {
            for d in [2, -3, 1000, Int.min + 1] {
                expectError(.invalidDim, name) { try f(d) }
            }
        }
        expectError(.invalidDim) { try x.sum([0, 0]) }
        expectError(.invalidDim) { try x.permute([0]) }
        expectError(.invalidDim) { try x.permute([0, 5]) }
        expectError(.invalidDim) { try x.flatten(startDim: 1, endDim: 0) }
        expectError(.invalidDim) { try Tensor.zeros([2, 3, 4]).t() }
        expectError(.invalidDim) { try x.squeeze(dims: [0, 0]) }
        expectError(.invalidDim) { try Tensor([1]).tril() }
        expectError(.invalidDim) { try Tensor([1]).triu() }
        expectError(.shapeMismatch) { try Tensor.zeros([2, 0]).argmin(dim: 1) }
        expectError(.shapeMismatch) { try Tensor.zeros([0]).min() }
    }

    @Test func indexingRejectsBadIndices() throws {
        let fractional = try Tensor([0.5]), negative = try Tensor([-1]), nan = try Tensor([.nan])
        for idx in [fractional, negative, nan, try Tensor([3]), try Tensor([Float(1 << 30)])] {
            expectError { try x.indexSelect(0, idx) }
            expectError { try Tensor.oneHot(idx, numClasses: 3) }
            expectError { try x.gather(0, try idx.reshape([1, 1])) }
            expectError { try Tensor.zeros([2, 3]).scatterAdd(0, try idx.reshape([1, 1]), x) }
        }
        expectError(.invalidArgument) { try Tensor.oneHot(try Tensor([1]), numClasses: -1) }
        expectError(.shapeMismatch) { try x.indexSelect(0, try Tensor.zeros([1, 1])) }
        expectError(.shapeMismatch) { try x.gather(1, try Tensor([0])) }
        expectError(.shapeMismatch) { try x.gather(1, try Tensor.zeros([3, 1])) }
        expectError(.shapeMismatch) { try x.scatterAdd(1, try Tensor.zeros([2, 2]), try Tensor.zeros([1, 1])) }
        expectError(.indexOutOfRange) { try x.select(1, 3) }
        expectError(.indexOutOfRange) { try x.select(1, -4) }
        expectError(.indexOutOfRange) { try x.select(0, Int.min) }
        expectError(.invalidDim) { try Tensor(scalar: 1).select(0, 0) }
        expectError(.invalidDim) { try Tensor(scalar: 1).slice(0) }
        expectError(.invalidArgument) { try x.slice(1, 0, 3, step: 0) }
        expectError(.invalidArgument) { try x.slice(1, 0, 3, step: -1) }
        expectError(.indexOutOfRange) { try x.narrow(1, 2, 2) }
        expectError(.indexOutOfRange) { try x.narrow(1, 0, -1) }
        expectError(.indexOutOfRange) { try x.narrow(1, Int.max, Int.max) }
        // Huge but legal slice bounds clamp instead of overflowing.
        #expect(try x.slice(1, Int.min, Int.max).shape == [2, 3])
        #expect(try x.slice(1, 1, Int.max, step: Int.max).shape == [2, 1])
    }

    @Test func shapeOpsRejectBadShapes() throws {
        expectError(.invalidArgument) { try x.reshape([-1, -1]) }
        expectError(.invalidArgument) { try x.reshape([-2, 3]) }
        expectError(.shapeMismatch) { try x.reshape([-1, 4]) }
        expectError(.shapeMismatch) { try x.reshape([0, -1]) }
        expectError(.shapeMismatch) { try x.expand([3]) }
        expectError(.shapeMismatch) { try x.expand([-1, 2, 3]) }
        expectError(.shapeMismatch) { try x.expand([2, -2]) }
        expectError(.shapeMismatch) { try x.expandAs(try Tensor.zeros([4])) }
        expectError(.invalidDim) { try Tensor.zeros([Int](repeating: 1, count: 64)).unsqueeze(0) }
    }

    @Test func joinsRejectBadInput() throws {
        expectError(.invalidArgument) { try Tensor.cat([]) }
        expectError(.invalidArgument) { try Tensor.stack([]) }
        expectError(.invalidDim) { try Tensor.cat([try Tensor(scalar: 1), try Tensor(scalar: 2)]) }
        expectError(.shapeMismatch) { try Tensor.cat([x, try Tensor.zeros([2, 3, 1])]) }
        expectError(.shapeMismatch) { try Tensor.cat([x, try Tensor.zeros([3, 3])], dim: 1) }
        expectError(.shapeMismatch) { try Tensor.stack([x, x.t()]) }
        expectError(.invalidArgument) { try x.split(0) }
        expectError(.invalidArgument) { try x.split(-2) }
        expectError(.shapeMismatch) { try x.split(sizes: [1, -1, 2], dim: 0) }
        expectError(.shapeMismatch) { try x.split(sizes: [Int.max, Int.max, 4], dim: 1) }
        expectError(.invalidArgument) { try x.chunk(0) }
        expectError(.invalidDim) { try Tensor(scalar: 1).split(1) }
        expectError(.invalidDim) { try Tensor(scalar: 1).chunk(1) }
    }

    @Test func inPlaceOpsRejectBadTargets() throws {
        let t = try Tensor.zeros([3])
        let wide = try Tensor.zeros([2, 3])
        let ops: [(String, (Tensor) throws -> Tensor)] = [
            ("add_", { try t.add_($0) }), ("sub_", { try t.sub_($0) }), ("mul_", { try t.mul_($0) }),
            ("div_", { try t.div_($0) }), ("addcmul_", { try t.addcmul_($0, $0) }),
            ("addcdiv_", { try t.addcdiv_($0, $0) }), ("maskedFill_", { try t.maskedFill_($0, 1) }),
            ("copy_", { try t.copy_($0) }),
        ]
        for (name, f) in ops {
            expectError(.shapeMismatch, name) { try f(wide) }
            expectError(.shapeMismatch, name) { try f(try Tensor.zeros([4])) }
        }
        let expanded = try Tensor([1]).expand([3])
        for f: (Tensor) throws -> Tensor in [
            { try $0.add_(1) }, { try $0.sub_(1) }, { try $0.mul_(2) }, { try $0.div_(2) }, { try $0.pow_(2) },
            { try $0.sqrt_() }, { try $0.neg_() }, { try $0.relu_() }, { try $0.clamp_(min: 0) },
            { try $0.fill_(1) }, { try $0.zero_() }, { try $0.uniform_() }, { try $0.normal_() },
            { try $0.copy_(try Tensor.zeros([3])) },
        ] {
            expectError(.invalidArgument, "expanded") { try f(expanded) }
        }
        expectError(.invalidArgument) { try t.clamp_() }
    }
}
