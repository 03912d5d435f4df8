// Inhibition: while an alert matching a rule's source side fires, alerts
// matching its target side are not notified, provided the two agree on the
// rule's `equal` labels.
//
// This is Alertmanager 0.25's inhibit package. A label in `equal` that
// neither alert has counts as equal (both read as ""). An alert that
// matches both sides is never inhibited by another alert that also matches
// both sides, so a rule such as critical-mutes-warning-or-critical cannot
// make an alert inhibit itself, or two alerts inhibit each other.

import Telemetry

/// One entry of `inhibit_rules:`.
public struct InhibitRule: Sendable {
    /// What an inhibiting (source) alert must satisfy: source_match,
    /// source_match_re and source_matchers together.
    public let sourceMatchers: [LabelMatcher]
    /// What an inhibited (target) alert must satisfy.
    public let targetMatchers: [LabelMatcher]
    /// Labels whose values the two alerts must share.
    public let equal: [String]
    /// Where the rule is defined.
    public let line: Int?

    /// True when a firing alert labelled `source` inhibits the alert labelled `target`.
    public func inhibits(source: [String: String], target: [String: String]) -> Bool {
        guard AlertmanagerMatchers.all(targetMatchers, match: target),
              AlertmanagerMatchers.all(sourceMatchers, match: source),
              equal.allSatisfy({ (source[$0] ?? "") == (target[$0] ?? "") })
        else { return false }
        // Alertmanager's excludeTwoSidedMatch.
        let twoSided = AlertmanagerMatchers.all(sourceMatchers, match: target)
            && AlertmanagerMatchers.all(targetMatchers, match: source)
        return !twoSided
    }

    /// The keys an inhibit rule may have.
    static let fields: Set<String> = [
        "source_match", "source_match_re", "source_matchers", "target_match", "target_match_re", "target_matchers", "equal",
    ]

    static func parse(_ value: YAMLValue) throws(YAMLFileError) -> InhibitRule {
        let fields = try value.mapping(known: Self.fields)
        func side(_ prefix: String) throws(YAMLFileError) -> [LabelMatcher] {
            var matchers: [LabelMatcher] = []
            if let match = fields[prefix + "_match"] {
                let pairs = try match.stringPairs()
                for (name, _) in pairs where !isAlertmanagerLabelName(name) {
                    throw match.error("invalid label name \"\(name)\"")
                }
                matchers += AlertmanagerMatchers.equalities(pairs)
            }
            if let matchRE = fields[prefix + "_match_re"] { matchers += try parseMatchRE(matchRE) }
            if let list = fields[prefix + "_matchers"] { matchers += try parseMatcherList(list) }
            return matchers
        }
        var equal: [String] = []
        for item in try fields["equal"]?.sequence() ?? [] {
            let name = try item.string()
            guard isAlertmanagerLabelName(name) else { throw item.error("\"\(name)\" is not a valid label name") }
            equal.append(name)
        }
        return InhibitRule(sourceMatchers: try side("source"), targetMatchers: try side("target"), equal: equal,
                           line: value.line)
    }
}
