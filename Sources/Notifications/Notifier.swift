// The embedded notifier behind `opslab serve --notify FILE`: alerts in,
// notifications delivered, nothing lost.
//
// Threads:
//   - the caller (serve's rule evaluation) hands alerts to `receive`;
//   - one dispatch thread flushes due groups through the dispatcher and
//     writes the notifications to the outbox, with the notification log, in
//     one transaction; when the store refuses the write (disk full, read
//     only) the notifications wait in memory and the write is tried again
//     every second, so delivery pauses and nothing is dropped;
//   - one delivery thread per integration takes that integration's due
//     entries from the outbox, in order, and records each outcome, so a sink
//     that hangs holds up only itself.
//
// Silences are read from the outbox's saved state on every pass, so one
// added from the CLI or the shell is honoured within a second.
//
// The alerts held (what the groups know) are saved with the notification
// log whenever they change, and taken back on start: an alert that was
// firing before a crash and resolved while serve was down still gets its
// resolved notification, which Alertmanager, keeping them in memory, loses.

import Alerting
import Foundation
import Logging
import Telemetry

/// Routes, groups and delivers alerts through an outbox.
public final class Notifier: @unchecked Sendable {
    /// The saved-state names.
    public enum StateName {
        /// The notification log (JSON).
        public static let notificationLog = "notification_log"
        /// The silences (API v2 JSON).
        public static let silences = "silences"
        /// The alerts held, as they would be posted again (JSON).
        public static let heldAlerts = "held_alerts"
    }

    private let outbox: NotificationOutbox
    private let sinks: [IntegrationRef: any NotificationSink]
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let dispatcher: Locked<NotificationDispatcher>
    private let unsaved = Locked<[AlertNotification]>([])
    private let savedLog = Locked<NotificationLog?>(nil)
    private let savedHeldRevision = Locked<Int?>(nil)
    private let wakeDispatch = DispatchSemaphore(value: 0)
    private let stopping = Locked(false)
    private let wakeDelivery: [IntegrationRef: DispatchSemaphore]
    private let counters = Locked<[String: (delivered: Int, failed: Int, dead: Int)]>([:])

