// Reading the `route:` tree of an Alertmanager configuration, with the
// checks Alertmanager makes on it (config.Route.UnmarshalYAML and
// Config.UnmarshalYAML): valid label names, `...` alone in group_by, no
// zero group_interval or repeat_interval, receivers and time intervals that
// exist, and a root route with a receiver, no matchers, no time intervals
// and no `continue`. Each error names the field and its line.

import PromQL
import Telemetry

extension Route {
    /// The keys a route may have.
    static let fields: Set<String> = [
        "receiver", "group_by", "continue", "match", "match_re", "matchers", "mute_time_intervals",
        "active_time_intervals", "routes", "group_wait", "group_interval", "repeat_interval",
    ]

    /// What a route may refer to.
    struct References {
        var receivers: Set<String>
        var timeIntervals: Set<String>
    }

    /// The root route, built as Alertmanager builds it.
    static func parseRoot(_ value: YAMLValue, references: References) throws(YAMLFileError) -> Route {
        let route = try parse(value, parent: nil, references: references)
        let fields = try value.mapping(known: Self.fields)
        // The error goes on the first of `keys` the route has.
        func error(_ keys: [String], _ message: String) -> YAMLFileError {
            (keys.lazy.compactMap { fields[$0] }.first ?? value).error(message)
        }
        if route.receiver.isEmpty {
            throw error(["receiver"], "root route must specify a default receiver")
        }
        if !route.matchers.isEmpty {
            throw error(["match", "match_re", "matchers"], "root route must not have any matchers")
        }
        if !route.muteTimeIntervals.isEmpty {
            throw error(["mute_time_intervals"], "root route must not have any mute time intervals")
        }
        if !route.activeTimeIntervals.isEmpty {
            throw error(["active_time_intervals"], "root route must not have any active time intervals")
        }
        if route.continues {
            throw error(["continue"], "cannot have continue in root route")
        }
        return route
    }

    /// A route and its children below `parent`.
    static func parse(_ value: YAMLValue, parent: Route?, references: References) throws(YAMLFileError) -> Route {
        let fields = try value.mapping(known: Self.fields)

        var receiver: String?
        if let field = fields["receiver"], let name = try nonEmptyString(field) {
            guard references.receivers.contains(name) else {
                throw field.error("undefined receiver \"\(name)\" used in route")
            }
            receiver = name
        }

        var matchers: [LabelMatcher] = []
        if let match = fields["match"] {
            let pairs = try match.stringPairs()
            for (name, _) in pairs where !isAlertmanagerLabelName(name) {
                throw match.error("invalid label name \"\(name)\"")
            }
            matchers += AlertmanagerMatchers.equalities(pairs)
        }
        if let matchRE = fields["match_re"] {
            matchers += try parseMatchRE(matchRE)
        }
        if let list = fields["matchers"] {
            matchers += try parseMatcherList(list)
        }

        var intervals: [String: [String]] = [:]
        for key in ["mute_time_intervals", "active_time_intervals"] {
            var names: [String] = []
            for item in try fields[key]?.sequence() ?? [] {
                let name = try item.string()
                guard references.timeIntervals.contains(name) else {
                    throw item.error("undefined time interval \"\(name)\" used in route")
                }
                names.append(name)
            }
            intervals[key] = names
        }

        var timers: [String: Int64] = [:]
        for key in ["group_wait", "group_interval", "repeat_interval"] {
            guard let field = fields[key] else { continue }
            let ms = try alertmanagerDuration(field)
            if ms == 0 && key != "group_wait" { throw field.error("\(key) cannot be zero") }
            timers[key] = ms
        }

        var route = Route(
            parent: parent,
            receiver: receiver,
            groupBy: try fields["group_by"].map(parseGroupBy) ?? nil,
            groupWaitMs: timers["group_wait"],
            groupIntervalMs: timers["group_interval"],
            repeatIntervalMs: timers["repeat_interval"],
            matchers: matchers,
            continues: try fields["continue"].map(yamlBool) ?? false,
            muteTimeIntervals: intervals["mute_time_intervals"] ?? [],
            activeTimeIntervals: intervals["active_time_intervals"] ?? [],
            line: value.line)
        var children: [Route] = []
        for child in try fields["routes"]?.sequence() ?? [] {
            children.append(try parse(child, parent: route, references: references))
        }
        route.routes = children
        return route
    }

    /// `group_by`: label names, or `...` alone. An empty list sets nothing,
    /// so the parent's grouping stays (Alertmanager keeps no list it did not fill).
    private static func parseGroupBy(_ value: YAMLValue) throws(YAMLFileError) -> GroupBy? {
        var names: [String] = []
        var all = false
        for item in try value.sequence() {
            let name = try item.string()
            if name == "..." {
                all = true
            } else {
                guard isAlertmanagerLabelName(name) else { throw item.error("invalid label name \"\(name)\" in group_by list") }
                guard !names.contains(name) else { throw item.error("duplicated label \"\(name)\" in group_by") }
                names.append(name)
            }
        }
        if all && !names.isEmpty {
            throw value.error("cannot have wildcard group_by (`...`) and other labels at the same time")
        }
        if all { return .allLabels }
        return names.isEmpty ? nil : .labels(names.sorted())
    }
}

/// A `match_re:` map (routes, and inhibit rules' source_match_re and target_match_re).
func parseMatchRE(_ value: YAMLValue) throws(YAMLFileError) -> [LabelMatcher] {
    var matchers: [LabelMatcher] = []
    for (name, pattern) in try value.stringPairs() {
        guard isAlertmanagerLabelName(name) else { throw value.error("invalid label name \"\(name)\"") }
        guard let matcher = AlertmanagerMatchers.anchoredRegexMatcher(name: name, pattern: pattern) else {
            throw value.error("invalid regular expression \"\(pattern)\" for \(name)")
        }
        matchers.append(matcher)
    }
    return matchers
}

/// A `matchers:` list (routes, and inhibit rules' source_matchers and target_matchers).
func parseMatcherList(_ value: YAMLValue) throws(YAMLFileError) -> [LabelMatcher] {
    var matchers: [LabelMatcher] = []
    for item in try value.sequence() {
        // A null item reads as "" in Go, which holds no matchers.
        let text = item.isNull ? "" : try item.string()
        do {
            matchers += try AlertmanagerMatchers.parseList(text)
        } catch {
            throw item.error(error.message)
        }
    }
    return matchers
}

/// A string that may be absent or empty (both mean "not set", as in Go).
func nonEmptyString(_ value: YAMLValue) throws(YAMLFileError) -> String? {
    if value.isNull { return nil }
    let text = try value.string()
    return text.isEmpty ? nil : text
}

/// A duration as Alertmanager writes them (model.ParseDuration): `30s`,
/// `1h30m`, units largest first, or `0`; in milliseconds.
func alertmanagerDuration(_ value: YAMLValue) throws(YAMLFileError) -> Int64 {
    try value.modelDuration()
}

/// A YAML 1.1 boolean, as Go's yaml.v2 reads one.
func yamlBool(_ value: YAMLValue) throws(YAMLFileError) -> Bool {
    if value.isNull { return false }
    let text = try value.string()
    switch text {
    case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y": return true
    case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N": return false
    default: throw value.error("cannot read \"\(text)\" as a boolean")
    }
}
