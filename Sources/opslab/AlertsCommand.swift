import Alerting
import ArgumentParser
import Workbench

/// `opslab alerts test|check`
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Unit-test and check Prometheus rule files.",
        subcommands: [Test.self, Check.self])

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
