// SIGINT and SIGTERM while a runbook runs.
//
// A run must not die half-way with its undos left unrun: while it runs, both
// signals only raise a flag. The process runner polls the flag and stops the
// current command's group; the runner then stops starting steps, runs the
// undos and records the run as interrupted. The handlers opslab had before
// (the shell's Ctrl-C handler) are put back when the run ends.

import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The interrupt flag of the runbook being run.
public enum Interruption {
    private static let flag = Atomic<Int32>(0)

    /// True once SIGINT or SIGTERM arrived during the current run.
    public static var requested: Bool { flag.load(ordering: .relaxed) != 0 }

    /// Raises the flag as a signal would (for callers that stop a run themselves).
    public static func request(_ signal: Int32 = SIGINT) {
        flag.store(signal, ordering: .relaxed)
    }

    /// Lowers the flag, so that undos can run their commands after a stop.
    public static func clear() {
        flag.store(0, ordering: .relaxed)
    }

    /// Runs `body` with SIGINT and SIGTERM caught into the flag, cleared first;
    /// the previous handlers come back afterwards.
    public static func catching<T>(_ body: () throws -> T) rethrows -> T {
        flag.store(0, ordering: .relaxed)
        var previousInt = sigaction()
        var previousTerm = sigaction()
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in Interruption.flag.store(signal, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        sigaction(SIGINT, &action, &previousInt)
        sigaction(SIGTERM, &action, &previousTerm)
        defer {
            sigaction(SIGINT, &previousInt, nil)
            sigaction(SIGTERM, &previousTerm, nil)
        }
        return try body()
    }
}
