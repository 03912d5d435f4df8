// Alertmanager configuration and routing, checked against what
// Alertmanager 0.25 itself does: receivers as `amtool config routes test`
// prints them, group keys as the real alertmanager sent them to a webhook,
// matcher texts and errors as amtool reported them. (The wide comparison
// with amtool is Tests/e2e/alerts_route_test.sh over Tests/alerts/gen_routes.py.)

import Foundation
import Testing
import Telemetry
@testable import Alerting

private func config(_ text: String) throws -> AlertmanagerConfig {
    try AlertmanagerConfig.parse(text, file: "am.yml")
}

/// The error a configuration gives, or nil when it reads.
private func error(_ text: String) -> YAMLFileError? {
    do {
        _ = try AlertmanagerConfig.parse(text, file: "am.yml")
        return nil
    } catch {
        return error
    }
}

@Suite struct RouteMatching {
    static let tree = """
        route:
          receiver: root
          group_by: [alertname]
          routes:
            - receiver: a
              matchers: ['foo="bar", baz=~"x|y"', 'qux!=1']
              continue: true
            - receiver: b
              match: {foo: bar}
              match_re: {env: "prod|stag.*"}
              group_wait: 10s
              routes:
                - matchers: ["{sev=page,team=~a.*}"]
                  repeat_interval: 1h
            - receiver: c
              matchers: [ 'x=' ]
        receivers: [{name: root}, {name: a}, {name: b}, {name: c}]
        """

    @Test func receiversInTreeOrderAsAmtoolPrintsThem() throws {
        let route = try config(Self.tree).route
        // Each expectation is amtool 0.25's output for the same labels.
        #expect(route.receivers(for: ["foo": "bar", "baz": "x"]) == ["a", "c"])
        #expect(route.receivers(for: ["foo": "bar", "env": "prod", "sev": "page", "team": "abc", "qux": "1"]) == ["b"])
        #expect(route.receivers(for: ["foo": "bar", "env": "staging"]) == ["b"])
        #expect(route.receivers(for: ["x": "1"]) == ["root"])
        #expect(route.receivers(for: [:]) == ["c"])
    }

    @Test func settingsAreInheritedButTimeIntervalsAreNot() throws {
        let matches = try config(Self.tree).route.match(["foo": "bar", "env": "prod", "sev": "page", "team": "ab"])
        #expect(matches.count == 1)
        let leaf = try #require(matches.first)
        #expect(leaf.receiver == "b")
        #expect(leaf.groupBy == .labels(["alertname"]))
        #expect(leaf.groupWaitMs == 10_000)
        #expect(leaf.groupIntervalMs == Route.defaultGroupIntervalMs)
        #expect(leaf.repeatIntervalMs == 3_600_000)
        #expect(leaf.routeKey == #"{}/{env=~"^(?:prod|stag.*)$",foo="bar"}/{sev="page",team=~"a.*"}"#)
    }

    @Test func aRouteWhoseChildrenAllFailIsItselfTheMatch() throws {
        let route = try config(Self.tree).route
        #expect(route.match(["foo": "bar", "env": "dev", "x": "1"]).map(\.receiver) == ["root"])
        #expect(route.match(["foo": "bar", "env": "prod"]).map(\.routeKey) == [#"{}/{env=~"^(?:prod|stag.*)$",foo="bar"}"#])
    }

    @Test func continueOnlyMattersOnTheRouteThatMatched() throws {
        let route = try config("""
            route:
              receiver: r
              routes:
                - {receiver: a, matchers: [x=1], continue: true}
                - {receiver: b, matchers: [x=1]}
                - {receiver: c, matchers: [x=~".*"]}
                - {receiver: d, matchers: [y=1], continue: true, routes: [{receiver: e, matchers: [z=1]}]}
                - {receiver: f, matchers: [y=~"1|2"]}
            receivers: [{name: r}, {name: a}, {name: b}, {name: c}, {name: d}, {name: e}, {name: f}]
            """).route
        #expect(route.receivers(for: ["x": "1"]) == ["a", "b"])
        #expect(route.receivers(for: ["x": "2"]) == ["c"])
        #expect(route.receivers(for: ["y": "1", "z": "1"]) == ["c"])
        let noC = try config("""
            route:
              receiver: r
              routes:
                - {receiver: d, matchers: [y=1], continue: true, routes: [{receiver: e, matchers: [z=1]}]}
                - {receiver: f, matchers: [y=~"1|2"]}
            receivers: [{name: r}, {name: d}, {name: e}, {name: f}]
            """).route
        #expect(noC.receivers(for: ["y": "1", "z": "1"]) == ["e", "f"])
        #expect(noC.receivers(for: ["y": "1"]) == ["d", "f"])
        #expect(noC.receivers(for: ["y": "2"]) == ["f"])
    }
}

