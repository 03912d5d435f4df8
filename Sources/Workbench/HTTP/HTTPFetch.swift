import Foundation
import Telemetry
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP exchange for the `http` module: no redirects followed (a plugin
/// allowed one host must not be led to another), a deadline on the whole
/// exchange, and the body cut off at a size limit.
final class HTTPFetch: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: Data
        var seconds: Double
    }

    enum Failure: Error, CustomStringConvertible {
        case tooLarge(Int), timedOut(Double), transport(String)
        var description: String {
            switch self {
            case .tooLarge(let limit): return "the response is larger than max_bytes (\(limit))"
            case .timedOut(let seconds): return "no complete response within \(seconds)s"
            case .transport(let why): return why
            }
        }
    }

    private let maxBytes: Int
    private let done = DispatchSemaphore(value: 0)
    private let state = Locked<(response: HTTPURLResponse?, body: Data, failure: Failure?)>((nil, Data(), nil))

    private init(maxBytes: Int) { self.maxBytes = maxBytes }

    static func perform(_ request: URLRequest, timeout: Double, maxBytes: Int) throws(Failure) -> Response {
        let fetch = HTTPFetch(maxBytes: maxBytes)
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

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        state.withLock { $0.response = response as? HTTPURLResponse }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let over = state.withLock { current -> Bool in
            current.body.append(data)
            guard current.body.count > maxBytes else { return false }
            current.failure = .tooLarge(maxBytes)
            return true
        }
        if over { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        if let error {
            state.withLock { if $0.failure == nil { $0.failure = .transport(error.localizedDescription) } }
        }
        done.signal()
    }
}
