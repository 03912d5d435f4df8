import Alerting
import Foundation

/// The silences serve honours, kept in the outbox's database so that the
/// CLI, the shell and serve share them; each change is one transaction.
public struct SilenceStore: Sendable {
    let outbox: NotificationOutbox

    /// The silences of the outbox's database.
    public init(outbox: NotificationOutbox) { self.outbox = outbox }

    /// Adds `silence` and returns its id.
    public func add(_ silence: Silence, now: Int64) throws -> String {
        try change(now: now) { silences in try silences.add(silence, now: now) }
    }

    /// Expires the silence `id`.
    public func expire(id: String, now: Int64) throws {
        try change(now: now) { silences in try silences.expire(id: id, now: now) }
    }

    /// Every silence with its state at `now`, in the API v2's order.
    public func list(at now: Int64) throws -> [(silence: Silence, state: SilenceState)] {
        try load(outbox.state(Notifier.StateName.silences)).list(at: now)
    }

    private func change<T>(now: Int64, _ body: (inout Silences) throws -> T) throws -> T {
        try outbox.updateState(Notifier.StateName.silences) { data in
            var silences = try load(data)
            let result = try body(&silences)
            silences.garbageCollect(now: now)
            return (try JSONEncoder().encode(silences), result)
        }
    }

    private func load(_ data: Data?) throws -> Silences {
        guard let data else { return Silences() }
        return try JSONDecoder().decode(Silences.self, from: data)
    }
}
