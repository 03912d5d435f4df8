/// text/template's builtin functions (text/template/funcs.go, Go 1.19).
///
/// `and` and `or` are listed for arity checks only: they short-circuit, so
/// the executor evaluates them itself.
enum GoBuiltins {
    static let functions: [String: TemplateFunction] = [
        "and": TemplateFunction([.value], variadic: .value) { args, _ in args.last ?? .nil_ },
        "or": TemplateFunction([.value], variadic: .value) { args, _ in args.last ?? .nil_ },
        "not": TemplateFunction([.value]) { args, _ in .bool(!args[0].isTrue) },
        "len": TemplateFunction([.value]) { args, _ throws(FunctionError) in try length(args[0]) },
        "index": TemplateFunction([.value], variadic: .value) { args, _ throws(FunctionError) in
            try index(args[0], Array(args.dropFirst()))
        },
        "slice": TemplateFunction([.value], variadic: .value) { args, _ throws(FunctionError) in
            try slice(args[0], Array(args.dropFirst()))
        },
        "call": TemplateFunction([.value], variadic: .value) { args, _ throws(FunctionError) in
            if args[0].isNil { throw FunctionError("call of nil") }
            throw FunctionError("non-function of type \(args[0].goTypeName)")
        },
        "print": TemplateFunction([], variadic: .any) { args, _ in .string(GoPrinter.sprint(args)) },
        "println": TemplateFunction([], variadic: .any) { args, _ in .string(GoPrinter.sprintln(args)) },
        "printf": TemplateFunction([.string], variadic: .any) { args, _ in
            guard case .string(let format) = args[0] else { return .nil_ }
            return .string(GoPrinter.sprintf(format, Array(args.dropFirst())))
        },
        "html": TemplateFunction([], variadic: .any) { args, _ in .string(GoEscape.html(evalArgs(args))) },
        "js": TemplateFunction([], variadic: .any) { args, _ in .string(GoEscape.js(evalArgs(args))) },
        "urlquery": TemplateFunction([], variadic: .any) { args, _ in .string(GoEscape.query(evalArgs(args))) },
        "eq": TemplateFunction([.value], variadic: .value) { args, _ throws(FunctionError) in
            .bool(try eq(args[0], Array(args.dropFirst())))
        },
        "ne": TemplateFunction([.value, .value]) { args, _ throws(FunctionError) in
            .bool(!(try eq(args[0], [args[1]])))
        },
        "lt": TemplateFunction([.value, .value]) { args, _ throws(FunctionError) in .bool(try lt(args[0], args[1])) },
        "le": TemplateFunction([.value, .value]) { args, _ throws(FunctionError) in .bool(try le(args[0], args[1])) },
        "gt": TemplateFunction([.value, .value]) { args, _ throws(FunctionError) in .bool(!(try le(args[0], args[1]))) },
        "ge": TemplateFunction([.value, .value]) { args, _ throws(FunctionError) in .bool(!(try lt(args[0], args[1]))) },
    ]

    /// How html, js and urlquery turn their arguments into one string.
    static func evalArgs(_ args: [TemplateValue]) -> String {
        if args.count == 1, case .string(let s) = args[0] { return s }
        return GoPrinter.sprint(args, printable: true)
    }

    // MARK: len, index, slice

    static func length(_ v: TemplateValue) throws(FunctionError) -> TemplateValue {
        switch v {
        case .string(let s), .html(let s): return .int(s.utf8.count)
        case .labels(let m): return .int(m.count)
        case .map(let m): return .int(m.count)
        case .list(let l): return .int(l.count)
        case .nil_: throw FunctionError("len of nil pointer")
        case .querySample: throw FunctionError("len of type template.sample")
        case .time: throw FunctionError("len of type time.Time")
        default: throw FunctionError("len of type \(v.goTypeName)")
        }
    }

    /// indexArg: an index must be an integer within 0...cap.
    private static func indexArg(_ v: TemplateValue, _ cap: Int) throws(FunctionError) -> Int {
        guard case .int(let x) = v else {
            if v.isNil { throw FunctionError("cannot index slice/array with nil") }
            throw FunctionError("cannot index slice/array with type \(v.goTypeName)")
        }
        if x < 0 || x > cap { throw FunctionError("index out of range: \(x)") }
        return x
    }

    static func index(_ item: TemplateValue, _ indexes: [TemplateValue]) throws(FunctionError) -> TemplateValue {
        if item.isNil { throw FunctionError("index of untyped nil") }
        var item = item
        for idx in indexes {
            switch item {
            case .nil_:
                throw FunctionError("index of nil pointer")
            case .list(let l):
                let x = try indexArg(idx, l.count)
                if x == l.count { throw FunctionError("reflect: slice index out of range") }
                item = l[x]
            case .string(let s), .html(let s):
                let bytes = Array(s.utf8)
                let x = try indexArg(idx, bytes.count)
                if x == bytes.count { throw FunctionError("reflect: string index out of range") }
                item = .int(Int(bytes[x]))
            case .labels(let m):
                item = .string(m[try mapKey(idx)] ?? "")
            case .map(let m):
                item = m[try mapKey(idx)] ?? .nil_
            case .querySample:
                throw FunctionError("can't index item of type template.sample")
            default:
                throw FunctionError("can't index item of type \(item.goTypeName)")
            }
        }
        return item
    }

