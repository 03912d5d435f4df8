/// How template functions are described to the executor: Go signatures
/// reduced to what text/template's argument handling looks at.
///
/// Go checks a function's arity and argument types by reflection; these
/// parameter types carry just enough to reproduce its checks and messages
/// ("wrong number of args for humanize: want 1 got 2", "expected string;
/// found 1", "wrong type for value; expected string; got template.HTML").
enum ParamType: Sendable, Equatable {
    /// Go `string`.
    case string
    /// Go `interface{}`.
    case any
    /// `reflect.Value`, how text/template's own builtins take arguments.
    case value
    /// Prometheus's `queryResult`.
    case queryResult
    /// Prometheus's `*sample`.
    case sample

    var goName: String {
        switch self {
        case .string: return "string"
        case .any: return "interface {}"
        case .value: return "reflect.Value"
        case .queryResult: return "template.queryResult"
        case .sample: return "*template.sample"
        }
    }

    /// Whether Go can hand a nil of this type to the function.
    var canBeNil: Bool {
        switch self {
        case .any, .queryResult, .sample, .value: return true
        case .string: return false
        }
    }

    /// Go's zero value of this type, for a nil argument.
    var zero: TemplateValue {
        self == .queryResult ? .list([]) : .nil_
    }
}

/// An error a template function returned; text/template reports it as
/// `error calling NAME: MESSAGE`.
struct FunctionError: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

/// What a function can reach besides its arguments.
struct FunctionContext: Sendable {
    var data: AlertTemplateData
}

/// One entry of the function map.
struct TemplateFunction: Sendable {
    var params: [ParamType]
    /// The element type of a trailing `...` parameter, if any.
    var variadic: ParamType?
    var call: @Sendable ([TemplateValue], FunctionContext) throws(FunctionError) -> TemplateValue

    init(_ params: [ParamType], variadic: ParamType? = nil,
         _ call: @escaping @Sendable ([TemplateValue], FunctionContext) throws(FunctionError) -> TemplateValue) {
        self.params = params
        self.variadic = variadic
        self.call = call
    }
}

enum TemplateFunctions {
    /// text/template's builtins plus Prometheus 2.42's function map.
    static let all: [String: TemplateFunction] =
        GoBuiltins.functions.merging(PrometheusFunctions.functions) { _, prometheus in prometheus }

    static let names: Set<String> = Set(all.keys)
}
