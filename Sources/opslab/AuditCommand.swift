import ArgumentParser
import Foundation
import NN
import Plugins
import Runbooks
import Workbench

/// `opslab audit verify|head|show`
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check and read the audit log ($OPSLAB_HOME/audit.jsonl).",
        discussion: """
            Each line is one JSON entry with seq, time, user, host, action, subject, detail, prev and hash: hash is \
            the SHA-256 of the entry's canonical JSON without hash, and prev the hash of the entry before, so that \
            an edited, deleted, inserted or reordered line breaks the chain. The newest seq:hash is also kept in \
            $OPSLAB_HOME/opslab.db, which shows a cut tail; `audit head` prints it to keep elsewhere.
            """,
        subcommands: [Verify.self, Head.self, Show.self],
        defaultSubcommand: Show.self)

    /// The audit log of $OPSLAB_HOME; no workbench is started for it.
    static func log() throws -> AuditLog {
        let paths = try Session().paths
        try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true)
        return AuditLog(path: paths.auditLog, databasePath: paths.database)
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain and compare its end with the stored head; exit 1 naming the first bad seq.")

        @Option(help: ArgumentHelp("A head printed by `opslab audit head` earlier (SEQ:HASH, or a file holding it) that the log must still contain.", valueName: "head"))
        var head: String?

        @Option(help: ArgumentHelp("With --head: the public key (64 hex digits, or a file) whose signature the head must carry.", valueName: "key"))
        var key: String?

        func run() throws {
            var expected: AuditHead?
            if let head {
                let text = ModelCommand.Verify.keyText(head)
                let lines = text.split(separator: "\n").map(String.init)
                guard let first = lines.first, let parsed = AuditHead(first) else {
                    throw ValidationError("--head expects SEQ:HASH (64 hex digits), or a file holding it")
                }
                if let key {
                    let publicKey = try Checkpoint.publicKey(hex: ModelCommand.Verify.keyText(key))
                    guard let signature = lines.first(where: { $0.hasPrefix("signature: ") })?.dropFirst("signature: ".count),
                          parsed.isSigned(by: publicKey, signature: String(signature)) else {
                        writeStandardError("opslab audit verify: the head \(parsed) is not signed by that key\n")
                        throw ExitCode(1)
                    }
                }
                expected = parsed
            }
            let verification: AuditVerification
            do {
                verification = try AuditCommand.log().verify(against: expected)
            } catch let error as AuditError {
                writeStandardError("opslab audit verify: \(error)\n")
                throw ExitCode(1)
            }
            if let problem = verification.problem {
                print("audit log BROKEN at seq \(problem.seq): \(problem.message)")
                print("\(verification.entries) entries chain correctly before it")
                throw ExitCode(1)
            }
            print("audit log ok: \(verification.entries) entries, head \(verification.head?.description ?? "none")")
        }
    }

    struct Head: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the newest entry as SEQ:HASH, optionally signed, to keep somewhere else.")

        @Option(help: ArgumentHelp("An Ed25519 private key (64 hex digits, or a file; see `opslab model keygen`) to sign the head with.", valueName: "key"))
        var sign: String?

        func run() throws {
            guard let head = try AuditCommand.log().storedHead() else {
                writeStandardError("opslab audit head: the audit log is empty\n")
                throw ExitCode(1)
            }
            print(head)
            if let sign {
                let key = try Checkpoint.privateKey(hex: ModelCommand.Verify.keyText(sign))
                print("signature: \(try head.signature(with: key))")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print audit entries, oldest first.")

        @Option(help: ArgumentHelp("Only entries newer than this (e.g. 1h, 7d).", valueName: "duration"))
        var since: String?

        @Option(help: ArgumentHelp("Only this action (runbook.start), or actions starting with it when it ends in '.' (runbook.).", valueName: "action"))
        var action: String?

        @Option(help: ArgumentHelp("Only entries containing this text (ignoring case).", valueName: "text"))
        var grep: String?

        @Flag(help: "Print the entries as they are stored, one JSON object per line.")
        var json = false

        func run() throws {
            var date: Date?
            if let since {
                guard let duration = Duration.parse(since) else { throw ValidationError("--since expects a duration like 1h or 7d, got \"\(since)\"") }
                date = Date(timeIntervalSinceNow: -duration.totalSeconds)
            }
            for entry in try AuditCommand.log().query(since: date, action: action, grep: grep) {
                if json {
                    print(entry.line)
                } else {
                    let detail = entry.detail.sorted { $0.key < $1.key }.filter { $0.key != "run" }
                        .map { "\($0.key)=\(shellQuoted($0.value))" }.joined(separator: " ")
                    print("\(entry.seq)\t\(entry.time)\t\(entry.user)@\(entry.host)\t\(entry.action)\t\(entry.subject)\t\(detail)")
                }
            }
        }
    }
}
