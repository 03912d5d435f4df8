// Reverse-mode autodiff: grad mode, graph nodes and the backward engine.
//
// Each differentiable op, when grad mode is on and an input requires grad,
// attaches a Node to its result. The node holds edges to the nodes (or
// leaves) of its inputs, the tensors it saved for backward together with
// their storage versions, and a closure that maps the output gradient to
// input gradients. The op's backward closure lives next to its forward in
// the Tensor+*.swift file of its family.
//
// The engine sorts nodes with an explicit stack (Kahn's algorithm on
// dependency counts), never recursion, so a chain of 100k ops is fine; the
// same is true of tearing a long graph down (Node.deinit).

import Foundation

/// Per-thread switch for recording ops. Stored as a pthread key whose value
/// is nil (grad on, the default for every thread) or a non-nil marker.
enum GradMode {
    static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    @inline(__always)
    static var isEnabled: Bool { pthread_getspecific(key) == nil }

    @inline(__always)
    static func set(_ enabled: Bool) {
        pthread_setspecific(key, enabled ? nil : UnsafeRawPointer(bitPattern: 1))
    }
}

/// Where a gradient flows: into another node, into a leaf's `.grad`, or
/// nowhere (the input did not require grad).
enum Edge {
    case none
    case node(Node)
    case leaf(Tensor)
}

/// What a backward closure receives.
struct BackwardContext {
    /// Gradient of the loss with respect to the op's output.
    let grad: Tensor
    /// The tensors the op saved, in the order it saved them.
    let saved: [Tensor]
    /// For each input, whether its gradient is wanted.
    let needs: [Bool]
}

/// One recorded operation in the autograd graph.
final class Node {
    let name: String
    var edges: [Edge]
    var inputShapes: [[Int]]
    var saved: [Tensor]
    var savedVersions: [Int]
    var fn: ((BackwardContext) throws -> [Tensor?])?

    init(name: String, edges: [Edge], inputShapes: [[Int]], saved: [Tensor],
         fn: @escaping (BackwardContext) throws -> [Tensor?]) {
        self.name = name
        self.edges = edges
        self.inputShapes = inputShapes
        self.saved = saved
        self.savedVersions = saved.map { $0.storage.version }
        self.fn = fn
    }

    /// Release parents one at a time instead of letting Swift recurse
    /// through a deep chain of deinits.
    deinit {
        var stack: [Node] = []
        for case .node(let n) in edges { stack.append(n) }
        edges = []
        while var n = stack.popLast() {
            if isKnownUniquelyReferenced(&n) {
                for case .node(let m) in n.edges { stack.append(m) }
                n.edges = []
            }
        }
    }
}

extension Tensor {
    // MARK: - Grad mode

    /// Whether ops run on this thread are recorded for backward.
    public static var isGradEnabled: Bool { GradMode.isEnabled }

    /// Turns recording on or off for this thread until changed again.
    public static func setGradEnabled(_ enabled: Bool) { GradMode.set(enabled) }

