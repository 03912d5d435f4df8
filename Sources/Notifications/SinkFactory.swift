// Sinks for every integration an Alertmanager configuration declares.
//
// An alertmanager.yml works unchanged for what opslab delivers itself:
// `webhook_configs` (url or url_file, max_alerts, send_resolved, and
// http_config's basic_auth, authorization and bearer_token), and opslab's
// one extension, `opslab_configs`, naming a built-in sink (`webhook`,
// `file`, `console`, `command`, `alertmanager`) or a Lua sink plugin from
// the registry, with its options. Every other integration, and
// every setting opslab would silently ignore, is an error that names the
// receiver, the field and the line, so that nobody believes a page is
// wired up when it is not.

import Alerting
import Foundation

/// Builds the sinks of a configuration.
public struct SinkFactory: Sendable {
    /// The configuration file, for errors.
    public var file: String
    /// The URL payloads link back to ($externalURL).
    public var externalURL: String
    /// Per-attempt limit in seconds.
    public var timeout: Double
    /// The User-Agent of HTTP sinks.
    public var userAgent: String

    /// A factory; `timeout` bounds every delivery attempt.
    public init(file: String, externalURL: String, timeout: Double = 10, userAgent: String = "opslab") {
        self.file = file
        self.externalURL = externalURL
        self.timeout = timeout
        self.userAgent = userAgent
    }

    /// The built-in sinks `opslab_configs` may name.
    public static let builtinSinks = ["alertmanager", "command", "console", "file", "webhook"]

    /// One sink per integration of every receiver, or the first problem.
    /// `plugins` finds the sink plugins (the workbench's registry, kind
    /// `sink`) that `opslab_configs` entries name when no built-in sink has the name.
    public func sinks(for config: AlertmanagerConfig,
                      plugins: (_ name: String, _ options: [String: ConfigNode]) -> (any NotificationSink)? = { _, _ in nil })
        throws(YAMLFileError) -> [IntegrationRef: any NotificationSink] {
        var sinks: [IntegrationRef: any NotificationSink] = [:]
        for receiver in config.receivers {
            for key in receiver.integrations.keys.sorted() where key != "webhook_configs" {
                throw problem(receiver, "\(key) is not delivered by opslab (it delivers webhook_configs and opslab_configs; use an Alertmanager for the rest)")
            }
            for ref in receiver.integrationRefs {
                let settings = receiver.settings(of: ref) ?? .mapping([:])
                sinks[ref] = ref.integration == "webhook"
                    ? try webhook(settings, receiver: receiver, global: config.global)
                    : try opslabSink(receiver.opslabSinks[ref.index], receiver: receiver, global: config.global, plugins: plugins)
            }
        }
        return sinks
    }

    private var http: HTTPDelivery { HTTPDelivery(timeout: timeout, userAgent: userAgent) }

