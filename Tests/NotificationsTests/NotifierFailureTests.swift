import Alerting
import Foundation
import GRDB
import Logging
import Notifications
import Telemetry
import Testing

/// A sink that blocks inside deliver until released, as a receiver that
/// accepts the connection and never answers.
final class HangingSink: NotificationSink, @unchecked Sendable {
    let entered = Locked(false)
    private let gate = DispatchSemaphore(value: 0)

    func deliver(_ notification: AlertNotification) -> DeliveryOutcome {
        entered.withLock { $0 = true }
        gate.wait()
        return .retry("released", afterMs: nil)
    }

    func release() { gate.signal() }
}

@Suite("The notifier when things go wrong")
struct NotifierFailureTests {
    @Test func aSinkThatHangsDelaysNoOther() throws {
        let config = try AlertmanagerConfig.parse("""
            route: {receiver: team, group_wait: 0s, group_interval: 1h}
            receivers: [{name: team, webhook_configs: [{url: "http://127.0.0.1:9/a"}, {url: "http://127.0.0.1:9/b"}]}]
            """, file: "am.yml")
        let hung = HangingSink(), fine = ScriptedSink()
        let first = IntegrationRef(receiver: "team", integration: "webhook", index: 0)
        let second = IntegrationRef(receiver: "team", integration: "webhook", index: 1)
        let notifier = try Notifier(config: config, sinks: [first: hung, second: fine],
                                    outbox: NotificationOutbox(path: try temporaryDatabase()), logger: Logger(label: "test"))
        notifier.start()
        defer {
            notifier.stop()
            hung.release()
        }
        notifier.receive([IncomingAlert(labels: ["alertname": "Disk"])])
        let deadline = Date().addingTimeInterval(10)
        while (fine.received.current.isEmpty || !hung.entered.current) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(hung.entered.current, "the hanging sink was called")
        #expect(fine.received.current.map(\.status) == [.firing], "and the other sink delivered while it hung")
    }

    @Test func aStoreThatRefusesWritesPausesDeliveryAndLosesNothing() throws {
        let h = try NotifierHarness()
        let notifier = try h.notifier()
        // Another process holds the database: every write fails (after the busy timeout).
        var holding = Configuration()
        holding.allowsUnsafeTransactions = true
        let other = try DatabaseQueue(path: h.path, configuration: holding)
        try other.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }
        let now = h.clock.now.current
        notifier.receive([IncomingAlert(labels: ["alertname": "Disk"], startsAt: now, endsAt: now + 600_000)])
        h.clock.advance(1_000)
        notifier.dispatchPass()
        #expect(h.sink.received.current.isEmpty)
        try other.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        // The notification waited in memory and is stored, then delivered, once.
        h.run(notifier, after: 1_000)
        h.run(notifier, after: 1_000)
        #expect(h.sink.received.current.map(\.status) == [.firing])
        #expect(try NotificationOutbox(path: h.path).entries().isEmpty)
    }
}
