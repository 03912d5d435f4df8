import Alerting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Telemetry
import Workbench

/// Sends alerts to Alertmanagers through their API v2, as Prometheus's
/// notifier does: a bounded queue (the oldest alerts go when it is full),
/// batches of up to 64 alerts posted to every Alertmanager, each post with
/// a timeout. A failed post is counted and logged, not retried: firing
/// alerts are sent again every resend delay, and Alertmanager resolves an
/// alert it stops hearing about at its endsAt.
final class AlertmanagerNotifier: AlertSender, @unchecked Sendable {
    let endpoints: [URL]
    let logger: Logger
    let capacity = 10_000
    let batchSize = 64
    let timeout: TimeInterval = 10

    private let lock = NSLock()
    private var queue: [PostableAlert] = []
    private let wake = DispatchSemaphore(value: 0)
    private var sent: [String: Int] = [:]
    private var errors: [String: Int] = [:]
    private var dropped = 0

    /// `urls` are Alertmanager base URLs (http://host:9093); they are checked by the caller.
    init(urls: [URL], logger: Logger) {
        endpoints = urls.map { $0.appendingPathComponent("api/v2/alerts") }
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            while true {
                wake.wait()
                while let batch = nextBatch() { post(batch) }
            }
        }
        thread.name = "opslab-notifier"
        thread.start()
    }

    /// Queues alerts for every Alertmanager.
    func send(_ alerts: [PostableAlert]) {
        guard !alerts.isEmpty else { return }
        lock.withLock {
            queue += alerts
            if queue.count > capacity {
                dropped += queue.count - capacity
                queue.removeFirst(queue.count - capacity)
            }
        }
        wake.signal()
    }

    private func nextBatch() -> [PostableAlert]? {
        lock.withLock {
            guard !queue.isEmpty else { return nil }
            let batch = Array(queue.prefix(batchSize))
            queue.removeFirst(batch.count)
            return batch
        }
    }

    private func post(_ batch: [PostableAlert]) {
        guard let body = try? JSONEncoder().encode(batch) else { return }
        let group = DispatchGroup()
        for endpoint in endpoints {
            var request = URLRequest(url: endpoint, timeoutInterval: timeout)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue("opslab/\(Workbench.version)", forHTTPHeaderField: "User-Agent")
            request.httpBody = body
            group.enter()
            URLSession.shared.dataTask(with: request) { [self] _, response, error in
                defer { group.leave() }
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                let key = endpoint.absoluteString
                if error == nil, (200..<300).contains(status) {
                    lock.withLock { sent[key, default: 0] += batch.count }
                } else {
                    lock.withLock { errors[key, default: 0] += batch.count }
                    logger.warning("alerts not delivered to Alertmanager", metadata: [
                        "alertmanager": "\(key)", "alerts": "\(batch.count)",
                        "error": "\(error.map { "\($0.localizedDescription)" } ?? "HTTP \(status)")"])
                }
            }.resume()
        }
        group.wait()
    }

    /// Notification counters in the Prometheus text format.
    func exposition() -> String {
        let (sent, errors, dropped, queued) = lock.withLock { (self.sent, self.errors, self.dropped, queue.count) }
        var text = "# HELP opslab_notifications_sent_total Alerts delivered to each Alertmanager.\n# TYPE opslab_notifications_sent_total counter\n"
        for endpoint in endpoints.map(\.absoluteString) {
            text += "opslab_notifications_sent_total{alertmanager=\"\(PrometheusText.escapeLabelValue(endpoint))\"} \(sent[endpoint] ?? 0)\n"
        }
        text += "# HELP opslab_notifications_errors_total Alerts an Alertmanager did not accept (refused, unreachable, timed out).\n# TYPE opslab_notifications_errors_total counter\n"
        for endpoint in endpoints.map(\.absoluteString) {
            text += "opslab_notifications_errors_total{alertmanager=\"\(PrometheusText.escapeLabelValue(endpoint))\"} \(errors[endpoint] ?? 0)\n"
        }
        text += "# HELP opslab_notifications_dropped_total Alerts dropped because the queue was full.\n# TYPE opslab_notifications_dropped_total counter\nopslab_notifications_dropped_total \(dropped)\n"
        text += "# HELP opslab_notifications_queue_length Alerts waiting to be sent.\n# TYPE opslab_notifications_queue_length gauge\nopslab_notifications_queue_length \(queued)\n"
        return text
    }
}
