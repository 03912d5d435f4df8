import Foundation
import LuaKit
import NN
import Runbooks

/// `audit`: reading and checking the audit log from the shell.
extension Workbench {
    /// Appends an entry for something done outside a runbook (a model signed
    /// or verified); a log that cannot be written is an error, not a silence.
    public func recordAudit(action: String, subject: String, detail: [String: String]) throws {
        do {
            try openAuditLog().append(action: action, subject: subject, detail: detail)
        } catch {
            throw LuaRuntimeError("\(action) \(subject) was done but could not be audited: \(error)", named: false)
        }
    }

    /// What a checkpoint verification records.
    public static func auditDetail(_ result: Checkpoint.Verification, ok: Bool) -> [String: String] {
        ["ok": String(ok), "digest_ok": String(result.digestValid), "signed": String(result.signed),
         "signature_ok": result.signatureValid.map(String.init) ?? "not checked"]
    }

    /// A file's path as the audit log names it: absolute, so entries from
    /// different working directories compare.
    public static func auditedPath(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    func auditFunctions() -> [LuaFunction] {
        [
            LuaFunction("audit.show", doc: """
                audit.show([{since = "1h", action = "runbook.start", grep = "text", limit = 100}]) -> list
                Entries of the audit log, oldest first: {seq, time, user, host, action, subject, detail}.
                action matches exactly, or as a prefix when it ends in "." ("runbook."); limit keeps the newest.
                """) { [unowned self] call in
                let options = try call.options(1)
                var since: Date?
                if let text = try options.optionalString("since") {
                    guard let duration = Duration.parse(text) else { throw options.error("since", "must be a duration like \"1h\", got \"\(text)\"") }
                    since = Date(timeIntervalSinceNow: -duration.totalSeconds)
                }
                let limit = try options.integer("limit", default: 100, in: 1...1_000_000)
                let entries: [AuditEntry]
                do {
                    entries = try openAuditLog().query(since: since, action: try options.optionalString("action"),
                                                       grep: try options.optionalString("grep"))
                } catch {
                    throw call.error("\(error)")
                }
                return call.returns(.table(LuaTableValue(array: entries.suffix(limit).map { entry in
                    .table(LuaTableValue(fields: [
                        "seq": .integer(entry.seq), "time": .string(entry.time), "user": .string(entry.user),
                        "host": .string(entry.host), "action": .string(entry.action), "subject": .string(entry.subject),
                        "detail": .table(LuaTableValue(fields: entry.detail.mapValues { .string($0) })),
                    ]))
                })))
            },
            LuaFunction("audit.verify", doc: """
                audit.verify([head: string]) -> table
                Recomputes the hash chain and compares its end with the head kept in the database (and with
                `head`, a "SEQ:HASH" kept elsewhere): {ok, entries, head, problem, seq}; seq is the first bad one.
                """) { [unowned self] call in
                var expected: AuditHead?
                if let text = try call.optionalString(1) {
                    guard let head = AuditHead(text) else { throw call.argumentError(1, "expected \"SEQ:HASH\" (64 hex digits), got \"\(text.prefix(80))\"") }
                    expected = head
                }
                let verification: AuditVerification
                do {
                    verification = try openAuditLog().verify(against: expected)
                } catch {
                    throw call.error("\(error)")
                }
                var fields: [String: LuaValue] = ["ok": .boolean(verification.valid), "entries": .integer(Int64(verification.entries))]
                if let head = verification.head { fields["head"] = .string(head.description) }
                if let problem = verification.problem {
                    fields["problem"] = .string(problem.message)
                    fields["seq"] = .integer(problem.seq)
                }
                return call.returns(.table(LuaTableValue(fields: fields)))
            },
            LuaFunction("audit.head", doc: """
                audit.head() -> string or nil
                The newest entry as "SEQ:HASH", to keep somewhere else and check with audit.verify(head).
                """) { [unowned self] call in
                do {
                    return call.returns(try openAuditLog().storedHead().map { .string($0.description) } ?? .nil)
                } catch {
                    throw call.error("\(error)")
                }
            },
        ]
    }
}
