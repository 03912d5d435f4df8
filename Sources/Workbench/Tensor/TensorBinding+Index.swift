import LuaKit
import Tensor

// Indexing, slicing, splitting and joining. Lua ranges are inclusive like
// string.sub: t:slice(1, 2, 4) takes rows 2, 3 and 4; negative bounds count
// from the end, so t:slice(1, -2, -1) takes the last two.

extension TensorBinding {
    /// Converts string.sub-style bounds (1-based, inclusive, negative from
    /// the end, 0 meaning "before the first") to the engine's half-open ones.
    static func halfOpen(from: Int, to: Int, size n: Int) -> (Int, Int) {
        let start = from > 0 ? from - 1 : (from == 0 ? 0 : max(n + from, 0))
        let end = to >= 0 ? min(to, n) : max(n + to + 1, 0)
        return (min(start, n), max(min(end, n), min(start, n)))
    }

    nonisolated(unsafe) static let indexOps: [LuaMethod<Tensor>] = [
        LuaMethod("select", """
            t:select(dim: integer, index: integer) -> Tensor
            The sub-tensor at index (1-based, negative from the end) along dim, with dim removed: a view.
            t[i] is t:select(1, i).
            """) { call, t in
            guard t.ndim > 0 else { throw call.error("cannot select from a 0-d tensor") }
            let d = try dim(call, 2, t)
            let i = try index(call, 3, value: try call.integer(3), size: t.shape[d], dimLabel: "dim \(d + 1)")
            return push(call, try t.select(d, i))
        },
        LuaMethod("slice", """
            t:slice(dim: integer [, from: integer [, to: integer [, step: integer]]]) -> Tensor
            Elements from..to (inclusive, 1-based, negative from the end, like string.sub) every step
            along dim: a view. from defaults to 1, to to -1 (the end), step to 1.
            """) { call, t in
            guard t.ndim > 0 else { throw call.error("cannot slice a 0-d tensor") }
            let d = try dim(call, 2, t)
            let step = try call.optionalInteger(5) ?? 1
            guard step > 0 else { throw call.argumentError(5, "step must be positive, got \(step)") }
            let (s, e) = halfOpen(from: try call.optionalInteger(3) ?? 1, to: try call.optionalInteger(4) ?? -1, size: t.shape[d])
            return push(call, try t.slice(d, s, e, step: step))
        },
        LuaMethod("narrow", """
            t:narrow(dim: integer, start: integer, length: integer) -> Tensor
            length elements along dim starting at start (1-based): a view.
            """) { call, t in
            guard t.ndim > 0 else { throw call.error("cannot narrow a 0-d tensor") }
            let d = try dim(call, 2, t)
            let start = try call.integer(3), length = try call.integer(4)
            let s = try index(call, 3, value: start, size: t.shape[d] + 1, dimLabel: "dim \(d + 1) (plus one)")
            guard length >= 0, length <= t.shape[d] - s else {
                throw call.argumentError(4, "start \(start) and length \(length) exceed dim \(d + 1) of size \(t.shape[d])")
            }
            return push(call, try t.narrow(d, s, length))
        },
        LuaMethod("index_select", """
            t:index_select(dim: integer, indices: Tensor|number|table) -> Tensor
            Copies of the sub-tensors at indices (a list or 1-D tensor of 1-based indices) along dim.
            """) { call, t in
            guard t.ndim > 0 else { throw call.error("cannot index a 0-d tensor") }
            let d = try dim(call, 2, t)
            let idx = try indexTensor(call, 3, size: t.shape[d], dimLabel: "dim \(d + 1)")
            return push(call, try t.indexSelect(d, idx))
        },
        LuaMethod("gather", """
            t:gather(dim: integer, indices: Tensor|number|table) -> Tensor
            out[i][j] = t[indices[i][j]][j] for dim 1 (and so on): picks along dim with a tensor of
            1-based indices shaped like t except along dim.
            """) { call, t in
            guard t.ndim > 0 else { throw call.error("cannot gather from a 0-d tensor") }
            let d = try dim(call, 2, t)
            let idx = try indexTensor(call, 3, size: t.shape[d], dimLabel: "dim \(d + 1)")
            return push(call, try t.gather(d, idx))
        },
        LuaMethod("masked_select", """
            t:masked_select(mask: Tensor|number|table) -> Tensor
            A 1-D tensor of the elements where mask (broadcast with t) is nonzero.
            """) { call, t in
            return push(call, try t.maskedSelect(try tensorArgument(call, 2)))
        },
        LuaMethod("masked_fill", """
            t:masked_fill(mask: Tensor|number|table, value: number) -> Tensor
            A copy of t with value where mask (broadcast with t) is nonzero.
            """) { call, t in
            return push(call, try t.maskedFill(try tensorArgument(call, 2), try float(call, 3)))
        },
        LuaMethod("split", """
            t:split(size: integer|table [, dim: integer]) -> list of Tensors
            Pieces of size elements along dim (default 1; the last may be smaller), or pieces of the
            listed sizes ({2, 3, 1}, summing to the dim's size).
            """) { call, t in
            guard t.ndim > 0 else { throw call.error("cannot split a 0-d tensor") }
            let d = try optionalDim(call, 3, t) ?? 0
            if case .table(let list) = call.value(2) {
                return pushList(call, try t.split(sizes: try integerList(list, call, 2, what: "sizes"), dim: d))
            }
            let size = try call.integer(2)
            guard size > 0 else { throw call.argumentError(2, "split size must be positive, got \(size)") }
            return pushList(call, try t.split(size, dim: d))
        },
        LuaMethod("chunk", """
            t:chunk(n: integer [, dim: integer]) -> list of Tensors
            At most n nearly equal pieces along dim (default 1).
            """) { call, t in
            guard t.ndim > 0 else { throw call.error("cannot chunk a 0-d tensor") }
            let n = try call.integer(2)
            guard n > 0 else { throw call.argumentError(2, "number of chunks must be positive, got \(n)") }
            return pushList(call, try t.chunk(n, dim: try optionalDim(call, 3, t) ?? 0))
        },
        LuaMethod("tril", """
            t:tril([diagonal: integer]) -> Tensor
            The lower triangle of the last two dims (col - row <= diagonal, default 0); the rest zero.
            """) { call, t in
            return push(call, try t.tril(try call.optionalInteger(2) ?? 0))
        },
        LuaMethod("triu", """
            t:triu([diagonal: integer]) -> Tensor
            The upper triangle of the last two dims (col - row >= diagonal, default 0); the rest zero.
            """) { call, t in
            return push(call, try t.triu(try call.optionalInteger(2) ?? 0))
        },
        LuaMethod("one_hot", """
            t:one_hot([num_classes: integer]) -> Tensor
            One-hot rows for the 1-based class indices in t: shape t.shape + {num_classes}
            (default: the largest index).
            """) { call, t in
            let classes = try call.optionalInteger(2)
            if let classes, classes < 0 { throw call.argumentError(2, "num_classes must be non-negative, got \(classes)") }
            let largest = t.toArray().max().map { $0.isFinite && $0 >= 1 && $0 < 16_777_216 ? Int($0) : 0 } ?? 0
            let n = classes ?? largest
            let idx = try zeroBased(t, call, 1, size: n, dimLabel: "\(n) classes")
            return push(call, try Tensor.oneHot(idx, numClasses: n))
        },
    ]

