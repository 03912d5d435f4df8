import Plugins
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Plugin registry")
struct RegistryTests {
    final class Impl {}

    func manifest(_ name: String, kind: String = "sink") throws -> PluginManifest {
        try PluginManifest(fields: [
            "kind": .string(kind), "name": .string(name), "version": .string("1.0.0"),
            "description": .string("test"), "send": .function, "collect": .function,
        ], kinds: PluginKind.standard)
    }

    @Test func namesAreUniquePerKind() throws {
        let registry = PluginRegistry()
        try registry.register(try manifest("alpha"), source: .file("/a.lua"), implementation: Impl())
        #expect(throws: ManifestProblem.self) {
            try registry.register(try manifest("alpha"), source: .file("/b.lua"), implementation: Impl())
        }
        // The same name under another kind is fine.
        try registry.register(try manifest("alpha", kind: "collector"), source: .builtin, implementation: Impl())
        #expect(registry.entries(named: "alpha").count == 2)
        #expect(registry.entries.map(\.kind) == ["collector", "sink"])
    }

    @Test func repeatedFailuresQuarantineAndSuccessResets() throws {
        let registry = PluginRegistry(quarantineThreshold: 3)
        try registry.register(try manifest("flaky"), source: .builtin, implementation: Impl())
        registry.recordFailure(kind: "sink", name: "flaky", message: "one")
        registry.recordSuccess(kind: "sink", name: "flaky")
        #expect(!registry.recordFailure(kind: "sink", name: "flaky", message: "two"))
        #expect(!registry.recordFailure(kind: "sink", name: "flaky", message: "three"))
        #expect(registry.recordFailure(kind: "sink", name: "flaky", message: "four"))
        let entry = try #require(registry.entry(kind: "sink", name: "flaky"))
        #expect(entry.quarantined && entry.failures == 4 && entry.calls == 5 && entry.lastError == "four")
        registry.release(kind: "sink", name: "flaky")
        #expect(registry.entry(kind: "sink", name: "flaky")?.quarantined == false)
    }

    @Test func reloadKeepsBuiltins() throws {
        let registry = PluginRegistry()
        try registry.register(try manifest("core"), source: .builtin, implementation: Impl())
        try registry.register(try manifest("user"), source: .file("/u.lua"), implementation: Impl())
        registry.recordProblem(.init(file: "/bad.lua", field: "name", message: "is missing"))
        registry.removeFilePlugins()
        #expect(registry.entries.map(\.name) == ["core"])
        #expect(registry.problems.isEmpty)
    }

    @Test func searchPathOrderAndFiles() throws {
        let path = PluginSearchPath.standard(
            environment: ["OPSLAB_PLUGIN_PATH": "/x:/y::", "HOME": "/home/u"], bundled: "/repo/plugins")
        #expect(path.directories == ["/x", "/y", "/home/u/.config/opslab/plugins", "/repo/plugins"])

        let root = "/tmp/opslab-search-\(getpid())"
        for dir in [root, root + "/collectors", root + "/.hidden"] { mkdir(dir, 0o755) }
        for file in [root + "/b.lua", root + "/a.lua", root + "/collectors/c.lua", root + "/notes.txt", root + "/.hidden/h.lua"] {
            fclose(fopen(file, "w"))
        }
        defer { system("rm -rf \(root)") }
        #expect(PluginSearchPath(directories: [root, "/nonexistent"]).pluginFiles() ==
                [root + "/a.lua", root + "/b.lua", root + "/collectors/c.lua"])
    }
}
