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

    @Test func seriesRepeatAndInterleaveWithTheirOwnLabels() throws {
        var text = ""
        for pass in 0..<3 {
            for s in 0..<700 { text += "m{s=\"\(s)\",k=\"v}\\\\\\\"\"} \(pass) \(1_700_000_000 + pass)\n" }
        }
        let samples = try parser.parse(text)
        #expect(samples.count == 2100)
        for (i, sample) in samples.enumerated() {
            #expect(sample.labels == ["s": "\(i % 700)", "k": "v}\\\""] && sample.value == Double(i / 700))
        }
        // Label order in the text does not matter to the label set.
        let reordered = try parser.parse("m{a=\"1\",b=\"2\"} 1\nm{b=\"2\",a=\"1\"} 2\nm{a=\"1\", b=\"2\", } 3")
        #expect(Set(reordered.map(\.seriesKey)).count == 1)
    }

    @Test func bytesStringsAndLineEndingsAgree() throws {
        let text = "# TYPE a gauge\r\na{x=\"é\"} 1.5 1700000000\r\nb 2\r\n\r\nc 3\n# EOF\r\nd 4"
        let samples = try parser.parse(text)
        #expect(samples.map(\.name) == ["a", "b", "c"])
        #expect(samples[0].labels["x"] == "é" && samples[0].timestampMs == 1_700_000_000_000)
        #expect(try parser.parse(utf8: Array(text.utf8)) == samples)
        #expect(try parser.parse("") == [] && parser.parse("\n\n# c\n") == [])
        do {
            _ = try parser.parse("a 1\r\nb 2\r\nc x\r\n")
            Issue.record("parsed")
        } catch {
            #expect(error.description == "line 3: \"x\" is not a number")
        }
    }

    @Test func numbersReadAsTheStandardLibraryReadsThem() throws {
        var cases = ["0", "-0", "+5", "1.", ".5", "0.1", "12.85", "-1234.5", "1e3", "1E-3", "2.5e+10", "9007199254740993",
                     "123456789012345678901234", "0.000000000000000000000001", "1e400", "-1e-400", "4.9e-324",
                     "0x1p3", "inf", "nan", "Infinity", "1e", "e5", ".", "-", "1.2.3", "1e5.5", "0001.5000",
                     "1700000000.123", "1e22", "1e23", "9007199254740992e-22", "179769313486231570000000000"]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            let mantissa = UInt64.random(in: 0...(Bool.random(using: &rng) ? 1 << 53 : UInt64.max), using: &rng)
            let digits = String(mantissa)
            let point = Int.random(in: 0...digits.count, using: &rng)
            var text = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
            if Bool.random(using: &rng) { text += "e\(Int.random(in: -30...30, using: &rng))" }
            cases.append((Bool.random(using: &rng) ? "-" : "") + text)
        }
        for text in cases {
            let parsed = try? parser.parse("m \(text)").first?.value
            let expected: Double? = switch text {
            case "NaN": .nan
            default: Double(text)
            }
            #expect(parsed?.bitPattern == expected?.bitPattern, "\(text)")
        }
    }
}
