// Parser tests: precedence, literals, durations, selectors, error columns, and
// printing trees back as text.

import Foundation
import Testing
import Telemetry
@testable import PromQL

/// Evaluates a constant expression; parser tests use it to check tree shape by value.
private func constant(_ text: String) throws -> Double {
    let engine = Engine(source: InMemorySeriesSource([]))
    return try #require(try engine.instant(text, at: 0).scalar)
}

/// The error `Query.parse` throws for `text`.
private func parseError(_ text: String) -> ParseError? {
    do {
        _ = try Query.parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite struct ParserTests {
    @Test func precedenceAndAssociativity() throws {
        #expect(try constant("1 + 2 * 3") == 7)
        #expect(try constant("(1 + 2) * 3") == 9)
        #expect(try constant("2 ^ 3 ^ 2") == 512)       // right-associative
        #expect(try constant("-2 ^ 2") == -4)           // unary minus binds looser than ^
        #expect(try constant("-2 * 3") == -6)
        #expect(try constant("10 - 4 - 3") == 3)        // left-associative
        #expect(try constant("2 * 3 % 4") == 2)
        #expect(try constant("1 + 2 > bool 2") == 1)    // comparison below arithmetic
        #expect(try constant("- - 1") == 1)
        #expect(try constant("+1") == 1)
    }

    @Test func numberLiterals() throws {
        #expect(try constant("0x1f") == 31)
        #expect(try constant("1e3") == 1000)
        #expect(try constant(".5") == 0.5)
        #expect(try constant("1.5e-1") == 0.15)
        #expect(try constant("Inf") == .infinity)
        #expect(try constant("-inf") == -.infinity)
        #expect(try constant("NaN").isNaN)
    }

    @Test func durations() {
        #expect(parseDuration("5m") == 300_000)
        #expect(parseDuration("1h30m") == 5_400_000)
        #expect(parseDuration("250ms") == 250)
        #expect(parseDuration("1y") == Int64(31_536_000_000))
        #expect(parseDuration("2w1d") == Int64(1_296_000_000))
        #expect(parseDuration("30m1h") == nil)          // units must decrease
        #expect(parseDuration("5") == nil)
        #expect(parseDuration("99999999999999999999y") == nil)
    }

    @Test func selectors() throws {
        guard case .matrixSelector(let sel, let range) = try Query.parse("foo{a=\"1\", b!~\"x|y\"}[1h30m] offset 5m") else {
            Issue.record("expected a matrix selector")
            return
        }
        #expect(range == 5_400_000)
        #expect(sel.offset == 300_000)
        #expect(sel.matchers.map(\.name) == ["__name__", "a", "b"])
        #expect(sel.matchers.map(\.op) == [.equal, .equal, .regexNoMatch])
        guard case .vectorSelector(let neg) = try Query.parse("foo offset -10m") else {
            Issue.record("expected a vector selector")
            return
        }
        #expect(neg.offset == -600_000)
    }

    @Test func stringLiterals() throws {
        guard case .string(let s) = try Query.parse(#""a\n\"b\" \x41\u00e9""#) else { Issue.record("string"); return }
        #expect(s == "a\n\"b\" Aé")
        guard case .string(let raw) = try Query.parse(#"`a\n`"#) else { Issue.record("raw"); return }
        #expect(raw == #"a\n"#)
        guard case .string(let single) = try Query.parse("'it\\'s'") else { Issue.record("single"); return }
        #expect(single == "it's")
    }

    @Test func aggregationGroupingBeforeOrAfter() throws {
        for text in ["sum by (job) (foo)", "sum(foo) by (job)"] {
            guard case .aggregate(.sum, _, _, let grouping, let without) = try Query.parse(text) else {
                Issue.record("expected an aggregation for \(text)")
                continue
            }
            #expect(grouping == ["job"])
            #expect(!without)
        }
        guard case .aggregate(.topk, _, let param, let grouping, true) = try Query.parse("topk without (a, b,) (3, foo)") else {
            Issue.record("expected topk without")
            return
        }
        #expect(grouping == ["a", "b"])
        #expect(param != nil)
    }

    @Test func vectorMatchingClauses() throws {
        guard case .binary(.div, _, _, let matching, false) = try Query.parse("a / on(x, y) b") else {
            Issue.record("expected a division")
            return
        }
        #expect(matching == VectorMatching(on: true, labels: ["x", "y"]))
        guard case .binary(.gtr, _, _, let m2, true) = try Query.parse("a > bool ignoring(z) b") else {
            Issue.record("expected a comparison")
            return
        }
        #expect(m2 == VectorMatching(on: false, labels: ["z"]))
    }

    @Test func errorColumns() {
        let cases: [(String, Int, String)] = [
            ("foo{", 5, "unexpected end of input, expected a label name or \"}\""),
            ("1 +", 4, "unexpected end of input, expected an expression"),
            ("(1 + 2", 7, "unexpected end of input, expected \")\""),
            ("rate(foo[5m)", 12, "unexpected \")\", expected \"]\""),
            ("rate(foo)", 6, "expected type range vector in call to function \"rate\", got instant vector"),
            ("sum(foo[5m])", 5, "expected type instant vector in aggregation expression, got range vector"),
            ("1 > 2", 3, "comparisons between scalars must use BOOL modifier"),
            ("up + bool 1", 4, "bool modifier can only be used on comparison operators"),
            ("\"a\" + 1", 1, "binary expression must contain only scalar and instant vector types"),
            ("foo offset 5m offset 5m", 1, "offset may not be set multiple times"),
            ("{__name__=~\".*\"}", 1, "vector selector must contain at least one non-empty matcher"),
            ("unknown_func(up)", 1, "unknown function with name \"unknown_func\""),
            ("up{job=~\"[\"}", 4, "invalid regular expression \"[\""),
            ("foo bar", 5, "unexpected identifier \"bar\", expected an operator or end of input"),
            ("1 $ 2", 3, "unexpected character \"$\""),
            ("up[5x]", 4, "bad number or duration syntax"),
            ("up[5mx]", 4, "bad duration syntax: \"5mx\""),
            ("rate(up[5m], 1)", 1, "expected 1 argument(s) in call to \"rate\", got 2"),
        ]
        for (text, column, message) in cases {
            let error = parseError(text)
            #expect(error == ParseError(column: column, message: message), "\(text)")
        }
    }

    @Test func columnsCountCharactersNotBytes() {
        #expect(parseError("\"é\" + ")?.column == 7)
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let deep = String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000)
        #expect(parseError(deep)?.message == "expression nested too deeply")
        let chain = "1" + String(repeating: " + 1", count: 100_000)
        #expect(parseError(chain)?.message == "expression nested too deeply")
        let subqueries = "foo" + String(repeating: "[5m:]", count: 10_000)
        #expect(parseError(subqueries) != nil)
        let unary = String(repeating: "-", count: 100_000) + "1"
        #expect(parseError(unary)?.message == "expression nested too deeply")
        #expect(try Query.parse("1" + String(repeating: " + 1", count: 150)).type == .scalar)
    }
}

// Printing a tree and parsing it again gives the same tree (compared through
// its printed form), for hand-picked queries and for the whole corpus.
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
