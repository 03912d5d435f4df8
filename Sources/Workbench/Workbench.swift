import Alerting
import Foundation
import LuaKit
import MetricsStore
import Plugins
import Telemetry
#if canImport(Glibc)
import Glibc
#endif

/// The environment: one Lua state with every domain module bound into it,
/// the plugin registry wired to it, and the paths it keeps state in.
public final class Workbench {
    /// The opslab release.
    public static let version = "0.1.0"
    /// The version plugins' `requires = { opslab = ... }` is checked against.
    static let semanticVersion = SemanticVersion(version)!

    /// Settings chosen at start.
    public struct Options: Sendable {
        /// Cap on the Lua heap, bytes (`OPSLAB_LUA_MEMORY_MB` overrides the default).
        public var memoryLimit: Int = 1 << 30
        /// Wall-clock budget for one plugin callback, seconds.
        public var pluginBudget: Double = 5
        /// Write coloured output (the REPL sets this on a TTY unless NO_COLOR).
        public var color = false
        /// Store what metrics.collect and :collect gather, as serve does. A
        /// notebook run turns it off: a run must neither change the user's
        /// store nor see what its own earlier runs stored.
        public var recordsCollections = true
        public init() {}
    }

    public let lua: LuaState
    public let registry: PluginRegistry
    public let paths: WorkbenchPaths
    public let options: Options
    /// Help topics beyond function docstrings, by name (`:help plugins`).
    public private(set) var topics: [String: String] = [:]
    deinit { backgroundRecording?.stop() }

    /// Every Lua global the workbench defines, for `:reset` and completion.
    public private(set) var builtinGlobals: [String] = []
    /// Held while Lua code runs on behalf of a background thread (a
    /// scheduled Lua collector in `serve`): the state is single-threaded.
    public let luaLock = NSRecursiveLock()
    /// Options for Lua collectors, by name (`metrics.configure`).
    var collectorOptions: [String: [String: LuaValue]] = [:]
    var cachedRunner: CollectorRunner?
    /// The metrics store, once something needed it.
    var openedStore: MetricsStore?
    /// Writes what the shell collects to the store, with staleness markers, as serve does.
    var shellRecorder: ReportRecorder?
    /// `metrics.record{every = ...}`'s background collection, while it runs.
    var backgroundRecording: BackgroundRecording?
    /// Each plugin file's modification time when it was last read, for hot reload.
    var pluginFileTimes: [String: Date] = [:]
    /// The metatable that gives query results their :tensor() method.
    var vectorMetatable: LuaValue?
    /// The nn/optim/data binding (its classes call back into this state).
    var nnBinding: NNBinding?
    /// What every plugin sandbox is granted besides the safe standard
    /// library: read-through views of tensor, nn and optim.
    var sandboxModules: [String: LuaValue] = [:]
    /// Alerting and recording rules: files loaded with alerts.load or
    /// `serve --rules`, and rules made with alerts.rule.
    public let rules = RuleManager()
    /// The stack Lua rules run on while a Lua call evaluates rules.
    var ruleStack: LuaStack?

    public init(paths: WorkbenchPaths, options: Options = Options()) throws {
        Workbench.registerArgumentTypes
        self.paths = paths
        self.options = options
        self.lua = try LuaState(memoryLimit: options.memoryLimit)
        // Tensor code makes a userdata per op result, nearly all dead by the
        // next statement; see TensorBinding.noteExternalMemory.
        lua.useGenerationalCollector()
        self.registry = PluginRegistry()
        installBase()
        try installJSON()
        try installTesting()
        installHTTP()
        installPlugins()
        installMetrics()
        try installTensor()
        try installNN()
        installAlerts()
        installPlot()
        installRunbooks()
        registerBuiltinCollectors()
        registerBuiltinSinks()
        let standard = ["assert", "collectgarbage", "coroutine", "debug", "dofile", "error", "getmetatable",
                        "io", "ipairs", "load", "loadfile", "math", "next", "os", "package", "pairs", "pcall",
                        "print", "rawequal", "rawget", "rawlen", "rawset", "require", "select", "setmetatable",
                        "string", "table", "tonumber", "tostring", "type", "utf8", "warn", "xpcall", "_G", "_VERSION"]
        builtinGlobals = standard + ["plugins", "help", "inspect", "opslab", "metrics", "tensor", "nn", "optim", "data", "alerts",
                                      "plot", "runbook", "audit", "json", "testing", "http"]
        loadPlugins()
    }

    /// Runs one of the Lua files built into the binary (Sources/Workbench/*/*.lua)
    /// and returns what it returns. They are part of the program, so an
    /// error in one is an error of the workbench's start.
    @discardableResult
    func runBundled(_ source: [UInt8], name: String) throws -> [LuaValue] {
        try lua.run(bytes: source, name: "=" + name)
    }

    /// The parameter types the workbench's signature lines use beyond Lua's
    /// own and its classes' names (`range: duration`); registered once,
    /// before any function that names them is made.
    private static let registerArgumentTypes: Void = {
        LuaArgumentTypes.register("duration", LuaArgumentType(expected: "a duration like \"6h\"", describeMismatch: LuaArgumentType.quotingStrings) { stack, index in
            stack.string(at: index).flatMap(positiveMilliseconds) != nil
        })
    }()

    /// Adds a help topic shown by `:help name`.
    public func addTopic(_ name: String, _ text: String) {
        topics[name] = text
    }

    /// Runs a file as a script with `arg` set as lua.c does (arg[0] the
    /// script, arg[1...] its arguments; `...` too).
    public func runScript(path: String, arguments: [String]) throws {
        guard let bytes = readFile(path) else {
            throw LuaError(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var args = LuaTableValue(array: arguments.map { .string($0) })
        args.fields["0"] = .string(path)
        lua.setGlobal("arg", .table(args))
        try lua.run("arg[0] = arg['0']; arg['0'] = nil", name: "=arg")
        try lua.runInterruptible {
            try lua.load(bytes: stripShebang(bytes), name: "@" + path)
            try lua.stack.reserve(arguments.count, for: "script arguments")
            for argument in arguments { lua.stack.push(argument) }
            try lua.call(arguments: Int32(arguments.count), results: 0)
        }
    }

    /// Runs `~/.config/opslab/init.lua` if it exists.
    public func runInitScript() throws {
        guard access(paths.initScript, R_OK) == 0 else { return }
        try runScript(path: paths.initScript, arguments: [])
    }

    private func stripShebang(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.starts(with: Array("#!".utf8)) else { return bytes }
        // Keep the newline so line numbers stay right.
        return Array(bytes.drop(while: { $0 != UInt8(ascii: "\n") }))
    }
}
