import LuaKit
import Plotting
import Tensor

// Reading plot data from Lua: numbers from tensors or tables, the shapes
// other modules return (a metrics.range result, an nn.fit history), and the
// options every plot function shares. Every check is a Lua error naming the
// function, the argument and what was expected.

/// A plot as Lua holds it: the chart and how it prints.
final class PlotValue {
    var chart: Chart
    /// Size of the SVG `p:svg()` and `p:save()` write, and notebooks save.
    var svgWidth: Int
    var svgHeight: Int
    /// Whether printing it in the shell uses colour.
    let useColor: Bool

    init(_ chart: Chart, svgWidth: Int, svgHeight: Int, useColor: Bool) {
        self.chart = chart
        self.svgWidth = svgWidth
        self.svgHeight = svgHeight
        self.useColor = useColor
    }
}

enum PlotArguments {
    /// The most values one series or matrix may hold.
    static let maxValues = 10_000_000
    /// The most series (lines) one call draws: a legend past this is unreadable.
    static let maxSeries = 1_000
    /// Options every plot function takes.
    static let commonKeys = ["title", "xlabel", "ylabel", "width", "height"]
    /// Options of xy plots (line, scatter, p:add).
    static let seriesKeys = ["label", "xlog", "ylog", "time"]

    /// The numbers of argument `position`: a Tensor (all its elements) or a
    /// list of numbers. NaN and infinities are kept (drawn as gaps).
    static func numbers(_ call: LuaCall, _ position: Int32) throws -> [Double] {
        if let t = call.optionalObject(position, TensorBinding.luaClass) {
            guard t.count <= maxValues else { throw call.argumentError(position, "has \(t.count) values; at most \(maxValues)") }
            return t.toArray().map(Double.init)
        }
        guard case .table(let table) = call.value(position) else {
            throw call.typeError(position, expected: "Tensor or list of numbers")
        }
        return try numbers(table, call, position, what: "")
    }

    /// The numbers of a list read from a table.
    static func numbers(_ table: LuaTableValue, _ call: LuaCall, _ position: Int32, what: String) throws -> [Double] {
        guard table.array.count <= maxValues else {
            throw call.argumentError(position, "\(what)has \(table.array.count) values; at most \(maxValues)")
        }
        return try table.array.enumerated().map { i, value in
            switch value {
            case .integer(let n): return Double(n)
            case .number(let d): return d
            default: throw call.argumentError(position, "\(what)item \(i + 1) must be a number, got \(value.luaText)")
            }
        }
    }

    /// A tensor held in a table field (`result.values`), read through the stack.
    static func tensorField(_ value: LuaValue?, _ call: LuaCall) -> Tensor? {
        guard case .other(let reference)? = value else { return nil }
        call.stack.push(LuaValue.other(reference))
        defer { call.stack.pop() }
        return call.stack.object(at: -1, TensorBinding.luaClass)
    }

    /// Series read from argument 1 when it is a metrics.range result
    /// (`{time, values, labels}`) or an nn.fit history (`{loss, steps}`); nil otherwise.
    static func knownShape(_ call: LuaCall) throws -> (series: [ChartSeries], time: Bool, xLabel: String, yLabel: String)? {
        guard case .table(let table) = call.value(1) else { return nil }
        if let times = tensorField(table.fields["time"], call), let values = tensorField(table.fields["values"], call) {
            // A tensor may hold no values yet claim a huge dimension: check sizes
            // before anything is allocated by them.
            guard times.ndim == 1, values.ndim == 1 || values.ndim == 2, times.count <= maxValues, values.count <= maxValues,
                  values.ndim == 1 || values.shape[0] <= maxSeries, values.shape.last == times.count || values.count == 0 else {
                throw call.argumentError(1, "time must be 1-d and values 1-d or 2-d with one column per time, at most \(maxSeries) series and \(maxValues) values; got \(times.shape) and \(values.shape)")
            }
            // Float32 times are 128 s apart near today's Unix time; start and step are exact.
            var x = times.toArray().map(Double.init)
            if let start = table.fields["start"]?.doubleValue, let step = table.fields["step"]?.doubleValue {
                x = x.indices.map { start + Double($0) * step }
            }
            let rows = values.ndim == 2 ? values.shape[0] : 1
            let all = values.toArray().map(Double.init)
            guard x.count > 0 ? all.count == rows * x.count : all.isEmpty else {
                throw call.argumentError(1, "values has \(all.count) elements for \(x.count) times")
            }
            let labels = table.fields["labels"]?.tableValue?.array ?? []
            let series = (0..<rows).map { row in
                ChartSeries(row < labels.count ? seriesName(labels[row]) : "", x: x,
                            y: Array(all[(row * x.count)..<((row + 1) * x.count)]))
            }
            return (series, true, "", "")
        }
        if case .table(let loss)? = table.fields["loss"] {
            let y = try numbers(loss, call, 1, what: "loss ")
            return ([ChartSeries("loss", x: y.indices.map { Double($0 + 1) }, y: y)], false, "epoch", "loss")
        }
        return nil
    }

    /// `name{a="1", b="2"}` from a labels table, as Prometheus writes a series.
    static func seriesName(_ labels: LuaValue) -> String {
        let fields = labels.tableValue?.fields ?? [:]
        let name = fields["__name__"]?.stringValue ?? ""
        let pairs = fields.keys.filter { $0 != "__name__" }.sorted().map { "\($0)=\"\(fields[$0]?.stringValue ?? "")\"" }
        return pairs.isEmpty ? name : name + "{" + pairs.joined(separator: ", ") + "}"
    }

    /// An options table at `position` (absent: empty) allowing `keys`.
    static func options(_ call: LuaCall, _ position: Int32, keys: [String]) throws -> LuaOptions {
        guard !call.isNone(position) else { return try LuaOptions(nil, function: call.function.name, allowed: keys) }
        return try LuaOptions(try call.table(position), function: call.function.name, allowed: keys)
    }

    /// Applies the options every plot shares to `plot`.
    static func applyCommon(_ options: LuaOptions, to plot: PlotValue) throws {
        if let title = try options.optionalString("title") { plot.chart.title = title }
        if let label = try options.optionalString("xlabel") { plot.chart.xLabel = label }
        if let label = try options.optionalString("ylabel") { plot.chart.yLabel = label }
        plot.svgWidth = try options.integer("width", default: plot.svgWidth, in: 100...4000)
        plot.svgHeight = try options.integer("height", default: plot.svgHeight, in: 80...4000)
    }

    /// Applies the xy options: log scales and time axes.
    static func applyAxes(_ options: LuaOptions, to plot: PlotValue) throws {
        if try options.boolean("time", default: plot.chart.xAxis == .time) { plot.chart.xAxis = .time }
        if try options.boolean("xlog", default: false) {
            guard plot.chart.xAxis != .time else { throw options.error("xlog", "cannot be combined with time = true") }
            plot.chart.xAxis = .log
        }
        if try options.boolean("ylog", default: false) { plot.chart.yAxis = .log }
    }
}
