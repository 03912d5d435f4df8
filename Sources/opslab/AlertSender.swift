import Alerting
import Notifications

/// Where serve's rule evaluation hands the alerts Prometheus would send.
protocol AlertSender: Sendable {
    /// Takes alerts to send; returns at once.
    func send(_ alerts: [PostableAlert])
    /// The sender's own metrics, in the Prometheus text format.
    func exposition() -> String
}

/// The embedded notifier (`--notify`) takes alerts as Alertmanager's API
/// v2 would receive them.
extension Notifier: AlertSender {
    func send(_ alerts: [PostableAlert]) {
        receive(alerts.map(IncomingAlert.init))
    }
}
