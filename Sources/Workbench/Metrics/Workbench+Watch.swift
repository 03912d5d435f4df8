import Foundation
import LuaKit
import Plotting
import Plugins
import PromQL
import Telemetry

/// `metrics.watch`: a live chart redrawn on every tick until Ctrl-C.
extension Workbench {
    func watch(_ call: LuaCall) throws {
        let text = try call.string(1)
        // A plain selector is matched against each pass; anything else is a
        // PromQL expression evaluated over the samples collected so far.
        let selector = try? SeriesSelector(parsing: text)
        let expression: Expr?
        if selector == nil {
            do { expression = try Query.parse(text) } catch {
                throw call.argumentError(1, "is not a PromQL expression: column \(error.column): \(error.message)")
            }
        } else {
            expression = nil
        }
        let options = try call.options(2)
        let every = try interval(options)
        let pointLimit = try options.integer("points", default: 60, in: 2...10_000)
        let width = try options.integer("width", default: 70, in: 10...1000)
        let height = try options.integer("height", default: 15, in: 3...200)
        let times = try options.integer("times", default: Int.max, in: 1...Int.max)
        let useColor = try options.boolean("color", default: self.options.color)

        // Only the collectors that declare this metric, when one does.
        let runner = collectorRunner
        let owners = selector.map { s in Set(runner.collectors.filter { c in c.metrics.contains { $0.name == s.name } }.map(\.name)) } ?? []
        // For expressions: every collected sample within reach of the chart and a lookback.
        var collected: [SeriesKey: (timestamps: [Int64], values: [Double])] = [:]
        let keepMs = Int64((Double(pointLimit) * every + 600) * 1000)
        let interactive = isatty(1) != 0
        var history: [SeriesKey: [(Double, Double)]] = [:]
        var frame = 0
        while frame < times {
            let pass = runner.runPass(only: owners.isEmpty ? nil : owners)
            let now = Double(pass.timestampMs) / 1000
            var current: [(SeriesKey, Double)] = []
            if let selector {
                current = pass.samples.filter(selector.matches).map { ($0.seriesKey, $0.value) }
            } else if let expression {
                for sample in pass.samples {
                    var series = collected[sample.seriesKey, default: ([], [])]
                    series.timestamps.append(sample.timestampMs)
                    series.values.append(sample.value)
                    let keep = series.timestamps.firstIndex { $0 >= pass.timestampMs - keepMs } ?? 0
                    collected[sample.seriesKey] = (Array(series.timestamps[keep...]), Array(series.values[keep...]))
                }
                let source = InMemorySeriesSource(collected.map { key, series in
                    SourceSeries(labels: key.labels.with("__name__", key.name), timestamps: series.timestamps, values: series.values)
                })
                let value: Value
                do { value = try Engine(source: source).instant(expression, at: pass.timestampMs) } catch {
                    throw call.error("\(error)")
                }
                switch value {
                case .scalar(let s): current = [(SeriesKey(name: text, labels: Labels()), s)]
                case .vector(let elements):
                    current = elements.map { (SeriesKey(name: $0.labels["__name__"] ?? text, labels: Labels($0.labels.dictionary.filter { $0.key != "__name__" })), $0.value) }
                default: throw call.error("\(text) must give a scalar or an instant vector to be charted")
                }
            }
            for (key, value) in current {
                var points = history[key, default: []]
                points.append((now, value))
                history[key] = Array(points.suffix(pointLimit))
            }
            frame += 1
            let keys = history.keys.sorted()
            let shown = keys.prefix(ANSIColor.palette.count)
            let series = shown.enumerated().map { index, key in
                let points = history[key] ?? []
                return ChartSeries(key.labels.isEmpty ? key.name : key.labels.description,
                                   x: points.map(\.0), y: points.map(\.1), color: ANSIColor.paletteColor(index))
            }
            var screen = interactive ? "\u{1B}[H\u{1B}[J" : ""
            if series.isEmpty {
                screen += "\(text): no matching series yet (frame \(frame))\n"
            } else {
                var renderer = TerminalRenderer(width: width, height: height, useColor: useColor)
                renderer.timeZone = .current
                screen += renderer.render(Chart(.xy(series), title: "\(text)  every \(formatSeconds(every))  (Ctrl-C to stop)",
                                                xAxis: .time))
                if keys.count > shown.count { screen += "\n(\(keys.count - shown.count) more series not shown)" }
                screen += "\n"
            }
            try writeStandardOutput(screen)
            guard frame < times else { break }
            if sleepUnlessInterrupted(seconds: every) { break }
        }
    }

    /// Sleeps in short steps; true when Ctrl-C arrived (and is consumed, so
    /// the watch ends quietly instead of raising "interrupted").
    private func sleepUnlessInterrupted(seconds: Double) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if lua.consumeStopRequest() { return true }
            usleep(useconds_t(min(0.05, max(0, end.timeIntervalSinceNow)) * 1e6))
        }
        return lua.consumeStopRequest()
    }

    /// `every`: seconds as a number or a duration string, 100ms to a day.
    private func interval(_ options: LuaOptions) throws -> Double {
        let seconds: Double
        if let text = options.fields["every"]?.stringValue {
            guard let duration = Duration.parse(text) else {
                throw options.error("every", "must be a duration such as \"1s\" or \"500ms\", got \"\(text)\"")
            }
            seconds = duration.totalSeconds
        } else {
            seconds = try options.number("every", default: 1, in: -.infinity ... .infinity)
        }
        guard (0.1...86_400).contains(seconds) else {
            throw options.error("every", "must be between 100ms and 1 day, got \(formatSeconds(seconds))")
        }
        return seconds
    }
}

/// "250ms", "5s", "1.5s"; any finite or infinite number, NaN included.
func formatSeconds(_ seconds: Double) -> String {
    guard seconds.isFinite, abs(seconds) < 1e15 else { return luaNumberText(seconds) + "s" }
    if abs(seconds) < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    return seconds.rounded() == seconds ? "\(Int(seconds))s" : "\(seconds)s"
}
