import Alerting

/// Where notifications go: a webhook, a file, a command, an Alertmanager.
/// One sink serves one integration of a receiver; the notifier calls it from
/// that integration's own thread, so a sink that hangs delays no other.
public protocol NotificationSink: Sendable {
    /// Delivers one notification and says how it went; returns within the
    /// sink's timeout.
    func deliver(_ notification: AlertNotification) -> DeliveryOutcome
}

/// How one delivery attempt went.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The sink confirmed it: the notification leaves the outbox.
    case delivered
    /// It may work later (refused with 5xx or 429, unreachable, timed out):
    /// tried again after the backoff, or after `afterMs` when the sink said when.
    case retry(String, afterMs: Int64?)
    /// It will never work as it is (a 4xx other than 429): a dead letter at once.
    case rejected(String)
}
