import Crypto
import Foundation

/// One line of the audit log: who did what to what, when, chained to the
/// line before it by `prev` and sealed by `hash`.
public struct AuditEntry: Sendable, Equatable, Codable {
    /// 1 for the first entry, then one more per line; a gap or a repeat is tampering.
    public var seq: Int64
    /// UTC, RFC 3339 with milliseconds.
    public var time: String
    public var user: String
    public var host: String
    /// What was done, dotted: "runbook.start", "runbook.exec", "runbook.confirm", ...
    public var action: String
    /// What it was done to: a runbook's name, a file.
    public var subject: String
    /// Everything else, as strings so that the canonical form is unambiguous.
    public var detail: [String: String]
    /// The previous entry's hash; `AuditEntry.genesis` for the first.
    public var prev: String
    /// SHA-256 (hex) of the entry's canonical JSON without this field.
    public var hash: String

    /// The `prev` of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// The JSON whose SHA-256 is the hash: keys sorted, no spaces, every
    /// string escaped one way, so that any process (or a reader with jq and
    /// sha256sum) computes the same bytes.
    public var canonicalJSONWithoutHash: String {
        canonicalJSON(includingHash: false)
    }

    /// The line as written to the file (without the newline).
    public var line: String { canonicalJSON(includingHash: true) }

    /// The hash this entry's content should carry.
    public var computedHash: String {
        Self.hex(SHA256.hash(data: Data(canonicalJSONWithoutHash.utf8)))
    }

    private func canonicalJSON(includingHash: Bool) -> String {
        let details = detail.sorted { $0.key < $1.key }.map { "\(Self.quote($0.key)):\(Self.quote($0.value))" }.joined(separator: ",")
        var fields = [
            "\"action\":\(Self.quote(action))",
            "\"detail\":{\(details)}",
        ]
        if includingHash { fields.append("\"hash\":\(Self.quote(hash))") }
        fields += [
            "\"host\":\(Self.quote(host))",
            "\"prev\":\(Self.quote(prev))",
            "\"seq\":\(seq)",
            "\"subject\":\(Self.quote(subject))",
            "\"time\":\(Self.quote(time))",
            "\"user\":\(Self.quote(user))",
        ]
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// A JSON string literal: only `"`, `\` and control characters escaped.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Parses one line; nil when it is not an entry.
    public static func parse(_ line: Substring) -> AuditEntry? {
        try? JSONDecoder().decode(AuditEntry.self, from: Data(line.utf8))
    }

    /// The time now as the log writes it.
    public static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// `time` as a date, for `--since`.
    public var date: Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: time)
    }
}

/// The newest entry's `seq:hash`, as `opslab audit head` prints it.
public struct AuditHead: Sendable, Equatable, CustomStringConvertible {
    public var seq: Int64
    public var hash: String

    public init(seq: Int64, hash: String) {
        self.seq = seq
        self.hash = hash
    }

    /// Parses "SEQ:HASH" (64 hex digits).
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":")
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0, parts[1].count == 64,
              parts[1].allSatisfy(\.isHexDigit) else { return nil }
        self.seq = seq
        self.hash = parts[1].lowercased()
    }

    public var description: String { "\(seq):\(hash)" }
}

extension AuditHead {
    /// An Ed25519 signature of "SEQ:HASH" (base64), so that a head kept
    /// elsewhere can be shown to come from the key's holder.
    public func signature(with key: Curve25519.Signing.PrivateKey) throws -> String {
        try key.signature(for: Data(description.utf8)).base64EncodedString()
    }

    /// Whether `signature` (base64) signs this head for `key`.
    public func isSigned(by key: Curve25519.Signing.PublicKey, signature: String) -> Bool {
        guard let bytes = Data(base64Encoded: signature.trimmingCharacters(in: .whitespaces)) else { return false }
        return key.isValidSignature(bytes, for: Data(description.utf8))
    }
}
