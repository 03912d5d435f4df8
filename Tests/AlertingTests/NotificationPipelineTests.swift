// What happens to a group's alerts at flush time, stage by stage, as in
// Alertmanager 0.25's pipeline: inhibition by any firing alert, active and
// mute time intervals of the route, silences, and then per integration
// deduplication and send_resolved.

import Foundation
import Testing
@testable import Alerting

@Suite struct PipelineSilences {
    @Test func aGroupWhoseEveryAlertIsSilencedSendsNothingUntilTheSilenceEnds() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        var silences = Silences()
        try silences.add(try Silence(matchers: "alertname=A", startsAt: t0, endsAt: t0 + hour, createdBy: "ops",
                                     comment: "deploy"), now: t0)
        d.ingest([firing("A", ["instance": "1"]), firing("A", ["instance": "2"])], now: t0)
        #expect(d.due(now: t0 + 30 * second, silences: silences).isEmpty)
        // Nothing was logged either: the receiver has heard nothing.
        #expect(d.notificationLog.allEntries.isEmpty)
        let sent = d.run(from: t0 + 30 * second, until: t0 + 2 * hour, silences: silences)
        #expect(sent.map(\.flushedAt) == [t0 + 60 * minute + 30 * second])
        #expect(sent.first?.summary == ["A/1:firing", "A/2:firing"])
    }

    @Test func silencedAlertsAreLeftOutOfTheNotification() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        var silences = Silences()
        try silences.add(try Silence(matchers: "instance=1", startsAt: t0, endsAt: t0 + hour, createdBy: "ops",
                                     comment: ""), now: t0)
        d.ingest([firing("A", ["instance": "1"]), firing("A", ["instance": "2"])], now: t0)
        #expect(d.due(now: t0 + 30 * second, silences: silences).map(\.summary) == [["A/2:firing"]])
    }
}

@Suite struct PipelineInhibition {
    static let config = basicConfigText + """

        inhibit_rules:
          - source_matchers: [severity=critical]
            target_matchers: [severity=warning]
            equal: [cluster]
        """

    @Test func inhibitionAppliesWhileTheSourceFiresAndLiftsWhenItResolves() throws {
        var d = NotificationDispatcher(config: try amConfig(Self.config))
        d.ingest([
            firing("DiskFull", ["severity": "warning", "cluster": "c1", "instance": "a"]),
            firing("DiskFull", ["severity": "warning", "cluster": "c2", "instance": "b"]),
            firing("ClusterDown", ["severity": "critical", "cluster": "c1"]),
        ], now: t0)
        let initial = d.due(now: t0 + 30 * second)
        #expect(initial.map(\.summary) == [["ClusterDown:firing"], ["DiskFull/b:firing"]])

        d.ingest([resolved("ClusterDown", ["severity": "critical", "cluster": "c1"], at: t0 + 3 * minute)],
                 now: t0 + 3 * minute)
        let afterResolution = d.due(now: t0 + 5 * minute + 30 * second)
        #expect(afterResolution.map(\.summary) == [["ClusterDown:resolved"], ["DiskFull/a:firing", "DiskFull/b:firing"]])

        // The source fires again: a becomes inhibited. Losing an alert is no news,
        // but the next repeat lists only what is left.
        d.ingest([firing("ClusterDown", ["severity": "critical", "cluster": "c1"], startsAt: t0 + 6 * minute)],
                 now: t0 + 6 * minute)
        let later = d.run(from: t0 + 6 * minute, until: t0 + 4 * hour + 11 * minute)
        #expect(later.map(\.summary) == [["ClusterDown:firing"], ["DiskFull/b:firing"]])
        #expect(later.last?.flushedAt == t0 + 4 * hour + 10 * minute + 30 * second)
    }

