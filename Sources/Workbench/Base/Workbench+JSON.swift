/// `json`: encode and decode, written in Lua (Base/json.lua) and shared
/// read-only with every plugin sandbox.
extension Workbench {
    func installJSON() throws {
        guard let module = try runBundled(PackageResources.json_lua, name: "json").first else { return }
        lua.setGlobal("json", module)
        document("json", """
            json: json.encode(value [, {indent = 2, nan = "error"|"null", empty = "object"|"array", max_depth = 100}])
            and json.decode(text [, {null = value, max_depth = 100}]). Object keys are written sorted; an
            empty table is {} unless empty = "array"; NaN and infinities are errors unless nan = "null";
            null decodes to json.null. Every plugin sees json, whatever its permissions.
            """)
        document("json.encode", """
            json.encode(value: any [, {indent = 2, nan = "error"|"null", empty = "object"|"array", max_depth = 100}]) -> string
            Tables with keys 1..n are arrays, tables with string keys objects (keys sorted); other keys,
            functions, userdata, strings that are not UTF-8 and tables nested past max_depth (a cycle) are errors.
            """)
        document("json.decode", """
            json.decode(text: string [, {null = value, max_depth = 100}]) -> any
            Parses one JSON value (RFC 8259); errors give the line and column. Whole numbers become integers.
            """)
    }
}
