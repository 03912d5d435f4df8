import Alerting
import Foundation
import LuaKit
import Notifications
import PromQL

/// `alerts.silence`, `alerts.silences`, `alerts.expire`: the silences that
/// `opslab serve --notify` honours, kept in the workbench's database beside
/// the outbox, so the shell, the CLI and a running serve share them.
extension Workbench {
    func silenceFunctions() -> [LuaFunction] {
        [
            LuaFunction("alerts.silence", doc: """
                alerts.silence{matchers = 'alertname="DiskFull", instance=~"db-.*"', comment = "why" [, duration = "1h"] [, starts = t] [, ends = t] [, author = "me"]} -> string
                Adds a silence and returns its id. matchers is written as amtool takes it (or a list of
                such strings); starts and ends are Unix seconds (default: now, and starts + duration). A
                running `opslab serve --notify` honours it within a second.
                """) { [unowned self] call in
                let options = try LuaOptions(call.table(1), function: "alerts.silence",
                                             allowed: ["matchers", "comment", "duration", "starts", "ends", "author"])
                let matchers: String
                switch options.fields["matchers"] {
                case .string(let text)?: matchers = text
                case .table(let list)? where !list.array.isEmpty && list.array.allSatisfy({ $0.stringValue != nil }):
                    matchers = list.array.compactMap(\.stringValue).joined(separator: ", ")
                case let other: throw options.error("matchers", "must be a string such as 'alertname=\"DiskFull\"' or a list of them, got \((other ?? .nil).luaText)")
                }
                guard let comment = try options.optionalString("comment"), !comment.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw options.error("comment", "is required: say why")
                }
                let now = Self.nowMs()
                let unixRange = -1e11...1e11
                let startsAt = try options.optionalNumber("starts", in: unixRange).map { Int64(($0 * 1000).rounded()) } ?? now
                var endsAt: Int64
                if let ends = try options.optionalNumber("ends", in: unixRange) {
                    guard try options.optionalString("duration") == nil else {
                        throw options.error("duration", "cannot be given with ends")
                    }
                    endsAt = Int64((ends * 1000).rounded())
                } else {
                    let text = try options.optionalString("duration") ?? "1h"
                    guard let length = parseDuration(text), length > 0, length <= 100 * 365 * 86_400_000 else {
                        throw options.error("duration", "must be a duration from 1ms to 100y such as \"2h\", got \"\(text)\"")
                    }
                    endsAt = startsAt + length
                }
                let author = try options.optionalString("author") ?? ProcessInfo.processInfo.environment["USER"] ?? "opslab"
                do {
                    let silence = try Silence(matchers: matchers, startsAt: startsAt, endsAt: endsAt, createdBy: author, comment: comment)
                    return call.returns(.string(try silenceStore().add(silence, now: now)))
                } catch let error as SilenceError {
                    throw call.error("alerts.silence: \(error)")
                }
            },
            LuaFunction("alerts.silences", doc: """
                alerts.silences([{expired = true}]) -> table
                The silences, active first, then pending (and expired with expired = true):
                {id, state, matchers, starts, ends, author, comment}, times in Unix seconds.
                """) { [unowned self] call in
                let options = try LuaOptions(call.optionalTable(1), function: "alerts.silences", allowed: ["expired"])
                let expired = try options.boolean("expired", default: false)
                let rows = try silenceStore().list(at: Self.nowMs()).filter { expired || $0.state != .expired }.map { silence, state in
                    LuaValue.table(LuaTableValue(fields: [
                        "id": .string(silence.id), "state": .string(state.rawValue),
                        "matchers": .string(silence.matchers.map(\.description).joined(separator: ", ")),
                        "starts": .number(Double(silence.startsAt) / 1000), "ends": .number(Double(silence.endsAt) / 1000),
                        "author": .string(silence.createdBy), "comment": .string(silence.comment),
                    ]))
                }
                return call.returns(.table(LuaTableValue(array: rows)))
            },
            LuaFunction("alerts.expire", doc: """
                alerts.expire(id: string) -> true
                Expires a silence now (a pending one is dropped), as `opslab alerts silence expire` does.
                """) { [unowned self] call in
                let id = try call.string(1)
                do {
                    try silenceStore().expire(id: id, now: Self.nowMs())
                } catch let error as SilenceError {
                    throw call.error("alerts.expire: \(error)")
                }
                return call.returns(.boolean(true))
            },
        ]
    }

    /// The silences of `$OPSLAB_HOME/opslab.db`.
    private func silenceStore() throws -> SilenceStore {
        try FileManager.default.createDirectory(atPath: paths.home, withIntermediateDirectories: true)
        return SilenceStore(outbox: try NotificationOutbox(path: paths.home + "/opslab.db"))
    }

    private static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }
}
