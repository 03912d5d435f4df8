import CLua
import CLuaShim

/// One Lua 5.4 state: the owner of every value, function and object the
/// bridge hands to Lua. Not thread-safe: use it from one thread at a time
/// (interrupt() alone may be called from anywhere).
public final class LuaState {
    /// The raw state, for the bridge's own extensions.
    public let L: OpaquePointer
    /// Registry slots of dropped references, freed at the next safe point.
    var pendingUnrefs: [Int32] = []

    /// Creates a state with the standard libraries open.
    /// - Parameter memoryLimit: cap on Lua heap bytes; 0 means none.
    public init(memoryLimit: Int = 0) throws {
        LuaState.installCallbacks
        guard let L = luakit_newstate(memoryLimit > 0 ? memoryLimit : 0) else {
            throw LuaError(message: "cannot create a Lua state: out of memory")
        }
        self.L = L
        luakit_set_owner(L, Unmanaged.passUnretained(self).toOpaque())
        luaL_openlibs(L)
        luakit_track_coroutines(L)
    }

    deinit {
        luakit_close(L)
    }

    /// The main thread's stack.
    public var stack: LuaStack { LuaStack(L: L, state: self) }

    func releasePendingReferences(on stack: LuaStack) {
        while let ref = pendingUnrefs.popLast() { luakit_unref(stack.L, ref) }
    }

    private static let installCallbacks: Void = {
        luakit_set_callbacks(luaKitDispatch, luaKitRelease)
    }()

    // MARK: Memory

    /// Bytes currently allocated by Lua.
    public var memoryUsed: Int { Int(luakit_memory_used(L)) }
    /// The cap on Lua heap bytes (0: none). Allocations past it fail with
    /// Lua's "not enough memory" error.
    public var memoryLimit: Int {
        get { Int(luakit_memory_limit(L)) }
        set { luakit_set_memory_limit(L, newValue > 0 ? newValue : 0) }
    }

    /// Runs a full garbage collection.
    public func collectGarbage() {
        luakit_collect_garbage(L)
    }

    /// Switches the collector to generational mode: frequent young
    /// collections that visit only objects made since the last one, and
    /// full ones only when the heap has grown. It suits states whose values
    /// mostly die young (the temporaries of a numeric loop); a young
    /// collection costs little however big the rest of the heap is.
    public func useGenerationalCollector() {
        luakit_use_generational_collector(L)
    }

    // MARK: Running code

