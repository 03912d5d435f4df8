// Running an external command with a hard timeout.
//
// Used for nvidia-smi, the one source opslab shells out to (NVML is a C
// library whose absence must not stop opslab from linking). nvidia-smi is
// known to hang when the driver is wedged, sometimes in uninterruptible
// sleep, where even SIGKILL takes effect only when the kernel lets go. So the
// caller never waits for the child past the timeout: on expiry the child is
// sent SIGKILL and the caller returns at once; the reaping and the pipe
// readers finish in the background whenever the kernel allows.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a finished command produced.
public struct CommandResult: Sendable, Equatable {
    /// Standard output, decoded as UTF-8 (invalid bytes repaired).
    public var stdout: String
    /// Standard error, decoded as UTF-8.
    public var stderr: String
    /// Exit status, or 128 + signal number when killed by a signal.
    public var exitCode: Int32
}

/// How running a command ended.
public enum CommandOutcome: Sendable, Equatable {
    /// It exited (with any status) and its output was read.
    case finished(CommandResult)
    /// The executable was not found on the search path or is not executable.
    case notFound(String)
    /// It did not finish in time and was sent SIGKILL.
    case timedOut
    /// It could not be started at all (the error described).
    case launchFailed(String)
}

/// Starts external commands with a timeout.
public enum CommandRunner {
    /// Resolves `executable` to a path: names containing '/' are used as given,
    /// other names are looked up in `searchPath` (colon-separated, like PATH;
    /// the process's own PATH when nil). Returns nil when nothing executable is found.
    public static func resolve(_ executable: String, searchPath: String? = nil) -> String? {
        if executable.contains("/") {
            return access(executable, X_OK) == 0 ? executable : nil
        }
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = dir + "/" + executable
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        return nil
    }

    /// Runs `executable` with `arguments`, waiting at most `timeout` seconds.
    ///
    /// `environment`, when given, replaces the child's environment; `input`,
    /// when given, is written to its standard input (otherwise /dev/null). `onExit`
    /// is called once the child is gone (or at once if it never started), from
    /// any thread — even long after this function returned `.timedOut` — so
    /// callers can refuse to start a second copy while a first is still stuck.
    public static func run(
        _ executable: String,
        arguments: [String],
        environment: [String: String]? = nil,
        searchPath: String? = nil,
        input: Data? = nil,
        timeout: Double,
        onExit: @escaping @Sendable () -> Void = {}
    ) -> CommandOutcome {
        guard let path = resolve(executable, searchPath: searchPath) else {
            onExit()
            return .notFound(executable)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let stdinPipe = input.map { _ in Pipe() }
        process.standardInput = stdinPipe ?? FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in
            onExit()
            exited.signal()
        }
        let deadline = Deadline.after(timeout)
        do {
            try process.run()
        } catch {
            onExit()
            return .launchFailed("\(error)")
        }
        if let input, let writer = stdinPipe?.fileHandleForWriting {
            // Written from its own thread: a child that does not read its
            // input must not block the caller past the deadline.
            _ = DeadlineTask(name: "opslab.cmd.stdin") {
                try? writer.write(contentsOf: input)
                try? writer.close()
            }
        }
        // Drain both pipes while the child runs: a child that fills a pipe
        // buffer would otherwise block forever and look like a hang.
        let stdoutReader = stdoutPipe.fileHandleForReading
        let stderrReader = stderrPipe.fileHandleForReading
        let stdoutTask = DeadlineTask(name: "opslab.cmd.stdout") { stdoutReader.readDataToEndOfFile() }
        let stderrTask = DeadlineTask(name: "opslab.cmd.stderr") { stderrReader.readDataToEndOfFile() }

        let waitSeconds = min(deadline.remaining, 86_400)
        if exited.wait(timeout: .now() + .nanoseconds(Int(waitSeconds * 1e9))) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            return .timedOut
        }
        // The child has exited; a grandchild that inherited the pipes could
        // still hold them open, so the reads get the rest of the budget only.
        guard case .returned(let out) = stdoutTask.wait(until: deadline) else { return .timedOut }
        let err: Data
        if case .returned(let data) = stderrTask.wait(until: deadline) { err = data } else { err = Data() }
        let status = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus
            : process.terminationStatus
        return .finished(CommandResult(stdout: String(decoding: out, as: UTF8.self),
                                       stderr: String(decoding: err, as: UTF8.self),
                                       exitCode: status))
    }
}
