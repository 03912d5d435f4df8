import LuaKit
import Testing

@Suite("Values cross the bridge")
struct ValueTests {
    @Test func scalarsRoundTrip() throws {
        let lua = try LuaState()
        lua.setGlobal("b", .boolean(true))
        lua.setGlobal("i", .integer(-42))
        lua.setGlobal("d", .number(2.5))
        lua.setGlobal("s", .string("héllo"))
        let results = try lua.run("return b, i, d, s, math.type(i), math.type(d), nil")
        #expect(results.count == 7)
        guard case .boolean(true) = results[0], case .integer(-42) = results[1], case .number(2.5) = results[2],
              case .string("héllo") = results[3], case .string("integer") = results[4],
              case .string("float") = results[5], case .nil = results[6] else {
            Issue.record("unexpected \(results)")
            return
        }
    }

    @Test func stringsKeepEmbeddedZeros() throws {
        let lua = try LuaState()
        lua.setGlobal("z", .string("a\0b\0c"))
        #expect(try lua.run("return #z")[0].doubleValue == 5)
        #expect(try lua.run("return z")[0].stringValue == "a\0b\0c")
        lua.stack.push(bytes: [0xFF, 0x00, 0xFE])
        #expect(lua.stack.bytes(at: -1) == [0xFF, 0x00, 0xFE])
        lua.stack.pop()
    }

    @Test func tablesAsArraysAndDictionaries() throws {
        let lua = try LuaState()
        lua.stack.push([LuaValue.integer(1), .string("two"), .number(3.5)])
        lua.setGlobal("arr", valueAt: -1)
        lua.stack.pop()
        lua.stack.push(["name": LuaValue.string("gpu0"), "temp": .integer(71)])
        lua.setGlobal("dict", valueAt: -1)
        lua.stack.pop()
        #expect(try lua.run("return #arr, arr[2], dict.name, dict.temp").map(\.description) == ["3", "two", "gpu0", "71"])
        let table = try #require(try lua.run("return {10, 20, x = 'y', [true] = 1}")[0].tableValue)
        #expect(table.array.map(\.description) == ["10", "20"])
        #expect(table["x"].stringValue == "y")
        #expect(table.otherKeyCount == 1)
    }

    @Test func functionsComeBackAsCallableReferences() throws {
        let lua = try LuaState()
        guard case .function(let ref) = try lua.run("return function(a, b) return a * b end")[0] else {
            Issue.record("expected a function")
            return
        }
        ref.push(on: lua.stack)
        lua.stack.push(6)
        lua.stack.push(7)
        try lua.call(arguments: 2, results: 1)
        #expect(lua.stack.value(at: -1).doubleValue == 42)
        lua.stack.pop()
    }

    @Test func cyclicTablesDoNotHang() throws {
        let lua = try LuaState()
        let value = try lua.run("local t = {}; t.self = t; t[1] = t; return t")[0]
        #expect(value.tableValue != nil)
    }
}
