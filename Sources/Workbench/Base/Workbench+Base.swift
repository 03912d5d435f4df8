import LuaKit
import Telemetry
#if canImport(Glibc)
import Glibc
#endif

/// Globals every session has beyond Lua's own: a `print` that reports a
/// closed stdout instead of writing into the void, `inspect` and `help`.
extension Workbench {
    func installBase() {
        lua.register(LuaFunction("print", doc: """
            print(...)
            Writes its arguments, converted with tostring and separated by tabs, then a newline.
            Raises an error when standard output is closed (e.g. a pipe whose reader exited).
            """) { call in
            // Bytes, not Swift strings: a Lua string need not be valid UTF-8.
            var line: [UInt8] = []
            for i in 1...max(1, call.argumentCount) where i <= call.argumentCount {
                if i > 1 { line.append(0x09) }
                line += call.stack.bytes(at: i) ?? Array(call.stack.describe(at: i).utf8)
            }
            line.append(0x0A)
            try writeStandardOutput(bytes: line)
            return 0
        }, as: "print")

        lua.register(LuaFunction("inspect", doc: """
            inspect(value: any [, {depth = 4, width = 80, color = false}]) -> string
            Renders a value the way the REPL prints it: nested tables with sorted keys, cycles
            marked, strings quoted. depth is 0-64, width 10-10000.
            """) { call in
            let options = try call.options(2)
            var printer = LuaPrettyPrinter(color: try options.boolean("color", default: false))
            printer.maxDepth = try options.integer("depth", default: printer.maxDepth, in: 0...64)
            printer.width = try options.integer("width", default: printer.width, in: 10...10_000)
            call.stack.push(printer.render(call.stack, at: 1))
            return 1
        }, as: "inspect")

        lua.registerModule("opslab", functions: [
            LuaFunction("opslab.now", doc: """
                opslab.now() -> number
                Seconds on a monotonic clock (not wall time): for measuring durations.
                """) { call in
                call.returns(.number(MonotonicInstant.now().seconds))
            },
            LuaFunction("opslab.doc", doc: """
                opslab.doc(value: any) -> string or nil
                The documentation `help(value)` shows for a function or module, as a string (nil when it
                has none): for tools that list or check the API.
                """) { [unowned self] call in
                return call.returns(lua.doc(forValueAt: 1, on: call.stack).map(LuaValue.string) ?? .nil)
            },
            LuaFunction("opslab.isatty", doc: """
                opslab.isatty([fd: integer]) -> boolean
                Whether a file descriptor (1 standard output, 2 standard error) is a terminal: for
                drawing progress only where someone watches.
                """) { call in
                let fd = try call.optionalInteger(1) ?? 1
                guard let descriptor = Int32(exactly: fd) else { return call.returns(.boolean(false)) }
                return call.returns(.boolean(isatty(descriptor) != 0))
            },
        ])
        lua.stack.push(lua.global("opslab"))
        lua.stack.push(Workbench.version)
        lua.stack.setField("version", inTableAt: -2)
        lua.stack.pop()
        document("opslab", "opslab: the workbench itself: its version, a monotonic clock, terminal checks, documentation.")

        lua.register(LuaFunction("help", doc: """
            help([subject: any])
            Shows the documentation of a function or module, or of a topic by name (a string);
            with no argument, lists the topics. In the REPL, `?name` and `:help name` do the same.
            """) { [unowned self] call in
            let text: String
            if call.isNone(1) {
                text = helpIndex()
            } else if let topic = call.stack.string(at: 1) {
                text = help(topic: topic)
            } else {
                text = documentation(forValueAt: 1, on: call.stack) ?? "No documentation for this \(call.stack.typeName(at: 1))."
            }
            try writeStandardOutput(text.hasSuffix("\n") ? text : text + "\n")
            return 0
        }, as: "help")
    }

    /// Attaches a docstring to the value of a global path such as `tensor.no_grad`.
    func document(_ path: String, _ doc: String) {
        let parts = path.split(separator: ".").map(String.init)
        var value = lua.global(parts[0])
        for part in parts.dropFirst() { value = value.tableValue?[part] ?? .nil }
        lua.stack.push(value)
        lua.setDoc(doc, forValueAt: -1)
        lua.stack.pop()
    }