    @Test func anAlertMatchingBothSidesDoesNotInhibitItself() throws {
        let text = basicConfigText + """

            inhibit_rules:
              - source_matchers: [severity=~"critical|warning"]
                target_matchers: [severity=~"critical|warning"]
            """
        var d = NotificationDispatcher(config: try amConfig(text))
        d.ingest([firing("A", ["severity": "critical"]), firing("B", ["severity": "warning"])], now: t0)
        #expect(d.due(now: t0 + 30 * second).count == 2)
    }
}

@Suite struct PipelineTimeIntervals {
    /// team=db alerts go through a child route with the given interval setting.
    private func config(_ setting: String, times: String) throws -> AlertmanagerConfig {
        try amConfig("""
            route:
              receiver: team
              group_by: [alertname]
              group_wait: 30s
              group_interval: 5m
              repeat_interval: 4h
              routes:
                - matchers: [team="db"]
                  \(setting): [window]
            receivers:
              - name: team
                webhook_configs: [{url: "http://hook.example/"}]
            time_intervals:
              - name: window
                time_intervals: [{times: [{start_time: "\(times.prefix(5))", end_time: "\(times.suffix(5))"}]}]
            """)
    }

    @Test func aMutedRouteSendsNothingInsideItsIntervalAndCatchesUpAfter() throws {
        // t0 is 22:13:20 UTC.
        var d = NotificationDispatcher(config: try config("mute_time_intervals", times: "22:00-23:00"))
        d.ingest([firing("Slow", ["team": "db"]), firing("Other")], now: t0)
        let sent = d.run(from: t0, until: t0 + hour)
        #expect(sent.map(\.groupKey) == [#"{}:{alertname="Other"}"#, #"{}/{team="db"}:{alertname="Slow"}"#])
        #expect(sent.map(\.flushedAt) == [t0 + 30 * second, t0 + 50 * minute + 30 * second])
    }

    @Test func intervalsWithoutALocationAreReadInUTCUnlessAnotherZoneIsGiven() throws {
        var d = NotificationDispatcher(config: try config("mute_time_intervals", times: "22:00-23:00"),
                                       timeZone: TimeZone(secondsFromGMT: 2 * 3_600) ?? .current)
        d.ingest([firing("Slow", ["team": "db"])], now: t0)
        #expect(d.due(now: t0 + 30 * second).count == 1)
    }

    @Test func aResolutionInsideAMuteIsNeverSent() throws {
        var d = NotificationDispatcher(config: try config("mute_time_intervals", times: "22:30-23:00"))
        d.ingest([firing("Slow", ["team": "db"])], now: t0)
        #expect(d.due(now: t0 + 30 * second).count == 1)
        #expect(d.run(from: t0 + 30 * second, until: t0 + 20 * minute).isEmpty)
        d.ingest([resolved("Slow", ["team": "db"], at: t0 + 20 * minute)], now: t0 + 20 * minute)
        #expect(d.run(from: t0 + 20 * minute, until: t0 + 2 * hour).isEmpty)
        #expect(d.aggregationGroups.isEmpty)
    }

    @Test func anActiveRouteSendsOnlyInsideItsInterval() throws {
        var outside = NotificationDispatcher(config: try config("active_time_intervals", times: "06:00-07:00"))
        outside.ingest([firing("Slow", ["team": "db"])], now: t0)
        #expect(outside.run(from: t0, until: t0 + hour).isEmpty)
        #expect(outside.aggregationGroups.count == 1)

        var inside = NotificationDispatcher(config: try config("active_time_intervals", times: "22:00-23:00"))
        inside.ingest([firing("Slow", ["team": "db"])], now: t0)
        #expect(inside.due(now: t0 + 30 * second).count == 1)
    }
}

@Suite struct PipelineIntegrations {
    static let twoIntegrations = """
        route:
          receiver: team
          group_by: [alertname]
          group_wait: 30s
          group_interval: 5m
        receivers:
          - name: team
            webhook_configs: [{url: "http://hook.example/"}]
            email_configs: [{to: "team@example.com", from: "am@example.com", smarthost: "mail.example:25"}]
          - name: quiet
            webhook_configs: [{url: "http://hook.example/", send_resolved: false, max_alerts: 3}]
            opslab_configs: [{sink: log, options: {send_resolved: false}}]
          - name: blackhole
        """

