import Alerting
import Foundation

/// Alertmanager's webhook integration: the version 4 payload POSTed to a
/// URL, cut to `max_alerts`, with basic or bearer authentication.
struct WebhookSink: NotificationSink {
    var url: URL
    var maxAlerts: Int
    var externalURL: String
    /// The Authorization header, when configured.
    var authorization: String?
    var http: HTTPDelivery

    func deliver(_ notification: AlertNotification) -> DeliveryOutcome {
        let payload = WebhookPayload(notification, externalURL: externalURL, maxAlerts: maxAlerts)
        guard let body = try? payload.jsonData() else { return .rejected("the payload could not be encoded") }
        return http.post(url, body: body, headers: authorization.map { ["Authorization": $0] } ?? [:])
    }
}
