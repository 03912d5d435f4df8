import Alerting
import Foundation
import Logging
@testable import Notifications
import Telemetry
import Testing

/// A sink that answers from a script and records what it was given.
final class ScriptedSink: NotificationSink, @unchecked Sendable {
    let outcomes: Locked<[DeliveryOutcome]>
    let received = Locked<[AlertNotification]>([])

    init(_ outcomes: [DeliveryOutcome] = []) { self.outcomes = Locked(outcomes) }

    func deliver(_ notification: AlertNotification) -> DeliveryOutcome {
        received.withLock { $0.append(notification) }
        return outcomes.withLock { $0.isEmpty ? .delivered : $0.removeFirst() }
    }
}

/// A clock the test moves.
final class TestClock: @unchecked Sendable {
    let now = Locked<Int64>(1_000_000)
    func advance(_ ms: Int64) { now.withLock { $0 += ms } }
}

struct NotifierHarness {
    let path: String
    let clock: TestClock
    let sink: ScriptedSink
    let ref = IntegrationRef(receiver: "team", integration: "webhook", index: 0)
    let config: AlertmanagerConfig

    init(path: String? = nil, clock: TestClock = TestClock(), sink: ScriptedSink = ScriptedSink()) throws {
        self.path = try path ?? temporaryDatabase()
        self.clock = clock
        self.sink = sink
        config = try AlertmanagerConfig.parse("""
            route: {receiver: team, group_by: [alertname], group_wait: 1s, group_interval: 5s, repeat_interval: 1h}
            receivers: [{name: team, webhook_configs: [{url: "http://127.0.0.1:9/hook"}]}]
            """, file: "am.yml")
    }

    func notifier() throws -> Notifier {
        let clock = self.clock
        return try Notifier(config: config, sinks: [ref: sink], outbox: try NotificationOutbox(path: path, policy: RetryPolicy(jitter: 0)),
                            logger: Logger(label: "test"), clock: { clock.now.current })
    }

    /// Lets `ms` pass, then runs one dispatch and one delivery pass, as the
    /// notifier's threads would.
    func run(_ notifier: Notifier, after ms: Int64) {
        clock.advance(ms)
        notifier.dispatchPass()
        notifier.deliveryPass(ref, sink)
    }
}

@Suite("The embedded notifier")
struct NotifierTests {
    @Test func firingThenResolvedEachDeliveredOnce() throws {
        let h = try NotifierHarness()
        let notifier = try h.notifier()
        let start = h.clock.now.current
        notifier.receive([IncomingAlert(labels: ["alertname": "Disk"], startsAt: start, endsAt: start + 60_000)])
        notifier.dispatchPass()
        #expect(h.sink.received.current.isEmpty, "group_wait has not passed")
        h.run(notifier, after: 1_000)
        #expect(h.sink.received.current.map(\.status) == [.firing])
        // Flushes within repeat_interval send nothing again.
        for _ in 0..<3 {
            h.clock.advance(5_000)
            notifier.receive([IncomingAlert(labels: ["alertname": "Disk"], startsAt: start, endsAt: h.clock.now.current + 60_000)])
            notifier.dispatchPass()
            notifier.deliveryPass(h.ref, h.sink)
        }
        #expect(h.sink.received.current.count == 1)
        notifier.receive([IncomingAlert(labels: ["alertname": "Disk"], startsAt: start, endsAt: h.clock.now.current)])
        h.run(notifier, after: 5_000)
        #expect(h.sink.received.current.map(\.status) == [.firing, .resolved])
        #expect(try NotificationOutbox(path: h.path).entries().isEmpty)
    }

