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

    func deliver(_ notification: AlertNotification) -> DeliveryOutcome {
        guard let body = try? JSONEncoder().encode(notification.alerts.map(PostableAlert.init)) else {
            return .rejected("the alerts could not be encoded")
        }
        return http.post(endpoint, body: body)
    }
}
