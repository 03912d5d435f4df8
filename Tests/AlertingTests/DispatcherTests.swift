// The dispatcher's timing and bookkeeping, against Alertmanager 0.25's
// dispatch and dedup rules: group_wait before the first flush (or none for
// alerts that started long ago), group_interval between flushes,
// repeat_interval for unchanged groups, resolution by end time or
// resolve_timeout, merging of re-posted alerts, restarts with a restored
// notification log, and input of every size.

import Foundation
import Testing
@testable import Alerting

private let webhook = IntegrationRef(receiver: "team", integration: "webhook", index: 0)

@Suite struct DispatcherTiming {
    @Test func theFirstFlushComesAfterGroupWait() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([firing("A")], now: t0)
        #expect(d.nextWake(now: t0) == t0 + 30 * second)
        #expect(d.due(now: t0 + 29 * second).isEmpty)
        let sent = d.due(now: t0 + 30 * second)
        #expect(sent.count == 1)
        let n = try #require(sent.first)
        #expect(n.integration == webhook)
        #expect(n.receiver == "team")
        #expect(n.groupKey == #"{}:{alertname="A"}"#)
        #expect(n.groupLabels == ["alertname": "A"])
        #expect(n.status == .firing)
        #expect(n.flushedAt == t0 + 30 * second)
        #expect(n.alerts.first?.startsAt == t0)
        #expect(n.alerts.first?.endsAt == nil)
        #expect(n.alerts.first?.fingerprint == AlertFingerprint(labels: ["alertname": "A"]))
        #expect(n.commonAnnotations == ["summary": "A is up"])
        #expect(d.nextWake(now: t0 + 30 * second) == t0 + 30 * second + 5 * minute)
    }

    @Test func alertsOfTheWaitGoTogetherAndLaterOnesWaitForTheInterval() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([firing("A", ["instance": "1"])], now: t0)
        d.ingest([firing("A", ["instance": "2"], startsAt: t0 + 10 * second)], now: t0 + 10 * second)
        #expect(d.due(now: t0 + 30 * second).map(\.summary) == [["A/1:firing", "A/2:firing"]])
        d.ingest([firing("A", ["instance": "3"], startsAt: t0 + minute)], now: t0 + minute)
        #expect(d.due(now: t0 + 2 * minute).isEmpty)
        #expect(d.nextWake(now: t0 + 2 * minute) == t0 + 5 * minute + 30 * second)
        #expect(d.due(now: t0 + 5 * minute + 30 * second).map(\.summary) == [["A/1:firing", "A/2:firing", "A/3:firing"]])
    }

    @Test func anAlertThatStartedLongAgoIsFlushedAtOnce() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([firing("Old", startsAt: t0 - hour)], now: t0)
        #expect(d.nextWake(now: t0) == t0)
        #expect(d.due(now: t0).count == 1)
        // Exactly group_wait ago is not "already over" (Go's Before is strict).
        d.ingest([firing("Edge", startsAt: t0 - 30 * second)], now: t0)
        #expect(d.aggregationGroups.first { $0.groupKey.contains("Edge") }?.nextFlushAt == t0 + 30 * second)
    }

    @Test func anUnchangedGroupIsRepeatedOnlyAfterRepeatInterval() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([firing("A")], now: t0)
        let firstFlush = t0 + 30 * second
        // 48 flushes later exactly four hours have passed, which is not yet "more than".
        #expect(d.run(from: t0, until: firstFlush + 4 * hour).map(\.flushedAt) == [firstFlush])
        let repeated = d.run(from: firstFlush + 4 * hour, until: firstFlush + 4 * hour + 5 * minute)
        #expect(repeated.map(\.flushedAt) == [firstFlush + 4 * hour + 5 * minute])
        #expect(repeated.first?.summary == ["A:firing"])
    }

    @Test func aResolvedAlertIsNotifiedOnceAndLeavesTheGroup() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([firing("A")], now: t0)
        _ = d.due(now: t0 + 30 * second)
        d.ingest([resolved("A", at: t0 + 2 * minute)], now: t0 + 2 * minute)
        let sent = d.run(from: t0 + 2 * minute, until: t0 + hour)
        #expect(sent.count == 1)
        let n = try #require(sent.first)
        #expect(n.status == .resolved)
        #expect(n.flushedAt == t0 + 5 * minute + 30 * second)
        #expect(n.alerts.first?.endsAt == t0 + 2 * minute)
        #expect(d.aggregationGroups.isEmpty)
        #expect(d.heldAlerts.isEmpty)
        #expect(d.nextWake(now: t0 + hour) == nil)
    }

    @Test func anAlertWithoutAnEndResolvesAfterResolveTimeoutUnlessReposted() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([firing("A", endsAt: nil), firing("B", endsAt: nil)], now: t0)
        #expect(d.due(now: t0 + 30 * second).count == 2)
        // B is posted again within the timeout, which pushes its end out.
        d.ingest([firing("B", endsAt: nil)], now: t0 + 4 * minute)
        let sent = d.due(now: t0 + 5 * minute + 30 * second)
        #expect(sent.map(\.summary) == [["A:resolved"]])
        #expect(sent.first?.alerts.first?.endsAt == t0 + 5 * minute)
        #expect(d.heldAlerts.map(\.labels["alertname"]) == ["B"])
    }

    @Test func aNewFiringAlertIsNewsButAResolvedOneOnlyForSendResolved() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([firing("A", ["instance": "1"]), firing("A", ["instance": "2"])], now: t0)
        _ = d.due(now: t0 + 30 * second)
        d.ingest([resolved("A", ["instance": "2"], at: t0 + minute)], now: t0 + minute)
        #expect(d.due(now: t0 + 5 * minute + 30 * second).map(\.summary) == [["A/1:firing", "A/2:resolved"]])
        #expect(d.due(now: t0 + 10 * minute + 30 * second).isEmpty)

        var quiet = NotificationDispatcher(config: try amConfig(basicConfigText), sendResolved: { _ in false })
        quiet.ingest([firing("A", ["instance": "1"]), firing("A", ["instance": "2"])], now: t0)
        _ = quiet.due(now: t0 + 30 * second)
        quiet.ingest([resolved("A", ["instance": "2"], at: t0 + minute)], now: t0 + minute)
        #expect(quiet.due(now: t0 + 5 * minute + 30 * second).isEmpty)
    }
}

