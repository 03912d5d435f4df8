import Foundation

/// How to build a layer again: the name it is registered under (kind
/// `layer`) and the arguments it was built with. Checkpoints keep it as JSON
/// in their metadata so that `nn.load` can rebuild a model without its code.
public struct LayerSpec: Equatable, Sendable {
    public var type: String
    public var arguments: [SpecValue]

    public init(type: String, arguments: [SpecValue]) {
        self.type = type
        self.arguments = arguments
    }

    /// The JSON form: `{"layer": "Linear", "args": [784, 128]}`.
    public var json: String {
        let data = (try? JSONSerialization.data(withJSONObject: SpecValue.layer(self).jsonObject, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// How deep a config may nest (layers in layers, lists in lists) and how
    /// many arguments one layer may take. A checkpoint is untrusted input:
    /// rebuilding a model recurses once per level, and every argument is
    /// handed to a constructor, perhaps one written in Lua.
    public static let maxDepth = 64
    public static let maxArguments = 256

    /// Parses the JSON form; nil when it is not one, or nests deeper or
    /// holds more arguments than the limits above.
    public init?(json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]),
              case .layer(let spec)? = SpecValue(jsonObject: object, depth: 0) else { return nil }
        self = spec
    }
}

/// One constructor argument: JSON's values plus nested layers (the
/// children given to `nn.Sequential`).
public indirect enum SpecValue: Equatable, Sendable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case list([SpecValue])
    case table([String: SpecValue])
    case layer(LayerSpec)

    var jsonObject: Any {
        switch self {
        case .number(let d): return d
        case .string(let s): return s
        case .bool(let b): return b
        case .list(let items): return items.map(\.jsonObject)
        case .table(let fields): return fields.mapValues(\.jsonObject)
        case .layer(let spec): return ["layer": spec.type, "args": spec.arguments.map(\.jsonObject)] as [String: Any]
        }
    }

    /// An object with exactly the keys `layer` (a string) and `args` (a
    /// list) is a nested layer; any other object is a table.
    init?(jsonObject: Any, depth: Int) {
        guard depth <= LayerSpec.maxDepth else { return nil }
        switch jsonObject {
        case let number as NSNumber:
            // JSONSerialization gives booleans as NSNumbers too (and `is Bool`
            // holds for 0 and 1); only a boolean has the type code of a char.
            let isBoolean = String(cString: number.objCType) == "c"
            self = isBoolean ? .bool(number.boolValue) : .number(number.doubleValue)
        case let string as String: self = .string(string)
        case let array as [Any]:
            var items: [SpecValue] = []
            guard array.count <= LayerSpec.maxArguments else { return nil }
            for element in array {
                guard let item = SpecValue(jsonObject: element, depth: depth + 1) else { return nil }
                items.append(item)
            }
            self = .list(items)
        case let object as [String: Any]:
            if object.count == 2, let type = object["layer"] as? String, let args = object["args"] as? [Any] {
                guard case .list(let arguments)? = SpecValue(jsonObject: args, depth: depth + 1) else { return nil }
                self = .layer(LayerSpec(type: type, arguments: arguments))
                return
            }
            guard object.count <= LayerSpec.maxArguments else { return nil }
            var fields: [String: SpecValue] = [:]
            for (key, element) in object {
                guard let value = SpecValue(jsonObject: element, depth: depth + 1) else { return nil }
                fields[key] = value
            }
            self = .table(fields)
        default:
            return nil
        }
    }
}
