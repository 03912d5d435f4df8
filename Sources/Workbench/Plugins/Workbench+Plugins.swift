import Foundation
import LuaKit
import Plugins

/// Loading Lua plugins into their sandboxes, and the `plugins` module.
extension Workbench {
    /// Loads every plugin file on the search path into the registry,
    /// replacing those loaded before. Returns how many were registered.
    @discardableResult
    public func loadPlugins(named name: String? = nil) -> Int {
        registry.removeFilePlugins(named: name)
        var loaded = 0
        for file in PluginSearchPath(directories: paths.pluginSearchPath).pluginFiles() {
            pluginFileTimes[file] = Self.modificationTime(file)
            switch loadPlugin(file: file, onlyNamed: name) {
            case .loaded: loaded += 1
            case .skipped: break
            case .failed(let problem): registry.recordProblem(problem)
            }
        }
        nnBinding?.refreshConstructors()
        return loaded
    }

    /// Hot reload: reads again the plugin files on the search path that
    /// changed (or appeared) since they were last read. A file that now has a
    /// problem leaves its previous version registered. Returns one line per
    /// file acted on, for the shell and serve to report.
    public func reloadChangedPlugins() -> [String] {
        var messages: [String] = []
        for file in PluginSearchPath(directories: paths.pluginSearchPath).pluginFiles() {
            let time = Self.modificationTime(file)
            guard time != pluginFileTimes[file] else { continue }
            pluginFileTimes[file] = time
            switch checkPlugin(file: file) {
            case .success(let manifest):
                registry.removeFilePlugins(named: manifest.name)
                if case .failed(let problem) = loadPlugin(file: file) {
                    messages.append("\(problem) (not reloaded)")
                } else {
                    messages.append("reloaded \(manifest.kind) \(manifest.name) \(manifest.version) from \(file)")
                }
            case .failure(let problem):
                messages.append("\(problem) (not reloaded; the previous version, if any, stays)")
            }
        }
        if !messages.isEmpty { nnBinding?.refreshConstructors() }
        return messages
    }

    private static func modificationTime(_ file: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date
    }

    enum LoadOutcome { case loaded, skipped, failed(PluginRegistry.LoadProblem) }

    /// Runs one plugin file in a fresh sandbox, checks what it returns and
    /// registers it. Top-level code runs with no permissions; the declared
    /// ones are granted to its callbacks once the manifest is accepted.
    func loadPlugin(file: String, onlyNamed name: String? = nil, into target: PluginRegistry? = nil) -> LoadOutcome {
        let registry = target ?? self.registry
        func failure(_ message: String, field: String? = nil) -> LoadOutcome {
            .failed(.init(file: file, field: field, message: message))
        }
        guard let bytes = readFile(file, limit: 4 << 20) else { return failure("cannot read the file (missing, unreadable or over 4 MiB)") }
        let stack = lua.stack
        let base = stack.top
        defer { stack.settop(base) }
        do {
            try lua.pushSandbox(grants: sandboxModules)
            let environment = stack.reference(at: -1)
            try lua.load(String(decoding: bytes, as: UTF8.self), name: "@" + file, environment: -1)
            try lua.withTimeBudget(seconds: options.pluginBudget) {
                try lua.call(arguments: 0, results: 1)
            }
            guard case .table(let table) = stack.value(at: -1, maxDepth: 2), let reference = table.reference else {
                return failure("expected the file to return a table (the manifest), got \(stack.typeName(at: -1))")
            }
            let manifest: PluginManifest
            do {
                manifest = try PluginManifest(fields: manifestFields(table), kinds: registry.kinds)
            } catch {
                return failure(error.message, field: error.field)
            }
            if let name, manifest.name != name { return .skipped }
            if let problem = manifest.requirementProblem(host: Self.semanticVersion) {
                return failure(problem.message, field: problem.field)
            }
            try grant(manifest.permissions, hosts: manifest.hosts, into: environment)
            let plugin = LuaPlugin(file: file, manifest: manifest, table: reference, environment: environment, workbench: self)
            do {
                try registry.register(manifest, source: .file(file), implementation: plugin)
            } catch {
                return failure(error.message, field: error.field)
            }
            return .loaded
        } catch {
            return failure("\(error)")
        }
    }

    /// Registers the manifest table at argument `position` as a session
    /// plugin. `table` may carry extra fields (nn.define adds kind and
    /// version); they are written into the Lua table so the plugin sees them.
    func registerSessionPlugin(_ call: LuaCall, _ table: LuaTableValue, position: Int32) throws -> PluginManifest {
        guard let reference = table.reference else { throw call.typeError(position, expected: "table") }
        reference.push(on: call.stack)
        for key in ["kind", "version", "description"] {
            if let value = table.fields[key] {
                call.stack.push(value)
                call.stack.setField(key, inTableAt: -2)
            }
        }
        call.stack.pop()
        let manifest: PluginManifest
        do {
            manifest = try PluginManifest(fields: manifestFields(table), kinds: registry.kinds)
        } catch {
            throw call.argumentError(position, "field '\(error.field)': \(error.message)")
        }
        if let problem = manifest.requirementProblem(host: Self.semanticVersion) {
            throw call.argumentError(position, "\(problem)")
        }
        let plugin = LuaPlugin(file: "(session)", manifest: manifest, table: reference,
                               environment: nil, workbench: self)
        do {
            try registry.register(manifest, source: .session, implementation: plugin)
        } catch {
            throw call.argumentError(position, "field '\(error.field)': \(error.message)")
        }
        return manifest
    }

