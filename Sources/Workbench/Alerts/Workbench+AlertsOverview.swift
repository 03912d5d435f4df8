import Alerting
import Foundation
import Notifications
import PromQL

/// What `:alerts` shows: the alerts firing and pending as the store has them
/// (serve writes `ALERTS`; the shell's rules add theirs), the silences, what
/// the notifier last sent where, and what waits in the outbox. It reads the
/// same database serve writes, so it shows a running serve's state.
public struct AlertsOverview {
    /// One alert: its name, `firing` or `pending`, and its other labels.
    public struct Alert {
        public var name: String
        public var state: String
        public var labels: [String: String]
    }

    public var alerts: [Alert]
    public var silences: [(silence: Silence, state: SilenceState)]
    /// The notification log: the last notification of each group to each integration.
    public var sent: [NotificationLog.Entry]
    /// Outbox entries by integration.
    public var outbox: [String: (pending: Int, dead: Int)]
}

extension Workbench {
    /// The overview at `now` (ms).
    public func alertsOverview(now: Int64 = Int64(Date().timeIntervalSince1970 * 1_000)) throws -> AlertsOverview {
        var alerts: [AlertsOverview.Alert] = []
        for element in try queryEngine().instant("ALERTS", at: now).vector ?? [] {
            var labels = element.labels.dictionary
            let name = labels.removeValue(forKey: "alertname") ?? ""
            let state = labels.removeValue(forKey: "alertstate") ?? ""
            labels.removeValue(forKey: "__name__")
            alerts.append(.init(name: name, state: state, labels: labels))
        }
        // The shell's own rules, from their last evaluation.
        for rule in rules.groups.filter({ $0.file.isEmpty }).flatMap(\.alertingRules) {
            for alert in rule.alerts where alert.state != .inactive {
                alerts.append(.init(name: rule.name, state: alert.state.rawValue, labels: alert.labels.dictionary))
            }
        }
        alerts.sort { ($0.state, $0.name, $0.labels.description) < ($1.state, $1.name, $1.labels.description) }

        try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true)
        let outbox = try NotificationOutbox(path: paths.home + "/opslab.db")
        let log = try outbox.state(Notifier.StateName.notificationLog).map { try JSONDecoder().decode(NotificationLog.self, from: $0) }
        return AlertsOverview(
            alerts: alerts,
            silences: try SilenceStore(outbox: outbox).list(at: now).filter { $0.state != .expired },
            sent: (log?.allEntries ?? []).sorted { $0.timestamp > $1.timestamp },
            outbox: try outbox.counts())
    }
}
