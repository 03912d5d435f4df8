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
        let functions = [
            ("describe", "testing.describe(name: string, fn: function)\nGroups the tests `fn` declares under `name`; an error outside them fails the group."),
            ("it", "testing.it(name: string, fn: function)\nOne test: it passes unless `fn` raises. Counted in testing.passed and testing.failed."),
            ("test", "testing.test(name: string, fn: function)\nThe same as testing.it."),
            ("expect", "testing.expect(value: any) -> expectation\n:to_be(x), :to_equal(x) (deep), :to_be_near(x [, tol]), :to_be_truthy(), :to_be_falsy(), :to_contain(text), :to_fail([text])."),
            ("eq", "testing.eq(got: any, want: any [, what: string])\nRaises unless got == want."),
            ("truthy", "testing.truthy(value: any [, what: string])\nRaises unless value is true (not nil or false)."),
            ("raises", "testing.raises(fn: function [, fragment: string]) -> string\nCalls fn; raises unless it raises an error containing `fragment`; returns the error."),
            ("tmpdir", "testing.tmpdir() -> string\nA fresh temporary directory; remove it with testing.rmtree."),
            ("rmtree", "testing.rmtree(path: string)\nRemoves a directory testing.tmpdir made (only under /tmp)."),
            ("clock", "testing.clock([start: number]) -> table\nA clock that moves only when told: clock.now() (Unix seconds), clock.advance(seconds)."),
            ("notification", "testing.notification([{status =, labels =, annotations =, receiver =}]) -> table\nA webhook payload (version 4) of one alert, as a sink's send(ctx, notification) gets it."),
            ("report", "testing.report([name: string]) -> passed, failed\nPrints \"NAME: N passed, N failed\"."),
            ("finish", "testing.finish()\nPrints the summary and exits, with status 1 when a test failed."),
        ]
        for (name, doc) in functions { document("testing." + name, doc) }
    }
}
