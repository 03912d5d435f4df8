// The one label matcher the store, PromQL and live selectors share:
// Prometheus's semantics for absent labels, the metric name and RE2-style,
// fully anchored regular expressions.

import Testing
@testable import Telemetry

@Suite("Label matchers")
struct LabelMatcherTests {
    @Test func regexMatchersFollowRE2() throws {
        let m = try LabelMatcher("job", .regexMatch, "a.c|x")
        #expect(m.matches("abc") && m.matches("x"))
        #expect(!m.matches("xabc") && !m.matches("abcx"))      // fully anchored
        #expect(!m.matches("a\nc"))                              // `.` stops at newlines
        #expect(try LabelMatcher("job", .regexMatch, "(?s)a.c").matches("a\nc"))
        #expect(try LabelMatcher("job", .regexNoMatch, "").matches(labels: ["job": "a"]))
        #expect(try LabelMatcher("job", .regexMatch, "(?P<x>a)b").matches("ab"))
        for pattern in ["(?=a)", "(?!a)", "(?<=a)b", "(a)\\1", "a++", "(?>a)", "(", "["] {
            #expect(throws: LabelMatcherError.self, "\(pattern)") { try LabelMatcher("j", .regexMatch, pattern) }
        }
        #expect(!usesNonRE2Syntax("[(?=]") && !usesNonRE2Syntax("a\\+"))
        #expect(throws: Never.self) { try LabelMatcher("j", .equal, "(") }   // literals are not compiled
    }

    /// `]` right after `[` or `[^` is a literal in RE2; both passes over a
    /// pattern (screening and group naming) must agree on where a class ends.
    @Test func classesStartingWithABracketAreOneClass() throws {
        #expect(!usesNonRE2Syntax("[](?=]") && !usesNonRE2Syntax("[^](?=]") && !usesNonRE2Syntax("[]\\1]"))
        #expect(usesNonRE2Syntax("[]](?=a)") && usesNonRE2Syntax("[^]]\\1"))
        #expect(translateNamedGroups("[](?P<n>a)]").1.isEmpty)
        #expect(translateNamedGroups("[]](?P<n>a)").1 == ["n": 1])
        #expect(translateNamedGroups("[^]](?P<n>a)").1 == ["n": 1])
        #expect(translateNamedGroups("[]](?P<n>a)").0 == "[]](?<n>a)")
        let regex = try #require(AnchoredRegex("[]a]+(?P<rest>b*)"))
        #expect(regex.fullMatch("]a]bb") && !regex.fullMatch("c"))
        #expect(regex.groupNumbers == ["rest": 1])
        #expect(try LabelMatcher("j", .regexMatch, "[^]a]").matches("b"))
        #expect(try !LabelMatcher("j", .regexMatch, "[^]a]").matches("]"))
    }

    @Test func absentLabelsReadAsEmptyAndTheNameIsALabel() throws {
        let labels: Labels = ["job": "api", "instance": "a:1"]
        func all(_ matchers: [LabelMatcher]) -> Bool { LabelMatcher.all(matchers, match: "up", labels) }
        #expect(all([]))
        #expect(all([try LabelMatcher("env", .equal, "")]))
        #expect(!all([try LabelMatcher("env", .notEqual, "")]))
        #expect(all([try LabelMatcher("__name__", .equal, "up"), try LabelMatcher("job", .regexMatch, "api|web")]))
        #expect(!all([try LabelMatcher("__name__", .regexNoMatch, "u.")]))
        #expect(!all([try LabelMatcher("job", .regexMatch, "ap")]))
        // With the name among the labels, as PromQL's sources hand it over.
        #expect(try LabelMatcher("__name__", .equal, "up").matches(labels: labels.with("__name__", "up")))
    }

    @Test func equalityAndDescription() throws {
        #expect(try LabelMatcher("a", .regexMatch, "x.*") == LabelMatcher("a", .regexMatch, "x.*"))
        #expect(try LabelMatcher("a", .regexMatch, "x") != LabelMatcher("a", .regexNoMatch, "x"))
        #expect(try LabelMatcher("path", .notEqual, "a\"b\\c\n").description == #"path!="a\"b\\c\n""#)
        #expect(LabelMatcher.Op.allCases.map(\.rawValue) == ["=", "!=", "=~", "!~"])
    }
}
