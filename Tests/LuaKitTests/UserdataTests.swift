import LuaKit
import Testing
import Synchronization

/// A Swift object exposed to Lua in these tests.
final class Vector {
    static let live = Atomic<Int>(0)
    var values: [Double]
    init(_ values: [Double]) {
        self.values = values
        Vector.live.add(1, ordering: .relaxed)
    }
    deinit { Vector.live.subtract(1, ordering: .relaxed) }

    static let lua: LuaClass<Vector> = {
        let cls = LuaClass<Vector>("Vector")
        cls.add([
            LuaMethod("sum", "v:sum() -> number") { call, v in
                call.returns(.number(v.values.reduce(0, +)))
            },
            LuaMethod("push", "v:push(x: number) -> v") { call, v in
                v.values.append(try call.number(2))
                call.stack.push(v, as: Vector.lua)
                return 1
            },
        ])
        cls.index { call, v in
            if let i = try? call.integer(2) {
                guard i >= 1, i <= v.values.count else { return 0 }
                return call.returns(.number(v.values[i - 1]))
            }
            if call.stack.string(at: 2) == "size" { return call.returns(.integer(Int64(v.values.count))) }
            return 0
        }
        cls.metamethod("__newindex") { call in
            let v = try call.object(1, Vector.lua)
            let i = try call.integer(2)
            guard i >= 1, i <= v.values.count else { throw call.argumentError(2, "index \(i) out of range 1..\(v.values.count)") }
            v.values[i - 1] = try call.number(3)
            return 0
        }
        cls.metamethod("__len") { call in call.returns(.integer(Int64(try call.object(1, Vector.lua).values.count))) }
        cls.metamethod("__add") { call in
            let a = try call.object(1, Vector.lua), b = try call.object(2, Vector.lua)
            guard a.values.count == b.values.count else {
                throw call.error("sizes \(a.values.count) and \(b.values.count) differ")
            }
            call.stack.push(Vector(zip(a.values, b.values).map(+)), as: Vector.lua)
            return 1
        }
        cls.metamethod("__call") { call in
            call.returns(.string("called with \(call.argumentCount - 1) arguments"))
        }
        cls.metamethod("__tostring") { call in
            call.returns(.string("Vector(\(try call.object(1, Vector.lua).values.map { String($0) }.joined(separator: ", ")))"))
        }
        cls.metamethod("__eq") { call in
            call.returns(.boolean(try call.object(1, Vector.lua).values == call.object(2, Vector.lua).values))
        }
        return cls
    }()
}

/// A second class, to check that objects are told apart by class.
final class Marker {
    static let lua = LuaClass<Marker>("Marker")
}

@Suite("Swift objects as userdata", .serialized)
struct UserdataTests {
    func state() throws -> LuaState {
        let lua = try LuaState()
        lua.register(Vector.lua)
        lua.register(Marker.lua)
        lua.register(LuaFunction("vec") { call in
            let table = try call.table(1)
            call.stack.push(Vector(table.array.compactMap(\.doubleValue)), as: Vector.lua)
            return 1
        }, as: "vec")
        lua.register(LuaFunction("marker") { call in
            call.stack.push(new: Marker(), as: Marker.lua)
            return 1
        }, as: "marker")
        // A vector said to hold a megabyte outside the Lua heap.
        lua.register(LuaFunction("bigvec") { call in
            call.stack.push(new: Vector([1]), as: Vector.lua)
            call.stack.noteExternalMemory(bytes: 1 << 20)
            return 1
        }, as: "bigvec")
        return lua
    }

    @Test func objectsOfAnotherClassOrForeignUserdataAreRefused() throws {
        let lua = try state()
        for (argument, type) in [("marker()", "Marker"), ("io.stdout", "FILE*")] {
            let error = try #require(throws: LuaError.self) { try lua.run("return vec{1} + \(argument)") }
            #expect(error.message == "input:1: Vector.__add: argument #2 expected Vector, got \(type)")
        }
    }

