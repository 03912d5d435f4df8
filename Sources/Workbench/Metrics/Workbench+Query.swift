import Foundation
import LuaKit
import MetricsStore
import Plugins
import PromQL
import Telemetry
import Tensor

/// The metrics store as the query engine's data source: both take the same
/// label matchers, so every matcher narrows the store's scan.
public struct StoreSeriesSource: SeriesSource {
    let store: MetricsStore

    public init(store: MetricsStore) { self.store = store }

    public func select(_ matchers: [LabelMatcher], from: Int64, through: Int64) throws -> [SourceSeries] {
        try store.select(matchers, from: from, through: through).map { stored in
            SourceSeries(labels: stored.labels.with(LabelMatcher.metricNameLabel, stored.name),
                         timestamps: stored.timestamps, values: stored.values)
        }
    }
}

/// `metrics.write`, `metrics.query` and `metrics.range`: the store and
/// PromQL from Lua, with results as tensors.
extension Workbench {
    /// The store at `$OPSLAB_HOME/opslab.db`, opened on first use.
    public func metricsStore() throws -> MetricsStore {
        if let store = openedStore { return store }
        guard makeDirectories(paths.home) else { throw LuaRuntimeError("cannot create \(paths.home)") }
        let store = try MetricsStore(path: paths.home + "/opslab.db")
        openedStore = store
        return store
    }