@Suite struct GroupKeys {
    // Sent by Alertmanager 0.25 (Debian's prometheus-alertmanager) to a
    // webhook, for alerts posted with these labels.
    static let probe = #"""
        route:
          receiver: root
          group_by: [alertname]
          routes:
            - receiver: a
              matchers: ['team="x\"y"', 'sev=~"page|crit"']
              group_by: [a1, a, a_b, zz]
              continue: true
            - receiver: b
              match_re: {env: "prod.*"}
              match: {team: ops}
              group_by: ['...']
              routes:
                - matchers: ['svc!~"db.*"', 'svc!=""']
                  group_by: [svc]
            - receiver: e
              matchers: [team=e]
              group_by: []
            - receiver: f
              matchers: [team=f]
              group_by: ['...']
              routes:
                - matchers: [sub=x]
            - receiver: g
              matchers: ['team=~"g|h"', "msg=\"two\\nlines\""]
              group_by: [a1, a]
        receivers: [{name: root}, {name: a}, {name: b}, {name: e}, {name: f}, {name: g}]
        """#

    @Test(arguments: [
        (["alertname": "A1", "team": "x\"y", "sev": "page", "a1": "1", "a": "2", "a_b": "3", "zz": "é\u{01}"],
         #"{}/{sev=~"page|crit",team="x\"y"}:{a1="1", a="2", a_b="3", zz="é\x01"}"#),
        (["alertname": "A2", "team": "ops", "env": "production", "svc": "web", "x": "q\"\\"],
         #"{}/{env=~"^(?:prod.*)$",team="ops"}/{svc!="",svc!~"db.*"}:{svc="web"}"#),
        (["alertname": "A3", "team": "ops", "env": "prod", "svc": "db1"],
         #"{}/{env=~"^(?:prod.*)$",team="ops"}:{alertname="A3", env="prod", svc="db1", team="ops"}"#),
        (["alertname": "A5"], #"{}:{alertname="A5"}"#),
        (["alertname": "B1", "team": "e", "x": "1"], #"{}/{team="e"}:{alertname="B1"}"#),
        (["alertname": "B2", "team": "f", "sub": "x", "q": "tab\there"],
         #"{}/{team="f"}/{sub="x"}:{alertname="B2", q="tab\there", sub="x", team="f"}"#),
        (["alertname": "B3", "team": "g", "msg": "two\nlines", "a1": "p", "a": "back\\slash"],
         #"{}/{msg="two\nlines",team=~"g|h"}:{a1="p", a="back\\slash"}"#),
    ])
    func asAlertmanagerSendsThem(labels: [String: String], key: String) throws {
        let matches = try config(Self.probe).route.match(labels)
        #expect(matches.map(\.groupKey) == [key])
    }

    @Test func groupLabelsAreThoseNamedThatTheAlertHas() throws {
        let match = try #require(try config(Self.probe).route.match(["alertname": "B1", "team": "e"]).first)
        #expect(match.groupLabels == ["alertname": "B1"])
        #expect(match.groupBy == .labels(["alertname"]))
        let all = try #require(try config(Self.probe).route.match(["team": "f", "sub": "x", "k": "v"]).first)
        #expect(all.groupBy == .allLabels)
        #expect(all.groupLabels == ["team": "f", "sub": "x", "k": "v"])
    }
}

@Suite struct MatcherSyntax {
    // Each input and how amtool 0.25 printed the route it made.
    @Test(arguments: [
        ("a=b", #"{a="b"}"#), ("a = b ", #"{a="b"}"#), (#" a="b c" "#, #"{a="b c"}"#),
        (#"{a=b, c=~"d,e"}"#, #"{a="b",c=~"d,e"}"#), ("a=b,", #"{a="b"}"#), ("{a=b,}", #"{a="b"}"#),
        (#"a="b\\nc""#, #"{a="b\\nc"}"#), (#"a=b\x"#, #"{a="b\\x"}"#), ("a!~b|c", #"{a!~"b|c"}"#),
        (#"a=~"""#, #"{a=~""}"#), ("{}", "{}"), ("", "{}"), ("a:b=c", #"{a:b="c"}"#), ("a=b}", #"{a="b"}"#),
        ("a==b", #"{a="=b"}"#), ("a=~b=c", #"{a=~"b=c"}"#), (#"a = "x" , b = y"#, #"{a="x",b="y"}"#),
        ("a=é", #"{a="é"}"#), (#"a="\\\\""#, #"{a="\\\\"}"#), ("x=", #"{x=""}"#),
    ])
    func readAndPrintedAsAmtoolDoes(input: String, printed: String) throws {
        let matchers = try AlertmanagerMatchers.parseList(input)
        #expect(AlertmanagerMatchers.text(AlertmanagerMatchers.sorted(matchers)) == printed)
    }