    /// Compiles `code` and pushes the resulting function.
    /// - Parameter mode: "t" for text only (the default: binary chunks can
    ///   crash the VM), "bt" to allow precompiled chunks.
    public func load(_ code: String, name: String, mode: String = "t") throws {
        let status = code.utf8.withContiguousStorageIfAvailable { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                luakit_loadbuffer(L, $0.baseAddress, $0.count, name, mode)
            }
        } ?? {
            var copy = Array(code.utf8)
            return copy.withUnsafeMutableBytes {
                luakit_loadbuffer(L, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count, name, mode)
            }
        }()
        if status != LUA_OK {
            let message = stack.string(at: -1) ?? "cannot load chunk"
            stack.pop()
            throw LuaError(message: message)
        }
    }

    /// Compiles raw bytes (which may be invalid UTF-8) and pushes the function.
    public func load(bytes: [UInt8], name: String, mode: String = "t") throws {
        let status = bytes.withUnsafeBytes {
            luakit_loadbuffer(L, $0.baseAddress?.assumingMemoryBound(to: CChar.self), $0.count, name, mode)
        }
        if status != LUA_OK {
            let message = stack.string(at: -1) ?? "cannot load chunk"
            stack.pop()
            throw LuaError(message: message)
        }
    }

    /// Calls the function below `nargs` arguments on the stack in protected
    /// mode. Leaves `nresults` results (LUA_MULTRET for all) on success;
    /// on failure the stack is as it was below the function.
    public func call(arguments nargs: Int32, results nresults: Int32) throws {
        try stack.call(arguments: nargs, results: nresults)
    }

    /// Runs `code` and returns every value it returns.
    @discardableResult
    public func run(_ code: String, name: String = "=input") throws -> [LuaValue] {
        let base = stack.top
        defer { stack.settop(base) }
        try load(code, name: name)
        try call(arguments: 0, results: LUA_MULTRET)
        return try stack.values(above: base)
    }

    /// Runs a chunk given as bytes (text only) and returns every value it returns.
    @discardableResult
    public func run(bytes: [UInt8], name: String) throws -> [LuaValue] {
        let base = stack.top
        defer { stack.settop(base) }
        try load(bytes: bytes, name: name)
        try call(arguments: 0, results: LUA_MULTRET)
        return try stack.values(above: base)
    }

    /// Runs a top-level piece of user code: SIGINT interrupts it, and any stop
    /// request is cleared afterwards so the state stays usable.
    public func runInterruptible<T>(_ body: () throws -> T) rethrows -> T {
        luakit_set_running(L, 1)
        defer {
            luakit_set_running(L, 0)
            luakit_clear_stop(L)
        }
        return try body()
    }

    /// Runs `body` with a wall-clock budget: Lua code running past it fails
    /// with "timeout: time budget exceeded".
    /// Budgets nest: an inner one cannot outlast the outer one, and ending it
    /// keeps a pending Ctrl-C or an outer timeout for the code outside.
    public func withTimeBudget<T>(seconds: Double, _ body: () throws -> T) rethrows -> T {
        let outer = luakit_push_deadline(L, seconds)
        defer { luakit_pop_deadline(L, outer) }
        return try body()
    }

    /// Throws when Ctrl-C, `interrupt()` or a time budget has asked running
    /// code to stop: long Swift work reachable from Lua (a query over many
    /// steps, an import) calls it as it goes, since the hook that stops Lua
    /// code fires only between Lua instructions.
    public func checkStop() throws {
        switch luakit_stop_requested(L) {
        case Int32(LUAKIT_STOP_INTERRUPT.rawValue): throw LuaRuntimeError("interrupted", named: false)
        case Int32(LUAKIT_STOP_TIMEOUT.rawValue): throw LuaRuntimeError("timeout: time budget exceeded", named: false)
        default: return
        }
    }

    /// Asks running Lua code to stop with an "interrupted" error.
    public func interrupt() {
        luakit_interrupt(L)
    }

    /// True once, after Ctrl-C (or `interrupt()`) arrived while Swift code
    /// ran; clears the request, so long-running Swift functions such as a
    /// live view can end quietly instead of raising "interrupted".
    public func consumeStopRequest() -> Bool {
        guard luakit_stop_reason(L) == Int32(LUAKIT_STOP_INTERRUPT.rawValue) else { return false }
        luakit_clear_stop(L)
        return true
    }

    /// A handle that may be sent to another thread to interrupt this state.
    public var interruptHandle: LuaInterruptHandle { LuaInterruptHandle(address: UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(L)))) }

    /// Makes SIGINT interrupt Lua code run through `runInterruptible`.
    public func installInterruptHandler() {
        luakit_install_sigint(L)
    }

    // MARK: Globals

    /// Sets a global variable. Raw: a `__newindex` on `_G` (a read-only
    /// globals table in init.lua, say) is not run, so it cannot raise here.
    public func setGlobal(_ name: String, _ value: LuaValue) {
        stack.push(value)
        setGlobalFromTop(name)
    }

    /// Pops the top value into the global `name` (raw).
    func setGlobalFromTop(_ name: String) {
        luakit_pushglobaltable(L)
        lua_rotate(L, -2, 1)     // globals, value
        stack.setField(name, inTableAt: -2)
        stack.pop()
    }

    /// Reads a global variable (raw access: never runs metamethods).
    public func global(_ name: String) -> LuaValue {
        luakit_pushglobaltable(L)
        stack.getField(name, inTableAt: -1)
        defer { stack.pop(2) }
        return stack.value(at: -1)
    }

    /// Sets the global `name` to the Swift function.
    public func register(_ function: LuaFunction, as name: String) {
        stack.push(function)
        setGlobalFromTop(name)
    }

    /// Creates (or extends) the global table `name` with `functions`, each
    /// stored under its short name (the part after the last dot).
    public func registerModule(_ name: String, functions: [LuaFunction]) {
        if global(name).typeName != "table" {
            lua_createtable(L, 0, Int32(functions.count))
            lua_pushvalue(L, -1)
            setGlobalFromTop(name)
        } else {
            luakit_pushglobaltable(L)
            stack.getField(name, inTableAt: -1)
            luakit_remove(L, -2)
        }
        for function in functions {
            stack.push(function)
            stack.setField(function.shortName, inTableAt: -2)
        }
        stack.pop()
    }
}

extension LuaState {
    /// Sets the global `name` to the value at `index` of the main stack.
    public func setGlobal(_ name: String, valueAt index: Int32) {
        lua_pushvalue(L, index)
        setGlobalFromTop(name)
    }
}

/// Interrupts a state from another thread (a watchdog, a signal-handling
/// thread). Valid while the state lives.
public struct LuaInterruptHandle: Sendable {
    let address: UInt

    /// Makes the running code fail with "interrupted" at its next instruction.
    public func interrupt() {
        guard let L = OpaquePointer(bitPattern: address) else { return }
        luakit_interrupt(L)
    }
}
