// The webhook body, and the two things every receiver sees in it: alert
// fingerprints (checked against Prometheus's own published test values) and
// timestamps as Go prints them.

import Foundation
import Testing
@testable import Alerting

@Suite struct Fingerprints {
    @Test func matchPrometheusPublishedValues() {
        // prometheus/common model/signature_test.go: TestMetricToFingerprint and the benchmarks.
        #expect(AlertFingerprint(labels: [:]).value == 14_695_981_039_346_656_037)
        #expect(AlertFingerprint(labels: ["name": "garland, briggs", "fear": "love is not enough"]).value
                == 5_799_056_148_416_392_346)
        #expect(AlertFingerprint(labels: ["first-label": "first-label-value"]).value == 5_146_282_821_936_882_169)
        #expect(AlertFingerprint(labels: ["first-label": "first-label-value", "second-label": "second-label-value",
                                          "third-label": "third-label-value"]).value == 13_843_036_195_897_128_121)
    }

    @Test func printAsSixteenHexDigits() {
        #expect(AlertFingerprint(labels: [:]).description == "cbf29ce484222325")
        #expect(AlertFingerprint(labels: ["name": "garland, briggs", "fear": "love is not enough"]).description
                == "507a62d79ee76c9a")
        #expect(AlertFingerprint(1).description == "0000000000000001")
        #expect(AlertFingerprint(hex: "0000000000000001") == AlertFingerprint(1))
        #expect(AlertFingerprint(hex: "xyz") == nil)
        #expect(AlertFingerprint(hex: "") == nil)
        // Computed by a reference written from the spec (sorted names, 0xff separators, FNV-1a 64).
        #expect(AlertFingerprint(labels: ["alertname": "HighLatency", "job": "api", "instance": "a:9100"]).description
                == "61fc451c25fc7aeb")
    }

    @Test func dependOnNamesAndValuesButNotOnOrder() {
        let a = AlertFingerprint(labels: ["a": "1", "b": "2"])
        #expect(a == AlertFingerprint(labels: ["b": "2", "a": "1"]))
        #expect(a != AlertFingerprint(labels: ["a": "12"]))
        #expect(a != AlertFingerprint(labels: ["a": "2", "b": "1"]))
    }
}

@Suite struct Timestamps {
    @Test func printAsGoPrintsTime() {
        #expect(RFC3339.goTime(nil) == "0001-01-01T00:00:00Z")
        #expect(RFC3339.goTime(RFC3339.goZeroTimeMs) == "0001-01-01T00:00:00Z")
        #expect(RFC3339.goTime(t0) == "2023-11-14T22:13:20Z")
        #expect(RFC3339.goTime(t0 + 250) == "2023-11-14T22:13:20.25Z")
        #expect(RFC3339.goTime(t0 + 7) == "2023-11-14T22:13:20.007Z")
        #expect(RFC3339.goTime(0) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.goTime(-1) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.goTime(951_782_400_000) == "2000-02-29T00:00:00Z")
        #expect(RFC3339.withMilliseconds(t0) == "2023-11-14T22:13:20.000Z")
    }

    @Test func readRFC3339WithFractionsAndOffsets() {
        #expect(RFC3339.parse("2023-11-14T22:13:20Z") == t0)
        #expect(RFC3339.parse("2023-11-14T22:13:20.000Z") == t0)
        #expect(RFC3339.parse("2023-11-14T22:13:20.123456789Z") == t0 + 123)
        #expect(RFC3339.parse("2023-11-15T00:13:20+02:00") == t0)
        #expect(RFC3339.parse("2023-11-14T20:13:20.5-02:00") == t0 + 500)
        #expect(RFC3339.parse("0001-01-01T00:00:00Z") == RFC3339.goZeroTimeMs)
        for bad in ["", "yesterday", "2023-02-30T00:00:00Z", "2023-11-14 22:13:20Z", "2023-11-14T22:13:20",
                    "2023-11-14T22:13:20.Z", "2023-11-14T24:00:00Z", "2023-11-14T22:13:20+0200"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
        for ms in [t0, t0 + 1, -1, RFC3339.goZeroTimeMs, 253_402_300_799_999] {
            #expect(RFC3339.parse(RFC3339.withMilliseconds(ms)) == ms)
            #expect(RFC3339.parse(RFC3339.goTime(ms)) == ms)
        }
    }
}

@Suite struct WebhookBodies {
    /// A notification of `count` alerts of one group, the last `resolvedCount` of them resolved.
    private func notification(count: Int, resolvedCount: Int = 0, receiver: String = "team") throws -> AlertNotification {
        let config = try amConfig(basicConfigText.replacingOccurrences(of: "team", with: receiver))
        var dispatcher = NotificationDispatcher(config: config)
        let alerts = (0..<count).map { i in
            firing("Disk", ["instance": String(format: "host-%02d", i), "severity": i < 2 ? "page" : "ticket"],
                   endsAt: i >= count - resolvedCount ? t0 + 10 * second : t0 + hour)
        }
        dispatcher.ingest(alerts, now: t0)
        return try #require(dispatcher.due(now: t0 + 30 * second).first)
    }

