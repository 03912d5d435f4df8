// Running the commands of runbook steps.
//
// Each command starts in a process group of its own (posix_spawn with
// POSIX_SPAWN_SETPGROUP), so that a timeout or an interrupt can stop it and
// everything it started: SIGTERM to the group, then SIGKILL to the group
// after a grace period. Signals that opslab itself ignores or catches are
// reset to their defaults in the child, since ignored signals survive exec
// (opslab ignores SIGPIPE, and a `yes | head` in a step must still end).
// Output is read as it comes, through poll, into bounded buffers: a step that
// prints gigabytes costs a megabyte of memory, with its head and tail kept.

import Foundation
import Telemetry
#if canImport(Glibc)
import Glibc
#endif

/// What to run.
public struct ProcessRequest: Sendable {
    /// The program and its arguments; with `shell`, one command line for /bin/sh -c.
    public var argv: [String]
    /// Variables added to (or replacing those of) opslab's own environment.
    public var environment: [String: String] = [:]
    /// The working directory; opslab's own when nil.
    public var directory: String?
    /// Written to standard input, then closed; /dev/null when nil.
    public var input: [UInt8]?
    /// Seconds before the group is stopped; no limit when nil.
    public var timeout: Double?
    /// Run `argv` joined by spaces through /bin/sh -c.
    public var shell = false
    /// Bytes of each stream kept: the first half and the last half.
    public var captureLimit = 1 << 20
    /// Seconds between SIGTERM and SIGKILL.
    public var killGrace = 2.0

    public init(argv: [String]) { self.argv = argv }
}

/// Which stream a chunk of output came from.
public enum OutputStream: Sendable { case stdout, stderr }

/// A stream's output, bounded: its first and last bytes and how many there were.
public struct CapturedOutput: Sendable {
    public private(set) var head: [UInt8] = []
    public private(set) var tail: [UInt8] = []
    public private(set) var total = 0
    let limit: Int

    init(limit: Int) { self.limit = max(2, limit) }

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        total += bytes.count
        let room = limit / 2 - head.count
        if room > 0 { head += bytes.prefix(room) }
        let rest = bytes.dropFirst(max(0, room))
        guard !rest.isEmpty else { return }
        tail += rest
        // Trimmed in batches, so that appending stays linear.
        if tail.count > limit { tail.removeFirst(tail.count - limit / 2) }
    }

    /// The bytes left out between head and tail.
    public var omitted: Int { total - head.count - min(tail.count, limit / 2) }

    /// The output as text, with a marker where bytes were left out.
    public var text: String {
        let kept = tail.suffix(limit / 2)
        guard omitted > 0 else { return String(decoding: head + kept, as: UTF8.self) }
        return String(decoding: head, as: UTF8.self) + "\n[... \(omitted) bytes not kept ...]\n" + String(decoding: kept, as: UTF8.self)
    }
}

/// How a command ended.
public struct ProcessOutcome: Sendable {
    /// The exit status, or 128 + the signal that ended it.
    public var exitCode: Int32
    public var stdout: CapturedOutput
    public var stderr: CapturedOutput
    public var seconds: Double
    /// It ran past its timeout and its group was stopped.
    public var timedOut = false
    /// An interrupt (SIGINT, SIGTERM) stopped its group.
    public var interrupted = false
}

/// A command that could not be started.
public enum ProcessError: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    case emptyCommand
    case startFailed(String)

    public var description: String {
        switch self {
        case .notFound(let name): return "command not found: \(name)"
        case .emptyCommand: return "no command given"
        case .startFailed(let why): return "cannot start the command: \(why)"
        }
    }
}

