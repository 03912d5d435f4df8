// Runs promtool-format rule unit tests: loads the input series, evaluates
// every group at each evaluation interval from 0 to the last eval_time,
// compares the firing alerts at each alert test's eval_time, then runs the
// PromQL expression tests against the input and what the rules wrote.
// Results and messages follow `promtool test rules` (2.42), so a file's
// verdict is the same under both tools.

import Foundation
import PromQL
import Telemetry

public enum RuleTestRunner {
    /// What a run printed, and its exit status (0 when every test passed, 1 otherwise).
    public struct Outcome: Sendable {
        public var exitCode: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// Runs each file in turn, as `promtool test rules FILE...`.
    public static func run(files: [String]) -> Outcome {
        var outcome = Outcome(exitCode: 0, standardOutput: "", standardError: "")
        for file in files {
            outcome.standardOutput += "Unit Testing:  \(file)\n"
            let (errors, warnings) = check(file)
            for pattern in warnings { outcome.standardError += "  WARNING: no file match pattern \(pattern)\n" }
            if errors.isEmpty {
                outcome.standardOutput += "  SUCCESS\n"
            } else {
                outcome.standardError += "  FAILED:\n"
                for error in errors { outcome.standardError += error + "\n\n" }
                outcome.exitCode = 1
            }
            outcome.standardOutput += "\n"
        }
        return outcome
    }

    /// The failures of one test file (none when it passes), and the rule
    /// file patterns that matched nothing.
    public static func check(_ path: String) -> (errors: [String], unmatched: [String]) {
        let file: RuleTestFile
        do { file = try RuleTestFile.load(path: path) } catch { return (["\(error)"], []) }
        var seen = Set<String>()
        for name in file.groupEvalOrder where !seen.insert(name).inserted {
            return (["group name repeated in evaluation order: \(name)"], file.unmatchedPatterns)
        }
        return (file.tests.flatMap { run($0, of: file) }, file.unmatchedPatterns)
    }

