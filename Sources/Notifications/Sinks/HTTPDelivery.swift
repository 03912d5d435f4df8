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

        let result = Locked<DeliveryOutcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            result.withLock { $0 = Self.outcome(data: data, response: response as? HTTPURLResponse, error: error) }
            done.signal()
        }
        task.resume()
        // The request timeout is an idle timeout; this bounds the whole exchange.
        if done.wait(timeout: .now() + timeout + 1) == .timedOut {
            task.cancel()
            return .retry("no response within \(Int(timeout))s", afterMs: nil)
        }
        return result.current ?? .retry("no response", afterMs: nil)
    }

    static func outcome(data: Data?, response: HTTPURLResponse?, error: (any Error)?) -> DeliveryOutcome {
        if let error { return .retry(error.localizedDescription, afterMs: nil) }
        guard let response else { return .retry("no HTTP response", afterMs: nil) }
        let status = response.statusCode
        if (200..<300).contains(status) { return .delivered }
        let text = String(decoding: (data ?? Data()).prefix(200), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let why = "HTTP \(status)" + (text.isEmpty ? "" : ": \(text)")
        if status == 429 || status >= 500 {
            let after = response.value(forHTTPHeaderField: "Retry-After").flatMap(Double.init)
                .flatMap { $0.isFinite && $0 >= 0 ? Int64(min($0, 3_600) * 1_000) : nil }
            return .retry(why, afterMs: after)
        }
        return .rejected(why)
    }
}