    @Test func carriesVersionFourAndTheGroup() throws {
        let body = WebhookPayload(try notification(count: 2), externalURL: "http://am.example:9093")
        #expect(body.version == "4")
        #expect(body.groupKey == #"{}:{alertname="Disk"}"#)
        #expect(body.truncatedAlerts == 0)
        #expect(body.status == "firing")
        #expect(body.receiver == "team")
        #expect(body.groupLabels == ["alertname": "Disk"])
        #expect(body.commonLabels == ["alertname": "Disk", "severity": "page"])
        #expect(body.commonAnnotations == ["summary": "Disk is up"])
        #expect(body.externalURL == "http://am.example:9093")
        #expect(body.alerts.map(\.labels["instance"]) == ["host-00", "host-01"])
        let first = try #require(body.alerts.first)
        #expect(first.status == "firing")
        #expect(first.startsAt == "2023-11-14T22:13:20Z")
        #expect(first.endsAt == "0001-01-01T00:00:00Z")
        #expect(first.generatorURL == "http://prom.example/graph")
        #expect(first.fingerprint == AlertFingerprint(labels: ["alertname": "Disk", "instance": "host-00",
                                                               "severity": "page"]).description)
    }

    @Test func resolvedAlertsCarryTheirEnd() throws {
        let body = WebhookPayload(try notification(count: 3, resolvedCount: 1), externalURL: "")
        #expect(body.status == "firing")
        #expect(body.alerts.map(\.status) == ["firing", "firing", "resolved"])
        #expect(body.alerts.last?.endsAt == "2023-11-14T22:13:30Z")
    }

    @Test func maxAlertsTruncatesAndRecomputesWhatIsCommon() throws {
        let full = try notification(count: 5, resolvedCount: 3)
        #expect(full.commonLabels == ["alertname": "Disk"])
        let body = WebhookPayload(full, externalURL: "", maxAlerts: 2)
        #expect(body.alerts.count == 2)
        #expect(body.truncatedAlerts == 3)
        #expect(body.commonLabels == ["alertname": "Disk", "severity": "page"])
        #expect(body.status == "firing")
        #expect(WebhookPayload(full, externalURL: "", maxAlerts: 5).truncatedAlerts == 0)
        #expect(WebhookPayload(full, externalURL: "", maxAlerts: 0).alerts.count == 5)
    }

    @Test func theReceiverNameIsEscapedAsARegexAsTemplateDataDoes() throws {
        let body = WebhookPayload(try notification(count: 1, receiver: "ops.team+1"), externalURL: "")
        #expect(body.receiver == #"ops\.team\+1"#)
    }

    @Test func encodesToTheFieldsAlertmanagerSends() throws {
        let data = try WebhookPayload(try notification(count: 1), externalURL: "http://am/").jsonData()
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["receiver", "status", "alerts", "groupLabels", "commonLabels", "commonAnnotations",
                                     "externalURL", "version", "groupKey", "truncatedAlerts"])
        #expect(object["truncatedAlerts"] as? Int == 0)
        let alert = try #require((object["alerts"] as? [[String: Any]])?.first)
        #expect(Set(alert.keys) == ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"])
        #expect(String(decoding: data, as: UTF8.self).contains(#""externalURL":"http://am/""#))
    }
}