    private static func mapKey(_ v: TemplateValue) throws(FunctionError) -> String {
        switch v {
        case .string(let s): return s
        case .nil_: throw FunctionError("value is nil; should be of type string")
        default: throw FunctionError("value has type \(v.goTypeName); should be string")
        }
    }

    static func slice(_ item: TemplateValue, _ indexes: [TemplateValue]) throws(FunctionError) -> TemplateValue {
        if item.isNil { throw FunctionError("slice of untyped nil") }
        if indexes.count > 3 { throw FunctionError("too many slice indexes: \(indexes.count)") }
        let count: Int
        switch item {
        case .string(let s), .html(let s):
            if indexes.count == 3 { throw FunctionError("cannot 3-index slice a string") }
            count = s.utf8.count
        case .list(let l):
            count = l.count
        default:
            throw FunctionError("can't slice item of type \(item.goTypeName)")
        }
        var idx = [0, count, count]
        for (i, index) in indexes.enumerated() { idx[i] = try indexArg(index, count) }
        if idx[0] > idx[1] { throw FunctionError("invalid slice index: \(idx[0]) > \(idx[1])") }
        if indexes.count == 3 && idx[1] > idx[2] { throw FunctionError("invalid slice index: \(idx[1]) > \(idx[2])") }
        switch item {
        case .string(let s): return .string(String(decoding: Array(s.utf8)[idx[0]..<idx[1]], as: UTF8.self))
        case .html(let s): return .html(String(decoding: Array(s.utf8)[idx[0]..<idx[1]], as: UTF8.self))
        case .list(let l): return .list(Array(l[idx[0]..<idx[1]]))
        default: return .nil_
        }
    }

    // MARK: Comparisons

    private enum Kind { case bool, int, float, string, other }

    private static func basicKind(_ v: TemplateValue) -> Kind {
        switch v {
        case .bool: return .bool
        case .int: return .int
        case .number: return .float
        case .string, .html: return .string
        default: return .other
        }
    }

    private static let badComparison = FunctionError("incompatible types for comparison")
    private static let badComparisonType = FunctionError("invalid type for comparison")

    static func eq(_ arg1: TemplateValue, _ arg2: [TemplateValue]) throws(FunctionError) -> Bool {
        if arg2.isEmpty { throw FunctionError("missing argument for comparison") }
        let k1 = basicKind(arg1)
        for arg in arg2 {
            let k2 = basicKind(arg)
            var truth = false
            if k1 != k2 {
                if !arg1.isNil && !arg.isNil { throw badComparison }
            } else {
                switch (arg1, arg) {
                case (.bool(let a), .bool(let b)): truth = a == b
                case (.int(let a), .int(let b)): truth = a == b
                case (.number(let a), .number(let b)): truth = a == b
                case (.string(let a), .string(let b)), (.html(let a), .html(let b)),
                     (.string(let a), .html(let b)), (.html(let a), .string(let b)):
                    truth = a == b
                default:
                    // Maps, lists, pointers, structs, nil.
                    if arg1.isNil || arg.isNil {
                        truth = arg1.isNil == arg.isNil
                    } else if arg.goTypeName != arg1.goTypeName {
                        throw FunctionError("non-comparable types \(GoPrinter.sprintf("%s", [arg1])): \(arg1.goTypeName), \(arg.goTypeName): \(GoPrinter.sprint([arg]))")
                    } else {
                        switch arg {
                        case .labels, .map, .list, .alertData:
                            throw FunctionError("non-comparable type \(GoPrinter.sprintf("%s", [arg])): \(arg.goTypeName)")
                        default:
                            // Distinct pointers (each query makes new samples): Go compares addresses.
                            truth = false
                        }
                    }
                }
            }
            if truth { return true }
        }
        return false
    }

    static func lt(_ arg1: TemplateValue, _ arg2: TemplateValue) throws(FunctionError) -> Bool {
        let k1 = basicKind(arg1)
        if k1 == .other { throw badComparisonType }
        let k2 = basicKind(arg2)
        if k2 == .other { throw badComparisonType }
        if k1 != k2 { throw badComparison }
        switch (arg1, arg2) {
        case (.int(let a), .int(let b)): return a < b
        case (.number(let a), .number(let b)): return a < b
        case (.string(let a), .string(let b)), (.html(let a), .html(let b)),
             (.string(let a), .html(let b)), (.html(let a), .string(let b)):
            return goLess(a, b)
        default:
            throw badComparisonType
        }
    }

    static func le(_ arg1: TemplateValue, _ arg2: TemplateValue) throws(FunctionError) -> Bool {
        if try lt(arg1, arg2) { return true }
        return try eq(arg1, [arg2])
    }
}
