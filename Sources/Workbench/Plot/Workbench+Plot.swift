import LuaKit
import Notebooks
import Plotting

/// `plot`: charts from tensors, tables, metrics.range results and nn.fit
/// histories. A plot prints in the shell as a terminal chart, renders to SVG,
/// and is saved beside a notebook when a cell returns it.
extension Workbench {
    func installPlot() {
        lua.register(PlotBinding.luaClass)
        lua.registerModule("plot", functions: plotFunctions())
        document("plot", """
            plot: line, scatter, histogram, bar and heatmap charts. Data is a Tensor or a list of numbers;
            metrics.range results and nn.fit histories plot directly (plot.line(metrics.range("up", "1h"))).
            A plot prints as a terminal chart; p:svg() and p:save(path) give SVG; in a notebook a cell
            whose value is a plot saves it as NAME.files/cell-N.svg. NaN and infinite values are skipped.
            Options everywhere: title, xlabel, ylabel, width and height (SVG size in pixels, 100-4000).
            """)
    }

    private func plotFunctions() -> [LuaFunction] {
        [
            LuaFunction("plot.line", doc: """
                plot.line(x: Tensor|table [, y: Tensor|table] [, {title = "", xlabel = "", ylabel = "", label = "", xlog = false, ylog = false, time = false, width = 720, height = 420}]) -> Plot
                A line chart of y against x (Tensors or lists of numbers of one length); with one list, of
                it against 1, 2, 3, ...; a 2-d Tensor y draws a line per row. A metrics.range result draws
                one line per series on a time axis;
                an nn.fit history draws its loss by epoch. label names the series in the legend; xlog and
                ylog make an axis logarithmic; time = true reads x as Unix seconds. More lines: p:add.
                """) { [unowned self] call in
                try makeXYPlot(call, style: .line)
            },
            LuaFunction("plot.scatter", doc: """
                plot.scatter(x: Tensor|table [, y: Tensor|table] [, {title = "", xlabel = "", ylabel = "", label = "", xlog = false, ylog = false, time = false, width = 720, height = 420}]) -> Plot
                A scatter plot: one marker per (x, y) pair. Options as plot.line.
                """) { [unowned self] call in
                try makeXYPlot(call, style: .points)
            },
            LuaFunction("plot.hist", doc: """
                plot.hist(values: Tensor|table [, {bins = 20, title = "", xlabel = "", ylabel = "count", ylog = false, width = 720, height = 420}]) -> Plot
                A histogram of values (Tensor or list) in `bins` equal-width bins (1-10000) over their
                range; NaN and infinities are not counted.
                """) { [unowned self] call in
                let values = try PlotArguments.numbers(call, 1)
                let options = try PlotArguments.options(call, 2, keys: PlotArguments.commonKeys + ["bins", "ylog"])
                let bins = try options.integer("bins", default: 20, in: 1...10_000)
                let plot = newPlot(Chart.histogram(values, bins: bins))
                try PlotArguments.applyCommon(options, to: plot)
                if try options.boolean("ylog", default: false) { plot.chart.yAxis = .log }
                return push(plot, call)
            },
            LuaFunction("plot.bar", doc: """
                plot.bar(labels: table, values: Tensor|table [, {title = "", xlabel = "", ylabel = "", ylog = false, width = 720, height = 420}]) -> Plot
                A bar chart: one bar per label (a list of strings or numbers) with its value.
                """) { [unowned self] call in
                let labels = try call.table(1).array.enumerated().map { i, value -> String in
                    switch value {
                    case .string(let s): return s
                    case .integer, .number: return value.luaText
                    default: throw call.argumentError(1, "item \(i + 1) must be a string or number, got \(value.luaText)")
                    }
                }
                let values = try PlotArguments.numbers(call, 2)
                guard labels.count == values.count else {
                    throw call.error("\(labels.count) labels for \(values.count) values; give one label per value")
                }
                let options = try PlotArguments.options(call, 3, keys: PlotArguments.commonKeys + ["ylog"])
                let plot = newPlot(Chart(.bars(labels: labels, values: values)))
                try PlotArguments.applyCommon(options, to: plot)
                if try options.boolean("ylog", default: false) { plot.chart.yAxis = .log }
                return push(plot, call)
            },
            LuaFunction("plot.heatmap", doc: """
                plot.heatmap(matrix: Tensor|table [, {title = "", xlabel = "", ylabel = "", width = 720, height = 420}]) -> Plot
                A heatmap of a 2-d Tensor or a list of rows (lists of numbers), row 1 at the top, coloured
                from the lowest value (dark) to the highest (yellow). At most 1000 x 1000.
                """) { [unowned self] call in
                let rows = try matrix(call, 1)
                let options = try PlotArguments.options(call, 2, keys: PlotArguments.commonKeys)
                let plot = newPlot(Chart(.heatmap(rows)))
                try PlotArguments.applyCommon(options, to: plot)
                return push(plot, call)
            },
        ]
    }

