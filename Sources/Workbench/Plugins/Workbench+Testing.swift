/// `testing`: the Lua test library (Plugins/testing.lua) that `opslab
/// plugin test` runs plugin tests with, and opslab's own Tests/lua use.
/// Plugins do not see it; the shell does.
extension Workbench {
    func installTesting() throws {
        guard let module = try runBundled(PackageResources.testing_lua, name: "testing").first else { return }
        lua.setGlobal("testing", module)
        document("testing", """
            testing: describe(name, fn), it(name, fn), expect(v):to_be(x) / :to_equal(x) / :to_be_near(x, tol) /
            :to_be_truthy() / :to_contain(text) / :to_fail([text]); fixtures testing.tmpdir(), testing.clock(),
            testing.notification{...}; testing.report(). `opslab plugin test` runs *_test.lua files with
            describe, it and expect as globals; `opslab plugin new` writes a test to start from.
            """)
    }
}
