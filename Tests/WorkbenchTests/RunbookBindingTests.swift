import LuaKit
import Testing
import Workbench

@Suite struct RunbookBindingTests {
    static let checks = plugin(kind: "runbook", name: "checks", permissions: ["exec"], body: """
        mutates = false,
        params = { n = { type = "integer", default = 3, doc = "how many" } },
        steps = {
          { name = "compute", readonly = true, run = function(ctx)
              ctx.state.sum = ctx.tensor.ones(ctx.params.n):sum():item()
              ctx.state.has_query = type(ctx.metrics.query) == "function"
              ctx.state.no_write = ctx.metrics.write == nil
            end },
          { name = "spin", timeout = "0.3s", run = function(ctx)
              if ctx.params.n == 0 then while true do end end
            end },
        },
        """)

    @Test func runbooksAreRegisteredListedAndShown() throws {
        let bench = try TemporaryWorkbench(plugins: ["checks.lua": Self.checks])
        let results = try bench.run("""
            local list = runbook.list()
            local shown = runbook.show("checks")
            return #list, list[1].name, shown.params[1].name, shown.params[1].default, shown.steps[2].timeout,
                   plugins.kinds().runbook ~= nil
            """)
        #expect(results.count == 6)
        #expect(results[0].description == "1")
        #expect(results[1].description == "checks")
        #expect(results[2].description == "n")
        #expect(results[3].description == "3")
        #expect(abs((results[4].doubleValue ?? 0) - 0.3) < 1e-9)
        #expect(results[5].description == "true")
    }

    @Test func stepsSeeTensorAndReadOnlyMetrics() throws {
        let bench = try TemporaryWorkbench(plugins: ["checks.lua": Self.checks])
        let results = try bench.run("""
            local r = runbook.run("checks", {n = 4})
            return r.status, r.steps[1].status
            """)
        #expect(results.map(\.description) == ["succeeded", "ok"])
    }

    @Test func aLuaLoopIsStoppedByTheStepTimeout() throws {
        let bench = try TemporaryWorkbench(plugins: ["checks.lua": Self.checks])
        let results = try bench.run("""
            local r = runbook.run("checks", {n = 0})
            return r.status, r.failed_step, r.error
            """)
        #expect(results[0].description == "failed")
        #expect(results[1].description == "spin")
        #expect(results[2].description.contains("timed out"))
        // The state is usable afterwards.
        #expect(try bench.run("return 1 + 1").first?.description == "2")
    }

    @Test func malformedStepsAreNamed() throws {
        let bad = plugin(kind: "runbook", name: "bad", body: "steps = { { name = 'a', run = 'not a function' } },")
        let bench = try TemporaryWorkbench(plugins: ["bad.lua": bad])
        let message = bench.error("runbook.show('bad')")
        #expect(message?.contains("step 'a': run must be a function, got string") == true)
    }
}
