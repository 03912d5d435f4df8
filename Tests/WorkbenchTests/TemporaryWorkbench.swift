import LuaKit
import Workbench
#if canImport(Glibc)
import Glibc
#endif

/// A workbench whose home, config and plugin directory live in a fresh
/// temporary directory, removed when the value is dropped.
final class TemporaryWorkbench {
    let root: String
    let plugins: String
    private(set) var workbench: Workbench!

    init(plugins files: [String: String] = [:], budget: Double = 5) throws {
        var template = Array("/tmp/opslab-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw LuaError(message: "mkdtemp failed") }
        root = String(cString: made)
        plugins = root + "/plugins"
        mkdir(plugins, 0o755)
        for (name, source) in files { try write(source, to: plugins + "/" + name) }
        var options = Workbench.Options()
        options.pluginBudget = budget
        workbench = try Workbench(paths: WorkbenchPaths(home: root + "/home", config: root + "/config",
                                                        pluginSearchPath: [plugins]), options: options)
    }

    deinit { system("rm -rf '\(root)'") }

    func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw LuaError(message: "cannot write \(path)") }
        fputs(text, file)
        fclose(file)
    }

    /// Runs Lua code in the workbench and returns its results.
    @discardableResult
    func run(_ code: String) throws -> [LuaValue] {
        try workbench.lua.run(code, name: "=test")
    }

    /// The message of the error `code` raises.
    func error(_ code: String) -> String? {
        do {
            try workbench.lua.run(code, name: "=test")
            return nil
        } catch {
            return "\(error)"
        }
    }
}

/// A plugin file's source with the common manifest fields filled in.
func plugin(kind: String = "collector", name: String, permissions: [String] = [], body: String) -> String {
    let perms = permissions.map { "\"\($0)\"" }.joined(separator: ", ")
    return """
    return {
      kind = "\(kind)", name = "\(name)", version = "1.0.0", description = "test plugin",
      permissions = { \(perms) },
      \(body)
    }
    """
}
