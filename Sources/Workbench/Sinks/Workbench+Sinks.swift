// Sinks in the plugin registry: the built-in ones (webhook, alertmanager,
// file, command, console) are registered exactly as a Lua sink plugin is, so
// `plugins.list("sink")` shows every name an `opslab_configs` entry may use,
// and a Lua plugin of kind `sink` delivers through the same outbox.

import Alerting
import Foundation
import LuaKit
import Notifications
import Plugins

/// How a built-in sink sits in the plugin registry; SinkFactory builds it.
public final class BuiltinSinkRegistration: Sendable {
    public let name: String
    init(name: String) { self.name = name }
}

extension Workbench {
    /// What each built-in sink does, for `plugins.list`.
    private static let builtinSinkSummaries = [
        "alertmanager": "forwards alerts to an Alertmanager's API v2",
        "command": "runs a command with the webhook payload on standard input (no shell)",
        "console": "prints one line per notification on standard output",
        "file": "appends the webhook payload as one fsynced JSON line to a file",
        "webhook": "posts Alertmanager's webhook payload (version 4) to a URL",
    ]

    func registerBuiltinSinks() {
        for (name, summary) in Self.builtinSinkSummaries.sorted(by: { $0.key < $1.key }) {
            do {
                let manifest = try PluginManifest(fields: [
                    "kind": .string("sink"), "name": .string(name), "version": .string(Workbench.version),
                    "description": .string(summary), "send": .function,
                ], kinds: registry.kinds)
                try registry.register(manifest, source: .builtin, implementation: BuiltinSinkRegistration(name: name))
            } catch {
                registry.recordProblem(.init(file: "built-in sink \(name)", field: error.field, message: error.message))
            }
        }
    }

    /// The Lua sink plugin `name` configured with `options`, or nil when no
    /// Lua plugin of kind `sink` has that name (the built-ins are SinkFactory's).
    public func pluginSink(named name: String, options: [String: ConfigNode], externalURL: String) -> (any NotificationSink)? {
        luaLock.lock()
        defer { luaLock.unlock() }
        guard let plugin = registry.entry(kind: "sink", name: name)?.implementation as? LuaPlugin else { return nil }
        return LuaSink(plugin: plugin, options: LuaTableValue(fields: options.mapValues { Self.configurationValue($0) }),
                       externalURL: externalURL, workbench: self)
    }

    /// A configuration value as Lua sees it: scalars stay strings, as YAML wrote them.
    static func configurationValue(_ node: ConfigNode) -> LuaValue {
        switch node {
        case .null: return .nil
        case .scalar(let text): return .string(text)
        case .list(let items): return .table(LuaTableValue(array: items.map { configurationValue($0) }))
        case .mapping(let fields): return .table(LuaTableValue(fields: fields.mapValues { configurationValue($0) }))
        }
    }
}

/// A sink plugin written in Lua: `send(ctx, notification)` with the webhook
/// payload as a table and `ctx.options` from the configuration. Returning
/// normally delivers; raising an error is a failure retried with backoff;
/// returning `false, reason` refuses the notification for good (a dead letter).
/// It runs under the workbench's Lua lock with the plugin time budget; its
/// failures do not quarantine it (the outbox's backoff bounds them). Each
/// delivery calls the plugin registered under its name now, so an edited
/// sink file takes effect in a running serve.
final class LuaSink: NotificationSink, @unchecked Sendable {
    let name: String
    let options: LuaTableValue
    let externalURL: String
    private unowned let workbench: Workbench

    init(plugin: LuaPlugin, options: LuaTableValue, externalURL: String, workbench: Workbench) {
        name = plugin.manifest.name
        self.options = options
        self.externalURL = externalURL
        self.workbench = workbench
    }

    func deliver(_ notification: AlertNotification) -> DeliveryOutcome {
        let payload = WebhookPayload(notification, externalURL: externalURL)
        let ctx = LuaTableValue(fields: [
            "options": .table(options),
            "receiver": .string(notification.receiver),
            "integration": .string(notification.integration.description),
            "dedup_key": .string(notification.dedupKey),
        ])
        workbench.luaLock.lock()
        defer { workbench.luaLock.unlock() }
        guard let plugin = workbench.registry.entry(kind: "sink", name: name)?.implementation as? LuaPlugin else {
            return .retry("sink plugin \(name) is no longer registered", afterMs: nil)
        }
        do {
            let results = try plugin.invoke("send", arguments: [.table(ctx), .table(Self.table(payload))], quarantining: false)
            if case .boolean(false)? = results.first {
                let reason = results.dropFirst().first.flatMap(\.stringValue) ?? "the sink refused the notification"
                return .rejected("\(name): \(reason)")
            }
            return .delivered
        } catch {
            return .retry("\(error)", afterMs: nil)
        }
    }

    private static func table(_ payload: WebhookPayload) -> LuaTableValue {
        func strings(_ map: [String: String]) -> LuaValue { .table(LuaTableValue(fields: map.mapValues(LuaValue.string))) }
        let alerts = payload.alerts.map { alert in
            LuaValue.table(LuaTableValue(fields: [
                "status": .string(alert.status), "labels": strings(alert.labels), "annotations": strings(alert.annotations),
                "startsAt": .string(alert.startsAt), "endsAt": .string(alert.endsAt),
                "generatorURL": .string(alert.generatorURL), "fingerprint": .string(alert.fingerprint),
            ]))
        }
        return LuaTableValue(fields: [
            "version": .string(payload.version), "groupKey": .string(payload.groupKey),
            "truncatedAlerts": .integer(Int64(payload.truncatedAlerts)), "status": .string(payload.status),
            "receiver": .string(payload.receiver), "groupLabels": strings(payload.groupLabels),
            "commonLabels": strings(payload.commonLabels), "commonAnnotations": strings(payload.commonAnnotations),
            "externalURL": .string(payload.externalURL), "alerts": .table(LuaTableValue(array: alerts)),
        ])
    }
}
