import Foundation
import LuaKit
import Plugins
import Telemetry

/// How a built-in Swift collector sits in the plugin registry.
public final class CollectorRegistration: @unchecked Sendable {
    public let collector: any Collector
    init(_ collector: any Collector) { self.collector = collector }
}

/// A collector plugin written in Lua, seen by Telemetry as any other
/// `Collector`. It runs on the thread that asks for the pass, holding the
/// workbench's Lua lock, and its budget is the plugin's Lua time budget.
/// Each run calls the plugin registered under its name now, so a plugin
/// reloaded (plugins.reload, or a file edited) runs its new code at once.
final class LuaCollector: Collector, @unchecked Sendable {
    let name: String
    let summary: String
    let interval: Double
    private unowned let workbench: Workbench

    init(plugin: LuaPlugin, workbench: Workbench) {
        self.workbench = workbench
        name = plugin.manifest.name
        summary = plugin.manifest.description
        if case .string(let text)? = plugin.manifest.fields["interval"], let duration = Duration.parse(text) {
            interval = duration.totalSeconds
        } else {
            interval = 15
        }
    }

    var runsOnCallingThread: Bool { true }

    func collect(_ context: CollectContext) throws -> [Sample] {
        workbench.luaLock.lock()
        defer { workbench.luaLock.unlock() }
        guard let plugin = workbench.registry.entry(kind: "collector", name: name)?.implementation as? LuaPlugin else {
            throw CollectorError.failed("the plugin is no longer registered")
        }
        let ctx: [String: LuaValue] = [
            "now": .number(Double(context.timestampMs) / 1000),
            "options": .table(LuaTableValue(fields: workbench.collectorOptions[name] ?? [:])),
        ]
        let results: [LuaValue]
        do {
            results = try plugin.invoke("collect", arguments: [.table(LuaTableValue(fields: ctx))],
                                        budget: max(0.001, context.deadline.remaining))
        } catch let failure as LuaPlugin.Failure where failure.timedOut {
            throw CollectorError.deadlineExceeded
        } catch {
            throw CollectorError.failed("\(error)")
        }
        guard case .table(let list)? = results.first else {
            throw CollectorError.failed("collect must return a list of samples, got \(results.first?.typeName ?? "nothing")")
        }
        return try list.array.enumerated().map { index, item in
            try sample(from: item, position: index + 1, timestampMs: context.timestampMs)
        }
    }

    private func sample(from item: LuaValue, position: Int, timestampMs: Int64) throws -> Sample {
        func problem(_ text: String) -> CollectorError { .failed("sample #\(position): \(text)") }
        guard case .table(let table) = item else { throw problem("expected a table, got \(item.typeName)") }
        guard let name = table["name"].stringValue else { throw problem("'name' must be a string") }
        guard let value = table["value"].doubleValue else {
            throw problem("'value' must be a number, got \(table["value"].typeName)")
        }
        var labels: [String: String] = [:]
        switch table["labels"] {
        case .nil: break
        case .table(let labelTable):
            for (key, value) in labelTable.fields {
                switch value {
                case .string(let s): labels[key] = s
                case .integer, .number, .boolean: labels[key] = value.description
                default: throw problem("label '\(key)' must be a string or number, got \(value.typeName)")
                }
            }
        case let other: throw problem("'labels' must be a table, got \(other.typeName)")
        }
        return Sample(name, Labels(labels), value, timestampMs: timestampMs)
    }
}
