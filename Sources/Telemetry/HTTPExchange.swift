import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One synchronous HTTP exchange, as every part of opslab that speaks HTTP
/// makes it (the `http` module, webhook deliveries, remote PromQL): a
/// deadline on the whole exchange, the body cut off at a size limit, and
/// redirects followed only when asked (a plugin allowed one host must not
/// be led to another).
public final class HTTPExchange: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    public struct Response: Sendable {
        public var status: Int
        /// Header names lower-cased.
        public var headers: [String: String]
        public var body: Data
        public var seconds: Double
    }

    public enum Failure: Error, CustomStringConvertible {
        case tooLarge(Int), timedOut(Double), transport(String)
        public var description: String {
            switch self {
            case .tooLarge(let limit): return "the response is larger than max_bytes (\(limit))"
            case .timedOut(let seconds): return "no complete response within \(seconds)s"
            case .transport(let why): return why
            }
        }
    }

    private let maxBytes: Int
    private let followsRedirects: Bool
    private let done = DispatchSemaphore(value: 0)
    private let state = Locked<(response: HTTPURLResponse?, body: Data, failure: Failure?)>((nil, Data(), nil))

    private init(maxBytes: Int, followsRedirects: Bool) {
        self.maxBytes = maxBytes
        self.followsRedirects = followsRedirects
    }

    /// Sends `request` and waits for the whole response, at most `timeout` seconds.
    public static func perform(_ request: URLRequest, timeout: Double, maxBytes: Int,
                               followRedirects: Bool = false) throws(Failure) -> Response {
        let fetch = HTTPExchange(maxBytes: maxBytes, followsRedirects: followRedirects)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration, delegate: fetch, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let start = Date()
        let task = session.dataTask(with: request)
        task.resume()
        if fetch.done.wait(timeout: .now() + timeout + 1) == .timedOut {
            task.cancel()
            throw .timedOut(timeout)
        }
        let (response, body, failure) = fetch.state.current
        if let failure { throw failure }
        guard let response else { throw .transport("no HTTP response") }
        var headers: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            headers[String(describing: name).lowercased()] = String(describing: value)
        }
        return Response(status: response.statusCode, headers: headers, body: body, seconds: Date().timeIntervalSince(start))
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                           newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(followsRedirects ? request : nil)
    }

    public func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        state.withLock { $0.response = response as? HTTPURLResponse }
        completionHandler(.allow)
    }

    public func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = state.withLock { current -> Bool in
            current.body.append(data)
            guard current.body.count > maxBytes else { return false }
            current.failure = .tooLarge(maxBytes)
            return true
        }
        if over { dataTask.cancel() }
    }

    public func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            state.withLock { if $0.failure == nil { $0.failure = .transport(error.localizedDescription) } }
        }
        done.signal()
    }
}
