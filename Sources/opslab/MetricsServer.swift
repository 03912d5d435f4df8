import Alerting
import Foundation
import Hummingbird
import Logging
import NIOCore
import Notifications
import Telemetry
import Workbench

/// The HTTP side of `opslab serve` (Hummingbird): /metrics, /healthz,
/// /-/ready, and with --notify Alertmanager's POST /api/v2/alerts.
struct MetricsServer {
    let agent: CollectionAgent
    let rules: RuleRunner
    /// The embedded notifier, which takes alerts posted as to an Alertmanager.
    let notifier: Notifier?
    let address: ListenAddress
    let logger: Logger

    /// The largest POST /api/v2/alerts body taken (Alertmanager sets none;
    /// 64 MiB holds about 100,000 alerts).
    static let maxAlertsBody = 64 << 20

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
        if let notifier {
            // Prometheus, or anything that speaks to an Alertmanager, can post here.
            router.post("/api/v2/alerts") { request, _ -> Response in
                let body = try await request.body.collect(upTo: Self.maxAlertsBody)
                let posted: [PostableAlert]
                do {
                    posted = try JSONDecoder().decode([PostableAlert].self, from: Data(buffer: body))
                } catch {
                    return Self.text(.badRequest, "the body is not a JSON list of alerts (labels, annotations, startsAt, endsAt, generatorURL): \(error)\n")
                }
                let rejections = notifier.receive(posted.map(IncomingAlert.init))
                guard rejections.isEmpty else {
                    return Self.text(.badRequest, rejections.map { "\($0)\n" }.joined())
                }
                return Response(status: .ok)
            }
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/-/ready") { [agent] _, _ -> Response in
            agent.isReady
                ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ready\n")))
                : Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "starting\n")))
        }
        let app = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()])),
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

    private static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
