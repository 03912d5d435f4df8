import LuaKit
import NN

/// One argument given to a layer constructor, from Lua or from a layer spec
/// read back out of a checkpoint. Layers given as arguments (the children of
/// `nn.Sequential`) are already built.
enum LayerArgument {
    case value(SpecValue)
    case layer(any Layer)
    /// A Lua value with no JSON form (a tensor, a function); a layer built
    /// with one cannot be rebuilt from its spec.
    case lua(LuaValue)

    var typeName: String {
        switch self {
        case .value(.number): return "number"
        case .value(.string): return "string"
        case .value(.bool): return "boolean"
        case .value(.list), .value(.table): return "table"
        case .value(.layer), .layer: return "Module"
        case .lua(let value): return value.typeName
        }
    }
}

/// The arguments of one constructor call with checks that name the
/// constructor and the argument, as Lua's own errors do.
struct LayerArguments {
    /// `nn.Linear`, for messages.
    let function: String
    let items: [LayerArgument]
    /// The constructor's signature line, once checked against (`declared(by:)`).
    private(set) var signature: LuaSignature?

    init(function: String, items: [LayerArgument]) {
        self.function = function
        self.items = items
    }

    /// These arguments checked against a constructor's signature: no more
    /// than it takes, and options tables read with the keys it names.
    func declared(by signature: LuaSignature?) throws -> LayerArguments {
        if let maximum = signature?.maxArguments, items.count > maximum {
            throw LuaRuntimeError("\(function): expected at most \(maximum) arguments, got \(items.count)", named: false)
        }
        var checked = self
        checked.signature = signature
        return checked
    }

    /// The spec these arguments rebuild, or nil when one of them has no JSON form.
    func spec(type: String) -> LayerSpec? {
        var values: [SpecValue] = []
        for item in items {
            switch item {
            case .value(let value): values.append(value)
            case .layer(let layer):
                guard let spec = layer.spec else { return nil }
                values.append(.layer(spec))
            case .lua: return nil
            }
        }
        return LayerSpec(type: type, arguments: values)
    }

    func error(_ position: Int, _ problem: String) -> LuaRuntimeError {
        LuaRuntimeError("\(function): argument #\(position) \(problem)", named: false)
    }

    func integer(_ position: Int, _ what: String) throws -> Int {
        guard position <= items.count else { throw error(position, "(\(what)) expected integer, got no value") }
        guard case .value(.number(let d)) = items[position - 1], let n = Int(exactly: d) else {
            throw error(position, "(\(what)) expected integer, got \(items[position - 1].typeName)")
        }
        return n
    }

    func number(_ position: Int, _ what: String, default fallback: Double? = nil) throws -> Double {
        guard position <= items.count else {
            if let fallback { return fallback }
            throw error(position, "(\(what)) expected number, got no value")
        }
        guard case .value(.number(let d)) = items[position - 1] else {
            throw error(position, "(\(what)) expected number, got \(items[position - 1].typeName)")
        }
        return d
    }

    /// The options table at `position` (absent is empty), read through
    /// LuaOptions like every other options table: keys the signature's
    /// table does not name are refused, so that a typo such as
    /// `{bais = false}` is not silently ignored.
    func options(_ position: Int) throws -> LuaOptions {
        let allowed = signature.flatMap { $0.parameters.indices.contains(position - 1) ? $0.parameters[position - 1].optionKeys : nil } ?? []
        guard position <= items.count else { return try LuaOptions(nil, function: function) }
        switch items[position - 1] {
        case .value(.table(let fields)):
            return try LuaOptions(LuaTableValue(fields: fields.mapValues(NNBinding.luaValue)), function: function, allowed: allowed)
        case .value(.list([])):
            return try LuaOptions(nil, function: function)
        default:
            throw error(position, "(options) expected table, got \(items[position - 1].typeName)")
        }
    }
}

extension NNBinding {
    /// Reads the arguments of a constructor call as layer arguments.
    func layerArguments(_ call: LuaCall, function: String) -> LayerArguments {
        var items: [LayerArgument] = []
        if call.argumentCount >= 1 {
            for position in 1...call.argumentCount {
                if let layer = optionalLayer(call.stack, position) {
                    items.append(.layer(layer))
                } else {
                    items.append(layerArgument(call.value(position)))
                }
            }
        }
        return LayerArguments(function: function, items: items)
    }

    /// A Lua value as a layer argument: plain data becomes a spec value,
    /// anything else is kept as it is.
    func layerArgument(_ value: LuaValue) -> LayerArgument {
        Self.specValue(value).map(LayerArgument.value) ?? .lua(value)
    }

    static func specValue(_ value: LuaValue) -> SpecValue? {
        switch value {
        case .boolean(let b): return .bool(b)
        case .integer(let i): return .number(Double(i))
        case .number(let d): return .number(d)
        case .string(let s): return .string(s)
        case .table(let t):
            guard t.otherKeyCount == 0, t.array.isEmpty || t.fields.isEmpty else { return nil }
            if !t.fields.isEmpty {
                var fields: [String: SpecValue] = [:]
                for (key, item) in t.fields {
                    guard let v = specValue(item) else { return nil }
                    fields[key] = v
                }
                return .table(fields)
            }
            var items: [SpecValue] = []
            for item in t.array {
                guard let v = specValue(item) else { return nil }
                items.append(v)
            }
            return .list(items)
        case .nil, .function, .other: return nil
        }
    }

    /// Pushes a layer argument as the Lua value a Lua layer's `init` receives.
    func push(_ argument: LayerArgument, on stack: LuaStack) {
        switch argument {
        case .value(let value): stack.push(Self.luaValue(value))
        case .layer(let layer): push(layer, on: stack)
        case .lua(let value): stack.push(value)
        }
    }

    static func luaValue(_ value: SpecValue) -> LuaValue {
        switch value {
        case .number(let d): return Int64(exactly: d).map(LuaValue.integer) ?? .number(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .boolean(b)
        case .list(let items): return .table(LuaTableValue(array: items.map(luaValue)))
        case .table(let fields): return .table(LuaTableValue(fields: fields.mapValues(luaValue)))
        case .layer(let spec):
            // Only reached for specs that were not built; shown as data.
            return luaValue(.table(["layer": .string(spec.type), "args": .list(spec.arguments)]))
        }
    }
}