@Suite struct DispatcherBookkeeping {
    @Test func aStaleRepostDoesNotShortenAnAlert() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([firing("A", endsAt: t0 + hour)], now: t0)
        d.ingest([firing("A", startsAt: t0 + minute, endsAt: t0 + 30 * minute)], now: t0 + minute)
        #expect(d.heldAlerts.first?.startsAt == t0)
        #expect(d.heldAlerts.first?.endsAt == t0 + hour)
        // An end that only came from resolve_timeout does not win over an explicit one.
        d.ingest([firing("B", endsAt: nil)], now: t0)
        d.ingest([firing("B", startsAt: t0 + minute, endsAt: t0 + 2 * minute)], now: t0 + minute)
        #expect(d.heldAlerts.first { $0.labels["alertname"] == "B" }?.endsAt == t0 + 2 * minute)
    }

    @Test func alertsAreOrderedByJobThenInstanceThenLabels() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([firing("A", ["instance": "b"]), firing("A", ["zone": "z"]), firing("A", ["instance": "a"]),
                  firing("A", ["job": "j", "instance": "z"])], now: t0)
        #expect(d.due(now: t0 + 30 * second).first?.summary == ["A/z:firing", "A/a:firing", "A/b:firing", "A:firing"])
    }

    @Test func theDedupKeyIdentifiesTheFlush() throws {
        let config = try amConfig(basicConfigText)
        func key(flushAt: Int64) -> String? {
            var d = NotificationDispatcher(config: config)
            d.ingest([firing("A"), firing("A", ["instance": "x"])], now: t0)
            return d.due(now: flushAt).first?.dedupKey
        }
        let key1 = try #require(key(flushAt: t0 + 30 * second))
        #expect(key1.count == 32)
        #expect(key(flushAt: t0 + 30 * second) == key1)
        #expect(key(flushAt: t0 + 31 * second) != key1)
    }

    @Test func theLogIsCollectedAfterItsRetention() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText),
                                       notificationLog: NotificationLog(retentionMs: hour))
        d.ingest([firing("A")], now: t0)
        _ = d.due(now: t0 + 30 * second)
        #expect(d.notificationLog.entry(groupKey: #"{}:{alertname="A"}"#, integration: webhook, at: t0 + minute) != nil)
        #expect(d.notificationLog.entry(groupKey: #"{}:{alertname="A"}"#, integration: webhook, at: t0 + 2 * hour) == nil)
        #expect(d.garbageCollectLog(now: t0 + minute) == 0)
        #expect(d.garbageCollectLog(now: t0 + 2 * hour) == 1)
        #expect(d.notificationLog.allEntries.isEmpty)
    }
}