    /// A notifier for `config`, delivering through `sinks` (one per
    /// integration, from SinkFactory); the notification log is restored from the outbox.
    public init(config: AlertmanagerConfig, sinks: [IntegrationRef: any NotificationSink], outbox: NotificationOutbox,
                logger: Logger, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1_000) }) throws {
        let decoder = JSONDecoder()
        let log = try outbox.state(StateName.notificationLog).map { try decoder.decode(NotificationLog.self, from: $0) }
        var restored = NotificationDispatcher(config: config, notificationLog: log ?? NotificationLog())
        let held = try outbox.state(StateName.heldAlerts).map { try decoder.decode([IncomingAlert].self, from: $0) } ?? []
        restored.ingest(held, now: clock())
        dispatcher = Locked(restored)
        savedLog.withLock { $0 = log }
        savedHeldRevision.withLock { $0 = restored.heldRevision }
        self.outbox = outbox
        self.sinks = sinks
        self.logger = logger
        self.clock = clock
        wakeDelivery = sinks.mapValues { _ in DispatchSemaphore(value: 0) }
    }

    /// Starts the dispatch thread and one delivery thread per integration.
    public func start() {
        spawn("opslab-notify-dispatch") { [self] in
            while !stopping.current {
                let wait = dispatchPass()
                _ = wakeDispatch.wait(timeout: .now() + .milliseconds(Int(wait)))
            }
        }
        for (integration, sink) in sinks {
            spawn("opslab-notify-\(integration)") { [self] in
                while !stopping.current {
                    let wait = deliveryPass(integration, sink)
                    _ = wakeDelivery[integration]?.wait(timeout: .now() + .milliseconds(Int(wait)))
                }
            }
        }
    }

    /// Ends the threads after their current pass; what is stored stays for the next start.
    public func stop() {
        stopping.withLock { $0 = true }
        wakeDispatch.signal()
        for wake in wakeDelivery.values { wake.signal() }
    }

    /// Receives alerts as Alertmanager's API v2 does; returns the refused ones.
    @discardableResult
    public func receive(_ alerts: [IncomingAlert]) -> [AlertRejection] {
        guard !alerts.isEmpty else { return [] }
        let now = clock()
        let rejections = dispatcher.withLock { $0.ingest(alerts, now: now) }
        for rejection in rejections {
            logger.warning("alert refused", metadata: ["error": "\(rejection)"])
        }
        wakeDispatch.signal()
        return rejections
    }

    // MARK: - Passes (also called directly by tests)

    /// Flushes due groups into the outbox; returns how long to sleep (ms).
    @discardableResult
    public func dispatchPass() -> Int64 {
        let now = clock()
        let silences = loadSilences()
        let savedRevision = savedHeldRevision.current
        let (fresh, log, held, revision, next) = dispatcher.withLock { dispatcher in
            let notifications = dispatcher.due(now: now, silences: silences)
            dispatcher.garbageCollectLog(now: now)
            // The held alerts are copied out only when they changed since last saved.
            let held = dispatcher.heldRevision == savedRevision ? nil : dispatcher.heldAlerts
            return (notifications, dispatcher.notificationLog, held, dispatcher.heldRevision, dispatcher.nextWake(now: now))
        }
        let batch = unsaved.withLock { pending in
            pending += fresh
            return pending
        }
        var state: [String: Data] = [:]
        do {
            // The log goes with the notifications it records, in one transaction.
            if !batch.isEmpty || savedLog.current != log { state[StateName.notificationLog] = try JSONEncoder().encode(log) }
            if let held { state[StateName.heldAlerts] = try JSONEncoder().encode(held.map(IncomingAlert.init)) }
        } catch {
            logger.error("notifier state not encodable", metadata: ["error": "\(error)"])
        }
        if !batch.isEmpty || !state.isEmpty {
            do {
                try outbox.enqueue(batch, state: state, now: now)
                unsaved.withLock { $0.removeFirst(min(batch.count, $0.count)) }
                savedLog.withLock { $0 = log }
                savedHeldRevision.withLock { $0 = revision }
                for notification in batch { wakeDelivery[notification.integration]?.signal() }
            } catch {
                logger.error("delivery paused: notifications cannot be stored; they are kept in memory and stored when the store accepts them",
                             metadata: ["waiting": "\(batch.count)", "error": "\(error)"])
            }
        }
        return min(1_000, max(10, (next ?? now + 1_000) - now))
    }

    /// Delivers `integration`'s due entries; returns how long to sleep (ms).
    @discardableResult
    public func deliveryPass(_ integration: IntegrationRef, _ sink: any NotificationSink) -> Int64 {
        do {
            for entry in try outbox.due(for: integration, now: clock()) {
                let outcome = sink.deliver(entry.notification)
                let now = clock()
                switch outcome {
                case .delivered:
                    try outbox.delivered(entry.id)
                    count(integration) { $0.delivered += 1 }
                case .retry(let why, let afterMs):
                    let dead = try outbox.failed(entry.id, error: why, retryAfterMs: afterMs, now: now)
                    report(entry, integration, why, dead: dead)
                    // Later entries of a failing sink would fail the same way; wait for the backoff.
                    return wait(for: integration, now: now)
                case .rejected(let why):
                    try outbox.failed(entry.id, error: why, permanent: true, now: now)
                    report(entry, integration, why, dead: true)
                }
            }
            return wait(for: integration, now: clock())
        } catch {
            logger.error("outbox not readable", metadata: ["integration": "\(integration)", "error": "\(error)"])
            return 1_000
        }
    }

    private func wait(for integration: IntegrationRef, now: Int64) -> Int64 {
        let next = (try? outbox.nextAttempt(for: integration)) ?? nil
        return min(1_000, max(5, (next ?? now + 1_000) - now))
    }

    private func report(_ entry: OutboxEntry, _ integration: IntegrationRef, _ why: String, dead: Bool) {
        count(integration) { dead ? ($0.dead += 1) : ($0.failed += 1) }
        let metadata: Logger.Metadata = ["integration": "\(integration)", "group": "\(entry.notification.groupKey)",
                                         "attempt": "\(entry.attempts + 1)", "error": "\(why)"]
        if dead {
            logger.error("notification is a dead letter; `opslab alerts outbox --retry-dead` sends it again", metadata: metadata)
        } else {
            logger.warning("notification not delivered; will retry", metadata: metadata)
        }
    }

    private func count(_ integration: IntegrationRef, _ change: (inout (delivered: Int, failed: Int, dead: Int)) -> Void) {
        counters.withLock { change(&$0[integration.description, default: (0, 0, 0)]) }
    }

    private func loadSilences() -> Silences {
        do {
            guard let data = try outbox.state(StateName.silences) else { return Silences() }
            return try JSONDecoder().decode(Silences.self, from: data)
        } catch {
            logger.error("silences not readable; notifying without them", metadata: ["error": "\(error)"])
            return Silences()
        }
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    // MARK: - Inspection

    /// The aggregation groups held now.
    public var groups: [AggregationGroup] { dispatcher.withLock { $0.aggregationGroups } }

    /// Delivery counters and outbox sizes in the Prometheus text format.
    public func exposition() -> String {
        let counts = counters.current
        let outboxCounts = (try? outbox.counts()) ?? [:]
        let names = Set(sinks.keys.map(\.description)).sorted()
        func family(_ name: String, _ type: String, _ help: String, _ value: (String) -> Int) -> String {
            "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" + names.map { integration in
                "\(name){integration=\"\(PrometheusText.escapeLabelValue(integration))\"} \(value(integration))\n"
            }.joined()
        }
        return family("opslab_notifications_delivered_total", "counter", "Notifications a sink confirmed.") { counts[$0]?.delivered ?? 0 }
            + family("opslab_notifications_failed_total", "counter", "Delivery attempts that failed and will be retried.") { counts[$0]?.failed ?? 0 }
            + family("opslab_notifications_dead_total", "counter", "Notifications given up on (dead letters).") { counts[$0]?.dead ?? 0 }
            + family("opslab_notifications_pending", "gauge", "Notifications waiting in the outbox.") { outboxCounts[$0]?.pending ?? 0 }
    }
}
