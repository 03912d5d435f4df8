import Alerting
import Foundation

/// Forwards a notification's alerts to another Alertmanager through its
/// API v2 (POST /api/v2/alerts), for a host that routes locally and also
/// reports to the fleet's Alertmanager.
struct AlertmanagerSink: NotificationSink {
    var endpoint: URL
    var http: HTTPDelivery

    /// `url` is the Alertmanager's base URL (http://host:9093).
    init(url: URL, http: HTTPDelivery) {
        endpoint = url.appendingPathComponent("api/v2/alerts")
        self.http = http
    }

    private struct Posted: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String?
        var generatorURL: String
    }

    func deliver(_ notification: AlertNotification) -> DeliveryOutcome {
        let alerts = notification.alerts.map { alert in
            Posted(labels: alert.labels, annotations: alert.annotations, startsAt: RFC3339.withMilliseconds(alert.startsAt),
                   endsAt: alert.endsAt.map(RFC3339.withMilliseconds), generatorURL: alert.generatorURL)
        }
        guard let body = try? JSONEncoder().encode(alerts) else { return .rejected("the alerts could not be encoded") }
        return http.post(endpoint, body: body)
    }
}
