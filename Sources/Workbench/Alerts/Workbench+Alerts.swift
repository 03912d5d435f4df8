import Alerting
import Foundation
import LuaKit
import PromQL
import Telemetry

/// `alerts`: rule files and rules written in the shell, evaluated against
/// the store; rules whose expression is a Lua function (a model scoring
/// live series) sit beside PromQL ones.
extension Workbench {
    func installAlerts() {
        lua.registerModule("alerts", functions: alertFunctions() + silenceFunctions())
    }

    func alertFunctions() -> [LuaFunction] {
        [
            LuaFunction("alerts.load", doc: """
                alerts.load(path: string) -> table
                Loads a Prometheus rule file (or a glob) into the workbench: {groups = n, rules = n,
                problems = {...}}. A rule with a problem is left out and listed; the others load. The
                file is read again by alerts.reload(), and by `opslab serve --rules` on SIGHUP.
                """) { [unowned self] call in
                let path = try call.string(1)
                let problems = rules.load([path])
                let loaded = rules.groups.filter { FileGlob.matches(pattern: path, file: $0.file) }
                if loaded.isEmpty, !problems.isEmpty {
                    throw call.error(problems.map(\.description).joined(separator: "\n"))
                }
                call.stack.push(LuaValue.table(LuaTableValue(fields: [
                    "groups": .integer(Int64(loaded.count)),
                    "rules": .integer(Int64(loaded.reduce(0) { $0 + $1.rules.count })),
                    "problems": .table(LuaTableValue(array: problems.map { .string($0.description) })),
                ])))
                return 1
            },
            LuaFunction("alerts.reload", doc: """
                alerts.reload() -> table
                Reads every loaded rule file again; returns the problems found (a file with problems
                keeps the rules it had). Alerts of unchanged rules keep their state.
                """) { [unowned self] call in
                call.stack.push(LuaValue.table(LuaTableValue(array: rules.reload().map { .string($0.description) })))
                return 1
            },
            LuaFunction("alerts.rule", doc: """
                alerts.rule{name = ..., expr = ... [, hold = "5m"] [, keep_firing_for = "10m"] [, labels = {...}] [, annotations = {...}] [, group = "shell"]} -> string
                Adds an alerting rule (record = "metric" instead of name makes a recording rule). expr is
                PromQL, or a Lua function(t) returning a list of {labels = {...}, value = v} for Unix time
                t; it runs under the plugin time budget, and an error marks the rule unhealthy. `hold` is
                Prometheus's `for` (a Lua keyword; ["for"] = "5m" works too). A rule of the same name in
                the group is replaced.
                """) { [unowned self] call in
                let definition = try ruleDefinition(call.table(1), call: call)
                rules.add(definition.rule, group: definition.group ?? "shell")
                return call.returns(.string(definition.rule.name))
            },
            LuaFunction("alerts.remove", doc: """
                alerts.remove(name: string) -> integer
                Removes the rules of that name made with alerts.rule; returns how many went.
                """) { [unowned self] call in
                call.returns(.integer(Int64(rules.remove(name: try call.string(1)))))
            },
            LuaFunction("alerts.list", doc: """
                alerts.list() -> table
                Every rule: {group, name, kind, expr, state, health, error, alerts, source}.
                """) { [unowned self] call in
                var rows: [LuaValue] = []
                for group in rules.groups {
                    for rule in group.rules {
                        let status = rule.status
                        var fields: [String: LuaValue] = [
                            "group": .string(group.name), "name": .string(rule.name),
                            "kind": .string(rule.definition.kind == .alerting ? "alert" : "record"),
                            "expr": .string(rule.definition.expression.text), "health": .string(status.health.rawValue),
                            "source": .string(group.file.isEmpty ? "shell" : group.file),
                        ]
                        if let error = status.lastError { fields["error"] = .string(error) }
                        if case .alerting(let r) = rule {
                            fields["state"] = .string(r.state.rawValue)
                            fields["alerts"] = .integer(Int64(r.alerts.filter { $0.state != .inactive }.count))
                        }
                        rows.append(.table(LuaTableValue(fields: fields)))
                    }
                }
                call.stack.push(LuaValue.table(LuaTableValue(array: rows)))
                return 1
            },
            LuaFunction("alerts.eval", doc: """
                alerts.eval([time: number]) -> table
                Evaluates every rule against the store at `time` (Unix seconds, default now) and returns
                the alerts that are pending or firing, and those resolved in the last 15 minutes:
                {name, state, labels, annotations, value, active_at}. State carries over between calls,
                so `hold` counts across them. Nothing is written to the store.
                """) { [unowned self] call in
                let time = try call.optionalNumber(1) ?? Date().timeIntervalSince1970
                guard time.isFinite, abs(time) < 1e11 else { throw call.argumentError(1, "must be a Unix time in seconds, got \(luaNumberText(time))") }
                let ts = Int64((time * 1000).rounded())
                try withRuleStack(call.stack) {
                    try rules.evaluateAll(at: ts, context: try ruleContext(), output: { _, _ in })
                }
                call.stack.push(LuaValue.table(LuaTableValue(array: rules.groups.flatMap(\.alertingRules).flatMap { rule in
                    rule.alerts.map { alertValue($0, rule: rule.name) }
                })))
                return 1
            },
            LuaFunction("alerts.preview", doc: """
                alerts.preview(rule: table [, {time = t, url = "http://prometheus:9090"}]) -> table
                Evaluates one rule, given as alerts.rule takes it, once at `time` (Unix seconds, default
                now) with fresh state, without adding it: the alerts it would raise. With `url`, its PromQL
                (and its templates' queries) run on that Prometheus, as metrics.promql does.
                """) { [unowned self] call in
                let definition = try ruleDefinition(call.table(1), call: call)
                let options = try call.options(2)
                let time = try evaluationTime(options)
                var context = try ruleContext()
                if let base = try options.optionalString("url") {
                    guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                        throw options.error("url", "must be like \"http://host:9090\", got \"\(base)\"")
                    }
                    let timeout = Double(try options.optionalDuration("timeout") ?? 30_000) / 1000
                    let box = UnownedWorkbench(self)
                    context.remoteQuery = { expr, ts in try box.workbench.remoteInstantVector(base, expr: expr, atMs: ts, timeout: timeout) }
                }
                let group = RuleGroup(name: "preview", intervalMs: 60_000, rules: [definition.rule])
                try withRuleStack(call.stack) {
                    try group.evaluate(at: Int64((time * 1000).rounded()), context: context, output: { _, _ in })
                }
                if let error = group.rules[0].status.lastError { throw call.error(error) }
                call.stack.push(LuaValue.table(LuaTableValue(array: group.alertingRules.flatMap { rule in
                    rule.alerts.map { alertValue($0, rule: rule.name) }
                })))
                return 1
            },
            LuaFunction("alerts.test", doc: """
                alerts.test(rule: table, series: table, expectations: table [, {interval = "1m"}]) -> boolean, string
                A quick what-if in promtool's notation: series maps names to values (`{['up{job="a"}'] =
                "1 1 0x5"}`, one sample per interval), expectations is a list of {at = "5m", alerts =
                {{labels = {...}, annotations = {...}}}} (the firing alerts then; alertname is added).
                Returns whether every expectation held, and promtool's report of those that did not.
                """) { [unowned self] call in
                let definition = try ruleDefinition(call.table(1), call: call)
                let series = try call.table(2)
                let expectations = try call.table(3)
                let options = try call.options(4)
                let interval = try options.optionalDuration("interval") ?? 60_000
                guard series.array.isEmpty, series.otherKeyCount == 0 else {
                    throw call.argumentError(2, "must map series names to values, like {['up{job=\"a\"}'] = \"1 1 0\"}")
                }
                var input: [(series: String, values: String)] = []
                for (name, values) in series.fields.sorted(by: { $0.key < $1.key }) {
                    guard case .string(let text) = values else {
                        throw call.argumentError(2, "values of \(name) must be a string like \"1 1 0x5\", got \(values.luaText)")
                    }
                    input.append((name, text))
                }
                var tests: [RuleTestFile.AlertTest] = []
                for (index, item) in expectations.array.enumerated() {
                    guard case .table(let entry) = item else { throw call.argumentError(3, "entry #\(index + 1) must be a table, got \(item.luaText)") }
                    let fields = try LuaOptions(entry, function: "alerts.test", allowed: ["at", "alerts"])
                    guard let at = try fields.optionalString("at"), let ms = parseModelDuration(at) else {
                        throw fields.error("at", "must be a duration from the start like \"5m\"")
                    }
                    var expected: [(labels: [String: String], annotations: [String: String])] = []
                    if case .table(let list) = entry["alerts"] {
                        for alert in list.array {
                            guard case .table(let a) = alert else { throw fields.error("alerts", "must be a list of {labels = ..., annotations = ...}") }
                            expected.append((Dictionary(try stringPairs(a["labels"], key: "labels", fields), uniquingKeysWith: { $1 }),
                                             Dictionary(try stringPairs(a["annotations"], key: "annotations", fields), uniquingKeysWith: { $1 })))
                        }
                    } else if !entry["alerts"].isNil {
                        throw fields.error("alerts", "must be a list, got \(entry["alerts"].luaText)")
                    }
                    tests.append(RuleTestFile.AlertTest(evalTimeMs: ms, alertname: definition.rule.name, expected: expected))
                }
                let group = RuleGroup(name: "test", intervalMs: interval, rules: [definition.rule])
                let failures = try withRuleStack(call.stack) {
                    try RuleTestRunner.run(RuleTestFile.TestGroup(intervalMs: interval, inputSeries: input, alertTests: tests),
                                           groups: [group], evaluationIntervalMs: interval, checkCancellation: { [lua] in try lua.checkStop() })
                }
                return call.returns(.boolean(failures.isEmpty), .string(failures.joined(separator: "\n")))
            },
        ]
    }

    static let ruleOptionKeys = ["name", "record", "expr", "hold", "for", "keep_firing_for", "labels", "annotations", "group"]

    /// A rule from an alerts.rule table.
    func ruleDefinition(_ table: LuaTableValue, call: LuaCall) throws -> (rule: RuleDefinition, group: String?) {
        let options = try LuaOptions(table, function: "alerts.rule", allowed: Self.ruleOptionKeys)
        let alertName = try options.optionalString("name")
        let recordName = try options.optionalString("record")
        let kind: RuleDefinition.Kind
        let name: String
        switch (alertName, recordName) {
        case (let n?, nil): kind = .alerting; name = n
        case (nil, let r?): kind = .recording; name = r
        case (.some, .some): throw options.error("record", "cannot be given with name (a rule alerts or records, not both)")
        case (nil, nil): throw options.error("name", "is required (or record = \"metric\" for a recording rule)")
        }
        if !table["hold"].isNil && !table["for"].isNil { throw options.error("for", "cannot be given with hold; they are the same") }
        let hold = try options.optionalDuration("hold") ?? options.optionalDuration("for") ?? 0
        let keep = try options.optionalDuration("keep_firing_for") ?? 0
        let expression: RuleExpression
        switch table["expr"] {
        case .string(let text):
            do { expression = .promql(try Query.parse(text), text: text) } catch {
                throw options.error("expr", "does not parse: \(error)")
            }
        case .function(let function):
            expression = luaRuleExpression(function, name: name)
        case let other:
            throw options.error("expr", "must be a PromQL string or a function(t), got \(other.luaText)")
        }
        do {
            let rule = try RuleDefinition(kind: kind, name: name, expression: expression, holdDurationMs: hold, keepFiringForMs: keep,
                                          labels: try stringPairs(table["labels"], key: "labels", options),
                                          annotations: try stringPairs(table["annotations"], key: "annotations", options),
                                          source: "shell")
            return (rule, try options.optionalString("group"))
        } catch let error as RuleError {
            throw call.error(error.message)
        }
    }

    private func stringPairs(_ value: LuaValue, key: String, _ options: LuaOptions) throws -> [(String, String)] {
        switch value {
        case .nil: return []
        case .table(let t):
            guard t.array.isEmpty, t.otherKeyCount == 0 else { throw options.error(key, "must map names to strings") }
            return try t.fields.sorted { $0.key < $1.key }.map { name, v in
                switch v {
                case .string(let s): return (name, s)
                case .integer, .number: return (name, v.description)
                default: throw options.error(key, "\(name) must be a string, got \(v.luaText)")
                }
            }
        default: throw options.error(key, "must be a table of strings, got \(value.luaText)")
        }
    }

    /// A rule expression that calls a Lua function with the evaluation time.
    private func luaRuleExpression(_ function: LuaReference, name: String) -> RuleExpression {
        let box = UnownedWorkbench(self)
        return .custom(description: "<lua function>") { ts in
            try box.workbench.callLuaRule(function, name: name, at: ts)
        }
    }

    func callLuaRule(_ function: LuaReference, name: String, at ts: Int64) throws -> [VectorElement] {
        luaLock.lock()
        defer { luaLock.unlock() }
        let stack = ruleStack ?? lua.stack
        let base = stack.top
        defer { stack.settop(base) }
        try stack.reserve(2, for: "a rule's arguments")
        function.push(on: stack)
        stack.push(LuaValue.number(Double(ts) / 1000))
        do {
            try lua.withTimeBudget(seconds: options.pluginBudget) { try stack.call(arguments: 1, results: 1) }
        } catch let error as LuaError {
            switch error.stopReason {
            case .interrupted?: throw EvaluationStopped(reason: error)
            case .timeout?: throw RuleError("exceeded its time budget of \(options.pluginBudget)s")
            case nil: throw RuleError(error.message)
            }
        }
        let result = try stack.values(above: base).first ?? .nil
        guard case .table(let list) = result, list.fields.isEmpty else {
            throw RuleError("must return a list of {labels = {...}, value = v}, got \(result.luaText)")
        }
        return try list.array.enumerated().map { index, item in
            guard case .table(let entry) = item, case let value? = entry["value"].doubleValue else {
                throw RuleError("result #\(index + 1) must be {labels = {...}, value = number}, got \(item.luaText)")
            }
            var labels: [(String, String)] = []
            switch entry["labels"] {
            case .nil: break
            case .table(let t):
                for (k, v) in t.fields {
                    guard case .string(let s) = v else { throw RuleError("result #\(index + 1): label \(k) must be a string, got \(v.luaText)") }
                    labels.append((k, s))
                }
            case let other: throw RuleError("result #\(index + 1): labels must be a table, got \(other.luaText)")
            }
            return (Labels(labels), value)
        }
    }

    /// Lua rules evaluated from inside a Lua call run on that call's stack.
    private func withRuleStack<T>(_ stack: LuaStack, _ body: () throws -> T) throws -> T {
        let previous = ruleStack
        ruleStack = stack
        defer { ruleStack = previous }
        return try body()
    }

    func ruleContext() throws -> RuleContext {
        RuleContext(source: StoreSeriesSource(store: try metricsStore()), checkCancellation: { [lua] in try lua.checkStop() })
    }

    private func alertValue(_ alert: Alert, rule: String) -> LuaValue {
        var fields: [String: LuaValue] = [
            "name": .string(rule), "state": .string(alert.state.rawValue), "value": .number(alert.value),
            "labels": labelTable(alert.labels), "annotations": labelTable(alert.annotations),
            "active_at": .number(Double(alert.activeAt) / 1000),
        ]
        if let resolved = alert.resolvedAt { fields["resolved_at"] = .number(Double(resolved) / 1000) }
        return .table(LuaTableValue(fields: fields))
    }
}

/// Lets a rule expression reach the workbench without keeping it alive.
private struct UnownedWorkbench: @unchecked Sendable {
    unowned let workbench: Workbench
    init(_ workbench: Workbench) { self.workbench = workbench }
}