    // MARK: - Joining

    nonisolated(unsafe) static let joinFunctions: [LuaFunction] = [
        LuaFunction("tensor.cat", doc: """
            tensor.cat(tensors: table [, dim: integer]) -> Tensor
            Joins a list of tensors along an existing dim (default 1); other dims must match.
            """) { call in
            try translatingErrors(call) {
                let tensors = try tensorList(call, 1)
                guard let first = tensors.first else { throw call.argumentError(1, "expected a non-empty list of tensors") }
                let d = call.isNone(2) ? 0 : try dim(call, 2, first)
                return push(call, try Tensor.cat(tensors, dim: d))
            }
        },
        LuaFunction("tensor.stack", doc: """
            tensor.stack(tensors: table [, dim: integer]) -> Tensor
            Joins equally shaped tensors along a new dim (default 1; up to ndim + 1).
            """) { call in
            try translatingErrors(call) {
                let tensors = try tensorList(call, 1)
                guard let first = tensors.first else { throw call.argumentError(1, "expected a non-empty list of tensors") }
                let d = call.isNone(2) ? 0 : try dim(call, 2, first, extra: 1)
                return push(call, try Tensor.stack(tensors, dim: d))
            }
        },
        LuaFunction("tensor.where", doc: """
            tensor.where(condition: Tensor|number|table, a: Tensor|number|table, b: Tensor|number|table) -> Tensor
            Elementwise a where condition is nonzero, else b; a and b are tensors or numbers and all
            three broadcast together.
            """) { call in
            try translatingErrors(call) {
                let condition = try tensorArgument(call, 1)
                return push(call, try Tensor.where(condition, try tensorArgument(call, 2), try tensorArgument(call, 3)))
            }
        },
    ]
}
