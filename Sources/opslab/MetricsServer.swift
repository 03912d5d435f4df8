import Foundation
import Hummingbird
import Logging
import NIOCore
import Telemetry
import Workbench

/// The HTTP side of `opslab serve` (Hummingbird): /metrics, /healthz, /-/ready.
struct MetricsServer {
    let agent: CollectionAgent
    let rules: RuleRunner
    let address: ListenAddress
    let logger: Logger

    /// Binding failed (the port is taken, the address is not local...).
    struct BindError: Error, CustomStringConvertible {
        let address: ListenAddress
        let reason: String
        var description: String { "cannot listen on \(address): \(reason)" }
    }

    /// Serves until SIGTERM or SIGINT; `onStarted` runs once the socket is bound.
    func run(onStarted: @escaping @Sendable () async -> Void) async throws {
        let router = Router()
        router.get("/metrics") { [agent, rules] _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = PrometheusText.contentType
            let text = agent.exposition() + rules.exposition()
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.post("/-/reload") { [rules] _, _ -> Response in
            let problems = rules.reload()
            let text = problems.isEmpty ? "reloaded\n" : problems.map { "\($0)\n" }.joined()
            return Response(status: problems.isEmpty ? .ok : .internalServerError, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/-/ready") { [agent] _, _ -> Response in
            agent.isReady
                ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "starting\n")))
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "opslab"),
            onServerRunning: { _ in await onStarted() },
            logger: logger)
        do {
            try await app.runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw BindError(address: address, reason: "the address is already in use (is another opslab serve running?)")
        } catch let error as IOError {
            throw BindError(address: address, reason: "\(error)")
        } catch let error as SocketAddressError {
            throw BindError(address: address, reason: "\(error)")
        }
    }
}
