import LuaKit
import Telemetry
import Testing
import Workbench

@Suite("The metrics module")
struct MetricsTests {
    static let plugins: [String: String] = [
        "good.lua": plugin(name: "good", body: """
            interval = "5s",
            collect = function(ctx)
              return { { name = "good_value", value = 42, labels = { host = "a", n = 1 } },
                       { name = "good_time_set", value = ctx.now > 0 and 1 or 0 } }
            end
            """),
        "throws.lua": plugin(name: "throws", body: "collect = function() error('sensor unplugged') end"),
        "badname.lua": plugin(name: "badname", body: "collect = function() return { { name = 'has space', value = 1 } } end"),
        "notlist.lua": plugin(name: "notlist", body: "collect = function() return 7 end"),
        "badvalue.lua": plugin(name: "badvalue", body: "collect = function() return { { name = 'x', value = 'high' } } end"),
    ]

    @Test func builtinsAndPluginsShareOneRegistryAndRunner() throws {
        let t = try TemporaryWorkbench(plugins: Self.plugins)
        let wb = t.workbench!
        let builtins = wb.registry.entries(ofKind: "collector").filter { $0.source == .builtin }.map(\.name)
        #expect(Set(builtins) == Set(BuiltinCollectors.all().map(\.name)))
        let names = Set(wb.collectorRunner.collectors.map(\.name))
        #expect(names.isSuperset(of: ["cpu", "memory", "good", "throws", "badname", "notlist", "badvalue"]))
        #expect(wb.collectorRunner.collector(named: "good")?.interval == 5)
    }

    @Test func aFailingPluginIsReportedAndTheOthersCarryOn() throws {
        let t = try TemporaryWorkbench(plugins: Self.plugins)
        let pass = try t.workbench.collect()
        func status(_ name: String) -> CollectorStatus? { pass.reports.first { $0.collector == name }?.status }
        #expect(status("good") == .ok)
        #expect(status("memory") == .ok)
        guard case .failed(let why)? = status("throws") else { Issue.record("throws: \(String(describing: status("throws")))"); return }
        #expect(why.contains("throws.lua:4: sensor unplugged"))
        guard case .malformed? = status("badname") else { Issue.record("badname: \(String(describing: status("badname")))"); return }
        guard case .failed(let notList)? = status("notlist") else { Issue.record("notlist"); return }
        #expect(notList.contains("collect must return a list of samples, got number"))
        guard case .failed(let badValue)? = status("badvalue") else { Issue.record("badvalue"); return }
        #expect(badValue.contains("sample #1: 'value' must be a number, got string"))
        let good = pass.samples.first { $0.name == "good_value" }
        #expect(good?.value == 42)
        #expect(good?.labels["host"] == "a" && good?.labels["n"] == "1")
        #expect(pass.samples.contains { $0.name == "good_time_set" && $0.value == 1 })
        #expect(pass.samples.contains { $0.name == "opslab_collector_up" && $0.labels["collector"] == "throws" && $0.value == 0 })
    }

    @Test func aHangingPluginTimesOut() throws {
        let t = try TemporaryWorkbench(plugins: [
            "hang.lua": plugin(name: "hang", body: "interval = '1s', collect = function() while true do end end"),
        ])
        let pass = try t.workbench.collect(only: ["hang", "load"])
        #expect(pass.reports.first { $0.collector == "hang" }?.status == .timedOut)
        #expect(pass.reports.first { $0.collector == "load" }?.status == .ok)
        #expect(t.workbench.collectorRunner.health(of: "hang").timeouts == 1)
        #expect(try t.run("return 1 + 1")[0].doubleValue == 2)
    }

    @Test func watchChartsExpressionsOverCollectedSamples() throws {
        let t = try TemporaryWorkbench()
        // Output goes to stdout; what matters is that both forms run to the end.
        try t.run("metrics.watch('node_load1', {every = '100ms', times = 2, height = 3})")
        try t.run("metrics.watch('sum(node_load1) * 2', {every = '100ms', times = 2, height = 3})")
        try t.run("metrics.watch('2 + 2', {every = '100ms', times = 1, height = 3})")
    }

    @Test func luaSurface() throws {
        let t = try TemporaryWorkbench(plugins: Self.plugins)
        let results = try t.run("""
            local samples = metrics.collect({"good", "load"})
            local byname = {}
            for _, s in ipairs(samples) do byname[s.name] = s end
            local list = metrics.collectors()
            local good
            for _, c in ipairs(list) do if c.name == "good" then good = c end end
            return byname.good_value.value, byname.good_value.labels.host, byname.node_load1 ~= nil,
                   good.up, good.interval, good.source:match("good.lua$"), metrics.text("load"):match("# TYPE node_load1 gauge") ~= nil
            """)
        #expect(results.map(\.description) == ["42.0", "a", "true", "true", "5.0", "good.lua", "true"])
        #expect(t.error("metrics.collect('nope')")?.contains("no collector named \"nope\"") == true)
        #expect(t.error("metrics.collect({1})")?.contains("argument #1 must list collector names (strings), got a number") == true)
        #expect(t.error("metrics.configure('nope', {})")?.contains("no collector named") == true)
        #expect(t.error("metrics.watch('sum(rate(x[5m]')")?.contains("is not a PromQL expression: column 15") == true)
        #expect(t.error("metrics.watch('node_load1[5m]', {times = 1})")?.contains("must give a scalar or an instant vector") == true)
        #expect(t.error("metrics.watch('node_load1', {every = '5x'})")?.contains("option 'every' must be a duration such as") == true)
        #expect(t.error("metrics.watch('node_load1', {every = '10ms'})")?.contains("option 'every' must be between 100ms and 1 day, got 10ms") == true)
        #expect(t.error("metrics.watch('node_load1', {points = -1})")?.contains("option 'points' must be an integer in 2...10000, got -1") == true)
        #expect(t.error("metrics.watch('node_load1', {evry = 1})")?.contains("unknown option 'evry'") == true)
        // Durations read one way, as arguments and as options.
        #expect(t.error("metrics.range('up', {})")?.contains("metrics.range: argument #2 expected a duration like \"6h\", got table") == true)
        #expect(t.error("metrics.range('up', '1h', '0s')")?.contains("argument #3 expected a duration like \"6h\", got \"0s\"") == true)
        #expect(t.error("metrics.promql{url = 'http://127.0.0.1:1', expr = 'up', range = 3600}")?
            .contains("metrics.promql: option 'range' must be a duration like \"6h\", got 3600") == true)
        #expect(t.error("metrics.promql{url = 'http://127.0.0.1:1', expr = 'up', timeout = true}")?
            .contains("option 'timeout' must be a duration") == true)
    }
}