    private func newPlot(_ chart: Chart) -> PlotValue {
        PlotValue(chart, svgWidth: 720, svgHeight: 420, useColor: options.color)
    }

    private func push(_ plot: PlotValue, _ call: LuaCall) -> Int32 {
        call.stack.push(plot, as: PlotBinding.luaClass)
        return 1
    }

    /// plot.line and plot.scatter: data in any of the accepted shapes, then options.
    private func makeXYPlot(_ call: LuaCall, style: SeriesStyle) throws -> Int32 {
        let keys = PlotArguments.commonKeys + PlotArguments.seriesKeys
        let plot = newPlot(Chart(.xy([])))
        if let known = try PlotArguments.knownShape(call) {
            plot.chart = Chart(.xy(known.series.map { var s = $0; s.style = style; return s }),
                               xLabel: known.xLabel, yLabel: known.yLabel, xAxis: known.time ? .time : .linear)
            let options = try PlotArguments.options(call, 2, keys: keys)
            try PlotArguments.applyCommon(options, to: plot)
            try PlotArguments.applyAxes(options, to: plot)
            return push(plot, call)
        }
        let (series, optionsAt) = try PlotBinding.series(call, from: 1, style: style)
        let options = try PlotArguments.options(call, optionsAt, keys: keys)
        plot.chart.content = .xy(try PlotBinding.named(series, options))
        try PlotArguments.applyCommon(options, to: plot)
        try PlotArguments.applyAxes(options, to: plot)
        return push(plot, call)
    }

    /// A 2-d Tensor or a list of rows, as rows of numbers.
    private func matrix(_ call: LuaCall, _ position: Int32) throws -> [[Double]] {
        let limit = 1000
        if let t = call.optionalObject(position, TensorBinding.luaClass) {
            guard t.ndim == 2 else { throw call.argumentError(position, "expected a 2-d Tensor, got shape \(t.shape)") }
            guard t.shape[0] <= limit, t.shape[1] <= limit else {
                throw call.argumentError(position, "is \(t.shape[0]) x \(t.shape[1]); at most \(limit) x \(limit)")
            }
            let values = t.toArray().map(Double.init)
            return (0..<t.shape[0]).map { Array(values[($0 * t.shape[1])..<(($0 + 1) * t.shape[1])]) }
        }
        let table = try call.table(position)
        guard table.array.count <= limit else { throw call.argumentError(position, "has \(table.array.count) rows; at most \(limit)") }
        return try table.array.enumerated().map { i, row in
            guard case .table(let cells) = row else { throw call.argumentError(position, "row \(i + 1) must be a list of numbers, got \(row.luaText)") }
            guard cells.array.count <= limit else { throw call.argumentError(position, "row \(i + 1) has \(cells.array.count) values; at most \(limit)") }
            return try PlotArguments.numbers(cells, call, position, what: "row \(i + 1) ")
        }
    }
}
