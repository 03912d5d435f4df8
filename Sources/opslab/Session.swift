import ArgumentParser
import LuaKit
import REPL
import Workbench
#if canImport(Glibc)
import Glibc
#endif

/// What every subcommand shares: the paths, building the workbench, and
/// turning errors into a message on stderr and a non-zero exit.
final class Session {
    let paths: WorkbenchPaths
    let options: Workbench.Options
    private var cached: Workbench?

    /// Whether SIGINT interrupts running Lua (scripts, the REPL) or is left
    /// to the caller (serve, which stops on it).
    private let interruptsLua: Bool

    init(interruptsLua: Bool = true) throws {
        self.interruptsLua = interruptsLua
        // A closed pipe must become a write error we report, not a silent death.
        signal(SIGPIPE, SIG_IGN)
        let environment = processEnvironment()
        paths = WorkbenchPaths.standard(environment: environment, executable: executablePath())
        var options = Workbench.Options()
        if let text = environment["OPSLAB_LUA_MEMORY_MB"] {
            guard let mb = Int(text), mb > 0, mb < 1 << 24 else {
                throw ValidationError("OPSLAB_LUA_MEMORY_MB must be a positive number of megabytes, got \"\(text)\"")
            }
            options.memoryLimit = mb << 20
        }
        // Read by the tensor engine itself; checked here so that a typo is
        // an error rather than silently the default.
        if let text = environment["OPSLAB_TENSOR_THREADS"] {
            guard let n = Int(text), (1...64).contains(n) else {
                throw ValidationError("OPSLAB_TENSOR_THREADS must be a whole number of threads from 1 to 64, got \"\(text)\"")
            }
        }
        options.color = isatty(1) != 0 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        self.options = options
    }

    func workbench() throws -> Workbench {
        if let cached { return cached }
        let workbench = try Workbench(paths: paths, options: options)
        // Ctrl-C stops running Lua with an "interrupted" error, in scripts too.
        if interruptsLua { workbench.lua.installInterruptHandler() }
        cached = workbench
        return workbench
    }

    /// Runs `body`; a Lua error is printed (message, then traceback) and
    /// becomes exit status 1.
    func report(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as LuaError {
            var text = "opslab: \(error.message)\n"
            if !error.traceback.isEmpty { text += error.traceback + "\n" }
            writeStandardError(text)
            throw ExitCode(1)
        }
    }

    /// Runs all of standard input as one chunk.
    func runStandardInput() throws {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(0, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        let workbench = try workbench()
        try report {
            try workbench.lua.runInterruptible {
                try workbench.lua.load(bytes: bytes, name: "=stdin")
                try workbench.lua.call(arguments: 0, results: 0)
            }
        }
    }

    func repl(noInit: Bool, reuse: Workbench? = nil) throws {
        var first = reuse
        let repl = try REPL(makeWorkbench: { [self] in
            if let workbench = first { first = nil; return workbench }
            return try Workbench(paths: paths, options: options)
        }, runInit: !noInit, color: options.color)
        makeDirectories(paths.home)
        let status = repl.run(banner: "opslab \(Workbench.version) (Lua 5.4). :help for help, Ctrl-D to quit.")
        if status != 0 { throw ExitCode(status) }
    }
}

func processEnvironment() -> [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let eq = text.firstIndex(of: "=") {
            result[String(text[..<eq])] = String(text[text.index(after: eq)...])
        }
        pointer += 1
    }
    return result
}

func executablePath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return CommandLine.arguments.first ?? "opslab" }
    return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
