import LuaKit
import Tensor

// Shape and layout: sizes, reshaping, dims moved or added, and reading the
// values back into Lua.

extension TensorBinding {
    /// The most elements `t:tolist()` turns into Lua values.
    static let maxListElements = 1 << 22

    /// A permutation given as a table or as arguments, 1-based, checked to
    /// name every dim exactly once.
    private static func permutation(_ call: LuaCall, _ t: Tensor) throws -> [Int] {
        let given = try integers(call, from: 2, what: "dims")
        guard given.count == t.ndim else {
            throw call.error("expected \(t.ndim) dims for a tensor of shape \(shapeText(t.shape)), got \(given.count)")
        }
        var out: [Int] = []
        for d in given {
            let w = try dim(call, 2, value: d, t)
            if out.contains(w) { throw call.argumentError(2, "dim \(d) appears more than once") }
            out.append(w)
        }
        return out
    }

    nonisolated(unsafe) static let shapeOps: [LuaMethod<Tensor>] = [
        LuaMethod("size", """
            t:size([dim: integer]) -> integer or list
            The size of dim (1-based, negative from the end), or the whole shape as a list.
            """) { call, t in
            if call.isNone(2) { return call.returns(.table(LuaTableValue(array: t.shape.map { .integer(Int64($0)) }))) }
            guard t.ndim > 0 else { throw call.error("a 0-d tensor has no dims") }
            return call.returns(.integer(Int64(t.shape[try dim(call, 2, t)])))
        },
        LuaMethod("dim", "t:dim() -> integer\nThe number of dims (0 for a scalar tensor).") { call, t in
            call.returns(.integer(Int64(t.ndim)))
        },
        LuaMethod("numel", "t:numel() -> integer\nThe number of elements.") { call, t in
            call.returns(.integer(Int64(t.count)))
        },
        LuaMethod("item", "t:item() -> number\nThe value of a one-element tensor.") { call, t in
            call.returns(.number(Double(try t.item())))
        },
        LuaMethod("tolist", """
            t:tolist() -> table or number
            The values as nested Lua lists (a number for a 0-d tensor); at most 4194304 elements.
            """) { call, t in
            // Every element becomes a Lua value (16+ bytes) after a Swift copy: a bound keeps
            // a huge expanded view from exhausting memory outside the Lua heap cap.
            guard t.count <= maxListElements else {
                throw call.error("tensor of shape \(shapeText(t.shape)) has \(t.count) elements; at most \(maxListElements) fit in a Lua table (slice it first)")
            }
            return call.returns(nestedList(t))
        },
        LuaMethod("is_contiguous", "t:is_contiguous() -> boolean\nWhether the elements lie densely in row-major order.") { call, t in
            call.returns(.boolean(t.isContiguous))
        },
        LuaMethod("reshape", """
            t:reshape(sizes...) -> Tensor
            The same elements in a new shape (a table or numbers; one size may be -1 to infer it).
            A view when the layout allows, else a copy.
            """) { call, t in
            push(call, try t.reshape(try integers(call, from: 2, what: "sizes")))
        },
        LuaMethod("view", """
            t:view(sizes...) -> Tensor
            Like reshape, but always a view; fails when the strides do not allow one.
            """) { call, t in
            push(call, try t.view(try integers(call, from: 2, what: "sizes")))
        },
        LuaMethod("flatten", """
            t:flatten([start_dim: integer [, end_dim: integer]]) -> Tensor
            Merges dims start_dim..end_dim (inclusive; default 1..-1) into one.
            """) { call, t in
            if t.ndim == 0 { return push(call, try t.reshape([1])) }
            let s = try optionalDim(call, 2, t) ?? 0
            let e = try optionalDim(call, 3, t) ?? t.ndim - 1
            guard s <= e else { throw call.error("start_dim \(s + 1) comes after end_dim \(e + 1)") }
            return push(call, try t.flatten(startDim: s, endDim: e))
        },
        LuaMethod("squeeze", """
            t:squeeze([dim: integer]) -> Tensor
            Removes every dim of size 1, or only dim (left as is when its size is not 1).
            """) { call, t in
            if call.isNone(2) { return push(call, try t.squeeze()) }
            return push(call, try t.squeeze(try dim(call, 2, t)))
        },
        LuaMethod("unsqueeze", """
            t:unsqueeze(dim: integer) -> Tensor
            Inserts a dim of size 1 so that it becomes dim (1..ndim+1, or -1 for a new last dim).
            """) { call, t in
            return push(call, try t.unsqueeze(try dim(call, 2, t, extra: 1)))
        },
        LuaMethod("transpose", """
            t:transpose(dim1: integer, dim2: integer) -> Tensor
            Swaps two dims (a view).
            """) { call, t in
            return push(call, try t.transpose(try dim(call, 2, t), try dim(call, 3, t)))
        },
        LuaMethod("t", "t:t() -> Tensor\nTranspose of a matrix (1-D and 0-D tensors are returned as they are).") { call, t in
            return push(call, try t.t())
        },
        LuaMethod("permute", """
            t:permute(dims...) -> Tensor
            Reorders the dims (a table or numbers naming every dim once, 1-based): a view.
            """) { call, t in
            push(call, try t.permute(try permutation(call, t)))
        },
        LuaMethod("expand", """
            t:expand(sizes...) -> Tensor
            Broadcasts size-1 dims (and new leading dims) to sizes without copying; -1 keeps a size.
            """) { call, t in
            push(call, try t.expand(try integers(call, from: 2, what: "sizes")))
        },
        LuaMethod("expand_as", "t:expand_as(other: Tensor|number|table) -> Tensor\nt:expand(other's shape).") { call, t in
            return push(call, try t.expandAs(try tensorArgument(call, 2)))
        },
        LuaMethod("contiguous", "t:contiguous() -> Tensor\nt itself when dense in row-major order, else a dense copy.") { call, t in
            push(call, try t.contiguous())
        },
        LuaMethod("clone", "t:clone() -> Tensor\nA copy with its own storage (gradients flow back to t).") { call, t in
            push(call, try t.clone())
        },
    ]
}