    @Test func eachIntegrationIsNotifiedAndLoggedOnItsOwn() throws {
        var d = NotificationDispatcher(config: try amConfig(Self.twoIntegrations))
        d.ingest([firing("A")], now: t0)
        #expect(d.due(now: t0 + 30 * second).map(\.integration.description) == ["team/webhook[0]", "team/email[0]"])
        d.ingest([resolved("A", at: t0 + minute)], now: t0 + minute)
        let resolvedSent = d.due(now: t0 + 5 * minute + 30 * second)
        // Email does not send resolved alerts by default, but its log entry is cleared all the same.
        #expect(resolvedSent.map(\.integration.description) == ["team/webhook[0]"])
        let email = IntegrationRef(receiver: "team", integration: "email", index: 0)
        let entry = try #require(d.notificationLog.entry(groupKey: #"{}:{alertname="A"}"#, integration: email,
                                                         at: t0 + 6 * minute))
        #expect(entry.firing.isEmpty)
        #expect(entry.resolved == [AlertFingerprint(labels: ["alertname": "A"])])
        // So when A fires again both hear about it.
        d.ingest([firing("A", startsAt: t0 + 10 * minute)], now: t0 + 10 * minute)
        #expect(d.due(now: t0 + 10 * minute + 30 * second).count == 2)
    }

    @Test func settingsComeFromTheConfiguration() throws {
        let config = try amConfig(Self.twoIntegrations)
        let team = try #require(config.receiver(named: "team"))
        let quiet = try #require(config.receiver(named: "quiet"))
        #expect(team.integrationRefs.map { team.sendsResolved($0) } == [true, false])
        #expect(quiet.integrationRefs.map(\.description) == ["quiet/webhook[0]", "quiet/opslab[0]"])
        #expect(quiet.integrationRefs.map { quiet.sendsResolved($0) } == [false, false])
        #expect(quiet.maxAlerts(quiet.integrationRefs[0]) == 3)
        #expect(team.maxAlerts(team.integrationRefs[0]) == 0)
        let d = NotificationDispatcher(config: config, sendResolved: { $0.integration == "email" })
        #expect(d.sendsResolved(team.integrationRefs[1]))
        #expect(!d.sendsResolved(team.integrationRefs[0]))
    }

    @Test func aReceiverWithoutIntegrationsDropsAlerts() throws {
        let text = Self.twoIntegrations.replacingOccurrences(of: "receiver: team", with: "receiver: blackhole")
        var d = NotificationDispatcher(config: try amConfig(text))
        d.ingest([firing("A")], now: t0)
        #expect(d.run(from: t0, until: t0 + hour).isEmpty)
        d.ingest([resolved("A", at: t0 + hour)], now: t0 + hour)
        _ = d.run(from: t0 + hour, until: t0 + 2 * hour)
        #expect(d.aggregationGroups.isEmpty)
    }

    @Test func continuedRoutesNotifyEachReceiverInItsOwnGroup() throws {
        let text = """
            route:
              receiver: root
              group_by: [alertname]
              routes:
                - {receiver: a, matchers: [x="1"], continue: true}
                - {receiver: b, matchers: [x="1"]}
            receivers:
              - {name: root, webhook_configs: [{url: "http://r/"}]}
              - {name: a, webhook_configs: [{url: "http://a/"}]}
              - {name: b, webhook_configs: [{url: "http://b/"}]}
            """
        var d = NotificationDispatcher(config: try amConfig(text))
        d.ingest([firing("A", ["x": "1"])], now: t0)
        let sent = d.due(now: t0 + 30 * second)
        #expect(sent.map(\.receiver) == ["a", "b"])
        #expect(Set(sent.map(\.groupKey)) == [#"{}/{x="1"}:{alertname="A"}"#])
        #expect(d.aggregationGroups.count == 2)
    }
}