    /// Text of `:help` with no topic.
    public func helpIndex() -> String {
        var text = """
        opslab: a Lua 5.4 workbench. Type Lua; expressions print their value; `_` is the last result.

        REPL commands:
          :help [topic|name]  this text, a topic, or a function's documentation (also ?name)
          :quit               leave (or Ctrl-D)
          :time EXPR          evaluate and report the wall time
          :load FILE          run a Lua file in this session
          :reset              a fresh Lua state (plugins reloaded, history kept)
          :plugins            the plugin registry
          :collect [names]    run the collectors once and summarise
          :alerts             alerts firing and pending, silences, what was sent where, the outbox
          :notebook FILE      run a Markdown notebook's cells in this session
          :run NAME [k=v]     run a runbook (--dry-run, --yes, --from=STEP, --only=STEP)
          !command            run a shell command

        """
        // Listed from the globals themselves, so a new module shows up here.
        let documented = builtinGlobals.filter { name in
            let stack = lua.stack
            stack.push(lua.global(name))
            defer { stack.pop() }
            return lua.doc(forValueAt: -1) != nil
        }
        let modules = documented.filter { lua.global($0).tableValue != nil }.sorted()
        let functions = documented.filter { lua.global($0).typeName == "function" }.sorted()
        text += "\nModules: " + modules.joined(separator: ", ") + " (help(name) lists each one's functions)\n"
        text += "Functions: " + functions.joined(separator: ", ") + "\n"
        if !topics.isEmpty {
            text += "\nTopics: " + topics.keys.sorted().joined(separator: ", ") + "\n"
        }
        return text
    }

    /// Help for a topic name or a global expression such as `plugins.info`.
    public func help(topic: String) -> String {
        if let text = topics[topic] { return text }
        guard isDottedName(topic) else { return "No help for \"\(topic)\"." }
        let stack = lua.stack
        let base = stack.top
        defer { stack.settop(base) }
        do {
            try lua.load("return \(topic)", name: "=help")
            try lua.call(arguments: 0, results: 1)
        } catch {
            return "No help for \"\(topic)\"."
        }
        if let doc = documentation(forValueAt: -1, on: stack) { return doc }
        if stack.isTable(at: -1) {   // list what it holds
            return "\(topic) is a table. Fields: " + tableKeys(at: -1).joined(separator: ", ")
        }
        return "No documentation for \(topic) (a \(stack.typeName(at: -1)))."
    }

    /// The doc of the value at `index`; for a module (a documented table),
    /// its summary followed by the signature line of each documented
    /// function it holds, read from the functions themselves.
    func documentation(forValueAt index: Int32, on stack: LuaStack) -> String? {
        guard let doc = lua.doc(forValueAt: index, on: stack) else { return nil }
        guard case .table(let table) = stack.value(at: index, maxDepth: 1) else { return doc }
        var lines: [String] = []
        for (_, value) in table.fields.sorted(by: { $0.key < $1.key }) where value.typeName == "function" {
            stack.push(value)
            if let signature = lua.doc(forValueAt: -1, on: stack)?.split(separator: "\n").first { lines.append("  " + signature) }
            stack.pop()
        }
        return lines.isEmpty ? doc : doc + "\n\nFunctions:\n" + lines.joined(separator: "\n")
    }

    func tableKeys(at index: Int32) -> [String] {
        guard case .table(let table) = lua.stack.value(at: index, maxDepth: 1) else { return [] }
        return table.fields.keys.sorted()
    }
}

/// `a`, `a.b`, `a.b.c`: what `?name` may evaluate. Anything else could run code.
func isDottedName(_ text: String) -> Bool {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    return !parts.isEmpty && parts.allSatisfy { part in
        guard let first = part.first, first.isLetter || first == "_" else { return false }
        return part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}

/// Writes to stdout, turning a failed write (EPIPE, closed descriptor)
/// into an error the caller can report instead of a silent loss. C streams
/// are flushed first so output from io.write keeps its order.
public func writeStandardOutput(_ text: String) throws {
    try writeStandardOutput(bytes: Array(text.utf8))
}

/// Writes raw bytes to stdout; see `writeStandardOutput(_:)`.
public func writeStandardOutput(bytes: [UInt8]) throws {
    fflush(nil)
    try bytes.withUnsafeBufferPointer { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw LuaRuntimeError("cannot write to standard output (\(String(cString: strerror(errno))))")
            }
            offset += n
        }
    }
}

/// Writes to stderr unbuffered; failures are ignored (nowhere left to report).
public func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { buffer in
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let n = write(2, base + offset, buffer.count - offset)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

extension LuaValue {
    /// Lua's truthiness: everything but nil and false.
    public var isTruthy: Bool {
        switch self {
        case .nil: return false
        case .boolean(let b): return b
        default: return true
        }
    }
}
