// An Alertmanager configuration file (alertmanager.yml, as of Alertmanager
// 0.25), read unchanged so that the fleet's routing can be tried and used
// on one host.
//
// Reading is strict, as Alertmanager's is (yaml.v2 UnmarshalStrict plus
// Config.UnmarshalYAML): an unknown key anywhere we model is an error, and
// so is everything `amtool check-config` refuses about routes, receivers,
// inhibit rules and time intervals, each naming the field and the line.
// Integration settings (webhook_configs, email_configs, ...) are kept as
// they were written, checked only where Alertmanager fills them from
// `global:` and would refuse a file that leaves both empty.
//
// opslab adds one integration, `opslab_configs: [{sink: NAME, options:
// {...}}]`, which hands notifications to an opslab sink plugin. Alertmanager
// itself would refuse a file that uses it.

import Foundation

/// A YAML value kept as written, for settings opslab does not interpret.
public indirect enum ConfigNode: Sendable, Equatable {
    /// Null, or nothing written.
    case null
    /// A scalar, as written (numbers and booleans included).
    case scalar(String)
    /// A sequence.
    case list([ConfigNode])
    /// A mapping (key order is not kept).
    case mapping([String: ConfigNode])

    init(_ value: YAMLValue) throws(YAMLFileError) {
        if value.isNull { self = .null; return }
        switch value.node {
        case .sequence?: self = .list(try value.sequence().map { item throws(YAMLFileError) in try ConfigNode(item) })
        case .mapping?:
            var out: [String: ConfigNode] = [:]
            for (key, item) in try value.mapping(known: value.stringKeys) { out[key] = try ConfigNode(item) }
            self = .mapping(out)
        default: self = .scalar(try value.string())
        }
    }

    /// The text of a non-empty scalar; nil otherwise.
    public var text: String? {
        if case .scalar(let s) = self, !s.isEmpty { return s }
        return nil
    }

    /// The value under `key` of a mapping.
    public subscript(key: String) -> ConfigNode? {
        if case .mapping(let entries) = self { return entries[key] }
        return nil
    }
}

/// The `global:` section: defaults for every receiver.
public struct AlertmanagerGlobal: Sendable, Equatable {
    /// How long after its last update an alert without an end time counts as resolved (default 5m).
    public var resolveTimeoutMs: Int64 = 5 * 60_000
    /// Every other setting given, by key (smtp_smarthost, slack_api_url, http_config, ...).
    public var settings: [String: ConfigNode] = [:]

    /// The keys Alertmanager 0.25 knows.
    static let fields: Set<String> = [
        "resolve_timeout", "http_config", "smtp_from", "smtp_hello", "smtp_smarthost", "smtp_auth_username",
        "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_secret", "smtp_auth_identity", "smtp_require_tls",
        "slack_api_url", "slack_api_url_file", "pagerduty_url", "opsgenie_api_url", "opsgenie_api_key",
        "opsgenie_api_key_file", "wechat_api_url", "wechat_api_secret", "wechat_api_corp_id", "victorops_api_url",
        "victorops_api_key", "victorops_api_key_file", "telegram_api_url", "webex_api_url",
    ]

    static func parse(_ value: YAMLValue?) throws(YAMLFileError) -> AlertmanagerGlobal {
        var global = AlertmanagerGlobal()
        guard let value else { return global }
        for (key, field) in try value.mapping(known: fields) {
            if key == "resolve_timeout" {
                global.resolveTimeoutMs = try alertmanagerDuration(field)
            } else {
                global.settings[key] = try ConfigNode(field)
            }
            if key.hasSuffix("_url"), let text = try nonEmptyString(field), let problem = urlProblem(text) {
                throw field.error(problem)
            }
            if key == "smtp_smarthost", let text = try nonEmptyString(field), !text.contains(":") {
                throw field.error("address \(text): missing port in address")
            }
        }
        for key in ["slack_api_url", "opsgenie_api_key", "victorops_api_key", "smtp_auth_password"]
        where global.settings[key]?.text != nil && global.settings[key + "_file"]?.text != nil {
            throw value.error("at most one of \(key) & \(key)_file must be configured")
        }
        return global
    }

