import LuaKit
import Testing
import Workbench

/// The tensor module as the REPL sees it: docs, completion, and errors in
/// Lua's 1-based terms. Behaviour op by op is tested in Tests/lua/tensor_test.lua
/// and against PyTorch in Tests/torch.
@Suite("The tensor module")
struct TensorModuleTests {
    @Test func everyFunctionAndMethodHasASignatureDocstring() throws {
        let t = try TemporaryWorkbench()
        let functions = try t.run("""
            local out = {}
            for k, f in pairs(tensor) do if type(f) == "function" then out[#out + 1] = k end end
            return out
            """)[0].tableValue?.array.compactMap(\.stringValue) ?? []
        #expect(functions.count > 80)
        for name in functions {
            let doc = t.workbench.help(topic: "tensor." + name)
            #expect(doc.hasPrefix("tensor.\(name)("), "tensor.\(name): \(doc)")
        }
        let methods = try t.run("""
            local out = {}
            for k in pairs(getmetatable(tensor.zeros(1)).__methods) do out[#out + 1] = k end
            return out
            """)[0].tableValue?.array.compactMap(\.stringValue) ?? []
        #expect(methods.count > 80)
        let lua = t.workbench.lua
        for name in methods {
            try t.run("probe = tensor.zeros(1).\(name)")
            lua.stack.push(lua.global("probe"))
            let doc = lua.doc(forValueAt: -1) ?? ""
            lua.stack.pop()
            #expect(doc.hasPrefix("t:\(name)("), "t:\(name): \(doc)")
        }
        #expect(t.workbench.help(topic: "tensor").hasPrefix("tensor: float32 tensors"))
    }

    @Test func errorsNameTheOpTheShapesAndOneBasedDims() throws {
        let t = try TemporaryWorkbench()
        #expect(t.error("tensor.zeros(64, 784):matmul(tensor.zeros(128, 10))")
                == "test:1: Tensor:matmul: shapes [64, 784] and [128, 10] cannot be multiplied (784 != 128)")
        #expect(t.error("tensor.matmul(tensor.zeros(64, 784), tensor.zeros(128, 10))")?
                    .hasSuffix("tensor.matmul: shapes [64, 784] and [128, 10] cannot be multiplied (784 != 128)") == true)
        #expect(t.error("tensor.zeros(2, 3):softmax(3)")
                == "test:1: Tensor:softmax: argument #2 dim 3 is out of range for a tensor of shape [2, 3] (expected 1..2 or -2..-1)")
        #expect(t.error("return tensor.zeros(2, 3) + tensor.zeros(4)")?.contains("[2, 3]") == true)
        #expect(t.error("return tensor.zeros(2)[3]") == "Tensor.__index: argument #2 index 3 is out of range for dim 1 of size 2")
    }

    @Test func methodsAreCompletable() throws {
        let t = try TemporaryWorkbench()
        let names = try t.run("""
            local out = {}
            for k in pairs(getmetatable(tensor.zeros(1)).__methods) do out[#out + 1] = k end
            table.sort(out); return table.concat(out, " ")
            """)[0].description
        for name in ["matmul", "softmax", "backward", "slice", "index_select", "add_", "tolist"] {
            #expect(names.split(separator: " ").contains(Substring(name)), "\(name)")
        }
    }
}
