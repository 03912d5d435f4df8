import LuaKit
import Testing
import Workbench

@Suite("Help")
struct HelpTests {
    /// Every function of every documented global module, and every method
    /// of every class, has a doc whose first line is its signature:
    /// `module.name(` (or `{` for a table argument), `x:name(` for methods.
    @Test func everyFunctionAndMethodHasASignatureDoc() throws {
        let t = try TemporaryWorkbench()
        let problems = try t.run("""
            local problems, checked = {}, 0
            local function check(name, f, pattern)
              checked = checked + 1
              local first = (opslab.doc(f) or ""):match("^[^\\n]*")
              if not first:find(pattern) then problems[#problems + 1] = name .. ": '" .. first .. "'" end
            end
            local function walk(path, t)
              for k, v in pairs(t) do
                local name = path .. "." .. k
                if type(v) == "function" then check(name, v, "^" .. name:gsub("%.", "%%.") .. "[%(%{]")
                elseif type(v) == "table" and opslab.doc(v) == nil and k ~= "__index" then walk(name, v) end
              end
            end
            for k, v in pairs(_G) do
              if type(v) == "table" and opslab.doc(v) then walk(k, v) end
              if type(v) == "function" and opslab.doc(v) then check(k, v, "^" .. k .. "%(") end
            end
            local params = {tensor.zeros(2):requires_grad()}
            for _, o in ipairs{tensor.zeros(1), nn.Linear(2, 2), optim.SGD(params, {lr = 0.1}),
                               data.loader{x = tensor.zeros(4, 1)}, optim.StepLR(optim.SGD(params, {lr = 0.1}), {step_size = 1})} do
              local meta = getmetatable(o)
              for k, f in pairs(meta.__methods) do check(meta.__name .. ":" .. k, f, "^[%w_]+:" .. k .. "[%(%{ ]") end
            end
            table.sort(problems)
            return checked, table.concat(problems, "\\n")
            """)
        #expect((problems[0].doubleValue ?? 0) > 250)
        #expect(problems[1].stringValue == "", "\(problems[1])")
    }

    /// Every type a signature line names is one calls are checked against.
    @Test func everyTypeInASignatureIsKnown() throws {
        let t = try TemporaryWorkbench()
        let docs = try t.run("""
            local out = {}
            local function walk(path, t)
              for k, v in pairs(t) do
                if type(v) == "function" and opslab.doc(v) then out[#out + 1] = path .. "." .. k .. "\\0" .. opslab.doc(v) end
              end
            end
            for k, v in pairs(_G) do if type(v) == "table" and opslab.doc(v) then walk(k, v) end end
            return table.concat(out, "\\1")
            """)[0].stringValue ?? ""
        var typed = 0
        for entry in docs.split(separator: "\u{1}") {
            let parts = entry.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            guard parts.count == 2, let signature = LuaSignature(doc: parts[1], name: parts[0]) else { continue }
            for parameter in signature.parameters {
                guard let type = parameter.type else { continue }
                typed += 1
                #expect(LuaArgumentTypes.named(type) != nil, "\(parts[0]): unknown type '\(type)'")
            }
        }
        #expect(typed >= 15)
    }

    @Test func theIndexAndModuleHelpAreReadFromTheBindings() throws {
        let t = try TemporaryWorkbench()
        let index = t.workbench.helpIndex()
        for module in ["data", "metrics", "nn", "opslab", "optim", "plugins", "tensor"] {
            #expect(index.contains(module), "index lacks \(module)")
        }
        // A module's help lists every function it holds, by signature.
        let metrics = t.workbench.help(topic: "metrics")
        for name in ["collect(", "import(", "stats(", "promql{", "watch("] {
            #expect(metrics.contains("\n  metrics.\(name)"), "metrics help lacks \(name)")
        }
        #expect(t.workbench.help(topic: "optim").contains("\n  optim.Adam("))
        #expect(t.workbench.help(topic: "opslab").contains("\n  opslab.doc(value: any) -> string or nil"))
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