    /// Why Alertmanager would refuse `text` as a URL, or nil.
    private static func urlProblem(_ text: String) -> String? {
        guard let url = URLComponents(string: text) else { return "invalid URL \"\(text)\"" }
        let scheme = url.scheme ?? ""
        guard scheme == "http" || scheme == "https" else { return "unsupported scheme \"\(scheme)\" for URL" }
        guard let host = url.host, !host.isEmpty else { return "missing host for URL" }
        return nil
    }
}

/// A receiver: a name and where its notifications go.
public struct Receiver: Sendable, Equatable {
    /// The name routes use.
    public var name: String
    /// Alertmanager's integrations, by key (`webhook_configs`, ...), each
    /// entry as written.
    public var integrations: [String: [ConfigNode]]
    /// opslab's own integration: sink plugins to hand notifications to.
    public var opslabSinks: [OpslabSinkConfig]
    /// Where it is defined.
    public var line: Int?

    /// The integration keys of Alertmanager 0.25.
    static let integrationKeys: Set<String> = [
        "discord_configs", "email_configs", "pagerduty_configs", "slack_configs", "webhook_configs", "opsgenie_configs",
        "wechat_configs", "pushover_configs", "victorops_configs", "sns_configs", "telegram_configs", "webex_configs",
    ]

    /// Settings an integration entry takes from `global:` when it has none
    /// of its own: entry keys, global keys, and what Alertmanager says when
    /// neither is there.
    private static let globalDefaults: [(integration: String, own: [String], global: [String], message: String)] = [
        ("email_configs", ["smarthost"], ["smtp_smarthost"], "no global SMTP smarthost set"),
        ("email_configs", ["from"], ["smtp_from"], "no global SMTP from set"),
        ("slack_configs", ["api_url", "api_url_file"], ["slack_api_url", "slack_api_url_file"],
         "no global Slack API URL set either inline or in a file"),
        ("opsgenie_configs", ["api_key", "api_key_file"], ["opsgenie_api_key", "opsgenie_api_key_file"],
         "no global OpsGenie API Key set either inline or in a file"),
        ("wechat_configs", ["api_secret"], ["wechat_api_secret"], "no global Wechat ApiSecret set"),
        ("wechat_configs", ["corp_id"], ["wechat_api_corp_id"], "no global Wechat CorpID set"),
        ("victorops_configs", ["api_key", "api_key_file"], ["victorops_api_key", "victorops_api_key_file"],
         "no global VictorOps API Key set"),
    ]

    static func parse(_ value: YAMLValue, global: AlertmanagerGlobal) throws(YAMLFileError) -> Receiver {
        let fields = try value.mapping(known: integrationKeys.union(["name", "opslab_configs"]))
        guard let name = try fields["name"].map(nonEmptyString) ?? nil else {
            throw value.error("missing name in receiver")
        }
        var integrations: [String: [ConfigNode]] = [:]
        for (key, field) in fields where integrationKeys.contains(key) {
            var entries: [ConfigNode] = []
            for item in try field.sequence() {
                let entry = try ConfigNode(item)
                guard case .mapping = entry else { throw item.error("expected a mapping") }
                for rule in globalDefaults where rule.integration == key {
                    let has = rule.own.contains { entry[$0]?.text != nil } || rule.global.contains { global.settings[$0]?.text != nil }
                    if !has { throw item.error(rule.message) }
                }
                entries.append(entry)
            }
            integrations[key] = entries
        }
        var sinks: [OpslabSinkConfig] = []
        for item in try fields["opslab_configs"]?.sequence() ?? [] {
            sinks.append(try OpslabSinkConfig.parse(item))
        }
        return Receiver(name: name, integrations: integrations, opslabSinks: sinks, line: value.line)
    }
}

/// One `opslab_configs:` entry: notifications go to the sink plugin `sink`.
public struct OpslabSinkConfig: Sendable, Equatable {
    /// The sink plugin's name.
    public var sink: String
    /// Passed to the sink as given.
    public var options: [String: ConfigNode]

    static func parse(_ value: YAMLValue) throws(YAMLFileError) -> OpslabSinkConfig {
        let fields = try value.mapping(known: ["sink", "options"])
        guard let sink = try fields["sink"].map(nonEmptyString) ?? nil else {
            throw value.error("an opslab_configs entry needs a sink")
        }
        var options: [String: ConfigNode] = [:]
        if let field = fields["options"], !field.isNull {
            guard case .mapping(let entries) = try ConfigNode(field) else {
                throw field.error("options must be a mapping")
            }
            options = entries
        }
        return OpslabSinkConfig(sink: sink, options: options)
    }
}

