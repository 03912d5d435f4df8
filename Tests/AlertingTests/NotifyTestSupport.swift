// Shared by the silence, dispatcher and webhook tests: a fixed clock, a
// small configuration, alert builders and a loop that plays the dispatcher
// forward the way a caller's timer would.

import Foundation
@testable import Alerting

/// 2023-11-14T22:13:20Z, a Tuesday: the fake clock's start.
let t0: Int64 = 1_700_000_000_000
let second: Int64 = 1_000
let minute: Int64 = 60_000
let hour: Int64 = 3_600_000

func amConfig(_ text: String) throws -> AlertmanagerConfig {
    try AlertmanagerConfig.parse(text, file: "am.yml")
}

/// One receiver with a webhook; groups by alertname; 30s / 5m / 4h.
let basicConfigText = """
    route:
      receiver: team
      group_by: [alertname]
      group_wait: 30s
      group_interval: 5m
      repeat_interval: 4h
    receivers:
      - name: team
        webhook_configs: [{url: "http://hook.example/"}]
    """

/// A firing alert named `name` that started at t0 and is valid for ten hours.
func firing(_ name: String, _ labels: [String: String] = [:], startsAt: Int64 = t0,
            endsAt: Int64? = t0 + 10 * hour) -> IncomingAlert {
    IncomingAlert(labels: labels.merging(["alertname": name]) { a, _ in a }, annotations: ["summary": "\(name) is up"],
                  startsAt: startsAt, endsAt: endsAt, generatorURL: "http://prom.example/graph")
}

/// The same alert, resolved at `at`.
func resolved(_ name: String, _ labels: [String: String] = [:], at: Int64) -> IncomingAlert {
    firing(name, labels, endsAt: at)
}

/// A sequence of ids, so that silences get predictable ones.
final class IDSequence: @unchecked Sendable {
    private var next = 0
    func make() -> String {
        next += 1
        return "silence-\(next)"
    }
}

extension NotificationDispatcher {
    /// Calls `due` at each wake-up from `start` up to `end` inclusive, as a
    /// timer would, and returns every notification sent.
    mutating func run(from start: Int64, until end: Int64, silences: Silences = Silences()) -> [AlertNotification] {
        var sent: [AlertNotification] = []
        var now = start
        while let wake = nextWake(now: now), wake <= end {
            now = wake
            sent += due(now: now, silences: silences)
        }
        return sent
    }
}

extension AlertNotification {
    /// The alertnames and status of each alert, for compact expectations.
    var summary: [String] {
        alerts.map { ($0.labels["alertname"] ?? "?") + ($0.labels["instance"].map { "/" + $0 } ?? "") + ":" + $0.status.rawValue }
    }
}