    static func run(_ test: RuleTestFile.TestGroup, of file: RuleTestFile) -> [String] {
        // Load the rules afresh for every test group: state starts empty.
        var groups: [RuleGroup] = []
        var problems: [String] = []
        for path in file.ruleFiles {
            let ruleFile = RuleFile.load(path: path)
            problems += ruleFile.problems.map { "\($0)" }
            groups += ruleFile.groups.map { RuleGroup($0, file: path, defaultIntervalMs: test.intervalMs) }
        }
        if !problems.isEmpty { return problems }
        let order = Dictionary(file.groupEvalOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        if !order.isEmpty {
            for name in file.groupEvalOrder where !groups.contains(where: { $0.name == name }) {
                return ["group name \(name) given in group_eval_order not present in the rule files"]
            }
        }
        groups = groups.enumerated().sorted { (order[$0.element.name] ?? 0, $0.offset) < (order[$1.element.name] ?? 0, $1.offset) }.map(\.element)
        do {
            return try run(test, groups: groups, evaluationIntervalMs: file.evaluationIntervalMs)
        } catch {
            return ["\(error)"]
        }
    }

    /// The most evaluation steps and input samples one test group may ask
    /// for: `eval_time: 100000y` or a thousand series of a million steps
    /// would otherwise run for days or fill the memory.
    public static let maxSteps: Int64 = 1_000_000
    public static let maxInputSamples = 10_000_000

    /// Runs one test group against `groups` (fresh, in evaluation order);
    /// the failures, worded as promtool words them. Throws only what
    /// `checkCancellation` throws (Ctrl-C in the shell).
    public static func run(_ test: RuleTestFile.TestGroup, groups: [RuleGroup], evaluationIntervalMs: Int64,
                           checkCancellation: @escaping () throws -> Void = {}) throws -> [String] {
        let testName = test.name.isEmpty ? "" : "    name: \(test.name),\n"
        let storage = TestStorage()
        // Input samples enter the storage as evaluation reaches their time,
        // as promtool's lazy loader does: expression tests after the last
        // evaluation see only what was loaded by then.
        var input: [(t: Int64, labels: Labels, v: Double)] = []
        for series in test.inputSeries {
            do {
                let labels = try SeriesNotation.labels(of: series.series)
                for (i, step) in try SeriesNotation.expand(series.values).enumerated() {
                    guard case .value(let v) = step else { continue }
                    let (t, overflow) = Int64(i).multipliedReportingOverflow(by: test.intervalMs)
                    guard !overflow else { return ["input series \(series.series) runs past the year 292277026596"] }
                    input.append((t, labels, v))
                }
                guard input.count <= maxInputSamples else {
                    return ["the input series hold more than \(maxInputSamples) samples"]
                }
            } catch {
                return ["\(error)"]
            }
        }
        input.sort { $0.t < $1.t }
        var loaded = 0
        for alert in test.alertTests where alert.alertname.isEmpty {
            let where_ = test.name.isEmpty ? "" : " (in TestGroup \(test.name))"
            return ["an item under alert_rule_test misses required attribute alertname at eval_time \(GoDuration.model(alert.evalTimeMs))\(where_)"]
        }
        let context = RuleContext(source: storage, externalLabels: test.externalLabels, externalURL: test.externalURL,
                                  checkCancellation: checkCancellation)
        let output: RuleOutput = { samples, ts in for s in samples { storage.append(s.labels, ts, s.value) } }

        let alertTimes = Set(test.alertTests.map(\.evalTimeMs)).sorted()
        let maxTime = (test.alertTests.map(\.evalTimeMs) + test.exprTests.map(\.evalTimeMs)).max() ?? 0
        guard maxTime / evaluationIntervalMs < maxSteps else {
            return ["eval_time \(GoDuration.model(maxTime)) is more than \(maxSteps) evaluation intervals away"]
        }
        var errors: [String] = []
        var next = 0
        var ts: Int64 = 0
        while ts <= maxTime {
            while loaded < input.count, input[loaded].t <= ts {
                storage.append(input[loaded].labels, input[loaded].t, input[loaded].v)
                loaded += 1
            }
            var evalErrors: [String] = []
            for group in groups {
                try group.evaluate(at: ts, context: context, output: output)
                for rule in group.rules {
                    if let error = rule.status.lastError {
                        evalErrors.append("    rule: \(rule.name), time: \(GoDuration.time(ts)), err: \(error)")
                    }
                }
            }
            if !evalErrors.isEmpty { return errors + evalErrors }
            // Alert tests whose eval_time falls in [ts, ts + interval) are checked against this evaluation.
            while next < alertTimes.count, alertTimes[next] >= ts, alertTimes[next] < ts + evaluationIntervalMs {
                let t = alertTimes[next]
                for alertTest in test.alertTests where alertTest.evalTimeMs == t {
                    var got: [AlertSnapshot] = []
                    for group in groups {
                        for rule in group.alertingRules where rule.name == alertTest.alertname {
                            got += rule.alerts.filter { $0.state == .firing && $0.resolvedAt == nil }
                                .map { AlertSnapshot(labels: $0.labels, annotations: $0.annotations) }
                        }
                    }
                    let expected = alertTest.expected.map { e in
                        AlertSnapshot(labels: Labels(e.labels.merging(["alertname": alertTest.alertname]) { $1 }),
                                      annotations: Labels(e.annotations))
                    }
                    if expected.sorted() != got.sorted() {
                        errors.append("\(testName)    alertname: \(alertTest.alertname), time: \(GoDuration.model(t)), \n"
                                      + "        exp:\(AlertSnapshot.listDescription(expected.sorted())), \n"
                                      + "        got:\(AlertSnapshot.listDescription(got.sorted()))")
                    }
                }
                next += 1
            }
            ts += evaluationIntervalMs
        }

        let engine = Engine(source: storage)
        for exprTest in test.exprTests {
            let prefix = "\(testName)    expr: \(GoQuote.quote(exprTest.expr)), time: \(GoDuration.model(exprTest.evalTimeMs))"
            var got: [(Labels, Double)]
            do {
                switch try engine.instant(exprTest.expr, at: exprTest.evalTimeMs) {
                case .vector(let v): got = v.map { ($0.labels, $0.value) }
                case .scalar(let s): got = [(Labels(), s)]
                default: throw RuleError("rule result is not a vector or scalar")
                }
            } catch {
                errors.append("\(prefix), err: \(error)")
                continue
            }
            var expected: [(Labels, Double)] = []
            var bad = false
            for sample in exprTest.expected {
                do { expected.append((try SeriesNotation.labels(of: sample.labels), sample.value)) } catch {
                    errors.append("\(prefix), err: labels \(GoQuote.quote(sample.labels)): \(error)")
                    bad = true
                    break
                }
            }
            if bad { continue }
            expected.sort { labelsOrder($0.0, $1.0) }
            got.sort { labelsOrder($0.0, $1.0) }
            // Go's reflect.DeepEqual: NaN never equals NaN.
            let same = expected.count == got.count && zip(expected, got).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            if !same {
                errors.append("\(prefix),\n        exp: \(samplesDescription(expected))\n        got: \(samplesDescription(got))")
            }
        }
        return errors
    }

    static func samplesDescription(_ samples: [(Labels, Double)]) -> String {
        guard !samples.isEmpty else { return "nil" }
        return samples.map { "\(goLabels($0.0)) \(GoFloat.format($0.1, "E", -1))" }.joined(separator: ", ")
    }
}

/// An alert as a unit test compares it.
struct AlertSnapshot: Comparable {
    var labels: Labels
    var annotations: Labels

    static func < (a: AlertSnapshot, b: AlertSnapshot) -> Bool {
        if a.labels != b.labels { return labelsOrder(a.labels, b.labels) }
        return labelsOrder(a.annotations, b.annotations)
    }

    static func listDescription(_ list: [AlertSnapshot]) -> String {
        guard !list.isEmpty else { return "[]" }
        let indent = "            "
        let items = list.enumerated().map { i, a in
            "\(i):\n\(indent)  Labels:\(goLabels(a.labels))\n\(indent)  Annotations:\(goLabels(a.annotations))"
        }
        return "[\n\(indent)" + items.joined(separator: ",\n\(indent)") + "\n\(indent)]"
    }
}

/// `{a="1", b="2"}` as Go's labels.Labels prints it.
func goLabels(_ labels: Labels) -> String {
    "{" + labels.pairs.map { "\($0.name)=\(GoQuote.quote($0.value))" }.joined(separator: ", ") + "}"
}