/// A whole Alertmanager configuration.
public struct AlertmanagerConfig: Sendable {
    /// The `global:` section (defaults when absent).
    public var global: AlertmanagerGlobal
    /// The routing tree.
    public var route: Route
    /// The receivers, in file order.
    public var receivers: [Receiver]
    /// The inhibit rules, in file order.
    public var inhibitRules: [InhibitRule]
    /// `mute_time_intervals:` then `time_intervals:`, in file order.
    public var timeIntervals: [NamedTimeInterval]
    /// Template file globs; relative ones are relative to the file's folder after `load`.
    public var templates: [String]

    /// The top-level keys.
    static let fields: Set<String> = [
        "global", "route", "receivers", "inhibit_rules", "time_intervals", "mute_time_intervals", "templates",
    ]

    /// Reads a configuration; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(YAMLFileError) -> AlertmanagerConfig {
        let document = try YAMLValue.parse(text, file: file)
        let fields = try document.mapping(known: Self.fields)
        let global = try AlertmanagerGlobal.parse(fields["global"])

        var receivers: [Receiver] = []
        for item in try fields["receivers"]?.sequence() ?? [] {
            let receiver = try Receiver.parse(item, global: global)
            guard !receivers.contains(where: { $0.name == receiver.name }) else {
                throw item.error("notification config name \"\(receiver.name)\" is not unique")
            }
            receivers.append(receiver)
        }

        var intervals: [NamedTimeInterval] = []
        for key in ["mute_time_intervals", "time_intervals"] {
            for item in try fields[key]?.sequence() ?? [] {
                let interval = try NamedTimeInterval.parse(item, muteKey: key == "mute_time_intervals")
                guard !intervals.contains(where: { $0.name == interval.name }) else {
                    throw item.error("\(key == "time_intervals" ? "" : "mute ")time interval \"\(interval.name)\" is not unique")
                }
                intervals.append(interval)
            }
        }

        guard let routeValue = fields["route"], !routeValue.isNull else {
            throw document.error("no route provided in config")
        }
        let route = try Route.parseRoot(routeValue, references: Route.References(
            receivers: Set(receivers.map(\.name)), timeIntervals: Set(intervals.map(\.name))))

        var inhibitRules: [InhibitRule] = []
        for item in try fields["inhibit_rules"]?.sequence() ?? [] {
            inhibitRules.append(try InhibitRule.parse(item))
        }
        var templates: [String] = []
        for item in try fields["templates"]?.sequence() ?? [] { templates.append(try item.string()) }

        return AlertmanagerConfig(global: global, route: route, receivers: receivers, inhibitRules: inhibitRules,
                                  timeIntervals: intervals, templates: templates)
    }

    /// Reads the file at `path`; relative template paths become relative to its folder.
    public static func load(path: String) throws(YAMLFileError) -> AlertmanagerConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw YAMLFileError(file: path, line: nil, message: "cannot read the file: \(error.localizedDescription)")
        }
        var config = try parse(text, file: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        config.templates = config.templates.map {
            $0.isEmpty || $0.hasPrefix("/") ? $0 : folder.appendingPathComponent($0).path
        }
        return config
    }

    /// The receiver called `name`.
    public func receiver(named name: String) -> Receiver? {
        receivers.first { $0.name == name }
    }

    /// The time interval called `name`.
    public func timeInterval(named name: String) -> NamedTimeInterval? {
        timeIntervals.first { $0.name == name }
    }

    /// True when one of the firing alerts `firing` inhibits the alert
    /// labelled `labels` under some rule.
    public func isInhibited(_ labels: [String: String], byFiring firing: [[String: String]]) -> Bool {
        inhibitRules.contains { rule in firing.contains { rule.inhibits(source: $0, target: labels) } }
    }
}

extension YAMLValue {
    /// The string keys of a mapping (so that `mapping(known:)` accepts any key).
    var stringKeys: Set<String> {
        guard case .mapping(let mapping)? = node else { return [] }
        return Set(mapping.keys.compactMap(\.string))
    }
}
