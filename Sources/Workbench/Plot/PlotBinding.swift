import LuaKit
import Notebooks
import Plotting

/// The `Plot` class: more series, SVG, saving, and printing as a terminal chart.
enum PlotBinding {
    static let luaClass: LuaClass<PlotValue> = {
        let cls = LuaClass<PlotValue>("Plot")
        cls.add(methods)
        cls.metamethod("__tostring") { call in
            let plot = try call.object(1, luaClass)
            return call.returns(.string(TerminalRenderer(useColor: plot.useColor).render(plot.chart)))
        }
        return cls
    }()

    nonisolated(unsafe) static let methods: [LuaMethod<PlotValue>] = [
        LuaMethod("add", """
            p:add(x: Tensor|table [, y: Tensor|table] [, {label = "", style = "line"}]) -> Plot
            Adds series to a line or scatter plot (same shapes as plot.line); style is "line" or
            "points" (default: the plot's first series' style). Returns the plot, so calls chain.
            """) { call, plot in
            guard case .xy(var all) = plot.chart.content else {
                throw call.error("only line and scatter plots take more series")
            }
            let style = all.first?.style ?? .line
            let (added, optionsAt) = try series(call, from: 2, style: style)
            let options = try PlotArguments.options(call, optionsAt, keys: ["label", "style"])
            var named = try named(added, options)
            switch try options.optionalString("style") {
            case nil: break
            case "line": for i in named.indices { named[i].style = .line }
            case "points": for i in named.indices { named[i].style = .points }
            case let other?: throw options.error("style", "must be \"line\" or \"points\", got \"\(other)\"")
            }
            all += named
            plot.chart.content = .xy(all)
            call.stack.push(plot, as: luaClass)
            return 1
        },
        LuaMethod("svg", """
            p:svg() -> string
            The plot as an SVG document (sizes in its viewBox, so it scales to any width).
            """) { call, plot in
            call.returns(.string(SVGRenderer(width: plot.svgWidth, height: plot.svgHeight).render(plot.chart)))
        },
        LuaMethod("save", """
            p:save(path: string) -> string
            Writes the SVG to path (replacing it atomically) and returns the path.
            """) { call, plot in
            let path = try call.string(2)
            do {
                try NotebookFiles.writeAtomically(SVGRenderer(width: plot.svgWidth, height: plot.svgHeight).render(plot.chart), to: path)
            } catch {
                throw call.error("\(error)")
            }
            return call.returns(.string(path))
        },
        LuaMethod("text", """
            p:text([{width = 60, height = 15, color = false}]) -> string
            The plot as a terminal chart (width 10-500 and height 3-200 in characters).
            """) { call, plot in
            let options = try call.options(2)
            let renderer = TerminalRenderer(width: try options.integer("width", default: 60, in: 10...500),
                                            height: try options.integer("height", default: 15, in: 3...200),
                                            useColor: try options.boolean("color", default: false))
            return call.returns(.string(renderer.render(plot.chart)))
        },
    ]

    /// Series from arguments starting at `first`: (x, y) or y alone
    /// (x = 1, 2, ...), and where the options table would be. A 2-d Tensor y
    /// (series x points, the shape of a metrics.range result's values) is one
    /// series per row.
    static func series(_ call: LuaCall, from first: Int32, style: SeriesStyle) throws -> ([ChartSeries], optionsAt: Int32) {
        // A second list of numbers (or a tensor) is y; a table of options is not.
        let second = first + 1
        let secondIsData = call.optionalObject(second, TensorBinding.luaClass) != nil
            || (call.value(second).tableValue.map { !$0.array.isEmpty } ?? false)
        let rows = try yRows(call, secondIsData ? second : first)
        let count = rows.first?.count ?? 0
        let x = secondIsData ? try PlotArguments.numbers(call, first) : (0..<count).map { Double($0 + 1) }
        guard x.count == count else {
            throw call.error("x has \(x.count) values and y \(count); they must have the same length")
        }
        return (rows.map { ChartSeries(x: x, y: $0, style: style) }, secondIsData ? second + 1 : second)
    }

    /// The rows of a 2-d Tensor, or the one list of numbers at `position`.
    private static func yRows(_ call: LuaCall, _ position: Int32) throws -> [[Double]] {
        guard let t = call.optionalObject(position, TensorBinding.luaClass), t.ndim == 2 else {
            return [try PlotArguments.numbers(call, position)]
        }
        // shape[0] too: a tensor with a zero dimension holds no values whatever the other says.
        guard t.count <= PlotArguments.maxValues, t.shape[0] <= PlotArguments.maxSeries else {
            throw call.argumentError(position, "has shape \(t.shape); at most \(PlotArguments.maxSeries) rows and \(PlotArguments.maxValues) values")
        }
        let values = t.toArray().map(Double.init), width = t.shape[1]
        return (0..<t.shape[0]).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// The series named by the `label` option (numbered when there are several).
    static func named(_ series: [ChartSeries], _ options: LuaOptions) throws -> [ChartSeries] {
        let label = try options.optionalString("label")
        return series.enumerated().map { index, s in
            var named = s
            named.name = label.map { series.count == 1 ? $0 : "\($0) \(index + 1)" } ?? ""
            return named
        }
    }
}
