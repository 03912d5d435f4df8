import Foundation
import Runbooks
import Workbench
#if canImport(Glibc)
import Glibc
#endif

/// `opslab runbook run NAME --hosts ...`: the run once per host, each in a
/// process of its own (`opslab runbook run NAME --host H ...`), at most
/// `parallel` at a time. A process per host keeps each host's steps, state
/// and undos apart, as one Lua state could not while several hosts run at
/// once. Their lines come out prefixed by the host; a summary gives each
/// host's result and exit code. Ctrl-C stops every host's run (each runs its
/// undos), and the fan-out itself is audited.
struct RunbookFleet {
    /// The child's arguments after `opslab`, without `--host`.
    let arguments: [String]
    let runbook: String
    let hosts: [SSHTarget]
    let parallel: Int

    struct HostResult {
        var code: Int32 = -1
        var seconds = 0.0
        var lastLine = ""
    }

    /// Runs every host; returns the exit status for the whole run.
    func run(audit: AuditLog) throws -> Int32 {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        try audit.append(action: "runbook.fleet", subject: runbook,
                         detail: ["hosts": hosts.map(\.destination).joined(separator: ","), "parallel": String(parallel)])
        let printing = NSLock()
        let results = ResultBox(count: hosts.count)
        Interruption.catching {
            let group = DispatchGroup()
            for _ in 0..<min(parallel, hosts.count) {
                group.enter()
                Thread {
                    while true {
                        guard let index = results.claim() else { break }
                        results.store(runHost(hosts[index], executable: executable, printing: printing), at: index)
                    }
                    group.leave()
                }.start()
            }
            group.wait()
        }
        let outcome = results.all
        let status = Self.exitStatus(outcome.map(\.code))
        var counts: [String: Int] = [:]
        for result in outcome { counts[Self.describe(result.code), default: 0] += 1 }
        print("== \(runbook) on \(hosts.count) hosts: "
              + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        let width = hosts.map(\.destination.count).max() ?? 0
        for (host, result) in zip(hosts, outcome) {
            let name = host.destination.padding(toLength: width, withPad: " ", startingAt: 0)
            var line = "  \(name)  \(Self.describe(result.code).padding(toLength: 11, withPad: " ", startingAt: 0)) exit \(result.code)  \(formatSeconds(result.seconds))"
            if result.code != 0 && !result.lastLine.isEmpty { line += "  \(result.lastLine.prefix(200))" }
            print(line)
        }
        try? audit.append(action: "runbook.fleet.end", subject: runbook,
                          detail: ["exit_code": String(status),
                                   "results": zip(hosts, outcome).map { "\($0.destination)=\($1.code)" }.joined(separator: " ")])
        return status
    }

    /// The hosts' results, and which host is next, shared by the worker threads.
    private final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [HostResult]
        private var next = 0

        init(count: Int) { results = Array(repeating: HostResult(), count: count) }

        /// The next host's index, or nil when every host is taken.
        func claim() -> Int? {
            lock.withLock {
                guard next < results.count else { return nil }
                next += 1
                return next - 1
            }
        }

        func store(_ result: HostResult, at index: Int) { lock.withLock { results[index] = result } }
        var all: [HostResult] { lock.withLock { results } }
    }

    private func runHost(_ host: SSHTarget, executable: String, printing: NSLock) -> HostResult {
        var result = HostResult()
        guard !Interruption.requested else {
            result.code = 130
            result.lastLine = "not started: interrupted"
            return result
        }
        var buffers = [OutputStream.stdout: LineBuffer(), .stderr: LineBuffer()]
        let emit = { (line: String) in
            printing.withLock {
                print("[\(host.destination)] \(line)")
                fflush(nil)
            }
        }
        do {
            let outcome = try ProcessRunner.run(ProcessRequest(argv: [executable] + arguments + ["--host", host.destination])) { stream, chunk in
                for line in buffers[stream, default: LineBuffer()].add(chunk) {
                    emit(line)
                    if stream == .stderr { result.lastLine = line }
                }
            }
            for stream in [OutputStream.stdout, .stderr] {
                if let rest = buffers[stream]?.rest { emit(rest) }
            }
            result.code = outcome.interrupted ? 130 : outcome.exitCode
            result.seconds = outcome.seconds
        } catch {
            result.code = 127
            result.lastLine = "\(error)"
        }
        return result
    }

    /// 0 when every host succeeded; else 130 when any run was interrupted,
    /// 1 when any failed, 2 when the rest were refused.
    static func exitStatus(_ codes: [Int32]) -> Int32 {
        if codes.allSatisfy({ $0 == 0 }) { return 0 }
        if codes.contains(130) { return 130 }
        if codes.contains(where: { $0 != 0 && $0 != 2 }) { return 1 }
        return 2
    }

    static func describe(_ code: Int32) -> String {
        switch code {
        case 0: return "succeeded"
        case 1: return "failed"
        case 2: return "refused"
        case 130: return "interrupted"
        default: return "error"
        }
    }
}
