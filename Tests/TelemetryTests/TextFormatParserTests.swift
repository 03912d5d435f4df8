import Telemetry
import Testing

@Suite("Text format parser")
struct TextFormatParserTests {
    let parser = TextFormatParser(timestampsInSeconds: true, defaultTimestampMs: 5000)

    @Test func samplesLabelsEscapesAndTimestamps() throws {
        let samples = try parser.parse("""
            # HELP node_load1 1m load average.
            # TYPE node_load1 gauge
            node_load1 0.5 1700000000.25
            http_requests_total{method="post",path="/a \\"b\\"\\n\\\\c"} 1027
            up{job="x",} NaN
            temp{gpu="0"} -Inf 1700000001
            # EOF
            ignored_after_eof 1
            """)
        #expect(samples.count == 4)
        #expect(samples[0].name == "node_load1" && samples[0].value == 0.5 && samples[0].timestampMs == 1_700_000_000_250)
        #expect(samples[1].labels["path"] == "/a \"b\"\n\\c" && samples[1].timestampMs == 5000)
        #expect(samples[2].value.isNaN && samples[2].labels["job"] == "x")
        #expect(samples[3].value == -.infinity)
    }

    @Test func prometheusFormatTimestampsAreMilliseconds() throws {
        let samples = try TextFormatParser(timestampsInSeconds: false, defaultTimestampMs: 0).parse("x 1 1700000000123")
        #expect(samples[0].timestampMs == 1_700_000_000_123)
    }

    @Test(arguments: [
        ("x", "line 1: expected a value and an optional timestamp after x"),
        ("{a=\"b\"} 1", "line 1: expected a metric name"),
        ("x{a=b} 1", "line 1: expected =\"value\" after label a"),
        ("x{a=\"b} 1", "line 1: unterminated value of label a"),
        ("x{a=\"1\",a=\"2\"} 1", "line 1: label a given twice"),
        ("ok 1\nx high", "line 2: \"high\" is not a number"),
        ("x 1 soon", "line 1: \"soon\" is not a timestamp"),
        ("x{a=\"\\q\"} 1", "line 1: unknown escape \\q in label a"),
    ])
    func badLinesNameTheLine(_ text: String, _ message: String) {
        do {
            _ = try parser.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.description == message)
        }
    }
}