    private func manifestFields(_ table: LuaTableValue) -> [String: ManifestValue] {
        table.fields.mapValues { value in
            switch value {
            case .string(let s): return .string(s)
            case .integer(let i): return .number(Double(i))
            case .number(let d): return .number(d)
            case .boolean(let b): return .boolean(b)
            case .function: return .function
            case .table(let t) where t.fields.isEmpty && t.otherKeyCount == 0:
                return .list(t.array.map { $0.stringValue.map(ManifestValue.string) ?? .other($0.typeName) })
            case .table(let t):
                return .table(t.fields.mapValues { $0.stringValue.map(ManifestValue.string) ?? .other($0.typeName) })
            case .nil: return .other("nil")
            case .other(let r): return .other(r.typeName)
            }
        }
    }

    /// Adds the capabilities of `permissions` to a plugin's environment.
    private func grant(_ permissions: [Permission], hosts: [String], into environment: LuaReference) throws {
        guard !permissions.isEmpty else { return }
        let stack = lua.stack
        try lua.load(bytes: PackageResources.capabilities_lua, name: "=capabilities")
        environment.push(on: stack)
        stack.push(permissions.map { LuaValue.string($0.rawValue) })
        stack.push(hosts.map { LuaValue.string($0) })
        try lua.call(arguments: 3, results: 0)
    }


    func installPlugins() {
        let module: [LuaFunction] = [
            LuaFunction("plugins.list", doc: """
                plugins.list([kind: string]) -> list
                Every registered plugin (or those of one kind) as tables with name, kind, version,
                description, source, permissions, status ("active" or "quarantined"), calls and failures.
                """) { [unowned self] call in
                let kind = try call.optionalString(1)
                let entries = kind.map { registry.entries(ofKind: $0) } ?? registry.entries
                call.stack.push(entries.map { LuaValue.table(describe($0)) })
                return 1
            },
            LuaFunction("plugins.info", doc: """
                plugins.info(name: string) -> table
                Everything known about one plugin: its manifest, source file, permissions,
                call and failure counts, last error and quarantine status.
                """) { [unowned self] call in
                let name = try call.string(1)
                let matches = try resolve(name, call: call)
                call.stack.push(.table(describe(matches)))
                return 1
            },
            LuaFunction("plugins.reload", doc: """
                plugins.reload([name: string]) -> count, problems
                Reads the plugin files again (all of them, or those defining `name`), lifting
                quarantines. Returns how many loaded and the list of problems found.
                """) { [unowned self] call in
                let name = try call.optionalString(1)
                let count = loadPlugins(named: name)
                call.stack.push(count)
                call.stack.push(registry.problems.map { LuaValue.string($0.description) })
                return 2
            },
            LuaFunction("plugins.call", doc: """
                plugins.call(name: string, callback: string, ...) -> ...
                Runs a plugin's callback (e.g. "collect") in its sandbox, under its time budget,
                counting failures as the workbench does. `name` may be "kind/name" when two kinds share it.
                """) { [unowned self] call in
                let name = try call.string(1)
                let callback = try call.string(2)
                let entry = try resolve(name, call: call)
                guard let plugin = entry.implementation as? LuaPlugin else {
                    throw call.error("\(entry.kind) '\(entry.name)' is built in, not a Lua plugin")
                }
                let arguments = call.argumentCount > 2 ? (3...call.argumentCount).map { call.value($0) } : []
                let results = try plugin.invoke(callback, arguments: arguments, on: call.stack)
                try call.stack.reserve(results.count, for: "results")
                for result in results { call.stack.push(result) }
                return Int32(results.count)
            },
            LuaFunction("plugins.load", doc: """
                plugins.load(path: string) -> name
                Loads one plugin file as the search path would (its own sandbox, the permissions it
                declares), replacing a loaded plugin of the same name: for trying a plugin under
                development, and for its tests. A file that is refused raises the problem.
                """) { [unowned self] call in
                let file = try call.string(1)
                let manifest: PluginManifest
                switch checkPlugin(file: file) {
                case .success(let checked): manifest = checked
                case .failure(let problem): throw call.error("\(problem)")
                }
                registry.removeFilePlugins(named: manifest.name)
                if case .failed(let problem) = loadPlugin(file: file) { throw call.error("\(problem)") }
                nnBinding?.refreshConstructors()
                return call.returns(.string(manifest.name))
            },
            LuaFunction("plugins.register", doc: """
                plugins.register(manifest: table) -> name
                Registers a plugin defined by code in this session (the table a plugin file would return),
                replacing an earlier session plugin of the same kind and name. It runs with the session's
                globals, not in a sandbox: it is your own code.
                """) { [unowned self] call in
                let manifest = try registerSessionPlugin(call, try call.table(1), position: 1)
                nnBinding?.refreshConstructors()
                return call.returns(.string(manifest.name))
            },
            LuaFunction("plugins.problems", doc: """
                plugins.problems() -> list
                The plugin files that failed to load, each as "file: field 'x': what is wrong".
                """) { [unowned self] call in
                call.stack.push(registry.problems.map { LuaValue.string($0.description) })
                return 1
            },
            LuaFunction("plugins.kinds", doc: """
                plugins.kinds() -> table
                The plugin kinds this workbench knows, with what each is for and the functions it must define.
                """) { [unowned self] call in
                var fields: [String: LuaValue] = [:]
                for kind in registry.kinds {
                    fields[kind.name] = .table(LuaTableValue(fields: [
                        "summary": .string(kind.summary),
                        "requires": .table(LuaTableValue(array: kind.requiredFunctions.map { .string($0) })),
                    ]))
                }
                call.stack.push(fields)
                return 1
            },
            LuaFunction("plugins.path", doc: """
                plugins.path() -> list
                The plugin search path, first match wins: $OPSLAB_PLUGIN_PATH, ~/.config/opslab/plugins,
                then the bundled plugins.
                """) { [unowned self] call in
                call.stack.push(paths.pluginSearchPath.map { LuaValue.string($0) })
                return 1
            },
        ]
        lua.registerModule("plugins", functions: module)
        lua.stack.push(lua.global("plugins"))
        lua.setDoc("plugins: the plugin registry (collectors, sinks, optimizers, layers); :help plugins for writing one.", forValueAt: -1)
        lua.stack.pop()
        addTopic("plugins", Self.pluginsTopic)
    }

