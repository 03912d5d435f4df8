import Foundation
import Testing
@testable import Runbooks
#if canImport(Glibc)
import Glibc
#endif

extension ProcessTests {
@Suite struct ProcessRunnerTests {
    @Test func capturesOutputAndExitCode() throws {
        let outcome = try ProcessRunner.run(ProcessRequest(argv: ["sh", "-c", "echo out; echo err >&2; exit 3"]))
        #expect(outcome.exitCode == 3)
        #expect(outcome.stdout.text == "out\n")
        #expect(outcome.stderr.text == "err\n")
        #expect(!outcome.timedOut)
    }

    @Test func noShellUnlessAsked() throws {
        let literal = try ProcessRunner.run(ProcessRequest(argv: ["echo", "$HOME;", "x"]))
        #expect(literal.stdout.text == "$HOME; x\n")
        var request = ProcessRequest(argv: ["echo $((2 + 3)) | tr 5 7"])
        request.shell = true
        #expect(try ProcessRunner.run(request).stdout.text == "7\n")
    }

    @Test func environmentDirectoryAndInput() throws {
        let dir = ScratchDirectory()
        var request = ProcessRequest(argv: ["sh", "-c", "pwd; echo \"$RUNBOOK_TEST\"; cat"])
        request.environment = ["RUNBOOK_TEST": "hello"]
        request.directory = dir.path
        request.input = Array("from stdin".utf8)
        let outcome = try ProcessRunner.run(request)
        #expect(outcome.stdout.text == "\(dir.path)\nhello\nfrom stdin")
    }

    @Test func commandNotFoundIsAClearError() {
        #expect(throws: ProcessError.self) { try ProcessRunner.run(ProcessRequest(argv: ["no-such-command-opslab"])) }
        do {
            _ = try ProcessRunner.run(ProcessRequest(argv: ["no-such-command-opslab"]))
        } catch {
            #expect(error.description == "command not found: no-such-command-opslab")
        }
        var request = ProcessRequest(argv: ["true"])
        request.directory = "/no/such/dir"
        #expect(throws: ProcessError.self) { try ProcessRunner.run(request) }
    }

    @Test func timeoutKillsTheWholeGroup() throws {
        let dir = ScratchDirectory()
        let pidFile = dir.path + "/child.pid"
        // The shell ignores SIGTERM, so only the SIGKILL after the grace ends it.
        var request = ProcessRequest(argv: ["sh", "-c", "trap '' TERM; sleep 30 & echo $! > \(pidFile); wait"])
        request.timeout = 0.3
        request.killGrace = 0.3
        let started = Date()
        let outcome = try ProcessRunner.run(request)
        #expect(outcome.timedOut)
        #expect(Date().timeIntervalSince(started) < 5)
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let child = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        // The grandchild is gone too (kill -0 fails once it is reaped by init).
        var gone = false
        for _ in 0..<50 where !gone {
            gone = kill(child, 0) != 0 || isZombie(child)
            if !gone { usleep(50_000) }
        }
        #expect(gone)
    }

    @Test func megabytesOfOutputStayBounded() throws {
        var request = ProcessRequest(argv: ["sh", "-c", "head -c 20000000 /dev/zero | tr '\\0' 'a'; echo; echo THE-END"])
        request.captureLimit = 64 << 10
        let outcome = try ProcessRunner.run(request)
        #expect(outcome.stdout.total == 20_000_000 + 1 + 8)
        #expect(outcome.stdout.head.count == 32 << 10)
        #expect(outcome.stdout.tail.count <= 64 << 10)
        #expect(outcome.stdout.text.hasSuffix("THE-END\n"))
        #expect(outcome.stdout.text.contains("bytes not kept"))
        #expect(outcome.stdout.text.utf8.count < 70 << 10)
    }

    @Test func signalledExitIs128PlusSignal() throws {
        let outcome = try ProcessRunner.run(ProcessRequest(argv: ["sh", "-c", "kill -9 $$"]))
        #expect(outcome.exitCode == 128 + 9)
    }

    @Test func ignoredSigpipeIsNotInherited() throws {
        signal(SIGPIPE, SIG_IGN)
        // With SIGPIPE ignored, `yes` would get EPIPE and report an error instead of dying quietly.
        let outcome = try ProcessRunner.run(ProcessRequest(argv: ["sh", "-c", "yes | head -1"]))
        #expect(outcome.stdout.text == "y\n")
        #expect(outcome.stderr.text.isEmpty)
    }

    @Test func interruptStopsTheGroup() throws {
        Interruption.request()
        defer { Interruption.clear() }
        var request = ProcessRequest(argv: ["sleep", "30"])
        request.killGrace = 0.2
        let outcome = try ProcessRunner.run(request)
        #expect(outcome.interrupted)
        #expect(outcome.seconds < 5)
    }

    private func isZombie(_ pid: pid_t) -> Bool {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        return stat.contains(") Z ")
    }
}
}
