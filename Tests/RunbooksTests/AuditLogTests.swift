import Foundation
import Testing
@testable import Runbooks
#if canImport(Glibc)
import Glibc
#endif

@Suite struct AuditLogTests {
    /// A log of `count` entries in a fresh directory.
    func filledLog(_ count: Int) throws -> (ScratchDirectory, AuditLog) {
        let dir = ScratchDirectory()
        let log = dir.auditLog()
        for i in 1...count {
            try log.append(action: "test.append", subject: "entry \(i)", detail: ["i": String(i), "quote": "a\"b\\c\n"])
        }
        return (dir, log)
    }

    @Test func chainVerifiesAndHeadMatchesStore() throws {
        let (dir, log) = try filledLog(5)
        let result = try log.verify()
        #expect(result.valid)
        #expect(result.entries == 5)
        #expect(result.head == (try log.storedHead()))
        let lines = dir.auditLines
        #expect(lines.count == 5)
        let second = try #require(AuditEntry.parse(Substring(lines[1])))
        let first = try #require(AuditEntry.parse(Substring(lines[0])))
        #expect(second.prev == first.hash)
        #expect(first.prev == AuditEntry.genesis)
        #expect(second.hash == second.computedHash)
        #expect(second.user == "tester" && second.host == "testhost")
    }

    @Test func editedLineIsNamed() throws {
        let (dir, log) = try filledLog(5)
        dir.auditLines[2] = dir.auditLines[2].replacingOccurrences(of: "entry 3", with: "entry X")
        let problem = try #require(try log.verify().problem)
        #expect(problem.seq == 3)
        #expect(problem.message.contains("edited"))
    }

    @Test func deletedLineIsNamed() throws {
        let (dir, log) = try filledLog(5)
        dir.auditLines.remove(at: 1)
        let problem = try #require(try log.verify().problem)
        #expect(problem.seq == 2)
        #expect(problem.message.contains("deleted"))
    }

    @Test func insertedLineIsNamed() throws {
        let (dir, log) = try filledLog(5)
        var lines = dir.auditLines
        lines.insert(lines[1], at: 2)
        dir.auditLines = lines
        #expect(try log.verify().problem?.seq == 3)
    }

    @Test func forgedLineWithValidHashIsCaughtByTheNextPrev() throws {
        let (dir, log) = try filledLog(4)
        var lines = dir.auditLines
        var forged = try #require(AuditEntry.parse(Substring(lines[1])))
        forged.subject = "forged"
        forged.hash = forged.computedHash
        lines[1] = forged.line
        dir.auditLines = lines
        let problem = try #require(try log.verify().problem)
        #expect(problem.seq == 3)
        #expect(problem.message.contains("prev"))
    }

    @Test func reorderedLinesAreNamed() throws {
        let (dir, log) = try filledLog(5)
        var lines = dir.auditLines
        lines.swapAt(2, 3)
        dir.auditLines = lines
        #expect(try log.verify().problem?.seq == 3)
    }

    @Test func truncatedTailIsCaughtByTheStoredHead() throws {
        let (dir, log) = try filledLog(5)
        dir.auditLines = Array(dir.auditLines.prefix(3))
        let problem = try #require(try log.verify().problem)
        #expect(problem.seq == 4)
        #expect(problem.message.contains("removed"))
        // Appending must not hide the cut behind new entries.
        #expect(throws: AuditError.self) { try log.append(action: "x", subject: "y") }
    }

    @Test func aLogWhoseDatabaseHeadIsGoneIsNotReanchored() throws {
        let (dir, _) = try filledLog(5)
        dir.auditLines = Array(dir.auditLines.prefix(3))
        // The database replaced: the log has entries and there is no head to check them against.
        let elsewhere = AuditLog(path: dir.path + "/audit.jsonl", databasePath: dir.path + "/other.db", user: "tester", host: "testhost")
        #expect(throws: AuditError.self) { try elsewhere.append(action: "x", subject: "y") }
        #expect(dir.auditLines.count == 3, "nothing appended")
        #expect(try elsewhere.verify().valid == false)
    }

    @Test func aLogAtTheLastSequenceNumberRefusesInsteadOfOverflowing() throws {
        let dir = ScratchDirectory()
        var entry = AuditEntry(seq: Int64.max, time: AuditEntry.timestamp(), user: "tester", host: "testhost",
                               action: "x", subject: "y", detail: [:], prev: AuditEntry.genesis, hash: "")
        entry.hash = entry.computedHash
        dir.auditLines = [entry.line]
        let log = dir.auditLog()
        try log.storeHead(AuditHead(seq: entry.seq, hash: entry.hash))
        #expect(throws: AuditError.self) { try log.append(action: "x", subject: "z") }
    }

    @Test func corruptAndPartialLinesAreNamed() throws {
        let (dir, log) = try filledLog(3)
        dir.auditLines[1] = "{not json"
        #expect(try log.verify().problem?.seq == 2)
        let (partialDir, partialLog) = try filledLog(2)
        let path = partialDir.path + "/audit.jsonl"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try String(text.dropLast(10)).write(toFile: path, atomically: false, encoding: .utf8)
        #expect(try partialLog.verify().problem?.seq == 2)
        #expect(throws: AuditError.self) { try partialLog.append(action: "x", subject: "y") }
    }

    @Test func givenHeadMustStillBeInTheLog() throws {
        let (dir, log) = try filledLog(3)
        defer { withExtendedLifetime(dir) {} }
        let head = try #require(try log.storedHead())
        try log.append(action: "later", subject: "s")
        #expect(try log.verify(against: head).valid)
        let wrong = AuditHead(seq: 2, hash: head.hash)
        #expect(try log.verify(against: wrong).problem?.seq == 2)
        #expect(try log.verify(against: AuditHead(seq: 9, hash: head.hash)).problem != nil)
        #expect(AuditHead("3:" + head.hash) == AuditHead(seq: 3, hash: head.hash))
        #expect(AuditHead("3:xyz") == nil)
    }

    @Test func concurrentWritersKeepOneChain() async throws {
        let dir = ScratchDirectory()
        // Separate AuditLog objects open separate file descriptions, so the
        // flock between them works as it does between processes.
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    let log = dir.auditLog()
                    for i in 0..<25 { _ = try? log.append(action: "concurrent", subject: "w\(writer)", detail: ["i": String(i)]) }
                }
            }
        }
        let result = try dir.auditLog().verify()
        #expect(result.problem == nil)
        #expect(result.entries == 100)
    }

    @Test func unwritableLogRefusesAppends() throws {
        let dir = ScratchDirectory()
        mkdir(dir.path + "/audit.jsonl", 0o755)
        #expect(throws: AuditError.self) { try dir.auditLog().append(action: "x", subject: "y") }
    }

    @Test func queryFilters() throws {
        let (dir, log) = try filledLog(3)
        defer { withExtendedLifetime(dir) {} }
        try log.append(action: "runbook.start", subject: "disk-pressure")
        #expect(try log.query(action: "runbook.start").count == 1)
        #expect(try log.query(action: "runbook.").count == 1)
        #expect(try log.query(action: "test.append").count == 3)
        #expect(try log.query(grep: "DISK-pressure").count == 1)
        #expect(try log.query(since: Date(timeIntervalSinceNow: 3600)).isEmpty)
    }
}