    /// The one plugin `name` refers to ("name" or "kind/name").
    private func resolve(_ name: String, call: LuaCall) throws -> PluginRegistry.Entry {
        let parts = name.split(separator: "/", maxSplits: 1).map(String.init)
        let matches = parts.count == 2
            ? registry.entry(kind: parts[0], name: parts[1]).map { [$0] } ?? []
            : registry.entries(named: name)
        guard let first = matches.first else {
            let problem = registry.problems.first { $0.file.hasSuffix("/\(name).lua") }
            throw call.error("no plugin named \"\(name)\"" + (problem.map { " (\($0))" } ?? ""))
        }
        guard matches.count == 1 else {
            let options = matches.map { "\($0.kind)/\($0.name)" }.joined(separator: ", ")
            throw call.error("\"\(name)\" is ambiguous: \(options)")
        }
        return first
    }

    private func describe(_ entry: PluginRegistry.Entry) -> LuaTableValue {
        var fields: [String: LuaValue] = [
            "name": .string(entry.name),
            "kind": .string(entry.kind),
            "version": .string(entry.manifest.version.description),
            "description": .string(entry.manifest.description),
            "source": .string(entry.source.description),
            "permissions": .table(LuaTableValue(array: entry.manifest.permissions.map { .string($0.rawValue) })),
            "status": .string(entry.quarantined ? "quarantined" : "active"),
            "calls": .integer(Int64(entry.calls)),
            "failures": .integer(Int64(entry.failures)),
        ]
        if let error = entry.lastError { fields["last_error"] = .string(error) }
        return LuaTableValue(fields: fields)
    }

    static let pluginsTopic = """
    Plugins extend opslab. A plugin is a Lua file on the search path (plugins.path()) that returns a
    manifest table:

      return {
        kind = "collector", name = "checkpoint_dir", version = "1.0.0",
        description = "Size and age of the newest checkpoint",
        permissions = { "fs.read" },
        interval = "30s",
        collect = function(ctx) return { {name = "checkpoint_bytes", value = 123} } end,
      }

    Kinds: collector (collect), sink (send), optimizer (step), layer (forward); see plugins.kinds().
    Permissions: fs.read, fs.write, exec, env. A plugin sees only the safe standard library plus what
    its permissions grant; top-level code runs with none. A callback that errors is reported with the
    plugin's name and file:line; three failures in a row quarantine the plugin until plugins.reload.
    """
}


extension Workbench {
    /// Loads one file as the registry would, without keeping it registered:
    /// for `opslab plugin check`.
    public func checkPlugin(file: String) -> Result<PluginManifest, PluginRegistry.LoadProblem> {
        let scratch = PluginRegistry()
        for kind in registry.kinds { scratch.addKind(kind) }
        switch loadPlugin(file: file, into: scratch) {
        case .loaded:
            guard let entry = scratch.entries.first else {
                return .failure(.init(file: file, field: nil, message: "not registered"))
            }
            return .success(entry.manifest)
        case .skipped:
            return .failure(.init(file: file, field: nil, message: "skipped"))
        case .failed(let problem):
            return .failure(problem)
        }
    }
}
