// The audit log: $OPSLAB_HOME/audit.jsonl, one hash-chained JSON entry per
// line, its newest seq:hash also kept in opslab.db.
//
// Appends from any number of processes go through an exclusive flock on the
// file itself, held from reading the last entry to the fsync, so that two
// writers can neither interleave their lines nor both chain to the same
// predecessor. The head in the database is what makes a truncated tail
// visible: a log cut back to an earlier entry is still a valid chain, but
// it no longer ends where the database says it did. For the same reason an
// append refuses to extend a log whose end disagrees with that head, rather
// than paper over the cut with new entries.

import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// Why the audit log could not be written or read.
public struct AuditError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The first place the chain breaks, by the seq it should have had there.
public struct AuditProblem: Sendable, Equatable, CustomStringConvertible {
    public var seq: Int64
    public var message: String
    public var description: String { "seq \(seq): \(message)" }
}

/// What `verify` found.
public struct AuditVerification: Sendable {
    /// Entries read before the first problem (all of them when there is none).
    public var entries: Int
    /// The last entry of the file that chains correctly.
    public var head: AuditHead?
    /// The head kept in the database.
    public var storedHead: AuditHead?
    public var problem: AuditProblem?
    public var valid: Bool { problem == nil }
}

/// The hash-chained, append-only log of what opslab did.
public final class AuditLog: @unchecked Sendable {
    public let path: String
    public let databasePath: String
    /// Who and where, written into every entry.
    public let user: String
    public let host: String
    private var database: DatabaseQueue?
    private let databaseLock = NSLock()

    public init(path: String, databasePath: String, user: String = AuditLog.currentUser(), host: String = AuditLog.hostName()) {
        self.path = path
        self.databasePath = databasePath
        self.user = user
        self.host = host
    }

    // MARK: Appending

