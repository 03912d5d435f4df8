import Foundation
import Telemetry
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP POST with a deadline, turned into a delivery outcome as
/// Alertmanager's notifiers judge responses: 2xx delivered; 429 and 5xx
/// retried (429's Retry-After honoured); any other status is a rejection.
struct HTTPDelivery: Sendable {
    /// The whole exchange's limit, in seconds.
    var timeout: TimeInterval
    /// The User-Agent header.
    var userAgent: String

    func post(_ url: URL, body: Data, headers: [String: String] = [:]) -> DeliveryOutcome {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }

        do {
            // A receiver's answer is short; a megabyte is far more than any says.
            return Self.outcome(try HTTPExchange.perform(request, timeout: timeout, maxBytes: 1 << 20, followRedirects: true))
        } catch {
            return .retry("\(error)", afterMs: nil)
        }
    }

    static func outcome(_ response: HTTPExchange.Response) -> DeliveryOutcome {
        let status = response.status
        if (200..<300).contains(status) { return .delivered }
        let text = String(decoding: response.body.prefix(200), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let why = "HTTP \(status)" + (text.isEmpty ? "" : ": \(text)")
        if status == 429 || status >= 500 {
            let after = response.headers["retry-after"].flatMap(Double.init)
                .flatMap { $0.isFinite && $0 >= 0 ? Int64(min($0, 3_600) * 1_000) : nil }
            return .retry(why, afterMs: after)
        }
        return .rejected(why)
    }
}