    /// Runs `body` with recording off on this thread (like `torch.no_grad()`),
    /// restoring the previous mode afterwards, even when `body` throws.
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        try withGradEnabled(false, body)
    }

    /// Runs `body` with recording set to `enabled` on this thread.
    public static func withGradEnabled<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
        let previous = GradMode.isEnabled
        GradMode.set(enabled)
        defer { GradMode.set(previous) }
        return try body()
    }

    // MARK: - Recording

    /// Whether an op with this input must record itself.
    @inline(__always)
    var needsRecording: Bool { requiresGradFlag && GradMode.isEnabled }

    /// Whether an op with these inputs must record itself.
    @inline(__always)
    static func needsRecording(_ a: Tensor, _ b: Tensor) -> Bool {
        (a.requiresGradFlag || b.requiresGradFlag) && GradMode.isEnabled
    }

    /// Whether an op with these inputs must record itself.
    static func needsRecording(_ ts: [Tensor]) -> Bool {
        ts.contains { $0.requiresGradFlag } && GradMode.isEnabled
    }

    /// The edge that carries gradient into `self`.
    var edge: Edge {
        guard requiresGradFlag else { return .none }
        if let gradFn { return .node(gradFn) }
        return .leaf(self)
    }

    /// A storage-sharing alias without autograd links, used for saved
    /// tensors so that a node never keeps its own output alive (a cycle) or a
    /// long chain of nodes reachable through tensors.
    func savedAlias() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: storageOffset,
               count: count, isView: true)
    }

    /// Makes `self` (a fresh op result) the output of a recorded op.
    @discardableResult
    func record(_ name: String, inputs: [Tensor], saved: [Tensor] = [],
                backward: @escaping (BackwardContext) throws -> [Tensor?]) -> Tensor {
        gradFn = Node(name: name, edges: inputs.map { $0.edge },
                      inputShapes: inputs.map { $0.shape },
                      saved: saved.map { $0.savedAlias() }, fn: backward)
        requiresGradFlag = true
        return self
    }

    // MARK: - Leaves and gradients

    /// Sets whether this leaf records operations for backward; returns self
    /// so it can be chained (`Tensor.randn([3]).requiresGrad()`).
    @discardableResult
    public func requiresGrad(_ flag: Bool = true) throws -> Tensor {
        if let gradFn {
            throw TensorError.autograd("requiresGrad", "only leaf tensors can change requiresGrad; use \(ErrorText.Advice.detach) to get a leaf (tensor has grad_fn \(gradFn.name))")
        }
        requiresGradFlag = flag
        return self
    }

    /// A tensor sharing this one's data, cut off from the graph.
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: storageOffset,
               count: count, isView: true)
    }

    /// Clears the accumulated gradient: drops it (default, like PyTorch's
    /// `set_to_none=True`) or fills it with zeros.
    public func zeroGrad(setToNone: Bool = true) {
        if setToNone {
            gradStore = nil
        } else if let g = gradStore {
            g.base.update(repeating: 0, count: g.count)
            g.storage.version &+= 1
        }
    }

    /// Replaces the accumulated gradient; it must have this tensor's shape.
    public func setGrad(_ g: Tensor?) throws {
        if let g, g.shape != shape {
            throw TensorError.shape("setGrad", "gradient of shape \(fmt(g.shape)) does not match tensor of shape \(fmt(shape))")
        }
        gradStore = g?.detach()
    }

    /// Adds `g` into `.grad`, allocating it on first use. The stored gradient
    /// is always a private contiguous copy: backward closures may return
    /// aliases of each other (add returns the same tensor for both inputs).
    func accumulateGrad(_ g: Tensor) throws {
        if let existing = gradStore, existing.isContiguous && !existing.isView {
            try existing.addInPlaceRaw(g)
            existing.storage.version &+= 1
        } else if let existing = gradStore {
            gradStore = try existing.addRaw(g)
        } else {
            gradStore = try g.cloneRaw()
        }
    }

    // MARK: - Backward

    /// Computes gradients of `self` with respect to every leaf that requires
    /// grad and adds them into those leaves' `.grad`.
    ///
    /// - Parameters:
    ///   - gradient: d(loss)/d(self); may be omitted only for one-element tensors.
    ///   - retainGraph: keep the graph so backward can run through it again.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        guard requiresGradFlag else {
            throw TensorError.autograd("backward", "tensor of shape \(fmt(shape)) does not require grad and has no grad_fn")
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                throw TensorError.shape("backward", "gradient of shape \(fmt(gradient.shape)) does not match tensor of shape \(fmt(shape))")
            }
            seed = gradient.detach()
        } else {
            guard count == 1 else {
                throw TensorError.autograd("backward", "grad can be implicitly created only for one-element tensors, got shape \(fmt(shape)); pass a gradient")
            }
            seed = try Tensor.full(shape, 1)
        }
        try Tensor.noGrad {
            guard let root = gradFn else {
                try accumulateGrad(seed)
                return
            }
            try Tensor.runBackward(root: root, seed: seed, retainGraph: retainGraph)
        }
    }

    private static func runBackward(root: Node, seed: Tensor, retainGraph: Bool) throws {
        // 1. Discover the graph and count, for each node, how many of the
        //    discovered nodes feed gradient into it.
        var deps: [ObjectIdentifier: Int] = [ObjectIdentifier(root): 0]
        var nodes: [Node] = [root]
        var stack: [Node] = [root]
        while let n = stack.popLast() {
            guard n.fn != nil else {
                throw TensorError.autograd("backward", "trying to backward through the graph a second time (\(n.name) was freed); pass retainGraph: true to the first backward")
            }
            for case .node(let m) in n.edges {
                let id = ObjectIdentifier(m)
                if let c = deps[id] {
                    deps[id] = c + 1
                } else {
                    deps[id] = 1
                    nodes.append(m)
                    stack.append(m)
                }
            }
        }

        // 2. Process nodes whose consumers have all delivered their gradient.
        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        var ready: [Node] = [root]
        while let n = ready.popLast() {
            let id = ObjectIdentifier(n)
            let g = grads.removeValue(forKey: id)
            if let g, let fn = n.fn {
                for (i, t) in n.saved.enumerated() where t.storage.version != n.savedVersions[i] {
                    throw TensorError.autograd("backward", "a tensor of shape \(fmt(t.shape)) saved by \(n.name) was modified by an in-place operation (it is at version \(t.storage.version), expected \(n.savedVersions[i])); use an out-of-place op or clone() it first")
                }
                let needs = n.edges.map { if case .none = $0 { return false } else { return true } }
                let inputGrads = try fn(BackwardContext(grad: g, saved: n.saved, needs: needs))
                guard inputGrads.count == n.edges.count else {
                    throw TensorError.autograd("backward", "\(n.name) returned \(inputGrads.count) gradients for \(n.edges.count) inputs")
                }
                for (i, e) in n.edges.enumerated() {
                    guard let gi = inputGrads[i] else { continue }
                    if case .none = e { continue }
                    guard gi.shape == n.inputShapes[i] else {
                        throw TensorError.autograd("backward", "\(n.name) returned a gradient of shape \(fmt(gi.shape)) for input \(i) of shape \(fmt(n.inputShapes[i]))")
                    }
                    switch e {
                    case .none: break
                    case .leaf(let t): try t.accumulateGrad(gi)
                    case .node(let m):
                        let mid = ObjectIdentifier(m)
                        if let prev = grads[mid] {
                            grads[mid] = try prev.addRaw(gi)
                        } else {
                            grads[mid] = gi
                        }
                    }
                }
            }
            for case .node(let m) in n.edges {
                let mid = ObjectIdentifier(m)
                let c = deps[mid, default: 1] - 1
                deps[mid] = c
                if c == 0 { ready.append(m) }
            }
        }

        // 3. Free the graph: drop closures, saved tensors and edges. All
        //    nodes are held by `nodes`, so clearing edges never cascades.
        if !retainGraph {
            for n in nodes {
                n.fn = nil
                n.saved = []
                n.savedVersions = []
                n.edges = []
            }
        }
    }
}