    /// Appends one entry and returns it once it is on disk. Throws when the
    /// log cannot be written, or when its end does not match the head in the
    /// database (it was cut or edited; `verify` says where).
    @discardableResult
    public func append(action: String, subject: String, detail: [String: String] = [:]) throws(AuditError) -> AuditEntry {
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AuditError("cannot write the audit log \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw AuditError("cannot lock the audit log \(path): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        let last = try lastEntry(fd)
        let stored = try storedHead()
        let end = last.map { AuditHead(seq: $0.seq, hash: $0.hash) }
        if stored != end {
            // A log with entries and no head in the database is as suspect as a
            // mismatch: appending would re-anchor a cut log and hide the cut.
            throw AuditError("the audit log \(path) ends at \(end.map { "seq \($0.seq)" } ?? "nothing") but the database's head is \(stored.map { "\($0)" } ?? "missing"); it was cut or edited, or the database replaced, so nothing more is appended (opslab audit verify shows where; move the log aside to start a new chain)")
        }
        let (seq, overflow) = (last?.seq ?? 0).addingReportingOverflow(1)
        guard !overflow else { throw AuditError("the audit log \(path) has no sequence numbers left; move it aside to start a new chain") }
        var entry = AuditEntry(seq: seq, time: AuditEntry.timestamp(), user: user, host: host,
                               action: action, subject: subject, detail: detail,
                               prev: last?.hash ?? AuditEntry.genesis, hash: "")
        entry.hash = entry.computedHash
        let bytes = Array((entry.line + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw AuditError("cannot write the audit log \(path): \(String(cString: strerror(errno)))") }
            written += n
        }
        guard fsync(fd) == 0 else { throw AuditError("cannot sync the audit log \(path): \(String(cString: strerror(errno)))") }
        try storeHead(AuditHead(seq: entry.seq, hash: entry.hash))
        return entry
    }

    /// The last entry of the open file, nil when it is empty. A last line
    /// without its newline, or one that does not parse, is an error: an
    /// entry chained to it would hide the damage.
    private func lastEntry(_ fd: Int32) throws(AuditError) -> AuditEntry? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw AuditError("cannot stat the audit log \(path)") }
        let size = Int(info.st_size)
        guard size > 0 else { return nil }
        var window = 4096
        while true {
            let start = max(0, size - window)
            var buffer = [UInt8](repeating: 0, count: size - start)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
            guard n == buffer.count else { throw AuditError("cannot read the audit log \(path)") }
            guard buffer.last == UInt8(ascii: "\n") else {
                throw AuditError("the audit log \(path) ends in a partial line; nothing more is appended (opslab audit verify shows where)")
            }
            let body = buffer.dropLast()
            if let newline = body.lastIndex(of: UInt8(ascii: "\n")) ?? (start == 0 ? body.startIndex - 1 : nil) {
                let line = String(decoding: body[(newline + 1)...], as: UTF8.self)
                guard let entry = AuditEntry.parse(Substring(line)) else {
                    throw AuditError("the last line of the audit log \(path) is not an entry; nothing more is appended (opslab audit verify shows where)")
                }
                return entry
            }
            window *= 4
        }
    }

    // MARK: The head in the database

    private func openDatabase() throws(AuditError) -> DatabaseQueue {
        databaseLock.lock()
        defer { databaseLock.unlock() }
        if let database { return database }
        do {
            var configuration = Configuration()
            // serve and the shell write the same file from other connections.
            configuration.busyMode = .timeout(10)
            // WAL, as the metrics store uses the file: a commit costs one
            // fsync instead of the rollback journal's three. FULL, so that
            // the head is as durable as the line it points to.
            configuration.journalMode = .wal
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            let queue = try DatabaseQueue(path: databasePath, configuration: configuration)
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS audit_head (
                        id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL)
                    """)
            }
            database = queue
            return queue
        } catch {
            throw AuditError("cannot open \(databasePath) for the audit head: \(error)")
        }
    }

    /// The head recorded by the last append, nil before the first.
    public func storedHead() throws(AuditError) -> AuditHead? {
        let db = try openDatabase()
        do {
            return try db.read { db in
                try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_head WHERE id = 1").map {
                    AuditHead(seq: $0["seq"], hash: $0["hash"])
                }
            }
        } catch {
            throw AuditError("cannot read the audit head from \(databasePath): \(error)")
        }
    }

    func storeHead(_ head: AuditHead) throws(AuditError) {
        let db = try openDatabase()
        do {
            try db.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO audit_head (id, seq, hash) VALUES (1, ?, ?)",
                               arguments: [head.seq, head.hash])
            }
        } catch {
            throw AuditError("cannot record the audit head in \(databasePath): \(error)")
        }
    }

    // MARK: Reading

    /// The file's lines (without newlines) and whether the last one was cut
    /// short of its newline.
    private func lines() throws(AuditError) -> (lines: [Substring], partialTail: Bool) {
        guard let data = FileManager.default.contents(atPath: path) else {
            if access(path, F_OK) != 0 { return ([], false) }
            throw AuditError("cannot read the audit log \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let partial = lines.last.map { !$0.isEmpty } ?? false
        if !partial { lines.removeLast() }
        return (lines, partial)
    }

    /// Recomputes the chain from the first line and compares its end with
    /// the database's head and, when given, with a head kept elsewhere.
    public func verify(against expected: AuditHead? = nil) throws(AuditError) -> AuditVerification {
        let (lines, partialTail) = try lines()
        var result = AuditVerification(entries: 0, head: nil, storedHead: try storedHead(), problem: nil)
        var previous = AuditEntry.genesis
        var hashes: [Int64: String] = [:]
        for (index, line) in lines.enumerated() {
            let seq = Int64(index + 1)
            let isPartial = partialTail && index == lines.count - 1
            guard let entry = AuditEntry.parse(line) else {
                result.problem = AuditProblem(seq: seq, message: isPartial
                    ? "line \(index + 1) is cut short (the file ends without its newline)"
                    : "line \(index + 1) is not an audit entry (corrupt)")
                return result
            }
            if entry.hash != entry.computedHash {
                result.problem = AuditProblem(seq: seq, message: "line \(index + 1)'s hash does not match its content: it was edited")
                return result
            }
            if entry.seq != seq {
                result.problem = AuditProblem(seq: seq, message: entry.seq > seq
                    ? "line \(index + 1) holds seq \(entry.seq): entry \(seq) was deleted, or lines were reordered"
                    : "line \(index + 1) holds seq \(entry.seq) again: a line was inserted, or lines were reordered")
                return result
            }
            if entry.prev != previous {
                result.problem = AuditProblem(seq: seq, message: "its prev does not match the hash of entry \(seq - 1): a line was inserted, replaced or rewritten")
                return result
            }
            if isPartial {
                result.problem = AuditProblem(seq: seq, message: "line \(index + 1) is cut short (the file ends without its newline)")
                return result
            }
            previous = entry.hash
            hashes[entry.seq] = entry.hash
            result.entries += 1
            result.head = AuditHead(seq: entry.seq, hash: entry.hash)
        }
        let lastSeq = result.head?.seq ?? 0
        if let stored = result.storedHead, stored != result.head {
            if stored.seq > lastSeq {
                result.problem = AuditProblem(seq: lastSeq + 1, message:
                    "the log ends at seq \(lastSeq) but the database's head is \(stored.seq): entries \(lastSeq + 1)...\(stored.seq) were removed from its end")
            } else if stored.seq < lastSeq {
                result.problem = AuditProblem(seq: stored.seq + 1, message:
                    "entries after seq \(stored.seq), the database's head, were not written by opslab")
            } else {
                result.problem = AuditProblem(seq: lastSeq, message: "the last entry's hash differs from the database's head: the log was rewritten")
            }
            return result
        }
        if result.storedHead == nil, lastSeq > 0 {
            result.problem = AuditProblem(seq: 1, message: "the database holds no audit head, but the log has \(lastSeq) entries: the database was replaced, or the log copied in")
            return result
        }
        if let expected, expected.seq > 0 {
            if hashes[expected.seq] != expected.hash {
                result.problem = AuditProblem(seq: min(expected.seq, lastSeq + 1), message: hashes[expected.seq] == nil
                    ? "the log has no entry \(expected.seq), which the given head names: its end was removed"
                    : "entry \(expected.seq)'s hash differs from the given head: the log was rewritten up to there")
            }
        }
        return result
    }

    /// Entries matching every filter given: newer than `since`, of an
    /// action (exactly, or a prefix ending in '.': "runbook."), containing
    /// `grep` (ignoring case) anywhere in the line. Lines that do not parse are skipped;
    /// `verify` reports them.
    public func query(since: Date? = nil, action: String? = nil, grep: String? = nil) throws(AuditError) -> [AuditEntry] {
        try lines().lines.compactMap { line -> AuditEntry? in
            if let grep, line.range(of: grep, options: .caseInsensitive) == nil { return nil }
            guard let entry = AuditEntry.parse(line) else { return nil }
            if let action, entry.action != action, !(action.hasSuffix(".") && entry.action.hasPrefix(action)) { return nil }
            if let since, let date = entry.date, date < since { return nil }
            return entry
        }
    }

    // MARK: Identity

    /// The login name of the effective user ($USER when the password
    /// database does not know it, as in some containers).
    public static func currentUser() -> String {
        if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? String(geteuid())
    }

    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
