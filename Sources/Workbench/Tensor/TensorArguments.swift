import LuaKit
import Tensor

// Reading tensor arguments from Lua: tensors, numbers, nested tables,
// shapes, and the conversion of Lua's 1-based dims, indices and inclusive
// ranges into the engine's 0-based, half-open ones. Every check here throws a
// Lua argument error in Lua's terms, so that no engine message ever shows a
// 0-based dim to someone who typed a 1-based one.

/// A binary operand: a tensor or a plain number (kept apart so that the
/// engine's scalar overloads run and no 0-d tensor is allocated).
enum TensorOperand {
    case tensor(Tensor)
    case scalar(Float)
}

extension TensorBinding {
    /// The largest nesting `tensor{...}` reads; deeper tables are refused.
    static let maxNesting = 8

    /// Argument `position` as a tensor: a Tensor, a number (a 0-d tensor) or
    /// a nested table of numbers.
    static func tensorArgument(_ call: LuaCall, _ position: Int32) throws -> Tensor {
        if let t = call.optionalObject(position, luaClass) { return t }
        switch call.value(position) {
        case .integer(let i): return try Tensor(scalar: Float(i))
        case .number(let d): return try Tensor(scalar: Float(d))
        case .boolean(let b): return try Tensor(scalar: b ? 1 : 0)
        case .table(let table): return try tensor(fromTable: table, call, position)
        default: throw call.typeError(position, expected: "Tensor, number or table of numbers")
        }
    }

    /// Argument `position` as a tensor or a number.
    static func operand(_ call: LuaCall, _ position: Int32) throws -> TensorOperand {
        if let t = call.optionalObject(position, luaClass) { return .tensor(t) }
        switch call.value(position) {
        case .integer(let i): return .scalar(Float(i))
        case .number(let d): return .scalar(Float(d))
        case .table(let table): return .tensor(try tensor(fromTable: table, call, position))
        default: throw call.typeError(position, expected: "Tensor or number")
        }
    }

    /// A list of tensors (for cat and stack).
    static func tensorList(_ call: LuaCall, _ position: Int32) throws -> [Tensor] {
        guard case .table(let table) = call.value(position) else {
            throw call.typeError(position, expected: "list of tensors")
        }
        var tensors: [Tensor] = []
        for (i, item) in table.array.enumerated() {
            call.stack.push(item)
            defer { call.stack.pop() }
            guard let t = call.optionalObject(-1, luaClass) else {
                throw call.argumentError(position, "item \(i + 1) must be a Tensor, got \(item.typeName)")
            }
            tensors.append(t)
        }
        return tensors
    }

    /// Builds a tensor from a nested table of numbers (booleans count as 1 and 0).
    static func tensor(fromTable table: LuaTableValue, _ call: LuaCall, _ position: Int32) throws -> Tensor {
        var shape: [Int] = []
        var probe = LuaValue.table(table)
        // The shape is read along the first elements, then every element is checked against it.
        while case .table(let t) = probe {
            guard shape.count < maxNesting else {
                throw call.argumentError(position, "tables nested deeper than \(maxNesting) levels")
            }
            shape.append(t.array.count)
            probe = t.array.first ?? .nil
        }
        var data: [Float] = []
        func fill(_ value: LuaValue, _ depth: Int, _ path: [Int]) throws {
            let where_ = path.isEmpty ? "" : " at [" + path.map { String($0 + 1) }.joined(separator: "][") + "]"
            if depth == shape.count {
                switch value {
                case .integer(let i): data.append(Float(i))
                case .number(let d): data.append(Float(d))
                case .boolean(let b): data.append(b ? 1 : 0)
                default: throw call.argumentError(position, "expected a number\(where_), got \(value.typeName)")
                }
                return
            }
            guard case .table(let t) = value else {
                throw call.argumentError(position, "expected a table of \(shape[depth]) elements\(where_), got \(value.typeName)")
            }
            guard t.fields.isEmpty, t.otherKeyCount == 0 else {
                throw call.argumentError(position, "expected a list\(where_), got a table with non-integer keys")
            }
            guard t.array.count == shape[depth] else {
                throw call.argumentError(position, "ragged nested table: expected \(shape[depth]) elements\(where_), got \(t.array.count)")
            }
            for (i, element) in t.array.enumerated() { try fill(element, depth + 1, path + [i]) }
        }
        try fill(.table(table), 0, [])
        return try Tensor(shape: shape, data: data)
    }

    // MARK: - Integers, shapes and dims

    /// An integral Lua number as an Int.
    static func integer(_ value: LuaValue) -> Int? {
        switch value {
        case .integer(let i): return Int(exactly: i)
        case .number(let d): return Int(exactly: d)
        default: return nil
        }
    }

    /// A list of integers: a table at `position`, or every argument from
    /// `position` on (`zeros(2, 3)` and `zeros{2, 3}` alike).
    static func integers(_ call: LuaCall, from position: Int32, what: String) throws -> [Int] {
        if case .table(let table) = call.value(position) {
            guard call.argumentCount <= position else {
                throw call.error("expected \(what) as one table or as numbers, not both")
            }
            return try integerList(table, call, position, what: what)
        }
        guard position <= call.argumentCount else { return [] }
        return try (position...call.argumentCount).map { try call.integer($0) }
    }

