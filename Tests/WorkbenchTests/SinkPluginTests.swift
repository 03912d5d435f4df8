import Alerting
import Notifications
import Testing
import Workbench

@Suite("Lua sink plugins")
struct SinkPluginTests {
    private func notification(_ alertname: String) -> AlertNotification {
        AlertNotification.test(integration: IntegrationRef(receiver: "team", integration: "opslab", index: 0),
                               groupKey: "{}:{}", groupLabels: [:], labels: ["alertname": alertname, "team": "ml"],
                               annotations: ["summary": "s"], now: 1_700_000_000_000)
    }

    @Test func sendSeesThePayloadAndOptionsAndItsOutcomeIsTheDeliverys() throws {
        let t = try TemporaryWorkbench(plugins: [
            "s.lua": plugin(kind: "sink", name: "s", body: """
                send = function(ctx, n)
                  sent = (sent or "") .. ctx.options.tag .. ":" .. n.status .. ":" .. n.alerts[1].labels.alertname
                    .. ":" .. n.commonLabels.team .. ":" .. n.version .. ";"
                  if n.alerts[1].labels.alertname == "Boom" then error("gateway down") end
                  if n.alerts[1].labels.alertname == "Bad" then return false, "malformed" end
                end,
                report = function() return sent end
                """),
        ], budget: 0.5)
        let sink = try #require(t.workbench.pluginSink(named: "s", options: ["tag": .scalar("x")], externalURL: "http://o"))
        #expect(sink.deliver(notification("Disk")) == .delivered)
        guard case .retry(let why, nil) = sink.deliver(notification("Boom")) else { Issue.record("an error retries"); return }
        #expect(why.contains("gateway down"))
        #expect(sink.deliver(notification("Bad")) == .rejected("s: malformed"))
        #expect(try t.run("return plugins.call('s', 'report')")[0].stringValue == "x:firing:Disk:ml:4;x:firing:Boom:ml:4;x:firing:Bad:ml:4;")
    }

    @Test func failuresDoNotQuarantineASinkAndALoopIsStoppedByItsBudget() throws {
        let t = try TemporaryWorkbench(plugins: [
            "down.lua": plugin(kind: "sink", name: "down", body: "send = function() error('refused') end"),
            "loop.lua": plugin(kind: "sink", name: "loop", body: "send = function() while true do end end"),
        ], budget: 0.2)
        let down = try #require(t.workbench.pluginSink(named: "down", options: [:], externalURL: ""))
        for _ in 0..<5 {
            guard case .retry(let why, _) = down.deliver(notification("A")) else { Issue.record("a failure retries"); return }
            #expect(!why.contains("quarantined"))
        }
        let loop = try #require(t.workbench.pluginSink(named: "loop", options: [:], externalURL: ""))
        guard case .retry(let why, _) = loop.deliver(notification("A")) else { Issue.record("a timeout retries"); return }
        #expect(why.contains("time budget"))
    }

    @Test func builtInSinksAreNotPluginsAndUnknownNamesAreNil() throws {
        let t = try TemporaryWorkbench()
        #expect(t.workbench.pluginSink(named: "webhook", options: [:], externalURL: "") == nil)
        #expect(t.workbench.pluginSink(named: "nosuch", options: [:], externalURL: "") == nil)
    }
}
