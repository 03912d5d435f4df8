import Alerting
import Foundation
import Logging
@testable import Notifications
import Testing

/// A fresh database path in a temporary folder.
func temporaryDatabase() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("opslab-notify-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("opslab.db").path
}

/// Notifications as the dispatcher makes them, for `receiver`'s webhook.
func notifications(_ count: Int, receiver: String = "team", at now: Int64 = 1_000) throws -> [AlertNotification] {
    let config = try AlertmanagerConfig.parse("""
        route: {receiver: \(receiver), group_by: [alertname], group_wait: 0s}
        receivers: [{name: \(receiver), webhook_configs: [{url: "http://127.0.0.1:9/hook"}]}]
        """, file: "am.yml")
    var dispatcher = NotificationDispatcher(config: config)
    dispatcher.ingest((0..<count).map { IncomingAlert(labels: ["alertname": "A\($0)"], startsAt: now) }, now: now)
    return dispatcher.due(now: now)
}

@Suite("The notification outbox")
struct OutboxTests {
    @Test func storedNotificationsSurviveReopeningAndAreStoredOnce() throws {
        let path = try temporaryDatabase()
        let sent = try notifications(3)
        try NotificationOutbox(path: path).enqueue(sent, now: 1_000)
        let reopened = try NotificationOutbox(path: path)
        // The same notifications again (a flush replayed after a crash) keep one row each.
        try reopened.enqueue(sent, now: 2_000)
        let entries = try reopened.entries()
        #expect(entries.map(\.notification) == sent)
        #expect(entries.allSatisfy { !$0.dead && $0.attempts == 0 && $0.createdAt == 1_000 })
        #expect(try reopened.due(for: sent[0].integration, now: 1_000).count == 3)
    }

    @Test func deliveredEntriesLeave() throws {
        let outbox = try NotificationOutbox(path: try temporaryDatabase())
        try outbox.enqueue(try notifications(2), now: 0)
        let first = try outbox.entries()[0]
        try outbox.delivered(first.id)
        #expect(try outbox.entries().map(\.id) == [first.id + 1])
    }

    @Test func failuresBackOffThenBecomeDeadLetters() throws {
        let policy = RetryPolicy(initialBackoffMs: 1_000, maxBackoffMs: 8_000, maxAttempts: 5, jitter: 0)
        let outbox = try NotificationOutbox(path: try temporaryDatabase(), policy: policy)
        try outbox.enqueue(try notifications(1), now: 0)
        let id = try outbox.entries()[0].id
        var now: Int64 = 0
        var waits: [Int64] = []
        for _ in 0..<4 {
            #expect(try outbox.failed(id, error: "HTTP 500", now: now) == false)
            let entry = try outbox.entries()[0]
            waits.append(entry.nextAttemptAt - now)
            now = entry.nextAttemptAt
        }
        #expect(waits == [1_000, 2_000, 4_000, 8_000])
        #expect(try outbox.failed(id, error: "HTTP 500", now: now) == true)
        let dead = try outbox.entries()[0]
        #expect(dead.dead && dead.attempts == 5 && dead.lastError == "HTTP 500")
        #expect(try outbox.due(for: dead.notification.integration, now: .max).isEmpty)
        #expect(try outbox.retryDead(now: now) == 1)
        #expect(try outbox.due(for: dead.notification.integration, now: now).map(\.id) == [id])
    }

    @Test func retryAfterIsHonouredAndRejectionsDieAtOnce() throws {
        let outbox = try NotificationOutbox(path: try temporaryDatabase(), policy: RetryPolicy(jitter: 0))
        try outbox.enqueue(try notifications(2), now: 0)
        let (a, b) = (try outbox.entries()[0].id, try outbox.entries()[1].id)
        try outbox.failed(a, error: "HTTP 429", retryAfterMs: 30_000, now: 0)
        try outbox.failed(b, error: "HTTP 400", permanent: true, now: 0)
        let entries = try outbox.entries()
        #expect(entries[0].nextAttemptAt == 30_000 && !entries[0].dead)
        #expect(entries[1].dead && entries[1].attempts == 1)
    }

    @Test(arguments: [0, 1, 2, 40, 10_000])
    func backoffStaysWithinItsBounds(attempt: Int) {
        let policy = RetryPolicy(initialBackoffMs: 500, maxBackoffMs: 60_000, maxAttempts: 10, jitter: 0.2)
        let wait = policy.backoffMs(afterAttempt: attempt)
        #expect(wait >= 400 && wait <= 72_000)
    }

    @Test func policyClampsNonsense() {
        let policy = RetryPolicy(initialBackoffMs: -5, maxBackoffMs: 0, maxAttempts: 0, jitter: .nan)
        #expect(policy.initialBackoffMs == 1 && policy.maxBackoffMs == 1 && policy.maxAttempts == 1)
        #expect(policy.backoffMs(afterAttempt: 3) >= 0)
    }

    @Test func tenThousandNotificationsInOneTransaction() throws {
        let outbox = try NotificationOutbox(path: try temporaryDatabase())
        let many = try notifications(10_000)
        try outbox.enqueue(many, now: 0)
        #expect(try outbox.counts().values.reduce(0) { $0 + $1.pending } == many.count)
    }

    @Test func silencesAreSharedThroughTheDatabase() throws {
        let path = try temporaryDatabase()
        let now = Int64(Date().timeIntervalSince1970 * 1_000)
        let silence = try Silence(matchers: "alertname=Disk", startsAt: now, endsAt: now + 3_600_000, createdBy: "me", comment: "maintenance")
        let id = try SilenceStore(outbox: try NotificationOutbox(path: path)).add(silence, now: now)
        let other = SilenceStore(outbox: try NotificationOutbox(path: path))
        #expect(try other.list(at: now).map(\.silence.id) == [id])
        try other.expire(id: id, now: now + 1)
        #expect(try other.list(at: now + 2).map(\.state) == [.expired])
        #expect(throws: SilenceError.self) { try other.expire(id: "missing", now: now) }
    }
}
