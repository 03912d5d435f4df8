// Strict reading of YAML documents: every mapping declares the keys it
// knows, and anything else is an error naming the key, the file and the
// line. Prometheus reads its rule and unit-test files the same way (Go's
// yaml.v3 with KnownFields), so a typo such as `anotations:` is reported
// rather than silently dropped.

import Foundation
import PromQL
import Yams

/// A problem in a YAML file, with where it is.
public struct YAMLFileError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file, as given.
    public var file: String
    /// The 1-based line, when known.
    public var line: Int?
    /// What is wrong.
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Prometheus's model.Duration: PromQL's duration syntax, plus a bare `0`;
/// in milliseconds, nil when it does not parse.
public func parseModelDuration(_ text: String) -> Int64? {
    text == "0" ? 0 : parseDuration(text)
}

/// One node of a parsed document, with the file it came from for errors.
struct YAMLValue {
    let node: Node?
    let file: String
    /// Where the value sits, for messages ("groups[2].rules[0].expr").
    let path: String

    /// Parses `text`; an empty document reads as null.
    static func parse(_ text: String, file: String) throws(YAMLFileError) -> YAMLValue {
        do {
            return YAMLValue(node: try Yams.compose(yaml: text), file: file, path: "")
        } catch let error as YamlError {
            throw YAMLFileError(file: file, line: Self.line(of: error), message: Self.summary(of: error))
        } catch {
            throw YAMLFileError(file: file, line: nil, message: "\(error)")
        }
    }

    var line: Int? { node?.mark?.line }
    var isNull: Bool {
        guard let node else { return true }
        return node.null != nil && node.tag.description.hasSuffix(":null")
    }

    func error(_ message: String) -> YAMLFileError {
        YAMLFileError(file: file, line: line, message: path.isEmpty ? message : "\(path): \(message)")
    }

    /// The entries of a mapping whose keys must all be in `known`.
    func mapping(known: Set<String>) throws(YAMLFileError) -> [String: YAMLValue] {
        if isNull { return [:] }
        guard case .mapping(let mapping)? = node else { throw error("expected a mapping, got \(kind)") }
        var out: [String: YAMLValue] = [:]
        for (key, value) in mapping {
            guard let name = key.string else {
                throw YAMLValue(node: key, file: file, path: path).error("a key must be a string")
            }
            let child = YAMLValue(node: value, file: file, path: path.isEmpty ? name : "\(path).\(name)")
            guard known.contains(name) else {
                throw YAMLValue(node: key, file: file, path: path)
                    .error("field \(name) is not allowed here (allowed: \(known.sorted().joined(separator: ", ")))")
            }
            out[name] = child
        }
        return out
    }

    /// The string under `key` of a mapping, without checking anything else; for naming things in errors.
    func peekString(_ key: String) -> String? {
        guard case .mapping(let mapping)? = node else { return nil }
        return mapping[Node(key)]?.string
    }

    /// The elements of a sequence (null reads as empty).
    func sequence() throws(YAMLFileError) -> [YAMLValue] {
        if isNull { return [] }
        guard case .sequence(let items)? = node else { throw error("expected a list, got \(kind)") }
        return items.enumerated().map { YAMLValue(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// A scalar as text (numbers and booleans as written).
    func string() throws(YAMLFileError) -> String {
        guard case .scalar(let scalar)? = node, !isNull else { throw error("expected a string, got \(kind)") }
        return scalar.string
    }

    /// A string-to-string mapping, such as labels or annotations, in file order.
    func stringPairs() throws(YAMLFileError) -> [(String, String)] {
        if isNull { return [] }
        guard case .mapping(let mapping)? = node else { throw error("expected a mapping of strings, got \(kind)") }
        var out: [(String, String)] = []
        var seen = Set<String>()
        for (key, value) in mapping {
            guard let name = key.string else { throw error("a key must be a string") }
            let child = YAMLValue(node: value, file: file, path: "\(path).\(name)")
            // Go reads a null value in map[string]string as "".
            let text = child.isNull ? "" : try child.string()
            guard seen.insert(name).inserted else { throw child.error("duplicate key \(name)") }
            out.append((name, text))
        }
        return out
    }

    /// A floating-point number (YAML's .nan and .inf included).
    func number() throws(YAMLFileError) -> Double {
        let text = try string()
        if let value = node?.float { return value }
        throw error("expected a number, got \"\(text)\"")
    }

    /// A duration as Prometheus and Alertmanager files write them
    /// (model.Duration: `5m`, `1h30m`, or `0`), in milliseconds.
    func modelDuration() throws(YAMLFileError) -> Int64 {
        let text = try string()
        guard let ms = parseModelDuration(text) else { throw error("not a valid duration string: \"\(text)\"") }
        return ms
    }

    /// A non-negative integer.
    func integer() throws(YAMLFileError) -> Int {
        let text = try string()
        guard let value = Int(text), value >= 0 else { throw error("expected a non-negative integer, got \"\(text)\"") }
        return value
    }

    private var kind: String {
        switch node {
        case nil: return "nothing"
        case .mapping?: return "a mapping"
        case .sequence?: return "a list"
        case .scalar(let s)?: return isNull ? "null" : "\"\(s.string)\""
        case .alias?: return "an alias"
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            return "YAML syntax error: " + [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        default:
            return "YAML error: \(error)"
        }
    }
}