    @Test(arguments: [
        (#"a="b\\"c""#, #"matcher value contains unescaped double quote: "b\\"c""#),
        (#"a="b"#, #"matcher value contains unescaped double quote: "b"#),
        (#"a=b""#, #"matcher value contains unescaped double quote: b""#),
        ("a=b,,c=d", "bad matcher format: "), ("{{a=b}}", "bad matcher format: {a=b}"), ("1a=b", "bad matcher format: 1a=b"),
    ])
    func refusedAsAmtoolRefusesThem(input: String, message: String) {
        #expect(throws: MatcherSyntaxError(message: message)) { try AlertmanagerMatchers.parseList(input) }
    }

    @Test func regexesAreAnchoredAndMissingLabelsAreEmpty() throws {
        let matchers = try AlertmanagerMatchers.parseList(#"env=~"prod", team!="", svc!~"db.*""#)
        #expect(AlertmanagerMatchers.all(matchers, match: ["env": "prod", "team": "x", "svc": "web"]))
        #expect(!AlertmanagerMatchers.all(matchers, match: ["env": "prod-eu", "team": "x"]))
        #expect(!AlertmanagerMatchers.all(matchers, match: ["env": "prod"]))
        #expect(!AlertmanagerMatchers.all(matchers, match: ["env": "prod", "team": "x", "svc": "db1"]))
    }
}

@Suite struct ConfigErrors {
    static let receivers = "receivers: [{name: r}]\n"

    // Every one of these is refused by `amtool check-config` too.
    @Test(arguments: [
        ("route: {receiver: r, routes: [{receiver: x}]}\n", 1, #"route.routes[0].receiver: undefined receiver "x" used in route"#),
        ("route:\n  receiver: r\n  matchers: [a=b]\n", 3, "route.matchers: root route must not have any matchers"),
        ("route:\n  routes: [{receiver: r}]\n", 2, "route: root route must specify a default receiver"),
        ("route:\n  receiver: r\n  continue: true\n", 3, "route.continue: cannot have continue in root route"),
        ("route: {receiver: r, group_by: ['...', a]}\n", 1,
         "route.group_by: cannot have wildcard group_by (`...`) and other labels at the same time"),
        ("route: {receiver: r, group_by: [a-b]}\n", 1, #"route.group_by[0]: invalid label name "a-b" in group_by list"#),
        ("route: {receiver: r, group_by: [a, a]}\n", 1, #"route.group_by[1]: duplicated label "a" in group_by"#),
        ("route: {receiver: r, group_interval: 0s}\n", 1, "route.group_interval: group_interval cannot be zero"),
        ("route:\n  receiver: r\n  routes:\n    - match: {1a: b}\n", 4, #"route.routes[0].match: invalid label name "1a""#),
        ("route:\n  receiver: r\n  routes:\n    - mute_time_intervals: [t]\n", 4,
         #"route.routes[0].mute_time_intervals[0]: undefined time interval "t" used in route"#),
    ])
    func routeErrorsNameTheFieldAndLine(route: String, line: Int, message: String) {
        let problem = error(route + Self.receivers)
        #expect(problem == YAMLFileError(file: "am.yml", line: line, message: message))
    }

    @Test func unknownAndRepeatedKeysAreErrors() {
        #expect(error("route: {receiver: r, foo: 1}\n" + Self.receivers)?.message.hasPrefix("route: field foo is not allowed here") == true)
        #expect(error("global: {foo: 1}\nroute: {receiver: r}\n" + Self.receivers)?.message.hasPrefix("global: field foo") == true)
        #expect(error("route: {receiver: r}\nreceivers: [{name: r, msteams_configs: []}]\n")?.message
            .hasPrefix("receivers[0]: field msteams_configs is not allowed here") == true)
        #expect(error("route: {receiver: r, receiver: s}\n" + Self.receivers)?.message.contains("duplicated key") == true)
        #expect(error("inhibit_rules: [{name: x}]\nroute: {receiver: r}\n" + Self.receivers) != nil)
    }

    @Test func receiversAreNamedOnceAndFilledFromGlobal() {
        #expect(error("route: {receiver: r}\nreceivers: [{name: r}, {name: r}]\n")?.message
            == #"receivers[1]: notification config name "r" is not unique"#)
        #expect(error("route: {receiver: r}\nreceivers: [{name: r}, {}]\n")?.message == "receivers[1]: missing name in receiver")
        #expect(error("route: {receiver: r}\nreceivers: [{name: r, email_configs: [{to: a@b}]}]\n")?.message
            == "receivers[0].email_configs[0]: no global SMTP smarthost set")
        #expect(error("global: {smtp_smarthost: 'h:25', smtp_from: x@y}\nroute: {receiver: r}\n"
            + "receivers: [{name: r, email_configs: [{to: a@b}]}]\n") == nil)
        #expect(error("global: {slack_api_url: 'ftp://x'}\nroute: {receiver: r}\n" + Self.receivers)?.message
            == #"global.slack_api_url: unsupported scheme "ftp" for URL"#)
        #expect(error("global: {opsgenie_api_key: k, opsgenie_api_key_file: /k}\nroute: {receiver: r}\n" + Self.receivers)?.message
            == "global: at most one of opsgenie_api_key & opsgenie_api_key_file must be configured")
    }

    @Test func aFileWithoutARouteIsRefused() {
        #expect(error("")?.message == "no route provided in config")
        #expect(error(Self.receivers)?.message == "no route provided in config")
    }
}

@Suite struct WholeConfig {
    @Test func everySectionIsKept() throws {
        let parsed = try config("""
            global:
              resolve_timeout: 90s
              smtp_smarthost: 'mail:25'
            templates: ['t/*.tmpl']
            route:
              receiver: ops
              routes:
                - {receiver: ops, matchers: [a=b], mute_time_intervals: [nights], active_time_intervals: [weekdays]}
            receivers:
              - name: ops
                webhook_configs: [{url: 'http://127.0.0.1:9/x', send_resolved: true}]
                opslab_configs:
                  - sink: pager
                    options: {channel: '#ops', retries: 3}
            mute_time_intervals:
              - name: nights
                time_intervals: [{times: [{start_time: '22:00', end_time: '24:00'}]}]
            time_intervals:
              - name: weekdays
                time_intervals: [{weekdays: ['monday:friday']}]
            inhibit_rules:
              - source_matchers: [severity=critical]
                target_matchers: [severity=warning]
                equal: [cluster]
            """)
        #expect(parsed.global.resolveTimeoutMs == 90_000)
        #expect(parsed.global.settings["smtp_smarthost"] == .scalar("mail:25"))
        #expect(parsed.templates == ["t/*.tmpl"])
        let ops = try #require(parsed.receiver(named: "ops"))
        #expect(ops.integrations["webhook_configs"]?.first?["send_resolved"] == .scalar("true"))
        #expect(ops.opslabSinks == [OpslabSinkConfig(sink: "pager", options: ["channel": .scalar("#ops"), "retries": .scalar("3")])])
        #expect(parsed.timeIntervals.map(\.name) == ["nights", "weekdays"])
        let match = try #require(parsed.route.match(["a": "b"]).first)
        #expect(match.muteTimeIntervals == ["nights"])
        #expect(match.activeTimeIntervals == ["weekdays"])
        #expect(parsed.inhibitRules.count == 1)
    }

    @Test func opslabSinksNeedASink() {
        #expect(error("route: {receiver: r}\nreceivers: [{name: r, opslab_configs: [{options: {}}]}]\n")?.message
            == "receivers[0].opslab_configs[0]: an opslab_configs entry needs a sink")
        #expect(error("route: {receiver: r}\nreceivers: [{name: r, opslab_configs: [{sink: s, retry: 1}]}]\n") != nil)
    }

    @Test func loadResolvesTemplatesBesideTheFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("routing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("am.yml").path
        try "templates: [a.tmpl, /abs/b.tmpl]\nroute: {receiver: r}\nreceivers: [{name: r}]\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try AlertmanagerConfig.load(path: path)
        #expect(loaded.templates == [folder.appendingPathComponent("a.tmpl").path, "/abs/b.tmpl"])
        #expect(throws: YAMLFileError.self) { try AlertmanagerConfig.load(path: folder.appendingPathComponent("none.yml").path) }
    }
}

@Suite struct Inhibition {
    static func rule(_ yaml: String) throws -> InhibitRule {
        try #require(try config("route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules:\n" + yaml).inhibitRules.first)
    }

    @Test func sourceMutesTargetWhenEqualLabelsAgree() throws {
        let rule = try Self.rule("  - {source_matchers: [severity=critical], target_matchers: [severity=warning], equal: [cluster]}\n")
        let critical = ["alertname": "Down", "severity": "critical", "cluster": "a"]
        #expect(rule.inhibits(source: critical, target: ["severity": "warning", "cluster": "a"]))
        #expect(!rule.inhibits(source: critical, target: ["severity": "warning", "cluster": "b"]))
        #expect(!rule.inhibits(source: critical, target: ["severity": "info", "cluster": "a"]))
        // A label in `equal` that neither has counts as equal.
        #expect(rule.inhibits(source: ["severity": "critical"], target: ["severity": "warning"]))
        #expect(!rule.inhibits(source: ["severity": "critical"], target: ["severity": "warning", "cluster": "a"]))
    }

    @Test func anAlertMatchingBothSidesIsNotMutedByAnotherSuch() throws {
        let rule = try Self.rule("  - {source_matchers: [severity=critical], target_matchers: ['severity=~\"critical|warning\"']}\n")
        let one = ["severity": "critical", "i": "1"]
        let two = ["severity": "critical", "i": "2"]
        #expect(!rule.inhibits(source: one, target: one))
        #expect(!rule.inhibits(source: one, target: two))
        #expect(rule.inhibits(source: one, target: ["severity": "warning"]))
    }

    @Test func olderMatchMapsWork() throws {
        let rule = try Self.rule("  - {source_match: {alertname: NodeDown}, target_match_re: {alertname: '.+'}, equal: [node]}\n")
        #expect(rule.inhibits(source: ["alertname": "NodeDown", "node": "n1"], target: ["alertname": "DiskFull", "node": "n1"]))
        #expect(!rule.inhibits(source: ["alertname": "NodeDown", "node": "n1"], target: ["node": "n1"]))
        #expect(rule.targetMatchers.map(AlertmanagerMatchers.text) == [#"alertname=~"^(?:.+)$""#])
        let parsed = try config("route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules:\n"
            + "  - {source_match: {alertname: NodeDown}, target_match_re: {alertname: '.+'}, equal: [node]}\n")
        #expect(parsed.isInhibited(["alertname": "X", "node": "n1"], byFiring: [["alertname": "NodeDown", "node": "n1"]]))
    }

    @Test func equalNamesMustBeLabelNames() {
        #expect(error("route: {receiver: r}\nreceivers: [{name: r}]\ninhibit_rules: [{equal: ['a:b']}]\n")?.message
            == #"inhibit_rules[0].equal[0]: "a:b" is not a valid label name"#)
    }
}

@Suite struct TimeIntervalTests {
    static func interval(_ windows: String) throws -> NamedTimeInterval {
        let text = "route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n  - name: t\n    time_intervals:\n" + windows
        return try #require(try config(text).timeInterval(named: "t"))
    }

    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    static let utc = TimeZone(identifier: "UTC")!

    @Test func officeHoursInBerlin() throws {
        let office = try Self.interval("""
                  - times: [{start_time: '09:00', end_time: '17:30'}]
                    weekdays: ['monday:friday']
                    location: Europe/Berlin

            """)
        #expect(office.contains(Self.date("2024-03-05T08:00:00Z")))      // Tuesday 09:00 in Berlin
        #expect(!office.contains(Self.date("2024-03-05T07:59:00Z")))
        #expect(!office.contains(Self.date("2024-03-05T16:30:00Z")))     // 17:30, the end is exclusive
        #expect(!office.contains(Self.date("2024-03-09T10:00:00Z")))     // Saturday
    }

    @Test func daysMonthsAndYears() throws {
        let lastDays = try Self.interval("      - days_of_month: ['-3:-1']\n        months: ['january:march', 'may', 12]\n        years: ['2024:2025']\n")
        #expect(lastDays.contains(Self.date("2024-02-27T12:00:00Z"), defaultTimeZone: Self.utc))   // leap year: 27..29
        #expect(!lastDays.contains(Self.date("2024-02-26T12:00:00Z"), defaultTimeZone: Self.utc))
        #expect(lastDays.contains(Self.date("2025-12-31T00:00:00Z"), defaultTimeZone: Self.utc))
        #expect(!lastDays.contains(Self.date("2024-04-30T12:00:00Z"), defaultTimeZone: Self.utc))  // April
        #expect(!lastDays.contains(Self.date("2026-01-31T12:00:00Z"), defaultTimeZone: Self.utc))  // 2026
        // 31 in a 30-day month is skipped, not clamped to the 30th.
        let thirtyFirst = try Self.interval("      - days_of_month: ['31']\n")
        #expect(!thirtyFirst.contains(Self.date("2024-04-30T12:00:00Z"), defaultTimeZone: Self.utc))
        #expect(thirtyFirst.contains(Self.date("2024-05-31T12:00:00Z"), defaultTimeZone: Self.utc))
    }

    @Test func anEmptyListMatchesNothing() throws {
        #expect(!(try Self.interval("      - weekdays: []\n")).contains(Date()))
        #expect(try Self.interval("      - {}\n").contains(Date()))
    }

    @Test func goCountsAMonthThatSpringsForwardADayShort() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
        #expect(TimeWindow.daysInMonth(year: 2024, month: 3, calendar: calendar) == 30)
        #expect(TimeWindow.daysInMonth(year: 2024, month: 10, calendar: calendar) == 31)
        calendar.timeZone = Self.utc
        #expect(TimeWindow.daysInMonth(year: 2024, month: 3, calendar: calendar) == 31)
    }

    // Each refused by amtool 0.25 with the same message.
    @Test(arguments: [
        ("      - weekdays: ['friday:monday']\n", "start day cannot be before end day"),
        ("      - days_of_month: [0]\n", "0 is not a valid day of the month: out of range"),
        ("      - days_of_month: ['-1:5']\n", "end day must be negative if start day is negative"),
        ("      - days_of_month: ['20:-20']\n", "end day -20 is always before start day 20"),
        ("      - years: ['2020:2019']\n", "end year 2019 is before start year 2020"),
        ("      - times: [{start_time: '9:00', end_time: '17:00'}]\n", "couldn't parse timestamp 9:00, invalid format"),
        ("      - times: [{start_time: '09:00', end_time: '09:00'}]\n", "start time cannot be equal or greater than end time"),
        ("      - times: [{start_time: '09:00'}]\n", "both start and end times must be provided"),
        ("      - location: Mars/Base\n", "unknown time zone Mars/Base"),
    ])
    func refused(windows: String, message: String) {
        let text = "route: {receiver: r}\nreceivers: [{name: r}]\ntime_intervals:\n  - name: t\n    time_intervals:\n" + windows
        #expect(error(text)?.message.hasSuffix(message) == true, "\(String(describing: error(text)))")
    }

    @Test func namesAreRequiredAndUnique() {
        let base = "route: {receiver: r}\nreceivers: [{name: r}]\n"
        #expect(error(base + "time_intervals: [{time_intervals: []}]\n")?.message == "time_intervals[0]: missing name in time interval")
        #expect(error(base + "mute_time_intervals: [{name: t}]\ntime_intervals: [{name: t}]\n")?.message
            == #"time_intervals[0]: time interval "t" is not unique"#)
    }
}
