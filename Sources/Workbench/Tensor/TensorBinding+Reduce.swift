import LuaKit
import Tensor

// Reductions, and softmax/log_softmax (normalising along a dim). Each
// reduction takes nothing (every element), one dim or a list of dims, then
// keepdim. Index results (argmax, max over one dim) are 1-based, like
// every index a Lua user sees.

extension TensorBinding {
    /// Reads `(dims, keepdim)` at positions 2 and 3.
    private static func dimsAndKeepdim(_ call: LuaCall, _ t: Tensor) throws -> ([Int]?, Bool) {
        (try dims(call, 2, t), try call.optionalBoolean(3) ?? false)
    }

    /// A reduction over dims with keepdim and no other options.
    private static func reduction(_ name: String, _ summary: String,
                                  _ body: @escaping (Tensor, [Int]?, Bool) throws -> Tensor) -> LuaMethod<Tensor> {
        LuaMethod(name, """
            t:\(name)([dims: integer|table [, keepdim: boolean]]) -> Tensor
            \(summary) over every element, one dim or a list of dims ({1, 3}); keepdim keeps the
            reduced dims with size 1.
            """) { call, t in
            let (d, keep) = try dimsAndKeepdim(call, t)
            return push(call, try body(t, d, keep))
        }
    }

    /// 0-based indices from the engine made 1-based for Lua.
    static func oneBased(_ indices: Tensor) throws -> Tensor {
        try Tensor.noGrad { try indices.add(1) }
    }

    /// max/min: over everything or a list of dims returns the values; over one
    /// dim returns the values and the 1-based indices, as torch.max does.
    private static func extremum(_ name: String, largest: Bool) -> LuaMethod<Tensor> {
        LuaMethod(name, """
            t:\(name)([dims: integer|table [, keepdim: boolean]]) -> Tensor [, indices]
            The \(largest ? "largest" : "smallest") element overall or over a list of dims; over one dim (a number)
            also returns the 1-based indices where it occurs, like torch.\(name)(t, dim).
            """) { call, t in
            let keep = try call.optionalBoolean(3) ?? false
            if !call.isNone(2), integer(call.value(2)) != nil {
                let d = try dim(call, 2, t)
                let (values, indices) = largest ? try t.max(dim: d, keepdim: keep) : try t.min(dim: d, keepdim: keep)
                _ = push(call, values)
                return push(call, try oneBased(indices)) + 1
            }
            let d = try dims(call, 2, t)
            return push(call, largest ? try t.max(d, keepdim: keep) : try t.min(d, keepdim: keep))
        }
    }

    private static func argExtremum(_ name: String, largest: Bool) -> LuaMethod<Tensor> {
        LuaMethod(name, """
            t:\(name)([dim: integer [, keepdim: boolean]]) -> Tensor
            1-based index of the \(largest ? "largest" : "smallest") element along dim, or in the flattened tensor
            when dim is absent (first occurrence on ties).
            """) { call, t in
            let d = try optionalDim(call, 2, t)
            let keep = try call.optionalBoolean(3) ?? false
            return push(call, try oneBased(largest ? try t.argmax(dim: d, keepdim: keep) : try t.argmin(dim: d, keepdim: keep)))
        }
    }

    private static func spread(_ name: String, _ summary: String,
                               _ body: @escaping (Tensor, [Int]?, Bool, Bool) throws -> Tensor) -> LuaMethod<Tensor> {
        LuaMethod(name, """
            t:\(name)([dims: integer|table [, keepdim: boolean [, unbiased: boolean]]]) -> Tensor
            \(summary) over every element, one dim or a list of dims; unbiased (default true) divides
            by N - 1 (Bessel's correction) as torch.\(name) does.
            """) { call, t in
            let (d, keep) = try dimsAndKeepdim(call, t)
            return push(call, try body(t, d, keep, try call.optionalBoolean(4) ?? true))
        }
    }

    nonisolated(unsafe) static let reductionOps: [LuaMethod<Tensor>] = [
        reduction("sum", "Sum") { try $0.sum($1, keepdim: $2) },
        reduction("mean", "Mean") { try $0.mean($1, keepdim: $2) },
        reduction("logsumexp", "log(sum(exp(t))), computed stably,") { try $0.logsumexp($1, keepdim: $2) },
        extremum("max", largest: true),
        extremum("min", largest: false),
        argExtremum("argmax", largest: true),
        argExtremum("argmin", largest: false),
        spread("var", "Variance") { try $0.variance($1, unbiased: $3, keepdim: $2) },
        spread("std", "Standard deviation") { try $0.std($1, unbiased: $3, keepdim: $2) },
        LuaMethod("softmax", """
            t:softmax([dim: integer]) -> Tensor
            exp(t) / sum(exp(t)) along dim (default -1, the last), computed stably.
            """) { call, t in
            return push(call, try t.softmax(dim: call.isNone(2) ? max(t.ndim - 1, 0) : try dim(call, 2, t)))
        },
        LuaMethod("log_softmax", """
            t:log_softmax([dim: integer]) -> Tensor
            log(softmax(t, dim)) along dim (default -1), computed without forming softmax.
            """) { call, t in
            return push(call, try t.logSoftmax(dim: call.isNone(2) ? max(t.ndim - 1, 0) : try dim(call, 2, t)))
        },
    ]
}
