import LuaKit
import Testing
import Workbench

/// The signature lines are the declarations calls are checked against, so
/// every parameter of every bound function and method names its type.
@Suite("Signature coverage")
struct SignatureCoverageTests {
    /// Parameters that cannot be given one type by position: `tensor.arange`
    /// reads its first argument as the start or the end by how many follow.
    static let untypedOnPurpose: Set<String> = ["tensor.arange"]

    @Test func everyParameterHasAType() throws {
        let t = try TemporaryWorkbench()
        let docs = try t.run("""
            local out = {}
            local function add(name, f) if opslab.doc(f) then out[#out + 1] = name .. "\\0" .. opslab.doc(f) end end
            local function walk(path, t)
              for k, v in pairs(t) do
                if type(v) == "function" then add(path .. "." .. k, v)
                elseif type(v) == "table" and opslab.doc(v) == nil and k ~= "__index" then walk(path .. "." .. k, v) end
              end
            end
            for k, v in pairs(_G) do
              if type(v) == "table" and opslab.doc(v) then walk(k, v) end
              if type(v) == "function" then add(k, v) end
            end
            local params = {tensor.zeros(2):requires_grad()}
            for _, o in ipairs{tensor.zeros(1), nn.Linear(2, 2), optim.SGD(params, {lr = 0.1}),
                               data.loader{x = tensor.zeros(4, 1)}, optim.StepLR(optim.SGD(params, {lr = 0.1}), {step_size = 1})} do
              local meta = getmetatable(o)
              for k, f in pairs(meta.__methods) do add(meta.__name .. ":" .. k, f) end
            end
            return table.concat(out, "\\1")
            """)[0].stringValue ?? ""
        var untyped: [String] = []
        var checked = 0
        for entry in docs.split(separator: "\u{1}") {
            let parts = entry.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            guard parts.count == 2, !Self.untypedOnPurpose.contains(parts[0]),
                  let signature = LuaSignature(doc: parts[1], name: parts[0]) else { continue }
            let isMethod = parts[0].contains(":")
            for (index, parameter) in signature.parameters.enumerated() where !(isMethod && index == 0) {
                checked += 1
                // Options tables are declared by the keys they name.
                if parameter.type == nil && parameter.optionKeys == nil && !parameter.name.hasSuffix("...") {
                    untyped.append("\(parts[0]): \(parameter.name)")
                }
            }
        }
        #expect(checked > 300)
        #expect(untyped.isEmpty, "\(untyped.sorted().joined(separator: "\n"))")
    }
}
