import Telemetry
import Testing

@Suite("Series selectors")
struct SeriesSelectorTests {
    let sample = Sample("node_cpu_seconds_total", ["cpu": "0", "mode": "idle"], 1, timestampMs: 0)

    @Test(arguments: [
        ("node_cpu_seconds_total", true),
        ("node_cpu_seconds_total{cpu=\"0\"}", true),
        ("node_cpu_seconds_total{cpu=\"0\", mode!=\"user\"}", true),
        ("node_cpu_seconds_total{cpu='1'}", false),
        ("{__name__=\"node_cpu_seconds_total\", mode=\"idle\"}", true),
        ("node_cpu_seconds_total{missing=\"\"}", true),
        ("node_cpu_seconds_total{missing!=\"\"}", false),
        ("other", false),
        ("node_cpu_seconds_total{mode=~\"id.*\"}", true),
        ("node_cpu_seconds_total{mode=~\"id\"}", false),          // anchored
        ("node_cpu_seconds_total{mode!~\"idle|user\"}", false),
        ("{__name__=~\"node_.*\", cpu=\"0\"}", true),
        ("{__name__!~\"node_.*\", cpu=\"0\"}", false),
    ])
    func matching(_ text: String, expected: Bool) throws {
        #expect(try SeriesSelector(parsing: text).matches(sample) == expected)
    }

    @Test(arguments: [
        ("", 1), ("{}", 1), ("m{", 3), ("m{a}", 4), ("m{a=b}", 5), ("m{a=\"b}", 8), ("m{a=~\"(\"}", 6), ("m{a==\"b\"}", 5), ("{a!~\"x\"}", 1),
        ("m{a=\"b\" c=\"d\"}", 9), ("m x", 3), ("{a!=\"x\"}", 1),
    ])
    func errorsPointAtTheColumn(_ text: String, column: Int) {
        do {
            _ = try SeriesSelector(parsing: text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.column == column, "\(text): \(error)")
        }
    }

    @Test func roundTrip() throws {
        #expect(try SeriesSelector(parsing: "m{b=\"2\",a!=\"1\"}").description == "m{b=\"2\",a!=\"1\"}")
        #expect(try SeriesSelector(parsing: "m{b=~'2|3'}").description == "m{b=~\"2|3\"}")
    }
}
