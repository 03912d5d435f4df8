import Alerting
import ArgumentParser
import Foundation
import Notifications
import Workbench

/// `opslab alerts test|check`
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Unit-test and check rule files, test routes, and manage the outbox and silences of serve --notify.",
        subcommands: [Test.self, Check.self, Route.self, NotifyTest.self, Outbox.self, Silence.self])

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run rule unit tests in promtool's format; exit 0 when every test passes, 1 otherwise.",
            discussion: """
                The files are promtool unit-test files (rule_files, evaluation_interval, group_eval_order, tests with interval, input_series, external_labels, external_url, alert_rule_test and promql_expr_test), run as `promtool test rules` runs them, with the same verdicts and messages.
                """)

        @Argument(help: ArgumentHelp("Unit-test files.", valueName: "file"))
        var files: [String]

        func run() throws {
            let outcome = RuleTestRunner.run(files: files)
            print(outcome.standardOutput, terminator: "")
            writeStandardError(outcome.standardError)
            if outcome.exitCode != 0 { throw ExitCode(outcome.exitCode) }
        }
    }

    struct Route: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the receivers an alert with these labels reaches in an Alertmanager configuration.",
            discussion: """
                The first line is what `amtool config routes test` prints (the receivers, comma-separated); then one line per matching route with its group key and timers.
                """)

        @Option(help: ArgumentHelp("An Alertmanager configuration (alertmanager.yml).", valueName: "file"))
        var config: String

        @Argument(help: ArgumentHelp("The alert's labels.", valueName: "label=value"))
        var labels: [String] = []

        func run() throws {
            let parsed: AlertmanagerConfig
            do { parsed = try AlertmanagerConfig.load(path: config) } catch {
                writeStandardError("\(error)\n")
                throw ExitCode(1)
            }
            var alert: [String: String] = [:]
            for text in labels {
                guard let matcher = try? AlertmanagerMatchers.parse(text), matcher.op == .equal else {
                    writeStandardError("Labels must be specified as key=value pairs, got \"\(text)\"\n")
                    throw ExitCode(1)
                }
                alert[matcher.name] = matcher.value
            }
            print(parsed.route.receivers(for: alert).joined(separator: ","))
            for match in parsed.route.match(alert) {
                print("  \(match.receiver)\tgroup \(match.groupKey)\twait \(match.groupWaitMs / 1000)s interval \(match.groupIntervalMs / 1000)s repeat \(match.repeatIntervalMs / 1000)s")
            }
            try printMutes(alert, rules: parsed.inhibitRules)
        }

        /// Whether the alert would be silenced or inhibited now, by the
        /// silences and the alerts a serve --notify on this $OPSLAB_HOME holds.
        private func printMutes(_ alert: [String: String], rules: [InhibitRule]) throws {
            guard let outbox = try existingOutbox() else {
                print("  silences and held alerts: none (no serve --notify state in $OPSLAB_HOME)")
                return
            }
            let now = nowMs()
            let silences = try SilenceStore(outbox: outbox).list(at: now).filter { $0.state == .active }
                .filter { $0.silence.matches(alert) }
            if silences.isEmpty {
                print("  not silenced now")
            }
            for (silence, _) in silences {
                print("  silenced now by \(silence.id) until \(RFC3339.withMilliseconds(silence.endsAt)): \(silence.comment)")
            }
            let held = try outbox.state(Notifier.StateName.heldAlerts).map { try JSONDecoder().decode([IncomingAlert].self, from: $0) } ?? []
            let firing = held.filter { ($0.endsAt ?? .max) > now }.map(\.labels)
            var inhibited = false
            for rule in rules {
                for source in firing where rule.inhibits(source: source, target: alert) {
                    print("  inhibited now by \(RouteMatch.labelSetText(source))" + (rule.line.map { " (inhibit rule at line \($0))" } ?? ""))
                    inhibited = true
                }
            }
            if !inhibited { print("  not inhibited by the \(firing.count) firing alert(s) serve holds") }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check rule files as serve would load them; exit 1 if any has a problem.")

        @Argument(help: ArgumentHelp("Rule files.", valueName: "file"))
        var files: [String]

        func run() throws {
            var failed = false
            for path in files {
                let file = RuleFile.load(path: path)
                if file.problems.isEmpty {
                    let rules = file.groups.reduce(0) { $0 + $1.rules.count }
                    print("\(path): ok (\(file.groups.count) groups, \(rules) rules)")
                } else {
                    failed = true
                    for problem in file.problems { writeStandardError("\(problem)\n") }
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
