#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where plugin files are found, in order of precedence: the directories of
/// `$OPSLAB_PLUGIN_PATH` (colon-separated), `~/.config/opslab/plugins`, then
/// the plugins bundled with opslab. A name defined twice keeps the first.
public struct PluginSearchPath: Sendable, Equatable {
    public var directories: [String]

    public init(directories: [String]) {
        self.directories = directories
    }

    /// The standard path for this environment.
    /// - Parameters:
    ///   - environment: the process environment (OPSLAB_PLUGIN_PATH, HOME, XDG_CONFIG_HOME).
    ///   - bundled: the bundled plugins directory, if one was found.
    public static func standard(environment: [String: String], bundled: String?) -> PluginSearchPath {
        var directories: [String] = []
        if let extra = environment["OPSLAB_PLUGIN_PATH"] {
            directories += extra.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            directories.append(config + "/opslab/plugins")
        } else if let home = environment["HOME"], !home.isEmpty {
            directories.append(home + "/.config/opslab/plugins")
        }
        if let bundled { directories.append(bundled) }
        var seen = Set<String>()
        return PluginSearchPath(directories: directories.filter { seen.insert($0).inserted })
    }

    /// Every `*.lua` file in each directory and its immediate subdirectories
    /// (`plugins/collectors/x.lua`), in precedence order, sorted within a directory.
    public func pluginFiles() -> [String] {
        var files: [String] = []
        for directory in directories {
            var here: [String] = []
            for name in Self.list(directory) {
                let path = directory + "/" + name
                if Self.isDirectory(path) {
                    here += Self.list(path).filter { $0.hasSuffix(".lua") }.map { path + "/" + $0 }
                } else if name.hasSuffix(".lua") {
                    here.append(path)
                }
            }
            files += here.sorted()
        }
        return files
    }

    static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
