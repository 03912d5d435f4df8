import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LuaKit
import PromQL
import Telemetry

/// `metrics.promql{...}`: the same queries against a fleet's Prometheus
/// (HTTP API v1), returning the same shapes as `metrics.query` and
/// `metrics.range`.
extension Workbench {
    func remoteQueryFunctions() -> [LuaFunction] {
        [
            LuaFunction("metrics.promql", doc: """
                metrics.promql{url = ..., expr = ... [, time = t] [, range = "6h", step = "1m"] [, timeout = "30s"]}
                Runs a PromQL query on a Prometheus server. Without `range`, an instant query (at `time`,
                Unix seconds, default now) returning what metrics.query returns; with `range`, a range
                query returning {time = tensor, values = tensor, labels = {...}} as metrics.range does.
                """) { [unowned self] call in
                let table = try call.table(1)
                let reader = try call.options(1)
                let options = table
                guard let base = options["url"].stringValue, let url = URL(string: base),
                      url.scheme == "http" || url.scheme == "https", url.host != nil else {
                    throw call.argumentError(1, "needs url = \"http://host:9090\"")
                }
                guard let expr = options["expr"].stringValue, !expr.isEmpty else {
                    throw call.argumentError(1, "needs expr = \"<PromQL expression>\"")
                }
                let timeout = Double(try reader.optionalDuration("timeout") ?? 30_000) / 1000
                let now = try evaluationTime(reader)
                if let range = try reader.optionalDuration("range") {
                    let step = try reader.optionalDuration("step") ?? max(1000, range / 250)
                    guard range / step <= 11_000 else { throw call.error("range/step gives \(range / step) points; at most 11000") }
                    let end = Int64(now * 1000) / step * step
                    let data = try fetch(base, "/api/v1/query_range", [
                        "query": expr, "start": seconds(end - range), "end": seconds(end), "step": seconds(step),
                    ], timeout: timeout, call: call)
                    guard data["resultType"] as? String == "matrix", let result = data["result"] as? [[String: Any]] else {
                        throw call.error("unexpected answer from \(base): no matrix result")
                    }
                    let matrix = result.map { series in
                        MatrixSeries(labels: labels(series["metric"]), points: ((series["values"] as? [[Any]]) ?? []).compactMap(point))
                    }
                    return try pushMatrix(matrix, start: end - range, end: end, step: step, call: call)
                }
                let data = try fetch(base, "/api/v1/query", ["query": expr, "time": String(now)], timeout: timeout, call: call)
                switch data["resultType"] as? String {
                case "scalar":
                    guard let p = (data["result"] as? [Any]).flatMap(point) else { throw call.error("unexpected scalar from \(base)") }
                    return call.returns(.number(p.v))
                case "string":
                    return call.returns(.string(((data["result"] as? [Any])?.last as? String) ?? ""))
                case "vector":
                    let elements = ((data["result"] as? [[String: Any]]) ?? []).compactMap { item -> VectorElement? in
                        guard let p = (item["value"] as? [Any]).flatMap(point) else { return nil }
                        return (labels(item["metric"]), p.v)
                    }
                    return try pushQueryValue(.vector(elements), call: call)
                case "matrix":
                    let matrix = ((data["result"] as? [[String: Any]]) ?? []).map { series in
                        MatrixSeries(labels: labels(series["metric"]), points: ((series["values"] as? [[Any]]) ?? []).compactMap(point))
                    }
                    return try pushQueryValue(.matrix(matrix), call: call)
                default:
                    throw call.error("unexpected answer from \(base)")
                }
            },
        ]
    }

    private func seconds(_ ms: Int64) -> String { String(Double(ms) / 1000) }

    /// A [time, "value"] pair of the Prometheus API.
    private func point(_ pair: [Any]) -> (t: Int64, v: Double)? {
        guard pair.count == 2, let t = (pair[0] as? NSNumber)?.doubleValue, let text = pair[1] as? String else { return nil }
        let v: Double
        switch text {
        case "NaN": v = .nan
        case "+Inf", "Inf": v = .infinity
        case "-Inf": v = -.infinity
        default: guard let parsed = Double(text) else { return nil }; v = parsed
        }
        return (Int64((t * 1000).rounded()), v)
    }

    private func labels(_ raw: Any?) -> Labels {
        Labels(((raw as? [String: Any]) ?? [:]).compactMapValues { $0 as? String })
    }

    /// GETs `path` with `query` and returns the `data` object of a success answer.
    private func fetch(_ base: String, _ path: String, _ query: [String: String], timeout: Double,
                       call: LuaCall) throws -> [String: Any] {
        do { return try fetch(base, path, query, timeout: timeout) } catch {
            throw call.error(error.message)
        }
    }

    /// An instant query on a Prometheus server: its vector, or a scalar as
    /// one element without labels (what a rule sees).
    func remoteInstantVector(_ base: String, expr: String, atMs time: Int64, timeout: Double = 30) throws -> [VectorElement] {
        let data = try fetch(base, "/api/v1/query", ["query": expr, "time": seconds(time)], timeout: timeout)
        switch data["resultType"] as? String {
        case "scalar":
            guard let p = (data["result"] as? [Any]).flatMap(point) else { throw RemoteQueryError(message: "unexpected scalar from \(base)") }
            return [(Labels(), p.v)]
        case "vector":
            return ((data["result"] as? [[String: Any]]) ?? []).compactMap { item -> VectorElement? in
                guard let p = (item["value"] as? [Any]).flatMap(point) else { return nil }
                return (labels(item["metric"]), p.v)
            }
        default:
            throw RemoteQueryError(message: "\(base) did not answer with a vector or scalar")
        }
    }

    private func fetch(_ base: String, _ path: String, _ query: [String: String], timeout: Double) throws(RemoteQueryError) -> [String: Any] {
        guard var components = URLComponents(string: base.hasSuffix("/") ? String(base.dropLast()) + path : base + path) else {
            throw RemoteQueryError(message: "bad url \(base)")
        }
        components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        // URLComponents leaves '+' alone, but Prometheus (Go's form decoding)
        // reads it as a space: `1 + 2` would arrive as `1   2`.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        guard let url = components.url else { throw RemoteQueryError(message: "bad url \(base)") }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let response: HTTPExchange.Response
        do {
            // Range queries over many series answer in tens of megabytes; past
            // 256 MiB the query wants a narrower selector, not more memory.
            response = try HTTPExchange.perform(request, timeout: timeout, maxBytes: 256 << 20, followRedirects: true)
        } catch {
            throw RemoteQueryError(message: "cannot reach \(base): \(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            throw RemoteQueryError(message: "\(base) answered HTTP \(response.status) without a Prometheus API response")
        }
        guard object["status"] as? String == "success", let body = object["data"] as? [String: Any] else {
            let kind = object["errorType"] as? String ?? "error"
            throw RemoteQueryError(message: "Prometheus \(kind): \(object["error"] as? String ?? "unknown error")")
        }
        return body
    }
}

/// A remote query that failed: unreachable, or answered with an error.
struct RemoteQueryError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
