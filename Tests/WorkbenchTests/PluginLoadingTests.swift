import LuaKit
import Plugins
import Testing
import Workbench

@Suite("Loading Lua plugins")
struct PluginLoadingTests {
    @Test func goodPluginsLoadAndBadOnesAreReportedByFileAndField() throws {
        let t = try TemporaryWorkbench(plugins: [
            "good.lua": plugin(name: "good", body: "collect = function() return {{name = 'x', value = 1}} end"),
            "noversion.lua": "return { kind = 'collector', name = 'nov', description = 'd', collect = function() end }",
            "badkind.lua": plugin(kind: "gadget", name: "bk", body: ""),
            "syntax.lua": "return { kind = ",
            "notable.lua": "return 42",
            "throws.lua": "error('exploded at load')",
            "zdup.lua": plugin(name: "good", body: "collect = function() end"),
            "perm.lua": plugin(name: "perm", permissions: ["root"], body: "collect = function() end"),
            "hang.lua": "while true do end",
        ], budget: 0.2)
        let wb = t.workbench!
        #expect(wb.registry.entries.filter { $0.source != .builtin }.map(\.name) == ["good"])
        let problems = wb.registry.problems.map(\.description).joined(separator: "\n")
        #expect(problems.contains("noversion.lua: field 'version': is missing"))
        #expect(problems.contains("badkind.lua: field 'kind': unknown kind \"gadget\""))
        #expect(problems.contains("syntax.lua:1: unexpected symbol near <eof>"))
        #expect(problems.contains("notable.lua: expected the file to return a table (the manifest), got number"))
        #expect(problems.contains("throws.lua:1: exploded at load"))
        #expect(problems.contains("zdup.lua: field 'name': a collector named \"good\" is already registered"))
        #expect(problems.contains("perm.lua: field 'permissions': unknown permission \"root\""))
        #expect(problems.contains("hang.lua") && problems.contains("time budget"))
        #expect(wb.registry.problems.count == 8)
        // The good one works through plugins.call.
        #expect(try t.run("return plugins.call('good', 'collect')[1].name")[0].stringValue == "x")
    }

    @Test func listInfoAndReload() throws {
        let t = try TemporaryWorkbench(plugins: [
            "a.lua": plugin(kind: "sink", name: "a", body: "send = function(n) return 'sent ' .. n end"),
        ])
        // The built-in sinks sit in the registry beside the plugin.
        #expect(try t.run("""
            local names, a = {}, nil
            for _, p in ipairs(plugins.list('sink')) do names[#names + 1] = p.name; if p.name == 'a' then a = p end end
            table.sort(names)
            return table.concat(names, ','), a.kind, a.status
            """).map(\.description) == ["a,alertmanager,command,console,file,webhook", "sink", "active"])
        #expect(try t.run("return plugins.info('a').version, plugins.info('a').source:match('a.lua$')")
                    .map(\.description) == ["1.0.0", "a.lua"])
        #expect(t.error("plugins.info('zzz')") == "test:1: plugins.info: no plugin named \"zzz\"")
        #expect(t.error("plugins.info()") == "test:1: plugins.info: argument #1 expected string, got no value")
        try t.write(plugin(kind: "sink", name: "b", body: "send = function() end"), to: t.plugins + "/b.lua")
        #expect(try t.run("local n = plugins.reload(); return n, #plugins.list('sink')").map(\.description) == ["2", "7"])
        #expect(try t.run("return plugins.call('a', 'send', 'x')")[0].stringValue == "sent x")
    }

    @Test func callbackErrorsNameThePluginAndFileLineAndQuarantine() throws {
        let t = try TemporaryWorkbench(plugins: [
            "flaky.lua": plugin(name: "flaky", body: """
            collect = function()
                local t = nil
                return t.field
              end
            """),
        ])
        let message = try #require(t.error("plugins.call('flaky', 'collect')"))
        #expect(message.contains("plugin collector 'flaky': collect failed:"))
        #expect(message.contains("flaky.lua:6: attempt to index a nil value"))
        _ = t.error("plugins.call('flaky', 'collect')")
        let third = try #require(t.error("plugins.call('flaky', 'collect')"))
        #expect(third.contains("(now quarantined)"))
        let refused = try #require(t.error("plugins.call('flaky', 'collect')"))
        #expect(refused.contains("is quarantined"))
        #expect(try t.run("local i = plugins.info('flaky'); return i.status, i.failures").map(\.description) == ["quarantined", "3"])
        // Reloading lifts the quarantine.
        try t.run("plugins.reload('flaky')")
        #expect(try t.run("return plugins.info('flaky').status")[0].stringValue == "active")
    }

    @Test func aHangingCallbackIsCutOffAtItsBudget() throws {
        let t = try TemporaryWorkbench(plugins: [
            "slow.lua": plugin(name: "slow", body: "collect = function() while true do end end"),
        ], budget: 0.1)
        let message = try #require(t.error("plugins.call('slow', 'collect')"))
        #expect(message.contains("exceeded its time budget"))
        #expect(try t.run("return 1 + 1")[0].doubleValue == 2)
    }

    @Test func checkPluginReportsWithoutRegistering() throws {
        let t = try TemporaryWorkbench()
        try t.write("return { kind = 'sink', name = 's', version = 'x', description = 'd', send = print }",
                    to: t.root + "/s.lua")
        guard case .failure(let problem) = t.workbench.checkPlugin(file: t.root + "/s.lua") else {
            Issue.record("expected a failure")
            return
        }
        #expect(problem.field == "version")
        #expect(t.workbench.registry.entries.allSatisfy { $0.source == .builtin })
    }
}