/// Runs external commands in their own process groups.
public enum ProcessRunner {
    /// Runs `request` to its end (or its timeout, or an interrupt), calling
    /// `onOutput` with each chunk as it arrives.
    public static func run(_ request: ProcessRequest,
                           onOutput: (OutputStream, ArraySlice<UInt8>) -> Void = { _, _ in }) throws(ProcessError) -> ProcessOutcome {
        guard let first = request.argv.first else { throw ProcessError.emptyCommand }
        let argv = request.shell ? ["/bin/sh", "-c", request.argv.joined(separator: " ")] : request.argv
        var environment = ProcessInfo.processInfo.environment
        environment.merge(request.environment) { $1 }
        guard let program = CommandRunner.resolve(request.shell ? "/bin/sh" : first, searchPath: environment["PATH"]) else {
            throw ProcessError.notFound(first)
        }
        if let directory = request.directory, !isDirectory(directory) {
            throw ProcessError.startFailed("no such directory: \(directory)")
        }

        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard makePipe(&stdoutPipe), makePipe(&stderrPipe) else {
            throw ProcessError.startFailed(String(cString: strerror(errno)))
        }
        let stdinSource: Int32
        if request.input != nil {
            guard makePipe(&stdinPipe) else { throw ProcessError.startFailed(String(cString: strerror(errno))) }
            stdinSource = stdinPipe[0]
        } else {
            stdinSource = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinSource, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        if let directory = request.directory {
            guard let addChdir = spawnChdir else {
                throw ProcessError.startFailed("this C library cannot start a command in another directory (glibc 2.29 or later can)")
            }
            _ = addChdir(&actions, directory)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        let started = MonotonicInstant.now().seconds
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, &attributes, cArguments, cEnvironment)
        for fd in [stdinSource, stdoutPipe[1], stderrPipe[1]] { close(fd) }
        guard status == 0 else {
            for fd in [stdoutPipe[0], stderrPipe[0], stdinPipe[1]] where fd >= 0 { close(fd) }
            throw ProcessError.startFailed(String(cString: strerror(status)))
        }
        return supervise(pid: pid, request: request, started: started,
                         stdout: stdoutPipe[0], stderr: stderrPipe[0], stdin: stdinPipe[1], onOutput: onOutput)
    }

    /// Feeds input, drains output and enforces the timeout and interrupts
    /// until the child has exited and its output ended.
    private static func supervise(pid: pid_t, request: ProcessRequest, started: Double,
                                  stdout: Int32, stderr: Int32, stdin: Int32,
                                  onOutput: (OutputStream, ArraySlice<UInt8>) -> Void) -> ProcessOutcome {
        var outcome = ProcessOutcome(exitCode: 0, stdout: CapturedOutput(limit: request.captureLimit),
                                     stderr: CapturedOutput(limit: request.captureLimit), seconds: 0)
        var open: [(fd: Int32, stream: OutputStream)] = [(stdout, .stdout), (stderr, .stderr)]
        var inputFD = stdin
        var input = request.input.map { ArraySlice($0) } ?? []
        if inputFD >= 0 { _ = fcntl(inputFD, F_SETFL, fcntl(inputFD, F_GETFL) | O_NONBLOCK) }
        let deadline = request.timeout.map { started + $0 }
        var termSentAt: Double?
        var killed = false
        var exited = false
        var exitedAt = 0.0
        var buffer = [UInt8](repeating: 0, count: 65536)
        var idleWait: UInt32 = 50

        while true {
            let now = MonotonicInstant.now().seconds
            if termSentAt == nil, !exited {
                if Interruption.requested {
                    outcome.interrupted = true
                } else if let deadline, now >= deadline {
                    outcome.timedOut = true
                }
                if outcome.interrupted || outcome.timedOut {
                    kill(-pid, SIGTERM)
                    termSentAt = now
                }
            }
            if let sent = termSentAt, !killed, now - sent >= request.killGrace {
                kill(-pid, SIGKILL)
                killed = true
            }
            if !exited {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    exited = true
                    exitedAt = now
                    outcome.exitCode = exitStatus(status)
                    // Whatever the group still runs after a stop goes too.
                    if termSentAt != nil { kill(-pid, SIGKILL) }
                }
            }
            // Once the child is gone, a process it left behind may hold the
            // pipes open; its output is read for a short while, not waited for.
            if exited && (open.isEmpty || now - exitedAt > 0.5) { break }

            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if inputFD >= 0 { fds.append(pollfd(fd: inputFD, events: Int16(POLLOUT), revents: 0)) }
            if fds.isEmpty {
                // Output ended, the child has not been reaped yet: usually a
                // matter of microseconds, so wait briefly, then longer.
                usleep(idleWait)
                idleWait = min(idleWait * 2, 20_000)
                continue
            }
            _ = poll(&fds, nfds_t(fds.count), 20)
            for (index, entry) in open.enumerated().reversed() where fds[index].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    let chunk = buffer[0..<n]
                    if entry.stream == .stdout { outcome.stdout.append(chunk) } else { outcome.stderr.append(chunk) }
                    onOutput(entry.stream, chunk)
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(entry.fd)
                    open.remove(at: index)
                }
            }
            if inputFD >= 0, let last = fds.last, last.revents != 0 {
                let n = input.withUnsafeBytes { write(inputFD, $0.baseAddress, min($0.count, 65536)) }
                if n > 0 { input = input.dropFirst(n) }
                if input.isEmpty || (n < 0 && errno != EAGAIN && errno != EINTR) {
                    close(inputFD)
                    inputFD = -1
                }
            }
        }
        for entry in open { close(entry.fd) }
        if inputFD >= 0 { close(inputFD) }
        outcome.seconds = MonotonicInstant.now().seconds - started
        return outcome
    }

    /// A pipe whose ends are closed on exec: the child gets only the ends
    /// dup'ed onto its 0, 1 and 2 (pipe2 is not visible to Swift).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// posix_spawn_file_actions_addchdir_np, looked up at run time: glibc
    /// declares it only under _GNU_SOURCE, which Swift's Glibc module is not
    /// built with, and a working directory cannot be set any other way
    /// without running a shell.
    private static let spawnChdir: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32)? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32).self)
    }()

    private static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
