import LuaKit
import Synchronization
import Tensor

// The `tensor` module: the Tensor engine bound to Lua with Torch7's
// conventions. The engine is 0-based with half-open ranges; everything a Lua
// user types is 1-based and inclusive, so every dim, index and range passes
// through the converters in TensorArguments.swift before it reaches the
// engine, and those converters also produce the error messages (in 1-based
// terms) for dims and indices that are out of range.
//
// Every operation is written once, as a `LuaMethod` whose body receives the
// tensor it works on; it becomes both the method `t:name(...)` and the
// function `tensor.name(t, ...)`, with the same docstring adapted.

/// Namespace of the binding: the Lua class and the op tables.
enum TensorBinding {
    /// The `Tensor` userdata class, configured once for every state.
    static let luaClass: LuaClass<Tensor> = {
        let cls = LuaClass<Tensor>("Tensor", around: { call, body in try translatingErrors(call, body) })
        cls.add(ops + autogradMethods)
        cls.index(index)
        for (event, body) in metamethods { cls.metamethod(event, body) }
        return cls
    }()

    /// The ops that are methods and functions, from the tables of the TensorBinding+*.swift files.
    nonisolated(unsafe) static let ops: [LuaMethod<Tensor>] = elementwiseOps + reductionOps + shapeOps + indexOps + inPlaceOps + autogradOps

    /// Module functions that are not methods (creation, joining, grad mode).
    nonisolated(unsafe) static let moduleFunctions: [LuaFunction] = creationFunctions + joinFunctions + gradModeFunctions

    /// Turns an engine error into a Lua error. The dispatcher prefixes the
    /// function's name, so the engine's op name is dropped when it says the
    /// same thing (`Tensor:matmul: shapes ...`, not `Tensor:matmul: matmul: ...`).
    static func translatingErrors<R>(_ call: LuaCall, _ body: () throws -> R) throws -> R {
        do {
            return try body()
        } catch let error as TensorError {
            let own = call.function.shortName.replacingOccurrences(of: "_", with: "").lowercased()
            let op = error.op.replacingOccurrences(of: "_", with: "").lowercased()
            let text = error.text.rendered(.lua)
            throw LuaRuntimeError(own == op || own == "__" + op ? text : "\(error.op): \(text)")
        }
    }

    /// Pushes a tensor and returns 1.
    static func push(_ call: LuaCall, _ t: consuming Tensor) -> Int32 {
        let bytes = t.count &* MemoryLayout<Float>.stride
        if call.stack.push(new: t, as: luaClass) { noteExternalMemory(call, bytes: bytes) }
        return 1
    }

    /// Roughly what a tensor holds in Swift objects besides its floats.
    private static let objectBytes = 160

    /// Tensor buffer bytes (`TensorMemory.bytesInUse`) past which the next
    /// new tensor triggers a full collection.
    private static let fullCollectionAt = Atomic<Int>(minimumFullCollection)

    /// Below this much tensor memory, no full collection is forced.
    private static let minimumFullCollection = 64 << 20

    /// Lua's collector sees a tensor as a small userdata and cannot know
    /// what it holds, so on its own it runs far too rarely: dead tensors
    /// piled up (a training loop of small tensors grew to 700 MB in 10,000
    /// steps) and every new big tensor faulted in fresh pages. So every new
    /// tensor value is reported as memory held outside Lua; LuaKit steps the
    /// collector by it at the next Swift call, before that op allocates.
    /// The state's collector is generational (Workbench.init), so a step is
    /// a young collection: it visits only the values made since the last
    /// one, so it stays cheap however big the rest of the heap is, and the
    /// temporaries of a loop are freed an op or two after they die, their
    /// buffers reused while still in cache.
    ///
    /// A tensor that lived through two young collections is old, and only
    /// a full collection frees it. Lua starts those when its own heap has
    /// doubled, which dead tensors barely move, so one is forced here when
    /// the engine's tensor memory has doubled since the last (and is past
    /// 64 MiB): the same 2x bound Lua keeps on its heap. It runs on the
    /// calling thread, the running one, as finalizers must.
    private static func noteExternalMemory(_ call: LuaCall, bytes: Int) {
        call.stack.noteExternalMemory(bytes: bytes &+ objectBytes)
        if TensorMemory.bytesInUse > fullCollectionAt.load(ordering: .relaxed) {
            call.stack.collectGarbage()
            fullCollectionAt.store(Swift.max(minimumFullCollection, 2 &* TensorMemory.bytesInUse),
                                   ordering: .relaxed)
        }
    }

    /// Pushes a list of tensors as a Lua sequence and returns 1.
    static func pushList(_ call: LuaCall, _ tensors: [Tensor]) -> Int32 {
        pushTensors(tensors, on: call.stack)
        return 1
    }

    /// Pushes a list of tensors as a Lua sequence.
    static func pushTensors(_ tensors: [Tensor], on stack: LuaStack) {
        stack.pushNewTable()
        for (i, t) in tensors.enumerated() {
            stack.push(t, as: luaClass)
            stack.setIndex(i + 1, inTableAt: -2)
        }
    }
}

extension Workbench {
    /// Installs the global `tensor` (callable: `tensor{{1, 2}, {3, 4}}`) and
    /// the `Tensor` class.
    func installTensor() throws {
        lua.register(TensorBinding.luaClass)
        let functions = TensorBinding.moduleFunctions + TensorBinding.luaClass.functions(
            module: "tensor", from: TensorBinding.ops, receiver: ("Tensor|number|table", TensorBinding.tensorArgument))
        lua.registerModule("tensor", functions: functions)
        try installLuaDefinedParts()
        document("tensor", """
            tensor: float32 tensors with broadcasting and reverse-mode autodiff, Torch7 conventions:
            1-based dims and indices, negative ones count from the end, inclusive ranges (t:slice).
            Create: tensor{{1, 2}, {3, 4}}, zeros, ones, full, eye, arange, linspace, rand, randn, randint.
            Every op is a method and a function: t:matmul(w) is tensor.matmul(t, w). help(t.matmul).
            """)
    }
}

extension ErrorText.Conventions {
    /// How engine errors read in Lua: dims, positions and indices counted
    /// from 1 (the binding hands the engine only 0-based ones it converted
    /// itself), and the workbench's names for the engine's advice.
    static let lua = ErrorText.Conventions(base: 1, validDims: { n in n == 0 ? "none" : "1..\(n) or -\(n)..-1" }) {
        switch $0 {
        case .noGrad: return "tensor.no_grad(fn)"
        case .detach: return "t:detach()"
        }
    }
}
