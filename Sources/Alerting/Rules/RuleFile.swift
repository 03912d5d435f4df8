// Prometheus rule files: `groups` of alerting and recording rules, read
// strictly. A file written for Prometheus 2.42 loads unchanged; a field
// opslab does not know is an error that names it.
//
// Problems come in two sizes. A file that is not YAML, or whose groups are
// malformed, loads nothing. A rule that is wrong on its own (an expression
// that does not parse, a template with an unknown function, an unknown
// field) is dropped and reported, and the rest of the file loads: one typo
// should not silence every other alert. `problems` lists both kinds; callers
// that want all-or-nothing (rule unit tests, as promtool) check it is empty.

import Foundation
import PromQL
import Telemetry

/// A rule file as loaded: its groups and what was wrong with it.
public struct RuleFile: Sendable {
    /// The path the file was read from.
    public var path: String
    /// The groups, in file order, holding the rules that loaded.
    public var groups: [RuleGroupSpec]
    /// Everything wrong with the file, each naming file, line and rule.
    public var problems: [YAMLFileError]

    /// Reads and parses the file at `path`.
    public static func load(path: String) -> RuleFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            return RuleFile(path: path, groups: [], problems: [YAMLFileError(file: path, line: nil, message: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return RuleFile(path: path, groups: [], problems: [YAMLFileError(file: path, line: nil, message: "the file is not UTF-8 text")])
        }
        return parse(text, file: path)
    }

    /// Parses rule-file text; `file` names it in errors.
    public static func parse(_ text: String, file: String) -> RuleFile {
        var result = RuleFile(path: file, groups: [], problems: [])
        do throws(YAMLFileError) {
            let root = try YAMLValue.parse(text, file: file)
            let top = try root.mapping(known: ["groups"])
            var seenGroups = Set<String>()
            for groupValue in try top["groups"]?.sequence() ?? [] {
                let group = try RuleGroupSpec.parse(groupValue, problems: &result.problems)
                guard seenGroups.insert(group.name).inserted else {
                    throw groupValue.error("group name \"\(group.name)\" is repeated in the same file")
                }
                result.groups.append(group)
            }
        } catch {
            result.groups = []
            result.problems.insert(error, at: 0)
        }
        return result
    }
}

/// A group as written in a file.
public struct RuleGroupSpec: Sendable {
    public var name: String
    /// The evaluation interval in milliseconds; nil takes the default.
    public var intervalMs: Int64?
    /// The most alerts or series one rule may produce; 0 is no limit.
    public var limit: Int
    public var rules: [RuleDefinition]
    /// The file and line the group starts at.
    public var source: String

    public init(name: String, intervalMs: Int64? = nil, limit: Int = 0, rules: [RuleDefinition], source: String = "") {
        self.name = name
        self.intervalMs = intervalMs
        self.limit = limit
        self.rules = rules
        self.source = source
    }

    static func parse(_ value: YAMLValue, problems: inout [YAMLFileError]) throws(YAMLFileError) -> RuleGroupSpec {
        let fields = try value.mapping(known: ["name", "interval", "limit", "rules", "query_offset", "source_tenants"])
        // Fields of later Prometheus versions or of other rulers: named, not ignored.
        for unsupported in ["query_offset", "source_tenants"] {
            if let node = fields[unsupported] {
                throw node.error("\(unsupported) is not supported by opslab (Prometheus 2.42 rule files)")
            }
        }
        guard let nameValue = fields["name"], case let name = try nameValue.string(), !name.isEmpty else {
            throw value.error("a group needs a name")
        }
        var interval: Int64?
        if let node = fields["interval"] {
            guard let ms = try? node.modelDuration(), ms > 0 else {
                throw node.error("interval must be a positive duration like 1m, got \"\((try? node.string()) ?? "")\"")
            }
            interval = ms
        }
        let limit = try fields["limit"]?.integer() ?? 0
        var rules: [RuleDefinition] = []
        for (index, ruleValue) in try (fields["rules"]?.sequence() ?? []).enumerated() {
            do {
                // Errors name the group and rule instead of a path.
                let unnamed = YAMLValue(node: ruleValue.node, file: ruleValue.file, path: "")
                rules.append(try RuleDefinition.parse(unnamed, group: name, index: index))
            } catch {
                problems.append(error)
            }
        }
        return RuleGroupSpec(name: name, intervalMs: interval, limit: limit, rules: rules,
                             source: "\(value.file):\(value.line ?? 0)")
    }
}

extension RuleDefinition {
    static let fileFields: Set<String> = ["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"]

    static func parse(_ value: YAMLValue, group: String, index: Int) throws(YAMLFileError) -> RuleDefinition {
        // Name the rule in every error once its name is known.
        func fail(_ message: String, at node: YAMLValue? = nil, line: Int? = nil, rule: String?) -> YAMLFileError {
            var error = (node ?? value).error(message)
            let what = rule.map { "group \"\(group)\", rule \(index + 1) (\($0))" } ?? "group \"\(group)\", rule \(index + 1)"
            error.message = "\(what): \(message)"
            if let line { error.line = line }
            return error
        }
        guard case .mapping? = value.node else { throw fail("a rule must be a mapping", rule: nil) }
        let fields: [String: YAMLValue]
        do { fields = try value.mapping(known: fileFields) } catch {
            throw fail(error.message, line: error.line, rule: value.peekString("alert") ?? value.peekString("record"))
        }
        let alert = try fields["alert"]?.string()
        let record = try fields["record"]?.string()
        let name: String
        let kind: Kind
        switch (alert, record) {
        case (nil, nil): throw fail("one of 'record' or 'alert' must be set", rule: nil)
        case (.some, .some): throw fail("only one of 'record' and 'alert' may be set", rule: alert)
        case (let a?, nil): name = a; kind = .alerting
        case (nil, let r?): name = r; kind = .recording
        }
        guard !name.isEmpty else { throw fail("the rule's name must not be empty", rule: nil) }
        guard let exprValue = fields["expr"], case let text = try exprValue.string(),
              !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw fail("field 'expr' must be set", rule: name)
        }
        let expr: Expr
        do { expr = try Query.parse(text) } catch {
            throw fail("could not parse expression: \(error)", at: exprValue, rule: name)
        }
        func duration(_ key: String) throws(YAMLFileError) -> Int64 {
            guard let node = fields[key] else { return 0 }
            do { return try node.modelDuration() } catch {
                throw fail("\(key) must be a duration like 5m, got \"\((try? node.string()) ?? "")\"", at: node, rule: name)
            }
        }
        let hold = try duration("for")
        let keepFiring = try duration("keep_firing_for")
        let labels = try fields["labels"]?.stringPairs() ?? []
        let annotations = try fields["annotations"]?.stringPairs() ?? []
        if kind == .recording {
            for key in ["annotations", "for", "keep_firing_for"] where fields[key] != nil {
                throw fail("invalid field '\(key)' in recording rule", at: fields[key], rule: name)
            }
        }
        do {
            return try RuleDefinition(kind: kind, name: name, expression: .promql(expr, text: text),
                                      holdDurationMs: hold, keepFiringForMs: keepFiring,
                                      labels: labels, annotations: annotations,
                                      source: "\(value.file):\(value.line ?? 0)")
        } catch {
            throw fail(error.message, rule: name)
        }
    }
}
