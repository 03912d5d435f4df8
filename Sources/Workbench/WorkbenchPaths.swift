import Plugins
#if canImport(Glibc)
import Glibc
#endif

/// Where the workbench keeps its state and looks for its configuration.
public struct WorkbenchPaths: Sendable {
    /// `$OPSLAB_HOME`, default `~/.local/share/opslab`: database, history.
    public var home: String
    /// `~/.config/opslab` (or `$XDG_CONFIG_HOME/opslab`): init.lua, plugins.
    public var config: String
    /// The plugins shipped with opslab, if found.
    public var bundledPlugins: String?
    /// The plugin search path.
    public var pluginSearchPath: [String]

    public init(home: String, config: String, bundledPlugins: String? = nil, pluginSearchPath: [String]) {
        self.home = home
        self.config = config
        self.bundledPlugins = bundledPlugins
        self.pluginSearchPath = pluginSearchPath
    }

    public var history: String { home + "/history" }
    /// The database of series, alert state, the outbox and the audit head.
    public var database: String { home + "/opslab.db" }
    /// The hash-chained audit log.
    public var auditLog: String { home + "/audit.jsonl" }
    public var initScript: String { config + "/init.lua" }

    /// Paths for the given environment and executable location.
    public static func standard(environment: [String: String], executable: String) -> WorkbenchPaths {
        let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let home = environment["OPSLAB_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? userHome + "/.local/share/opslab"
        let configBase = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? userHome + "/.config"
        let bundled = findBundledPlugins(executable: executable)
        var search = PluginSearchPath.standard(environment: environment, bundled: bundled).directories
        // The runbooks shipped with opslab sit beside its plugins, in scripts/runbooks.
        if let runbooks = bundled.flatMap(findBundledRunbooks) { search.append(runbooks) }
        return WorkbenchPaths(home: home, config: configBase + "/opslab", bundledPlugins: bundled,
                              pluginSearchPath: search)
    }

    /// The bundled plugins sit at `<repo>/plugins` next to `.build/<config>/opslab`
    /// in a checkout, or at `<prefix>/share/opslab/plugins` next to `<prefix>/bin/opslab`.
    static func findBundledPlugins(executable: String) -> String? {
        var directory = executable
        for _ in 0..<5 {
            guard let slash = directory.lastIndex(of: "/") else { return nil }
            directory = String(directory[..<slash])
            if directory.isEmpty { return nil }
            for candidate in [directory + "/plugins", directory + "/share/opslab/plugins"]
            where access(candidate + "/collectors", F_OK) == 0 {
                return candidate
            }
        }
        return nil
    }
}

/// The runbooks shipped with opslab, found from the bundled plugins:
/// `<repo>/scripts/runbooks` beside `<repo>/plugins` in a checkout,
/// `<prefix>/share/opslab/runbooks` beside `<prefix>/share/opslab/plugins`.
func findBundledRunbooks(besidePlugins plugins: String) -> String? {
    let parent = String(plugins.dropLast("/plugins".count))
    return [parent + "/scripts/runbooks", parent + "/runbooks"].first { access($0, F_OK) == 0 }
}

/// Creates a directory and its parents (mkdir -p); returns whether it exists afterwards.
@discardableResult
public func makeDirectories(_ path: String) -> Bool {
    var prefix = ""
    for part in path.split(separator: "/", omittingEmptySubsequences: false) {
        prefix += (prefix.isEmpty && part.isEmpty) ? "/" : (prefix.hasSuffix("/") || prefix.isEmpty ? "" : "/") + part
        if !part.isEmpty { _ = mkdir(prefix, 0o755) }
    }
    var info = stat()
    return stat(path, &info) == 0
}

/// The whole contents of a file, or nil (missing, unreadable, over `limit` bytes).
func readFile(_ path: String, limit: Int = 64 << 20) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&chunk, 1, chunk.count, file)
        if n > 0 { bytes += chunk[0..<n] }
        if bytes.count > limit { return nil }
        if n < chunk.count { break }
    }
    return ferror(file) == 0 ? bytes : nil
}
