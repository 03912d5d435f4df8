// promtool's rule unit-test files, read strictly.

import Foundation
import PromQL

/// A unit-test file: rule files, how often to evaluate, and test groups.
public struct RuleTestFile: Sendable {
    public var path: String
    public var ruleFiles: [String]
    public var evaluationIntervalMs: Int64
    public var groupEvalOrder: [String]
    public var tests: [TestGroup]
    /// Rule file patterns that matched nothing (promtool warns and goes on).
    public var unmatchedPatterns: [String] = []

    public struct TestGroup: Sendable {
        public init(name: String = "", intervalMs: Int64, inputSeries: [(series: String, values: String)],
                    alertTests: [AlertTest] = [], exprTests: [ExprTest] = [],
                    externalLabels: [String: String] = [:], externalURL: String = "") {
            self.name = name
            self.intervalMs = intervalMs
            self.inputSeries = inputSeries
            self.alertTests = alertTests
            self.exprTests = exprTests
            self.externalLabels = externalLabels
            self.externalURL = externalURL
        }

        public var name: String
        public var intervalMs: Int64
        public var inputSeries: [(series: String, values: String)]
        public var alertTests: [AlertTest]
        public var exprTests: [ExprTest]
        public var externalLabels: [String: String]
        public var externalURL: String
    }

    public struct AlertTest: Sendable {
        public init(evalTimeMs: Int64, alertname: String, expected: [(labels: [String: String], annotations: [String: String])]) {
            self.evalTimeMs = evalTimeMs
            self.alertname = alertname
            self.expected = expected
        }

        public var evalTimeMs: Int64
        public var alertname: String
        public var expected: [(labels: [String: String], annotations: [String: String])]
    }

    public struct ExprTest: Sendable {
        public var expr: String
        public var evalTimeMs: Int64
        public var expected: [(labels: String, value: Double)]
    }

    /// Reads a test file; rule file paths are resolved against its folder and globbed.
    public static func load(path: String) throws(YAMLFileError) -> RuleTestFile {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw YAMLFileError(file: path, line: nil, message: "cannot read the file")
        }
        var file = try parse(text, file: path)
        let base = (path as NSString).deletingLastPathComponent
        var matched: [String] = []
        for pattern in file.ruleFiles {
            let full = pattern.hasPrefix("/") || base.isEmpty ? pattern : base + "/" + pattern
            let files = FileGlob.expand(full)
            if files.isEmpty { file.unmatchedPatterns.append(full) }
            matched += files
        }
        file.ruleFiles = matched
        return file
    }

    public static func parse(_ text: String, file: String) throws(YAMLFileError) -> RuleTestFile {
        let root = try YAMLValue.parse(text, file: file)
        let top = try root.mapping(known: ["rule_files", "evaluation_interval", "group_eval_order", "tests"])
        let interval = try duration(top["evaluation_interval"]) ?? 60_000
        var result = RuleTestFile(
            path: file,
            ruleFiles: try (top["rule_files"]?.sequence() ?? []).map { v throws(YAMLFileError) in try v.string() },
            evaluationIntervalMs: interval,
            groupEvalOrder: try (top["group_eval_order"]?.sequence() ?? []).map { v throws(YAMLFileError) in try v.string() },
            tests: [])
        if interval <= 0, let node = top["evaluation_interval"] { throw node.error("evaluation_interval must be positive") }
        for value in try top["tests"]?.sequence() ?? [] {
            let fields = try value.mapping(known: ["interval", "input_series", "alert_rule_test", "promql_expr_test",
                                                   "external_labels", "external_url", "name"])
            var group = TestGroup(name: try fields["name"]?.string() ?? "",
                                  intervalMs: try duration(fields["interval"]) ?? 0,
                                  inputSeries: [], alertTests: [], exprTests: [],
                                  externalLabels: Dictionary(try fields["external_labels"]?.stringPairs() ?? [], uniquingKeysWith: { $1 }),
                                  externalURL: try fields["external_url"]?.string() ?? "")
            if group.intervalMs == 0 { group.intervalMs = interval }
            for s in try fields["input_series"]?.sequence() ?? [] {
                let f = try s.mapping(known: ["series", "values"])
                group.inputSeries.append((try f["series"]?.string() ?? "", try f["values"]?.string() ?? ""))
            }
            for a in try fields["alert_rule_test"]?.sequence() ?? [] {
                let f = try a.mapping(known: ["eval_time", "alertname", "exp_alerts"])
                var test = AlertTest(evalTimeMs: try duration(f["eval_time"]) ?? 0,
                                     alertname: try f["alertname"]?.string() ?? "", expected: [])
                for e in try f["exp_alerts"]?.sequence() ?? [] {
                    let g = try e.mapping(known: ["exp_labels", "exp_annotations"])
                    test.expected.append((Dictionary(try g["exp_labels"]?.stringPairs() ?? [], uniquingKeysWith: { $1 }),
                                          Dictionary(try g["exp_annotations"]?.stringPairs() ?? [], uniquingKeysWith: { $1 })))
                }
                group.alertTests.append(test)
            }
            for p in try fields["promql_expr_test"]?.sequence() ?? [] {
                let f = try p.mapping(known: ["expr", "eval_time", "exp_samples"])
                var test = ExprTest(expr: try f["expr"]?.string() ?? "", evalTimeMs: try duration(f["eval_time"]) ?? 0, expected: [])
                for e in try f["exp_samples"]?.sequence() ?? [] {
                    let g = try e.mapping(known: ["labels", "value", "histogram"])
                    if let histogram = g["histogram"] { throw histogram.error("native histograms are not supported") }
                    test.expected.append((try g["labels"]?.string() ?? "", try g["value"]?.number() ?? 0))
                }
                group.exprTests.append(test)
            }
            result.tests.append(group)
        }
        return result
    }

    /// A model.Duration: "0" or a Prometheus duration.
    static func duration(_ value: YAMLValue?) throws(YAMLFileError) -> Int64? {
        guard let value, !value.isNull else { return nil }
        return try value.modelDuration()
    }
}
