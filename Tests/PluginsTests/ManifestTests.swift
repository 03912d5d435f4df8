import Plugins
import Testing

@Suite("Plugin manifests")
struct ManifestTests {
    let valid: [String: ManifestValue] = [
        "kind": .string("collector"), "name": .string("checkpoint_dir"), "version": .string("1.0.0"),
        "description": .string("Size of the newest checkpoint"), "permissions": .list([.string("fs.read")]),
        "interval": .string("30s"), "collect": .function,
    ]

    func problem(_ change: (inout [String: ManifestValue]) -> Void) -> ManifestProblem? {
        var fields = valid
        change(&fields)
        do {
            _ = try PluginManifest(fields: fields, kinds: PluginKind.standard)
            return nil
        } catch {
            return error
        }
    }

    @Test func aValidManifest() throws {
        let manifest = try PluginManifest(fields: valid, kinds: PluginKind.standard)
        #expect(manifest.name == "checkpoint_dir")
        #expect(manifest.version == SemanticVersion("1.0.0"))
        #expect(manifest.permissions == [.fsRead])
    }

    @Test func eachBadFieldIsNamed() {
        #expect(problem { $0["kind"] = nil }?.field == "kind")
        #expect(problem { $0["kind"] = .string("widget") }?.message.contains("unknown kind \"widget\"") == true)
        #expect(problem { $0["name"] = .number(3) }?.description == "field 'name': expected a string, got number 3.0")
        #expect(problem { $0["name"] = .string("has space") }?.field == "name")
        #expect(problem { $0["name"] = .string("") }?.description == "field 'name': is empty")
        #expect(problem { $0["version"] = .string("1.0") }?.field == "version")
        #expect(problem { $0["version"] = .string("01.0.0") }?.field == "version")
        #expect(problem { $0["description"] = nil }?.description == "field 'description': is missing")
        #expect(problem { $0["permissions"] = .list([.string("root")]) }?.message.contains("unknown permission \"root\"") == true)
        #expect(problem { $0["permissions"] = .string("exec") }?.field == "permissions")
        #expect(problem { $0["collect"] = nil }?.field == "collect")
        #expect(problem { $0["collect"] = .string("x") }?.description == "field 'collect': expected a function, got string \"x\"")
        #expect(problem { $0["interval"] = .string("soon") }?.field == "interval")
        #expect(problem { $0["init"] = .number(1) }?.field == "init")
    }

    @Test func requiresNamesTheOpslabVersionsAPluginWorksWith() throws {
        func manifest(_ requirement: String) throws -> PluginManifest {
            var fields = valid
            fields["requires"] = .table(["opslab": .string(requirement)])
            return try PluginManifest(fields: fields, kinds: PluginKind.standard)
        }
        let host = try #require(SemanticVersion("0.2.1"))
        #expect(try manifest(">=0.2").requirementProblem(host: host) == nil)
        #expect(try manifest(">=0.2, <1").requirementProblem(host: host) == nil)
        #expect(try manifest("=0.2.1").requirementProblem(host: host) == nil)
        #expect(try manifest("==0.2.1").requirementProblem(host: host) == nil)
        #expect(try manifest(">=0.3").requirementProblem(host: host)?.description ==
                "field 'requires': the plugin needs opslab >=0.3, this is 0.2.1")
        #expect(try manifest("<0.2.1").requirementProblem(host: host) != nil)
        #expect(try manifest(">0.2.1").requirementProblem(host: host) != nil)
        #expect(try manifest(">=0.2.1-rc.1").requirementProblem(host: host) == nil, "a release meets its pre-release")
        #expect(try PluginManifest(fields: valid, kinds: PluginKind.standard).requirementProblem(host: host) == nil)
    }

    @Test(arguments: ["", "0.2", "~0.2", ">= ", ">=x", ">=0.2,", ">=1.2.3.4", ">=NaN", ">=1e300", ">=9223372036854775808"])
    func aRequirementThatDoesNotParseIsRefused(_ text: String) {
        #expect(problem { $0["requires"] = .table(["opslab": .string(text)]) }?.field == "requires")
    }

    @Test func requiresIsATableOfKnownRequirements() {
        #expect(problem { $0["requires"] = .string(">=0.2") }?.message.contains("expected a table") == true)
        #expect(problem { $0["requires"] = .table(["python": .string(">=3")]) }?.message.contains("unknown requirement \"python\"") == true)
        #expect(problem { $0["requires"] = .table(["opslab": .number(2)]) }?.field == "requires")
    }

    @Test func kindsRequireTheirFunctions() {
        #expect(problem { $0["kind"] = .string("sink") }?.field == "send")
        #expect(problem { $0["kind"] = .string("optimizer") }?.field == "step")
        #expect(problem { $0["kind"] = .string("layer") }?.field == "forward")
        #expect(problem { $0["kind"] = .string("sink"); $0["send"] = .function } == nil)
    }

    @Test func laterKindsCanBeAdded() throws {
        let registry = PluginRegistry()
        registry.addKind(PluginKind(name: "notebook-renderer", summary: "renders notebooks", requiredFunctions: ["render"]))
        var fields = valid
        fields["kind"] = .string("notebook-renderer")
        fields["render"] = .function
        let manifest = try PluginManifest(fields: fields, kinds: registry.kinds)
        #expect(manifest.kind == "notebook-renderer")
    }

    @Test(arguments: ["1.0.0", "0.0.1", "10.20.30", "1.0.0-alpha.1", "1.0.0+build.5", "1.2.3-rc.1+sha.abc"])
    func validVersions(_ text: String) {
        #expect(SemanticVersion(text)?.description == text)
    }

    @Test(arguments: ["1", "1.0", "1.0.0.0", "v1.0.0", "1.0.0-", "1.0.0+", "01.2.3", "1.2.3-a..b", "-1.0.0", "1.0.x", ""])
    func invalidVersions(_ text: String) {
        #expect(SemanticVersion(text) == nil)
    }

    @Test func versionOrder() throws {
        let order = ["1.0.0-alpha", "1.0.0", "1.0.1", "1.2.0", "2.0.0"].compactMap(SemanticVersion.init)
        #expect(order == order.sorted())
    }

    @Test(arguments: [("30s", 30_000), ("500ms", 500), ("5m", 300_000), ("1h30m", 5_400_000), ("2d", 172_800_000)])
    func durations(_ text: String, milliseconds: Int64) {
        #expect(Duration.parse(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["", "s", "30", "-5s", "5x", "1.2.3s", "0s", "s30"])
    func badDurations(_ text: String) {
        #expect(Duration.parse(text) == nil)
    }
}
