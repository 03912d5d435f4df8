import Foundation
import LuaKit
import Plotting
import Plugins
import Telemetry

/// The `metrics` module: collectors (built-in and plugins) through one
/// runner, samples as Lua tables, Prometheus text, and live charts.
extension Workbench {
    /// Registers the built-in collectors in the plugin registry, the same way
    /// a Lua collector plugin is registered.
    func registerBuiltinCollectors() {
        for collector in BuiltinCollectors.all() {
            do {
                let manifest = try PluginManifest(fields: [
                    "kind": .string("collector"), "name": .string(collector.name),
                    "version": .string(Workbench.version),
                    "description": .string(collector.summary.isEmpty ? "built-in collector" : collector.summary),
                    "collect": .function,
                ], kinds: registry.kinds)
                try registry.register(manifest, source: .builtin, implementation: CollectorRegistration(collector))
            } catch {
                registry.recordProblem(.init(file: "built-in collector \(collector.name)", field: error.field, message: error.message))
            }
        }
    }

    /// Every registered collector as Telemetry sees it, built-ins first.
    var collectors: [any Collector] {
        registry.entries(ofKind: "collector").compactMap { entry in
            if let registration = entry.implementation as? CollectorRegistration { return registration.collector }
            if let plugin = entry.implementation as? LuaPlugin { return LuaCollector(plugin: plugin, workbench: self) }
            return nil
        }
    }

    /// The runner for the current set of collectors; rebuilt when plugins
    /// change so that health counters follow the registry.
    public var collectorRunner: CollectorRunner {
        let current = collectors
        if let runner = cachedRunner, runner.collectors.map(\.name) == current.map(\.name) { return runner }
        let runner = CollectorRunner(collectors: current)
        cachedRunner = runner
        return runner
    }

    /// Runs one pass of the named collectors (all when nil).
    public func collect(only names: Set<String>? = nil) throws -> CollectionPass {
        let runner = collectorRunner
        if let names {
            let known = Set(runner.collectors.map(\.name))
            if let unknown = names.subtracting(known).sorted().first {
                throw LuaRuntimeError("no collector named \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
            }
        }
        return runner.runPass(only: names)
    }

    /// The `metrics` module: collection here, the store and PromQL in
    /// Workbench+Query, remote Prometheus in Workbench+RemoteQuery.
    func installMetrics() {
        lua.registerModule("metrics", functions: collectionFunctions() + recordingFunctions() + queryFunctions() + remoteQueryFunctions())
        document("metrics", "metrics: collectors, samples, the metrics store and PromQL queries (here and on a Prometheus server).")
    }

    private func collectionFunctions() -> [LuaFunction] {
        [
            LuaFunction("metrics.collect", doc: """
                metrics.collect([names: string|table]) -> samples
                Runs one pass of every enabled collector (or of those named: a string or a list) and
                returns the samples as tables {name=, labels={...}, value=, time=} including the
                collectors' own health (opslab_collector_up, ..._duration_seconds, ...). The collectors'
                samples (not the health series) also go into the store, as serve stores them.
                """) { [unowned self] call in
                let pass = try collect(only: try collectorNames(call, 1))
                if let problem = record(pass) { writeStandardError("metrics.collect: \(problem)\n") }
                call.stack.push(pass.samples.map { LuaValue.table(luaSample($0)) })
                return 1
            },
            LuaFunction("metrics.collectors", doc: """
                metrics.collectors() -> list
                The collectors with their interval, source, summary and health: up, errors,
                timeouts, last_error and the duration of the last run.
                """) { [unowned self] call in
                let runner = collectorRunner
                let sources = Dictionary(registry.entries(ofKind: "collector").map { ($0.name, $0.source.description) },
                                         uniquingKeysWith: { a, _ in a })
                call.stack.push(runner.collectors.map { collector in
                    let health = runner.health(of: collector.name)
                    var fields: [String: LuaValue] = [
                        "name": .string(collector.name), "interval": .number(collector.interval),
                        "summary": .string(collector.summary), "source": .string(sources[collector.name] ?? "built-in"),
                        "errors": .integer(Int64(health.errors)), "timeouts": .integer(Int64(health.timeouts)),
                        "duration": .number(health.lastDurationSeconds),
                    ]
                    if let up = health.up { fields["up"] = .boolean(up) }
                    if let error = health.lastError { fields["last_error"] = .string(error) }
                    return LuaValue.table(LuaTableValue(fields: fields))
                })
                return 1
            },
            LuaFunction("metrics.text", doc: """
                metrics.text([names: string|table]) -> string
                One pass of the collectors rendered in the Prometheus text format 0.0.4, as
                `opslab serve` exposes it on /metrics.
                """) { [unowned self] call in
                let pass = try collect(only: try collectorNames(call, 1))
                return call.returns(.string(PrometheusText.render(pass.samples, catalog: collectorRunner.catalog)))
            },
            LuaFunction("metrics.configure", doc: """
                metrics.configure(name: string, options: table)
                Options handed to a Lua collector plugin as ctx.options on every run,
                e.g. metrics.configure("checkpoint_dir", {dir = "/ckpt"}).
                """) { [unowned self] call in
                let name = try call.string(1)
                let options = try call.table(2)
                guard registry.entry(kind: "collector", name: name) != nil else {
                    throw call.error("no collector named \"\(name)\"")
                }
                collectorOptions[name] = options.fields
                return 0
            },
            LuaFunction("metrics.watch", doc: """
                metrics.watch(expr: string [, {every = "1s", points = 60, width = 70, height = 15, times = n, color = true}])
                Draws a live braille chart until Ctrl-C: of the series a selector matches ('node_load1',
                'opslab_cpu_usage_ratio{cpu="0"}'), or of a PromQL expression evaluated over the samples
                collected while watching ('rate(node_network_receive_bytes_total[10s])').
                times stops after N frames; color defaults to on for a terminal unless NO_COLOR is set.
                """) { [unowned self] call in
                try watch(call)
                return 0
            },
        ]
    }

    /// A collector-name argument: nil, a string, or a list of strings.
    private func collectorNames(_ call: LuaCall, _ position: Int32) throws -> Set<String>? {
        if call.isNone(position) { return nil }
        if let name = call.stack.string(at: position) { return [name] }
        guard case .table(let table) = call.value(position) else {
            throw call.typeError(position, expected: "string or list of collector names")
        }
        var names = Set<String>()
        for item in table.array {
            guard let name = item.stringValue else { throw call.argumentError(position, "must list collector names (strings), got a \(item.typeName)") }
            names.insert(name)
        }
        return names
    }

    func luaSample(_ sample: Sample) -> LuaTableValue {
        LuaTableValue(fields: [
            "name": .string(sample.name),
            "labels": .table(LuaTableValue(fields: sample.labels.dictionary.mapValues { LuaValue.string($0) })),
            "value": .number(sample.value),
            "time": .number(sample.timestampSeconds),
        ])
    }
}
