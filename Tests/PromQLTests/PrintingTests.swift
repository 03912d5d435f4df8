// Printing a tree and parsing it again gives the same tree (compared through
// its printed form), for hand-picked queries and for the whole differential
// corpus.

import Foundation
import Testing
@testable import PromQL

@Suite struct PrintingTests {
    @Test func normalisedForms() throws {
        let cases: [(String, String)] = [
            ("sum(x) by (job)", "sum by (job) (x)"),
            ("topk without(a)(3,x)", "topk without (a) (3, x)"),
            ("{__name__=\"foo\"}", "{__name__=\"foo\"}"),
            ("foo{}", "foo"),
            ("{__name__=\"foo\",a!~'b'}", "{__name__=\"foo\", a!~\"b\"}"),
            ("rate(x[90s] offset 1h30m)", "rate(x[1m30s] offset 1h30m)"),
            ("x offset -5m", "x offset -5m"),
            ("a/on(b)group_left(c)d", "a / on(b) group_left(c) d"),
            ("a > bool ignoring(x) b", "a > bool ignoring(x) b"),
            ("-2 ^ 2", "-2 ^ 2"),
            ("max_over_time(x[5m:])", "max_over_time(x[5m:])"),
            ("1.5e-7", "1.5e-07"),
        ]
        for (input, printed) in cases {
            #expect(try Query.parse(input).description == printed, "\(input)")
        }
    }

    @Test func corpusRoundTrips() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../promql/corpus.txt")
        let text = try String(contentsOf: corpus, encoding: .utf8)
        var checked = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let expr = try? Query.parse(String(line)) else { continue }
            let printed = expr.description
            let again = try Query.parse(printed)
            #expect(again.description == printed, "\(line)")
            checked += 1
        }
        #expect(checked > 100)
    }

    @Test func durationsPrintLargestUnitFirst() {
        #expect(formatDuration(5_400_000) == "1h30m")
        #expect(formatDuration(250) == "250ms")
        #expect(formatDuration(31_536_000_000 + 1000) == "1y1s")
        #expect(formatDuration(0) == "0s")
    }
}