    /// The integers of a Lua list.
    static func integerList(_ table: LuaTableValue, _ call: LuaCall, _ position: Int32, what: String) throws -> [Int] {
        try table.array.enumerated().map { i, value in
            guard let n = integer(value) else {
                throw call.argumentError(position, "\(what) item \(i + 1) must be an integer, got \(value.typeName) \(value)")
            }
            return n
        }
    }

    /// Converts a 1-based or negative dim to the engine's 0-based one.
    /// `extra` widens the range (unsqueeze may name the position after the last dim).
    static func dim(_ call: LuaCall, _ position: Int32, _ t: Tensor, extra: Int = 0) throws -> Int {
        try dim(call, position, value: try call.integer(position), t, extra: extra)
    }

    static func dim(_ call: LuaCall, _ position: Int32, value d: Int, _ t: Tensor, extra: Int = 0) throws -> Int {
        // A 0-d tensor accepts dim 1 / -1 as its one pseudo-dim, as PyTorch does.
        let n = max(t.ndim + extra, 1)
        if d >= 1 && d <= n { return d - 1 }
        if d <= -1 && d >= -n { return n + d }
        throw call.argumentError(position, d == 0
            ? "dim 0 is invalid: dims are 1-based (expected 1..\(n) or -\(n)..-1, tensor of shape \(shapeText(t.shape)))"
            : "dim \(d) is out of range for a tensor of shape \(shapeText(t.shape)) (expected 1..\(n) or -\(n)..-1)")
    }

    /// An optional dim, nil when absent.
    static func optionalDim(_ call: LuaCall, _ position: Int32, _ t: Tensor) throws -> Int? {
        call.isNone(position) ? nil : try dim(call, position, t)
    }

    /// A reduction's dims: absent (all), one dim, or a list of distinct dims.
    static func dims(_ call: LuaCall, _ position: Int32, _ t: Tensor) throws -> [Int]? {
        if call.isNone(position) { return nil }
        if case .table(let table) = call.value(position) {
            var out: [Int] = []
            for (i, value) in table.array.enumerated() {
                guard let d = integer(value) else {
                    throw call.argumentError(position, "dim list item \(i + 1) must be an integer, got \(value.typeName)")
                }
                let w = try dim(call, position, value: d, t)
                if out.contains(w) { throw call.argumentError(position, "dim \(d) appears more than once") }
                out.append(w)
            }
            return out
        }
        return [try dim(call, position, t)]
    }

    /// A 1-based or negative index into a dim of size `size`, made 0-based.
    static func index(_ call: LuaCall, _ position: Int32, value i: Int, size: Int, dimLabel: String) throws -> Int {
        if i >= 1 && i <= size { return i - 1 }
        if i <= -1 && i >= -size { return size + i }
        throw call.argumentError(position, i == 0
            ? "index 0 is invalid: indices are 1-based (\(dimLabel) has size \(size))"
            : "index \(i) is out of range for \(dimLabel) of size \(size)")
    }

    /// An index tensor (or Lua list) of 1-based positions into a dim of
    /// `size`, as the engine's 0-based index tensor of the same shape.
    static func indexTensor(_ call: LuaCall, _ position: Int32, size: Int, dimLabel: String) throws -> Tensor {
        try zeroBased(try tensorArgument(call, position), call, position, size: size, dimLabel: dimLabel)
    }

    /// `given`'s 1-based indices into a dim of `size` as 0-based ones.
    static func zeroBased(_ given: Tensor, _ call: LuaCall, _ position: Int32, size: Int, dimLabel: String) throws -> Tensor {
        var zeroBased: [Float] = []
        zeroBased.reserveCapacity(given.count)
        for v in given.toArray() {
            guard v.isFinite, v == v.rounded(), let i = Int(exactly: v) else {
                throw call.argumentError(position, "indices must be whole numbers, got \(v)")
            }
            zeroBased.append(Float(try index(call, position, value: i, size: size, dimLabel: dimLabel)))
        }
        return try Tensor(shape: given.shape, data: zeroBased)
    }

    /// `[2, 3]`, as the engine writes shapes.
    static func shapeText(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// A number argument as Float, with a default when absent.
    static func float(_ call: LuaCall, _ position: Int32, default value: Float? = nil) throws -> Float {
        if let value, call.isNone(position) { return value }
        return Float(try call.number(position))
    }

    /// An optional number argument as Float.
    static func optionalFloat(_ call: LuaCall, _ position: Int32) throws -> Float? {
        call.isNone(position) ? nil : Float(try call.number(position))
    }

    /// The tensor's values as nested Lua lists (a number for a 0-d tensor).
    static func nestedList(_ t: Tensor) -> LuaValue {
        let values = t.toArray()
        if t.ndim == 0 { return .number(Double(values.first ?? 0)) }
        func build(_ depth: Int, _ offset: Int, _ stride: Int) -> LuaValue {
            let n = t.shape[depth]
            if depth == t.ndim - 1 {
                return .table(LuaTableValue(array: (0..<n).map { .number(Double(values[offset + $0])) }))
            }
            let inner = stride / max(n, 1)
            return .table(LuaTableValue(array: (0..<n).map { build(depth + 1, offset + $0 * inner, inner) }))
        }
        return build(0, 0, values.count)
    }
}