    func queryFunctions() -> [LuaFunction] {
        [
            LuaFunction("metrics.write", doc: """
                metrics.write(name: string, labels: table, value: number [, time: number])
                Appends one sample to the store; time in Unix seconds (default now). For synthetic
                data and experiments: the collectors' samples arrive through `opslab serve`.
                """) { [unowned self] call in
                let name = try call.string(1)
                guard MetricNames.isValidMetricName(name) else {
                    throw call.argumentError(1, "\"\(name)\" is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
                }
                let labels = try call.optionalTable(2)?.fields ?? [:]
                let value = try call.number(3)
                let time = try call.optionalNumber(4) ?? Date().timeIntervalSince1970
                guard time.isFinite, abs(time) < 1e11 else { throw call.argumentError(4, "must be a Unix time in seconds, got \(time)") }
                var pairs: [String: String] = [:]
                for (key, item) in labels {
                    guard MetricNames.isValidLabelName(key), key != "__name__" else {
                        throw call.argumentError(2, "\"\(key)\" is not a valid label name")
                    }
                    guard let text = item.stringValue ?? (item.doubleValue.map { _ in item.description }) else {
                        throw call.argumentError(2, "label \(key) must be a string or number, got \(item.typeName)")
                    }
                    pairs[key] = text
                }
                try metricsStore().append([Sample(name, Labels(pairs), value, timestampMs: Int64((time * 1000).rounded()))])
                return 0
            },
            LuaFunction("metrics.query", doc: """
                metrics.query(expr: string [, {time = t}]) -> result
                Evaluates a PromQL expression against the store at time t (Unix seconds, default now).
                A scalar comes back as a number; an instant vector as a list of {labels = {...}, value = v}
                with a :tensor() method giving the values as a 1-D tensor.
                """) { [unowned self] call in
                let expr = try call.string(1)
                let time = try evaluationTime(try call.options(2))
                let engine = try queryEngine()
                let value = try evaluate(call) { try engine.instant(expr, at: Int64((time * 1000).rounded())) }
                return try pushQueryValue(value, call: call)
            },
            LuaFunction("metrics.range", doc: """
                metrics.range(expr: string, range: duration [, step: duration]) -> {time = tensor, values = tensor, labels = {...}}
                Evaluates a PromQL expression over the last `range` (a duration such as "6h") every
                `step` (default range/250, at least 1s). values is series x steps, NaN where a series has no value.
                start and step (Unix seconds) give the times exactly; float32 `time` rounds them.
                """) { [unowned self] call in
                let expr = try call.string(1)
                let range = try call.duration(2)
                let step = try call.optionalDuration(3) ?? max(1000, range / 250)
                guard range / step <= 11_000 else { throw call.error("range/step gives \(range / step) points; at most 11000") }
                let end = Int64(Date().timeIntervalSince1970 * 1000) / step * step
                let engine = try queryEngine()
                let matrix = try evaluate(call) { try engine.range(expr, start: end - range, end: end, step: step) }
                return try pushMatrix(matrix, start: end - range, end: end, step: step, call: call)
            },
            LuaFunction("metrics.import", doc: """
                metrics.import(path: string) -> count
                Loads samples from a file in the OpenMetrics text format (timestamps in seconds; lines
                without one are stamped now) into the store. Errors name the line.
                """) { [unowned self] call in
                let path = try call.string(1)
                guard let data = FileManager.default.contents(atPath: path) else { throw call.error("cannot read \(path)") }
                let parser = TextFormatParser(timestampsInSeconds: true, defaultTimestampMs: Int64(Date().timeIntervalSince1970 * 1000))
                let samples: [Sample]
                do {
                    // Parsed from the file's bytes in place; no String of the whole file.
                    samples = try data.withUnsafeBytes { raw in try parser.parse(utf8: raw.bindMemory(to: UInt8.self)) }
                } catch {
                    throw call.error("\(path): \(error)")
                }
                let store = try metricsStore()
                // Batches keep each transaction bounded; a rejected batch reports where it started.
                var stored = 0
                while stored < samples.count {
                    try lua.checkStop()
                    let batch = Array(samples[stored..<min(samples.count, stored + 50_000)])
                    try evaluate(call) { try store.append(batch) }
                    stored += batch.count
                }
                return call.returns(.integer(Int64(stored)))
            },
            LuaFunction("metrics.stats", doc: """
                metrics.stats([{compact = true}]) -> table
                The store's series, samples, head samples, chunks and bytes on disk; with compact = true
                it first closes head samples into compressed chunks and reclaims free pages.
                """) { [unowned self] call in
                let store = try metricsStore()
                let options = try call.options(1)
                if try options.boolean("compact", default: false) {
                    try evaluate(call) { try store.compact(); try store.vacuum() }
                }
                let stats = try evaluate(call) { try store.stats() }
                call.stack.push([
                    "series": LuaValue.integer(Int64(stats.seriesCount)), "samples": .integer(Int64(stats.sampleCount)),
                    "head_samples": .integer(Int64(stats.headSampleCount)), "chunks": .integer(Int64(stats.chunkCount)),
                    "chunk_bytes": .integer(Int64(stats.chunkBytes)), "bytes": .integer(Int64(stats.bytesOnDisk)),
                ])
                return 1
            },
            LuaFunction("metrics.series", doc: """
                metrics.series(selector: string) -> list
                The series in the store that a selector matches ('node_cpu_seconds_total{mode="idle"}'),
                each as {name = ..., labels = {...}}.
                """) { [unowned self] call in
                let matchers = try selectorMatchers(call)
                let keys = try evaluate(call) { try metricsStore().series(matchers) }
                call.stack.push(keys.map { key in
                    LuaValue.table(LuaTableValue(fields: ["name": .string(key.name), "labels": labelTable(key.labels)]))
                })
                return 1
            },
            LuaFunction("metrics.delete", doc: """
                metrics.delete(selector: string) -> count
                Deletes every sample of the series a selector matches; returns how many series went.
                A selector that matches everything ('{__name__=~".*"}') is refused, as Prometheus does.
                """) { [unowned self] call in
                let matchers = try selectorMatchers(call)
                let deleted = try evaluate(call) { try metricsStore().delete(matchers) }
                return call.returns(.integer(Int64(deleted)))
            },
        ]
    }

    /// Argument 1 as a PromQL selector: its label matchers.
    private func selectorMatchers(_ call: LuaCall) throws -> [LabelMatcher] {
        let text = try call.string(1)
        let expr: Expr
        do { expr = try Query.parse(text) } catch {
            throw call.argumentError(1, "is not a selector: column \(error.column): \(error.message)")
        }
        guard case .vectorSelector(let selector) = expr else {
            throw call.argumentError(1, "must be a series selector such as 'up{job=\"node\"}', not an expression")
        }
        return selector.matchers
    }

    private func evaluate<T>(_ call: LuaCall, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ParseError {
            throw call.error("parse error at column \(error.column): \(error.message)")
        } catch let error as EvaluationError {
            throw call.error(error.message)
        } catch let error as StoreError {
            throw call.error("\(error)")
        }
    }

    func pushQueryValue(_ value: Value, call: LuaCall) throws -> Int32 {
        switch value {
        case .scalar(let s): return call.returns(.number(s))
        case .string(let s): return call.returns(.string(s))
        case .vector(let elements):
            call.stack.push(elements.map { element in
                LuaValue.table(LuaTableValue(fields: ["labels": labelTable(element.labels), "value": .number(element.value)]))
            })
            try attachTensorMethod(call)
            return 1
        case .matrix(let series):
            call.stack.push(series.map { s in
                LuaValue.table(LuaTableValue(fields: [
                    "labels": labelTable(s.labels),
                    "time": .table(LuaTableValue(array: s.points.map { .number(Double($0.t) / 1000) })),
                    "values": .table(LuaTableValue(array: s.points.map { .number($0.v) })),
                ]))
            })
            return 1
        }
    }

    /// Gives the vector on top of the stack a metatable whose `tensor`
    /// method collects the values into a 1-D tensor. The metatable is made
    /// once, capturing the `tensor` constructor as it was at start.
    private func attachTensorMethod(_ call: LuaCall) throws {
        if vectorMetatable == nil {
            vectorMetatable = try runBundled(PackageResources.vector_lua, name: "metrics.query").first
        }
        guard let metatable = vectorMetatable else { return }
        call.stack.push(metatable)
        call.stack.setMetatable(of: -2)
    }

    func labelTable(_ labels: Labels) -> LuaValue {
        .table(LuaTableValue(fields: labels.dictionary.mapValues { LuaValue.string($0) }))
    }

    func pushMatrix(_ matrix: Matrix, start: Int64, end: Int64, step: Int64, call: LuaCall) throws -> Int32 {
        let steps = Int((end - start) / step) + 1
        var values = [Float](repeating: .nan, count: matrix.count * steps)
        for (row, series) in matrix.enumerated() {
            for point in series.points {
                let column = Int((point.t - start) / step)
                if column >= 0 && column < steps { values[row * steps + column] = Float(point.v) }
            }
        }
        let times = (0..<steps).map { Float(Double(start + Int64($0) * step) / 1000) }
        func reference(_ t: Tensor) -> LuaValue {
            _ = TensorBinding.push(call, t)
            defer { call.stack.pop() }
            return .other(call.stack.reference(at: -1))
        }
        call.stack.push(.table(LuaTableValue(fields: [
            "time": reference(try Tensor(shape: [steps], data: times)),
            "values": reference(try Tensor(shape: [matrix.count, steps], data: values)),
            "labels": .table(LuaTableValue(array: matrix.map { labelTable($0.labels) })),
            "start": .number(Double(start) / 1000), "step": .number(Double(step) / 1000),
        ])))
        return 1
    }
}

/// The `time` option of a query: Unix seconds, default now. Bounded to
/// years 1-31,000 either side of 1970, so that milliseconds fit in Int64 with
/// room for ranges and steps.
func evaluationTime(_ options: LuaOptions) throws -> Double {
    try options.number("time", default: Date().timeIntervalSince1970, in: -1e12...1e12)
}

extension Workbench {
    /// An engine over the store that Ctrl-C and time budgets can stop.
    func queryEngine() throws -> Engine {
        var engine = Engine(source: StoreSeriesSource(store: try metricsStore()))
        engine.checkCancellation = { [lua] in try lua.checkStop() }
        return engine
    }
}