@Suite struct DispatcherRestart {
    @Test func aRestoredLogPreventsRepeatsInsideRepeatIntervalButSendsADueResolution() throws {
        let config = try amConfig(basicConfigText)
        var before = NotificationDispatcher(config: config)
        before.ingest([firing("A")], now: t0)
        #expect(before.due(now: t0 + 30 * second).count == 1)
        let saved = try JSONEncoder().encode(before.notificationLog)
        let restored = try JSONDecoder().decode(NotificationLog.self, from: saved)
        #expect(restored == before.notificationLog)

        // Restarted ten minutes later; Prometheus posts the alert again.
        var after = NotificationDispatcher(config: config, notificationLog: restored)
        after.ingest([firing("A")], now: t0 + 10 * minute)
        #expect(after.nextWake(now: t0 + 10 * minute) == t0 + 10 * minute)
        #expect(after.run(from: t0 + 10 * minute, until: t0 + 30 * second + 4 * hour).isEmpty)
        #expect(after.run(from: t0 + 30 * second + 4 * hour, until: t0 + 4 * hour + 20 * minute).count == 1)

        // Without the log the same restart notifies again at once.
        var forgetful = NotificationDispatcher(config: config)
        forgetful.ingest([firing("A")], now: t0 + 10 * minute)
        #expect(forgetful.due(now: t0 + 10 * minute).count == 1)

        // The alert resolved while the process was down: the resolution goes out at once.
        var resolvedMeanwhile = NotificationDispatcher(config: config, notificationLog: restored)
        resolvedMeanwhile.ingest([resolved("A", at: t0 + 15 * minute)], now: t0 + 20 * minute)
        let sent = resolvedMeanwhile.due(now: t0 + 20 * minute)
        #expect(sent.map(\.status) == [.resolved])
        #expect(sent.first?.alerts.first?.endsAt == t0 + 15 * minute)
    }

