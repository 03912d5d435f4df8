import LuaKit
import Testing
import Workbench
#if canImport(Glibc)
import Glibc
#endif

/// Layer and optimizer plugins loaded from files: their sandboxes, their
/// failures, and reloading.
@Suite struct NNPluginTests {
    @Test func layerPluginsGetReadOnlyComputationalModulesWithoutFileAccess() throws {
        let bench = try TemporaryWorkbench(plugins: [
            "probe.lua": plugin(kind: "layer", name: "Probe", body: """
                init = function(self, n) self.inner = nn.Linear(n, 1) end,
                forward = function(self, x)
                  assert(nn.save == nil and nn.load == nil and nn.load_tensors == nil, "checkpoint files are hidden")
                  assert(tensor.load_csv == nil and data == nil and io == nil, "no file access")
                  assert(not pcall(function() nn.Linear = nil end), "nn is read-only")
                  assert(not pcall(function() tensor.zeros = nil end), "tensor is read-only")
                  return self.inner(x) + tensor{ 0 }
                end,
                """),
        ])
        #expect(try bench.run("return nn.Probe(3)(tensor.ones{2, 3}).shape[2]").first?.doubleValue == 1)
        // The host's modules are untouched by the plugin's attempts.
        #expect(try bench.run("return type(nn.Linear), type(tensor.zeros)").map(\.description) == ["function", "function"])
    }

    @Test func aFailingLayerIsCountedQuarantinedAndReleasedByReload() throws {
        let bench = try TemporaryWorkbench(plugins: [
            "broken.lua": plugin(kind: "layer", name: "Broken", body: "forward = function(self, x) error('bad layer') end,"),
        ])
        try bench.run("layer = nn.Broken()")
        for _ in 0..<3 {
            let message = bench.error("layer(tensor{1})") ?? ""
            #expect(message.contains("broken.lua:4: bad layer"), "\(message)")
        }
        #expect(bench.error("layer(tensor{1})")?.contains("quarantined") == true)
        #expect(try bench.run("return plugins.info('Broken').status").first?.stringValue == "quarantined")
        try bench.run("plugins.reload('Broken')")
        #expect(try bench.run("return plugins.info('Broken').status").first?.stringValue == "active")
    }

    @Test func removingAPluginFileRemovesItsConstructor() throws {
        let bench = try TemporaryWorkbench(plugins: [
            "twice.lua": plugin(kind: "layer", name: "Twice", body: "forward = function(self, x) return x * 2 end,"),
            "sgdlite.lua": plugin(kind: "optimizer", name: "SGDLite", body: """
                step = function(self) for _, p in ipairs(self.params) do if p.grad then p:sub_(p.grad * self.lr) end end end,
                """),
        ])
        #expect(try bench.run("return nn.Twice()(tensor{3}):item()").first?.doubleValue == 6)
        try bench.run("""
            w = tensor{1}:requires_grad(); opt = optim.SGDLite({w}, {lr = 0.5});
            (w * 2):sum():backward(); opt:step()
            """)
        #expect(try bench.run("return w:item()").first?.doubleValue == 0)
        unlink(bench.plugins + "/twice.lua")
        try bench.run("plugins.reload()")
        #expect(try bench.run("return nn.Twice, optim.SGDLite ~= nil").map(\.description) == ["nil", "true"])
        #expect(bench.error("return nn.Twice()")?.contains("attempt to call a nil value") == true)
    }
}
