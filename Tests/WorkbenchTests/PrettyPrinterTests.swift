import LuaKit
import Testing

@Suite("Pretty printer")
struct PrettyPrinterTests {
    func render(_ code: String, width: Int = 80, depth: Int = 4, color: Bool = false) throws -> String {
        let lua = try LuaState()
        try lua.load("return " + code, name: "=t")
        try lua.call(arguments: 0, results: 1)
        var printer = LuaPrettyPrinter(color: color)
        printer.width = width
        printer.maxDepth = depth
        defer { lua.stack.pop() }
        return printer.render(lua.stack, at: -1)
    }

    @Test func scalarsAndStrings() throws {
        #expect(try render("42") == "42")
        #expect(try render("1.5") == "1.5")
        #expect(try render("nil") == "nil")
        #expect(try render("'say \"hi\"\\n\\0'") == "\"say \\\"hi\\\"\\n\\0\"")
        // A control character followed by a digit takes three digits, or "\1" "2" would read back as "\12".
        #expect(try render("'\\0012\\0'") == "\"\\0012\\0\"")
        #expect(try render("'\\t\\r\\127'") == "\"\\t\\r\\127\"")
        #expect(try render("'\\255\\254'") == "\"\\xff\\xfe\"")
        #expect(try render("'héllo'") == "\"héllo\"")
    }

    @Test func tablesSortKeysAndNest() throws {
        #expect(try render("{}") == "{}")
        #expect(try render("{3, 2, 1}") == "{ 3, 2, 1 }")
        #expect(try render("{zeta = 1, alpha = {x = true}, [10] = 'n', ['with space'] = 2, 'first'}")
                == "{ \"first\", alpha = { x = true }, [\"with space\"] = 2, zeta = 1, [10] = \"n\" }")
    }

    @Test func wideTablesBreakIntoLines() throws {
        let text = try render("{name = 'gpu-temperature-collector', interval = '30s', labels = {host = 'node-17', rack = 'r4'}}", width: 40)
        #expect(text == """
        {
          interval = "30s",
          labels = { host = "node-17", rack = "r4" },
          name = "gpu-temperature-collector"
        }
        """)
    }

    @Test func cyclesDepthAndLength() throws {
        #expect(try render("(function() local t = {1}; t.me = t; return t end)()").contains("me = <cycle: table: 0x"))
        #expect(try render("{{{{1}}}}", depth: 2) == "{ { {...} } }")
        let long = try render("(function() local t = {} for i = 1, 150 do t[i] = i end return t end)()", width: 10_000)
        #expect(long.hasSuffix("100, ... (50 more) }"))
    }

    @Test func userdataAndTostring() throws {
        #expect(try render("setmetatable({}, {__tostring = function() return 'Custom<1>' end})") == "Custom<1>")
        #expect(try render("setmetatable({}, {__tostring = function() error('bad') end})").hasPrefix("table: 0x"))
        #expect(try render("io.stdout").hasPrefix("file (0x"))
    }

    @Test func documentedFunctionsShowTheirSignature() throws {
        let lua = try LuaState()
        try lua.load("return {documented = function() end, plain = function() end}", name: "=t")
        try lua.call(arguments: 0, results: 1)
        lua.stack.getField("documented", inTableAt: -1)
        lua.setDoc("scale(x: number [, by: number]) -> number\nMultiplies.", forValueAt: -1)
        lua.stack.pop()
        var printer = LuaPrettyPrinter(color: false)
        printer.width = 200
        let text = printer.render(lua.stack, at: -1)
        #expect(text.hasPrefix("{ documented = <function scale(x: number [, by: number]) -> number>, plain = function: 0x"), "\(text)")
    }

    @Test func colourOnlyWhenAsked() throws {
        #expect(try render("{'a'}", color: true) == "{ \u{1B}[32m\"a\"\u{1B}[0m }")
        #expect(try !render("{'a'}").contains("\u{1B}"))
    }
}
