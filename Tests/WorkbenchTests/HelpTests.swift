import LuaKit
import Testing
import Workbench

@Suite("Help")
struct HelpTests {
    @Test func everyBuiltinFunctionHasADocstring() throws {
        let t = try TemporaryWorkbench()
        let lua = t.workbench.lua
        // Every function reachable from the workbench's own globals, one level into tables.
        let names = try t.run("""
            local out = {}
            for _, g in ipairs({ "plugins", "inspect", "help", "print", "opslab" }) do
              local v = _G[g]
              if type(v) == "function" then out[#out + 1] = g end
              if type(v) == "table" then
                for k, f in pairs(v) do if type(f) == "function" then out[#out + 1] = g .. "." .. k end end
              end
            end
            return out
            """)[0].tableValue?.array.compactMap(\.stringValue) ?? []
        #expect(names.count >= 10)
        for name in names {
            let doc = t.workbench.help(topic: name)
            #expect(doc.hasPrefix(String(name.split(separator: ".").last ?? "")) || doc.hasPrefix(name),
                    "\(name) has no docstring: \(doc)")
        }
        _ = lua
    }

    @Test func topicsAndUnknownNames() throws {
        let t = try TemporaryWorkbench()
        #expect(t.workbench.help(topic: "plugins").contains("Plugins extend opslab"))
        #expect(t.workbench.help(topic: "no_such_thing") == "No documentation for no_such_thing (a nil).")
        #expect(t.workbench.help(topic: "os.exit()") == "No help for \"os.exit()\".")
        #expect(t.workbench.help(topic: "string").hasPrefix("string is a table. Fields:"))
        #expect(t.workbench.helpIndex().contains(":reset"))
    }
}
