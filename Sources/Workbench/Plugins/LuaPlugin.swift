import LuaKit
import Plugins

/// A plugin loaded from a Lua file: its sandboxed environment and the table
/// it returned. Every callback runs through `invoke`, which applies the time
/// budget, counts failures and refuses quarantined plugins.
public final class LuaPlugin {
    public let file: String
    public let manifest: PluginManifest
    /// The table the file returned.
    let table: LuaReference
    /// The plugin's own `_ENV`; nil for a session plugin, which runs with
    /// the session's globals.
    let environment: LuaReference?
    unowned let workbench: Workbench

    init(file: String, manifest: PluginManifest, table: LuaReference, environment: LuaReference?, workbench: Workbench) {
        self.file = file
        self.manifest = manifest
        self.table = table
        self.environment = environment
        self.workbench = workbench
    }

    /// A callback failed, or was refused.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        /// The callback ran past its time budget.
        public var timedOut = false
    }

    /// Calls `callback` (a function field of the plugin's table) with
    /// `arguments` pushed by the caller-supplied closure, and returns every
    /// result as Swift values. Errors name the plugin and keep file:line.
    /// - Parameters:
    ///   - budget: seconds the callback may run; the workbench's plugin
    ///     budget when nil.
    ///   - stack: the stack of the thread calling (a coroutine's, when a
    ///     Swift function called from one invokes); the main one when nil.
    ///   - quarantining: whether failures count towards quarantine; a sink's
    ///     do not, since its failures are mostly its receiver's and the
    ///     outbox already bounds them with backoff and dead letters.
    public func invoke(_ callback: String, arguments: [LuaValue], budget: Double? = nil,
                       on callerStack: LuaStack? = nil, quarantining: Bool = true) throws -> [LuaValue] {
        let budget = budget ?? workbench.options.pluginBudget
        let lua = workbench.lua
        let stack = callerStack ?? lua.stack
        let registry = workbench.registry
        let label = "plugin \(manifest.kind) '\(manifest.name)'"
        if registry.entry(kind: manifest.kind, name: manifest.name)?.quarantined == true {
            throw Failure(description: "\(label) is quarantined after repeated failures; plugins.reload(\"\(manifest.name)\") to retry")
        }
        table.push(on: stack)
        let fields = stack.value(at: -1, maxDepth: 1).tableValue
        stack.pop()
        guard case .function(let function)? = fields?.fields[callback] else {
            throw Failure(description: "\(label) has no function '\(callback)'")
        }
        let base = stack.top
        do {
            try stack.reserve(arguments.count + 1, for: "arguments")
        } catch {
            throw Failure(description: "\(label): \(callback): \(error)")
        }
        function.push(on: stack)
        for argument in arguments { stack.push(argument) }
        do {
            try lua.withTimeBudget(seconds: budget) {
                try stack.call(arguments: Int32(arguments.count), results: -1)
            }
        } catch let error as LuaError {
            stack.settop(base)
            let message = error.stopReason == .timeout
                ? "\(label) (\(file)): \(callback) exceeded its time budget of \(budget)s"
                : "\(label): \(callback) failed: \(error.message)"
            let quarantined = quarantining && registry.recordFailure(kind: manifest.kind, name: manifest.name, message: message)
            throw Failure(description: quarantined ? message + " (now quarantined)" : message,
                          timedOut: error.stopReason == .timeout)
        }
        registry.recordSuccess(kind: manifest.kind, name: manifest.name)
        defer { stack.settop(base) }
        do {
            return try stack.values(above: base)
        } catch {
            throw Failure(description: "\(label): \(callback) returned \(error)")
        }
    }

    /// Calls `callback(instance, ...)` on `stack` for an object made from
    /// this plugin (a layer or an optimizer), leaving `results` results.
    /// No time budget: this is computation the user asked for and can stop
    /// with Ctrl-C, which is not counted as the plugin's failure; Lua errors
    /// are, and pass through with their position. Returns false when the
    /// plugin has no such function.
    @discardableResult
    func callMethod(_ callback: String, instance: LuaReference, on stack: LuaStack, results: Int32,
                    arguments pushArguments: () -> Int32 = { 0 }) throws -> Bool {
        let registry = workbench.registry
        let (kind, name) = (manifest.kind, manifest.name)
        table.push(on: stack)
        stack.getField(callback, inTableAt: -1)
        stack.keepTop(over: stack.top - 2)
        guard stack.isFunction(at: -1) else {
            stack.pop()
            return false
        }
        if registry.entry(kind: kind, name: name)?.quarantined == true {
            stack.pop()
            throw LuaRuntimeError("\(kind) '\(name)' is quarantined after repeated failures; plugins.reload(\"\(name)\") to retry", named: false)
        }
        instance.push(on: stack)
        let count = pushArguments()
        do {
            try stack.call(arguments: count + 1, results: results)
            registry.recordSuccess(kind: kind, name: name)
        } catch let error as LuaError where error.stopReason == nil {
            registry.recordFailure(kind: kind, name: name, message: "\(callback) failed: \(error.message)")
            throw error
        }
        return true
    }
}
