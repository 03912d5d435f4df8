import LuaKit
import Testing
import Workbench

/// What a plugin can reach depends on its permissions and nothing else.
@Suite("Plugin sandboxes")
struct SandboxPermissionTests {
    /// A collector whose `collect` evaluates `expression` in the plugin's
    /// environment and reports whether it was reachable and non-nil.
    func probe(_ name: String, permissions: [String] = [], _ expression: String) -> String {
        plugin(name: name, permissions: permissions, body: """
        collect = function()
          local ok, value = pcall(function() return \(expression) end)
          return ok and value ~= nil
        end
        """)
    }

    func reachable(_ expression: String, permissions: [String] = []) throws -> Bool {
        let t = try TemporaryWorkbench(plugins: ["p.lua": probe("p", permissions: permissions, expression)])
        let result = try t.run("return plugins.call('p', 'collect')")
        return result.first?.isTruthy ?? false
    }

    @Test(arguments: ["os.execute", "io.popen", "io.open", "os.getenv", "os.remove", "debug", "debug.getinfo",
                      "require", "package.loadlib", "dofile", "loadfile", "string.dump", "collectgarbage",
                      "plugins", "inspect", "_G.plugins", "getmetatable('').__index"])
    func withoutPermissionsNothingDangerous(expression: String) throws {
        #expect(try !reachable(expression), "\(expression) reachable without permission")
    }

    @Test func permissionsGrantExactlyTheirCapabilities() throws {
        #expect(try reachable("os.execute", permissions: ["exec"]))
        #expect(try reachable("io.popen", permissions: ["exec"]))
        #expect(try !reachable("io.open", permissions: ["exec"]))
        #expect(try reachable("os.getenv", permissions: ["env"]))
        #expect(try !reachable("os.execute", permissions: ["env"]))
        #expect(try reachable("io.open('/proc/self/stat'):read('l')", permissions: ["fs.read"]))
        #expect(try !reachable("io.open('/tmp/x-opslab-never', 'w')", permissions: ["fs.read"]))
        #expect(try !reachable("os.remove", permissions: ["fs.read"]))
        #expect(try reachable("os.remove", permissions: ["fs.write"]))
    }

    @Test func bytecodeIsRefused() throws {
        let t = try TemporaryWorkbench(plugins: ["b.lua": plugin(name: "b", body: """
        collect = function(code)
          local f, err = load(code)
          return f == nil and err
        end
        """)])
        let result = try t.run("return plugins.call('b', 'collect', string.dump(function() return 1 end))")
        #expect(result.first?.stringValue?.contains("binary chunk") == true)
    }

    @Test func onePluginCannotTouchAnothersTableOrTheHost() throws {
        let t = try TemporaryWorkbench(plugins: [
            "a.lua": plugin(name: "a", body: """
            collect = function()
              string.upper = function() return "hijacked" end
              math.huge = 1
              shared = "from a"
              return true
            end
            """),
            "b.lua": plugin(name: "b", body: """
            collect = function() return string.upper("ok"), math.huge > 1, shared end
            """),
        ])
        try t.run("plugins.call('a', 'collect')")
        let results = try t.run("return plugins.call('b', 'collect')")
        #expect(results.map(\.description) == ["OK", "true", "nil"])
        #expect(try t.run("return string.upper('x'), shared")[0].stringValue == "X")
        #expect(try t.run("return shared")[0].isNil)
    }
}