    private func webhook(_ settings: ConfigNode, receiver: Receiver, global: AlertmanagerGlobal) throws(YAMLFileError) -> any NotificationSink {
        try known(settings, ["url", "url_file", "send_resolved", "max_alerts", "http_config"], receiver, "webhook_configs")
        var urlText = settings["url"]?.text
        if urlText == nil, let path = settings["url_file"]?.text {
            urlText = try read(path, receiver, "webhook_configs.url_file")
        }
        guard let text = urlText, let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw problem(receiver, "webhook_configs.url must be an http or https URL, got \(urlText.map { "\"\($0)\"" } ?? "nothing")")
        }
        let maxAlerts = settings["max_alerts"]?.text.map { Int($0) } ?? 0
        guard let maxAlerts, maxAlerts >= 0 else {
            throw problem(receiver, "webhook_configs.max_alerts must be a whole number >= 0, got \(settings["max_alerts"]?.text ?? "")")
        }
        let httpConfig = settings["http_config"] ?? global.settings["http_config"]
        return WebhookSink(url: url, maxAlerts: maxAlerts, externalURL: externalURL,
                           authorization: try authorization(httpConfig, receiver), http: http)
    }

    /// The Authorization header an http_config asks for.
    private func authorization(_ config: ConfigNode?, _ receiver: Receiver) throws(YAMLFileError) -> String? {
        guard let config, config != .null else { return nil }
        try known(config, ["basic_auth", "authorization", "bearer_token", "bearer_token_file", "follow_redirects", "enable_http2"],
                  receiver, "http_config")
        if let basic = config["basic_auth"] {
            try known(basic, ["username", "password", "password_file"], receiver, "http_config.basic_auth")
            let user = basic["username"]?.text ?? ""
            var password = basic["password"]?.text ?? ""
            if let path = basic["password_file"]?.text { password = try read(path, receiver, "http_config.basic_auth.password_file") }
            return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
        if let auth = config["authorization"] {
            try known(auth, ["type", "credentials", "credentials_file"], receiver, "http_config.authorization")
            var credentials = auth["credentials"]?.text ?? ""
            if let path = auth["credentials_file"]?.text { credentials = try read(path, receiver, "http_config.authorization.credentials_file") }
            return (auth["type"]?.text ?? "Bearer") + " " + credentials
        }
        if let token = config["bearer_token"]?.text { return "Bearer " + token }
        if let path = config["bearer_token_file"]?.text { return "Bearer " + (try read(path, receiver, "http_config.bearer_token_file")) }
        return nil
    }

    private func opslabSink(_ sink: OpslabSinkConfig, receiver: Receiver, global: AlertmanagerGlobal,
                            plugins: (String, [String: ConfigNode]) -> (any NotificationSink)?) throws(YAMLFileError) -> any NotificationSink {
        let options = ConfigNode.mapping(sink.options)
        let field = "opslab_configs (sink \(sink.sink)).options"
        switch sink.sink {
        case "console":
            try known(options, [], receiver, field)
            return ConsoleSink()
        case "file":
            try known(options, ["path"], receiver, field)
            guard let path = options["path"]?.text else { throw problem(receiver, "\(field).path is required") }
            return FileSink(path: path, externalURL: externalURL)
        case "command":
            try known(options, ["argv"], receiver, field)
            guard case .list(let items)? = options["argv"], !items.isEmpty else {
                throw problem(receiver, "\(field).argv must be a non-empty list, such as [\"/usr/local/bin/page\", \"--team\", \"infra\"]")
            }
            var argv: [String] = []
            for item in items {
                guard let text = item.text else { throw problem(receiver, "\(field).argv holds only non-empty strings") }
                argv.append(text)
            }
            return CommandSink(argv: argv, timeout: timeout, externalURL: externalURL)
        case "webhook":
            return try webhook(options, receiver: receiver, global: global)
        case "alertmanager":
            try known(options, ["url"], receiver, field)
            guard let text = options["url"]?.text, let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
                throw problem(receiver, "\(field).url must be an Alertmanager's http or https URL")
            }
            return AlertmanagerSink(url: url, http: http)
        default:
            guard let plugin = plugins(sink.sink, sink.options) else {
                throw problem(receiver, "opslab_configs names the sink \"\(sink.sink)\", which is neither built in (\(Self.builtinSinks.joined(separator: ", "))) nor a loaded sink plugin (see `opslab plugin list`)")
            }
            return plugin
        }
    }

    private func known(_ node: ConfigNode, _ fields: Set<String>, _ receiver: Receiver, _ path: String) throws(YAMLFileError) {
        guard case .mapping(let entries) = node else {
            if node == .null { return }
            throw problem(receiver, "\(path) must be a mapping")
        }
        if let unknown = entries.keys.sorted().first(where: { !fields.contains($0) }) {
            let supported = fields.isEmpty ? "none" : fields.sorted().joined(separator: ", ")
            throw problem(receiver, "\(path).\(unknown) is not supported by opslab (supported: \(supported))")
        }
    }

    private func read(_ path: String, _ receiver: Receiver, _ field: String) throws(YAMLFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw problem(receiver, "\(field): cannot read \(path)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func problem(_ receiver: Receiver, _ message: String) -> YAMLFileError {
        YAMLFileError(file: file, line: receiver.line, message: "receiver \"\(receiver.name)\": \(message)")
    }
}
