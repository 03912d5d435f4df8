import LuaKit
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Interrupts, budgets and memory", .serialized)
struct LimitTests {
    /// Interrupts `lua` from another thread after `delay` seconds.
    func interrupt(_ lua: LuaState, after delay: Double) -> Thread {
        let handle = lua.interruptHandle
        return Thread { usleep(useconds_t(delay * 1e6)); handle.interrupt() }
    }

    @Test func interruptStopsAnInfiniteLoop() throws {
        let lua = try LuaState()
        let thread = interrupt(lua, after: 0.1)
        let error = try #require(throws: LuaError.self) {
            try lua.runInterruptible { try lua.run("x = 0 while true do x = x + 1 end") }
        }
        thread.join()
        #expect(error.message.hasSuffix("interrupted"))
        #expect(error.stopReason == .interrupted)
        // Globals survive, and the state runs code normally again.
        #expect((try lua.run("return x")[0].doubleValue ?? 0) > 0)
        #expect(try lua.run("local s = 0 for i = 1, 1000 do s = s + i end return s")[0].doubleValue == 500500)
    }

    @Test func pcallInALoopCannotSwallowTheInterrupt() throws {
        let lua = try LuaState()
        let thread = interrupt(lua, after: 0.1)
        let error = try #require(throws: LuaError.self) {
            try lua.runInterruptible {
                try lua.run("while true do pcall(function() while true do end end) end")
            }
        }
        thread.join()
        #expect(error.stopReason == .interrupted)
    }

    @Test func interruptReachesCodeInsideACoroutine() throws {
        let lua = try LuaState()
        let thread = interrupt(lua, after: 0.1)
        let error = try #require(throws: LuaError.self) {
            try lua.runInterruptible {
                try lua.run("""
                    local co = coroutine.wrap(function() while true do end end)
                    while true do pcall(co) end
                    """)
            }
        }
        thread.join()
        #expect(error.stopReason == .interrupted)
    }

    @Test func timeBudget() throws {
        let lua = try LuaState()
        let error = try #require(throws: LuaError.self) {
            try lua.withTimeBudget(seconds: 0.05) { try lua.run("while true do end") }
        }
        #expect(error.stopReason == .timeout)
        #expect(error.message.contains("time budget"))
        // The budget is gone afterwards.
        #expect(try lua.run("local n = 0 for i = 1, 3e6 do n = n + 1 end return n")[0].doubleValue == 3e6)
    }

    @Test func memoryCapGivesACleanError() throws {
        let lua = try LuaState(memoryLimit: 32 << 20)
        let error = try #require(throws: LuaError.self) { try lua.run("return string.rep('x', 1e9)") }
        #expect(error.message.contains("not enough memory"))
        let huge = try #require(throws: LuaError.self) { try lua.run("return string.rep('x', 1e10)") }
        #expect(huge.message.contains("too large") || huge.message.contains("not enough memory"))
        let tableError = try #require(throws: LuaError.self) {
            try lua.run("local t = {} for i = 1, 1e9 do t[i] = {i} end")
        }
        #expect(tableError.message.contains("not enough memory"))
        lua.collectGarbage()
        #expect(lua.memoryUsed < 32 << 20)
        #expect(try lua.run("return #string.rep('y', 1000)")[0].doubleValue == 1000)
    }
}

/// A minimal joinable thread for tests.
final class Thread: @unchecked Sendable {
    private var handle = pthread_t()
    private let body: @Sendable () -> Void

    init(_ body: @escaping @Sendable () -> Void) {
        self.body = body
        let box = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&handle, nil, { raw in
            let thread = Unmanaged<Thread>.fromOpaque(raw!).takeRetainedValue()
            thread.body()
            return nil
        }, box)
    }

    func join() { pthread_join(handle, nil) }
}
