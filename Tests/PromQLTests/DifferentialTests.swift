// The Swift half of the differential test against Prometheus
// (Tests/promql/diff.py). Without PROMQL_DIFF_DIR it does nothing; with it, it
// reads the generated series and the cases Prometheus answered, evaluates each
// case with opslab's engine and writes the answers in the same JSON shape as
// Prometheus's /api/v1/query, for diff.py to compare.

import Foundation
import Testing
import Telemetry
@testable import PromQL

@Suite struct DifferentialTests {
    @Test func answerPrometheusCases() throws {
        guard let dir = ProcessInfo.processInfo.environment["PROMQL_DIFF_DIR"] else { return }
        let seriesData = try Data(contentsOf: URL(fileURLWithPath: dir + "/series.json"))
        let casesData = try Data(contentsOf: URL(fileURLWithPath: dir + "/prometheus.json"))
        let seriesRoot = try #require(JSONSerialization.jsonObject(with: seriesData) as? [String: Any])
        let rawSeries = try #require(seriesRoot["series"] as? [[String: Any]])
        var series: [SourceSeries] = []
        for s in rawSeries {
            let labels = Labels(try #require(s["labels"] as? [String: String]))
            let ts = try #require(s["t"] as? [NSNumber]).map { $0.int64Value }
            let vs = try #require(s["v"] as? [String]).map(parseValue)
            series.append(SourceSeries(labels: labels, timestamps: ts, values: vs))
        }
        let engine = Engine(source: InMemorySeriesSource(series))
        let cases = try #require(JSONSerialization.jsonObject(with: casesData) as? [[String: Any]])
        var answers: [[String: Any]] = []
        for c in cases {
            let query = try #require(c["query"] as? String)
            let time = try #require(c["time"] as? NSNumber).int64Value
            if let range = c["range"] as? [NSNumber], range.count == 3 {
                answers.append(answerRange(engine, query, range.map(\.int64Value)))
            } else {
                answers.append(answer(engine, query, time))
            }
        }
        let out = try JSONSerialization.data(withJSONObject: answers)
        try out.write(to: URL(fileURLWithPath: dir + "/opslab.json"))
    }

    func answerRange(_ engine: Engine, _ query: String, _ range: [Int64]) -> [String: Any] {
        do {
            let m = try engine.range(query, start: range[0], end: range[1], step: range[2])
            let result = m.map { s in
                ["metric": s.labels.dictionary,
                 "values": s.points.map { [Double($0.t) / 1000, format($0.v)] }] as [String: Any]
            }
            return ["status": "success", "data": ["resultType": "matrix", "result": result]]
        } catch {
            return ["status": "error", "error": "\(error)"]
        }
    }

    func answer(_ engine: Engine, _ query: String, _ time: Int64) -> [String: Any] {
        let t = Double(time) / 1000
        do {
            let data: [String: Any]
            switch try engine.instant(query, at: time) {
            case .scalar(let s):
                data = ["resultType": "scalar", "result": [t, format(s)]]
            case .string(let s):
                data = ["resultType": "string", "result": [t, s]]
            case .vector(let v):
                data = ["resultType": "vector",
                        "result": v.map { ["metric": $0.labels.dictionary, "value": [t, format($0.value)]] }]
            case .matrix(let m):
                data = ["resultType": "matrix",
                        "result": m.map { s in
                            ["metric": s.labels.dictionary,
                             "values": s.points.map { [Double($0.t) / 1000, format($0.v)] }]
                        }]
            }
            return ["status": "success", "data": data]
        } catch {
            return ["status": "error", "error": "\(error)"]
        }
    }
}

private func parseValue(_ s: String) -> Double {
    switch s {
    case "NaN": return .nan
    case "stale": return staleNaN
    case "+Inf": return .infinity
    case "-Inf": return -.infinity
    default: return Double(s) ?? .nan
    }
}

private func format(_ v: Double) -> String {
    if v.isNaN { return "NaN" }
    if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
    return "\(v)"
}