    @Test func aRestartNeitherLosesNorRepeats() throws {
        let down = ScriptedSink([.retry("connection refused", afterMs: nil)])
        let h = try NotifierHarness(sink: down)
        let first = try h.notifier()
        let start = h.clock.now.current
        first.receive([IncomingAlert(labels: ["alertname": "Disk"], startsAt: start, endsAt: start + 600_000)])
        h.run(first, after: 1_000)
        #expect(try NotificationOutbox(path: h.path).entries().map(\.attempts) == [1])

        // A new process on the same database: the alert arrives again from the
        // rule evaluation, the log says it was notified, the outbox still holds it.
        let second = try NotifierHarness(path: h.path, clock: h.clock, sink: h.sink).notifier()
        second.receive([IncomingAlert(labels: ["alertname": "Disk"], startsAt: start, endsAt: start + 600_000)])
        h.run(second, after: 2_000)
        #expect(h.sink.received.current.map(\.status) == [.firing, .firing], "the retry, not a new notification")
        #expect(Set(h.sink.received.current.map(\.dedupKey)).count == 1)
        #expect(try NotificationOutbox(path: h.path).entries().isEmpty)
    }

    @Test func anAlertThatResolvedWhileDownIsStillNotifiedResolved() throws {
        let h = try NotifierHarness()
        let first = try h.notifier()
        let start = h.clock.now.current
        first.receive([IncomingAlert(labels: ["alertname": "Disk"], startsAt: start, endsAt: start + 60_000)])
        h.run(first, after: 1_000)
        #expect(h.sink.received.current.map(\.status) == [.firing])

        // The process dies; nobody posts the alert again. A new process on
        // the same database takes back what the old one held.
        h.clock.advance(120_000)
        let second = try h.notifier()
        #expect(second.groups.count == 1)
        h.run(second, after: 1_000)
        h.run(second, after: 5_000)
        #expect(h.sink.received.current.map(\.status) == [.firing, .resolved])
        #expect(try NotificationOutbox(path: h.path).entries().isEmpty)
    }

    @Test func silencesFromTheDatabaseAreHonouredAtOnce() throws {
        let h = try NotifierHarness()
        let notifier = try h.notifier()
        let now = h.clock.now.current
        let silence = try Silence(matchers: "alertname=Disk", startsAt: now, endsAt: now + 3_600_000, createdBy: "me", comment: "work")
        _ = try SilenceStore(outbox: try NotificationOutbox(path: h.path)).add(silence, now: now)
        notifier.receive([IncomingAlert(labels: ["alertname": "Disk"], startsAt: now, endsAt: now + 60_000),
                          IncomingAlert(labels: ["alertname": "Load"], startsAt: now, endsAt: now + 60_000)])
        h.run(notifier, after: 1_000)
        #expect(h.sink.received.current.flatMap { $0.alerts.map { $0.labels["alertname"] } } == ["Load"])
    }

    @Test func aRejectedNotificationIsADeadLetterAndLaterOnesStillGo() throws {
        let sink = ScriptedSink([.rejected("HTTP 400: bad payload")])
        let h = try NotifierHarness(sink: sink)
        let notifier = try h.notifier()
        let now = h.clock.now.current
        notifier.receive([IncomingAlert(labels: ["alertname": "A"], startsAt: now, endsAt: now + 60_000),
                          IncomingAlert(labels: ["alertname": "B"], startsAt: now, endsAt: now + 60_000)])
        h.run(notifier, after: 1_000)
        let entries = try NotificationOutbox(path: h.path).entries()
        #expect(entries.count == 1 && entries[0].dead && entries[0].lastError == "HTTP 400: bad payload")
        #expect(sink.received.current.count == 2)
        #expect(notifier.exposition().contains("opslab_notifications_dead_total{integration=\"team/webhook[0]\"} 1"))
    }

    @Test func aFailingSinkWaitsForItsBackoff() throws {
        let sink = ScriptedSink([.retry("HTTP 503", afterMs: 20_000)])
        let h = try NotifierHarness(sink: sink)
        let notifier = try h.notifier()
        let now = h.clock.now.current
        notifier.receive([IncomingAlert(labels: ["alertname": "A"], startsAt: now, endsAt: now + 600_000)])
        h.run(notifier, after: 1_000)
        h.clock.advance(10_000)
        notifier.deliveryPass(h.ref, h.sink)
        #expect(sink.received.current.count == 1, "Retry-After is 20 s")
        h.clock.advance(10_000)
        notifier.deliveryPass(h.ref, h.sink)
        #expect(sink.received.current.count == 2)
        #expect(try NotificationOutbox(path: h.path).entries().isEmpty)
    }
}
