// The autograd engine: accumulation, graph lifetime, grad mode, version
// counters and in-place rules, and very deep graphs.

import Foundation
import Testing
@testable import Tensor

@Suite struct AutogradTests {
    @Test func basicBackwardAndAccumulation() throws {
        let w = try Tensor([1, 2, 3]).requiresGrad()
        let x = try Tensor([4, 5, 6])
        let loss = try w.mul(x).sum()
        #expect(loss.gradFnName == "SumBackward1" && !loss.isLeaf && w.isLeaf)
        try loss.backward()
        expectTensor(w.grad!, [3], [4, 5, 6])
        #expect(x.grad == nil)
        // A second graph accumulates into the same .grad.
        try w.mul(w).sum().backward()
        expectTensor(w.grad!, [3], [6, 9, 12])
        w.zeroGrad(setToNone: false)
        expectTensor(w.grad!, [3], [0, 0, 0])
        w.zeroGrad()
        #expect(w.grad == nil)
    }

    @Test func diamondAndReusedInputs() throws {
        let a = try Tensor([2]).requiresGrad()
        let b = try a.mul(3)
        let c = try b.mul(b).add(b)           // c = 9a^2 + 3a, dc/da = 18a + 3
        try c.sum().backward()
        expectTensor(a.grad!, [1], [39])
        let d = try Tensor([1, 2]).requiresGrad()
        try d.add(d).sum().backward()          // both edges of add alias one gradient
        expectTensor(d.grad!, [2], [2, 2])
    }

    @Test func nonScalarBackwardNeedsGradient() throws {
        let a = try Tensor([1, 2]).requiresGrad()
        let y = try a.mul(2)
        expectError(.autograd, "backward", "pass a gradient") { try y.backward() }
        expectError(.shapeMismatch, "backward", "[3]") { try y.backward(try Tensor([1, 1, 1])) }
        try y.backward(try Tensor([1, 10]))
        expectTensor(a.grad!, [2], [2, 20])
        let leaf = try Tensor([5]).requiresGrad()
        try leaf.backward()
        expectTensor(leaf.grad!, [1], [1])
        expectError(.autograd, "does not require grad") { try Tensor([1]).backward() }
    }

    @Test func graphIsFreedUnlessRetained() throws {
        let a = try Tensor([1, 2]).requiresGrad()
        let y = try a.exp().sum()
        try y.backward(retainGraph: true)
        try y.backward()
        expectClose(a.grad!.toArray(), try a.exp().mul(2).toArray())
        expectError(.autograd, "second time") { try y.backward() }
    }

    @Test func gradModeAndDetach() throws {
        let a = try Tensor([1, 2]).requiresGrad()
        let y = try Tensor.noGrad { try a.mul(2) }
        #expect(!y.requiresGrad && y.gradFnName == nil)
        #expect(Tensor.isGradEnabled)
        Tensor.setGradEnabled(false)
        #expect(try !a.exp().requiresGrad)
        Tensor.setGradEnabled(true)
        // noGrad restores the previous mode even when its body throws.
        _ = try? Tensor.noGrad { throw TensorError(.invalidArgument, "t", "boom") }
        #expect(Tensor.isGradEnabled)
        let d = try a.mul(2).detach()
        #expect(!d.requiresGrad && d.isLeaf)
        expectError(.autograd, "requiresGrad", "leaf") { try a.mul(2).requiresGrad(false) }
        // Comparisons and other non-differentiable results do not require grad.
        #expect(try !a.gt(1).requiresGrad && !a.argmax().requiresGrad)
        try a.setGrad(try Tensor([7, 7]))
        expectTensor(a.grad!, [2], [7, 7])
        expectError(.shapeMismatch, "setGrad") { try a.setGrad(try Tensor([1])) }
    }

    @Test func gradModeIsPerThread() throws {
        final class Box: @unchecked Sendable { var seen = false }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Tensor.setGradEnabled(false)
        defer { Tensor.setGradEnabled(true) }
        Thread { box.seen = Tensor.isGradEnabled; done.signal() }.start()
        done.wait()
        #expect(box.seen)
        #expect(!Tensor.isGradEnabled)
    }

    @Test func inPlaceRulesAndVersionCounters() throws {
        let w = try Tensor([1, 2, 3]).requiresGrad()
        expectError(.autograd, "add_", "leaf", "noGrad") { try w.add_(1) }
        expectError(.autograd, "fill_", "leaf") { try w.fill_(0) }
        expectError(.autograd, "setValue") { try w.setValue(0, at: [0]) }
        // Optimizer-style updates are fine without grad mode.
        try Tensor.noGrad {
            try w.sub_(try Tensor([1, 1, 1]), alpha: 0.5)
            try w.mul_(2)
        }
        expectTensor(w, [3], [1, 3, 5])
        #expect(w.version == 2)

        // Modifying a tensor saved for backward is caught at backward time.
        let y = try w.exp()
        let z = try y.sum()
        _ = try Tensor.noGrad { try y.mul_(2) }
        let e = expectError(.autograd, "backward", "ExpBackward0", "in-place", "version 1, expected 0") { try z.backward() }
        #expect(e != nil)

        // Writing through a view bumps the shared counter.
        let a = try Tensor([1, 2, 3]).requiresGrad()
        let p = try a.mul(a)                   // saves a
        _ = try Tensor.noGrad { try a.detach().slice(0, 0, 1).fill_(9) }
        expectError(.autograd, "MulBackward0") { try p.sum().backward() }

        // Rebased in-place on a non-leaf keeps gradients right.
        let b = try Tensor([1, 2]).requiresGrad()
        let c = try b.mul(3)
        try c.add_(1)
        try c.mul_(c.detach().clone())
        #expect(c.gradFnName == "MulBackward0")
        try c.sum().backward()
        expectTensor(b.grad!, [2], [12, 21])
        // ... but not through views while recording.
        let v = try b.mul(1)
        expectError(.autograd, "view") { try v.slice(0, 0, 1).add_(1) }
    }

    @Test func chainOf100kOpsBackward() throws {
        let x = try Tensor([1]).requiresGrad()
        var y = x
        for _ in 0..<100_000 { y = try y.add(1) }
        try y.backward()
        expectTensor(x.grad!, [1], [1])
        expectTensor(y, [1], [100_001])
    }

    @Test func deepGraphIsReleasedWithoutRecursion() throws {
        let x = try Tensor([1]).requiresGrad()
        var y = try x.mul(1)
        for _ in 0..<200_000 { y = try y.mul(1) }
        #expect(y.requiresGrad)
        y = try Tensor([0])   // drops the whole chain; must not overflow the stack
        #expect(!y.requiresGrad)
    }
}