    @Test func foreignUserdataWithOurMetatableIsNeitherReadNorReleased() throws {
        // debug.setmetatable can give a class's metatable (and its __gc) to
        // any userdata; an io file under it must not be taken for a box.
        let lua = try state()
        let error = try #require(throws: LuaError.self) {
            try lua.run("""
                local f = io.tmpfile()
                debug.setmetatable(f, getmetatable(vec{1}))
                return f:sum()
                """)
        }
        #expect(error.message.contains("argument #1 expected Vector"))
        lua.collectGarbage()
        lua.collectGarbage()
        #expect(try lua.run("return vec{1, 2}:sum()")[0].doubleValue == 3)
    }

    @Test func externalMemoryPacesTheCollector() throws {
        // Each bigvec reports 1 MiB; the collector runs at the next Swift
        // call, so dead vectors do not pile up, while on the Lua heap alone
        // (small userdata) dozens wait for each collection.
        let lua = try state()
        lua.useGenerationalCollector()
        let before = Vector.live.load(ordering: .relaxed)
        lua.register(LuaFunction("live") { call in
            call.returns(.integer(Int64(Vector.live.load(ordering: .relaxed) - before)))
        }, as: "live")
        func mostAlive(_ make: String) throws -> Int64 {
            try lua.run("""
                local most = 0
                for i = 1, 2000 do local v = \(make); most = math.max(most, live()) end
                return most
                """)[0].doubleValue.map { Int64($0) } ?? -1
        }
        #expect(try mostAlive("bigvec()") <= 3)
        #expect(try mostAlive("vec{i}") > 10)   // the same loop without the reports
        lua.collectGarbage()
    }

    @Test func methodsPropertiesAndMetamethods() throws {
        let lua = try state()
        let results = try lua.run("""
            local v = vec{1, 2, 3}
            local w = v + vec{10, 20, 30}
            v[2] = 5
            return v:sum(), #v, v[1], v.size, tostring(w), v(1, 2), v == vec{1, 5, 3}, v[9], v:push(4) == v
            """)
        #expect(results.map(\.description) == ["9.0", "3", "1.0", "3", "Vector(11.0, 22.0, 33.0)",
                                                "called with 2 arguments", "true", "nil", "true"])
    }

    @Test func theSameObjectIsTheSameLuaValue() throws {
        let lua = try state()
        let v = Vector([1])
        lua.stack.push(v, as: Vector.lua)
        lua.setGlobal("a", valueAt: -1)
        lua.stack.push(v, as: Vector.lua)
        lua.setGlobal("b", valueAt: -1)
        lua.stack.settop(0)
        #expect(try lua.run("local t = {[a] = 'x'}; return rawequal(a, b), t[b]").map(\.description) == ["true", "x"])
    }

    @Test func aFreshObjectKeepsItsIdentityOnceSwiftReadsItBack() throws {
        // push(new:) skips the identity cache for an object only the pusher
        // holds; reading the object back out of its value must enter it, so
        // that pushing it again gives the same value.
        let lua = try state()
        lua.register(LuaFunction("fresh") { call in
            call.stack.push(new: Vector([1, 2]), as: Vector.lua)
            return 1
        }, as: "fresh")
        lua.register(LuaFunction("same") { call in
            let v = try call.object(1, Vector.lua)
            call.stack.push(new: v, as: Vector.lua)   // not unique: the cache path
            return 1
        }, as: "same")
        let results = try lua.run("""
            local a = fresh()
            local b = same(a)
            local c = a:push(3)
            local t = {[a] = "x"}
            return rawequal(a, b), rawequal(a, c), t[same(c)], #a
            """)
        #expect(results.map(\.description) == ["true", "true", "x", "3"])
        let held = Vector([5])
        lua.stack.push(new: held, as: Vector.lua)   // the caller still holds it
        lua.setGlobal("h1", valueAt: -1)
        lua.stack.push(held, as: Vector.lua)
        lua.setGlobal("h2", valueAt: -1)
        lua.stack.settop(0)
        #expect(try lua.run("return rawequal(h1, h2)").map(\.description) == ["true"])
    }

    @Test func errorsInMetamethodsAndMethodsOnWrongSelf() throws {
        let lua = try state()
        let error = try #require(throws: LuaError.self) { try lua.run("return vec{1} + vec{1, 2}") }
        #expect(error.message == "input:1: Vector.__add: sizes 1 and 2 differ")
        let bad = try #require(throws: LuaError.self) { try lua.run("local v = vec{1}; return v.sum(42)") }
        #expect(bad.message == "input:1: Vector:sum: argument #1 expected Vector (call it as obj:sum(...)), got number")
        let range = try #require(throws: LuaError.self) { try lua.run("local v = vec{1}; v[5] = 1") }
        #expect(range.message == "input:1: Vector.__newindex: argument #2 index 5 out of range 1..1")
        let iter = try #require(throws: LuaError.self) {
            try lua.run("for k in function() return vec{1} + vec{} end do end")
        }
        #expect(iter.message.contains("sizes 1 and 0 differ"))
    }

    @Test func aMillionObjectsAreReleased() throws {
        let lua = try state()
        let before = Vector.live.load(ordering: .relaxed)
        try lua.run("for i = 1, 1000000 do local v = vec{i} end")
        lua.collectGarbage()
        lua.collectGarbage()
        #expect(Vector.live.load(ordering: .relaxed) - before == 0)
        #expect(lua.memoryUsed < 4 << 20)
    }

    @Test func objectsOutliveTheirFirstLuaValue() throws {
        let lua = try state()
        try lua.run("keep = vec{7}")
        lua.collectGarbage()
        #expect(try lua.run("return keep[1]")[0].doubleValue == 7)
        try lua.run("keep = nil")
        lua.collectGarbage()
    }
}

@Suite("Completion keys")
struct CompletionKeyTests {
    @Test func methodsOfObjectsFieldsOfTablesAndIndexChains() throws {
        let lua = try LuaState()
        lua.register(Vector.lua)
        lua.stack.push(Vector([1]), as: Vector.lua)
        lua.setGlobal("v", valueAt: -1)
        lua.stack.pop()
        try lua.run("""
            config = { alpha = 1, beta = { gamma = 2 }, run = function() end }
            Base = { inherited = function() end }
            obj = setmetatable({ own = 1 }, { __index = Base })
            """)
        #expect(lua.completionKeys(path: ["v"], methodsOnly: true) == ["push", "sum"])
        #expect(lua.completionKeys(path: ["config"], methodsOnly: false) == ["alpha", "beta", "run"])
        #expect(lua.completionKeys(path: ["config"], methodsOnly: true) == ["run"])
        #expect(lua.completionKeys(path: ["config", "beta"], methodsOnly: false) == ["gamma"])
        #expect(lua.completionKeys(path: ["obj"], methodsOnly: false) == ["inherited", "own"])
        #expect(lua.completionKeys(path: ["missing", "x"], methodsOnly: false) == [])
        #expect(lua.completionKeys(path: [], methodsOnly: false).contains("config"))
    }

    @Test func completionRunsNoMetamethods() throws {
        let lua = try LuaState()
        try lua.run("""
            calls = 0
            trap = setmetatable({}, { __index = function() calls = calls + 1 end, __pairs = function() calls = calls + 1 end })
            """)
        _ = lua.completionKeys(path: ["trap"], methodsOnly: false)
        _ = lua.completionKeys(path: ["trap", "deep"], methodsOnly: false)
        #expect(try lua.run("return calls")[0].doubleValue == 0)
    }
}
