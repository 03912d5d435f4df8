import Foundation
import Testing
@testable import Notifications
#if canImport(Glibc)
import Glibc
#endif

/// A one-port TCP server on loopback that answers every connection with
/// `reply` (raw HTTP), or closes it at once (nil), or holds it open and
/// never answers (`hang`).
final class RawHTTPServer: @unchecked Sendable {
    enum Behaviour { case reply(String), close, hang }
    let port: UInt16
    private let fd: Int32
    private var held: [Int32] = []

    init(_ behaviour: Behaviour) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = UInt16(bigEndian: address.sin_port)
        fd = listener
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                var buffer = [UInt8](repeating: 0, count: 65_536)
                _ = read(client, &buffer, buffer.count)
                switch behaviour {
                case .reply(let text):
                    _ = text.utf8CString.withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count - 1) }
                    close(client)
                case .close:
                    close(client)
                case .hang:
                    held.append(client)
                }
            }
        }
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port)/hook")! }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        for client in held { close(client) }
    }
}

@Suite("HTTP delivery")
struct HTTPDeliveryTests {
    private let http = HTTPDelivery(timeout: 1, userAgent: "opslab-test")

    private func answer(_ status: String, headers: String = "", body: String = "") -> RawHTTPServer.Behaviour {
        .reply("HTTP/1.1 \(status)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\(headers)\r\n\(body)")
    }

    @Test func statusesAreJudgedAsAlertmanagerJudgesThem() throws {
        #expect(http.post(try RawHTTPServer(answer("204 No Content")).url, body: Data("{}".utf8)) == .delivered)
        #expect(http.post(try RawHTTPServer(answer("400 Bad Request", body: "bad payload\n")).url, body: Data()) ==
                .rejected("HTTP 400: bad payload"))
        #expect(http.post(try RawHTTPServer(answer("429 Too Many Requests", headers: "Retry-After: 7\r\n")).url, body: Data()) ==
                .retry("HTTP 429", afterMs: 7_000))
        #expect(http.post(try RawHTTPServer(answer("503 Service Unavailable")).url, body: Data()) == .retry("HTTP 503", afterMs: nil))
    }

    @Test func retryAfterValuesThatAreNotSecondsFallBackToTheBackoff() throws {
        for (header, expected) in [("NaN", nil), ("-5", nil), ("inf", nil), ("1e300", 3_600_000), ("Wed, 21 Oct 2026 07:28:00 GMT", nil)]
            as [(String, Int64?)] {
            let server = try RawHTTPServer(answer("503 Service Unavailable", headers: "Retry-After: \(header)\r\n"))
            #expect(http.post(server.url, body: Data()) == .retry("HTTP 503", afterMs: expected), "Retry-After: \(header)")
        }
    }

    @Test func aReceiverThatHangsOrHangsUpIsRetriedWithinTheTimeout() throws {
        let hanging = try RawHTTPServer(.hang)
        let start = Date()
        guard case .retry = http.post(hanging.url, body: Data()) else { Issue.record("a hang is retried"); return }
        #expect(Date().timeIntervalSince(start) < 4, "bounded by the timeout")
        guard case .retry = http.post(try RawHTTPServer(.close).url, body: Data()) else { Issue.record("a hang-up is retried"); return }
        guard case .retry = http.post(URL(string: "http://127.0.0.1:1/")!, body: Data()) else { Issue.record("a refusal is retried"); return }
    }
}
