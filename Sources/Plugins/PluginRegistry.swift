import Synchronization

/// The one registry every plugin goes through, built-in (Swift) or loaded
/// from a file (Lua): names are unique per kind, failures are counted, and a
/// plugin that keeps failing is quarantined until it is reloaded.
public final class PluginRegistry: Sendable {
    /// Where a plugin came from.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case builtin
        case file(String)
        /// Defined by code run in the workbench (`plugins.register`, `nn.define`).
        case session
        public var description: String {
            switch self {
            case .builtin: return "built-in"
            case .session: return "defined in this session"
            case .file(let path): return path
            }
        }
    }

    /// A registered plugin and its health.
    public struct Entry: @unchecked Sendable {
        public let manifest: PluginManifest
        public let source: Source
        /// The adapter that runs the plugin (conforms to the kind's protocol).
        public let implementation: AnyObject
        public internal(set) var calls = 0
        public internal(set) var failures = 0
        public internal(set) var consecutiveFailures = 0
        public internal(set) var lastError: String?
        public internal(set) var quarantined = false

        public var name: String { manifest.name }
        public var kind: String { manifest.kind }
    }

    /// A plugin file that could not be registered.
    public struct LoadProblem: Error, Sendable, Equatable, CustomStringConvertible {
        public let file: String
        public let field: String?
        public let message: String
        public init(file: String, field: String?, message: String) {
            self.file = file
            self.field = field
            self.message = message
        }
        public var description: String {
            field.map { "\(file): field '\($0)': \(message)" } ?? "\(file): \(message)"
        }
    }

    /// Failures in a row after which a plugin is quarantined.
    public let quarantineThreshold: Int

    private struct State {
        var kinds: [PluginKind] = PluginKind.standard
        var entries: [Entry] = []
        var problems: [LoadProblem] = []
    }
    private let state = Mutex(State())

    public init(quarantineThreshold: Int = 3) {
        self.quarantineThreshold = quarantineThreshold
    }

    // MARK: Kinds

    public var kinds: [PluginKind] { state.withLock { $0.kinds } }

    /// Adds a kind (a domain module's plugin protocol). Adding a kind twice
    /// replaces its definition.
    public func addKind(_ kind: PluginKind) {
        state.withLock { s in
            s.kinds.removeAll { $0.name == kind.name }
            s.kinds.append(kind)
        }
    }

    // MARK: Registration

    /// Registers a plugin. Refuses a second plugin of the same kind and
    /// name, except that a session plugin replaces an earlier session one
    /// (redefining a layer in the REPL is the normal way of working).
    public func register(_ manifest: PluginManifest, source: Source, implementation: AnyObject) throws(ManifestProblem) {
        let problem: ManifestProblem? = state.withLock { s in
            if let i = s.entries.firstIndex(where: { $0.kind == manifest.kind && $0.name == manifest.name }) {
                guard s.entries[i].source == .session, source == .session else {
                    return ManifestProblem(field: "name", message:
                        "a \(manifest.kind) named \"\(manifest.name)\" is already registered from \(s.entries[i].source)")
                }
                s.entries.remove(at: i)
            }
            s.entries.append(Entry(manifest: manifest, source: source, implementation: implementation))
            return nil
        }
        if let problem { throw problem }
    }

    /// Removes every plugin loaded from files (built-ins stay), and the
    /// recorded load problems, before a reload.
    public func removeFilePlugins(named name: String? = nil) {
        state.withLock { s in
            s.entries.removeAll { entry in
                guard case .file = entry.source else { return false }
                return name == nil || entry.name == name
            }
            if name == nil { s.problems.removeAll() }
        }
    }

    public func recordProblem(_ problem: LoadProblem) {
        state.withLock { $0.problems.append(problem) }
    }

    /// Files that failed to load since the last full reload.
    public var problems: [LoadProblem] { state.withLock { $0.problems } }

    // MARK: Lookup

    /// Every plugin, sorted by kind then name.
    public var entries: [Entry] {
        state.withLock { $0.entries }.sorted { ($0.kind, $0.name) < ($1.kind, $1.name) }
    }

    public func entries(ofKind kind: String) -> [Entry] {
        entries.filter { $0.kind == kind }
    }

    /// The plugins with this name (one per kind at most).
    public func entries(named name: String) -> [Entry] {
        state.withLock { s in s.entries.filter { $0.name == name } }
    }

    public func entry(kind: String, name: String) -> Entry? {
        state.withLock { s in s.entries.first { $0.kind == kind && $0.name == name } }
    }

    // MARK: Health

    /// Records a successful call of a plugin callback.
    public func recordSuccess(kind: String, name: String) {
        update(kind: kind, name: name) { entry in
            entry.calls += 1
            entry.consecutiveFailures = 0
        }
    }

    /// Records a failed call; returns true when this failure quarantined it.
    @discardableResult
    public func recordFailure(kind: String, name: String, message: String) -> Bool {
        var quarantinedNow = false
        update(kind: kind, name: name) { entry in
            entry.calls += 1
            entry.failures += 1
            entry.consecutiveFailures += 1
            entry.lastError = message
            if !entry.quarantined && entry.consecutiveFailures >= quarantineThreshold {
                entry.quarantined = true
                quarantinedNow = true
            }
        }
        return quarantinedNow
    }

    /// Lifts a quarantine (e.g. after the user fixed the plugin).
    public func release(kind: String, name: String) {
        update(kind: kind, name: name) { entry in
            entry.quarantined = false
            entry.consecutiveFailures = 0
        }
    }

    private func update(kind: String, name: String, _ body: (inout Entry) -> Void) {
        state.withLock { s in
            if let i = s.entries.firstIndex(where: { $0.kind == kind && $0.name == name }) {
                body(&s.entries[i])
            }
        }
    }
}