    @Test func theLogReadsBackFromItsJSON() throws {
        let json = #"""
            {"retentionMs": 3600000, "entries": [{"groupKey": "{}:{alertname=\"A\"}",
              "integration": {"receiver": "team", "integration": "webhook", "index": 0},
              "firing": ["0000000000000001"], "resolved": [], "timestamp": "2023-11-14T22:13:50.000Z",
              "expiresAt": "2023-11-14T23:13:50.000Z"}]}
            """#
        let log = try JSONDecoder().decode(NotificationLog.self, from: Data(json.utf8))
        #expect(log.retentionMs == hour)
        let entry = try #require(log.entry(groupKey: #"{}:{alertname="A"}"#, integration: webhook, at: t0))
        #expect(entry.firing == [AlertFingerprint(1)])
        #expect(entry.timestamp == t0 + 30 * second)
        let broken = json.replacingOccurrences(of: "0000000000000001", with: "not-hex")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(NotificationLog.self, from: Data(broken.utf8)) }
    }
}

@Suite struct DispatcherInput {
    @Test func noAlertsMeansNoGroupsAndNoWakeUp() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        #expect(d.ingest([], now: t0).isEmpty)
        #expect(d.nextWake(now: t0) == nil)
        #expect(d.due(now: t0 + hour).isEmpty)
        #expect(d.aggregationGroups.isEmpty)
    }

    @Test func twoHundredAlertsOfOneGroupGoInOneNotification() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        let alerts = (0..<200).map { firing("Many", ["instance": String(format: "i%03d", $0)]) }
        #expect(d.ingest(alerts, now: t0).isEmpty)
        let sent = d.due(now: t0 + 30 * second)
        #expect(sent.count == 1)
        #expect(sent.first?.alerts.count == 200)
        #expect(sent.first?.alerts.first?.labels["instance"] == "i000")
        #expect(sent.first?.alerts.last?.labels["instance"] == "i199")
        #expect(sent.first?.commonLabels == ["alertname": "Many"])
    }

    @Test func tenThousandAlertsInOneIngest() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        let alerts = (0..<10_000).map { firing("Name\($0 % 100)", ["instance": "host-\($0)"]) }
        #expect(d.ingest(alerts, now: t0).isEmpty)
        #expect(d.aggregationGroups.count == 100)
        #expect(d.heldAlerts.count == 10_000)
        let sent = d.due(now: t0 + 30 * second)
        #expect(sent.count == 100)
        #expect(sent.allSatisfy { $0.alerts.count == 100 })
        #expect(Set(sent.flatMap { $0.alerts.map(\.fingerprint) }).count == 10_000)
        #expect(d.due(now: t0 + 5 * minute + 30 * second).isEmpty)
    }

    @Test func invalidAlertsAreRefusedWithAlertmanagersMessagesAndTheRestAccepted() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        let refused = d.ingest([
            IncomingAlert(labels: [:]),
            IncomingAlert(labels: ["only": ""]),
            IncomingAlert(labels: ["bad-name": "x"]),
            IncomingAlert(labels: ["a": "b"], annotations: ["bad name": "x"]),
            IncomingAlert(labels: ["a": "b"], startsAt: t0, endsAt: t0 - 1),
            firing("Fine"),
        ], now: t0)
        #expect(refused.map(\.message) == [
            "at least one label pair required",
            "at least one label pair required",
            #"invalid label set: invalid name "bad-name""#,
            #"invalid annotations: invalid name "bad name""#,
            "start time must be before end time",
        ])
        #expect(d.heldAlerts.map(\.labels) == [["alertname": "Fine"]])
    }

    @Test func emptyLabelValuesAreDroppedAndMissingTimesCompleted() throws {
        var d = NotificationDispatcher(config: try amConfig(basicConfigText))
        d.ingest([IncomingAlert(labels: ["alertname": "A", "empty": ""])], now: t0)
        d.ingest([IncomingAlert(labels: ["alertname": "B"], endsAt: t0 - minute)], now: t0)
        let a = try #require(d.heldAlerts.first { $0.labels["alertname"] == "A" })
        #expect(a.labels == ["alertname": "A"])
        #expect(a.startsAt == t0)
        #expect(a.endsAt == t0 + 5 * minute)
        #expect(a.timeout)
        let b = try #require(d.heldAlerts.first { $0.labels["alertname"] == "B" })
        #expect(b.startsAt == t0 - minute)
        #expect(!b.timeout)
        // A group whose only alert is resolved and never notified sends nothing.
        #expect(d.run(from: t0, until: t0 + hour).map(\.groupKey) == [#"{}:{alertname="A"}"#, #"{}:{alertname="A"}"#])
    }
}
